package fairness

import (
	"errors"
	"fmt"
	"math"
)

// maxCells bounds the number of (control × sensitive) level combinations,
// so a feature with a free-text column cannot make the tally explode.
const maxCells = 1 << 22

// chunkRows is how many rows get their cell index computed at a time; the
// index buffer stays in L1 cache.
const chunkRows = 2048

// layout maps each row to a cell: one combination of control levels
// (most significant) and sensitive levels. Cell indices enumerate the
// Cartesian product in level order, which is fairlearn's sorted group order.
type layout struct {
	features []Feature // control features first, then sensitive ones
	nControl int
	sizes    []int
	cells    int
	strata   int // combinations of control levels (1 without control)
	groups   int // combinations of sensitive levels
}

func newLayout(d *Data) (*layout, error) {
	l := &layout{nControl: len(d.Control), cells: 1, strata: 1, groups: 1}
	l.features = append(append(l.features, d.Control...), d.Sensitive...)
	for i, f := range l.features {
		s := len(f.Levels)
		l.sizes = append(l.sizes, s)
		if l.cells > maxCells/s {
			return nil, fmt.Errorf("fairness: features have more than %d level combinations", maxCells)
		}
		l.cells *= s
		if i < l.nControl {
			l.strata *= s
		} else {
			l.groups *= s
		}
	}
	return l, nil
}

// levelsOf decodes a cell index into one level index per feature.
func (l *layout) levelsOf(cell int, out []int) {
	for k := len(l.sizes) - 1; k >= 0; k-- {
		out[k] = cell % l.sizes[k]
		cell /= l.sizes[k]
	}
}

// tally holds the per-cell sums of one pass over the rows.
type tally struct {
	l        *layout
	weighted bool
	// ci holds unweighted confusion counts, 4 per cell at index
	// cell<<2 | y<<1 | ŷ (so tn, fp, fn, tp).
	ci []int64
	// cw holds the weighted confusion sums in the same layout, with
	// Neumaier compensation terms in cwc: weights are summed nearly exactly
	// so results agree with numpy's pairwise sums to the last bits.
	cw, cwc []float64

	// Score sums, present when scores were tallied.
	scored bool
	sws    []float64 // Σ w·s per cell
	sbr    []float64 // Σ w·(s−y)² per cell
	bins   int
	binW   []float64 // per cell·bins: Σ w
	binS   []float64 // Σ w·s
	binY   []float64 // Σ w·y
	binN   []int64   // rows
}

// tallyOptions say what the pass must accumulate.
type tallyOptions struct {
	coding labelCoding
	scores bool // accumulate score sums (mean score, Brier, calibration)
	bins   int  // calibration bins when scores
	rows   []int
}

func neumaierAdd(s, c *float64, x float64) {
	t := *s + x
	if math.Abs(*s) >= math.Abs(x) {
		*c += (*s - t) + x
	} else {
		*c += (x - t) + *s
	}
	*s = t
}

