package drift

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// The vector test reads every *.json and *.json.gz case under
// testdata/vectors (README.md there documents the schema) and checks every
// expected value this package implements. New files dropped into that
// folder are checked without code changes.

const vectorDir = "testdata/vectors"

// jfloat decodes a JSON number, null (NaN) or "+Inf"/"-Inf".
type jfloat float64

func (f *jfloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*f = jfloat(math.NaN())
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		v, err := strconv.ParseFloat(strings.Trim(s, `"`), 64)
		*f = jfloat(v)
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	*f = jfloat(v)
	return err
}

type vectorCase struct {
	ID        string                     `json:"id"`
	Kind      string                     `json:"kind"`
	Generator map[string]any             `json:"generator"`
	Reference json.RawMessage            `json:"reference"`
	Current   json.RawMessage            `json:"current"`
	Values    []jfloat                   `json:"values"`
	Expected  map[string]json.RawMessage `json:"expected"`
}

func loadVectors(t *testing.T) map[string]*vectorCase {
	t.Helper()
	entries, err := os.ReadDir(vectorDir)
	if err != nil {
		t.Fatalf("read %s: %v", vectorDir, err)
	}
	out := map[string]*vectorCase{}
	for _, e := range entries {
		name := e.Name()
		if name == "MANIFEST.json" || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")) {
			continue
		}
		f, err := os.Open(filepath.Join(vectorDir, name))
		if err != nil {
			t.Fatal(err)
		}
		var rd io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rd = gz
		}
		var c vectorCase
		if err := json.NewDecoder(rd).Decode(&c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Close()
		out[name] = &c
	}
	if len(out) == 0 {
		t.Fatalf("no vector files in %s", vectorDir)
	}
	return out
}

// checker counts compared values and reports mismatches.
type checker struct {
	t        *testing.T
	file     string
	compared int
}

func (c *checker) float(what string, got, want float64, rel float64) {
	c.t.Helper()
	c.compared++
	if math.IsNaN(want) {
		if !math.IsNaN(got) {
			c.t.Errorf("%s: %s = %v, want NaN", c.file, what, got)
		}
		return
	}
	if math.IsInf(want, 0) || want == 0 {
		if got != want && !(want == 0 && math.Abs(got) <= 1e-300) {
			c.t.Errorf("%s: %s = %v, want %v", c.file, what, got, want)
		}
		return
	}
	if d := math.Abs(got-want) / math.Abs(want); !(d <= rel) {
		c.t.Errorf("%s: %s = %.17g, want %.17g (rel err %.3g > %g)", c.file, what, got, want, d, rel)
	}
}

// floatAbs accepts a relative error up to rel or an absolute error up to abs.
func (c *checker) floatAbs(what string, got, want float64, rel, abs float64) {
	c.t.Helper()
	if math.Abs(got-want) <= abs {
		c.compared++
		return
	}
	c.float(what, got, want, rel)
}

func (c *checker) exact(what string, got, want any) {
	c.t.Helper()
	c.compared++
	if got != want {
		c.t.Errorf("%s: %s = %v, want %v", c.file, what, got, want)
	}
}

func (c *checker) ints(what string, got, want []int) {
	c.t.Helper()
	c.compared++
	if len(got) != len(want) {
		c.t.Errorf("%s: %s has %d entries %v, want %d %v", c.file, what, len(got), head(got), len(want), head(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			c.t.Errorf("%s: %s[%d] = %d, want %d", c.file, what, i, got[i], want[i])
			return
		}
	}
}

func head(x []int) []int {
	if len(x) > 20 {
		return x[:20]
	}
	return x
}

func (c *checker) floats(what string, got []float64, want []jfloat, rel float64) {
	c.t.Helper()
	if len(got) != len(want) {
		c.compared++
		c.t.Errorf("%s: %s has %d entries, want %d", c.file, what, len(got), len(want))
		return
	}
	for i := range got {
		c.float(what+"["+strconv.Itoa(i)+"]", got[i], float64(want[i]), rel)
	}
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", string(raw[:min(len(raw), 80)]), err)
	}
	return v
}

// decodeFloats decodes a float array, fast when it holds plain numbers.
func decodeFloats(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	// encoding/json silently leaves null elements at 0, so only take the
	// fast path when there is no null and no string (±Inf) in the array.
	if !bytes.Contains(raw, []byte("null")) && !bytes.Contains(raw, []byte(`"`)) {
		var fast []float64
		if err := json.Unmarshal(raw, &fast); err == nil {
			return fast
		}
	}
	return toFloats(decode[[]jfloat](t, raw))
}

