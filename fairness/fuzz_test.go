package fairness

import (
	"context"
	"math"
	"testing"
)

// The fuzz tests feed arbitrary rows (labels, predictions, weights that may
// be zero, negative, NaN or huge, scores, groups, control levels, length
// mismatches) to the public numeric entry points and assert that each
// either returns an error or a result that is finite or explicitly flagged
// undefined; a panic fails the fuzz run by itself.

const fuzzMaxRows = 64

// fuzzData decodes b into Data. The first byte picks options; each row
// then takes three bytes.
func fuzzData(b []byte) *Data {
	if len(b) == 0 {
		return &Data{}
	}
	opt := b[0]
	b = b[1:]
	n := min(len(b)/3, fuzzMaxRows)
	d := &Data{YTrue: make([]int, n), YPred: make([]int, n), YScore: make([]float64, n)}
	weighted, control, special := opt&1 != 0, opt&2 != 0, opt&4 != 0
	if weighted {
		d.SampleWeight = make([]float64, n)
	}
	groups := make([]string, n)
	ctl := make([]string, n)
	specials := []float64{0, math.NaN(), -1, math.Inf(1), 1e308, 5e-324, math.MaxFloat64, 0}
	for i := range n {
		r0, r1, r2 := b[3*i], b[3*i+1], b[3*i+2]
		d.YTrue[i] = int(r0 & 1)
		d.YPred[i] = int(r0 >> 1 & 1)
		if special && r0>>5&3 == 3 {
			d.YTrue[i] = 2
		}
		groups[i] = []string{"a", "b", "c", "d"}[r0>>2&3]
		ctl[i] = []string{"x", "y"}[r0>>4&1]
		if weighted {
			if special && r1 < 8 {
				d.SampleWeight[i] = specials[r1]
			} else {
				d.SampleWeight[i] = float64(r1%32) / 8
			}
		}
		d.YScore[i] = float64(r2) / 255
		if special && r2 == 255 {
			d.YScore[i] = math.NaN()
		}
	}
	d.Sensitive = []Feature{NewFeature("g", groups)}
	if control {
		d.Control = []Feature{NewFeature("c", ctl)}
	}
	switch opt >> 3 & 7 {
	case 1:
		if n > 0 {
			d.YPred = d.YPred[:n-1]
		}
	case 2:
		d.YPred = nil
	case 3:
		d.YScore = nil
	case 4:
		if weighted {
			d.SampleWeight = append(d.SampleWeight, 1)
		}
	}
	return d
}

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 4, 0, 9, 5, 0, 200})
	f.Add([]byte{5, 3, 1, 255, 7, 2, 128, 96, 4, 64, 2, 0, 1})
	f.Add([]byte{3, 0x13, 9, 20, 0x07, 3, 30, 0x1c, 5, 40, 0x0f, 0, 50})
	f.Add([]byte{9, 3, 1, 2, 3, 4, 5})
}

func finiteOrFlagged(t *testing.T, where string, v Value) {
	t.Helper()
	if math.IsInf(v.Value, 0) {
		t.Fatalf("%s: infinite value %v", where, v)
	}
	if v.Defined && math.IsNaN(v.Value) {
		t.Fatalf("%s: NaN flagged defined: %+v", where, v)
	}
}

func notInf(t *testing.T, where string, x float64) {
	t.Helper()
	if math.IsInf(x, 0) {
		t.Fatalf("%s: %v", where, x)
	}
}

