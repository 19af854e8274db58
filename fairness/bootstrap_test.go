package fairness

import (
	"context"
	"math"
	"testing"
)

func TestBootstrapDeterministicAcrossWorkers(t *testing.T) {
	d := synth(1500, 11, true)
	opts := []Option{WithMetrics(SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy)}
	run := func(workers int, seed uint64) *BootstrapResult {
		r, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 60, Seed: seed, Workers: workers}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1, 7), run(4, 7), run(3, 8)
	ia, ib, ic := a.Intervals(), b.Intervals(), c.Intervals()
	if len(ia) != len(ib) || len(ia) == 0 {
		t.Fatalf("interval counts %d vs %d", len(ia), len(ib))
	}
	differs := 0
	for i := range ia {
		x, y := ia[i], ib[i]
		if x.Statistic != y.Statistic || x.Metric != y.Metric || !sameFloat(x.Lower, y.Lower) || !sameFloat(x.Upper, y.Upper) || x.Valid != y.Valid {
			t.Errorf("workers 1 vs 4 differ at %d: %+v vs %+v", i, x, y)
		}
		if !sameFloat(ia[i].Lower, ic[i].Lower) {
			differs++
		}
	}
	if differs == 0 {
		t.Error("a different seed gave identical intervals")
	}
	// Every statistic the frame reports has an interval.
	if _, ok := a.Disparity("equalized_odds_ratio/mean/to_overall"); !ok {
		t.Error("missing disparity interval")
	}
	if _, ok := a.Value([]string{"F", "A"}, SelectionRate); !ok {
		t.Error("missing group interval")
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// The percentile interval of a proportion must match the normal
// approximation p ± 1.96·sqrt(p(1−p)/n) roughly, and contain the estimate.
func TestBootstrapWidthOfAProportion(t *testing.T) {
	d := synth(4000, 12, false)
	r, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 400, Seed: 1}, WithMetrics(SelectionRate))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := r.Frame.ByGroup()
	for _, g := range groups {
		iv, ok := r.Value(g.Group, SelectionRate)
		if !ok {
			t.Fatal("no interval")
		}
		p, n := iv.Estimate, float64(g.Counts.N)
		want := 2 * 1.96 * math.Sqrt(p*(1-p)/n)
		if w := iv.Upper - iv.Lower; w < 0.75*want || w > 1.25*want {
			t.Errorf("group %v: width %.4f, normal approximation %.4f", g.Group, w, want)
		}
		if !(iv.Lower <= p && p <= iv.Upper) || iv.Valid != 400 {
			t.Errorf("group %v: interval %+v", g.Group, iv)
		}
	}
	dp, _ := r.Disparity("demographic_parity_difference/between_groups")
	if !(dp.Lower < dp.Upper) || dp.Lower < 0 {
		t.Errorf("DP difference interval %+v", dp)
	}
}

func TestBootstrapBadConfig(t *testing.T) {
	d := synth(50, 1, false)
	if _, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 1}); err == nil {
		t.Error("1 replicate accepted")
	}
	if _, err := Bootstrap(context.Background(), d, BootstrapConfig{Confidence: 1.5}); err == nil {
		t.Error("confidence 1.5 accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bootstrap(ctx, d, BootstrapConfig{Replicates: 10}); err == nil {
		t.Error("cancelled context ignored")
	}
}

// Count resampling (multinomial) and row resampling draw from the same
// distribution: their intervals must agree up to Monte Carlo error, and
// the count path must be deterministic across worker counts too.
func TestBootstrapCountResamplingMatchesRowResampling(t *testing.T) {
	d := synth(3000, 13, false)
	opts := []Option{WithMetrics(SelectionRate, TruePositiveRate, FalsePositiveRate)}
	fast, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 400, Seed: 3, Workers: 1}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	fast2, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 400, Seed: 3, Workers: 3}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 400, Seed: 3, RowResampling: true}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	a, a2, b := fast.Intervals(), fast2.Intervals(), slow.Intervals()
	compared := 0
	for i := range a {
		if !sameFloat(a[i].Lower, a2[i].Lower) || !sameFloat(a[i].Upper, a2[i].Upper) {
			t.Errorf("count resampling differs across workers at %+v", a[i])
		}
		if a[i].Statistic != StatValue && a[i].Statistic != "demographic_parity_difference/between_groups" {
			continue
		}
		wa, wb := a[i].Upper-a[i].Lower, b[i].Upper-b[i].Lower
		if wa <= 0 || math.Abs(wa-wb) > 0.25*wb {
			t.Errorf("%s %v %s: width %.4f (counts) vs %.4f (rows)", a[i].Metric, a[i].Group, a[i].Statistic, wa, wb)
		}
		compared++
	}
	if compared < 10 {
		t.Fatalf("compared %d intervals", compared)
	}
}
