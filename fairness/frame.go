package fairness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Method selects how Difference and Ratio compare groups.
type Method int

const (
	// BetweenGroups compares the largest and smallest group values.
	BetweenGroups Method = iota
	// ToOverall compares every group with the overall value and reports
	// the worst.
	ToOverall
)

// String returns fairlearn's name of the method.
func (m Method) String() string {
	if m == ToOverall {
		return "to_overall"
	}
	return "between_groups"
}

// Value is one metric value of one group, with flags that make fairlearn's
// silent conventions explicit.
type Value struct {
	// Value is the number fairlearn reports: 0.0 for a rate whose
	// denominator is empty, NaN for an empty group.
	Value float64
	// Defined is false when the value's denominator is empty (e.g. TPR of a
	// group with no positive labels) or the group is empty.
	Defined bool
	// Empty is true when the group has no rows (an empty intersection).
	Empty bool
	// Small is true when the group has fewer rows than the minimum group
	// size (WithMinGroupSize), so the value is unreliable.
	Small bool
}

// Bin is one row of a reliability table (calibration curve).
type Bin struct {
	// Lower and Upper bound the scores of the bin, (Lower, Upper]; the
	// first bin also holds 0.
	Lower, Upper float64
	// N is the number of rows, Weight their total weight.
	N      int64   // rows in the bin
	Weight float64 // their total sample weight
	// MeanScore is the weighted mean score and FractionPositive the
	// weighted fraction of positive labels of the bin (NaN when empty).
	MeanScore, FractionPositive float64
}

// Cell holds one group's counts and values.
type Cell struct {
	// Group holds the group's label for each sensitive feature, in the
	// order of Frame.SensitiveNames; nil for an overall cell.
	Group []string
	// Counts are the group's confusion counts.
	Counts Counts

	frame   *Frame
	stored  []float64 // values of non-count metrics, by metric index
	defined []bool
	reliab  [][]Bin // by metric index, calibration metrics only
}

// Stratum is the part of a frame for one combination of control-feature
// levels (the whole frame when there are no control features).
type Stratum struct {
	// Control holds the label of each control feature, in the order of
	// Frame.ControlNames; nil without control features.
	Control []string
	// Overall is the stratum's overall cell.
	Overall Cell
	// Groups are the cells of every combination of sensitive levels, in
	// sorted level order; empty intersections are included with Empty
	// values.
	Groups []Cell

	frame *Frame
}

// Frame is the Go counterpart of fairlearn's MetricFrame: metrics
// disaggregated by (intersectional) sensitive groups, optionally within
// control-feature strata, computed from one pass over the rows.
//
// A Frame is immutable after NewFrame and safe for concurrent use.
type Frame struct {
	metrics      []Metric
	colErr       []error
	sensitive    []string
	control      []string
	strata       []*Stratum
	weighted     bool
	minGroupSize int64
	rows         int
}

