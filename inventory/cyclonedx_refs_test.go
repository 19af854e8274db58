package inventory

import (
	"encoding/json"
	"testing"
)

// CycloneDX requires every bom-ref to be unique in the BOM (the schema's
// refType: "Uniqueness is enforced within all elements and children of the
// root-level bom element"), and a dependency to name components that are
// there. The JSON schema cannot check either, so this test does. Model
// names and versions are free text: "llm@1" without a version and "llm"
// version "1" are two models that Validate accepts.
func TestCycloneDXBOMRefsAreUniqueAndResolve(t *testing.T) {
	s := sparseSystem()
	s.DataSources = []DataSource{{Name: "corpus", Provenance: "crawl"}, {Name: "corpus@2", Provenance: "crawl"}}
	s.Models = []Model{
		{Name: "llm@1", TrainingData: []string{"corpus"}},
		{Name: "llm", Version: "1", TrainingData: []string{"corpus@2"}},
		{Name: "org/llm", Version: "2"},
		{Name: "org", Version: "llm@2"},
	}
	other := sparseSystem()
	other.Version = "0.1.0/org"
	other.Models = []Model{{Name: "llm", Version: "2"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	bom, err := CycloneDX([]System{s, other})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components []struct {
			BOMRef    string `json:"bom-ref"`
			Name      string `json:"name"`
			ModelCard *struct {
				ModelParameters struct {
					Datasets []struct {
						Ref string `json:"ref"`
					} `json:"datasets"`
				} `json:"modelParameters"`
			} `json:"modelCard"`
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(bom, &doc); err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, c := range doc.Components {
		if prev, dup := refs[c.BOMRef]; dup {
			t.Errorf("bom-ref %q names both %q and %q", c.BOMRef, prev, c.Name)
		}
		refs[c.BOMRef] = c.Name
	}
	if len(doc.Components) != 9 {
		t.Errorf("%d components, want 2 systems, 2 data sets and 5 models", len(doc.Components))
	}
	for _, c := range doc.Components {
		if c.ModelCard == nil {
			continue
		}
		for _, d := range c.ModelCard.ModelParameters.Datasets {
			if _, ok := refs[d.Ref]; !ok {
				t.Errorf("model %q: dataset %q is no component", c.Name, d.Ref)
			}
		}
	}
	deps := map[string]bool{}
	for _, d := range doc.Dependencies {
		if deps[d.Ref] {
			t.Errorf("two dependency entries for %q", d.Ref)
		}
		deps[d.Ref] = true
		if _, ok := refs[d.Ref]; !ok {
			t.Errorf("dependency of %q, which is no component", d.Ref)
		}
		for _, on := range d.DependsOn {
			if _, ok := refs[on]; !ok {
				t.Errorf("%q depends on %q, which is no component", d.Ref, on)
			}
		}
	}
}
