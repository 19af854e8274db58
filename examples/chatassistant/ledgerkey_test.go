package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// TestLedgerKeyAfterFirstStartCutShort: a first start that dies after it
// wrote the signing key and before it wrote the verifier key beside it
// (here the second write fails) must not leave a key folder the service
// can never start from again: the next start uses the key it made, and
// the verifier key it gives out checks that key's signatures.
func TestLedgerKeyAfterFirstStartCutShort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ledger.pub"), 0o700)) // the second write fails
	_, _, err := ledgerKey(dir)
	require.Error(t, err, "the first start fails writing the verifier key")
	_, err = os.Stat(filepath.Join(dir, "ledger.key"))
	require.NoError(t, err, "the signing key was written")
	require.NoError(t, os.Remove(filepath.Join(dir, "ledger.pub")))

	signer, vkey, err := ledgerKey(dir)
	require.NoError(t, err, "the next start must not fail for the file the first one did not write")
	v, err := ledger.NewVerifier(vkey)
	require.NoError(t, err)
	msg, err := note.Sign(&note.Note{Text: "checkpoint\n"}, signer)
	require.NoError(t, err)
	_, err = note.Open(msg, note.VerifierList(v))
	require.NoError(t, err, "the verifier key belongs to the signing key")
	pub, err := os.ReadFile(filepath.Join(dir, "ledger.pub"))
	require.NoError(t, err, "the verifier key file is written again")
	require.Equal(t, vkey+"\n", string(pub))
}
