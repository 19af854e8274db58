package drift

import (
	"errors"
	"fmt"
	"math"
)

// KSMethod selects how the two-sample KS p-value is computed.
type KSMethod string

// The KS p-value methods, named as in scipy.stats.ks_2samp.
const (
	// KSAuto is exact when max(n1, n2) <= 10000, asymptotic otherwise.
	KSAuto KSMethod = "auto"
	// KSExact counts lattice paths (Hodges 1958; Viehmann 2021).
	KSExact KSMethod = "exact"
	// KSAsymp evaluates the exact one-sample Kolmogorov law at the rounded
	// effective size round(n1*n2/(n1+n2)), as scipy does.
	KSAsymp KSMethod = "asymp"
)

// ksMaxAutoN is scipy's MAX_AUTO_N.
const ksMaxAutoN = 10000

// KSResult adds the location and sign of the KS statistic to [Result].
type KSResult struct {
	Result
	// Location is the value at which the ECDF difference is largest.
	Location float64 `json:"location"`
	// Sign is +1 when ECDF(reference) - ECDF(current) attains the maximum,
	// -1 when ECDF(current) - ECDF(reference) does.
	Sign int `json:"sign"`
	// N1, N2 are the sample sizes.
	N1, N2 int
}

// KSOption configures [KS] and [NumericProfile.KS].
type KSOption interface{ applyKS(*ksConfig) }

type ksOptionFunc func(*ksConfig)

func (f ksOptionFunc) applyKS(c *ksConfig) { f(c) }

type ksConfig struct {
	method    KSMethod
	threshold float64
	errs      []error
}

// newKSConfig applies opts over the defaults and returns the errors the
// options recorded.
func newKSConfig(opts []KSOption) (ksConfig, error) {
	c := ksConfig{method: KSAuto, threshold: 0.05}
	for _, o := range opts {
		if o != nil {
			o.applyKS(&c)
		}
	}
	return c, errors.Join(c.errs...)
}

// WithKSMethod selects the p-value method (default [KSAuto]); an unknown
// method is an error.
func WithKSMethod(m KSMethod) KSOption {
	return ksOptionFunc(func(c *ksConfig) {
		switch m {
		case KSAuto, KSExact, KSAsymp:
			c.method = m
		default:
			c.errs = append(c.errs, fmt.Errorf("drift: WithKSMethod: unknown method %q", m))
		}
	})
}

// WithKSThreshold sets the p-value threshold (default 0.05; drift when p
// <= threshold, as Evidently); it must lie in [0, 1].
func WithKSThreshold(t float64) KSOption {
	return ksOptionFunc(func(c *ksConfig) {
		if !(t >= 0 && t <= 1) {
			c.errs = append(c.errs, fmt.Errorf("drift: WithKSThreshold: threshold %g not in [0, 1]", t))
			return
		}
		c.threshold = t
	})
}

// KS runs the two-sided two-sample Kolmogorov–Smirnov test, with the
// statistic, location, sign and p-value computed as scipy 1.10's
// ks_2samp(reference, current, method=...) does. Neither input is modified.
//
// Cost: both samples are sorted (a bucket sort, linear for data that
// spreads; radix sort otherwise), on two goroutines when they hold 32,768
// values or more together, and the statistic is one merge. The asymptotic
// p-value is O(1) (Pelz–Good) while n·D² < 2.2 for n = n1·n2/(n1+n2);
// above that it is scipy's Smirnov sum over about n terms, which for large
// n is sampled to the same value in a few hundred terms (see
// smirnovsum.go), so the cost grows as the sort's, n log n: at 10⁵ vs 10⁵
// normal values with a 0.01 shift a call takes 5.4 ms of CPU, at 10⁶
// 64 ms (BenchmarkScaling). Each call allocates sorted copies of both
// samples and the sort's scratch, 16 to 24 bytes a value: 20 MB at 10⁶
// vs 10⁶.
func KS(reference, current []float64, opts ...KSOption) (KSResult, error) {
	cfg, err := newKSConfig(opts)
	if err != nil {
		return KSResult{}, err
	}
	if err := checkSample("ks", "reference", reference, 1); err != nil {
		return KSResult{}, err
	}
	if err := checkSample("ks", "current", current, 1); err != nil {
		return KSResult{}, err
	}
	r, c := sortBoth(reference, current)
	return ksSorted(r, c, cfg)
}

