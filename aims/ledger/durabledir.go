package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// mkdirAllDurable creates dir and any missing parents, like os.MkdirAll,
// and fsyncs the parent of every folder it creates. A folder's entry
// lives in its parent: without that fsync a power loss after the first
// durable append could take a brand-new ledger folder away whole, with
// the records already acknowledged in it (POSIX fsync(2) makes a file's
// data durable, not the directory entry that names it).
func mkdirAllDurable(dir string, perm fs.FileMode) error {
	dir = filepath.Clean(dir)
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return fmt.Errorf("ledger: %s is not a folder", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ledger: %w", err)
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllDurable(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // created meanwhile by another process
		}
		return fmt.Errorf("ledger: %w", err)
	}
	return syncDir(parent)
}
