package inventory_test

import (
	"github.com/aimskit/aimskit/aims"

	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/log/noop"

	"github.com/aimskit/aimskit/inventory"
)

func ExampleHandler() {
	registry := inventory.NewRegistry()
	reg, err := registry.Register(context.Background(), inventory.System{
		ID: "cv-screening", Name: "CV screening", Version: "3.0.0",
		Purpose:         "Rank job applications for recruiters.",
		IntendedUse:     "Recruiters review the ranking; every rejection is checked by a person.",
		Owner:           "talent-acquisition engineering",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleProvider, inventory.RoleDeployer},
		UseCase:         &inventory.UseCase{Domain: inventory.DomainEmployment, Function: inventory.FunctionRecruitment, Profiling: true},
		// In development: registered as deployed, this high-risk system
		// would also need its approved impact assessment and deployment
		// authorisation (see ExampleWithDeploymentAuthorisation).
		Lifecycle: inventory.StageDevelopment,
	}, inventory.WithLoggerProvider(noop.NewLoggerProvider()), inventory.WithHeartbeatInterval(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close(context.Background())

	// Mount next to /metrics.
	mux := http.NewServeMux()
	mux.Handle("/inventory/", http.StripPrefix("/inventory", inventory.Handler(registry)))

	for _, path := range []string{
		"/inventory/systems",
		"/inventory/systems/cv-screening/modelcard",
		"/inventory/systems/cv-screening/techdoc",
		"/inventory/cyclonedx",
		"/inventory/systems/unknown",
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(rec.Code, rec.Header().Get("Content-Type"), path)
	}
	// Output:
	// 200 application/json /inventory/systems
	// 200 text/markdown; charset=utf-8 /inventory/systems/cv-screening/modelcard
	// 200 text/markdown; charset=utf-8 /inventory/systems/cv-screening/techdoc
	// 200 application/vnd.cyclonedx+json; version=1.6 /inventory/cyclonedx
	// 404 application/json /inventory/systems/unknown
}

func ExampleNewTechnicalDocumentation() {
	doc := inventory.NewTechnicalDocumentation(inventory.System{
		ID: "cv-screening", Name: "CV screening", Version: "3.0.0",
		Purpose: "Rank job applications.", IntendedUse: "Recruiters.", Owner: "hr-eng",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleProvider},
		HumanOversight:  []string{"Every rejection is reviewed by a recruiter"},
		RiskLevel:       aims.RiskHigh, Lifecycle: inventory.StageDevelopment,
	})
	fmt.Printf("%d of %d Annex IV points still need work\n", len(doc.Missing()), len(doc.Sections))
	for _, s := range doc.Missing()[:3] {
		fmt.Printf("%s: %s\n", s.Point, s.Todo)
	}
	// Output:
	// 22 of 23 Annex IV points still need work
	// 1(a): name the provider (legal entity) and its contact details
	// 1(b): describe interfaces with other systems and hardware
	// 1(c): list software and firmware versions and version-update requirements
}
