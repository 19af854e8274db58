//go:build unix

package boltstore_test

import "syscall"

// syncDisk writes dirty pages back (sync(2)), so that a benchmark does not
// measure the write-back of the file a fill has just written.
func syncDisk() { syscall.Sync() }
