package fairness

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestPrivilegedAbsentLevel(t *testing.T) {
	d := synth(200, 9, false)
	f, err := NewFrame(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Privileged(map[string]string{"sex": "X"})
	if err != nil {
		t.Fatalf("absent privileged level: %v", err)
	}
	if !p.Undefined || !strings.Contains(p.UndefinedReason, `sex="X"`) {
		t.Errorf("absent level: Undefined %v reason %q", p.Undefined, p.UndefinedReason)
	}
	if p.NPrivileged != 0 || p.NUnprivileged != 200 {
		t.Errorf("counts %d/%d", p.NPrivileged, p.NUnprivileged)
	}
	for name, v := range map[string]float64{"SR_p": p.SelectionRatePrivileged, "DI": p.DisparateImpact,
		"SPD": p.StatisticalParityDifference, "EOD": p.EqualOpportunityDifference, "AOD": p.AverageOddsDifference} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v, want NaN (AIF360's 0/0)", name, v)
		}
	}
	if math.IsNaN(p.SelectionRateUnprivileged) || p.PassesFourFifths {
		t.Errorf("unprivileged side: SR %v, passes %v", p.SelectionRateUnprivileged, p.PassesFourFifths)
	}
	// Every row privileged: the unprivileged side is empty.
	one := &Data{YTrue: []int{0, 1}, YPred: []int{1, 1}, Sensitive: []Feature{NewFeature("g", []string{"a", "a"})}}
	f1, err := NewFrame(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	p, err = f1.Privileged(map[string]string{"g": "a"})
	if err != nil || !p.Undefined || !math.IsNaN(p.DisparateImpact) || p.SelectionRatePrivileged != 1 {
		t.Errorf("all privileged: %+v, %v", p, err)
	}
	// A defined comparison says so.
	p, err = f.Privileged(map[string]string{"sex": "M"})
	if err != nil || p.Undefined || p.UndefinedReason != "" {
		t.Errorf("defined comparison: %+v, %v", p, err)
	}
}

// TestFourFifthsExactRatioPasses checks the Frame helpers at the
// four-fifths boundary: group A selected 20 of 30, group B 25 of 30, a
// ratio of exactly 4/5 that computes as 0.7999999999999999 (fairlearn
// 0.12's demographic_parity_ratio on these rows gives the same float).
// Four fifths is no adverse impact, so Frame.PassesFourFifths,
// Stratum.PassesFourFifths and PrivilegedComparison.PassesFourFifths
// (with B privileged) pass, weighted or not; 19 of 30 fails.
func TestFourFifthsExactRatioPasses(t *testing.T) {
	rows := func(selA int, w float64) *Data {
		d := &Data{}
		var g []string
		for i := range 60 {
			grp, sel := "A", selA
			if i >= 30 {
				grp, sel = "B", 25
			}
			p := 0
			if i%30 < sel {
				p = 1
			}
			d.YTrue, d.YPred, g = append(d.YTrue, p), append(d.YPred, p), append(g, grp)
			if w > 0 {
				d.SampleWeight = append(d.SampleWeight, w)
			}
		}
		d.Sensitive = []Feature{NewFeature("g", g)}
		return d
	}
	for _, c := range []struct {
		selA  int
		w     float64
		ratio float64
		pass  bool
	}{
		{20, 0, 0.7999999999999999, true},
		{20, 0.1, 0.7999999999999999, true},
		{19, 0, 0.76, false},
	} {
		f, err := NewFrame(context.Background(), rows(c.selA, c.w))
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.DemographicParityRatio(BetweenGroups)
		if err != nil || !near(r, c.ratio) {
			t.Errorf("%d/30 weight %v: ratio %v, %v; want %v", c.selA, c.w, r, err, c.ratio)
		}
		if c.w == 0 && c.pass && r != c.ratio {
			t.Errorf("%d/30: ratio %v, want fairlearn's %v exactly", c.selA, r, c.ratio)
		}
		pass, err := f.PassesFourFifths()
		if err != nil || pass != c.pass {
			t.Errorf("%d/30 weight %v: Frame.PassesFourFifths %v, %v; want %v", c.selA, c.w, pass, err, c.pass)
		}
		p, err := f.Privileged(map[string]string{"g": "B"})
		if err != nil || p.PassesFourFifths != c.pass {
			t.Errorf("%d/30 weight %v: PrivilegedComparison %v (DI %v), %v; want %v", c.selA, c.w, p.PassesFourFifths, p.DisparateImpact, err, c.pass)
		}
	}
}
