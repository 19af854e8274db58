package oversight_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// TestConsoleShowsOneSignConvention: reason codes and attributions use
// one sign (effect on the score), and resolved tickets show no deadline.
func TestConsoleShowsOneSignConvention(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.AdverseOutcome()))
	ctx := context.Background()
	d := decision(t, "credit", "deny", 0.2, 0.5, true)
	// A low score is adverse: the reason code's contribution (toward
	// adverse) is +0.12 where the attribution (on the score) is -0.12.
	d.Explanation.Attributions = []aims.Attribution{{Feature: "income", Contribution: -0.12}, {Feature: "region", Contribution: 0.03}}
	d.Explanation.ReasonCodes = []aims.ReasonCode{
		{Rank: 1, Code: "R01", Feature: "income", Description: "Income low", Direction: "adverse", Contribution: 0.12},
		{Rank: 2, Code: "R02", Feature: "tenure", Description: "Short tenure", Direction: "adverse", Contribution: 0.05},
	}
	out, err := h.gate.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := oversight.NewConsole(h.gate, oversight.BearerTokens(map[string]oversight.Reviewer{tokAlice: alice}))
	if err != nil {
		t.Fatal(err)
	}
	ch := &consoleHarness{harness: h, ticket: out.Ticket.ID}
	ch.srv = newTestServer(t, c)
	ch.client = ch.srv.Client()
	_, page := ch.do(t, "GET", "/tickets/"+out.Ticket.ID, tokAlice, nil, nil)
	reasons := regexp.MustCompile(`(?s)<table id="reason-codes">.*?</table>`).FindString(page)
	if !strings.Contains(reasons, "-0.12") || !strings.Contains(reasons, "-0.05") {
		t.Errorf("reason codes not in the score's sign convention:\n%s", reasons)
	}
	if !strings.Contains(page, "positive effect raised the score") {
		t.Error("the page does not say what a positive effect means")
	}
	if !strings.Contains(page, "deadline") {
		t.Error("an open ticket should show its deadline")
	}
	if _, err := h.gate.Reject(ctx, out.Ticket.ID, bob, "no"); err != nil {
		t.Fatal(err)
	}
	_, page = ch.do(t, "GET", "/tickets/"+out.Ticket.ID, tokAlice, nil, nil)
	if strings.Contains(page, "<strong>deadline</strong>") {
		t.Error("a resolved ticket shows a deadline")
	}
}

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
