package identity

import (
	"errors"
	"slices"
	"testing"
)

// TestCheckScripts: UTS #39 §5.2 "highly restrictive" per word. A word
// mixing scripts beyond the combinations CJK writing needs (Latin with
// Han, Hiragana and Katakana; with Han and Bopomofo; with Han and Hangul)
// is refused, naming the scripts; single-script words, names of several
// words in different scripts and the CJK combinations pass.
func TestCheckScripts(t *testing.T) {
	refused := map[string][]string{
		"d\u0430ve":                {"Cyrillic", "Latin"}, // Cyrillic а
		"p\u0430yp\u0430l":         {"Cyrillic", "Latin"},
		"user:d\u0430ve":           {"Cyrillic", "Latin"},
		"\u03b1lice":               {"Greek", "Latin"}, // Greek α
		"ann l\u0435e":             {"Cyrillic", "Latin"},
		"\ud55c\u3072":             {"Hangul", "Hiragana"},
		"\u0434\u03b1\u0432\u0435": {"Cyrillic", "Greek"},
	}
	for s, want := range refused {
		err := CheckScripts(s)
		var me *MixedScriptError
		if !errors.As(err, &me) {
			t.Errorf("CheckScripts(%q) = %v, want a MixedScriptError", s, err)
			continue
		}
		if !slices.Equal(me.Scripts, want) {
			t.Errorf("CheckScripts(%q) names scripts %q, want %q", s, me.Scripts, want)
		}
	}
	for _, s := range []string{
		"dave", "Dave Jones", "jos\u00e9", "zo\u00eb", "\u0438\u0432\u0430\u043d", // иван
		"user:\u0438\u0432\u0430\u043d", "ivan \u043f\u0435\u0442\u0440\u043e\u0432", // ivan петров
		"\u0438\u0432\u0430\u043d@example.org", "\u03b1\u03bb\u03af\u03ba\u03b7", // αλίκη
		"\u5c71\u7530\u305f\u308d\u3046", "\u7530\u4e2d\u30bf\u30ed\u30a6", "tanaka\u7530\u4e2d\u3055\u3093", // Japanese
		"\uae40\ucca0\uc218", "kim\uae40\u91d1", "\u674e\u5c0f\u9f8d", "li\u674e\u3105", // Korean, Chinese
		"r\u00e9\u0301", "ann-lee_2", "", "\u0665\u0661", // combining mark, digits
	} {
		if err := CheckScripts(s); err != nil {
			t.Errorf("CheckScripts(%q) = %v, want nil", s, err)
		}
	}
}
