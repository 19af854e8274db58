package explain

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// benchSetup loads the nl10 expression model from the vectors and builds a
// 100-row background and 16 rows to explain, drawn from a seeded normal.
func benchSetup(b *testing.B) (Model, Matrix, Matrix) {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "vectors", "expr_nl10_m10.json"))
	if err != nil {
		b.Fatal(err)
	}
	var c shapleyCase
	if err := json.Unmarshal(raw, &c); err != nil {
		b.Fatal(err)
	}
	model, err := buildModel(c.Model, 10)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	bg := NewMatrix(100, 10)
	for i := range bg.Data {
		bg.Data[i] = rng.NormFloat64()
	}
	xs := NewMatrix(16, 10)
	for i := range xs.Data {
		xs.Data[i] = rng.NormFloat64()
	}
	return model, bg, xs
}

// benchExplain explains one of 16 rows per iteration.
func benchExplain(b *testing.B, e Explainer, xs Matrix) {
	ctx := context.Background()
	if _, err := e.Explain(ctx, xs.Row(0)); err != nil { // warm the cached base value
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := e.Explain(ctx, xs.Row(i%xs.Rows)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is the process's user+system CPU time in nanoseconds. On a
// shared, loaded machine CPU time per operation is a steadier measure of
// cost than wall time.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkExactNL10 measures one exact explanation (2^10 coalitions × 100
// background rows = 102,400 model evaluations) per iteration, with the
// column-wise (numpy-style) expression evaluator.
func BenchmarkExactNL10(b *testing.B) {
	model, bg, xs := benchSetup(b)
	ex, err := NewExact(model, bg)
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, ex, xs)
}

// BenchmarkExactNL10PerRow is the same with a black-box per-row Func that
// walks the expression tree for every row.
func BenchmarkExactNL10PerRow(b *testing.B) {
	model, bg, xs := benchSetup(b)
	root := model.(*exprModel).root
	ex, err := NewExact(Func(root.scalar), bg)
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, ex, xs)
}

// BenchmarkKernelNL10 is Kernel SHAP at shap's default budget, which for
// M=10 is all 1,022 proper coalitions (exact).
func BenchmarkKernelNL10(b *testing.B) {
	model, bg, xs := benchSetup(b)
	k, err := NewKernel(model, bg)
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, k, xs)
}

// BenchmarkKernelNL10Sampled is Kernel SHAP with 500 sampled coalitions
// and 50 bootstrap refits for the standard errors.
func BenchmarkKernelNL10Sampled(b *testing.B) {
	model, bg, xs := benchSetup(b)
	k, err := NewKernel(model, bg, WithSamples(500))
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, k, xs)
}

// BenchmarkPermutationNL10 runs 64 antithetic permutation pairs.
func BenchmarkPermutationNL10(b *testing.B) {
	model, bg, xs := benchSetup(b)
	p, err := NewPermutation(model, bg, WithPermutations(64, 64))
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, p, xs)
}

// BenchmarkModelNL10 is the model alone on the 102,400 rows an exact
// explanation scores, in 1,024 calls of 100 rows with a different
// coalition of columns fixed at x each time: the floor for an exact
// explanation.
func BenchmarkModelNL10(b *testing.B) {
	model, bg, xs := benchSetup(b)
	blocks := make([]Matrix, 1024)
	for s := range blocks {
		m := NewMatrix(100, 10)
		copy(m.Data, bg.Data)
		for j := 0; j < 10; j++ {
			if s&(1<<j) != 0 {
				setColumn(m.Data, 10, j, xs.Row(0)[j])
			}
		}
		blocks[s] = m
	}
	out := make([]float64, 100)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, m := range blocks {
			if err := model.Predict(ctx, m, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// nl10 written as a plain Go function, as a service would compile it.
func nl10(x []float64) float64 {
	return x[0]*x[1] + math.Sin(x[2]) + math.Max(0, x[3]-x[4]) + 0.5*x[5]*x[5] +
		x[6]*x[7]*x[8] + x[0]*math.Tanh(x[9])
}

// BenchmarkExactNL10Compiled is the exact explanation with nl10 as a
// compiled per-row Func.
func BenchmarkExactNL10Compiled(b *testing.B) {
	_, bg, xs := benchSetup(b)
	ex, err := NewExact(Func(nl10), bg)
	if err != nil {
		b.Fatal(err)
	}
	benchExplain(b, ex, xs)
}
