package ledger_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// A ledger signs its checkpoints through a key it never holds: any
// crypto.Signer with an Ed25519 key (a KMS, an HSM, Vault's transit
// engine, an agent). Here an ed25519.PrivateKey stands in for the remote
// key. The verifier key is what the service publishes (inventory, SoA)
// and auditors verify with.
func ExampleNewCryptoSigner() {
	_, remoteKey, _ := ed25519.GenerateKey(rand.Reader) // in production: the KMS client's crypto.Signer
	signer, err := ledger.NewCryptoSigner("lending.example/credit-scoring", remoteKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	vkey := signer.VerifierKey() // publish this; it holds nothing secret

	dir, _ := os.MkdirTemp("", "ledger")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	l, err := ledger.Open(ctx, dir, "credit-scoring", "pod-1", signer)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = l.Append(ctx, []byte(`{"id":"d1","output":"approve"}`))
	_ = l.Close(ctx) // signs the final checkpoint through the remote key

	// The auditor's side: only the published verifier key.
	verifier, _ := ledger.NewVerifier(vkey)
	rep, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	fmt.Println(rep.Records, "record verified, error:", err)
	// Output: 1 record verified, error: <nil>
}
