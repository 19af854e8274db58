package fairness

import (
	"context"
	"fmt"
	"math"
)

// ReweighFactor is the weight factor of one (group, label) combination.
type ReweighFactor struct {
	// Group holds the label of each sensitive feature.
	Group []string
	// Label is the true label (0 or 1 after positive-label coding).
	Label int
	// Factor is P(group)·P(label) / P(group, label) over the (weighted)
	// training rows; 0 when the combination has no weight.
	Factor float64
}

// Reweighing holds the sample weights computed by Reweigh.
type Reweighing struct {
	// Weights has one weight per row: the row's input weight (1 without
	// sample weights) times its (group, label) factor.
	Weights []float64
	// Factors lists the factor of every (group, label) combination that
	// occurs.
	Factors []ReweighFactor
}

// Reweigh computes the sample weights of Kamiran & Calders (2012),
// "Data preprocessing techniques for classification without
// discrimination", Knowledge and Information Systems 33(1), §4.2: each row
// of group g with label y is weighted by P(g)·P(y) / P(g,y), which makes
// the label statistically independent of the (intersectional) sensitive
// group in the weighted training data. Existing sample weights are
// respected (probabilities are weighted) and multiplied in. Only YTrue,
// the sensitive features and optional SampleWeight are read; control
// features are ignored.
func Reweigh(ctx context.Context, d *Data, opts ...Option) (*Reweighing, error) {
	if err := checkData("Reweigh", d); err != nil {
		return nil, err
	}
	if d.YTrue == nil {
		return nil, fmt.Errorf("fairness: reweighing needs y_true")
	}
	// YPred is not read, but a y_pred of another length means the caller
	// mixed up datasets: reject it like every other entry point does.
	if d.YPred != nil && len(d.YPred) != len(d.YTrue) {
		return nil, fmt.Errorf("fairness: y_true has %d rows, y_pred %d", len(d.YTrue), len(d.YPred))
	}
	// Tally labels as if they were the predictions: the confusion cells
	// then hold the (weighted) label counts per group.
	d2 := *d
	d2.YPred = d.YTrue
	d2.Control = nil
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := d2.validateShape(true); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := newLayout(&d2)
	if err != nil {
		return nil, err
	}
	lc := newLabelCoding(cfg.pos, d2.YTrue, nil)
	t, err := runTally(&d2, l, tallyOptions{coding: lc})
	if err != nil {
		return nil, err
	}
	total := t.sumCounts(0, l.cells, 1)
	w := total.Weight()
	if w == 0 {
		return nil, fmt.Errorf("%w (reweighing)", ErrZeroWeight)
	}
	pPos, pNeg := total.Positives()/w, total.Negatives()/w
	factors := make([]float64, 2*l.cells) // cell<<1 | y
	res := &Reweighing{}
	lv := make([]int, len(l.features))
	for c := range l.cells {
		cc := t.counts(c)
		if cc.N == 0 {
			continue
		}
		pg := cc.Weight() / w
		for y, joint := range []float64{cc.Negatives(), cc.Positives()} {
			if joint == 0 {
				continue
			}
			py := pNeg
			if y == 1 {
				py = pPos
			}
			f := pg * py / (joint / w)
			if !(f > 0) || math.IsInf(f, 0) {
				// Tiny (subnormal) or huge weights under- or overflow the
				// probabilities: recompute G·Y / (J·W) from mantissas and
				// exponents.
				yw := total.Negatives()
				if y == 1 {
					yw = total.Positives()
				}
				f = scaledRatio(cc.Weight(), yw, joint, w)
			}
			factors[c<<1|y] = f
			l.levelsOf(c, lv)
			group := make([]string, len(lv))
			for k, x := range lv {
				group[k] = l.features[k].Levels[x]
			}
			res.Factors = append(res.Factors, ReweighFactor{Group: group, Label: y, Factor: f})
		}
	}
	n := d.Rows()
	res.Weights = make([]float64, n)
	var idx [chunkRows]int32
	for start := 0; start < n; start += chunkRows {
		end := min(start+chunkRows, n)
		if err := cellIndices(l, start, end, nil, false, idx[:end-start]); err != nil {
			return nil, err
		}
		for j := range end - start {
			i := start + j
			y, _ := lc.code(d.YTrue[i])
			base := 1.0
			if d.SampleWeight != nil {
				base = d.SampleWeight[i]
			}
			res.Weights[i] = base * factors[int(idx[j])<<1|y]
			if math.IsInf(res.Weights[i], 0) {
				return nil, fmt.Errorf("fairness: reweighing: the weight of row %d overflows float64 (%v × %v); rescale the sample weights", i, base, factors[int(idx[j])<<1|y])
			}
		}
	}
	return res, nil
}

// scaledRatio returns a·b / (c·d) for positive finite a, b, c, d without
// intermediate under- or overflow.
func scaledRatio(a, b, c, d float64) float64 {
	am, ae := math.Frexp(a)
	bm, be := math.Frexp(b)
	cm, ce := math.Frexp(c)
	dm, de := math.Frexp(d)
	return math.Ldexp((am*bm)/(cm*dm), ae+be-ce-de)
}
