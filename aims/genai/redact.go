package genai

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
// They run on the NFKC form of the text (see Redact). They are compiled
// once and only read afterwards.
var (
	// emailRE: internationalised addresses too (RFC 6531 local parts, IDN
	// domains, punycode top-level domains), so "jörg.müller@müller.de" is
	// found whole, not from the last ASCII letters of the name on.
	emailRE = regexp.MustCompile(`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)*\.\p{L}[\p{L}\p{M}\p{N}\-]*[\p{L}\p{M}\p{N}]`)
	// digitRunRE: runs of digits with single separators between them (a
	// space of any kind, Unicode Zs, or a dash, Unicode Pd), the
	// candidates for card numbers.
	digitRunRE = regexp.MustCompile(`[0-9]+(?:[\p{Zs}\p{Pd}][0-9]+)*`)
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
// It looks for them in the NFKC form of s, so full-width digits and
// letters, and no-break, thin and ideographic spaces, hide nothing (card
// numbers also take any Unicode space or dash between digit groups). It
// replaces the matching span of s itself: the rest of s is returned as it
// was, not normalised. A match that begins or ends inside a character
// whose NFKC form is several characters takes in the whole character, so
// no part of what was found stays. Digits of other scripts (Arabic-Indic,
// Devanagari …) are not read as digits.
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
	s = replaceNormalized(s, emailRE, func(m string) []span {
		r.Email++
		return []span{{0, len(m), RedactedEmail}}
	})
	s = replaceSpans(s, func(text string) []span {
		spans := ibanSpans(text)
		r.IBAN += len(spans)
		return spans
	})
	s = replaceNormalized(s, digitRunRE, func(m string) []span {
		cards := cardSpans(m)
		r.Card += len(cards)
		return cards
	})
	s = replaceNormalized(s, phoneRE, func(m string) []span {
		if d := countDigits(m); d < 8 || d > 15 {
			return nil
		}
		r.Phone++
		return []span{{0, len(m), RedactedPhone}}
	})
	return s, r
}

// span is a replacement: the bytes [start, end) of a match are to be
// replaced by with.
type span struct {
	start, end int
	with       string
}

// replaceNormalized finds the matches of re in the NFKC form of s, asks
// replace which spans of each match to replace (none to leave it), and
// replaces the corresponding spans of s itself.
func replaceNormalized(s string, re *regexp.Regexp, replace func(match string) []span) string {
	return replaceSpans(s, func(text string) []span {
		var spans []span
		for _, m := range re.FindAllStringIndex(text, -1) {
			for _, sp := range replace(text[m[0]:m[1]]) {
				spans = append(spans, span{m[0] + sp.start, m[0] + sp.end, sp.with})
			}
		}
		return spans
	})
}

// replaceSpans asks find for the spans of the NFKC form of s to replace
// (in order, not overlapping) and replaces the corresponding spans of s
// itself.
func replaceSpans(s string, find func(text string) []span) string {
	n := normalize(s)
	var b strings.Builder
	last, replaced := 0, false
	for _, sp := range find(n.text) {
		start, end := n.original(sp.start, sp.end)
		start = max(start, last) // two spans in one character: replace it once
		if end <= start {
			continue
		}
		if !replaced {
			b.Grow(len(s))
			replaced = true
		}
		b.WriteString(s[last:start])
		b.WriteString(sp.with)
		last = end
	}
	if !replaced {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// ibanSpans finds the IBANs of text (ISO 13616 print form: two letters,
// two check digits, then up to 30 letters and digits, in groups
// separated by single spaces, or none). At each start of a word that
// begins with two letters and two digits it takes the longest candidate
// of 15–34 characters that ends at the end of a word and passes the
// mod-97 check, and goes on looking after it. A candidate is never cut
// short by the words around it: a word that looks like the start of an
// IBAN ("AB12 and my IBAN DE89 …") or an IBAN just before it does not
// hide it, as one greedy pattern match over the whole run would.
func ibanSpans(text string) []span {
	var spans []span
	for i := 0; i+4 <= len(text); i++ {
		if i > 0 && isWordByte(text[i-1]) {
			continue
		}
		if !isLetter(text[i]) || !isLetter(text[i+1]) || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
			continue
		}
		if end := longestIBAN(text[i:]); end > 0 {
			spans = append(spans, span{i, i + end, RedactedIBAN})
			i += end - 1
		}
	}
	return spans
}

// longestIBAN returns the length of the longest IBAN at the start of t,
// 0 for none; t starts with two letters and two digits.
func longestIBAN(t string) int {
	best, chars := 0, 4
	for pos := 4; pos < len(t) && chars < 34; {
		if t[pos] == ' ' && pos+1 < len(t) && isAlnum(t[pos+1]) {
			pos++
		}
		if !isAlnum(t[pos]) {
			break
		}
		pos++
		chars++
		if chars >= 15 && (pos == len(t) || !isWordByte(t[pos])) && validIBAN(t[:pos]) {
			best = pos
		}
	}
	return best
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isLetter(c byte) bool   { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }
func isAlnum(c byte) bool    { return isDigit(c) || isLetter(c) }
func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }

// normalized is the NFKC form of a text with the way back to the text:
// normalisation segment i of the text, text[orig[i]:orig[i+1]], became
// form[norm[i]:norm[i+1]]. A segment is an ASCII byte, or a character with
// the combining characters that follow it.
type normalized struct {
	text       string
	norm, orig []int // nil when the text is already in NFKC
}

func normalize(s string) normalized {
	if norm.NFKC.IsNormalString(s) {
		return normalized{text: s}
	}
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	var b strings.Builder
	b.Grow(len(s))
	n := normalized{norm: []int{0}, orig: []int{0}}
	for !it.Done() {
		b.Write(it.Next())
		n.norm = append(n.norm, b.Len())
		n.orig = append(n.orig, it.Pos())
	}
	n.text = b.String()
	return n
}

// original maps the bytes [start, end) of the NFKC form back to the
// original text, widened to whole segments: a match that covers part of a
// segment's normal form takes the whole segment.
func (n normalized) original(start, end int) (int, int) {
	if n.norm == nil || end <= start {
		return start, end
	}
	// The segment holding start: the last boundary at or before it.
	i := sort.SearchInts(n.norm, start+1) - 1
	// The segment holding the last byte, and the first boundary of the
	// original past its start (a character whose normal form is several
	// segments shows as boundaries that do not move in the original).
	k := sort.SearchInts(n.norm, end) - 1
	j := k + 1
	for j < len(n.orig)-1 && n.orig[j] <= n.orig[k] {
		j++
	}
	return n.orig[i], n.orig[j]
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

// cardSpans returns, in one run of digit groups, every span of whole
// groups that holds 13–19 digits and passes the Luhn check, preferring
// the longest span at each start. Working on whole groups finds a card
// number written next to other numbers ("4111 1111 1111 1111 12/27").
func cardSpans(run string) []span {
	type group struct{ start, end, digits int }
	var groups []group
	for i := 0; i < len(run); {
		j := i
		for j < len(run) && run[j] >= '0' && run[j] <= '9' {
			j++
		}
		groups = append(groups, group{i, j, j - i})
		_, w := utf8.DecodeRuneInString(run[j:]) // skip the separator
		i = j + w
	}
	var spans []span
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
		spans = append(spans, span{groups[i].start, groups[found].end, RedactedCard})
		i = found
	}
	return spans
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