// runTally makes the single pass over the rows. If opts.rows is non-nil the
// pass visits those row indices (with repetition, for the bootstrap)
// instead of 0..n-1.
func runTally(d *Data, l *layout, opts tallyOptions) (*tally, error) {
	t := &tally{l: l, weighted: d.SampleWeight != nil}
	t.ci = make([]int64, 4*l.cells)
	if t.weighted {
		t.cw = make([]float64, 4*l.cells)
		t.cwc = make([]float64, 4*l.cells)
	}
	if opts.scores {
		if d.YScore == nil {
			return nil, fmt.Errorf("fairness: score metrics need y_score")
		}
		t.scored = true
		t.bins = opts.bins
		if t.bins > 0 && l.cells > maxCells/t.bins {
			return nil, fmt.Errorf("fairness: %d calibration bins × %d groups is more than %d cells", t.bins, l.cells, maxCells)
		}
		t.sws = make([]float64, l.cells)
		t.sbr = make([]float64, l.cells)
		if t.bins > 0 {
			t.binW = make([]float64, l.cells*t.bins)
			t.binS = make([]float64, l.cells*t.bins)
			t.binY = make([]float64, l.cells*t.bins)
			t.binN = make([]int64, l.cells*t.bins)
		}
	} else if d.YScore != nil && opts.rows == nil {
		for i, s := range d.YScore {
			if math.IsNaN(s) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("fairness: y_score[%d] is %v; scores must be finite", i, s)
			}
		}
	}

	n := d.Rows()
	if opts.rows != nil {
		n = len(opts.rows)
	}
	var buf [chunkRows]int32
	var rowBuf [chunkRows]int
	for start := 0; start < n; start += chunkRows {
		end := min(start+chunkRows, n)
		m := end - start
		idx := buf[:m]
		var rows []int
		if opts.rows != nil {
			rows = opts.rows[start:end]
		} else if t.scored {
			rows = rowBuf[:m]
			for j := range rows {
				rows[j] = start + j
			}
		}
		if err := cellIndices(l, start, end, rows, opts.rows != nil, idx); err != nil {
			return nil, err
		}
		var err error
		if opts.rows == nil {
			err = t.addContiguous(d, opts.coding, start, end, idx)
		} else {
			err = t.addRows(d, opts.coding, rows, idx)
		}
		if err != nil {
			return nil, err
		}
		if t.scored {
			if err := t.addScores(d, opts.coding, rows, idx); err != nil {
				return nil, err
			}
		}
	}
	if t.weighted {
		// Every rate divides sums of weights; a total beyond the float64
		// range would make them Inf/Inf = NaN. All weights are
		// non-negative, so a finite total bounds every partial sum.
		var total float64
		for k := range t.cw {
			total += t.cw[k] + t.cwc[k]
		}
		if !(total <= math.MaxFloat64) { // +Inf, or NaN from the compensation terms
			return nil, errors.New("fairness: sample weights sum beyond the float64 range; rescale them")
		}
	}
	return t, nil
}

// cellIndices fills idx with the cell of each row in [start,end) (or of
// rows[j] when indirect).
func cellIndices(l *layout, start, end int, rows []int, indirect bool, idx []int32) error {
	for k, f := range l.features {
		size := int32(l.sizes[k])
		if indirect {
			for j, r := range rows {
				c := f.Codes[r]
				if uint32(c) >= uint32(size) {
					return badCode(f, r, c)
				}
				if k == 0 {
					idx[j] = c
				} else {
					idx[j] = idx[j]*size + c
				}
			}
			continue
		}
		codes := f.Codes[start:end]
		if k == 0 {
			for j, c := range codes {
				if uint32(c) >= uint32(size) {
					return badCode(f, start+j, c)
				}
				idx[j] = c
			}
		} else {
			for j, c := range codes {
				if uint32(c) >= uint32(size) {
					return badCode(f, start+j, c)
				}
				idx[j] = idx[j]*size + c
			}
		}
	}
	return nil
}

func badCode(f Feature, row int, c int32) error {
	return fmt.Errorf("fairness: feature %q row %d has code %d, outside its %d levels", f.Name, row, c, len(f.Levels))
}

// addContiguous tallies rows start..end-1; this is the hot loop.
func (t *tally) addContiguous(d *Data, lc labelCoding, start, end int, idx []int32) error {
	yt := d.YTrue[start:end]
	yp := d.YPred[start:end]
	ci := t.ci
	defaultCoding := lc.pos == 1 && lc.neg == 0
	if !t.weighted && defaultCoding {
		for j, c := range idx {
			a, b := yt[j], yp[j]
			if uint(a)|uint(b) > 1 {
				return t.labelError(lc, start+j, a, b)
			}
			ci[int(c)<<2|a<<1|b]++
		}
		return nil
	}
	var w []float64
	if t.weighted {
		w = d.SampleWeight[start:end]
	}
	for j, c := range idx {
		a, b := yt[j], yp[j]
		var ya, yb int
		if defaultCoding {
			if uint(a)|uint(b) > 1 {
				return t.labelError(lc, start+j, a, b)
			}
			ya, yb = a, b
		} else {
			var ok bool
			if ya, ok = lc.code(a); !ok {
				return lc.badLabel("y_true", start+j, a)
			}
			if yb, ok = lc.code(b); !ok {
				return lc.badLabel("y_pred", start+j, b)
			}
		}
		k := int(c)<<2 | ya<<1 | yb
		ci[k]++
		if w != nil {
			x := w[j]
			if !(x >= 0) || math.IsInf(x, 0) {
				return badWeight(start+j, x)
			}
			neumaierAdd(&t.cw[k], &t.cwc[k], x)
		}
	}
	return nil
}