func checkFrame(t *testing.T, f *Frame) {
	t.Helper()
	for _, s := range f.Strata() {
		cells := append([]Cell{s.Overall}, s.Groups...)
		for _, c := range cells {
			for _, m := range f.Metrics() {
				if v, err := c.Value(m); err == nil {
					finiteOrFlagged(t, m.Name(), v)
				}
			}
		}
		for _, m := range []Method{BetweenGroups, ToOverall} {
			notInf(t, "stratum DP difference", s.DemographicParityDifference(m))
			notInf(t, "stratum DP ratio", s.DemographicParityRatio(m))
			notInf(t, "stratum EO ratio", s.EqualizedOddsRatio(m, WorstCase))
			notInf(t, "stratum EO difference", s.EqualizedOddsDifference(m, Mean))
		}
	}
	for _, m := range []Method{BetweenGroups, ToOverall} {
		for name, fn := range map[string]func(Method) (float64, error){
			"DemographicParityDifference": f.DemographicParityDifference,
			"DemographicParityRatio":      f.DemographicParityRatio,
			"EqualOpportunityDifference":  f.EqualOpportunityDifference,
			"EqualOpportunityRatio":       f.EqualOpportunityRatio,
		} {
			if v, err := fn(m); err == nil {
				notInf(t, name, v)
			}
		}
	}
	if p, err := f.Privileged(map[string]string{"g": "a"}); err == nil {
		if p.Undefined != (p.UndefinedReason != "") {
			t.Fatalf("Privileged: Undefined %v with reason %q", p.Undefined, p.UndefinedReason)
		}
		if !p.Undefined {
			notInf(t, "SR privileged", p.SelectionRatePrivileged)
			notInf(t, "SR unprivileged", p.SelectionRateUnprivileged)
			if math.IsNaN(p.SelectionRatePrivileged) || math.IsNaN(p.SelectionRateUnprivileged) {
				t.Fatalf("Privileged: defined comparison with NaN selection rate: %+v", p)
			}
		}
	}
}

func FuzzNewFrame(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzData(b)
		fr, err := NewFrame(context.Background(), d, WithMetrics(append(Metrics(), F1(), FBeta(0.5), BrierScore, ROCAUC)...))
		if err != nil {
			fr, err = NewFrame(context.Background(), d)
		}
		if err != nil {
			return
		}
		checkFrame(t, fr)
	})
}

func FuzzReweigh(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzData(b)
		r, err := Reweigh(context.Background(), d)
		if err != nil {
			return
		}
		if len(r.Weights) != d.Rows() {
			t.Fatalf("%d weights for %d rows", len(r.Weights), d.Rows())
		}
		for i, w := range r.Weights {
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				t.Fatalf("weight[%d] = %v", i, w)
			}
		}
		for _, fc := range r.Factors {
			if !(fc.Factor >= 0) || math.IsInf(fc.Factor, 0) {
				t.Fatalf("factor %+v", fc)
			}
		}
	})
}

func FuzzFitThresholdOptimizer(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzData(b)
		for _, c := range []Constraint{DemographicParityConstraint, EqualizedOddsConstraint} {
			o, err := FitThresholdOptimizer(context.Background(), d, c)
			if err != nil {
				continue
			}
			if a := o.TrainingAccuracy(); math.IsNaN(a) || a < -1e-9 || a > 1+1e-9 {
				t.Fatalf("training accuracy %v", a)
			}
			for _, p := range o.Policies() {
				for _, s := range []float64{0, 0.5, 1} {
					q, err := o.ProbPositive(p.Group, s)
					if err != nil || math.IsNaN(q) || q < -1e-9 || q > 1+1e-9 {
						t.Fatalf("ProbPositive(%v, %v) = %v, %v", p.Group, s, q, err)
					}
				}
			}
		}
	})
}

func FuzzBootstrap(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzData(b)
		seed := uint64(len(b))
		r, err := Bootstrap(context.Background(), d, BootstrapConfig{Replicates: 4, Workers: 1, Seed: seed})
		if err != nil {
			return
		}
		checkFrame(t, r.Frame)
		for _, s := range r.Intervals() {
			iv := s.Interval
			if math.IsInf(iv.Lower, 0) || math.IsInf(iv.Upper, 0) || math.IsInf(iv.Estimate, 0) {
				t.Fatalf("%s/%s: infinite interval %+v", s.Metric, s.Statistic, iv)
			}
			if iv.Valid == 0 && !(math.IsNaN(iv.Lower) && math.IsNaN(iv.Upper)) {
				t.Fatalf("%s/%s: no valid replicate but bounds %+v", s.Metric, s.Statistic, iv)
			}
			if iv.Lower > iv.Upper {
				t.Fatalf("%s/%s: lower > upper %+v", s.Metric, s.Statistic, iv)
			}
		}
	})
}
