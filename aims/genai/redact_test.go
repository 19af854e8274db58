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
	for _, s := range []string{"jo@x.de", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "+49 30 1234567", "\xff\xfe", "(0", "00 1 1 1 1 1 1 1",
		"４１１１\u00a0１１１１ １１１１ １１１１", "\u2100jo@x.\u33c7", "e\u0301 4111\u16801111\u20131111 1111\u0301"} {
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

// A card number typed with non-breaking spaces (as pasted from a web page
// or PDF), other Unicode spaces or dashes, or in full-width digits is
// personal data all the same; so are an e-mail address, IBAN or phone
// number in full-width forms. Redact finds them in the NFKC form and
// replaces the matching span of the original text: the rest of the text
// comes back as it was, not normalised, and no digit of what was found
// stays, also when a match begins or ends inside a character whose NFKC
// form is several characters.
func TestRedactFindsCardNumbersWithUnicodeSeparatorsOrDigits(t *testing.T) {
	cases := []struct {
		name, in, want string
		n              Redactions
	}{
		{"no-break spaces", "my card is 4111\u00a01111\u00a01111\u00a01111", "my card is [CARD]", Redactions{Card: 1}},
		{"full-width digits", "my card is ４１１１ １１１１ １１１１ １１１１", "my card is [CARD]", Redactions{Card: 1}},
		{"full-width, ideographic spaces, text around kept",
			"カード：４１１１\u3000１１１１\u3000１１１１\u3000１１１１です", "カード：[CARD]です", Redactions{Card: 1}},
		{"narrow no-break space and en dash, the rest not normalised",
			"x² ＋ ﬁle 4111\u202f1111\u20131111\u20131111 ok", "x² ＋ ﬁle [CARD] ok", Redactions{Card: 1}},
		{"Ogham space mark (Zs, no NFKC form)", "4111\u16801111\u16801111\u16801111", "[CARD]", Redactions{Card: 1}},
		{"full-width e-mail", "ｍｙ ｅｍａｉｌ ｉｓ ｊｏ＠ｘ．ｄｅ ok", "ｍｙ ｅｍａｉｌ ｉｓ [EMAIL] ok", Redactions{Email: 1}},
		{"full-width IBAN", "IBAN ＤＥ８９\u00a03704 0044 0532 0130 00 please", "IBAN [IBAN] please", Redactions{IBAN: 1}},
		{"full-width phone", "call ＋４９ ３０ １２３４５６７", "call [PHONE]", Redactions{Phone: 1}},
		// U+2100 ACCOUNT OF is "a/c" in NFKC: the match "cjo@x.de"
		// begins inside it, and takes it whole.
		{"match begins inside a character", "\u2100jo@x.de", "[EMAIL]", Redactions{Email: 1}},
		// U+33C7 SQUARE CO is "Co." in NFKC: the match ends inside it.
		{"match ends inside a character", "mail jo@x.\u33c7 now", "mail [EMAIL] now", Redactions{Email: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, n := Redact(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.n, n)
			again, more := Redact(got)
			assert.Equal(t, got, again, "what Redact returns has nothing left to redact")
			assert.Zero(t, more.Total())
		})
	}
}
