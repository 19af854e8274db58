package fairness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// GroupIntervals are one group's window rates with percentile bootstrap
// intervals.
type GroupIntervals struct {
	// Group holds the label of each sensitive feature.
	Group []string
	// Name is the group as exported in aims.fairness.group.name, e.g.
	// "sex=female,region=north".
	Name string
	// Decisions and Labeled count the group's decisions and labelled
	// decisions in the window.
	Decisions, Labeled int64
	// Small and SmallLabeled are as in GroupStats: fewer (labelled)
	// decisions than WithMinGroupDecisions.
	Small, SmallLabeled bool
	// The rates (Estimate) and their intervals; an Estimate is NaN when
	// its denominator is empty.
	SelectionRate, TruePositiveRate, FalsePositiveRate, Accuracy Interval
}

// MonitorIntervals are the window's numbers with percentile bootstrap
// intervals, for a report that says "group n=75, selection rate 0.41
// [0.30, 0.52]; demographic parity ratio 0.71 [0.55, 0.93]".
type MonitorIntervals struct {
	// Groups in the order they were first seen.
	Groups []GroupIntervals
	// Disparities over the groups eligible in each replicate (as in
	// MonitorSnapshot); a disparity without eligible groups has a NaN
	// Estimate and Valid 0.
	Disparities map[Disparity]Interval
	// Config is the configuration used, defaults filled in.
	Config BootstrapConfig
}

