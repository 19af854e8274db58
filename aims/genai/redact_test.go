package genai

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestRedactFindsPersonalData(t *testing.T) {
	cases := []struct {
		name, in, want string
		n              Redactions
	}{
		{"e-mail", "write to jane.doe+bank@example.co.uk today", "write to [EMAIL] today", Redactions{Email: 1}},
		{"two e-mails", "a@b.io, c_d@e-f.org", "[EMAIL], [EMAIL]", Redactions{Email: 2}},
		{"IBAN printed in groups", "pay to DE89 3704 0044 0532 0130 00 please", "pay to [IBAN] please", Redactions{IBAN: 1}},
		{"IBAN compact, lower case", "gb82west12345698765432", "[IBAN]", Redactions{IBAN: 1}},
		{"Visa test card in groups", "card 4111 1111 1111 1111 exp 12/27", "card [CARD] exp 12/27", Redactions{Card: 1}},
		{"card with dashes", "5500-0000-0000-0004", "[CARD]", Redactions{Card: 1}},
		{"Amex compact", "amex 378282246310005.", "amex [CARD].", Redactions{Card: 1}},
		{"card followed by another number", "4111 1111 1111 1111 2027", "[CARD] 2027", Redactions{Card: 1}},
		{"international phone", "call +49 30 1234567 now", "call [PHONE] now", Redactions{Phone: 1}},
		{"US phone", "+1 (555) 123-4567", "[PHONE]", Redactions{Phone: 1}},
		{"national phone", "mobile 0612345678", "mobile [PHONE]", Redactions{Phone: 1}},
		{"area code in parentheses", "(030) 1234 5678", "[PHONE]", Redactions{Phone: 1}},
		{"mixed", "jo@x.de, 4111111111111111, +44 20 7946 0958", "[EMAIL], [CARD], [PHONE]", Redactions{Email: 1, Card: 1, Phone: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := Redact(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.n, n)
		})
	}
}

func TestRedactLeavesOrdinaryTextAlone(t *testing.T) {
	for _, in := range []string{
		"Our branches are open Monday to Friday, 9:00 to 17:00.",
		"Transfers abroad cost EUR 2; loans up to EUR 30,000.",
		"The decision of 2026-12-07 was reviewed.",
		"order number 12345678",                      // eight digits, no phone prefix
		"4111 1111 1111 1112",                        // fails Luhn
		"GB82 WEST 1234 5698 7654 33",                // fails mod 97
		"version 1.2.3 and @handle without a domain", // no e-mail
		"ISBN 978 3 16 148410 0",                     // 13 digits, fails Luhn
		"",
	} {
		got, n := Redact(in)
		assert.Equal(t, in, got, "changed %q", in)
		assert.Zero(t, n.Total(), "counted something in %q", in)
	}
}

func TestRedactRepairsInvalidUTF8(t *testing.T) {
	got, n := Redact("mail \xff jo@x.de")
	assert.True(t, utf8.ValidString(got))
	assert.Equal(t, "mail \uFFFD [EMAIL]", got)
	assert.Equal(t, 1, n.Email)
}

func TestValidIBANChecksDigits(t *testing.T) {
	assert.True(t, validIBAN("NL91ABNA0417164300"))
	assert.False(t, validIBAN("NL91ABNA0417164301"))
	assert.False(t, validIBAN("NL91ABNA04"), "too short")
	assert.True(t, luhn("79927398713"))
	assert.False(t, luhn("79927398710"))
	assert.False(t, luhn(""))
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"jo@x.de", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "+49 30 1234567", "\xff\xfe", "(0", "00 1 1 1 1 1 1 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, n := Redact(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Redact(%q) = %q, not valid UTF-8", s, got)
		}
		if n.Total() == 0 && utf8.ValidString(s) && got != s {
			t.Fatalf("Redact(%q) changed the text without counting a redaction: %q", s, got)
		}
		// Redacting twice finds nothing new: placeholders are not data.
		again, m := Redact(got)
		if again != got || m.Total() != 0 {
			t.Fatalf("Redact is not idempotent on %q: %q then %q", s, got, again)
		}
		if strings.Count(got, "[") < n.Total() {
			t.Fatalf("Redact(%q) counted %d but wrote fewer placeholders: %q", s, n.Total(), got)
		}
	})
}
