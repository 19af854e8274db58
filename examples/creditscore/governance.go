package main

import (
	"fmt"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/inventory"
)

// systemDescription is the inventory entry of the service: what it is for,
// who answers for it, which model and data it uses, and the use case its
// EU AI Act risk tier is derived from (creditworthiness of natural persons:
// Annex III point 5(b), high-risk), and the public key its ledger's
// checkpoints verify with.
func systemDescription(auc float64, ledgerKey string) inventory.System {
	return inventory.System{
		ID:                systemID,
		Name:              "Retail credit scoring",
		Version:           systemVersion,
		Description:       "Scores consumer loan applications and decides or proposes approval.",
		Purpose:           "Assess the creditworthiness of natural persons applying for consumer loans.",
		IntendedUse:       "Decision support for consumer loans up to EUR 30,000; adverse and borderline decisions are reviewed by credit officers.",
		ForeseeableMisuse: []string{"Use for employment screening", "Use for loans above EUR 30,000 or for businesses"},
		Limitations:       []string{"Trained on synthetic applicants; not validated for applicants under 21"},
		Owner:             "Credit Risk Analytics",
		AccountableRoles: []inventory.Role{
			{Role: "risk owner", Name: "Head of Credit Risk", Contact: "credit-risk@lending.example"},
			{Role: "human reviewer", Name: "Credit officers", Contact: "credit-officers@lending.example"},
		},
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleProvider},
		Models: []inventory.Model{{
			Name: "logistic", Version: modelVersion, Type: "logistic regression", Task: "binary classification",
			License: "proprietary", TrainingData: []string{"applications-2026"},
			Evaluations: []inventory.Evaluation{{Metric: "roc_auc", Value: auc, Dataset: "applications-2026 holdout"}},
		}},
		DataSources: []inventory.DataSource{{
			Name: "applications-2026", Provenance: "synthetic applicants generated at start-up (examples/creditscore/data.go)",
		}},
		HumanOversight: []string{
			"Adverse and low-confidence decisions are held for a credit officer (oversight gate)",
			"Reviewers can approve, reject or override with a reason; four-eyes for high-risk",
			"Applicants can contest a decision; the stop button halts the system",
		},
		UseCase: &inventory.UseCase{
			Domain: inventory.DomainEssentialServices, Function: inventory.FunctionCreditworthiness,
			AffectedPersons: "consumer loan applicants", Profiling: true,
		},
		Lifecycle: inventory.StageDeployed,
		Controls:  []string{"A.6.2.6", "A.6.2.8", "A.8.2", "A.9.2", "A.9.3"},
		// Auditors verify the ledger with this key, never with a file beside it.
		LedgerKeys: []string{ledgerKey},
	}
}

// governanceRecords parses the management-system records the service is
// deployed under, kept beside its code: the impact assessment, the
// deployment authorisation of version 1.0.0, the approved change that
// moved the model to 1.0.1, and the risk register. Each is validated as it
// is parsed; registration checks that they fit together.
func governanceRecords() (*aims.ImpactAssessment, *aims.DeploymentAuthorisation, *aims.ChangeRecord, *aims.RiskRegister, error) {
	ia, err := aims.ParseImpactAssessment(impactAssessmentFile)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("impact_assessment.yaml: %w", err)
	}
	auth, err := aims.ParseDeploymentAuthorisation(deploymentAuthorisationFile)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("deployment_authorisation.yaml: %w", err)
	}
	change, err := aims.ParseChangeRecord(changeRecordFile)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("change_record.yaml: %w", err)
	}
	risks, err := aims.ParseRiskRegister(riskRegisterFile)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("risk_register.yaml: %w", err)
	}
	return ia, auth, change, risks, nil
}

// reasonDescriptions word the reason codes of adverse-action notices.
var reasonDescriptions = map[string]explain.FeatureDescription{
	"age":            {Code: "R01", Label: "age", WhenLow: "Age of applicant", WhenHigh: "Age of applicant"},
	"income":         {Code: "R02", Label: "income", WhenLow: "Income insufficient for the amount requested", WhenHigh: "Income"},
	"debt":           {Code: "R03", Label: "outstanding debt", WhenHigh: "Outstanding debt too high", WhenLow: "Outstanding debt"},
	"term_months":    {Code: "R04", Label: "loan term", WhenHigh: "Loan term too long", WhenLow: "Loan term too short"},
	"amount":         {Code: "R05", Label: "amount requested", WhenHigh: "Amount requested too high", WhenLow: "Amount requested"},
	"years_employed": {Code: "R06", Label: "time in employment", WhenLow: "Time in current employment too short", WhenHigh: "Time in employment"},
	"late_payments":  {Code: "R07", Label: "late payments", WhenHigh: "Late payments in the last 24 months", WhenLow: "Late payments"},
}

// counterfactualConstraints say what an applicant could change: age, the
// payment history and the time in employment are facts; income can only go
// up and debt only down; the term is one of the offered terms.
func counterfactualConstraints() []explain.FeatureConstraint {
	return []explain.FeatureConstraint{
		{Immutable: true}, // age
		{Monotone: explain.MonotoneIncreasing, Range: &explain.Range{Min: 0, Max: 400000}},   // income
		{Monotone: explain.MonotoneDecreasing, Range: &explain.Range{Min: 0, Max: 1e6}},      // debt
		{Categories: []float64{12, 24, 36, 48, 60}},                                          // term_months
		{Monotone: explain.MonotoneDecreasing, Range: &explain.Range{Min: 1000, Max: 30000}}, // amount
		{Immutable: true}, // years_employed
		{Immutable: true}, // late_payments
	}
}
