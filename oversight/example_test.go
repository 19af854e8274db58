package oversight_test

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// printRecorder stands in for the aims decision log.
type printRecorder struct{}

func (printRecorder) Record(_ context.Context, d aims.Decision) error {
	o := d.Oversight
	fmt.Printf("recorded: output=%s action=%s reviewer=%q reason=%q\n", d.Output, o.Action, o.Reviewer, o.Reason)
	return nil
}

func newExampleDecision(system, output string, score float64, adverse bool) aims.Decision {
	d, _ := aims.NewDecision(context.Background(), system)
	threshold := 0.5
	d.Output, d.Score, d.Threshold, d.Adverse = output, &score, &threshold, adverse
	return d
}

// A Gate applies clear decisions automatically and holds adverse ones for a
// human, who overrides one with a mandatory reason.
func ExampleGate() {
	ctx := context.Background()
	gate, err := oversight.New(ctx, printRecorder{},
		oversight.WithRiskLevel("credit", aims.RiskLimited),
		oversight.WithPolicy(oversight.Strictest(oversight.RiskAtLeast(aims.RiskHigh), oversight.AdverseOutcome())),
		oversight.WithSweepInterval(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gate.Close(ctx)

	out, _ := gate.Submit(ctx, newExampleDecision("credit", "approve", 0.91, false))
	fmt.Println("clear case applied:", out.Applied)

	out, _ = gate.Submit(ctx, newExampleDecision("credit", "deny", 0.31, true))
	fmt.Println("adverse case pending:", out.Pending())

	reviewer := oversight.Reviewer{ID: "r.lee", Roles: []string{"reviewer"}}
	if _, err := gate.Override(ctx, out.Ticket.ID, reviewer, "approve", ""); err != nil {
		fmt.Println("refused:", err)
	}
	res, _ := gate.Override(ctx, out.Ticket.ID, reviewer, "approve", "payslips show a higher income")
	fmt.Println("final:", res.Action, res.Decision.Output, res.Applied)
	// Output:
	// recorded: output=approve action=apply reviewer="" reason=""
	// clear case applied: true
	// recorded: output=deny action=review reviewer="" reason="decision is adverse to its subject"
	// adverse case pending: true
	// refused: oversight: a reason is required: override by "r.lee" has no reason
	// recorded: output=approve action=override reviewer="r.lee" reason="payslips show a higher income"
	// final: override approve true
}

// Await blocks until a reviewer acts, ctx ends or the deadline passes; the
// fail-safe never approves silently.
func ExampleGate_Await() {
	ctx := context.Background()
	gate, _ := oversight.New(ctx, oversight.RecorderFunc(func(context.Context, aims.Decision) error { return nil }),
		oversight.WithPolicy(oversight.Always(oversight.RouteReview, "pilot: review everything")),
		oversight.WithSweepInterval(0))
	defer gate.Close(ctx)

	out, _ := gate.Submit(ctx, newExampleDecision("hiring", "invite", 0.7, false))
	go func() {
		// Two distinct approvers, since the system's risk is unspecified (as high).
		_, _ = gate.Approve(ctx, out.Ticket.ID, oversight.Reviewer{ID: "a", Roles: []string{"reviewer"}}, "ok")
		_, _ = gate.Approve(ctx, out.Ticket.ID, oversight.Reviewer{ID: "b", Roles: []string{"supervisor"}}, "agree")
	}()
	res, err := gate.Await(ctx, out.Ticket.ID)
	fmt.Println(res.Action, res.Applied, err)
	// Output: approve true <nil>
}
