package aims

import (
	"strings"
	"testing"
)

// TestTaggedBooleanIsReadOrRefused: a value tagged !!bool that is not one
// of YAML 1.2's true/false spellings ("yes", "on", "1") must not be read
// silently as false: a group marked vulnerable would lose the marking.
func TestTaggedBooleanIsReadOrRefused(t *testing.T) {
	for _, v := range []string{"yes", "on", "1", "y", "Yes"} {
		t.Run(v, func(t *testing.T) {
			var g AffectedGroup
			_, errs, err := decodeRecordFile(kindImpactAssessment, "", []byte("name: g\nvulnerable: !!bool "+v+"\n"), &g)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Fatalf("vulnerable: !!bool %s read as %v without a problem", v, g.Vulnerable)
			}
			if !strings.Contains(errs[0].Error(), "vulnerable") || !strings.Contains(errs[0].Error(), "true or false") {
				t.Errorf("problem %v does not name the field and the accepted values", errs[0])
			}
		})
	}
	for v, want := range map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false} {
		var g AffectedGroup
		_, errs, err := decodeRecordFile(kindImpactAssessment, "", []byte("name: g\nvulnerable: !!bool "+v+"\n"), &g)
		if err != nil || len(errs) != 0 || g.Vulnerable != want {
			t.Errorf("!!bool %s: got %v, problems %v, error %v; want %v", v, g.Vulnerable, errs, err, want)
		}
	}
}
