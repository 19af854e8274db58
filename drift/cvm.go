package drift

import (
	"math"
	"slices"
)

// CramerVonMises runs the two-sample Cramér–von Mises test as scipy 1.10's
// cramervonmises_2samp(reference, current, method="auto"): the statistic T
// of Anderson, "On the Distribution of the Two-Sample Cramér–von Mises
// Criterion", Ann. Math. Statist. 33(3), 1962 (eq. 9, midranks for ties),
// with the exact p-value (Xiao, Gordon & Yakovlev, J. Stat. Softw. 17(8),
// 2006) when both samples have at most 20 observations and otherwise the
// normalised statistic referred to the limiting one-sample distribution
// (Csörgő & Faraway, JRSS B 58(1), 1996). Each sample needs at least two
// observations. Drift when p < threshold.
func CramerVonMises(reference, current []float64, threshold float64) (Result, error) {
	if err := checkThreshold("cramer_von_mises", threshold, true); err != nil {
		return Result{}, err
	}
	if err := checkSample("cramer_von_mises", "reference", reference, 2); err != nil {
		return Result{}, err
	}
	if err := checkSample("cramer_von_mises", "current", current, 2); err != nil {
		return Result{}, err
	}
	nx, ny := len(reference), len(current)
	xa, ya := sortBoth(reference, current)
	// Midranks of the pooled sample, walked in merged order.
	var sx, sy neumaier
	i, j := 0, 0
	for i < nx || j < ny {
		var v float64
		if j >= ny || (i < nx && xa[i] <= ya[j]) {
			v = xa[i]
		} else {
			v = ya[j]
		}
		i0, j0 := i, j
		for i < nx && xa[i] == v {
			i++
		}
		for j < ny && ya[j] == v {
			j++
		}
		// Positions i0+j0+1 … i+j share the average rank.
		rank := float64(i0+j0+1+i+j) / 2
		for p := i0; p < i; p++ {
			d := rank - float64(p+1)
			sx.add(d * d)
		}
		for p := j0; p < j; p++ {
			d := rank - float64(p+1)
			sy.add(d * d)
		}
	}
	fnx, fny := float64(nx), float64(ny)
	u := fnx*sx.sum() + fny*sy.sum()
	k, N := fnx*fny, fnx+fny
	t := u/(k*N) - (4*k-1)/(6*N)
	var p float64
	detail := "asymptotic"
	if max(nx, ny) <= 20 {
		detail = "exact"
		p = cvmExactPValue(u, nx, ny)
	} else {
		et := (1 + 1/N) / 6
		vt := (N + 1) * (4*k*N - 3*(fnx*fnx+fny*fny) - 2*k)
		vt = vt / (45 * N * N * 4 * k)
		tn := 1.0/6 + (t-et)/math.Sqrt(45*vt)
		if tn < 0.003 {
			p = 1
		} else {
			p = math.Max(0, 1-cvmCDFInf(tn))
		}
	}
	return pvalueResult(MethodCramerVonMises, t, p, threshold, PValueBelow, detail), nil
}

// cvmCDFInf is the limiting CDF of the one-sample Cramér–von Mises
// statistic (Csörgő & Faraway 1996, eq. 1.2/1.3), summing terms until one
// is below 1e-7 as scipy does.
func cvmCDFInf(x float64) float64 {
	tot := 0.0
	for k := 0; ; k++ {
		kf := float64(k)
		lg1, _ := math.Lgamma(kf + 0.5)
		lg2, _ := math.Lgamma(kf + 1)
		u := math.Exp(lg1-lg2) / (math.Pow(math.Pi, 1.5) * math.Sqrt(x))
		y := 4*kf + 1
		q := y * y / (16 * x)
		z := u * math.Sqrt(y) * math.Exp(-q) * besselK(0.25, q)
		tot += z
		if !(math.Abs(z) >= 1e-7) {
			break
		}
	}
	return tot
}

// besselK is the modified Bessel function of the second kind K_nu(x), x > 0,
// from its integral representation K_nu(x) = ∫_0^∞ exp(−x cosh t) cosh(nu t) dt.
// The trapezoidal rule converges geometrically for this analytic, doubly
// exponentially decaying integrand; step 1/64 gives full double precision.
func besselK(nu, x float64) float64 {
	if x <= 0 {
		return math.Inf(1)
	}
	const h = 1.0 / 64
	// exp(-x) factored out so large x does not underflow the sum.
	var acc neumaier
	acc.add(0.5) // t = 0: exp(-x(cosh 0 - 1)) cosh 0 = 1, half weight
	for i := 1; ; i++ {
		t := float64(i) * h
		sh := math.Sinh(t / 2)
		e := -x * 2 * sh * sh // −x(cosh t − 1) without cancellation
		term := math.Exp(e) * math.Cosh(nu*t)
		acc.add(term)
		if e < -745 || term < 1e-18*acc.sum() {
			break
		}
	}
	return acc.sum() * h * math.Exp(-x)
}

// cvmExactPValue is P(U >= u) for the two-sample statistic U (Anderson
// 1962, eq. 10) by the frequency-table recursion of Xiao, Gordon &
// Yakovlev (2006, Algorithm 1), exactly as arranged in scipy.
func cvmExactPValue(u float64, m, n int) float64 {
	lcm := m / gcd(m, n) * n
	a := lcm / m
	b := lcm / n
	mn := m * n
	zeta := pyFloorDiv(float64(lcm*lcm*(m+n))*(6*u-float64(mn*(4*mn-1))), float64(6*mn*mn))
	type table map[int64]int64
	gs := make([]table, m+1)
	gs[0] = table{0: 1}
	for v := 1; v <= m; v++ {
		gs[v] = table{}
	}
	for uu := 0; uu <= n; uu++ {
		next := make([]table, m+1)
		tmp := table{}
		for v := 0; v <= m; v++ {
			merged := make(table, len(tmp)+len(gs[v]))
			for val, f := range tmp {
				merged[val] += f
			}
			for val, f := range gs[v] {
				merged[val] += f
			}
			d := int64(a*v - b*uu)
			shifted := make(table, len(merged))
			for val, f := range merged {
				shifted[val+d*d] = f
			}
			tmp = shifted
			next[v] = tmp
		}
		gs = next
	}
	var hit int64
	keys := make([]int64, 0, len(gs[m]))
	for val := range gs[m] {
		keys = append(keys, val)
	}
	slices.Sort(keys)
	for _, val := range keys {
		if float64(val) >= zeta {
			hit += gs[m][val]
		}
	}
	return float64(hit) / binomFloat(m+n, m)
}

// pyFloorDiv is Python's float floor division x // y.
func pyFloorDiv(x, y float64) float64 {
	mod := math.Mod(x, y)
	div := (x - mod) / y
	if mod != 0 && (y < 0) != (mod < 0) {
		div -= 1
	}
	if div == 0 {
		return math.Copysign(0, x/y)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl += 1
	}
	return fl
}

// binomFloat is C(n, k) as a float64 (exact while it fits in 2^53).
func binomFloat(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return math.Round(r)
}
