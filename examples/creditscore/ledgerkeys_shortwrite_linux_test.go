package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aimskit/aimskit/internal/childtest"
)

const keyFsizeEnv = "AIMS_CREDITSCORE_KEY_FSIZE_DIR"

// TestLedgerKeyShortWriteChild is the child of
// TestLedgerKeyAfterShortWrite: the first start creates the signing key
// under a file size limit (RLIMIT_FSIZE, which makes the kernel cut a
// write short exactly as a full disk does), so the key is written in part.
func TestLedgerKeyShortWriteChild(t *testing.T) {
	dir := os.Getenv(keyFsizeEnv)
	if dir == "" {
		t.Skip("only run as the child of TestLedgerKeyAfterShortWrite")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	if _, err := loadLedgerKey(filepath.Join(dir, "keys", "ledger.key"), dir, filepath.Join(dir, "data", "ledger")); err == nil {
		t.Fatal("the key was written whole under the size limit")
	} else {
		os.Stdout.WriteString("failed: " + err.Error() + "\n")
	}
}

// TestLedgerKeyAfterShortWrite: a first start whose signing key the disk
// took only in part must not leave a key file in place that no later
// start can load: once there is room, the next start makes a key and runs.
func TestLedgerKeyAfterShortWrite(t *testing.T) {
	if os.Getenv(keyFsizeEnv) != "" {
		t.Skip("child")
	}
	dir := t.TempDir()
	var failed string
	stderr := childtest.Run(t, "TestLedgerKeyShortWriteChild", []string{keyFsizeEnv + "=" + dir}, func(line string) bool {
		if s, ok := strings.CutPrefix(line, "failed: "); ok {
			failed = s
		}
		return false
	})
	if failed == "" {
		t.Fatalf("the child's first start did not fail: %s", stderr)
	}
	t.Logf("first start under the size limit: %s", failed)
	k, err := loadLedgerKey(filepath.Join(dir, "keys", "ledger.key"), dir, filepath.Join(dir, "data", "ledger"))
	if err != nil {
		t.Fatalf("the next start, with room on the disk: %v", err)
	}
	if k.signer == nil || k.vkey == "" {
		t.Fatalf("no key: %+v", k)
	}
}
