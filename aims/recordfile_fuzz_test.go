package aims

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRecordFiles feeds arbitrary bytes to the four record parsers:
// each returns an error or a record that validates and has a digest, and
// never panics.
func FuzzParseRecordFiles(f *testing.F) {
	files, _ := filepath.Glob("testdata/records/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("harms: [{likelihood: 99999999999999999999999}]"))
	f.Add([]byte("a: &x [*x]\nb: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type rec interface {
			Validate() error
			Digest() (string, error)
		}
		check := func(r rec, err error) {
			if err != nil {
				return
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("parsed record does not validate: %v", err)
			}
			if _, err := r.Digest(); err != nil {
				t.Fatalf("parsed record has no digest: %v", err)
			}
		}
		ia, err := ParseImpactAssessment(data)
		check(ia, err)
		da, err := ParseDeploymentAuthorisation(data)
		check(da, err)
		ch, err := ParseChangeRecord(data)
		check(ch, err)
		rr, err := ParseRiskRegister(data)
		check(rr, err)
	})
}
