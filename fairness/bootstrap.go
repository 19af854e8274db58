package fairness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"
)

// Bounds of BootstrapConfig: beyond them Bootstrap returns an error
// before allocating anything sized by the configuration.
const (
	// MaxBootstrapReplicates is the largest BootstrapConfig.Replicates.
	MaxBootstrapReplicates = 1_000_000
	// MaxBootstrapValues bounds replicates × statistics, the replicate
	// values Bootstrap keeps (8 bytes each: 256 MiB at the bound).
	MaxBootstrapValues = 1 << 25
	// MaxBootstrapWorkers is the largest BootstrapConfig.Workers.
	MaxBootstrapWorkers = 1024
)

// BootstrapConfig configures Bootstrap.
type BootstrapConfig struct {
	// Replicates is the number of bootstrap resamples (default 1000, at
	// most MaxBootstrapReplicates; replicates × statistics at most
	// MaxBootstrapValues).
	Replicates int
	// Seed makes the resamples reproducible: replicate r draws its rows
	// from a PCG generator seeded with (Seed, r), so the result depends
	// only on Seed, never on Workers or scheduling.
	Seed uint64
	// Confidence is the two-sided confidence level (default 0.95).
	Confidence float64
	// Workers is the number of goroutines (default GOMAXPROCS, at most
	// MaxBootstrapWorkers).
	Workers int
	// RowResampling forces resampling of rows even where the faster
	// count resampling applies (see Bootstrap).
	RowResampling bool
}

// Interval is a percentile bootstrap confidence interval (Efron &
// Tibshirani 1993, ch. 13).
type Interval struct {
	// Estimate is the value on the full data.
	Estimate float64
	// Lower and Upper are the (1−Confidence)/2 and (1+Confidence)/2
	// quantiles of the replicate values (linear interpolation, numpy's
	// default), NaN when no replicate had a value.
	Lower, Upper float64
	// Valid is the number of replicates in which the value was defined
	// (not NaN); an empty group can vanish from a resample.
	Valid int
}

// Statistic names used by BootstrapResult besides the disparity names.
const (
	StatValue      = "value"   // a group's metric value
	StatOverall    = "overall" // the overall metric value
	StatGroupMin   = "group_min"
	StatGroupMax   = "group_max"
	StatDiffGroups = "difference/between_groups"
	StatDiffAll    = "difference/to_overall"
	StatRatioGroup = "ratio/between_groups"
	StatRatioAll   = "ratio/to_overall"
)

// StatInterval is the interval of one statistic.
type StatInterval struct {
	// Control is the stratum (nil without control features).
	Control []string
	// Group is set for StatValue, nil otherwise.
	Group []string
	// Metric is the metric name; empty for disparities.
	Metric string
	// Statistic is StatValue, StatOverall, StatGroupMin, …, or a
	// disparity such as "demographic_parity_ratio/between_groups" or
	// "equalized_odds_difference/worst_case/to_overall".
	Statistic string
	Interval
}

// BootstrapResult holds the intervals of every metric value, aggregate and
// disparity of a frame.
type BootstrapResult struct {
	// Frame is the frame on the full data (the point estimates).
	Frame *Frame
	// Config is the configuration used, with defaults filled in.
	Config BootstrapConfig

	stats []StatInterval
	index map[string]int
}

// Intervals returns every interval, in a stable order.
func (r *BootstrapResult) Intervals() []StatInterval { return slices.Clone(r.stats) }

// Lookup finds one interval. control and group are nil where they do not
// apply; metric is "" for disparities.
func (r *BootstrapResult) Lookup(control, group []string, metric, statistic string) (Interval, bool) {
	i, ok := r.index[statKey(control, group, metric, statistic)]
	if !ok {
		return Interval{}, false
	}
	return r.stats[i].Interval, true
}

// Value is the interval of a group's metric value (no control features).
func (r *BootstrapResult) Value(group []string, m Metric) (Interval, bool) {
	return r.Lookup(nil, group, m.name, StatValue)
}

// Difference is the interval of a metric's difference (no control features).
func (r *BootstrapResult) Difference(m Metric, method Method) (Interval, bool) {
	return r.Lookup(nil, nil, m.name, "difference/"+method.String())
}

// Ratio is the interval of a metric's ratio (no control features).
func (r *BootstrapResult) Ratio(m Metric, method Method) (Interval, bool) {
	return r.Lookup(nil, nil, m.name, "ratio/"+method.String())
}

// Disparity is the interval of a named disparity such as
// "demographic_parity_ratio/between_groups" (no control features).
func (r *BootstrapResult) Disparity(name string) (Interval, bool) {
	return r.Lookup(nil, nil, "", name)
}

func statKey(control, group []string, metric, statistic string) string {
	return strings.Join(control, "\x1f") + "\x1e" + strings.Join(group, "\x1f") + "\x1e" + metric + "\x1e" + statistic
}

// statSpec says where one statistic lives in a frame.
type statSpec struct {
	StatInterval
	ctlKey, groupKey string
}