func toFloats(x []jfloat) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

const relTol = 1e-9

func TestVectors(t *testing.T) {
	cases := loadVectors(t)
	var total atomic.Int64
	// The group returns when every parallel per-file subtest has finished.
	t.Run("files", func(t *testing.T) {
		for name, vc := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := &checker{t: t, file: name}
				switch vc.Kind {
				case "numeric":
					checkNumeric(t, c, vc)
				case "categorical":
					checkCategorical(t, c, vc)
				case "stream":
					checkStream(t, c, vc)
				default:
					t.Errorf("%s: unknown kind %q", name, vc.Kind)
				}
				if c.compared == 0 {
					t.Errorf("%s: no expected value was compared", name)
				}
				total.Add(int64(c.compared))
			})
		}
	})
	if total.Load() == 0 {
		t.Fatal("no values compared")
	}
	t.Logf("compared %d expected values in %d files", total.Load(), len(cases))
}

func checkNumeric(t *testing.T, c *checker, vc *vectorCase) {
	ref := decodeFloats(t, vc.Reference)
	cur := decodeFloats(t, vc.Current)
	e := vc.Expected
	if raw, ok := e["ks_2samp"]; ok {
		type ksWant struct {
			Auto struct {
				Statistic, Pvalue, StatisticLocation jfloat
				MethodUsed                           string `json:"method_used"`
				StatisticSign                        int    `json:"statistic_sign"`
				Loc                                  jfloat `json:"statistic_location"`
			} `json:"auto"`
			Asymp struct{ Statistic, Pvalue jfloat } `json:"asymp"`
			Big   struct {
				En     jfloat `json:"en"`
				Pvalue jfloat `json:"pvalue"`
			} `json:"kstwobign_unrounded_en"`
		}
		want := decode[ksWant](t, raw)
		got, err := KS(ref, cur)
		if err != nil {
			t.Errorf("%s: KS: %v", c.file, err)
		} else {
			c.exact("ks.auto.statistic", got.Statistic, float64(want.Auto.Statistic))
			c.float("ks.auto.pvalue", got.PValue, float64(want.Auto.Pvalue), relTol)
			c.exact("ks.auto.method_used", got.Detail, want.Auto.MethodUsed)
			c.exact("ks.auto.statistic_sign", got.Sign, want.Auto.StatisticSign)
			c.exact("ks.auto.statistic_location", got.Location, float64(want.Auto.Loc))
		}
		got, err = KS(ref, cur, WithKSMethod(KSAsymp))
		if err != nil {
			t.Errorf("%s: KS asymp: %v", c.file, err)
		} else {
			c.exact("ks.asymp.statistic", got.Statistic, float64(want.Asymp.Statistic))
			c.float("ks.asymp.pvalue", got.PValue, float64(want.Asymp.Pvalue), relTol)
		}
		if !math.IsNaN(float64(want.Big.Pvalue)) {
			c.float("ks.kstwobign.en", effectiveN(len(ref), len(cur)), float64(want.Big.En), relTol)
			if d, _, _ := ksStatistic(sortedCopy(ref), sortedCopy(cur)); true {
				p, err := KSAsymptoticLimitPValue(d, len(ref), len(cur))
				if err != nil {
					t.Errorf("%s: kstwobign: %v", c.file, err)
				}
				c.float("ks.kstwobign.pvalue", p, float64(want.Big.Pvalue), relTol)
			}
		}
	}
	checkNumericRest(t, c, vc, ref, cur)
}

type adWant struct {
	Statistic jfloat   `json:"statistic"`
	Critical  []jfloat `json:"critical_values"`
	Sig       jfloat   `json:"significance_level"`
	Capped    bool     `json:"pvalue_capped_or_floored"`
	Warnings  []string `json:"warnings"`
	Midrank   *bool    `json:"midrank"` // README: midrank=True; absent means True
	SigLevels []jfloat `json:"significance_levels_of_critical_values"`
	Error     *string  `json:"error"`
}

type cvmWant struct {
	Error      *string `json:"error"`
	Statistic  jfloat  `json:"statistic"`
	Pvalue     jfloat  `json:"pvalue"`
	MethodUsed string  `json:"method_used"`
}

