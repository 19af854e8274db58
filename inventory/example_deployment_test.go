package inventory_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/log/noop"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/inventory"
)

// A high-risk system is registered as deployed only with its approved
// impact assessment and a deployment authorisation by two people other
// than the submitter, both kept as files in the service's repository.
func ExampleWithDeploymentAuthorisation() {
	ctx := context.Background()
	sys := inventory.System{
		ID: "cv-screening", Name: "CV screening", Version: "3.0.0",
		Purpose:         "Rank job applications for recruiters.",
		IntendedUse:     "Recruiters review the ranking; every rejection is checked by a person.",
		Owner:           "talent-acquisition engineering",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleProvider, inventory.RoleDeployer},
		Models:          []inventory.Model{{Name: "ranker", Version: "12"}},
		UseCase:         &inventory.UseCase{Domain: inventory.DomainEmployment, Function: inventory.FunctionRecruitment, Profiling: true},
		Lifecycle:       inventory.StageDeployed,
	}
	quiet := inventory.WithLoggerProvider(noop.NewLoggerProvider())

	// Without them, Register fails closed.
	if _, err := inventory.Register(ctx, sys, quiet, inventory.WithHeartbeatInterval(0)); err != nil {
		fmt.Println("refused")
	}

	ia, err := aims.LoadImpactAssessmentFile("testdata/records/impact_assessment.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	auth, err := aims.LoadDeploymentAuthorisationFile("testdata/records/deployment_authorisation.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	reg, err := inventory.Register(ctx, sys, quiet, inventory.WithHeartbeatInterval(0),
		inventory.WithImpactAssessment(ia), inventory.WithDeploymentAuthorisation(auth))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close(ctx)
	ev := reg.Description().Deployment
	fmt.Println("registered", reg.RiskLevel(), "on", ev.ImpactAssessmentID, ev.ImpactAssessmentDigest)
	fmt.Println("authorised by", ev.Approvers)
	// Output:
	// refused
	// registered high on IA-cv-screening sha256:11200343543e8aeab787fcecee03e0371627db82f88615ff7f24ab70998f8664
	// authorised by [Sam Okafor (Chief People Officer) Priya Nair (Head of Engineering)]
}