// Bootstrap computes percentile confidence intervals for every metric
// value, aggregate and standard disparity of the frame NewFrame(ctx, d,
// opts...) would return, by recomputing the frame on Replicates resamples
// of the rows drawn with replacement. Replicates run in parallel; the
// result is identical for a seed whatever the parallelism.
//
// Without sample weights and with only confusion-count metrics, a
// replicate's counts are drawn directly from the multinomial distribution
// of the cells (tn, fp, fn, tp per group), which is the exact distribution
// of the counts of a row resample, in O(cells) instead of O(rows); set
// RowResampling to draw rows instead.
func Bootstrap(ctx context.Context, d *Data, cfg BootstrapConfig, opts ...Option) (*BootstrapResult, error) {
	if err := checkData("Bootstrap", d); err != nil {
		return nil, err
	}
	if cfg.Replicates == 0 {
		cfg.Replicates = 1000
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = 0.95
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Replicates < 2 || cfg.Replicates > MaxBootstrapReplicates {
		return nil, fmt.Errorf("fairness: bootstrap needs 2..%d replicates, got %d", MaxBootstrapReplicates, cfg.Replicates)
	}
	if cfg.Workers > MaxBootstrapWorkers {
		return nil, fmt.Errorf("fairness: bootstrap takes at most %d workers, got %d", MaxBootstrapWorkers, cfg.Workers)
	}
	if !(cfg.Confidence > 0 && cfg.Confidence < 1) {
		return nil, fmt.Errorf("fairness: bootstrap confidence %v is not in (0,1)", cfg.Confidence)
	}
	f0, err := NewFrame(ctx, d, opts...)
	if err != nil {
		return nil, err
	}
	specs := bootstrapSpecs(f0)
	if len(specs) > 0 && cfg.Replicates > MaxBootstrapValues/len(specs) {
		return nil, fmt.Errorf("fairness: bootstrap of %d statistics × %d replicates exceeds %d values; use fewer replicates", len(specs), cfg.Replicates, MaxBootstrapValues)
	}
	est := extractStats(f0, specs)
	n := d.Rows()
	fc, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	var base *tally
	var baseLayout *layout
	var lc labelCoding
	if !cfg.RowResampling && d.SampleWeight == nil && !slices.ContainsFunc(fc.metrics, func(m Metric) bool { return m.kind != kindCounts }) {
		if baseLayout, err = newLayout(d); err != nil {
			return nil, err
		}
		lc = newLabelCoding(fc.pos, d.YTrue, d.YPred)
		if base, err = runTally(d, baseLayout, tallyOptions{coding: lc}); err != nil {
			return nil, err
		}
	}
	vals := make([]float64, cfg.Replicates*len(specs))
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, cfg.Workers)
	for range min(cfg.Workers, cfg.Replicates) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rows []int
			if base == nil {
				rows = make([]int, n)
			}
			for {
				r := int(next.Add(1) - 1)
				if r >= cfg.Replicates {
					return
				}
				if err := ctx.Err(); err != nil {
					errc <- err
					return
				}
				src := rand.NewPCG(cfg.Seed, uint64(r))
				var fr *Frame
				var err error
				if base != nil {
					fr, err = frameFromTally(ctx, d, baseLayout, multinomialTally(base, src, int64(n)), lc, &fc, n)
				} else {
					rng := rand.New(src)
					for i := range rows {
						rows[i] = rng.IntN(n)
					}
					fr, err = NewFrame(ctx, d, append(slices.Clone(opts), withRows(rows))...)
				}
				if err != nil {
					errc <- err
					return
				}
				copy(vals[r*len(specs):], extractStats(fr, specs))
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("fairness: bootstrap replicate: %w", err)
	}
	res := &BootstrapResult{Frame: f0, Config: cfg, index: map[string]int{}}
	col := make([]float64, 0, cfg.Replicates)
	lo, hi := (1-cfg.Confidence)/2, (1+cfg.Confidence)/2
	for k, sp := range specs {
		col = col[:0]
		for r := range cfg.Replicates {
			if v := vals[r*len(specs)+k]; !math.IsNaN(v) {
				col = append(col, v)
			}
		}
		slices.Sort(col)
		si := sp.StatInterval
		si.Estimate = est[k]
		si.Valid = len(col)
		si.Lower, si.Upper = quantile(col, lo), quantile(col, hi)
		res.index[statKey(si.Control, si.Group, si.Metric, si.Statistic)] = len(res.stats)
		res.stats = append(res.stats, si)
	}
	return res, nil
}

// quantile of sorted values with linear interpolation between order
// statistics (numpy.percentile's default method).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

var disparityStats = []string{
	"demographic_parity_difference", "demographic_parity_ratio",
	"equal_opportunity_difference", "equal_opportunity_ratio",
	"equalized_odds_difference/worst_case", "equalized_odds_difference/mean",
	"equalized_odds_ratio/worst_case", "equalized_odds_ratio/mean",
}

