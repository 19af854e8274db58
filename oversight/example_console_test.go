package oversight_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// The console is an http.Handler; mount it behind the application's
// authentication (here: static bearer tokens).
func ExampleNewConsole() {
	gate, _ := oversight.New(context.Background(), oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithSweepInterval(0))
	defer gate.Close(context.Background())
	_, _ = gate.Submit(context.Background(), newExampleDecision("credit", "deny", 0.2, true))

	console, err := oversight.NewConsole(gate, oversight.BearerTokens(map[string]oversight.Reviewer{
		"s3cret-token": {ID: "r.lee", Roles: []string{"reviewer"}},
	}), oversight.WithBasePath("/oversight"))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/oversight/", console)

	for _, token := range []string{"", "s3cret-token"} {
		req := httptest.NewRequest("GET", "/oversight/api/tickets", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rr := httptest.NewRecorder()
		mux.ServeHTTP(rr, req)
		fmt.Println(rr.Code, rr.Header().Get("Content-Type"))
	}
	// Output:
	// 401 application/json
	// 200 application/json
}

// The affected person contests a decision; a linked review opens.
func ExampleGate_Contest() {
	ctx := context.Background()
	gate, _ := oversight.New(ctx, oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithSweepInterval(0))
	defer gate.Close(ctx)

	out, _ := gate.Submit(ctx, newExampleDecision("credit", "deny", 0.2, true))
	first := oversight.Reviewer{ID: "r.lee", Roles: []string{"reviewer"}}
	rejected, _ := gate.Reject(ctx, out.Ticket.ID, first, "income too low")

	ticket, _ := gate.Contest(ctx, rejected.Decision.ID, "my second job was not counted")
	fmt.Println(ticket.Kind, ticket.Excluded)

	second := oversight.Reviewer{ID: "r.kim", Roles: []string{"reviewer"}}
	res, _ := gate.Override(ctx, ticket.ID, second, "approve", "second income verified")
	fmt.Println(res.Action, res.Decision.Output, res.Decision.Oversight.RelatedDecisionID == rejected.Decision.ID)
	// Output:
	// contest [r.lee]
	// override approve true
}
