package fairness

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Constraint is the fairness constraint a ThresholdOptimizer enforces.
type Constraint int

const (
	// DemographicParityConstraint equalises selection rates across groups.
	DemographicParityConstraint Constraint = iota
	// EqualizedOddsConstraint equalises true and false positive rates.
	EqualizedOddsConstraint
)

// String names the constraint as fairlearn does.
func (c Constraint) String() string {
	if c == EqualizedOddsConstraint {
		return "equalized_odds"
	}
	return "demographic_parity"
}

// ThresholdRule is one term of a group's randomised decision rule.
type ThresholdRule struct {
	// Threshold: the term applies to scores s ≥ Threshold (+Inf never,
	// −Inf always).
	Threshold float64
	// Weight is the probability mass of the term.
	Weight float64
}

// GroupPolicy is the randomised decision rule of one group:
// P(ŷ=1 | s) = Constant + Σ Weight·[s ≥ Threshold].
type GroupPolicy struct {
	// Group holds the label of each sensitive feature.
	Group []string
	// Constant is the probability of a positive decision regardless of
	// the score (mixing with a random classifier, equalized odds only).
	Constant float64
	// Rules are the threshold terms.
	Rules []ThresholdRule
	// SelectionRate, TruePositiveRate and FalsePositiveRate are the
	// expected rates of the rule on the training data.
	SelectionRate, TruePositiveRate, FalsePositiveRate float64
}

// ThresholdOptimizer is a post-processing mitigation after Hardt, Price &
// Srebro (2016), "Equality of Opportunity in Supervised Learning", NeurIPS,
// in the form of fairlearn's ThresholdOptimizer: per-group randomised
// thresholds on a score that satisfy demographic parity or equalized odds
// on the training data while maximising accuracy. It is immutable and safe
// for concurrent use.
type ThresholdOptimizer struct {
	constraint Constraint
	features   []string
	policies   []GroupPolicy
	index      map[string]int
	// Accuracy is the expected training accuracy of the policy.
	accuracy float64
}

// rocPoint is the operating point of the threshold "select s ≥ t".
type rocPoint struct {
	t      float64
	tp, fp float64 // weighted
}

// hullPoint is a vertex of a group's hull in (x, y) with its threshold.
type hullPoint struct {
	x, y float64
	t    float64
}

