package explain

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// BenchmarkExactNL10 measures one exact explanation (2^10 coalitions × 100
// background rows = 102,400 model evaluations) per iteration.
func BenchmarkExactNL10(b *testing.B) {
	model, bg, xs := benchSetup(b)
	ex, err := NewExact(model, bg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ex.Explain(ctx, xs.Row(0)); err != nil { // warm the cached base value
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ex.Explain(ctx, xs.Row(i%xs.Rows)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModelNL10 is the model alone on 102,400 rows: the floor for an
// exact explanation.
func BenchmarkModelNL10(b *testing.B) {
	model, bg, _ := benchSetup(b)
	big := NewMatrix(1024*100, 10)
	for i := 0; i < 1024; i++ {
		copy(big.Data[i*1000:], bg.Data)
	}
	out := make([]float64, big.Rows)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := model.Predict(ctx, big, out); err != nil {
			b.Fatal(err)
		}
	}
}
