package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Internationalised addresses (RFC 6531 local parts, IDN domains) are
// e-mail addresses too: replaced whole, no part of the name left over.
func TestRedactFindsInternationalisedEmail(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"umlaut in the local part", "schreib an jörg.müller@web.de bitte", "schreib an [EMAIL] bitte"},
		{"IDN domain", "mail anna@müller-bau.de", "mail [EMAIL]"},
		{"accented name", "écrire à françois.lefèvre@exemple.fr.", "écrire à [EMAIL]."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := Redact(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, Redactions{Email: 1}, n)
		})
	}
}
