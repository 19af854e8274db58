package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sparseSystem is valid but says little: the documentation must mark the gaps.
func sparseSystem() System {
	return System{
		ID: "faq-bot", Name: "FAQ bot", Version: "0.1.0",
		Purpose: "Answer frequently asked questions.", IntendedUse: "Website visitors.",
		Owner: "web team", ValueChainRoles: []ValueChainRole{RoleDeployer},
		Models:    []Model{{Name: "faq-retriever"}},
		RiskLevel: aims.RiskLimited, Lifecycle: StageDevelopment,
	}
}

func TestModelCardJSONAndMarkdown(t *testing.T) {
	card := NewModelCard(creditSystem())
	if card.Risk.Level != aims.RiskHigh || len(card.Risk.References) == 0 || !strings.Contains(card.Risk.Rationale, "Annex III point 5(b)") {
		t.Errorf("risk section %+v", card.Risk)
	}
	if len(card.TrainingData) != 1 || card.TrainingData[0].Name != "loan-book-2019-2024" {
		t.Errorf("training data %+v", card.TrainingData)
	}
	if len(card.EvaluationSet) != 1 || card.EvaluationSet[0].Name != "holdout-2024" {
		t.Errorf("evaluation data %+v", card.EvaluationSet)
	}
	if len(card.Missing) != 0 {
		t.Errorf("complete system has missing sections: %v", card.Missing)
	}
	b, err := card.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back ModelCard
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.SystemID != "credit-scoring" || len(back.Models) != 2 || back.Models[0].Evaluations[0].Value != 0.83 {
		t.Errorf("JSON round trip: %+v", back)
	}

	md := card.Markdown()
	for _, want := range []string{
		"# Model card: Consumer credit scoring 2.3.1",
		"## Model details", "## Intended use", "## Risk classification (EU AI Act)", "Tier: **high**",
		"| pd-gbm | 7 | gradient-boosted trees | binary classification | in-house | Proprietary |",
		"| gpt-4o | 2024-08-06 | large language model | explanation letters | OpenAI |  |",
		"| pd-gbm | AUC | 0.83 | holdout-2024 |  |",
		"| pd-gbm | demographic parity difference | 0.04 | holdout-2024 | sex |",
		"## Training data", "| loan-book-2019-2024 |", "## Human oversight", "- Officers can override the score",
		"Foreseeable misuse: Using the score as the sole basis of a decision",
		"- risk owner: Head of Credit Risk (credit-risk@example.com)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "## Missing information") {
		t.Error("complete card lists missing information")
	}
}

func TestModelCardMarksMissing(t *testing.T) {
	card := NewModelCard(sparseSystem())
	want := []string{"training data: model \"faq-retriever\"", "no evaluation results", "foreseeable misuse", "no limitations", "human oversight", "no structured use case"}
	joined := strings.Join(card.Missing, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("missing list %q lacks %q", joined, w)
		}
	}
	md := card.Markdown()
	if !strings.Contains(md, "## Missing information") || !strings.Contains(md, "_No evaluation results registered._") {
		t.Errorf("markdown does not show the gaps:\n%s", md)
	}
}

func TestMarkdownEscapesUserText(t *testing.T) {
	s := sparseSystem()
	s.Models[0].Type = "a | b"
	s.Description = "line one\n# not a heading"
	md := NewModelCard(s).Markdown()
	if !strings.Contains(md, `a \| b`) {
		t.Error("pipe in a table cell not escaped")
	}
	if strings.Contains(md, "\n# not a heading") {
		t.Error("user text started a Markdown heading")
	}
}

func TestTechnicalDocumentation(t *testing.T) {
	full := NewTechnicalDocumentation(creditSystem())
	points := map[string]DocSection{}
	for _, s := range full.Sections {
		points[s.Point] = s
	}
	for _, p := range []string{"1(a)", "1(b)", "1(c)", "1(d)", "1(e)", "1(f)", "1(g)", "1(h)", "2(a)", "2(b)", "2(c)", "2(d)", "2(e)", "2(f)", "2(g)", "2(h)", "3", "4", "5", "6", "7", "8", "9"} {
		if _, ok := points[p]; !ok {
			t.Errorf("Annex IV point %s absent", p)
		}
	}
	if s := points["2(e)"]; s.Missing || len(s.Content) != 2 {
		t.Errorf("human oversight point: %+v", s)
	}
	if s := points["2(d)"]; !strings.Contains(strings.Join(s.Content, "\n"), "loan-book-2019-2024: provenance internal core banking system") {
		t.Errorf("data point: %+v", s)
	}
	if s := points["2(g)"]; !strings.Contains(strings.Join(s.Content, "\n"), "pd-gbm: AUC = 0.83 on holdout-2024") {
		t.Errorf("testing point: %+v", s)
	}
	if s := points["8"]; !s.Missing || s.Todo == "" {
		t.Errorf("declaration of conformity cannot come from the inventory: %+v", s)
	}
	if s := points["5"]; !strings.Contains(strings.Join(s.Content, "\n"), "EU AI Act tier: high") {
		t.Errorf("risk point: %+v", s)
	}

	sparse := NewTechnicalDocumentation(sparseSystem())
	if len(sparse.Missing()) <= len(full.Missing()) {
		t.Errorf("sparse system has %d missing points, complete one %d", len(sparse.Missing()), len(full.Missing()))
	}
	for _, s := range sparse.Sections {
		if s.Point == "2(e)" && !s.Missing {
			t.Error("human oversight not marked missing for the sparse system")
		}
	}
	md := sparse.Markdown()
	if got := strings.Count(md, "> **MISSING:**"); got != len(sparse.Missing()) {
		t.Errorf("%d MISSING markers, want %d", got, len(sparse.Missing()))
	}
	if !strings.Contains(md, "## 2(e) Assessment of human-oversight measures (Art. 14)") {
		t.Errorf("markdown:\n%s", md)
	}
	if _, err := sparse.JSON(); err != nil {
		t.Fatal(err)
	}
}

