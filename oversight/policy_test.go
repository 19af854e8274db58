package oversight_test

import (
	"context"
	"math"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

func TestRiskAtLeast(t *testing.T) {
	p := oversight.RiskAtLeast(aims.RiskHigh)
	d := decision(t, "s", "ok", 0.9, 0.5, false)
	for risk, want := range map[aims.RiskLevel]oversight.Route{
		aims.RiskMinimal:     oversight.RouteApply,
		aims.RiskLimited:     oversight.RouteApply,
		aims.RiskHigh:        oversight.RouteReview,
		aims.RiskUnspecified: oversight.RouteReview, // unknown ranks as high
		aims.RiskProhibited:  oversight.RouteBlock,
	} {
		if got := p(context.Background(), oversight.Candidate{Decision: d, Risk: risk}).Route; got != want {
			t.Errorf("risk %q: %v, want %v", risk, got, want)
		}
	}
}

func TestScoreBand(t *testing.T) {
	p, err := oversight.ScoreBand(0.1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		score float64
		want  oversight.Route
	}{{0.5, oversight.RouteReview}, {0.6, oversight.RouteReview}, {0.41, oversight.RouteReview}, {0.61, oversight.RouteApply}, {0.2, oversight.RouteApply}} {
		d := decision(t, "s", "ok", c.score, 0.5, false)
		if got := p(context.Background(), oversight.Candidate{Decision: d}).Route; got != c.want {
			t.Errorf("score %v: %v, want %v", c.score, got, c.want)
		}
	}
	d := decision(t, "s", "ok", 0.5, 0.5, false)
	d.Score = nil
	if got := p(context.Background(), oversight.Candidate{Decision: d}).Route; got != oversight.RouteApply {
		t.Errorf("no score: %v", got)
	}
	for _, w := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := oversight.ScoreBand(w); err == nil {
			t.Errorf("width %v accepted", w)
		}
	}
}

func TestSampleIsSeededAndNearRate(t *testing.T) {
	count := func(seed uint64) (int, []bool) {
		p, err := oversight.Sample(0.1, seed)
		if err != nil {
			t.Fatal(err)
		}
		d := decision(t, "s", "ok", 0.9, 0.5, false)
		n := 0
		var seq []bool
		for range 10000 {
			r := p(context.Background(), oversight.Candidate{Decision: d}).Route == oversight.RouteReview
			if r {
				n++
			}
			seq = append(seq, r)
		}
		return n, seq
	}
	n1, s1 := count(42)
	n2, s2 := count(42)
	if n1 != n2 {
		t.Fatalf("same seed gave %d and %d", n1, n2)
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			t.Fatalf("same seed diverged at %d", i)
		}
	}
	// Binomial(10000, 0.1): sd = 30; 6 sd either side.
	if n1 < 820 || n1 > 1180 {
		t.Fatalf("sampled %d of 10000 at rate 0.1", n1)
	}
	n3, _ := count(7)
	if n3 == n1 {
		t.Logf("different seeds gave the same count %d (possible but unlikely)", n3)
	}
	for _, r := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := oversight.Sample(r, 1); err == nil {
			t.Errorf("rate %v accepted", r)
		}
	}
}

func TestStrictestAndFeatureRule(t *testing.T) {
	missing, err := oversight.FeatureRule("income_missing", "income", oversight.RouteReview,
		func(_ any, present bool) bool { return !present })
	if err != nil {
		t.Fatal(err)
	}
	custom := oversight.Policy(func(_ context.Context, c oversight.Candidate) oversight.Verdict {
		if c.Decision.Output == "forbidden" {
			return oversight.Verdict{Route: oversight.RouteBlock, Policy: "custom_block", Reason: "never"}
		}
		return oversight.Verdict{Route: oversight.RouteApply}
	})
	p := oversight.Strictest(missing, custom)
	d := decision(t, "s", "ok", 0.9, 0.5, false)
	if v := p(context.Background(), oversight.Candidate{Decision: d}); v.Route != oversight.RouteApply {
		t.Fatalf("nothing matched: %+v", v)
	}
	delete(d.Inputs, "income")
	if v := p(context.Background(), oversight.Candidate{Decision: d}); v.Route != oversight.RouteReview || v.Policy != "income_missing" {
		t.Fatalf("missing income: %+v", v)
	}
	d.Output = "forbidden"
	if v := p(context.Background(), oversight.Candidate{Decision: d}); v.Route != oversight.RouteBlock || v.Policy != "custom_block" {
		t.Fatalf("block should win over review: %+v", v)
	}
	if _, err := oversight.FeatureRule("", "x", oversight.RouteReview, func(any, bool) bool { return true }); err == nil {
		t.Fatal("unnamed rule accepted")
	}
	if _, err := oversight.FeatureRule("r", "x", oversight.Route(9), func(any, bool) bool { return true }); err == nil {
		t.Fatal("bad route accepted")
	}
}
