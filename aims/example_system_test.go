package aims_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aimskit/aimskit/aims"
)

// A service holds one System per AI system and creates every decision from
// it. The raw subject and the inputs outside the allow-list stay in the
// Draft; the Decision is clean from the moment it exists.
func ExampleSystem() {
	ctx := context.Background()
	pseud, err := aims.NewPseudonymizer([]byte("a 32-byte key from a secret store"), "k1")
	if err != nil {
		log.Fatal(err)
	}
	sys, err := aims.NewSystem("credit-scoring",
		aims.WithVersion("1.4.0"), aims.WithRiskLevel(aims.RiskHigh),
		aims.WithOutcomes(aims.Outcome{Value: "approve"}, aims.Outcome{Value: "deny", Adverse: true}),
		aims.WithPseudonymizer(pseud), aims.WithAllowList(aims.NewAllowList("income")))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)

	d, err := sys.NewDecision(ctx, aims.Draft{
		Subject: "person@example.com",
		Inputs:  map[string]any{"income": 41000, "age": 37},
		Output:  "deny",
		Score:   new(0.31),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Subject)
	fmt.Println(d.Inputs, d.Adverse)
	if err := sys.Record(ctx, d); err != nil {
		log.Fatal(err)
	}
	// Output:
	// hs256:k1:465a167149d94dd310d57ee822f9a622
	// map[income:41000] true
}
