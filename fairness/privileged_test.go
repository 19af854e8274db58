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