// NewFrame computes a frame. It reads the rows once to accumulate
// per-group confusion counts (and score sums when score metrics are
// requested); ROC AUC adds one sort, user row metrics one grouping pass.
func NewFrame(ctx context.Context, d *Data, opts ...Option) (*Frame, error) {
	if err := checkData("NewFrame", d); err != nil {
		return nil, err
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := d.validateShape(true); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := newLayout(d)
	if err != nil {
		return nil, err
	}
	lc := newLabelCoding(cfg.pos, d.YTrue, d.YPred)
	topt := tallyOptions{coding: lc, rows: cfg.rows}
	for _, m := range cfg.metrics {
		if m.needsScores() && d.YScore == nil {
			return nil, fmt.Errorf("fairness: metric %q needs y_score", m.name)
		}
		if m.kind == kindScore || m.kind == kindCalibration {
			topt.scores = true
		}
		if m.kind == kindCalibration {
			topt.bins = m.bins
		}
	}
	t, err := runTally(d, l, topt)
	if err != nil {
		return nil, err
	}
	rows := d.Rows()
	if cfg.rows != nil {
		rows = len(cfg.rows)
	}
	return frameFromTally(ctx, d, l, t, lc, &cfg, rows)
}

// frameFromTally builds a frame from accumulated counts.
func frameFromTally(ctx context.Context, d *Data, l *layout, t *tally, lc labelCoding, cfg *config, rows int) (*Frame, error) {
	f := &Frame{
		metrics:      cfg.metrics,
		colErr:       make([]error, len(cfg.metrics)),
		weighted:     t.weighted,
		minGroupSize: cfg.minGroupSize,
		rows:         rows,
	}
	for i, ft := range l.features {
		if i < l.nControl {
			f.control = append(f.control, ft.Name)
		} else {
			f.sensitive = append(f.sensitive, ft.Name)
		}
	}
	if err := f.build(ctx, d, l, t, lc, cfg.rows); err != nil {
		return nil, err
	}
	return f, nil
}

// build turns the tally into strata and cells, keeping only the levels
// that occur (fairlearn groups by the values present and, for several
// features, reindexes to their Cartesian product).
func (f *Frame) build(ctx context.Context, d *Data, l *layout, t *tally, lc labelCoding, rows []int) error {
	present := make([][]int, len(l.features))
	seen := make([][]bool, len(l.features))
	for k := range l.features {
		seen[k] = make([]bool, l.sizes[k])
	}
	lv := make([]int, len(l.features))
	for c := 0; c < l.cells; c++ {
		b := c << 2
		if t.ci[b]+t.ci[b+1]+t.ci[b+2]+t.ci[b+3] == 0 {
			continue
		}
		l.levelsOf(c, lv)
		for k, x := range lv {
			seen[k][x] = true
		}
	}
	for k := range l.features {
		for x, ok := range seen[k] {
			if ok {
				present[k] = append(present[k], x)
			}
		}
	}

	var aucCells, aucStrata []aucCurve
	var groupRows [][]int
	for _, m := range f.metrics {
		if m.kind == kindAUC && aucCells == nil {
			var err error
			if aucCells, aucStrata, err = rocAUC(ctx, d, l, lc, rows); err != nil {
				return err
			}
		}
		if m.kind == kindRows && groupRows == nil {
			var err error
			if groupRows, err = rowsByCell(d, l, rows); err != nil {
				return err
			}
		}
	}

	// Enumerate present control combinations, then present sensitive
	// combinations within each.
	nc := l.nControl
	ctrlCombos := product(present[:nc])
	sensCombos := product(present[nc:])
	for _, cc := range ctrlCombos {
		s := &Stratum{frame: f}
		for k, x := range cc {
			s.Control = append(s.Control, l.features[k].Levels[x])
		}
		stratumIdx := 0
		for k, x := range cc {
			stratumIdx = stratumIdx*l.sizes[k] + x
		}
		s.Overall = f.newCell(nil, t.sumCounts(stratumIdx*l.groups, (stratumIdx+1)*l.groups, 1))
		for _, sc := range sensCombos {
			cell := stratumIdx
			group := make([]string, len(sc))
			for k, x := range sc {
				cell = cell*l.sizes[nc+k] + x
				group[k] = l.features[nc+k].Levels[x]
			}
			s.Groups = append(s.Groups, f.newCell(group, t.counts(cell)))
			g := &s.Groups[len(s.Groups)-1]
			if err := f.fillStored(g, t, cell, aucCells, groupRows, d); err != nil {
				return err
			}
		}
		if err := f.fillStoredOverall(&s.Overall, t, stratumIdx, l, aucStrata, groupRows, d); err != nil {
			return err
		}
		f.strata = append(f.strata, s)
	}
	f.checkColumnErrors()
	return nil
}

func product(levels [][]int) [][]int {
	out := [][]int{{}}
	for _, ls := range levels {
		var next [][]int
		for _, prefix := range out {
			for _, x := range ls {
				next = append(next, append(append([]int(nil), prefix...), x))
			}
		}
		out = next
	}
	return out
}

func (f *Frame) newCell(group []string, c Counts) Cell {
	return Cell{
		Group:   group,
		Counts:  c,
		frame:   f,
		stored:  make([]float64, len(f.metrics)),
		defined: make([]bool, len(f.metrics)),
		reliab:  make([][]Bin, len(f.metrics)),
	}
}

// fillStored computes the non-count metrics of one cell.
func (f *Frame) fillStored(g *Cell, t *tally, cell int, auc []aucCurve, groupRows [][]int, d *Data) error {
	for mi, m := range f.metrics {
		switch m.kind {
		case kindScore:
			g.stored[mi], g.defined[mi] = m.fromScores(t.sws[cell], t.sbr[cell], g.Counts.Weight())
		case kindCalibration:
			g.stored[mi], g.defined[mi], g.reliab[mi] = calibration(t, []int{cell}, g.Counts.Weight())
		case kindAUC:
			v, def, failure := auc[cell].finish()
			g.stored[mi], g.defined[mi] = v, def
			if failure != "" && f.colErr[mi] == nil {
				f.colErr[mi] = fmt.Errorf("fairness: %s: %s in group %s; ROC AUC is not defined then", m.name, failure, strings.Join(g.Group, ","))
			}
		case kindRows:
			if len(groupRows[cell]) == 0 {
				g.stored[mi] = math.NaN()
				continue
			}
			v, err := m.fromRows(Rows{Data: d, Index: groupRows[cell]})
			if err != nil {
				if f.colErr[mi] == nil {
					f.colErr[mi] = fmt.Errorf("fairness: %s: %w", m.name, err)
				}
				v = math.NaN()
			}
			g.stored[mi], g.defined[mi] = v, err == nil && !math.IsNaN(v)
		}
	}
	return nil
}

func (f *Frame) fillStoredOverall(g *Cell, t *tally, stratum int, l *layout, auc []aucCurve, groupRows [][]int, d *Data) error {
	cells := make([]int, 0, l.groups)
	for c := stratum * l.groups; c < (stratum+1)*l.groups; c++ {
		cells = append(cells, c)
	}
	for mi, m := range f.metrics {
		switch m.kind {
		case kindScore:
			var ws, br float64
			for _, c := range cells {
				ws += t.sws[c]
				br += t.sbr[c]
			}
			g.stored[mi], g.defined[mi] = m.fromScores(ws, br, g.Counts.Weight())
		case kindCalibration:
			g.stored[mi], g.defined[mi], g.reliab[mi] = calibration(t, cells, g.Counts.Weight())
		case kindAUC:
			v, def, failure := auc[stratum].finish()
			g.stored[mi], g.defined[mi] = v, def
			if failure != "" && f.colErr[mi] == nil {
				f.colErr[mi] = fmt.Errorf("fairness: %s: %s overall; ROC AUC is not defined then", m.name, failure)
			}
		case kindRows:
			var all []int
			for _, c := range cells {
				all = append(all, groupRows[c]...)
			}
			slices.Sort(all)
			v, err := m.fromRows(Rows{Data: d, Index: all})
			if err != nil {
				if f.colErr[mi] == nil {
					f.colErr[mi] = fmt.Errorf("fairness: %s: %w", m.name, err)
				}
				v = math.NaN()
			}
			g.stored[mi], g.defined[mi] = v, err == nil && !math.IsNaN(v)
		}
	}
	return nil
}

// checkColumnErrors marks metrics that numpy.average would refuse: a
// non-empty group (or overall) whose weights sum to zero, or calibration
// scores outside [0,1].
func (f *Frame) checkColumnErrors() {
	for mi, m := range f.metrics {
		if f.colErr[mi] != nil {
			continue
		}
		for _, s := range f.strata {
			cells := append([]*Cell{&s.Overall}, ptrs(s.Groups)...)
			for _, c := range cells {
				if m.zeroWeightIsError && c.Counts.N > 0 && c.Counts.Weight() == 0 {
					f.colErr[mi] = fmt.Errorf("fairness: %s: %s has %d rows whose weights sum to zero: %w", m.name, c.describe(s), c.Counts.N, errZeroWeight)
				}
				if m.kind == kindCalibration && c.Counts.N > 0 {
					var n int64
					for _, b := range c.reliab[mi] {
						n += b.N
					}
					if n != c.Counts.N {
						f.colErr[mi] = fmt.Errorf("fairness: %s: %s has %d scores outside [0,1]", m.name, c.describe(s), c.Counts.N-n)
					}
				}
				if f.colErr[mi] != nil {
					break
				}
			}
			if f.colErr[mi] != nil {
				break
			}
		}
	}
}

func ptrs(cs []Cell) []*Cell {
	out := make([]*Cell, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

func (c *Cell) describe(s *Stratum) string {
	var parts []string
	for i, v := range s.Control {
		parts = append(parts, s.frame.control[i]+"="+v)
	}
	if c.Group == nil {
		parts = append(parts, "overall")
	}
	for i, v := range c.Group {
		parts = append(parts, s.frame.sensitive[i]+"="+v)
	}
	return "group " + strings.Join(parts, ",")
}

// calibration computes the expected calibration error and reliability
// table over the given cells' bins.
func calibration(t *tally, cells []int, weight float64) (float64, bool, []Bin) {
	bins := make([]Bin, t.bins)
	for b := range bins {
		bins[b].Lower = float64(b) / float64(t.bins)
		bins[b].Upper = float64(b+1) / float64(t.bins)
		var ws, wy float64
		for _, c := range cells {
			k := c*t.bins + b
			bins[b].N += t.binN[k]
			bins[b].Weight += t.binW[k]
			ws += t.binS[k]
			wy += t.binY[k]
		}
		if bins[b].Weight > 0 {
			bins[b].MeanScore = ws / bins[b].Weight
			bins[b].FractionPositive = wy / bins[b].Weight
		} else {
			bins[b].MeanScore, bins[b].FractionPositive = math.NaN(), math.NaN()
		}
	}
	var total float64
	for _, b := range bins {
		total += b.Weight
	}
	if total == 0 || weight == 0 {
		return math.NaN(), false, bins
	}
	var ece float64
	for _, b := range bins {
		if b.Weight > 0 {
			ece += b.Weight / total * math.Abs(b.MeanScore-b.FractionPositive)
		}
	}
	return ece, true, bins
}

// rowsByCell lists each cell's rows in ascending order.
func rowsByCell(d *Data, l *layout, rows []int) ([][]int, error) {
	if rows == nil {
		rows = make([]int, d.Rows())
		for i := range rows {
			rows[i] = i
		}
	} else {
		rows = append([]int(nil), rows...)
		slices.Sort(rows)
	}
	out := make([][]int, l.cells)
	var idx [chunkRows]int32
	for start := 0; start < len(rows); start += chunkRows {
		end := min(start+chunkRows, len(rows))
		chunk := rows[start:end]
		if err := cellIndices(l, 0, 0, chunk, true, idx[:len(chunk)]); err != nil {
			return nil, err
		}
		for j, r := range chunk {
			out[idx[j]] = append(out[idx[j]], r)
		}
	}
	return out, nil
}

// Metrics returns the frame's metrics in order.
func (f *Frame) Metrics() []Metric { return append([]Metric(nil), f.metrics...) }

// SensitiveNames returns the names of the sensitive features.
func (f *Frame) SensitiveNames() []string { return append([]string(nil), f.sensitive...) }

// ControlNames returns the names of the control features (nil if none).
func (f *Frame) ControlNames() []string { return append([]string(nil), f.control...) }

// Weighted reports whether sample weights were used.
func (f *Frame) Weighted() bool { return f.weighted }

// Strata returns one stratum per combination of control levels (one
// stratum without control features).
func (f *Frame) Strata() []*Stratum { return f.strata }

// Err returns the error of a metric column: fairlearn raises for the whole
// metric in these cases (a group with one class for ROC AUC, zero total
// weight for accuracy and Brier score, a failing user metric). Nil when
// the metric computed fine or is not in the frame.
func (f *Frame) Err(m Metric) error {
	if i := f.metricIndex(m); i >= 0 {
		return f.colErr[i]
	}
	return nil
}

func (f *Frame) metricIndex(m Metric) int {
	for i, x := range f.metrics {
		if x.name == m.name {
			return i
		}
	}
	return -1
}

// single returns the only stratum, or an error when the frame has control
// features.
func (f *Frame) single() (*Stratum, error) {
	if len(f.strata) != 1 {
		return nil, fmt.Errorf("fairness: frame has control features %v; use Strata() for per-stratum values", f.control)
	}
	return f.strata[0], nil
}

// Overall returns the overall value of a metric (no control features).
func (f *Frame) Overall(m Metric) (Value, error) {
	s, err := f.single()
	if err != nil {
		return Value{}, err
	}
	return s.Overall.Value(m)
}

// ByGroup returns the group cells (no control features).
func (f *Frame) ByGroup() ([]Cell, error) {
	s, err := f.single()
	if err != nil {
		return nil, err
	}
	return s.Groups, nil
}

// GroupMin returns the smallest group value of a metric (no control
// features); see Stratum.GroupMin.
func (f *Frame) GroupMin(m Metric) (float64, error) {
	s, err := f.single()
	if err != nil {
		return 0, err
	}
	return s.GroupMin(m)
}

// GroupMax returns the largest group value of a metric (no control
// features); see Stratum.GroupMax.
func (f *Frame) GroupMax(m Metric) (float64, error) {
	s, err := f.single()
	if err != nil {
		return 0, err
	}
	return s.GroupMax(m)
}

// Difference returns the difference of a metric (no control features);
// see Stratum.Difference.
func (f *Frame) Difference(m Metric, method Method) (float64, error) {
	s, err := f.single()
	if err != nil {
		return 0, err
	}
	return s.Difference(m, method)
}

// Ratio returns the ratio of a metric (no control features); see
// Stratum.Ratio.
func (f *Frame) Ratio(m Metric, method Method) (float64, error) {
	s, err := f.single()
	if err != nil {
		return 0, err
	}
	return s.Ratio(m, method)
}

// Value returns the cell's value of a metric. Count metrics can be read
// for any metric built from counts, listed in the frame or not; other
// metrics must be in the frame. The error is the metric's column error.
func (c *Cell) Value(m Metric) (Value, error) {
	f := c.frame
	if f == nil {
		return Value{Value: math.NaN()}, errors.New("fairness: cell does not belong to a frame")
	}
	mi := f.metricIndex(m)
	v := Value{Small: c.Counts.N < f.minGroupSize}
	if c.Counts.N == 0 {
		v.Value, v.Empty = math.NaN(), true
		if mi >= 0 && f.colErr[mi] != nil {
			return v, f.colErr[mi]
		}
		return v, nil
	}
	switch {
	case m.kind == kindCounts:
		v.Value, v.Defined = m.fromCounts(c.Counts)
	case mi >= 0:
		v.Value, v.Defined = c.stored[mi], c.defined[mi]
	default:
		return Value{}, fmt.Errorf("fairness: metric %q is not in the frame", m.name)
	}
	if mi >= 0 && f.colErr[mi] != nil {
		return v, f.colErr[mi]
	}
	return v, nil
}

// Reliability returns the reliability table of a calibration metric for
// this cell, or nil when the metric is not a calibration metric of the
// frame.
func (c *Cell) Reliability(m Metric) []Bin {
	if mi := c.frame.metricIndex(m); mi >= 0 && m.kind == kindCalibration {
		return append([]Bin(nil), c.reliab[mi]...)
	}
	return nil
}

// column returns the group values of a metric in this stratum and its
// overall value; errors are column errors.
func (s *Stratum) column(m Metric) (vals []float64, overall float64, err error) {
	vals = make([]float64, len(s.Groups))
	for i := range s.Groups {
		v, err := s.Groups[i].Value(m)
		if err != nil {
			return nil, 0, err
		}
		vals[i] = v.Value
	}
	ov, err := s.Overall.Value(m)
	if err != nil {
		return nil, 0, err
	}
	return vals, ov.Value, nil
}

// GroupMin returns the smallest group value, skipping NaN (pandas); NaN
// when every group is NaN.
func (s *Stratum) GroupMin(m Metric) (float64, error) {
	vals, _, err := s.column(m)
	if err != nil {
		return math.NaN(), err
	}
	return minSkipNaN(vals), nil
}

// GroupMax returns the largest group value, skipping NaN.
func (s *Stratum) GroupMax(m Metric) (float64, error) {
	vals, _, err := s.column(m)
	if err != nil {
		return math.NaN(), err
	}
	return maxSkipNaN(vals), nil
}

// Difference is fairlearn's MetricFrame.difference: BetweenGroups is
// group max − group min; ToOverall is the largest |group − overall|.
// Groups with NaN values are skipped.
func (s *Stratum) Difference(m Metric, method Method) (float64, error) {
	vals, overall, err := s.column(m)
	if err != nil {
		return math.NaN(), err
	}
	return difference(vals, overall, method), nil
}

// Ratio is fairlearn's MetricFrame.ratio: BetweenGroups is group min /
// group max (0/0 is NaN); ToOverall is the smallest group/overall ratio,
// each ratio r above 1 replaced by 1/r. Groups with NaN values are skipped.
func (s *Stratum) Ratio(m Metric, method Method) (float64, error) {
	vals, overall, err := s.column(m)
	if err != nil {
		return math.NaN(), err
	}
	return ratio(vals, overall, method), nil
}

func difference(vals []float64, overall float64, method Method) float64 {
	if method == ToOverall {
		d := make([]float64, len(vals))
		for i, v := range vals {
			d[i] = math.Abs(v - overall)
		}
		return maxSkipNaN(d)
	}
	return maxSkipNaN(vals) - minSkipNaN(vals)
}

func ratio(vals []float64, overall float64, method Method) float64 {
	if method == ToOverall {
		r := make([]float64, len(vals))
		for i, v := range vals {
			x := v / overall
			if x > 1 {
				x = 1 / x
			}
			r[i] = x
		}
		return minSkipNaN(r)
	}
	return minSkipNaN(vals) / maxSkipNaN(vals)
}

func minSkipNaN(xs []float64) float64 {
	out := math.NaN()
	for _, x := range xs {
		if !math.IsNaN(x) && (math.IsNaN(out) || x < out) {
			out = x
		}
	}
	return out
}

func maxSkipNaN(xs []float64) float64 {
	out := math.NaN()
	for _, x := range xs {
		if !math.IsNaN(x) && (math.IsNaN(out) || x > out) {
			out = x
		}
	}
	return out
}
