package drift

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// profileJSON returns p's JSON with the given fields replaced.
func profileJSON(t *testing.T, p *NumericProfile, set map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileProfileJSONIsRefused: a profile file comes from outside (a
// replica, a model package). Every field a file sets must agree with the
// data it describes, or decoding fails with an error naming the problem;
// in particular no profile of count 0 is accepted, whose merge divides
// 0 by 0.
func TestHostileProfileJSONIsRefused(t *testing.T) {
	wide := make([]float64, 200) // more than 20 distinct values: no support
	for i := range wide {
		wide[i] = float64(i) + 0.5
	}
	sk, err := NewSketchProfile("x", wide, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	low, err := NewSketchProfile("x", []float64{1, 2, 2, 3}, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := NewNumericProfile("x", []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		p    *NumericProfile
		set  map[string]any
		want string
	}{
		"sketch count 0":                {sk, map[string]any{"count": 0, "mean": 0, "m2": 0}, "count"},
		"sketch count negative":         {sk, map[string]any{"count": -5}, "count"},
		"sketch count not the sketch's": {sk, map[string]any{"count": 7}, "count"},
		"sketch without a sketch":       {sk, map[string]any{"sketch": nil}, "sketch"},
		"sketch accuracy out of range":  {sk, map[string]any{"relative_accuracy": 2}, "relative accuracy"},
		"support count negative":        {low, map[string]any{"support_counts": []int{2, -1, 3}}, "support"},
		"support not summing to count":  {low, map[string]any{"support_counts": []int{1, 1, 1}}, "support"},
		"support repeating a value":     {low, map[string]any{"support": []float64{1, 1, 3}}, "support"},
		"support outside min and max":   {low, map[string]any{"support": []float64{1, 2, 30}}, "support"},
		"exact count 0":                 {ex, map[string]any{"count": 0, "sorted": []float64{}}, "count"},
		"dropped negative":              {ex, map[string]any{"dropped": -1}, "dropped"},
		"m2 negative":                   {ex, map[string]any{"m2": -3}, "m2"},
		"min above max":                 {ex, map[string]any{"min": 3, "max": 1}, "min"},
		"min not the smallest value":    {ex, map[string]any{"min": 2}, "min"},
		"mean outside min and max":      {ex, map[string]any{"mean": 40}, "mean"},
	} {
		t.Run(name, func(t *testing.T) {
			var q NumericProfile
			err := json.Unmarshal(profileJSON(t, tc.p, tc.set), &q)
			if err == nil {
				t.Fatalf("accepted: %+v", &q)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
	// The profiles as written decode.
	for _, p := range []*NumericProfile{sk, low, ex} {
		var q NumericProfile
		if err := json.Unmarshal(profileJSON(t, p, nil), &q); err != nil {
			t.Errorf("%s profile refused: %v", p.Kind, err)
		}
	}
}

// TestMergeNeverGivesNaN: profiles built in Go with impossible fields (a
// count of 0, NaN or infinite statistics) are refused by Merge, which
// leaves the profile as it was, rather than giving it a NaN mean.
func TestMergeNeverGivesNaN(t *testing.T) {
	wide := make([]float64, 200)
	for i := range wide {
		wide[i] = float64(i)*1.5 + 0.5
	}
	sk, err := NewSketchProfile("x", wide, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*NumericProfile){
		"count 0":     func(p *NumericProfile) { p.Count, p.Mean, p.M2 = 0, 0, 0 },
		"NaN mean":    func(p *NumericProfile) { p.Mean = math.NaN() },
		"infinite m2": func(p *NumericProfile) { p.M2 = math.Inf(1) },
		"NaN min":     func(p *NumericProfile) { p.Min = math.NaN() },
		"huge count":  func(p *NumericProfile) { p.Count = math.MaxInt - 10 },
	} {
		t.Run(name, func(t *testing.T) {
			a, b := sk.clone(), sk.clone()
			mutate(a)
			mutate(b)
			if name == "count 0" {
				// Both empty: the merge computed 0·0/0.
				if err := a.Merge(b); err == nil || math.IsNaN(a.Mean) {
					t.Fatalf("merge of two empty profiles: err %v, mean %v", err, a.Mean)
				}
				return
			}
			good := sk.clone()
			if err := good.Merge(b); err == nil {
				t.Fatalf("merge of a profile with %s accepted: mean %v, m2 %v", name, good.Mean, good.M2)
			}
			if good.Count != sk.Count || good.Mean != sk.Mean || good.M2 != sk.M2 || string(good.Sketch) != string(sk.Sketch) {
				t.Errorf("a refused merge changed the profile: %+v", good)
			}
		})
	}
	// A sound merge of sound profiles stays finite.
	a, b := sk.clone(), sk.clone()
	if err := a.Merge(b); err != nil || math.IsNaN(a.Mean) || a.Count != 2*sk.Count {
		t.Fatalf("merge: %v, mean %v, count %d", err, a.Mean, a.Count)
	}
}
