package identity

import "testing"

// TestFold: spellings a reader cannot tell apart fold to one form, and
// different names stay different.
func TestFold(t *testing.T) {
	same := [][]string{
		{"dave", "Dave", " dave ", "\ufeffdave", "da\u200bve", "dave\u00ad", "ｄａｖｅ", "DAVE\u00a0"},
		{"ann lee", "Ann Lee", " ann lee\n", "ann\u200d lee"},
		{"ré", "re\u0301", "RÉ"},
	}
	for _, group := range same {
		want := Fold(group[0])
		for _, s := range group[1:] {
			if got := Fold(s); got != want {
				t.Errorf("Fold(%q) = %q, want %q as for %q", s, got, want, group[0])
			}
		}
	}
	for _, pair := range [][2]string{{"dave", "davе"}, {"ann lee", "annlee"}, {"r1", "rl"}} {
		if Fold(pair[0]) == Fold(pair[1]) {
			t.Errorf("Fold made %q and %q one identity", pair[0], pair[1])
		}
	}
	for _, s := range []string{"", " ", "\u200b", "\ufeff \u00ad"} {
		if got := Fold(s); got != "" {
			t.Errorf("Fold(%q) = %q, want empty", s, got)
		}
	}
	if got := Fold("ann lee"); got != "ann lee" {
		t.Errorf("Fold of a folded name changed it: %q", got)
	}
}
