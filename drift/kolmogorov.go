package drift

import "math"

// This file computes the distribution of the two-sided one-sample
// Kolmogorov–Smirnov statistic D_n, following the algorithm selection of
// Simard & L'Ecuyer, "Computing the Two-Sided Kolmogorov-Smirnov
// Distribution", J. Stat. Softw. 39(11), 2011, in the variant scipy 1.10
// uses for scipy.stats.kstwo (scipy/stats/_ksstats.py): Ruben–Gambino
// closed forms at the ends, the Durbin matrix (Marsaglia, Tsang & Wang
// 2003), the Pomeranz recursion (1974), the Pelz–Good asymptotic series
// (1976) and twice the one-sided Smirnov tail (Birnbaum & Tingey 1951).
// scipy's two-sample ks_2samp(method="asymp") evaluates this *exact*
// one-sample law at n = round(n1*n2/(n1+n2)), so it is needed for p-values
// that agree with scipy.

const (
	scale128    = 0x1p128
	scaleInv128 = 0x1p-128
	minLog      = -708.3964185322641 // cephes MINLOG
)

var stirlingCoeffs = [...]float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logNFactorialDivNPowN is log(n!/n^n) by Stirling's series.
func logNFactorialDivNPowN(n float64) float64 {
	rn := 1 / n
	p := 0.0
	for _, c := range stirlingCoeffs {
		p = p*(rn/n) + c
	}
	return math.Log(n)/2 - n + math.Log(2*math.Pi)/2 + rn*p
}

func clip01(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}

// kolmogornSF returns P(D_n > x), the survival function of the two-sided
// one-sample KS statistic for sample size n (scipy.stats.kstwo.sf).
func kolmogornSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	nf := float64(n)
	t := nf * x
	if t <= 1 { // Ruben–Gambino: 1/2n <= x <= 1/n
		if t <= 0.5 {
			return 1
		}
		var prob float64
		if n <= 140 {
			prob = 1
			for i := 1; i <= n; i++ {
				prob *= float64(i) * (1.0 / nf) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logNFactorialDivNPowN(nf) + nf*math.Log(2*t-1))
		}
		return clip01(1 - prob)
	}
	if t >= nf-1 { // Ruben–Gambino
		return clip01(2 * math.Pow(1-x, nf))
	}
	if x >= 0.5 {
		return clip01(2 * smirnovSF(n, x))
	}
	nxsq := t * x
	if n <= 140 {
		if nxsq <= 0.754693 {
			return clip01(1 - durbinMatrixCDF(n, x))
		}
		if nxsq <= 4 {
			return clip01(1 - pomeranzCDF(n, x))
		}
		return clip01(2 * smirnovSF(n, x))
	}
	if nxsq >= 370 {
		return 0
	}
	if nxsq >= 2.2 {
		return clip01(2 * smirnovSF(n, x))
	}
	var cdf float64
	if n <= 100000 && nf*math.Pow(x, 1.5) <= 1.4 {
		cdf = durbinMatrixCDF(n, x)
	} else {
		cdf = pelzGoodCDF(n, x)
	}
	return clip01(1 - cdf)
}