func ksSorted(r, c []float64, cfg ksConfig) (KSResult, error) {
	d, loc, sign := ksStatistic(r, c)
	res, err := ksFromStatistic(d, len(r), len(c), cfg)
	res.Location, res.Sign = loc, sign
	return res, err
}

// ksFromStatistic computes the p-value for statistic d as scipy does.
func ksFromStatistic(d float64, n1, n2 int, cfg ksConfig) (KSResult, error) {
	g := gcd(n1, n2)
	mode := cfg.method
	var notes []string
	if mode == KSAuto {
		if max(n1, n2) <= ksMaxAutoN {
			mode = KSExact
		} else {
			mode = KSAsymp
		}
	} else if mode == KSExact {
		if float64(n1/g) >= float64(math.MaxInt32)/float64(n2/g) {
			mode = KSAsymp
			notes = append(notes, fmt.Sprintf("Exact ks_2samp calculation not possible with samples sizes %d and %d. Switching to 'asymp'.", n1, n2))
		}
	}
	prob := math.Inf(-1)
	if mode == KSExact {
		ok, dd, p := ksExact2(n1, n2, g, d)
		d = dd
		if ok {
			prob = p
		} else {
			mode = KSAsymp
			notes = append(notes, "ks_2samp: Exact calculation unsuccessful. Switching to method=asymp.")
		}
	}
	if mode == KSAsymp {
		en := int(math.RoundToEven(effectiveN(n1, n2)))
		if en == 0 {
			// One value on each side: n1·n2/(n1+n2) = 0.5 rounds to 0, where
			// the asymptotic distribution is undefined (scipy returns NaN).
			// The exact p-value of that case is what scipy's exact and auto
			// give.
			_, d, prob = ksExact2(n1, n2, g, d)
			mode = KSExact
			notes = append(notes, "effective sample size rounds to 0, where the asymptotic p-value is undefined: the exact p-value is given.")
		} else {
			prob = kolmogornSF(en, d)
		}
	}
	prob = clip01(prob)
	res := KSResult{Result: pvalueResult(MethodKS, d, prob, cfg.threshold, PValueAtOrBelow, string(mode)), N1: n1, N2: n2}
	res.Notes = notes
	return res, nil
}

// effectiveN is n1*n2/(n1+n2) computed as scipy does (larger size first).
func effectiveN(n1, n2 int) float64 {
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	return m * n / (m + n)
}