func bootstrapSpecs(f *Frame) []statSpec {
	var specs []statSpec
	for _, s := range f.strata {
		ck := strings.Join(s.Control, "\x1f")
		for _, m := range f.metrics {
			add := func(group []string, stat string) {
				specs = append(specs, statSpec{StatInterval: StatInterval{Control: s.Control, Group: group, Metric: m.name, Statistic: stat}, ctlKey: ck, groupKey: strings.Join(group, "\x1f")})
			}
			add(nil, StatOverall)
			for _, g := range s.Groups {
				add(g.Group, StatValue)
			}
			for _, st := range []string{StatGroupMin, StatGroupMax, StatDiffGroups, StatDiffAll, StatRatioGroup, StatRatioAll} {
				add(nil, st)
			}
		}
		for _, name := range disparityStats {
			for _, meth := range []Method{BetweenGroups, ToOverall} {
				specs = append(specs, statSpec{StatInterval: StatInterval{Control: s.Control, Statistic: name + "/" + meth.String()}, ctlKey: ck})
			}
		}
	}
	return specs
}

// extractStats reads the statistics of specs from a (resampled) frame.
// Groups and strata are matched by label because a resample can lose a
// rare level; missing ones read as NaN.
func extractStats(f *Frame, specs []statSpec) []float64 {
	strata := map[string]*Stratum{}
	cells := map[string]*Cell{}
	for _, s := range f.strata {
		ck := strings.Join(s.Control, "\x1f")
		strata[ck] = s
		for i := range s.Groups {
			cells[ck+"\x1e"+strings.Join(s.Groups[i].Group, "\x1f")] = &s.Groups[i]
		}
	}
	out := make([]float64, len(specs))
	for k, sp := range specs {
		out[k] = math.NaN()
		s, ok := strata[sp.ctlKey]
		if !ok {
			continue
		}
		if sp.Metric == "" {
			out[k] = disparityValue(s, sp.Statistic)
			continue
		}
		mi := slices.IndexFunc(f.metrics, func(m Metric) bool { return m.name == sp.Metric })
		if mi < 0 || f.colErr[mi] != nil {
			continue
		}
		m := f.metrics[mi]
		var v float64
		switch sp.Statistic {
		case StatValue:
			c, ok := cells[sp.ctlKey+"\x1e"+sp.groupKey]
			if !ok {
				continue
			}
			x, _ := c.Value(m)
			v = x.Value
		case StatOverall:
			x, _ := s.Overall.Value(m)
			v = x.Value
		case StatGroupMin:
			v, _ = s.GroupMin(m)
		case StatGroupMax:
			v, _ = s.GroupMax(m)
		case StatDiffGroups:
			v, _ = s.Difference(m, BetweenGroups)
		case StatDiffAll:
			v, _ = s.Difference(m, ToOverall)
		case StatRatioGroup:
			v, _ = s.Ratio(m, BetweenGroups)
		case StatRatioAll:
			v, _ = s.Ratio(m, ToOverall)
		}
		out[k] = v
	}
	return out
}

func disparityValue(s *Stratum, stat string) float64 {
	i := strings.LastIndexByte(stat, '/')
	name, methName := stat[:i], stat[i+1:]
	meth := BetweenGroups
	if methName == ToOverall.String() {
		meth = ToOverall
	}
	switch name {
	case "demographic_parity_difference":
		return s.DemographicParityDifference(meth)
	case "demographic_parity_ratio":
		return s.DemographicParityRatio(meth)
	case "equal_opportunity_difference":
		return s.EqualOpportunityDifference(meth)
	case "equal_opportunity_ratio":
		return s.EqualOpportunityRatio(meth)
	case "equalized_odds_difference/worst_case":
		return s.EqualizedOddsDifference(meth, WorstCase)
	case "equalized_odds_difference/mean":
		return s.EqualizedOddsDifference(meth, Mean)
	case "equalized_odds_ratio/worst_case":
		return s.EqualizedOddsRatio(meth, WorstCase)
	case "equalized_odds_ratio/mean":
		return s.EqualizedOddsRatio(meth, Mean)
	}
	return math.NaN()
}

// multinomialTally draws the cell counts of one bootstrap replicate of n
// rows: Multinomial(n, c_k/n) over the base counts c_k, sampled as a chain
// of conditional binomials (each count given the ones before it).
func multinomialTally(base *tally, src rand.Source, n int64) *tally {
	t := &tally{l: base.l, ci: make([]int64, len(base.ci))}
	remaining, mass := n, int64(0)
	for _, c := range base.ci {
		mass += c
	}
	for k, c := range base.ci {
		if c == 0 || remaining == 0 {
			continue
		}
		var x int64
		if c >= mass {
			x = remaining
		} else {
			b := distuv.Binomial{N: float64(remaining), P: float64(c) / float64(mass), Src: src}
			x = int64(b.Rand())
		}
		t.ci[k] = x
		remaining -= x
		mass -= c
	}
	return t
}
