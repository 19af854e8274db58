// Package appendfile appends to files that readers take line by line or
// record by record, so that a write the disk took only in part (a full
// disk) leaves no fragment for the next append to run into.
package appendfile

import (
	"errors"
	"fmt"
	"os"
)

// ErrPartLeft is wrapped by Whole's error when the part of a failed write
// could not be cut off again: the file now ends in a fragment.
var ErrPartLeft = errors.New("the part written stays in the file")

// Whole appends b to f, opened for appending, with one write. A write
// cut short is cut back to the file's size just before it, so the failed
// append leaves the file as it was; the size is taken just before the
// write, so a file truncated meanwhile (logrotate's copytruncate) is
// never cut to, or extended to, a size it no longer has. When the cut
// itself fails, the error wraps ErrPartLeft.
func Whole(f *os.File, b []byte) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	n, err := f.Write(b)
	if err == nil || n == 0 {
		return err
	}
	if terr := f.Truncate(st.Size()); terr != nil {
		return errors.Join(err, fmt.Errorf("%w: cutting off the %d bytes written: %v", ErrPartLeft, n, terr))
	}
	_ = f.Sync()
	return err
}
