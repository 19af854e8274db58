package explain

import (
	"context"
	"math"
	"testing"
)

// Three distinct points repeated 5, 3 and 2 times: k-means with k=3 must
// recover them with weights 0.5, 0.3, 0.2, and an exact explanation over
// the summary must equal the one over the full data.
func TestSummarizeBackgroundRecoversClusters(t *testing.T) {
	pts := [][]float64{{0, 0, 1}, {10, 10, 0}, {-10, 5, 1}}
	counts := []int{5, 3, 2}
	data := NewMatrix(10, 3)
	r := 0
	for i, p := range pts {
		for c := 0; c < counts[i]; c++ {
			copy(data.Row(r), p)
			r++
		}
	}
	ctx := context.Background()
	sum, w, err := SummarizeBackground(ctx, data, nil, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 3 {
		t.Fatalf("%d rows, want 3", sum.Rows)
	}
	got := map[[3]float64]float64{}
	for i := 0; i < sum.Rows; i++ {
		got[[3]float64(sum.Row(i))] = w[i]
	}
	for i, p := range pts {
		if math.Abs(got[[3]float64(p)]-float64(counts[i])/10) > 1e-12 {
			t.Errorf("point %v weight %v, want %v (summary %v)", p, got[[3]float64(p)], float64(counts[i])/10, got)
		}
	}
	f := Func(func(x []float64) float64 { return x[0]*x[1] + math.Sin(x[2]) })
	full, err := NewExact(f, data)
	if err != nil {
		t.Fatal(err)
	}
	small, err := NewExact(f, sum, WithBackgroundWeights(w))
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 2, 0.5}
	a, err := full.Explain(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	b, err := small.Explain(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "summary vs full", 0, b.Values, a.Values, 1e-12)
	// Deterministic for a seed.
	sum2, w2, _ := SummarizeBackground(ctx, data, nil, 3, 42)
	assertClose(t, "repeat", 0, sum2.Data, sum.Data, 0)
	assertClose(t, "repeat weights", 0, w2, w, 0)
}

func TestSummarizeBackgroundSnapsToObservedValues(t *testing.T) {
	data := NewMatrix(200, 2)
	for i := 0; i < 200; i++ {
		data.Data[2*i] = float64(i % 7)         // integer column
		data.Data[2*i+1] = float64((i / 7) % 2) // binary column
	}
	sum, w, err := SummarizeBackground(context.Background(), data, nil, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for i := 0; i < sum.Rows; i++ {
		total += w[i]
		if v := sum.Row(i)[0]; v != math.Trunc(v) || v < 0 || v > 6 {
			t.Errorf("centre %d column 0 = %v is not an observed value", i, v)
		}
		if v := sum.Row(i)[1]; v != 0 && v != 1 {
			t.Errorf("centre %d column 1 = %v is not 0 or 1", i, v)
		}
	}
	if math.Abs(total-1) > 1e-12 || sum.Rows > 5 {
		t.Errorf("%d rows with total weight %v", sum.Rows, total)
	}
	if _, _, err := SummarizeBackground(context.Background(), data, nil, 0, 1); err == nil {
		t.Error("k=0 accepted")
	}
}
