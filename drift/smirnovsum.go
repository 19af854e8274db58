package drift

import "math"

// The one-sided Smirnov tail P(D_n^+ >= x) is x times the Birnbaum–Tingey
// sum over j < n(1-x) of
//
//	t(j) = C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1),
//
// about n terms. Summed term by term (smirnovTerms), it is what makes a
// large sample's p-value cost O(n) once its drift is significant: at
// n = 500,000 about 30 ms, more than the sort. But where the tail is
// needed for large n (n·x² >= 2.2, x small), the terms form one smooth
// hump well inside (0, n(1-x)), with both ends hundreds of orders of
// magnitude below the peak. For such a summand the sum over the integers
// equals the sum over every h-th integer times h up to an error that falls
// like exp(-2π²σ²/h²) for a hump of width σ: the trapezoidal rule on a
// smooth, decaying integrand converges exponentially (Trefethen &
// Weideman, "The exponentially convergent trapezoidal rule", SIAM Review
// 56(3), 2014, §5; the Poisson summation formula). smirnovTrapezoid
// therefore samples every h-th term, halves h until two levels agree to
// smirnovSumTol, and at h = 1 is the plain sum, so it can only be slower
// than the plain sum by the coarse levels, never wrong by more than the
// agreement it checked. The humps here are about n/12 wide and the first
// level has 64 intervals, so a few hundred terms do what n did.

// smirnovSumTol is the relative agreement of two successive levels at
// which the sampled sum is taken. Each term is computed to about 1e-13
// relative (smirnovLogTerm), so agreement to 1e-12 is above the noise
// and far inside the 1e-9 to which p-values are checked against scipy.
const smirnovSumTol = 1e-12

// smirnovMinIntervals is the number of intervals of the coarsest level.
const smirnovMinIntervals = 64

// smirnovEndGap is how far, in log units, both end terms must lie below
// the largest sampled term for the sampled sum to be tried: e^-60 is
// 1e-26, so the ends' share, and the endpoint error of the trapezoidal
// rule with it, is below any rounding of the sum.
const smirnovEndGap = 60

// smirnovLogTerm is log t(j) for the sum of size nf at nx = n·x (its
// rounded value plus the rounding error nxErr), in a form whose parts stay
// of the size of nx rather than n log n: with Stirling's series for the
// binomial, the logs of the binomial and of the two powers cancel into
// (n-j)·log1p(-nx/(n-j)) and j·log1p(nx/j), so the term keeps about 1e-13
// of relative accuracy at n = 10⁶, where lgamma's 1e-9 would not. Near the
// ends (j or n-j under 64) Stirling's series is not accurate enough and
// the terms are computed from lgamma as smirnovTerms does.
func smirnovLogTerm(nf, x, nx, nxErr float64, j int) float64 {
	jf := float64(j)
	m := nf - jf
	if j < 64 || m < 64 {
		lgn1, _ := math.Lgamma(nf + 1)
		lj1, _ := math.Lgamma(jf + 1)
		lnj1, _ := math.Lgamma(m + 1)
		base1 := (m - nx - nxErr) / nf // 1 - x - j/n
		base2 := x + jf/nf
		return lgn1 - lj1 - lnj1 + m*math.Log(base1) + (jf-1)*math.Log(base2)
	}
	a := nx + nxErr
	// log C(n,j) = j·log(n/j) + m·log(n/m) + ½·log(n/(j·m)) − ½·log(2π)
	// + c(n) − c(j) − c(m), with c Stirling's correction; the powers add
	// m·log(1−x−j/n) + (j−1)·log(x+j/n).
	lt := m*math.Log1p(-a/m) + jf*math.Log1p(a/jf) - math.Log((a+jf)/nf)
	lt += 0.5*math.Log(nf/jf/m) - 0.5*math.Log(2*math.Pi)
	return lt + stirlingCorrection(nf) - stirlingCorrection(jf) - stirlingCorrection(m)
}

// stirlingCorrection is log Γ(m+1) − ((m+½)·log m − m + ½·log 2π), by
// the first three terms of Stirling's series: accurate to 1e-16 for m >= 64.
func stirlingCorrection(m float64) float64 {
	r := 1 / m
	r2 := r * r
	return r * (1.0/12 - r2*(1.0/360-r2/1260))
}

// smirnovTrapezoid returns the Birnbaum–Tingey sum over j in [0, nTerms)
// as exp(mx)·s, sampled as described above. ok is false, and nothing was
// summed beyond the first level's 64 to 128 terms, when the sum does not
// have the shape the
// sampling needs (an end term within e^-60 of the peak, or too few terms
// to gain); the caller then sums term by term.
func smirnovTrapezoid(nf, x, nx, nxErr float64, nTerms int) (mx, s float64, ok bool) {
	last := nTerms - 1
	h := 1
	for 2*h*smirnovMinIntervals <= last {
		h *= 2
	}
	if h < 8 {
		return 0, 0, false
	}
	// Level h, in log space with a running maximum as smirnovTerms keeps it.
	mx = math.Inf(-1)
	add := func(j int) float64 {
		lt := smirnovLogTerm(nf, x, nx, nxErr, j)
		mx, s = logSumAdd(mx, s, lt)
		return lt
	}
	end0 := add(0)
	for j := h; j <= last; j += h {
		add(j)
	}
	end1 := smirnovLogTerm(nf, x, nx, nxErr, last)
	if end0 > mx-smirnovEndGap || end1 > mx-smirnovEndGap {
		return 0, 0, false
	}
	// The level's estimate of the sum is h·exp(mx)·s; halving h adds the
	// odd multiples of h/2 to the same running sum.
	prev := math.Log(float64(h)) + mx + math.Log(s)
	for h > 1 {
		h /= 2
		for j := h; j <= last; j += 2 * h {
			add(j)
		}
		cur := math.Log(float64(h)) + mx + math.Log(s)
		if math.Abs(cur-prev) <= smirnovSumTol {
			return cur, 1, true
		}
		prev = cur
	}
	return mx, s, true
}

// logSumAdd adds the term exp(lt) to the sum exp(mx)·s, keeping mx the
// largest term's log so that nothing overflows.
func logSumAdd(mx, s, lt float64) (float64, float64) {
	if lt > mx {
		return lt, s*math.Exp(mx-lt) + 1
	}
	return mx, s + math.Exp(lt-mx)
}
