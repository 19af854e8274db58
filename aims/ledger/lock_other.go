//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package ledger

import (
	"fmt"
	"os"
)

// lockDir opens the lock file. Without flock there is no cross-process
// exclusion on this platform; one writer per directory is up to the
// deployment.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return f, nil
}

func unlockDir(f *os.File) { _ = f.Close() }
