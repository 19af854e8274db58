package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// creditSystem is a complete, valid high-risk system used across the tests.
func creditSystem() System {
	return System{
		ID:                "credit-scoring",
		Name:              "Consumer credit scoring",
		Version:           "2.3.1",
		Description:       "Scores consumer loan applications.",
		Purpose:           "Estimate the probability of default of a consumer loan applicant.",
		IntendedUse:       "Loan officers use the score as one input to a credit decision for EU consumers.",
		ForeseeableMisuse: []string{"Using the score as the sole basis of a decision", "Scoring applicants outside the EU"},
		Limitations:       []string{"Not validated for applicants without credit history"},
		Owner:             "risk-analytics team",
		AccountableRoles:  []Role{{Role: "risk owner", Name: "Head of Credit Risk", Contact: "credit-risk@example.com"}},
		ValueChainRoles:   []ValueChainRole{RoleProvider, RoleDeployer},
		Models: []Model{{
			Name: "pd-gbm", Version: "7", Type: "gradient-boosted trees", Task: "binary classification",
			License: "Proprietary", TrainingData: []string{"loan-book-2019-2024"},
			Evaluations: []Evaluation{{Metric: "AUC", Value: 0.83, Dataset: "holdout-2024"}, {Metric: "demographic parity difference", Value: 0.04, Dataset: "holdout-2024", Slice: "sex"}},
		}, {
			Name: "gpt-4o", Version: "2024-08-06", Type: "large language model", Task: "explanation letters", Provider: "OpenAI",
		}},
		DataSources: []DataSource{
			{Name: "loan-book-2019-2024", Description: "Historical loans with repayment outcome", Provenance: "internal core banking system, extracted 2025-01", Purpose: "training", PersonalData: true},
			{Name: "holdout-2024", Provenance: "internal, 2024 applications held out", Purpose: "testing", PersonalData: true},
		},
		HumanOversight: []string{"Adverse decisions are reviewed by a loan officer", "Officers can override the score"},
		UseCase:        &UseCase{Domain: DomainEssentialServices, Function: FunctionCreditworthiness, AffectedPersons: "consumer loan applicants", Profiling: true},
		RiskLevel:      aims.RiskHigh,
		Lifecycle:      StageDeployed,
		Controls:       []string{"A.6.2.7", "A.9.2"},
		LedgerKeys:     []string{testLedgerKey},
	}
}

// testLedgerKey is a public verifier key (of a key pair made for the
// tests by ledger.GenerateKey; the private half is not kept).
const testLedgerKey = "credit-scoring.example+77a24529+AVcU3q8szbWgsovQHe8y3hHOBk5x/oHVYw3QktWFJst5"

func TestValidateAcceptsCompleteSystem(t *testing.T) {
	if err := creditSystem().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*System)
		field  string
		text   string
	}{
		{"missing id", func(s *System) { s.ID = "" }, "id", "is required"},
		{"bad id", func(s *System) { s.ID = "credit scoring/v2" }, "id", "letters, digits"},
		{"missing name", func(s *System) { s.Name = " " }, "name", "is required"},
		{"missing version", func(s *System) { s.Version = "" }, "version", "is required"},
		{"missing purpose", func(s *System) { s.Purpose = "" }, "purpose", "is required"},
		{"missing intended use", func(s *System) { s.IntendedUse = "" }, "intendedUse", "is required"},
		{"missing owner", func(s *System) { s.Owner = "" }, "owner", "is required"},
		{"role without name", func(s *System) { s.AccountableRoles[0].Name = "" }, "accountableRoles[0].name", "is required"},
		{"no value-chain role", func(s *System) { s.ValueChainRoles = nil }, "valueChainRoles", "at least one"},
		{"unknown value-chain role", func(s *System) { s.ValueChainRoles = []ValueChainRole{"reseller"} }, "valueChainRoles[0]", `"reseller"`},
		{"missing lifecycle", func(s *System) { s.Lifecycle = "" }, "lifecycleStage", "is required"},
		{"unknown lifecycle", func(s *System) { s.Lifecycle = "beta" }, "lifecycleStage", `"beta"`},
		{"model without name", func(s *System) { s.Models[1].Name = "" }, "models[1].name", "is required"},
		{"duplicate model", func(s *System) { s.Models[1] = s.Models[0] }, "models[1].name", "duplicate"},
		{"dangling training data", func(s *System) { s.Models[0].TrainingData = []string{"nope"} }, "models[0].trainingData[0]", `"nope"`},
		{"NaN evaluation", func(s *System) { s.Models[0].Evaluations[1].Value = math.NaN() }, "models[0].evaluations[1].value", "finite"},
		{"evaluation without metric", func(s *System) { s.Models[0].Evaluations[0].Metric = "" }, "models[0].evaluations[0].metric", "is required"},
		{"data source without provenance", func(s *System) { s.DataSources[1].Provenance = "" }, "dataSources[1].provenance", "is required"},
		{"duplicate data source", func(s *System) { s.DataSources[1].Name = s.DataSources[0].Name }, "dataSources[1].name", "duplicate"},
		{"malformed control", func(s *System) { s.Controls = []string{"6.2.7"} }, "controls[0]", "not an ISO/IEC 42001"},
		{"unknown control", func(s *System) { s.Controls = []string{"A.99.1"} }, "controls[0]", "not in the ISO/IEC 42001"},
		{"unknown risk level", func(s *System) { s.RiskLevel = "medium" }, "riskLevel", `unknown risk level "medium"`},
		{"high-risk use case declared minimal", func(s *System) { s.RiskLevel = aims.RiskMinimal }, "riskLevel", `classified "high"`},
		{"high-risk use case declared limited", func(s *System) { s.RiskLevel = aims.RiskLimited }, "riskLevel", `classified "high"`},
		{"no risk level and no use case", func(s *System) { s.RiskLevel = ""; s.UseCase = nil }, "riskLevel", "is required"},
		{"bad use case", func(s *System) { s.UseCase.Function = "astrology" }, "useCase", `"astrology"`},
		{"deployed prohibited practice", func(s *System) {
			s.UseCase = &UseCase{Function: FunctionSocialScoring}
			s.RiskLevel = aims.RiskProhibited
		}, "lifecycleStage", "Art. 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := creditSystem()
			tc.mutate(&s)
			err := s.Validate()
			if err == nil {
				t.Fatal("Validate accepted an invalid system")
			}
			var found bool
			for _, e := range unwrapAll(err) {
				var fe *FieldError
				if errors.As(e, &fe) && fe.Field == tc.field && strings.Contains(fe.Problem, tc.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("error %q does not name field %q with %q", err, tc.field, tc.text)
			}
			if !strings.Contains(err.Error(), "inventory: "+tc.field+": ") {
				t.Errorf("message %q does not start with the field name", err)
			}
		})
	}
}

