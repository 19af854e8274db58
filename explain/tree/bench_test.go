package tree

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"

	"github.com/aimskit/aimskit/explain"
)

// benchCase is the 100-tree depth-6 model XGBoost's own timings were made on
// (refs/tree/README.md: pred_contribs 555 ms, predict 2.2 ms for 1,000 rows
// on one thread).
const benchCase = "bin_logistic_t100_d6_f12_s103"

// benchSetup loads the benchmark model and tiles its 50 explained rows
// (with their NaNs and the all-NaN and ±1e6 rows) to n rows.
func benchSetup(b *testing.B, n int) (*Ensemble, explain.Matrix) {
	b.Helper()
	var c xgbCase
	if err := json.Unmarshal(readVectorFile(b, benchCase+".case.json"), &c); err != nil {
		b.Fatal(err)
	}
	e, err := LoadXGBoostFile(vectorDir + "/" + c.ModelFile)
	if err != nil {
		b.Fatal(err)
	}
	M := e.NumFeatures()
	src := c.Rows.data
	x := explain.NewMatrix(n, M)
	for i := 0; i < n; i++ {
		r := i % (len(src) / M)
		copy(x.Row(i), src[r*M:(r+1)*M])
	}
	return e, x
}

func benchWorkers() []struct {
	name    string
	workers int
} {
	return []struct {
		name    string
		workers int
	}{{"workers=1", 1}, {"workers=GOMAXPROCS", runtime.GOMAXPROCS(0)}}
}

// BenchmarkTreeSHAP1000 is path-dependent TreeSHAP (pred_contribs) for
// 1,000 rows.
func BenchmarkTreeSHAP1000(b *testing.B) {
	e, x := benchSetup(b, 1000)
	out := make([]float64, x.Rows*(e.NumFeatures()+1))
	ctx := context.Background()
	if e.tables() == nil {
		b.Fatal("benchmark model should use leaf tables")
	}
	for _, w := range benchWorkers() {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			if w.workers == 1 {
				defer measureCPU(b)()
			}
			for b.Loop() {
				if err := e.Contributions(ctx, x, out, WithWorkers(w.workers)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPredict1000 is margin prediction for 1,000 rows.
func BenchmarkPredict1000(b *testing.B) {
	e, x := benchSetup(b, 1000)
	out := make([]float64, x.Rows)
	ctx := context.Background()
	for _, w := range benchWorkers() {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			if w.workers == 1 {
				defer measureCPU(b)()
			}
			for b.Loop() {
				if err := e.PredictMargins(ctx, x, out, WithWorkers(w.workers)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInteractions100 is path-dependent SHAP interaction values for
// 100 rows on one worker.
//
// Single-worker benchmarks also report cpu-ns/op, the CPU time of the
// benchmark's thread, which stays meaningful when other jobs share the
// machine.
func BenchmarkInteractions100(b *testing.B) {
	e, x := benchSetup(b, 100)
	M1 := e.NumFeatures() + 1
	out := make([]float64, x.Rows*M1*M1)
	ctx := context.Background()
	if err := e.Interactions(ctx, x, out, WithWorkers(1)); err != nil { // builds the interaction tables
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer measureCPU(b)()
	for b.Loop() {
		if err := e.Interactions(ctx, x, out, WithWorkers(1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInterventional100 is interventional TreeSHAP for 100 rows
// against 100 background rows, on one worker.
func BenchmarkInterventional100(b *testing.B) {
	e, x := benchSetup(b, 200)
	bg, err := e.NewBackground(explain.Matrix{Rows: 100, Cols: x.Cols, Data: x.Data[100*x.Cols:]})
	if err != nil {
		b.Fatal(err)
	}
	rows := explain.Matrix{Rows: 100, Cols: x.Cols, Data: x.Data[:100*x.Cols]}
	out := make([]float64, rows.Rows*(e.NumFeatures()+1))
	ctx := context.Background()
	b.ReportAllocs()
	defer measureCPU(b)()
	for b.Loop() {
		if err := e.InterventionalContributions(ctx, rows, bg, out, WithWorkers(1)); err != nil {
			b.Fatal(err)
		}
	}
}