type psiWant struct {
	Value     jfloat          `json:"value"`
	Threshold jfloat          `json:"threshold"`
	Drift     bool            `json:"drift"`
	Binning   string          `json:"binning"`
	Edges     []jfloat        `json:"bin_edges"`
	Keys      json.RawMessage `json:"keys"`
	NBins     int             `json:"n_bins"`
	RefRaw    []jfloat        `json:"ref_counts_pct_raw"`
	CurRaw    []jfloat        `json:"cur_counts_pct_raw"`
	RefFilled []jfloat        `json:"ref_pct_filled"`
	CurFilled []jfloat        `json:"cur_pct_filled"`
}

type scoreWant struct {
	Value     jfloat `json:"value"`
	Threshold jfloat `json:"threshold"`
	Drift     bool   `json:"drift"`
	NBins     int    `json:"n_bins"`
	Norm      jfloat `json:"norm_std_ddof0"`
}

type defaultWant struct {
	Test      string  `json:"test"`
	NUnique   int     `json:"n_unique_combined"`
	NRef      int     `json:"n_reference"`
	Score     jfloat  `json:"score"`
	Threshold jfloat  `json:"threshold"`
	Drift     bool    `json:"drift"`
	Error     *string `json:"error"`
}

var evidentlyTestNames = map[string]Method{
	"ks": MethodKS, "chisquare": MethodChiSquare, "z": MethodZTest,
	"wasserstein": MethodWassersteinNormed, "jensenshannon": MethodJensenShannon,
}

func checkNumericRest(t *testing.T, c *checker, vc *vectorCase, ref, cur []float64) {
	e := vc.Expected
	if raw, ok := e["wasserstein_distance"]; ok {
		want := decode[jfloat](t, raw)
		got, err := Wasserstein(ref, cur)
		if err != nil {
			t.Errorf("%s: Wasserstein: %v", c.file, err)
		} else {
			c.float("wasserstein_distance", got.Statistic, float64(want), relTol)
		}
	}
	if raw, ok := e["evidently_wasserstein_norm"]; ok {
		want := decode[scoreWant](t, raw)
		got, err := WassersteinNormed(ref, cur)
		if err != nil {
			t.Errorf("%s: WassersteinNormed: %v", c.file, err)
		} else {
			c.float("evidently_wasserstein_norm.value", got.Statistic, float64(want.Value), relTol)
			c.float("evidently_wasserstein_norm.norm_std_ddof0", math.Max(stdDDOF0(ref), 0.001), float64(want.Norm), relTol)
			c.exact("evidently_wasserstein_norm.threshold", got.Threshold, float64(want.Threshold))
			c.exact("evidently_wasserstein_norm.drift", got.Drift, want.Drift)
		}
	}
	if raw, ok := e["anderson_ksamp"]; ok {
		want := decode[adWant](t, raw)
		if want.Error != nil {
			// scipy raised (e.g. a single distinct value): so must we.
			c.compared++
			if _, err := AndersonDarling(0.05, ref, cur); err == nil {
				t.Errorf("%s: anderson_ksamp: scipy raised %q, AndersonDarling did not", c.file, *want.Error)
			}
		} else if want.Midrank != nil && !*want.Midrank {
			t.Logf("%s: anderson_ksamp midrank=false not implemented, skipped", c.file)
		} else if got, err := AndersonDarling(0.05, ref, cur); err != nil {
			t.Errorf("%s: AndersonDarling: %v", c.file, err)
		} else {
			c.float("anderson_ksamp.statistic", got.Statistic, float64(want.Statistic), relTol)
			c.floats("anderson_ksamp.critical_values", got.CriticalValues, want.Critical, relTol)
			if want.SigLevels != nil {
				c.floats("anderson_ksamp.significance_levels", got.SignificanceLevels, want.SigLevels, 0)
			}
			c.float("anderson_ksamp.significance_level", got.PValue, float64(want.Sig), relTol)
			c.exact("anderson_ksamp.pvalue_capped_or_floored", got.Capped, want.Capped)
			c.exact("anderson_ksamp.warnings", strings.Join(got.Notes, "|"), strings.Join(want.Warnings, "|"))
		}
	}
	if raw, ok := e["cramervonmises_2samp"]; ok {
		want := decode[cvmWant](t, raw)
		got, err := CramerVonMises(ref, cur, 0.05)
		if want.Error != nil {
			c.compared++
			if err == nil {
				t.Errorf("%s: cramervonmises_2samp: scipy raised %q, CramerVonMises did not", c.file, *want.Error)
			}
		} else if err != nil {
			t.Errorf("%s: CramerVonMises: %v", c.file, err)
		} else {
			c.float("cramervonmises_2samp.statistic", got.Statistic, float64(want.Statistic), relTol)
			if want.MethodUsed == "asymptotic" {
				// scipy computes this p-value as 1 − CDF with the CDF near 1,
				// so scipy's own value carries an absolute error of several
				// ulp of 1.0 (checked against 40-digit mpmath: ~1e-15).
				// Relative 1e-9 is unreachable by any implementation for
				// p << 1e-6; allow an absolute 1e-14 (≈ 45 ulp of 1.0).
				c.floatAbs("cramervonmises_2samp.pvalue", got.PValue, float64(want.Pvalue), relTol, 1e-14)
			} else {
				c.float("cramervonmises_2samp.pvalue", got.PValue, float64(want.Pvalue), relTol)
			}
			c.exact("cramervonmises_2samp.method_used", got.Detail, want.MethodUsed)
		}
	}
	h, err := EvidentlyHistogram(ref, cur)
	if err != nil {
		t.Errorf("%s: EvidentlyHistogram: %v", c.file, err)
		return
	}
	checkBinned(t, c, vc, h, func() (Result, Result, Result, Result, error) {
		p, err1 := PSI(ref, cur)
		k, err2 := KLDivergence(ref, cur)
		j, err3 := JensenShannon(ref, cur)
		j2, err4 := JensenShannon(ref, cur, WithBase2())
		return p, k, j, j2, errors.Join(err1, err2, err3, err4)
	})
	if raw, ok := e["evidently_psi"]; ok {
		want := decode[psiWant](t, raw)
		switch want.Binning {
		case string(BinningSturges):
			c.floats("evidently_psi.bin_edges", h.Edges, want.Edges, 0)
		case string(BinningDistinct):
			c.floats("evidently_psi.keys", h.Keys, decode[[]jfloat](t, want.Keys), 0)
		}
	}
	if raw, ok := e["evidently_default"]; ok {
		want := decode[defaultWant](t, raw)
		got, err := AutoTest(ref, cur)
		checkDefault(t, c, want, got, err)
	}
}

