package semconv

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogNamesAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	name := regexp.MustCompile(`^(aims|gen_ai)(\.[a-z0-9_<>]+)+$`)
	for _, e := range Catalog() {
		key := string(e.Kind) + " " + e.Name
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		if e.Brief == "" {
			t.Errorf("%s has no description", key)
		}
		switch e.Kind {
		case KindScope:
			if !strings.HasPrefix(e.Name, ScopePrefix) {
				t.Errorf("scope %s is not an aimskit import path", e.Name)
			}
		case KindAttribute, KindEvent, KindMetric:
			if !name.MatchString(e.Name) {
				t.Errorf("%s is not in the aims.* or gen_ai.* namespace", key)
			}
			if e.GenAI != strings.HasPrefix(e.Name, "gen_ai.") {
				t.Errorf("%s: GenAI flag and name disagree", key)
			}
		default:
			t.Errorf("%s has unknown kind", key)
		}
		if e.Kind == KindMetric && (e.Type == "" || e.Unit == "") {
			t.Errorf("metric %s needs an instrument type and a unit", e.Name)
		}
	}
	if len(seen) < 30 {
		t.Fatalf("catalog has only %d names", len(seen))
	}
}

// The README's table is what auditors build queries from: it must list
// exactly the catalog. Regenerate with
// go run ./aims/semconv/cmd/semconvtable -w README.md
func TestReadmeTableIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("reading README: %v", err)
	}
	want, err := ReplaceTable(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Fatal("README.md telemetry table is stale: run go run ./aims/semconv/cmd/semconvtable -w README.md")
	}
}
