package identity

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// MixedScriptError says that a word of an identity mixes scripts beyond
// what CheckScripts allows.
type MixedScriptError struct {
	// Word is the word that mixes scripts.
	Word string
	// Scripts are the scripts of its letters, sorted (Common and
	// Inherited characters, which every script uses, not counted).
	Scripts []string
}

// Error names the word and its scripts.
func (e *MixedScriptError) Error() string {
	return fmt.Sprintf("the word %q mixes the %s scripts, so it may imitate a name in one script (Unicode UTS #39 mixed-script spoofing)",
		e.Word, strings.Join(e.Scripts, " and "))
}

// CheckScripts reports a word of s whose letters mix scripts: the
// restriction level "highly restrictive" of Unicode Technical Standard #39
// (Unicode Security Mechanisms) §5.2, applied to each word. A word passes
// when its letters are all of one script, or when they are covered by
// Latin + Han + Hiragana + Katakana, Latin + Han + Bopomofo or
// Latin + Han + Hangul (the combinations Japanese, Chinese and Korean
// writing needs). Characters of the scripts Common and Inherited (digits,
// punctuation, combining marks) go with any script. A word is a run of
// letters, marks and digits: separators such as space, ":", "@", "." or
// "-" end it, so "user:иван" or "Ivan Петров" pass, as each part is in
// one script, while "dаve" with a Cyrillic "а" (U+0430) does not.
//
// Checking per word follows how identities are built (a prefix and a
// name, a local part and a domain, given name and surname), as IDNA
// checks the labels of a domain name one by one; a spoof that swaps
// letters inside a word is caught.
//
// Limits. Go's unicode tables carry the Script property, not
// Script_Extensions: a character whose Script is Common or Inherited but
// whose Script_Extensions name specific scripts (the Japanese prolonged
// sound mark, some Arabic and Indic punctuation) goes with any script
// here, which can only let more through, never refuse a legitimate
// word. Whole-script confusables, a word written entirely in another
// script that looks like a Latin one (Cyrillic "оре" for Latin "ope"),
// and single-script confusables ("rn" for "m", "l" for "I") cannot be
// detected without the confusables data of UTS #39 §4, which Go's
// standard library does not carry; CheckScripts does not detect them.
//
// s should be folded first (Fold), so that compatibility forms such as
// fullwidth letters count as the letters they stand for.
func CheckScripts(s string) error {
	if isASCII(s) {
		return nil // ASCII letters are all Latin
	}
	for _, w := range strings.FieldsFunc(s, notWordRune) {
		if isASCII(w) {
			continue
		}
		if scripts := wordScripts(w); !highlyRestrictive(scripts) {
			return &MixedScriptError{Word: w, Scripts: scripts}
		}
	}
	return nil
}

// notWordRune reports whether r ends a word: anything but a letter, a
// mark or a number.
func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r)
}

// wordScripts returns the sorted scripts of w's characters, without
// Common and Inherited.
func wordScripts(w string) []string {
	var out []string
	for _, r := range w {
		sc := scriptOf(r)
		if sc == "Common" || sc == "Inherited" || slices.Contains(out, sc) {
			continue
		}
		out = append(out, sc)
	}
	slices.Sort(out)
	return out
}

// likelyScripts are tried first by scriptOf: the scripts names are most
// often written in, and Common and Inherited.
var likelyScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Common", unicode.Common}, {"Inherited", unicode.Inherited},
	{"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Han", unicode.Han},
	{"Hiragana", unicode.Hiragana}, {"Katakana", unicode.Katakana}, {"Hangul", unicode.Hangul},
	{"Arabic", unicode.Arabic}, {"Hebrew", unicode.Hebrew}, {"Devanagari", unicode.Devanagari},
}

// scriptOf returns the Script property value of r, "Unknown" for a code
// point no script table holds (unassigned).
func scriptOf(r rune) string {
	for _, s := range likelyScripts {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	// The script tables do not overlap, so the map's order does not
	// matter.
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return "Unknown"
}

// highlyRestrictiveSets are the script combinations UTS #39 §5.2 allows
// at the level "highly restrictive" besides a single script.
var highlyRestrictiveSets = [][]string{
	{"Han", "Hiragana", "Katakana", "Latin"},
	{"Bopomofo", "Han", "Latin"},
	{"Han", "Hangul", "Latin"},
}

// highlyRestrictive reports whether the scripts of a word are allowed at
// the restriction level "highly restrictive".
func highlyRestrictive(scripts []string) bool {
	if len(scripts) <= 1 {
		return true
	}
	for _, set := range highlyRestrictiveSets {
		if !slices.ContainsFunc(scripts, func(s string) bool { return !slices.Contains(set, s) }) {
			return true
		}
	}
	return false
}
