package tree

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkZZCPU(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e, x := benchSetup(b, 1000)
	ctx := context.Background()
	out := make([]float64, x.Rows*(e.NumFeatures()+1))
	pm := make([]float64, x.Rows)
	for _, name := range []string{"shap", "predict"} {
		n := 1
		if name == "predict" {
			n = 50
		}
		// run on this goroutine, locked thread
		best := time.Hour
		for rep := 0; rep < 8; rep++ {
			t0 := cpuNow()
			for i := 0; i < n; i++ {
				if name == "shap" {
					e.Contributions(ctx, x, out, WithWorkers(1))
				} else {
					e.PredictMargins(ctx, x, pm, WithWorkers(1))
				}
			}
			d := (cpuNow() - t0) / time.Duration(n)
			if d < best {
				best = d
			}
		}
		b.Logf("%s: %v CPU per 1000 rows", name, best)
	}
}