// FitThresholdOptimizer fits per-group randomised thresholds on YScore
// (higher = more likely positive) and YTrue, for the intersectional
// groups of the sensitive features (control features are ignored). With
// sample weights, rates and accuracy are weighted.
//
// Demographic parity: every group's lower convex hull of (selection rate,
// error) points is interpolated at a common selection rate; the rate with
// the smallest overall error is chosen among all hull vertices, which is
// exact because the overall error is piecewise linear and convex.
//
// Equalized odds: every group's ROC upper convex hull is evaluated at a
// common false positive rate x, the common true positive rate is the
// smallest hull value y = min_g h_g(x), and x minimises N·x + P·(1−y)
// over a grid of 1001 points plus all hull vertices (as fairlearn, whose
// grid has 1000 points). Groups reach (x, y) by mixing their hull point
// with a random classifier that predicts positive with probability x.
func FitThresholdOptimizer(ctx context.Context, d *Data, c Constraint, opts ...Option) (*ThresholdOptimizer, error) {
	if c != DemographicParityConstraint && c != EqualizedOddsConstraint {
		return nil, fmt.Errorf("fairness: unknown constraint %d", c)
	}
	if err := checkData("FitThresholdOptimizer", d); err != nil {
		return nil, err
	}
	if d.YTrue == nil || d.YScore == nil {
		return nil, fmt.Errorf("fairness: threshold optimizer needs y_true and y_score")
	}
	d2 := *d
	d2.Control = nil
	if d2.YPred == nil {
		d2.YPred = d.YTrue // unused; keeps the shape checks happy
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := d2.validateShape(true); err != nil {
		return nil, err
	}
	l, err := newLayout(&d2)
	if err != nil {
		return nil, err
	}
	lc := newLabelCoding(cfg.pos, d2.YTrue, nil)
	// Validate labels, weights and scores with the ordinary pass.
	if _, err := runTally(&d2, l, tallyOptions{coding: lc, scores: true}); err != nil {
		return nil, err
	}
	rows, err := rowsByCell(&d2, l, nil)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type groupData struct {
		labels []string
		pts    []rocPoint
		p, n   float64 // weighted positives, negatives
	}
	var groups []groupData
	lv := make([]int, len(l.features))
	for cell, rs := range rows {
		if len(rs) == 0 {
			continue
		}
		l.levelsOf(cell, lv)
		labels := make([]string, len(lv))
		for k, x := range lv {
			labels[k] = l.features[k].Levels[x]
		}
		pts, p, n := rocPoints(&d2, lc, rs)
		groups = append(groups, groupData{labels: labels, pts: pts, p: p, n: n})
	}
	var totalP, totalN float64
	for _, g := range groups {
		totalP += g.p
		totalN += g.n
	}
	total := totalP + totalN
	if total == 0 {
		return nil, fmt.Errorf("fairness: threshold optimizer: sample weights sum to zero")
	}

	opt := &ThresholdOptimizer{constraint: c, index: map[string]int{}}
	for _, f := range l.features {
		opt.features = append(opt.features, f.Name)
	}
	switch c {
	case DemographicParityConstraint:
		hulls := make([][]hullPoint, len(groups))
		var xs []float64
		for i, g := range groups {
			w := g.p + g.n
			if w == 0 {
				return nil, fmt.Errorf("fairness: group %v has zero total weight", g.labels)
			}
			var pts []hullPoint
			for _, q := range g.pts {
				pts = append(pts, hullPoint{x: (q.tp + q.fp) / w, y: (q.fp + g.p - q.tp) / w, t: q.t})
			}
			hulls[i] = convexHull(pts, false)
			for _, h := range hulls[i] {
				xs = append(xs, h.x)
			}
		}
		bestX, bestErr := 0.0, math.Inf(1)
		for _, x := range xs {
			var e float64
			for i, g := range groups {
				y, _, _, _ := interpolate(hulls[i], x)
				e += (g.p + g.n) / total * y
			}
			if e < bestErr || (e == bestErr && x < bestX) {
				bestX, bestErr = x, e
			}
		}
		for i, g := range groups {
			_, a, b, alpha := interpolate(hulls[i], bestX)
			gp := GroupPolicy{Group: g.labels, Rules: mixRules(hulls[i][a].t, alpha, hulls[i][b].t, 1-alpha)}
			opt.policies = append(opt.policies, gp)
		}
		opt.accuracy = 1 - bestErr
	case EqualizedOddsConstraint:
		hulls := make([][]hullPoint, len(groups))
		xs := make([]float64, 0, 1001)
		for k := range 1001 {
			xs = append(xs, float64(k)/1000)
		}
		for i, g := range groups {
			if g.p == 0 || g.n == 0 {
				return nil, fmt.Errorf("fairness: group %v has no weight on positive or negative labels; equalized odds cannot be enforced", g.labels)
			}
			var pts []hullPoint
			for _, q := range g.pts {
				pts = append(pts, hullPoint{x: q.fp / g.n, y: q.tp / g.p, t: q.t})
			}
			hulls[i] = convexHull(pts, true)
			for _, h := range hulls[i] {
				xs = append(xs, h.x)
			}
		}
		slices.Sort(xs)
		bestX, bestY, bestErr := 0.0, 0.0, math.Inf(1)
		for _, x := range xs {
			y := math.Inf(1)
			for i := range groups {
				h, _, _, _ := interpolate(hulls[i], x)
				y = math.Min(y, h)
			}
			e := (totalN*x + totalP*(1-y)) / total
			if e < bestErr {
				bestX, bestY, bestErr = x, y, e
			}
		}
		for i, g := range groups {
			h, a, b, alpha := interpolate(hulls[i], bestX)
			beta := 1.0
			if h > bestX {
				beta = (bestY - bestX) / (h - bestX)
			}
			beta = math.Max(0, math.Min(1, beta))
			gp := GroupPolicy{Group: g.labels, Constant: (1 - beta) * bestX,
				Rules: mixRules(hulls[i][a].t, beta*alpha, hulls[i][b].t, beta*(1-alpha))}
			opt.policies = append(opt.policies, gp)
		}
		opt.accuracy = 1 - bestErr
	}
	// Expected training rates of each policy, from its rule.
	for i, g := range groups {
		gp := &opt.policies[i]
		var sel, tp, fp float64
		for _, r := range rows[cellOf(l, g.labels)] {
			pr := gp.prob(d2.YScore[r])
			w := 1.0
			if d2.SampleWeight != nil {
				w = d2.SampleWeight[r]
			}
			y, _ := lc.code(d2.YTrue[r])
			sel += w * pr
			if y == 1 {
				tp += w * pr
			} else {
				fp += w * pr
			}
		}
		gp.SelectionRate = sel / (g.p + g.n)
		gp.TruePositiveRate = tp / g.p
		gp.FalsePositiveRate = fp / g.n
		opt.index[groupKey(g.labels)] = i
	}
	return opt, nil
}

func cellOf(l *layout, labels []string) int {
	c := 0
	for k, f := range l.features {
		c = c*l.sizes[k] + slices.Index(f.Levels, labels[k])
	}
	return c
}

// mixRules builds threshold terms, merging equal thresholds and dropping
// zero weights.
func mixRules(t1, w1, t2, w2 float64) []ThresholdRule {
	var out []ThresholdRule
	if t1 == t2 {
		w1, w2 = w1+w2, 0
	}
	if w1 > 0 {
		out = append(out, ThresholdRule{Threshold: t1, Weight: w1})
	}
	if w2 > 0 {
		out = append(out, ThresholdRule{Threshold: t2, Weight: w2})
	}
	return out
}

// rocPoints returns the operating points of all thresholds on the rows'
// distinct scores, from "select nothing" (+Inf) to "select everything".
func rocPoints(d *Data, lc labelCoding, rows []int) (pts []rocPoint, p, n float64) {
	rs := slices.Clone(rows)
	slices.SortFunc(rs, func(a, b int) int {
		switch sa, sb := d.YScore[a], d.YScore[b]; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	pts = append(pts, rocPoint{t: math.Inf(1)})
	var tp, fp float64
	for i, r := range rs {
		w := 1.0
		if d.SampleWeight != nil {
			w = d.SampleWeight[r]
		}
		if y, _ := lc.code(d.YTrue[r]); y == 1 {
			tp += w
		} else {
			fp += w
		}
		if i == len(rs)-1 || d.YScore[rs[i+1]] != d.YScore[r] {
			pts = append(pts, rocPoint{t: d.YScore[r], tp: tp, fp: fp})
		}
	}
	// Selecting every row is also reachable with −Inf; use it so unseen
	// lower scores at prediction time are selected too.
	pts[len(pts)-1].t = math.Inf(-1)
	return pts, tp, fp
}

// convexHull returns the upper (upper=true) or lower convex hull of points
// sorted by x (Andrew's monotone chain); for equal x only the best y is
// kept. The first and last points are always vertices.
func convexHull(pts []hullPoint, upper bool) []hullPoint {
	ps := slices.Clone(pts)
	slices.SortStableFunc(ps, func(a, b hullPoint) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	var dedup []hullPoint
	for _, q := range ps {
		if k := len(dedup); k > 0 && dedup[k-1].x == q.x {
			if (upper && q.y > dedup[k-1].y) || (!upper && q.y < dedup[k-1].y) {
				dedup[k-1] = q
			}
			continue
		}
		dedup = append(dedup, q)
	}
	var h []hullPoint
	for _, q := range dedup {
		for len(h) >= 2 {
			a, b := h[len(h)-2], h[len(h)-1]
			cross := (b.x-a.x)*(q.y-a.y) - (b.y-a.y)*(q.x-a.x)
			// Upper hull: drop b unless the turn a→b→q is clockwise.
			if (upper && cross >= 0) || (!upper && cross <= 0) {
				h = h[:len(h)-1]
				continue
			}
			break
		}
		h = append(h, q)
	}
	return h
}

// interpolate evaluates the hull at x and returns the value, the indices of
// the segment's endpoints and the weight alpha of endpoint a, so that
// x = alpha·x_a + (1−alpha)·x_b. x outside the hull's range clamps.
func interpolate(h []hullPoint, x float64) (y float64, a, b int, alpha float64) {
	if x <= h[0].x {
		return h[0].y, 0, 0, 1
	}
	last := len(h) - 1
	if x >= h[last].x {
		return h[last].y, last, last, 1
	}
	b = firstAtLeast(h, x)
	a = b - 1
	alpha = (h[b].x - x) / (h[b].x - h[a].x)
	return alpha*h[a].y + (1-alpha)*h[b].y, a, b, alpha
}

// firstAtLeast returns the first index with h[i].x ≥ x (binary search).
func firstAtLeast(h []hullPoint, x float64) int {
	lo, hi := 0, len(h)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if h[mid].x < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (g *GroupPolicy) prob(s float64) float64 {
	p := g.Constant
	for _, r := range g.Rules {
		if s >= r.Threshold {
			p += r.Weight
		}
	}
	return math.Min(1, math.Max(0, p))
}

// Constraint returns the constraint the optimizer enforces.
func (t *ThresholdOptimizer) Constraint() Constraint { return t.constraint }

// TrainingAccuracy is the expected accuracy of the fitted rule on the
// training data.
func (t *ThresholdOptimizer) TrainingAccuracy() float64 { return t.accuracy }

// Policies returns the per-group rules.
func (t *ThresholdOptimizer) Policies() []GroupPolicy {
	out := slices.Clone(t.policies)
	for i := range out {
		out[i].Rules = slices.Clone(out[i].Rules)
		out[i].Group = slices.Clone(out[i].Group)
	}
	return out
}

func (t *ThresholdOptimizer) policy(group []string) (*GroupPolicy, error) {
	if len(group) != len(t.features) {
		return nil, fmt.Errorf("fairness: threshold optimizer has %d sensitive features, got %d group labels", len(t.features), len(group))
	}
	i, ok := t.index[groupKey(group)]
	if !ok {
		return nil, fmt.Errorf("fairness: group %v was not in the training data", group)
	}
	return &t.policies[i], nil
}

// ProbPositive returns P(ŷ=1) for a row of the group with the given score.
func (t *ThresholdOptimizer) ProbPositive(group []string, score float64) (float64, error) {
	g, err := t.policy(group)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(score) {
		return 0, fmt.Errorf("fairness: score is NaN")
	}
	return g.prob(score), nil
}

// Predict draws the randomised decision (0 or 1) with r, which the caller
// owns (a *rand.Rand is not safe for concurrent use).
func (t *ThresholdOptimizer) Predict(r *rand.Rand, group []string, score float64) (int, error) {
	p, err := t.ProbPositive(group, score)
	if err != nil {
		return 0, err
	}
	if r.Float64() < p {
		return 1, nil
	}
	return 0, nil
}

// groupKey joins group labels into a map key.
func groupKey(labels []string) string { return strings.Join(labels, "\x1f") }