// addRows tallies an indirect list of rows (bootstrap resamples).
func (t *tally) addRows(d *Data, lc labelCoding, rows []int, idx []int32) error {
	for j, r := range rows {
		ya, ok := lc.code(d.YTrue[r])
		if !ok {
			return lc.badLabel("y_true", r, d.YTrue[r])
		}
		yb, ok := lc.code(d.YPred[r])
		if !ok {
			return lc.badLabel("y_pred", r, d.YPred[r])
		}
		k := int(idx[j])<<2 | ya<<1 | yb
		t.ci[k]++
		if t.weighted {
			x := d.SampleWeight[r]
			if !(x >= 0) || math.IsInf(x, 0) {
				return badWeight(r, x)
			}
			neumaierAdd(&t.cw[k], &t.cwc[k], x)
		}
	}
	return nil
}

// addScores tallies the score sums of the given rows.
func (t *tally) addScores(d *Data, lc labelCoding, rows []int, idx []int32) error {
	for j, r := range rows {
		s := d.YScore[r]
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("fairness: y_score[%d] is %v; scores must be finite", r, s)
		}
		y, _ := lc.code(d.YTrue[r])
		w := 1.0
		if t.weighted {
			w = d.SampleWeight[r]
		}
		c := int(idx[j])
		t.sws[c] += w * s
		diff := s - float64(y)
		t.sbr[c] += w * diff * diff
		if t.bins > 0 {
			b := calibrationBin(s, t.bins)
			if b < 0 {
				continue // out of [0,1]; reported by the calibration metric
			}
			k := c*t.bins + b
			t.binW[k] += w
			t.binS[k] += w * s
			t.binY[k] += w * float64(y)
			t.binN[k]++
		}
	}
	return nil
}

// calibrationBin returns the uniform bin of a probability in [0,1], or -1
// when s lies outside [0,1]. Bins are closed on the right, ((k−1)/M, k/M],
// with 0 in the first bin (Guo et al. 2017); the edges are k·(1/M) as
// numpy.linspace computes them, so a score on an edge falls in the same
// bin as in scikit-learn's calibration_curve(strategy="uniform").
func calibrationBin(s float64, bins int) int {
	if !(s >= 0 && s <= 1) {
		return -1
	}
	step := 1 / float64(bins)
	b := int(s * float64(bins))
	if b > bins-1 {
		b = bins - 1
	}
	// b is the bin of the right-open convention or one above the answer;
	// move it to the number of inner edges strictly below s.
	for b > 0 && !(float64(b)*step < s) {
		b--
	}
	for b < bins-1 && float64(b+1)*step < s {
		b++
	}
	return b
}

func (lc labelCoding) code(y int) (int, bool) {
	switch y {
	case lc.pos:
		return 1, true
	case lc.neg:
		return 0, true
	}
	return 0, false
}

func (t *tally) labelError(lc labelCoding, row, a, b int) error {
	if uint(a) > 1 {
		return lc.badLabel("y_true", row, a)
	}
	return lc.badLabel("y_pred", row, b)
}

func badWeight(row int, w float64) error {
	return fmt.Errorf("fairness: sample_weight[%d] is %v; weights must be finite and non-negative", row, w)
}

// counts returns the confusion counts of one cell.
func (t *tally) counts(cell int) Counts {
	return t.sumCounts(cell, cell+1, 1)
}

// sumCounts adds the counts of cells from, from+step, … below to.
func (t *tally) sumCounts(from, to, step int) Counts {
	var c Counts
	var tn, fp, fn, tp, tnc, fpc, fnc, tpc float64
	for k := from; k < to; k += step {
		b := k << 2
		c.N += t.ci[b] + t.ci[b+1] + t.ci[b+2] + t.ci[b+3]
		if t.weighted {
			neumaierAdd(&tn, &tnc, t.cw[b]+t.cwc[b])
			neumaierAdd(&fp, &fpc, t.cw[b+1]+t.cwc[b+1])
			neumaierAdd(&fn, &fnc, t.cw[b+2]+t.cwc[b+2])
			neumaierAdd(&tp, &tpc, t.cw[b+3]+t.cwc[b+3])
		} else {
			tn += float64(t.ci[b])
			fp += float64(t.ci[b+1])
			fn += float64(t.ci[b+2])
			tp += float64(t.ci[b+3])
		}
	}
	c.TN, c.FP, c.FN, c.TP = tn+tnc, fp+fpc, fn+fnc, tp+tpc
	c.Weighted = t.weighted
	return c
}
