package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// justAbove is the smallest float64 greater than 10^25.
var justAbove = math.Nextafter(1e25, math.Inf(1))

// gpaiSystem is a limited-risk support assistant built on a third party's
// general-purpose AI model.
func gpaiSystem(g *GeneralPurposeAI) System {
	s := sparseSystem()
	s.ID = "support-assistant"
	s.Models = []Model{{Name: "hosted-llm", Version: "2025-06", Type: "large language model", Provider: "Example AI Ltd", GeneralPurpose: g}}
	return s
}

func fieldProblems(err error) map[string]string {
	out := map[string]string{}
	var fe *FieldError
	for _, e := range flatten(err) {
		if errors.As(e, &fe) {
			out[fe.Field] = fe.Problem
		}
	}
	return out
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestGeneralPurposeValidation(t *testing.T) {
	const f = "models[0].generalPurpose."
	cases := []struct {
		name  string
		g     GeneralPurposeAI
		field string // "" for valid
	}{
		{"no compute, no claim", GeneralPurposeAI{}, ""},
		{"NaN compute", GeneralPurposeAI{TrainingComputeFLOP: math.NaN()}, f + "trainingComputeFLOP"},
		{"infinite compute", GeneralPurposeAI{TrainingComputeFLOP: math.Inf(1), SystemicRisk: true, SystemicRiskBasis: SystemicRiskHighImpact}, f + "trainingComputeFLOP"},
		{"negative compute", GeneralPurposeAI{TrainingComputeFLOP: -1}, f + "trainingComputeFLOP"},
		{"claim without basis", GeneralPurposeAI{SystemicRisk: true}, f + "systemicRiskBasis"},
		{"basis without claim", GeneralPurposeAI{SystemicRiskBasis: SystemicRiskHighImpact}, f + "systemicRiskBasis"},
		{"unknown basis", GeneralPurposeAI{SystemicRisk: true, SystemicRiskBasis: "big"}, f + "systemicRiskBasis"},
		{"designation below threshold", GeneralPurposeAI{TrainingComputeFLOP: 1e23, SystemicRisk: true, SystemicRiskBasis: SystemicRiskCommissionDesignation}, ""},
		// Art. 51(2): "greater than 10^25".
		{"exactly 10^25, no claim", GeneralPurposeAI{TrainingComputeFLOP: 1e25}, ""},
		{"exactly 10^25 is no presumption", GeneralPurposeAI{TrainingComputeFLOP: 1e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute}, f + "systemicRiskBasis"},
		{"just above 10^25 is presumed", GeneralPurposeAI{TrainingComputeFLOP: justAbove, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute}, ""},
		{"just above 10^25 cannot be declared without systemic risk", GeneralPurposeAI{TrainingComputeFLOP: justAbove}, f + "systemicRisk"},
		{"above 10^25 may name another basis", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskHighImpact}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			err := gpaiSystem(&g).Validate()
			probs := fieldProblems(err)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid description refused: %v", err)
				}
				return
			}
			if _, ok := probs[tc.field]; !ok || len(probs) != 1 {
				t.Fatalf("problems %v, want exactly one at %s", probs, tc.field)
			}
		})
	}
}

func TestClassifyGeneralPurposeModel(t *testing.T) {
	art53 := []string{"Art. 53(1)(a)", "Art. 53(1)(b)", "Art. 53(1)(c)", "Art. 53(1)(d)"}
	art55 := []string{"Art. 55(1)(a)", "Art. 55(1)(b)", "Art. 55(1)(c)", "Art. 55(1)(d)"}
	obligationRefs := func(c GeneralPurposeClassification) []string {
		var out []string
		for _, o := range c.Obligations {
			out = append(out, o[:strings.Index(o, ":")])
		}
		return out
	}
	cases := []struct {
		name     string
		g        GeneralPurposeAI
		systemic bool
		basisRef string
		want     []string
	}{
		{"no systemic risk", GeneralPurposeAI{TrainingComputeFLOP: 4e24}, false, "", art53},
		{"exactly 10^25", GeneralPurposeAI{TrainingComputeFLOP: 1e25}, false, "", art53},
		{"compute presumption", GeneralPurposeAI{TrainingComputeFLOP: justAbove, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute}, true, "Art. 51(2)", append(append(slices.Clone(art53), "Art. 52(1)"), art55...)},
		{"high-impact capabilities", GeneralPurposeAI{SystemicRisk: true, SystemicRiskBasis: SystemicRiskHighImpact}, true, "Art. 51(1)(a)", append(append(slices.Clone(art53), "Art. 52(1)"), art55...)},
		// A designated model was not notified by its provider: no Art. 52(1).
		{"Commission designation", GeneralPurposeAI{TrainingComputeFLOP: 1e24, SystemicRisk: true, SystemicRiskBasis: SystemicRiskCommissionDesignation}, true, "Art. 51(1)(b)", append(slices.Clone(art53), art55...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			m := gpaiSystem(&g).Models[0]
			c, err := ClassifyGeneralPurposeModel(m)
			if err != nil {
				t.Fatal(err)
			}
			if !c.GeneralPurpose || c.SystemicRisk != tc.systemic || c.Provider != "Example AI Ltd" {
				t.Errorf("classification %+v", c)
			}
			if got := obligationRefs(c); !slices.Equal(got, tc.want) {
				t.Errorf("obligations %q, want %q", got, tc.want)
			}
			if tc.basisRef != "" && (!slices.Contains(c.References, tc.basisRef) || !strings.Contains(c.Rationale, tc.basisRef)) {
				t.Errorf("references %q / rationale %q lack %s", c.References, c.Rationale, tc.basisRef)
			}
			if !slices.Contains(c.References, "Art. 3(63)") || !strings.Contains(c.Rationale, "keeps its own risk tier") || !strings.Contains(c.Rationale, "Art. 3(68)") {
				t.Errorf("rationale %q does not say the system keeps its own tier", c.Rationale)
			}
		})
	}

	// Not a general-purpose AI model: nothing follows.
	c, err := ClassifyGeneralPurposeModel(Model{Name: "pd-gbm"})
	if err != nil || c.GeneralPurpose || len(c.Obligations) != 0 {
		t.Errorf("ordinary model: %+v %v", c, err)
	}
	// An in-house model: the organisation is the model's provider.
	c, err = ClassifyGeneralPurposeModel(Model{Name: "own-llm", GeneralPurpose: &GeneralPurposeAI{}})
	if err != nil || c.Provider != "" || !strings.Contains(c.Rationale, "the organisation, which develops it and is its provider") {
		t.Errorf("in-house model: %+v %v", c, err)
	}
	// An invalid claim is an error.
	if _, err := ClassifyGeneralPurposeModel(Model{Name: "x", GeneralPurpose: &GeneralPurposeAI{SystemicRisk: true}}); err == nil {
		t.Error("systemic-risk claim without a basis classified")
	}
}

