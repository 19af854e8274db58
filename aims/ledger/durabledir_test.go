package ledger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMkdirAllDurable: the ledger folder and its missing parents are
// created (the fsync of each parent cannot be observed without a power
// loss; what is checked is that creating them works as MkdirAll does and
// that a file in the way is a clear error).
func TestMkdirAllDurable(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "ledger")
	if err := mkdirAllDurable(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("folder not created: %v", err)
	}
	if err := mkdirAllDurable(dir, 0o750); err != nil {
		t.Fatalf("existing folder: %v", err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := mkdirAllDurable(filepath.Join(file, "ledger"), 0o750); err == nil {
		t.Fatal("a file in the path was not refused")
	}
	if err := mkdirAllDurable(file, 0o750); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Fatalf("a file as the folder: %v", err)
	}
}
