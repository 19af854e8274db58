package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// Verify names the first record that was tampered with.
func ExampleVerify() {
	dir, _ := os.MkdirTemp("", "ledger")
	defer os.RemoveAll(dir)
	skey, vkey, _ := ledger.GenerateKey("example")
	signer, _ := ledger.NewSigner(skey)
	verifier, _ := ledger.NewVerifier(vkey)

	l, _ := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", signer)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_ = l.Append(ctx, fmt.Appendf(nil, `{"id":"d%d","output":"approve"}`, i))
	}
	_ = l.Close(ctx)

	rep, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	fmt.Println(rep.Records, "records, error:", err)

	// Someone edits the second decision.
	seg := filepath.Join(dir, "seg-00000000000000000000.jsonl")
	b, _ := os.ReadFile(seg)
	_ = os.WriteFile(seg, []byte(strings.Replace(string(b), `"d1","output":"approve"`, `"d1","output":"deny"`, 1)), 0o640)

	_, err = ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	var ve *ledger.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(ve.File, "line", ve.Line, "seq", ve.Seq)
	}
	// Output:
	// 3 records, error: <nil>
	// seg-00000000000000000000.jsonl line 2 seq 1
}

// An inclusion proof lets one decision be checked offline, without the
// ledger, against a signed checkpoint.
func ExampleProve() {
	dir, _ := os.MkdirTemp("", "ledger")
	defer os.RemoveAll(dir)
	skey, vkey, _ := ledger.GenerateKey("example")
	signer, _ := ledger.NewSigner(skey)
	verifier, _ := ledger.NewVerifier(vkey)
	l, _ := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", signer)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_ = l.Append(ctx, fmt.Appendf(nil, `{"id":"d%d","output":"approve"}`, i))
	}
	_ = l.Close(ctx)

	proof, err := ledger.Prove(dir, "d3")
	if err != nil {
		fmt.Println(err)
		return
	}
	cp, err := ledger.CheckProof(proof, verifier)
	fmt.Println(proof.Seq, cp.Size, err)
	// Output: 3 5 <nil>
}
