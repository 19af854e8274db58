package fairness

import (
	"context"
	"math"
	"slices"
)

// aucCurve accumulates one group's ROC curve while the rows are visited in
// descending score order; area is the trapezoid sum in weighted
// (FP, TP) units, normalised at the end.
type aucCurve struct {
	tp, fp     float64 // cumulative weights so far
	ptp, pfp   float64 // cumulative weights at the previous threshold
	last       float64
	area       float64
	started    bool
	pos, neg   int64 // unweighted class counts, to detect a single class
	totalRowsN int64
}

func (c *aucCurve) add(s, w float64, y int) {
	if c.started && s != c.last {
		c.area += (c.fp - c.pfp) * (c.tp + c.ptp) / 2
		c.ptp, c.pfp = c.tp, c.fp
	}
	if y == 1 {
		c.tp += w
		c.pos++
	} else {
		c.fp += w
		c.neg++
	}
	c.last = s
	c.started = true
	c.totalRowsN++
}

// finish returns the AUC, whether it is defined, and why scikit-learn
// would raise for the group: it has a single class, or every weight is
// zero (roc_curve drops zero-weight rows and is left with none).
func (c *aucCurve) finish() (auc float64, defined bool, failure string) {
	if c.totalRowsN == 0 {
		return math.NaN(), false, ""
	}
	if c.pos == 0 || c.neg == 0 {
		return math.NaN(), false, "only one class present in y_true"
	}
	if c.tp == 0 && c.fp == 0 {
		return math.NaN(), false, "all sample weights are zero"
	}
	area := c.area + (c.fp-c.pfp)*(c.tp+c.ptp)/2
	if c.tp == 0 || c.fp == 0 {
		// Both classes present but one has zero total weight: the curve
		// is 0/0 (scikit-learn warns and yields NaN).
		return math.NaN(), false, ""
	}
	return area / (c.tp * c.fp), true, ""
}

// rocAUC computes the ROC AUC of every cell and every stratum overall with
// one sort of the rows by descending score (Fawcett 2006, "An introduction
// to ROC analysis", Algorithm 2, with ties forming one threshold).
// cellAUC has one entry per cell, strataAUC one per stratum.
func rocAUC(ctx context.Context, d *Data, l *layout, lc labelCoding, rows []int) (cells, strata []aucCurve, err error) {
	n := d.Rows()
	if rows == nil {
		rows = make([]int, n)
		for i := range rows {
			rows[i] = i
		}
	} else {
		rows = slices.Clone(rows)
	}
	score := d.YScore
	slices.SortFunc(rows, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	cells = make([]aucCurve, l.cells)
	strata = make([]aucCurve, l.strata)
	// The area is summed in weight² units: weights far from 1 would
	// overflow or underflow the products. AUC does not change when every
	// weight is scaled, so scale by a power of two (exact) that brings the
	// largest weight near 1; ordinary weights are left as they are.
	scale := 1.0
	if d.SampleWeight != nil {
		var maxW float64
		for _, r := range rows {
			maxW = max(maxW, d.SampleWeight[r])
		}
		if _, e := math.Frexp(maxW); maxW > 0 && (e > 256 || e < -256) {
			scale = math.Ldexp(1, -e)
		}
	}
	var idx [chunkRows]int32
	for start := 0; start < len(rows); start += chunkRows {
		end := min(start+chunkRows, len(rows))
		chunk := rows[start:end]
		if err := cellIndices(l, 0, 0, chunk, true, idx[:len(chunk)]); err != nil {
			return nil, nil, err
		}
		for j, r := range chunk {
			y, _ := lc.code(d.YTrue[r])
			w := 1.0
			if d.SampleWeight != nil {
				w = d.SampleWeight[r] * scale
			}
			s := score[r]
			c := int(idx[j])
			cells[c].add(s, w, y)
			strata[c/l.groups].add(s, w, y)
		}
	}
	return cells, strata, nil
}
