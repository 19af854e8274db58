package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// An IBAN that the IBAN pattern's greedy match starts before (a word like
// "AB12" ahead of it) or that follows another IBAN in the same run of
// space-separated groups is still an IBAN: both are found.
func TestRedactFindsIBANsInsideALongerCandidate(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"after a look-alike word", "my ID is AB12 and my IBAN DE89 3704 0044 0532 0130 00 thanks",
			"my ID is AB12 and my IBAN [IBAN] thanks"},
		{"two IBANs in a row, printed", "DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32",
			"[IBAN] [IBAN]"},
		{"two IBANs in a row, compact", "from DE89370400440532013000 GB82WEST12345698765432 ok",
			"from [IBAN] [IBAN] ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := Redact(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, Redactions{IBAN: countIBAN(c.want)}, n)
		})
	}
}

func countIBAN(s string) int {
	n := 0
	for i := 0; i+len(RedactedIBAN) <= len(s); i++ {
		if s[i:i+len(RedactedIBAN)] == RedactedIBAN {
			n++
		}
	}
	return n
}