// Intervals bootstraps the current window: each replicate redraws the
// window's decisions with replacement, as Multinomial(N, cell/N) over the
// cells group × label state (none, 0, 1) × decision, sampled as a chain of
// conditional binomials (the exact distribution of a row resample, in
// O(groups) per replicate), and recomputes every group's rates and every
// disparity with the monitor's eligibility rule. cfg is as for Bootstrap:
// Replicates default 1000 (at most MaxBootstrapReplicates), Confidence
// default 0.95, Seed makes the result reproducible; Workers and
// RowResampling are ignored. The window is copied under the lock, so
// Observe is not blocked while the replicates run.
func (m *Monitor) Intervals(ctx context.Context, cfg BootstrapConfig) (MonitorIntervals, error) {
	if cfg.Replicates == 0 {
		cfg.Replicates = 1000
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = 0.95
	}
	cfg.Workers, cfg.RowResampling = 1, false
	if cfg.Replicates < 2 || cfg.Replicates > MaxBootstrapReplicates {
		return MonitorIntervals{}, fmt.Errorf("fairness: monitor intervals need 2..%d replicates, got %d", MaxBootstrapReplicates, cfg.Replicates)
	}
	if !(cfg.Confidence > 0 && cfg.Confidence < 1) {
		return MonitorIntervals{}, fmt.Errorf("fairness: monitor interval confidence %v is not in (0,1)", cfg.Confidence)
	}
	if m.pending == nil {
		return MonitorIntervals{}, errors.New("fairness: monitor not created with NewMonitor")
	}
	m.mu.Lock()
	evs := m.advanceEvaluate()
	base := slices.Clone(m.totals[:len(m.groups)])
	res := MonitorIntervals{Disparities: map[Disparity]Interval{}, Config: cfg}
	for g := range base {
		gs := m.groupStats(g)
		res.Groups = append(res.Groups, GroupIntervals{Group: gs.Group, Name: m.groups[g].name, Decisions: gs.Decisions, Labeled: gs.Labeled,
			Small: gs.Small, SmallLabeled: gs.SmallLabeled,
			SelectionRate: Interval{Estimate: gs.SelectionRate}, TruePositiveRate: Interval{Estimate: gs.TruePositiveRate},
			FalsePositiveRate: Interval{Estimate: gs.FalsePositiveRate}, Accuracy: Interval{Estimate: gs.Accuracy}})
	}
	for _, d := range allDisparities {
		res.Disparities[d] = Interval{Estimate: m.disparity(d).value}
	}
	m.unlockDeliver(context.Background(), evs)
	if cfg.Replicates > MaxBootstrapValues/max(1, 4*len(base)+len(allDisparities)) {
		return MonitorIntervals{}, fmt.Errorf("fairness: monitor intervals of %d groups × %d replicates exceed %d values", len(base), cfg.Replicates, MaxBootstrapValues)
	}

	// Cells per group: unlabelled ŷ=0, unlabelled ŷ=1, then tn, fp, fn, tp.
	const per = 6
	cells := make([]int64, per*len(base))
	var n int64
	for g, c := range base {
		labPos := c.conf[1] + c.conf[3]
		lab := c.conf[0] + c.conf[1] + c.conf[2] + c.conf[3]
		cells[per*g] = c.decisions - lab - (c.predPos - labPos)
		cells[per*g+1] = c.predPos - labPos
		copy(cells[per*g+2:per*g+6], c.conf[:])
		n += c.decisions
	}
	nStats := 4*len(base) + len(allDisparities)
	vals := make([]float64, cfg.Replicates*nStats)
	draw := make([]int64, len(cells))
	tot := make([]groupCounts, len(base))
	div := func(a, b int64) float64 {
		if b == 0 {
			return math.NaN()
		}
		return float64(a) / float64(b)
	}
	for r := range cfg.Replicates {
		if r%64 == 0 {
			if err := ctx.Err(); err != nil {
				return MonitorIntervals{}, err
			}
		}
		multinomial(cells, draw, n, rand.NewPCG(cfg.Seed, uint64(r)))
		row := vals[r*nStats : (r+1)*nStats]
		for g := range tot {
			x := draw[per*g : per*g+per]
			c := groupCounts{conf: [4]int64{x[2], x[3], x[4], x[5]}}
			c.decisions = x[0] + x[1] + x[2] + x[3] + x[4] + x[5]
			c.predPos = x[1] + x[3] + x[5]
			tot[g] = c
			row[4*g] = div(c.predPos, c.decisions)
			row[4*g+1] = div(c.conf[3], c.conf[2]+c.conf[3])
			row[4*g+2] = div(c.conf[1], c.conf[0]+c.conf[1])
			row[4*g+3] = div(c.conf[0]+c.conf[3], c.conf[0]+c.conf[1]+c.conf[2]+c.conf[3])
		}
		for k, d := range allDisparities {
			row[4*len(base)+k] = m.disparityIn(tot, d).value
		}
	}
	lo, hi := (1-cfg.Confidence)/2, (1+cfg.Confidence)/2
	col := make([]float64, 0, cfg.Replicates)
	interval := func(k int, iv *Interval) {
		col = col[:0]
		for r := range cfg.Replicates {
			if v := vals[r*nStats+k]; !math.IsNaN(v) {
				col = append(col, v)
			}
		}
		slices.Sort(col)
		iv.Valid = len(col)
		iv.Lower, iv.Upper = quantile(col, lo), quantile(col, hi)
	}
	for g := range res.Groups {
		gi := &res.Groups[g]
		interval(4*g, &gi.SelectionRate)
		interval(4*g+1, &gi.TruePositiveRate)
		interval(4*g+2, &gi.FalsePositiveRate)
		interval(4*g+3, &gi.Accuracy)
	}
	for k, d := range allDisparities {
		iv := res.Disparities[d]
		interval(4*len(base)+k, &iv)
		res.Disparities[d] = iv
	}
	return res, nil
}

// multinomial draws Multinomial(n, cells/Σcells) into out as a chain of
// conditional binomials.
func multinomial(cells, out []int64, n int64, src rand.Source) {
	remaining, mass := n, int64(0)
	for _, c := range cells {
		mass += c
	}
	for k, c := range cells {
		out[k] = 0
		if c == 0 || remaining == 0 {
			continue
		}
		x := remaining
		if c < mass {
			b := distuv.Binomial{N: float64(remaining), P: float64(c) / float64(mass), Src: src}
			x = int64(b.Rand())
		}
		out[k] = x
		remaining -= x
		mass -= c
	}
}
