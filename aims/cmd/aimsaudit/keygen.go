package main

import (
	"fmt"
	"io"
	"os"

	"github.com/aimskit/aimskit/aims/ledger"
)

func init() {
	register(&command{
		name:    "keygen",
		args:    "--name NAME [--out PREFIX]",
		summary: "generate an Ed25519 checkpoint key pair: PREFIX.key (private, mode 0600, for the service) and PREFIX.pub (for auditors)",
		run:     runKeygen,
	})
}

func runKeygen(args []string, stdout, stderr io.Writer) int {
	c := commands["keygen"]
	fs := newFlags(c, stderr)
	name := fs.String("name", "", "key name shown in every signature, e.g. credit-scoring-ledger")
	out := fs.String("out", "", "write PREFIX.key and PREFIX.pub instead of printing both keys")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagErrExit(err)
	}
	if len(pos) != 0 || *name == "" {
		fs.Usage()
		return exitUsageErr
	}
	skey, vkey, err := ledger.GenerateKey(*name)
	if err != nil {
		fmt.Fprintf(stderr, "aimsaudit keygen: %v\n", err)
		return exitUsageErr
	}
	if *out == "" {
		fmt.Fprintf(stdout, "%s\n%s\n", skey, vkey)
		return exitOK
	}
	// Never overwrite a key that may already sign a ledger; and never
	// leave a key file in part (a full disk, a crash), which no signer
	// loads and which the next run would refuse to replace: each file is
	// written whole to a temporary file and linked into place, and a
	// failed run removes what it created.
	var created []string
	for _, f := range []struct {
		path string
		data string
		mode os.FileMode
	}{{*out + ".key", skey, 0o600}, {*out + ".pub", vkey, 0o644}} {
		if err := ledger.CreateKeyFile(f.path, f.data, f.mode); err != nil {
			for _, p := range created {
				os.Remove(p)
			}
			fmt.Fprintf(stderr, "aimsaudit keygen: %v\n", err)
			return exitUsageErr
		}
		created = append(created, f.path)
	}
	fmt.Fprintf(stdout, "wrote %s.key (private signing key: give it to the service, e.g. via %s) and %s.pub (public verifier key: publish it in the inventory record, inventory.System.LedgerKeys, and the SoA, aims.LedgerKeyEvidence, where auditors take it from; keep neither file in the ledger folder)\n",
		*out, ledger.DefaultKeyEnv, *out)
	return exitOK
}
