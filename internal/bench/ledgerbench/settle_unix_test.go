//go:build unix

package ledgerbench_test

import "syscall"

// settle flushes every dirty page of the system before a sub-benchmark,
// so that writes an earlier one left unsynced (the queue-only mode's
// data, removed temporary files) are not written back during this one's
// fsyncs and charged to it.
func settle() { syscall.Sync() }
