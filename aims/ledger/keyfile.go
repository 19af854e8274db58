package ledger

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CreateKeyFile creates the file path holding key (a signer or verifier
// key as GenerateKey returns it) on one line, with permission mode, and
// fails with an error wrapping fs.ErrExist if path exists. The file
// appears whole or not at all: the key is written to a temporary file in
// the same folder and fsynced, then hard-linked to path (a link, unlike a
// rename, does not replace a file that exists), and the folder is
// fsynced. So a keygen or a first start cut short by a crash or a full
// disk never leaves a key file in part, which no signer loads and which
// would refuse to be replaced.
func CreateKeyFile(path, key string, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("ledger: creating key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(key + "\n")
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("ledger: creating key file %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}
