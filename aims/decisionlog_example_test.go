package aims_test

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// A service records each decision through a DecisionLog backed by a
// tamper-evident ledger; an auditor later verifies the ledger with the
// public key only.
func ExampleNewDecisionLog() {
	dir, _ := os.MkdirTemp("", "ledger")
	defer os.RemoveAll(dir)

	// Once: generate the checkpoint key pair (aimsaudit keygen does the
	// same). The service gets the private key, auditors the public one.
	skey, vkey, _ := ledger.GenerateKey("credit-scoring-ledger")
	signer, _ := ledger.NewSigner(skey) // or ledger.LoadSigner(path), ledger.SignerFromEnv("")

	// At start-up: one ledger per instance.
	led, err := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", signer)
	if err != nil {
		fmt.Println(err)
		return
	}
	log, err := aims.NewDecisionLog(
		aims.WithLedger(led),
		aims.WithAllowList(aims.NewAllowList("income")), // only income may be recorded
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	// On a request: record the decision (ctx carries the request span).
	ctx := context.Background()
	d, _ := aims.NewDecision(ctx, "credit-scoring")
	d.Output = "deny"
	d.Adverse = true
	d.Subject = "hs256:0123456789abcdef0123456789abcdef"           // from aims.Pseudonymizer
	d.Inputs = map[string]any{"income": 41000, "name": "Jane Doe"} // name is dropped
	if err := log.Record(ctx, d); err != nil {
		fmt.Println(err)
		return
	}

	// At shutdown: flush and sign the final checkpoint.
	if err := log.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}

	// The auditor: aimsaudit verify DIR --key PUB does the same.
	verifier, _ := ledger.NewVerifier(vkey)
	rep, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Origin, rep.Records, "record(s) verified")
	// Output: aimskit.ledger/credit-scoring/pod-1 1 record(s) verified
}