// durbinMatrixCDF is P(D_n <= d) by Durbin's matrix method as arranged by
// Marsaglia, Tsang & Wang (2003), with explicit exponent tracking.
func durbinMatrixCDF(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nf := float64(n)
	nd := nf * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	H := make([]float64, m*m)
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r*m] = v[r]
	}
	for c := 0; c < m; c++ {
		H[(m-1)*m+c] = v[m-1-c]
	}
	P := make([]float64, m*m)
	for i := 0; i < m; i++ {
		P[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	matmul := func(dst, a, b []float64) {
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				s := 0.0
				for l := 0; l < m; l++ {
					s += a[i*m+l] * b[l*m+j]
				}
				dst[i*m+j] = s
			}
		}
	}
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			matmul(tmp, P, H)
			P, tmp = tmp, P
			expnt += hexpnt
		}
		matmul(tmp, H, H)
		H, tmp = tmp, H
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > scale128 {
			for i := range H {
				H[i] /= scale128
			}
			hexpnt += 128
		}
	}
	p := P[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / nf
		if math.Abs(p) < scaleInv128 {
			p *= scale128
			expnt -= 128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 {
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// pomeranzCDF is P(D_n <= x) by the Pomeranz (1974) recursion.
func pomeranzCDF(n int, x float64) float64 {
	nf := float64(n)
	t := nf * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	gOverN, twoGOverN, oneMinusTwoGOverN := g/nf, 2*g/nf, (1-2*g)/nf
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gOverN / float64(m)
		twogpower[m] = twogpower[m-1] * twoGOverN / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * oneMinusTwoGOverN / float64(m)
	}
	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	expnt := 0
	j1, _ := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		clear(V1)
		var j2 int
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 > 0 {
			lo := k1 - V0s
			hi := min(lo+ln2, npwrs)
			a := V0[lo:hi]
			b := pwrs[:min(ln2, npwrs)]
			convStart := j1 - k1
			convLen := j2 - j1 + 1
			maxV := 0.0
			for c := 0; c < convLen; c++ {
				kk := convStart + c
				s := 0.0
				for ia := max(0, kk-len(b)+1); ia < len(a) && ia <= kk; ia++ {
					s += a[ia] * b[kk-ia]
				}
				V1[c] = s
				if c == 0 || s > maxV {
					maxV = s
				}
			}
			if 0 < maxV && maxV < scaleInv128 {
				for c := range V1 {
					V1[c] *= scale128
				}
				expnt -= 128
			}
			V1s = V0s + j1 - k1
		}
	}
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > scale128 {
			ans *= scaleInv128
			expnt += 128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// pelzGoodCDF is the Pelz–Good (1976) approximation of P(D_n <= x).
func pelzGoodCDF(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	const (
		piSq   = math.Pi * math.Pi
		piFour = piSq * piSq
		piSix  = piFour * piSq
	)
	sqrt2pi := math.Sqrt(2 * math.Pi)
	nf := float64(n)
	z := math.Sqrt(nf) * x
	zsq, zthree, zfour, zsix := z*z, z*z*z, math.Pow(z, 4), math.Pow(z, 6)
	qlog := -piSq / 8 / zsq
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)
	k1a := -zsq
	k1b := piSq / 4
	k2a := 6*zsix + 2*zfour
	k2b := (2*zfour - 5*zsq) * piSq / 4
	k2c := piFour * (1 - 2*zsq) / 16
	k3d := piSix * (5 - 30*zsq) / 64
	k3c := piFour * (-60*zsq + 212*zfour) / 16
	k3b := piSq * (135*zfour - 96*zsix) / 4
	k3a := -30*zsix - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		msq, mfour, msix := m*m, math.Pow(m, 4), math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{1, k1a + k1b*msq, k2a + k2b*msq + k2c*mfour, k3a + k3b*msq + k3c*mfour + k3d*msix}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	den := [4]float64{z, 6 * zfour, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2pi / den[i]
	}
	q = math.Exp(-piSq / 2 / zsq)
	sqrt3z := math.Sqrt(3) * z
	k2extra, k3extra := 0.0, 0.0
	for k := maxk; k > 0; k-- {
		ksq := float64(k * k)
		qp := math.Pow(q, ksq)
		kspi := math.Pi * float64(k)
		k2extra += ksq * qp
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
	}
	K[2] += k2extra * piSq * sqrt2pi / (-36 * zthree)
	K[3] += k3extra * piSq * sqrt2pi / (216 * zsix)
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(nf, float64(i)/2)
	}
	return sum
}

// smirnovSF is the one-sided Smirnov survival function P(D_n^+ >= x) by the
// Birnbaum–Tingey (1951) sum
//
//	x * Σ_{0<=j<n(1-x)} C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1),
//
// evaluated in log space so neither the binomials nor the powers overflow
// (scipy.special.smirnov, cephes kolmogorov.c, uses double-double
// arithmetic for the same sum).
func smirnovSF(n int, x float64) float64 {
	if n <= 0 || !(x >= 0 && x <= 1) {
		return math.NaN()
	}
	if n == 1 {
		return 1 - x
	}
	if x == 0 {
		return 1
	}
	if x == 1 {
		return 0
	}
	nf := float64(n)
	nx := nf * x
	nxErr := math.FMA(nf, x, -nx)
	nxfl := math.Floor(nx)
	alpha := (nx - nxfl) + nxErr
	if alpha < 0 {
		nxfl--
		alpha += 1
	} else if alpha >= 1 {
		nxfl++
		alpha -= 1
	}
	if nxfl == 0 || (nxfl == 1 && alpha == 0) {
		cdf := x * math.Pow(1+x, nf-1)
		return 1 - cdf
	}
	if -2*nf*x*x < minLog {
		return 0
	}
	if int(nxfl) >= n-1 {
		return math.Pow(1-x, nf)
	}
	if n > 1000000 {
		logp := -math.Pow(6.0*nf*x+1, 2) / 18.0 / nf
		if logp < -math.Ln2 {
			return math.Exp(logp)
		}
		return 1 + math.Expm1(logp)
	}
	// Terms j with j < n(1-x) = n - nxfl - alpha: j <= n - nxfl - 1 both
	// when alpha > 0 and when alpha == 0 (j = n - nxfl would be the zero
	// term (1-x-j/n)^(n-j) = 0, which the strict bound already excludes).
	nTerms := n - int(nxfl)
	if mx, s, ok := smirnovTrapezoid(nf, x, nx, nxErr, nTerms); ok {
		return clip01(math.Exp(math.Log(x) + mx + math.Log(s)))
	}
	// The sampled sum declines only for small n (under about 2,000 here),
	// where the ends of the sum are not negligible; those sums are short.
	mx, s := smirnovTerms(nf, x, nx, nxErr, nTerms)
	return clip01(math.Exp(math.Log(x) + mx + math.Log(s)))
}

// smirnovTerms sums the Birnbaum–Tingey terms j in [0, nTerms) one by one
// in log space, returning the sum as exp(mx)·s. log C(n, j) is updated by
// log((n−j+1)/j) per term and re-anchored on lgamma every 256 terms so
// rounding does not accumulate. Like scipy, it stops once the remaining
// terms cannot change the sum.
func smirnovTerms(nf, x, nx, nxErr float64, nTerms int) (mx, s float64) {
	lgn1, _ := math.Lgamma(nf + 1)
	mx = math.Inf(-1)
	var logC float64
	for j := 0; j < nTerms; j++ {
		jf := float64(j)
		if j%256 == 0 {
			lj1, _ := math.Lgamma(jf + 1)
			lnj1, _ := math.Lgamma(nf - jf + 1)
			logC = lgn1 - lj1 - lnj1
		} else {
			logC += math.Log((nf - jf + 1) / jf)
		}
		base1 := ((nf - jf) - nx - nxErr) / nf // 1 - x - j/n
		base2 := x + jf/nf
		if base1 <= 0 {
			break
		}
		lt := logC + (nf-jf)*math.Log(base1) + (jf-1)*math.Log(base2)
		mx, s = logSumAdd(mx, s, lt)
		if j > 0 && j != nTerms-1 && 4*float64(nTerms-j)*math.Exp(lt-mx) < 0x1p-52*s {
			break
		}
	}
	return mx, s
}

// kolmogorovSF is the limiting Kolmogorov distribution's survival function
// P(K > x), K = lim sqrt(n) D_n (scipy.special.kolmogorov, kstwobign.sf).
func kolmogorovSF(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 || x <= math.Pi/math.Sqrt(746*8) {
		return 1
	}
	if x <= 0.82 {
		w := math.Sqrt(2*math.Pi) / x
		logu8 := -math.Pi * math.Pi / (x * x)
		u := math.Exp(logu8 / 8)
		var P float64
		if u == 0 {
			P = math.Exp(logu8/8 + math.Log(w))
		} else {
			u8 := math.Exp(logu8)
			u8cub := math.Pow(u8, 3)
			P = 1.0
			P = 1 + u8cub*P
			P = 1 + u8*u8*P
			P = 1 + u8*P
			P = w * u * P
		}
		return clip01(1 - P)
	}
	v := math.Exp(-2 * x * x)
	vsq := v * v
	v3 := math.Pow(v, 3)
	P := 1.0
	P = 1 - v3*v3*v*P
	P = 1 - v3*vsq*P
	P = 1 - v3*P
	return clip01(2 * v * P)
}
