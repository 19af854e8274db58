package explain

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// fuzzCFCase is a counterfactual search decoded from fuzz input: the
// model, the row, the goal, the options and the constraints.
type fuzzCFCase struct {
	model fuzzModel
	x     []float64
	goal  Goal
	opts  CounterfactualOptions
}

func decodeCFCase(in *fuzzBytes) fuzzCFCase {
	d := 1 + in.intn(5)
	c := fuzzCFCase{model: newFuzzModel(in, d), x: in.floats(d)}
	switch in.intn(4) {
	case 0:
		c.goal = Above(in.float())
	case 1:
		c.goal = Below(in.float())
	case 2:
		c.goal = Between(in.float(), in.float())
	default:
		c.goal = Goal{Min: in.float(), Max: in.float()}
	}
	o := &c.opts
	flags := in.byte()
	o.K = in.intn(5)
	o.Seed = uint64(in.byte())
	if flags&1 != 0 { // small search sizes; the defaults otherwise
		o.Population, o.Generations = in.intn(17), in.intn(6)
	}
	if flags&2 != 0 {
		o.ProximityWeight, o.SparsityWeight, o.DiversityWeight = in.float(), in.float(), in.float()
	}
	if flags&4 != 0 {
		n := in.intn(7)
		o.Data = Matrix{Rows: n, Cols: d, Data: in.floats(n * d)}
	}
	if flags&8 != 0 {
		o.Constraints = make([]FeatureConstraint, d)
		for j := range o.Constraints {
			k := &o.Constraints[j]
			cf := in.byte()
			k.Immutable = cf&1 != 0
			k.Integer = cf&2 != 0
			k.Monotone = Monotone(cf >> 2 & 3)
			if cf&16 != 0 {
				k.Range = &Range{Min: in.float(), Max: in.float()}
			}
			if cf&32 != 0 {
				k.Categories = in.floats(in.intn(4))
			}
		}
	}
	if flags&16 != 0 && d >= 3 {
		o.OneHot = []Group{{Name: "colour", Features: []int{0, 1}}}
	}
	if flags&32 != 0 {
		o.FeatureNames = make([]string, d)
		for j := range o.FeatureNames {
			o.FeatureNames[j] = fmt.Sprintf("f%d", j)
		}
	}
	if flags&64 != 0 {
		o.Outcome = "approve"
	}
	return c
}

// checkCounterfactuals asserts what a search that returned no error
// promises: at most K valid counterfactuals, each scored by the model
// inside the goal, finite everywhere, within every constraint, with
// consistent changes, and a summary without NaN or Inf.
func (c fuzzCFCase) checkCounterfactuals(t *testing.T, res CounterfactualResult) {
	t.Helper()
	k := c.opts.K
	if k == 0 {
		k = 3
	}
	if len(res.Counterfactuals) > k {
		t.Fatalf("%d counterfactuals for K %d", len(res.Counterfactuals), k)
	}
	if err := finiteAll("validity/proximity/sparsity/diversity", res.Validity, res.Proximity, res.Sparsity, res.Diversity); err != nil {
		t.Fatalf("%v without an error: %+v", err, res)
	}
	if res.Validity < 0 || res.Validity > 1 || res.Proximity < 0 || res.Sparsity < 0 || res.Diversity < 0 {
		t.Fatalf("summary out of range: %+v", res)
	}
	d := len(c.x)
	var grouped [5]bool
	for _, g := range c.opts.OneHot {
		for _, j := range g.Features {
			grouped[j] = true
		}
	}
	for ci, cf := range res.Counterfactuals {
		what := fmt.Sprintf("counterfactual %d %v (x %v, goal %v)", ci, cf.X, c.x, c.goal)
		if len(cf.X) != d {
			t.Fatalf("%s: %d values for %d features", what, len(cf.X), d)
		}
		if err := finiteAll("x", cf.X...); err != nil {
			t.Fatalf("%s: %v without an error", what, err)
		}
		if err := finiteAll("output/distance/diversity", cf.Output, cf.Distance, cf.Diversity); err != nil {
			t.Fatalf("%s: %v without an error", what, err)
		}
		if y := c.model.eval(cf.X); y != cf.Output || !cf.Valid || y < c.goal.Min || y > c.goal.Max {
			t.Fatalf("%s: output %v (model %v, valid %v) outside the goal", what, cf.Output, y, cf.Valid)
		}
		if cf.Distance < 0 || cf.Diversity < 0 || cf.Sparsity != len(cf.ChangedNames) || cf.Sparsity == 0 {
			t.Fatalf("%s: distance %v, diversity %v, sparsity %d, changed %q", what, cf.Distance, cf.Diversity, cf.Sparsity, cf.ChangedNames)
		}
		if cf.Summary == "" || strings.Contains(cf.Summary, "NaN") || strings.Contains(cf.Summary, "Inf") {
			t.Fatalf("%s: summary %q", what, cf.Summary)
		}
		changed := 0
		for j, v := range cf.X {
			if v == c.x[j] {
				continue
			}
			if changed >= len(cf.Changed) || cf.Changed[changed] != j || cf.Changes[changed].From != c.x[j] || cf.Changes[changed].To != v {
				t.Fatalf("%s: column %d changed, reported %v %+v", what, j, cf.Changed, cf.Changes)
			}
			changed++
			if grouped[j] {
				continue // a one-hot column: checked with its group below
			}
			if c.opts.Constraints != nil {
				k := c.opts.Constraints[j]
				switch {
				case k.Immutable:
					t.Fatalf("%s: immutable feature %d changed", what, j)
				case k.Range != nil && (v < k.Range.Min || v > k.Range.Max):
					t.Fatalf("%s: feature %d = %v outside %v", what, j, v, *k.Range)
				case k.Monotone == MonotoneIncreasing && v < c.x[j], k.Monotone == MonotoneDecreasing && v > c.x[j]:
					t.Fatalf("%s: feature %d moved against %v", what, j, k.Monotone)
				case k.Integer && v != math.Trunc(v):
					t.Fatalf("%s: integer feature %d = %v", what, j, v)
				}
				if k.Categories != nil {
					in := false
					for _, cv := range k.Categories {
						in = in || cv == v
					}
					if !in {
						t.Fatalf("%s: feature %d = %v not a category of %v", what, j, v, k.Categories)
					}
					continue
				}
				if k.Range != nil {
					continue
				}
			}
			if c.opts.Data.Rows > 0 {
				lo, hi := math.Inf(1), math.Inf(-1)
				for r := 0; r < c.opts.Data.Rows; r++ {
					lo, hi = math.Min(lo, c.opts.Data.Row(r)[j]), math.Max(hi, c.opts.Data.Row(r)[j])
				}
				if v < lo || v > hi {
					t.Fatalf("%s: feature %d = %v outside the data's range [%v, %v]", what, j, v, lo, hi)
				}
			}
		}
		if changed != len(cf.Changed) || len(cf.Changes) != changed {
			t.Fatalf("%s: %d columns changed, reported %v", what, changed, cf.Changed)
		}
		for _, g := range c.opts.OneHot {
			ones := 0
			for _, j := range g.Features {
				switch cf.X[j] {
				case 1:
					ones++
				case 0:
				default:
					t.Fatalf("%s: one-hot column %d = %v", what, j, cf.X[j])
				}
			}
			if ones != 1 {
				t.Fatalf("%s: one-hot group %q has %d columns set", what, g.Name, ones)
			}
		}
	}
}

