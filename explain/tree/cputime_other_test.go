//go:build !linux

package tree

import "testing"

// measureCPU reports nothing where per-thread CPU time is not available.
func measureCPU(b *testing.B) func() { return func() {} }
