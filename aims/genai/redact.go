package genai

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redactions counts what Redact replaced, by kind.
type Redactions struct {
	// Email counts e-mail addresses.
	Email int `json:"email,omitempty"`
	// Phone counts phone numbers.
	Phone int `json:"phone,omitempty"`
	// IBAN counts IBANs.
	IBAN int `json:"iban,omitempty"`
	// Card counts payment card numbers.
	Card int `json:"card,omitempty"`
}

// Total is the number of replacements.
func (r Redactions) Total() int { return r.Email + r.Phone + r.IBAN + r.Card }

// The placeholders Redact puts where personal data was.
const (
	RedactedEmail = "[EMAIL]"
	RedactedPhone = "[PHONE]"
	RedactedIBAN  = "[IBAN]"
	RedactedCard  = "[CARD]"
)

// The patterns find candidates; IBANs and card numbers are then confirmed
// by their check digits, so that order numbers and amounts stay readable.
// They are compiled once and only read afterwards.
var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// ibanRE: two letters, two check digits, then 11–30 alphanumerics,
	// optionally in groups separated by single spaces (ISO 13616 print form).
	ibanRE = regexp.MustCompile(`(?i)\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b`)
	// digitRunRE: runs of digits with single space or dash separators, the
	// candidates for card numbers.
	digitRunRE = regexp.MustCompile(`[0-9]+(?:[ \-][0-9]+)*`)
	// phoneRE: an international number (+ or 00, then a non-zero digit)
	// or a national one starting with 0 or an area code in parentheses,
	// with spaces, dots, dashes or parentheses between digits.
	phoneRE = regexp.MustCompile(`(?:\+|\b00)[1-9][0-9 ().\-]{5,20}[0-9]|(?:\b0|\(0?)[0-9][0-9 ().\-]{5,18}[0-9]`)
)

// Redact returns s with e-mail addresses, IBANs (ISO 13616, mod-97
// checked), payment card numbers (13–19 digits, Luhn checked) and phone
// numbers (8–15 digits, international or national form) replaced by
// placeholders, and counts of what it replaced. Invalid UTF-8 is replaced
// by U+FFFD first, so the result is always valid UTF-8.
//
// It is deliberately conservative about numbers: a digit run that fails
// the IBAN or Luhn check is left alone unless it looks like a phone
// number. It is a deterministic first line; it does not find names or
// postal addresses.
func Redact(s string) (string, Redactions) {
	var r Redactions
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = emailRE.ReplaceAllStringFunc(s, func(string) string { r.Email++; return RedactedEmail })
	s = ibanRE.ReplaceAllStringFunc(s, func(m string) string {
		// The pattern is greedy and may take in the words after an IBAN
		// ("DE89 … 00 please"): the longest prefix that checks is the IBAN.
		for end := len(m); end >= 15; end-- {
			if end < len(m) && m[end] != ' ' {
				continue
			}
			if validIBAN(m[:end]) {
				r.IBAN++
				return RedactedIBAN + m[end:]
			}
		}
		return m
	})
	s = digitRunRE.ReplaceAllStringFunc(s, func(m string) string {
		out, n := redactCards(m)
		r.Card += n
		return out
	})
	s = phoneRE.ReplaceAllStringFunc(s, func(m string) string {
		if d := countDigits(m); d < 8 || d > 15 {
			return m
		}
		r.Phone++
		return RedactedPhone
	})
	return s, r
}

// validIBAN checks the length and the ISO 7064 mod-97-10 check digits of
// an IBAN candidate (ISO 13616-1: move the first four characters to the
// end, letters to 10–35, the number mod 97 must be 1).
func validIBAN(m string) bool {
	compact := strings.ToUpper(strings.ReplaceAll(m, " ", ""))
	if len(compact) < 15 || len(compact) > 34 {
		return false
	}
	rearranged := compact[4:] + compact[:4]
	var digits strings.Builder
	for _, c := range rearranged {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			digits.WriteString(strconv.Itoa(int(c-'A') + 10))
		default:
			return false
		}
	}
	// Piecewise mod 97 keeps the arithmetic in an int.
	rem := 0
	for _, c := range digits.String() {
		rem = (rem*10 + int(c-'0')) % 97
	}
	return rem == 1
}

// redactCards replaces, in one run of digit groups, every span of whole
// groups that holds 13–19 digits and passes the Luhn check, preferring
// the longest span at each start; it returns the result and how many it
// replaced. Working on whole groups finds a card number written next to
// other numbers ("4111 1111 1111 1111 12/27").
func redactCards(run string) (string, int) {
	type group struct{ start, end, digits int }
	var groups []group
	for i := 0; i < len(run); {
		j := i
		for j < len(run) && run[j] >= '0' && run[j] <= '9' {
			j++
		}
		groups = append(groups, group{i, j, j - i})
		i = j + 1 // skip the separator
	}
	var b strings.Builder
	n, last := 0, 0
	for i := 0; i < len(groups); i++ {
		total, found := 0, -1
		for k := i; k < len(groups); k++ {
			total += groups[k].digits
			if total > 19 {
				break
			}
			if total >= 13 && luhn(run[groups[i].start:groups[k].end]) {
				found = k
			}
		}
		if found < 0 {
			continue
		}
		b.WriteString(run[last:groups[i].start])
		b.WriteString(RedactedCard)
		last = groups[found].end
		n++
		i = found
	}
	if n == 0 {
		return run, 0
	}
	b.WriteString(run[last:])
	return b.String(), n
}

// luhn reports whether the digits of s (separators ignored) pass the Luhn
// (ISO/IEC 7812-1 Annex B) check.
func luhn(s string) bool {
	sum, double, n := 0, false, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
		n++
	}
	return n > 0 && sum%10 == 0
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}