// cfSeeds are counterfactual searches for the seed corpus, encoded for
// decodeCFCase.
func cfSeeds() [][]byte {
	var seeds [][]byte
	inf, nan := math.Inf(1), math.NaN()
	seed := func(d, kind int, w []float64, b, t float64, x []float64, goalKind byte, goal []float64, flags byte, k, seed byte, rest ...[]byte) []byte {
		out := []byte{byte(d - 1), byte(kind)}
		out = append(out, fuzzEncode(w...)...)
		out = append(out, fuzzEncode(b, t)...)
		out = append(out, fuzzEncode(x...)...)
		out = append(out, goalKind)
		out = append(out, fuzzEncode(goal...)...)
		out = append(out, flags, k, seed)
		for _, r := range rest {
			out = append(out, r...)
		}
		return out
	}
	// A logistic model, class flip at 0.5, small search, data, constraints.
	seeds = append(seeds, seed(3, 1, []float64{1, 1, -1}, -2, 0, []float64{0, 0, 1}, 0, []float64{0.5}, 1|4|8, 2, 7,
		[]byte{12, 3, 4}, fuzzEncode(-2, -1, 0, 1, 0, 2, 2, 1, 3, 1, 2, 4),
		[]byte{2 | 4 | 16}, fuzzEncode(0, 10), []byte{0, 8 | 32, 2}, fuzzEncode(0, 2)))
	// A linear model below a threshold, default search, names and outcome.
	seeds = append(seeds, seed(2, 0, []float64{2, -1}, 0, 0, []float64{3, 1}, 1, []float64{2}, 4|32|64, 0, 1,
		[]byte{3}, fuzzEncode(0, 0, 1, 1, 2, 5)))
	// Ranges near float64's limits, an integer feature with a huge range.
	seeds = append(seeds, seed(2, 0, []float64{1, 1}, 0, 0, []float64{0, 0}, 0, []float64{1e300}, 1|8, 1, 3,
		[]byte{10, 4, 16}, fuzzEncode(-1e308, 1e308), []byte{2 | 16}, fuzzEncode(0, 1e300)))
	// NaN and Inf among categories, data with huge values, a one-hot group.
	seeds = append(seeds, seed(3, 2, []float64{1, 2, 3}, 0, 0.5, []float64{1, 0, 0}, 2, []float64{2, inf}, 1|4|8|16, 2, 5,
		[]byte{8, 3, 3}, fuzzEncode(0, 1, 1e308, 1, 0, -1e308, 0, 1, 0),
		[]byte{0, 0, 32, 3}, fuzzEncode(nan, inf, 7)))
	// A model that is NaN above a threshold, NaN search weights.
	seeds = append(seeds, seed(2, 4, []float64{1, 1}, 0, 1, []float64{0, 0}, 0, []float64{3}, 1|2|4, 1, 9,
		[]byte{4, 2}, fuzzEncode(nan, 1, 1), []byte{2}, fuzzEncode(-5, -5, 5, 5)))
	return seeds
}

// FuzzCounterfactuals: the counterfactual search returns an error or
// counterfactuals that are finite, reach the goal, respect every
// constraint and read without NaN or Inf, for any row, goal, constraints,
// reference data, search settings and test model.
func FuzzCounterfactuals(f *testing.F) {
	for _, b := range cfSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := decodeCFCase(&fuzzBytes{b: data})
		res, err := Counterfactuals(context.Background(), c.model.model(), c.x, c.goal, c.opts)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		c.checkCounterfactuals(t, res)
	})
}