// KSAsymptoticLimitPValue is the p-value from the limiting Kolmogorov
// distribution, kstwobign.sf(sqrt(en)*D) with the unrounded effective size
// en = n1*n2/(n1+n2) — what many implementations report. Prefer [KS], which
// matches scipy. A distance that is not in [0, 1] (NaN included) or a
// sample size below 1 is an error: the p-value is undefined there.
func KSAsymptoticLimitPValue(d float64, n1, n2 int) (float64, error) {
	if !(d >= 0 && d <= 1) {
		return 0, fmt.Errorf("ks: distance %v is not in [0, 1]", d)
	}
	if n1 < 1 || n2 < 1 {
		return 0, fmt.Errorf("ks: sample sizes %d and %d: each must be at least 1", n1, n2)
	}
	return kolmogorovSF(math.Sqrt(effectiveN(n1, n2)) * d), nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksStatistic walks both sorted samples once. The ECDF difference is
// evaluated as scipy does, i/n1 - j/n2 with each share rounded separately,
// and ties in the maximum are resolved as numpy's argmax over the
// concatenation (reference values first, then current values).
func ksStatistic(r, c []float64) (d, loc float64, sign int) {
	n1, n2 := float64(len(r)), float64(len(c))
	i, j := 0, 0
	maxS, minS := math.Inf(-1), math.Inf(1)
	var maxR, maxC, minR, minC float64
	var maxHasR, maxHasC, minHasR, minHasC bool
	for i < len(r) || j < len(c) {
		var v float64
		fromR := j >= len(c) || (i < len(r) && r[i] <= c[j])
		if fromR {
			v = r[i]
		} else {
			v = c[j]
		}
		inR, inC := false, false
		for i < len(r) && r[i] == v {
			i++
			inR = true
		}
		for j < len(c) && c[j] == v {
			j++
			inC = true
		}
		if !inR && !inC {
			// v is NaN, equal to nothing. Every caller refuses NaN first;
			// this only keeps the walk finite if one ever gets through.
			if fromR {
				i, inR = i+1, true
			} else {
				j, inC = j+1, true
			}
		}
		diff := float64(i)/n1 - float64(j)/n2
		if diff > maxS {
			maxS = diff
			maxHasR, maxHasC = false, false
		}
		if diff == maxS {
			if inR && !maxHasR {
				maxR, maxHasR = v, true
			}
			if inC && !maxHasC {
				maxC, maxHasC = v, true
			}
		}
		if diff < minS {
			minS = diff
			minHasR, minHasC = false, false
		}
		if diff == minS {
			if inR && !minHasR {
				minR, minHasR = v, true
			}
			if inC && !minHasC {
				minC, minHasC = v, true
			}
		}
	}
	locMax := maxC
	if maxHasR {
		locMax = maxR
	}
	locMin := minC
	if minHasR {
		locMin = minR
	}
	negMin := math.Min(math.Max(-minS, 0), 1)
	if negMin > maxS {
		return negMin, locMin, -1
	}
	return maxS, locMax, 1
}

// ksExact2 is scipy's _attempt_exact_2kssamp for the two-sided case: the
// statistic is snapped to the lattice h/lcm(n1,n2) and the tail probability
// counted on lattice paths.
func ksExact2(n1, n2, g int, d float64) (ok bool, dd, prob float64) {
	lcm := (n1 / g) * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	dd = float64(h) / float64(lcm)
	if h == 0 {
		return true, dd, 1
	}
	if n1 == n2 {
		prob = probOutsideSquare(n1, h)
	} else {
		prob = outerProbInside(n1, n2, g, h)
	}
	if math.IsNaN(prob) || math.IsInf(prob, 0) || prob < 0 || prob > 1 {
		return false, dd, prob
	}
	return true, dd, prob
}

// probOutsideSquare is P(D_{n,n} >= h/n), the proportion of lattice paths
// leaving the band |x-y| < h, by the alternating reflection series in
// Horner form (scipy _compute_prob_outside_square).
func probOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// outerProbInside is 1 - P(paths stay strictly inside |x/m - y/n| < h/lcm),
// computed directly by Viehmann's (arXiv:2102.08037) rearrangement of
// Hodges' (1958) inside method, column by column with a sliding window.
func outerProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	minj, maxj := 0, min(int(math.Ceil(float64(h)/float64(mg))), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	for i := minj; i < maxj; i++ {
		A[i] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int(math.Floor(float64(ng*i-h)/float64(mg)))+1, 0)
		minj = min(minj, n)
		maxj = min(int(math.Ceil(float64(ng*i+h)/float64(mg))), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (A[jj+minj-lastminj]*fi + val*float64(j)) / (fi + float64(j))
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			for t := maxj - minj; t < maxj-minj+(lastlen-curlen) && t < lenA; t++ {
				A[t] = 1
			}
		}
	}
	return A[maxj-minj-1]
}