// The system built on a general-purpose AI model keeps its own tier; the
// model card, its Markdown and the ML-BOM carry the model's
// classification, and the description survives the OTLP round trip.
func TestGeneralPurposeModelInDocuments(t *testing.T) {
	sys := gpaiSystem(&GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute,
		SystemicRiskArguments: ArgumentsPresented, OpenSource: true, ProviderOutsideUnion: true, AuthorisedRepresentative: "Example AI EU B.V."})
	if err := sys.Validate(); err != nil {
		t.Fatal(err)
	}
	card := NewModelCard(sys)
	if card.Risk.Level != sys.RiskLevel || len(card.GeneralPurposeModels) != 1 || !card.GeneralPurposeModels[0].SystemicRisk {
		t.Fatalf("model card risk %+v, general-purpose models %+v", card.Risk, card.GeneralPurposeModels)
	}
	md := card.Markdown()
	for _, want := range []string{"## General-purpose AI models (EU AI Act Chapter V)", "### hosted-llm", "- Provider: Example AI Ltd", "- Systemic risk: yes, Art. 51(2) (training_compute)", "- Art. 55(1)(a):", "- Art. 53(1)(d):"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if plain := NewModelCard(sparseSystem()).Markdown(); strings.Contains(plain, "General-purpose") {
		t.Error("a system without a general-purpose AI model got the section")
	}

	bom, err := CycloneDX([]System{sys})
	if err != nil {
		t.Fatal(err)
	}
	if err := validateBOM(t, cycloneDXSchema(t), bom); err != nil {
		t.Error(err)
	}
	var doc struct {
		Components []struct {
			Type      string `json:"type"`
			ModelCard *struct {
				Properties []cdxProperty `json:"properties"`
			} `json:"modelCard"`
		} `json:"components"`
	}
	if err := json.Unmarshal(bom, &doc); err != nil {
		t.Fatal(err)
	}
	props := map[string][]string{}
	for _, c := range doc.Components {
		if c.Type == "machine-learning-model" && c.ModelCard != nil {
			for _, p := range c.ModelCard.Properties {
				props[p.Name] = append(props[p.Name], p.Value)
			}
		}
	}
	if !slices.Equal(props["aims.inventory.gpai_model"], []string{"true"}) || !slices.Equal(props["aims.inventory.gpai_systemic_risk"], []string{"true"}) ||
		!slices.Equal(props["aims.inventory.gpai_systemic_risk_basis"], []string{"training_compute"}) || !slices.Equal(props["aims.inventory.gpai_training_compute_flop"], []string{"3e+25"}) ||
		!slices.Contains(props["aims.inventory.eu_ai_act_reference"], "Art. 55(1)") {
		t.Errorf("modelCard properties %v", props)
	}

	// Through the registration record and back.
	ctx := context.Background()
	var file bytes.Buffer
	svc := newService(t, "support")
	r, err := Register(ctx, sys, WithLoggerProvider(svc.lp), WithHeartbeatInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	r.Close(ctx)
	svc.flush(t, func(l []byte) { file.Write(l) })
	inv, err := FromOTLP(&file)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := inv.Entry(sys.ID)
	if !ok || e.System.Models[0].GeneralPurpose == nil || *e.System.Models[0].GeneralPurpose != *sys.Models[0].GeneralPurpose {
		t.Errorf("rebuilt model %+v, refused %+v", e.System.Models, inv.Refused())
	}
}

// System.clone copies the general-purpose description, so a registry
// never shares it with the caller.
func TestCloneCopiesGeneralPurpose(t *testing.T) {
	sys := gpaiSystem(&GeneralPurposeAI{TrainingComputeFLOP: 1e24})
	c := sys.clone()
	sys.Models[0].GeneralPurpose.TrainingComputeFLOP = 5e25
	if c.Models[0].GeneralPurpose.TrainingComputeFLOP != 1e24 {
		t.Error("clone shares GeneralPurpose with the original")
	}
}
