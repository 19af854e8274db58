package oversight

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/aimskit/aimskit/internal/identity"
)

// MaxIDLength is the longest reviewer, submitter or system ID the Gate
// accepts, in bytes.
const MaxIDLength = 256

// NormalizeID returns the canonical form of a reviewer or submitter
// identity: characters nobody sees dropped (format characters such as
// zero-width spaces, byte-order marks and soft hyphens, and other default
// ignorable code points), compatibility forms folded (NFKC: fullwidth
// "ｒ１" is "r1"), letters lower-cased and surrounding white space
// trimmed, so that "R1", " r1", "ｒ１" and "r\u200b1" are one person
// wherever identities are compared (votes, four-eyes, segregation of
// duties, contest exclusions, claims). Two identities that look the same
// to the people reading the evidence must not count as two people (RFC
// 8265 §3.3 maps width and case of user names for the same reason;
// Unicode TR #36 §2 describes the invisible-character spoofs). It refuses
// an empty identity (ErrUnauthenticated) and one with control characters
// or longer than MaxIDLength (ErrInvalidID).
//
// It also refuses (ErrInvalidID) an identity with a word that mixes
// scripts beyond the Unicode UTS #39 restriction level "highly
// restrictive", such as "dave" with a Cyrillic "а" (U+0430): such an
// identity reads as "dave" in every console, report and ledger, so
// counting it as a second person would let one person pass four-eyes,
// segregation of duties or a contest exclusion under two spellings, and
// folding it into "dave" would need the confusables data of UTS #39,
// which Go does not carry. Refusing it is the only answer that keeps the
// evidence unambiguous; the reviewer uses their identity in one script.
// Identities written in one script (Cyrillic, Greek, …), words of
// different scripts ("user:иван") and the mixes CJK writing needs pass.
// Whole-script lookalikes (an ID spelt entirely in Cyrillic letters that
// look Latin) cannot be detected without that data and are not.
func NormalizeID(id string) (string, error) {
	n := identity.Fold(id)
	switch {
	case n == "":
		return "", ErrUnauthenticated
	case len(n) > MaxIDLength:
		return "", fmt.Errorf("%w: identity of %d bytes, longer than %d", ErrInvalidID, len(n), MaxIDLength)
	case strings.ContainsFunc(n, unicode.IsControl):
		return "", fmt.Errorf("%w: identity %q contains control characters", ErrInvalidID, n)
	}
	if err := identity.CheckScripts(n); err != nil {
		return "", fmt.Errorf("%w: identity %q: %v; use the identity in one script", ErrInvalidID, n, err)
	}
	return n, nil
}

// sameID reports whether a and b name the same identity once normalised.
// Identities that cannot be normalised match nothing but themselves.
func sameID(a, b string) bool {
	if a == b {
		return true
	}
	return canonID(a) == canonID(b) && canonID(a) != ""
}

// canonID normalises id, or returns "" when it is not a valid identity.
func canonID(id string) string {
	n, err := NormalizeID(id)
	if err != nil {
		return ""
	}
	return n
}

// normalizeReviewer returns r with its ID normalised.
func normalizeReviewer(r Reviewer) (Reviewer, error) {
	id, err := NormalizeID(r.ID)
	if err != nil {
		return r, err
	}
	r.ID = id
	return r, nil
}

// validSystemID checks a system ID given to Halt or Resume: 1 to 128
// bytes of letters, digits and . _ - : / @.
func validSystemID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty system ID", ErrInvalidID)
	}
	if len(id) > 128 {
		return fmt.Errorf("%w: system ID of %d bytes, longer than 128", ErrInvalidID, len(id))
	}
	for _, c := range id {
		ok := c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("._-:/@", c))
		if !ok {
			return fmt.Errorf("%w: system ID %q has the character %q (allowed: letters, digits and . _ - : / @)", ErrInvalidID, id, c)
		}
	}
	return nil
}