func checkDefault(t *testing.T, c *checker, want defaultWant, got Result, err error) {
	if want.Error != nil {
		c.compared++
		if err == nil {
			t.Errorf("%s: evidently_default: want error %q, got none", c.file, *want.Error)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: AutoTest: %v", c.file, err)
		return
	}
	c.exact("evidently_default.test", got.Method, evidentlyTestNames[want.Test])
	c.float("evidently_default.score", got.Score, float64(want.Score), relTol)
	c.exact("evidently_default.threshold", got.Threshold, float64(want.Threshold))
	c.exact("evidently_default.drift", got.Drift, want.Drift)
}

// checkBinned checks PSI, KL and JS results and their binning.
func checkBinned(t *testing.T, c *checker, vc *vectorCase, h Histogram, run func() (Result, Result, Result, Result, error)) {
	e := vc.Expected
	psi, kl, js, js2, err := run()
	if err != nil {
		t.Errorf("%s: divergences: %v", c.file, err)
		return
	}
	if raw, ok := e["evidently_psi"]; ok {
		want := decode[psiWant](t, raw)
		c.exact("evidently_psi.binning", string(h.Kind), want.Binning)
		c.exact("evidently_psi.n_bins", len(h.RefCounts), want.NBins)
		ref, cur := h.Shares()
		c.floats("evidently_psi.ref_counts_pct_raw", ref, want.RefRaw, relTol)
		c.floats("evidently_psi.cur_counts_pct_raw", cur, want.CurRaw, relTol)
		refFilled, err := EvidentlyZeroFill(ref)
		if err != nil {
			t.Errorf("%s: zero fill: %v", c.file, err)
		}
		curFilled, err := EvidentlyZeroFill(cur)
		if err != nil {
			t.Errorf("%s: zero fill: %v", c.file, err)
		}
		c.floats("evidently_psi.ref_pct_filled", refFilled, want.RefFilled, relTol)
		c.floats("evidently_psi.cur_pct_filled", curFilled, want.CurFilled, relTol)
		c.float("evidently_psi.value", psi.Statistic, float64(want.Value), relTol)
		c.exact("evidently_psi.threshold", psi.Threshold, float64(want.Threshold))
		c.exact("evidently_psi.drift", psi.Drift, want.Drift)
	}
	if raw, ok := e["evidently_kl_div"]; ok {
		want := decode[scoreWant](t, raw)
		c.float("evidently_kl_div.value", kl.Statistic, float64(want.Value), relTol)
		c.exact("evidently_kl_div.n_bins", len(h.RefCounts), want.NBins)
		c.exact("evidently_kl_div.drift", kl.Drift, want.Drift)
	}
	if raw, ok := e["evidently_jensenshannon"]; ok {
		want := decode[scoreWant](t, raw)
		c.float("evidently_jensenshannon.value", js.Statistic, float64(want.Value), relTol)
		c.exact("evidently_jensenshannon.drift", js.Drift, want.Drift)
	}
	if raw, ok := e["jensenshannon_base2_on_evidently_bins"]; ok {
		c.float("jensenshannon_base2_on_evidently_bins", js2.Statistic, float64(decode[jfloat](t, raw)), relTol)
	}
}

type chi2Want struct {
	Statistic jfloat     `json:"statistic"`
	Pvalue    jfloat     `json:"pvalue"`
	DOF       int        `json:"dof"`
	Expected  [][]jfloat `json:"expected_freq"`
	Yates     bool       `json:"yates_applied"`
	Error     *string    `json:"error"`
}

type gofWant struct {
	FObs      []jfloat `json:"f_obs"`
	FExp      []jfloat `json:"f_exp"`
	Statistic jfloat   `json:"statistic"`
	Value     jfloat   `json:"value"`
	Threshold jfloat   `json:"threshold"`
	Drift     bool     `json:"drift"`
	Error     *string  `json:"error"`
}

func checkCategorical(t *testing.T, c *checker, vc *vectorCase) {
	ref := decode[[]string](t, vc.Reference)
	cur := decode[[]string](t, vc.Current)
	e := vc.Expected
	h, err := CategoricalHistogram(ref, cur)
	if err != nil {
		t.Errorf("%s: CategoricalHistogram: %v", c.file, err)
		return
	}
	if raw, ok := e["categories"]; ok {
		c.exact("categories", strings.Join(h.Categories, "\x00"), strings.Join(decode[[]string](t, raw), "\x00"))
	}
	if raw, ok := e["reference_counts"]; ok {
		c.ints("reference_counts", h.RefCounts, decode[[]int](t, raw))
	}
	if raw, ok := e["current_counts"]; ok {
		c.ints("current_counts", h.CurCounts, decode[[]int](t, raw))
	}
	if raw, ok := e["chi2_contingency"]; ok {
		want := decode[chi2Want](t, raw)
		got, err := ChiSquareContingency(h, 0.05)
		switch {
		case want.Error != nil:
			c.compared++
			if err == nil {
				t.Errorf("%s: chi2_contingency: want error %q", c.file, *want.Error)
			}
		case err != nil:
			t.Errorf("%s: ChiSquareContingency: %v", c.file, err)
		default:
			c.float("chi2_contingency.statistic", got.Statistic, float64(want.Statistic), relTol)
			c.float("chi2_contingency.pvalue", got.PValue, float64(want.Pvalue), relTol)
			c.exact("chi2_contingency.dof", got.DOF, want.DOF)
			c.exact("chi2_contingency.yates_applied", got.Yates, want.Yates)
			for r := range want.Expected {
				c.floats(fmt.Sprintf("chi2_contingency.expected_freq[%d]", r), got.Expected[r], want.Expected[r], relTol)
			}
		}
	}
	if raw, ok := e["evidently_chisquare"]; ok {
		want := decode[gofWant](t, raw)
		got, err := ChiSquareGoF(h, 0.05)
		switch {
		case want.Error != nil:
			c.compared++
			if err == nil {
				t.Errorf("%s: evidently_chisquare: want error %q", c.file, *want.Error)
			}
		case err != nil:
			t.Errorf("%s: ChiSquareGoF: %v", c.file, err)
		default:
			c.float("evidently_chisquare.statistic", got.Statistic, float64(want.Statistic), relTol)
			c.float("evidently_chisquare.value", got.PValue, float64(want.Value), relTol)
			c.exact("evidently_chisquare.threshold", got.Threshold, float64(want.Threshold))
			c.exact("evidently_chisquare.drift", got.Drift, want.Drift)
		}
	}
	if raw, ok := e["jensenshannon"]; ok {
		want := decode[map[string]jfloat](t, raw)
		ref, cur := h.Shares()
		c.float("jensenshannon.natural", jsDistance(ref, cur, false), float64(want["natural"]), relTol)
		c.float("jensenshannon.base2", jsDistance(ref, cur, true), float64(want["base2"]), relTol)
	}
	checkBinned(t, c, vc, h, func() (Result, Result, Result, Result, error) {
		psi, err1 := PSIFromHistogram(h, 0.1)
		kl, err2 := KLFromHistogram(h, 0.1)
		js, err3 := JSFromHistogram(h, 0.1, false)
		js2, err4 := JSFromHistogram(h, 0.1, true)
		return psi, kl, js, js2, errors.Join(err1, err2, err3, err4)
	})
	if raw, ok := e["evidently_psi"]; ok {
		want := decode[psiWant](t, raw)
		c.exact("evidently_psi.keys", strings.Join(h.Categories, "\x00"), strings.Join(decode[[]string](t, want.Keys), "\x00"))
	}
	if raw, ok := e["evidently_default"]; ok {
		want := decode[defaultWant](t, raw)
		got, err := AutoTestCategorical(ref, cur)
		checkDefault(t, c, want, got, err)
	}
}

type streamWant struct {
	Params  map[string]any `json:"params"`
	Drift   []int          `json:"drift_indices"`
	Warning *[]int         `json:"warning_indices"`
	Skipped string         `json:"skipped"`
}

func param(p map[string]any, key string, def float64) float64 {
	if v, ok := p[key].(float64); ok {
		return v
	}
	return def
}

type flagged interface {
	DriftDetected() bool
}

type warned interface {
	WarningDetected() bool
}

func checkStream(t *testing.T, c *checker, vc *vectorCase) {
	xs := toFloats(vc.Values)
	for name, raw := range vc.Expected {
		want := decode[streamWant](t, raw)
		if want.Skipped != "" {
			continue
		}
		var det Detector
		var err error
		switch name {
		case "river_PageHinkley":
			cfg := DefaultPageHinkley()
			cfg.MinInstances = int(param(want.Params, "min_instances", 30))
			cfg.Delta = param(want.Params, "delta", cfg.Delta)
			cfg.Threshold = param(want.Params, "threshold", cfg.Threshold)
			cfg.Alpha = param(want.Params, "alpha", cfg.Alpha)
			switch want.Params["mode"] {
			case "up":
				cfg.Mode = PageHinkleyUp
			case "down":
				cfg.Mode = PageHinkleyDown
			}
			det, err = NewPageHinkley(cfg)
		case "river_DDM":
			cfg := DefaultDDM()
			cfg.WarmStart = int(param(want.Params, "warm_start", 30))
			cfg.WarningThreshold = param(want.Params, "warning_threshold", cfg.WarningThreshold)
			cfg.DriftThreshold = param(want.Params, "drift_threshold", cfg.DriftThreshold)
			det, err = NewDDM(cfg)
		case "river_EDDM":
			cfg := DefaultEDDM()
			cfg.WarmStart = int(param(want.Params, "warm_start", 30))
			cfg.Alpha = param(want.Params, "alpha", cfg.Alpha)
			cfg.Beta = param(want.Params, "beta", cfg.Beta)
			det, err = NewEDDM(cfg)
		default:
			t.Logf("%s: %s: no implementation compared", c.file, name)
			continue
		}
		if err != nil {
			t.Errorf("%s: %s: %v", c.file, name, err)
			continue
		}
		var drifts, warnings []int
		for i, x := range xs {
			det.Update(x)
			if det.(flagged).DriftDetected() {
				drifts = append(drifts, i)
			}
			if w, ok := det.(warned); ok && w.WarningDetected() {
				warnings = append(warnings, i)
			}
		}
		c.ints(name+".drift_indices", drifts, want.Drift)
		if want.Warning != nil {
			c.ints(name+".warning_indices", warnings, *want.Warning)
		}
	}
}
