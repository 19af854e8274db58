// Package identity folds the spellings of one person's name or ID into
// one form, so that every check that two people differ (four eyes,
// separation of duties, contest exclusions) compares what a reader of the
// evidence would see. Two spellings that look the same must not count as
// two people: RFC 8265 §3.3 maps width and case of user names for the
// same reason, and Unicode TR #36 §2 describes the invisible-character
// spoofs.
package identity

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the form in which two spellings of one identity are equal:
// characters nobody sees dropped (format characters such as zero-width
// spaces, byte-order marks and soft hyphens, other default ignorable code
// points, variation selectors), compatibility forms folded (NFKC:
// fullwidth "ｒ１" is "r1"), letters lower-cased, and white space at
// either end trimmed. It is empty for a string with nothing visible.
func Fold(s string) string {
	if !isASCII(s) {
		if strings.ContainsFunc(s, invisible) {
			s = strings.Map(func(r rune) rune {
				if invisible(r) {
					return -1
				}
				return r
			}, s)
		}
		// NFKC before lower-casing folds compatibility capitals
		// (fullwidth, letterlike symbols) into letters ToLower knows;
		// again after it, since lower-casing may leave a string that is
		// not in NFKC.
		s = norm.NFKC.String(strings.ToLower(norm.NFKC.String(s)))
	} else {
		// ASCII has no invisible characters and is its own NFKC form:
		// the common case skips the Unicode tables, since stores compare
		// identities for every ticket a claim looks at.
		s = strings.ToLower(s)
	}
	return strings.TrimSpace(s)
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// invisible reports whether r is a character that renders as nothing: a
// format character (Cf: zero-width space and joiners, byte-order mark,
// soft hyphen, bidirectional controls), another default ignorable code
// point, or a variation selector.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}
