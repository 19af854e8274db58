package witness_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/ledger/witness"
)

// policy trusts three witnesses (their cosignature keys as litewitness
// prints them at start-up) and requires two of them.
const policy = `
witness w1 witness1.example+339e95a2+BHlHyJ8L8oRqKyNrOU0B6laO5CtXZISL1Uz0Dce0fVhv https://witness1.example
witness w2 witness2.example+07e5b66f+BFvWqnlaq45L9wQWuLASNX2S8LD+6S+w5VgCCBJbgAzV https://witness2.example
witness w3 witness3.example+3505ab3e+BICN+NpgkMndmA5qZMRANokM+KxAerEPGnPQ7+iV73c0 https://witness3.example
group main 2 w1 w2 w3
quorum main
`

// An auditor checks a checkpoint against the policy; one that no witness
// cosigned fails, saying what is missing.
func ExampleParsePolicy() {
	p, err := witness.ParsePolicy([]byte(policy))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("witnesses:", p.Witnesses())

	skey, _, _ := ledger.GenerateKey("aimskit.ledger/credit-scoring/pod-1")
	signer, _ := ledger.NewSigner(skey)
	cp, _ := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "aimskit.ledger/credit-scoring/pod-1", Size: 10, Time: time.Now()}, signer)
	fmt.Println(p.Satisfied(cp))

	_, err = witness.ParsePolicy([]byte("witness w1 witness1.example+339e95a2+BHlHyJ8L8oRqKyNrOU0B6laO5CtXZISL1Uz0Dce0fVhv\ngroup main 2 w1\nquorum main\n"))
	fmt.Println(err)
	// Output:
	// witnesses: [w1 w2 w3]
	// witness policy: quorum main not satisfied: group main needs 2 of w1, w2, w3, has 0; cosigned by no witness of the policy; no valid cosignature from w1, w2, w3
	// witness policy line 2: group main: threshold 2 is not between 1 and its 1 members
}

// A service has its ledger's checkpoints cosigned by the policy's
// witnesses: in the background, stored in cosigned.jsonl and emitted as
// aims.ledger.checkpoint.cosigned log records.
func ExamplePolicy_Clients() {
	p, err := witness.ParsePolicy([]byte(policy))
	if err != nil {
		log.Fatal(err)
	}
	witnesses, err := p.Clients()
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ledger.SignerFromEnv("")
	if err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "ledger")
	l, err := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", signer,
		ledger.WithWitnesses(witnesses...), ledger.WithWitnessTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close(context.Background())
}