// TestValidateAcceptsEveryOperatorRole checks that every operator of
// Regulation (EU) 2024/1689, Art. 3(8), can state its role: provider (Art.
// 3(3)), deployer (3(4)), authorised representative (3(5), obligations in
// Art. 22), importer (3(6)), distributor (3(7)) and product manufacturer
// (Art. 25(3)); that the roles survive the JSON form of the description;
// and that an unknown role is refused with the list of known ones.
func TestValidateAcceptsEveryOperatorRole(t *testing.T) {
	roles := []ValueChainRole{RoleProvider, RoleDeployer, RoleAuthorisedRepresentative, RoleImporter, RoleDistributor, RoleProductManufacturer}
	for _, r := range roles {
		s := creditSystem()
		s.ValueChainRoles = []ValueChainRole{r}
		if err := s.Validate(); err != nil {
			t.Errorf("value-chain role %q refused: %v", r, err)
		}
	}
	if RoleAuthorisedRepresentative != "authorised_representative" || RoleProductManufacturer != "product_manufacturer" {
		t.Errorf("role tokens changed: %q, %q", RoleAuthorisedRepresentative, RoleProductManufacturer)
	}

	s := creditSystem()
	s.ValueChainRoles = roles
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back System
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.ValueChainRoles, roles) {
		t.Errorf("roles after JSON round trip: %v, want %v", back.ValueChainRoles, roles)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("round-tripped description: %v", err)
	}

	s.ValueChainRoles = []ValueChainRole{"manufacturer"}
	err = s.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "valueChainRoles[0]" {
		t.Fatalf("unknown role: %v", err)
	}
	for _, r := range roles {
		if !strings.Contains(fe.Problem, string(r)) {
			t.Errorf("error %q does not list %q", fe.Problem, r)
		}
	}
}

func TestValidateStricterDeclarationAllowed(t *testing.T) {
	s := creditSystem()
	s.UseCase = &UseCase{Function: FunctionOther, InteractsWithPeople: true} // limited
	s.RiskLevel = aims.RiskHigh
	if err := s.Validate(); err != nil {
		t.Errorf("declaring a stricter tier must be allowed: %v", err)
	}
	s.RiskLevel = ""
	if err := s.Validate(); err != nil {
		t.Errorf("risk level derived from the use case: %v", err)
	}
	if got := s.effectiveRiskLevel(); got != aims.RiskLimited {
		t.Errorf("effective level %q, want limited", got)
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	err := System{}.Validate()
	if err == nil {
		t.Fatal("empty system accepted")
	}
	for _, f := range []string{"id", "name", "version", "purpose", "intendedUse", "owner", "valueChainRoles", "lifecycleStage", "riskLevel"} {
		if !strings.Contains(err.Error(), "inventory: "+f+": ") {
			t.Errorf("error does not mention %s: %v", f, err)
		}
	}
}

func TestParseRiskLevel(t *testing.T) {
	for _, l := range aims.RiskLevels() {
		got, err := aims.ParseRiskLevel(string(l))
		if err != nil || got != l {
			t.Errorf("aims.ParseRiskLevel(%q) = %q, %v", l, got, err)
		}
	}
	if _, err := aims.ParseRiskLevel("unacceptable"); err == nil || !strings.Contains(err.Error(), `"unacceptable"`) {
		t.Errorf("unknown tier: %v", err)
	}
	if !aims.RiskHigh.AtLeast(aims.RiskLimited) || aims.RiskMinimal.AtLeast(aims.RiskHigh) || !aims.RiskProhibited.AtLeast(aims.RiskProhibited) {
		t.Error("AtLeast order wrong")
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
