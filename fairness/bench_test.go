package fairness

import (
	"context"
	"math/rand/v2"
	"testing"
)

// bench1M builds 1,000,000 rows with 8 intersectional groups (sex × race)
// as coded features.
func bench1M(weighted bool) *Data {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(42, 42))
	sex := make([]int32, n)
	race := make([]int32, n)
	d := &Data{YTrue: make([]int, n), YPred: make([]int, n)}
	if weighted {
		d.SampleWeight = make([]float64, n)
	}
	for i := range n {
		sex[i] = int32(r.IntN(2))
		race[i] = int32(r.IntN(4))
		d.YTrue[i] = r.IntN(2)
		d.YPred[i] = r.IntN(2)
		if weighted {
			d.SampleWeight[i] = 0.25 + 2*r.Float64()
		}
	}
	d.Sensitive = []Feature{
		CodedFeature("sex", []string{"F", "M"}, sex),
		CodedFeature("race", []string{"A", "B", "C", "D"}, race),
	}
	return d
}

// BenchmarkFrame1M is the benchmark: the frame fairlearn needs
// about 15 s for (1M rows, 8 intersectional groups, selection rate, TPR,
// FPR, accuracy) plus its differences and ratios.
func BenchmarkFrame1M(b *testing.B) {
	benchFrame(b, bench1M(false))
}

// BenchmarkFrame1MWeighted is the same with sample weights.
func BenchmarkFrame1MWeighted(b *testing.B) {
	benchFrame(b, bench1M(true))
}

func benchFrame(b *testing.B, d *Data) {
	ctx := context.Background()
	metrics := []Metric{SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := NewFrame(ctx, d, WithMetrics(metrics...))
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range metrics {
			for _, meth := range []Method{BetweenGroups, ToOverall} {
				if _, err := f.Difference(m, meth); err != nil {
					b.Fatal(err)
				}
				if _, err := f.Ratio(m, meth); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := f.DemographicParityDifference(BetweenGroups); err != nil {
			b.Fatal(err)
		}
		if _, err := f.EqualizedOddsDifference(BetweenGroups, WorstCase); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrap100k: 200 replicates over 100,000 rows and 8 groups
// with count (multinomial) resampling.
func BenchmarkBootstrap100k(b *testing.B) { benchBootstrap(b, false) }

// BenchmarkBootstrap100kRows is the same with row resampling.
func BenchmarkBootstrap100kRows(b *testing.B) { benchBootstrap(b, true) }

func benchBootstrap(b *testing.B, rows bool) {
	d := bench1M(false)
	d.YTrue, d.YPred = d.YTrue[:100_000], d.YPred[:100_000]
	for i := range d.Sensitive {
		d.Sensitive[i].Codes = d.Sensitive[i].Codes[:100_000]
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 200, Seed: 1, RowResampling: rows},
			WithMetrics(SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy)); err != nil {
			b.Fatal(err)
		}
	}
}