// cycloneDXSchema compiles the official CycloneDX 1.6 JSON schema copied
// into testdata. The BOM schema refers to the SPDX licence list and the JSF
// signature schema by relative $ref, so both are registered under the URLs
// their $id gives them, and nothing is fetched from the network.
func cycloneDXSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := filepath.Join("testdata", "cyclonedx")
	if _, err := os.Stat(filepath.Join(dir, "bom-1.6.schema.json")); err != nil {
		t.Skipf("CycloneDX schemas not found in %s (copy them from the official CycloneDX specification repository): %v", dir, err)
	}
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateBOM(t *testing.T, schema *jsonschema.Schema, bom []byte) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bom))
	if err != nil {
		t.Fatal(err)
	}
	return schema.Validate(doc)
}

func TestCycloneDXValidatesAgainstSchema(t *testing.T) {
	schema := cycloneDXSchema(t)
	ts := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	bom, err := CycloneDX([]System{creditSystem(), sparseSystem()}, WithBOMTimestamp(ts), WithBOMSerialNumber("urn:uuid:0193a6e2-7a1f-7c3d-9b1e-2f4a5b6c7d8e"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateBOM(t, schema, bom); err != nil {
		t.Fatalf("BOM does not validate against CycloneDX 1.6:\n%v\n%s", err, bom)
	}

	var doc struct {
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Timestamp string `json:"timestamp"`
		} `json:"metadata"`
		Components []struct {
			Type      string          `json:"type"`
			BOMRef    string          `json:"bom-ref"`
			Name      string          `json:"name"`
			ModelCard json.RawMessage `json:"modelCard"`
			Supplier  *struct {
				Name string `json:"name"`
			} `json:"supplier"`
			Data []struct {
				Type string `json:"type"`
			} `json:"data"`
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(bom, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SpecVersion != "1.6" || doc.SerialNumber != "urn:uuid:0193a6e2-7a1f-7c3d-9b1e-2f4a5b6c7d8e" || doc.Metadata.Timestamp != "2026-11-23T12:00:00Z" {
		t.Errorf("header: %s %s %s", doc.SpecVersion, doc.SerialNumber, doc.Metadata.Timestamp)
	}
	kinds := map[string]int{}
	for _, c := range doc.Components {
		kinds[c.Type]++
		switch c.Type {
		case "machine-learning-model":
			if len(c.ModelCard) == 0 {
				t.Errorf("model %s has no modelCard", c.Name)
			}
			if c.Name == "gpt-4o" && (c.Supplier == nil || c.Supplier.Name != "OpenAI") {
				t.Errorf("third-party model without supplier: %+v", c)
			}
		case "data":
			if len(c.Data) != 1 || c.Data[0].Type != "dataset" {
				t.Errorf("data component %s: %+v", c.Name, c.Data)
			}
		}
	}
	if kinds["application"] != 2 || kinds["machine-learning-model"] != 3 || kinds["data"] != 2 {
		t.Errorf("component kinds %v", kinds)
	}
	deps := map[string][]string{}
	for _, d := range doc.Dependencies {
		deps[d.Ref] = d.DependsOn
	}
	if got := deps["model:credit-scoring@2.3.1/pd-gbm@7"]; len(got) != 1 || got[0] != "data:credit-scoring@2.3.1/loan-book-2019-2024" {
		t.Errorf("model dependencies %v", got)
	}
	if got := deps["system:credit-scoring@2.3.1"]; len(got) != 4 {
		t.Errorf("system dependencies %v", got)
	}
	if !bytes.Contains(bom, []byte(`"performanceMetrics"`)) || !bytes.Contains(bom, []byte(`"value": "0.83"`)) {
		t.Error("performance metrics missing from the model card")
	}
}

func TestCycloneDXSchemaCatchesInvalidBOM(t *testing.T) {
	// The validator must be able to fail: a component type CycloneDX does
	// not know is rejected.
	schema := cycloneDXSchema(t)
	bom, err := CycloneDX([]System{sparseSystem()})
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(bom, []byte(`"machine-learning-model"`), []byte(`"ml-model"`), 1)
	if err := validateBOM(t, schema, bad); err == nil {
		t.Fatal("schema accepted an unknown component type")
	}
	if err := validateBOM(t, schema, bom); err != nil {
		t.Fatal(err)
	}
}

func TestCycloneDXRejectsBadInput(t *testing.T) {
	s := sparseSystem()
	s.Owner = ""
	if _, err := CycloneDX([]System{s}); err == nil || !strings.Contains(err.Error(), "owner") {
		t.Errorf("invalid system: %v", err)
	}
	if _, err := CycloneDX([]System{sparseSystem(), sparseSystem()}); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("duplicate system: %v", err)
	}
	if _, err := CycloneDX(nil, WithBOMSerialNumber("not-a-uuid")); err == nil || !strings.Contains(err.Error(), "not a UUID") {
		t.Errorf("bad serial: %v", err)
	}
	if _, err := CycloneDX(nil); err != nil {
		t.Errorf("empty inventory: %v", err)
	}
}
