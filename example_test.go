package aimskit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/log/noop"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/explain"
	"github.com/aimskit/aimskit/inventory"
	"github.com/aimskit/aimskit/oversight"
)

// The common case of the README's quick start, run end to end: register
// the system, disclose it, gate a decision and record it, with the
// decision clean from the moment it exists.
func Example_quickStart() {
	ctx := context.Background()
	pseud, err := aims.NewPseudonymizer([]byte("load this key from a secret store"), "k1")
	if err != nil {
		log.Fatal(err)
	}
	system := inventory.System{
		ID: "credit-scoring", Name: "Retail credit scoring", Version: "1.0.0",
		Purpose: "Assess the creditworthiness of consumer loan applicants.", Owner: "Credit Risk",
		IntendedUse: "Decision support for consumer loans.", ValueChainRoles: []inventory.ValueChainRole{inventory.RoleProvider},
		UseCase:   &inventory.UseCase{Domain: inventory.DomainEssentialServices, Function: inventory.FunctionCreditworthiness},
		Models:    []inventory.Model{{Name: "pd-logistic", Version: "3", Digest: "sha256:9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d"}},
		Lifecycle: inventory.StageDeployed,
	}
	// High-risk and deployed: the approved impact assessment and the
	// two-person deployment authorisation, kept as files in the repository.
	assessment, err := aims.LoadImpactAssessmentFile("aims/testdata/records/impact_assessment.yaml")
	if err != nil {
		log.Fatal(err)
	}
	authorisation, err := aims.LoadDeploymentAuthorisationFile("aims/testdata/records/deployment_authorisation.yaml")
	if err != nil {
		log.Fatal(err)
	}

	reg, err := inventory.Register(ctx, system, inventory.WithHeartbeatInterval(0),
		inventory.WithImpactAssessment(assessment), inventory.WithDeploymentAuthorisation(authorisation), inventory.WithSystemOptions(
			aims.WithPseudonymizer(pseud), aims.WithAllowList(aims.NewAllowList("income")),
			aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}),
			aims.WithLoggerProvider(noop.NewLoggerProvider())))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close(ctx)
	gate, err := oversight.New(ctx, reg, oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close(ctx)
	disc, err := reg.NewDiscloser(aims.Disclosure{Kind: aims.DisclosureAutomatedDecision})
	if err != nil {
		log.Fatal(err)
	}

	handler := func(w http.ResponseWriter, r *http.Request) {
		x := []float64{41000, 37} // income, age
		explainer, err := explain.NewLinear([]float64{0.0001, -0.01}, -3, explain.Matrix{Rows: 1, Cols: 2, Data: []float64{45000, 40}},
			explain.WithFeatureNames("income", "age"))
		if err != nil {
			log.Fatal(err)
		}
		e, err := explainer.Explain(r.Context(), x)
		if err != nil {
			log.Fatal(err)
		}
		reasons, err := explain.ReasonCodes(e, explain.ReasonOptions{TopK: 2})
		if err != nil {
			log.Fatal(err)
		}
		score := 0.31
		d, err := reg.NewDecision(r.Context(), aims.Draft{Subject: "person@example.com",
			Inputs: map[string]any{"income": x[0], "age": x[1]}, Output: "deny", Score: &score, Explanation: e.Record(reasons)})
		if err != nil {
			log.Fatal(err)
		}
		out, err := gate.Submit(r.Context(), d)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("route:", out.Action, "| held:", out.Pending())
		fmt.Println("subject:", out.Decision.Subject)
		fmt.Println("inputs:", out.Decision.Inputs)
		fmt.Println("attributions:", len(out.Decision.Explanation.Attributions), out.Decision.Explanation.Attributions[0].Feature)
	}
	srv := httptest.NewServer(disc.Middleware(http.HandlerFunc(handler)))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("disclosed:", resp.Header.Get("AI-Disclosure") != "")
	// Output:
	// route: review | held: true
	// subject: hs256:k1:005e5c429c73e867f1b7353831c43da5
	// inputs: map[income:41000]
	// attributions: 1 income
	// disclosed: true
}
