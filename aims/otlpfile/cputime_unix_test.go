//go:build unix

package otlpfile_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system, all
// threads, GC included). On a machine shared with other work it measures
// the decoder's cost better than wall time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
