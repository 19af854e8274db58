package drift

import (
	"encoding/json"
	"maps"
	"math"
	"strings"
	"testing"
)

// TestHostileCategoricalProfileJSONIsRefused: a categorical profile file
// comes from outside like a numeric one. Its counts must be those of a
// sample: each category seen at least once, once only, and Count their
// sum; otherwise decoding fails with an error naming the problem.
func TestHostileCategoricalProfileJSONIsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want string
	}{
		"negative category count":   {`{"feature":"c","counts":{"a":-3,"b":5},"count":2}`, "counts -3"},
		"zero category count":       {`{"feature":"c","counts":{"a":0,"b":5},"count":5}`, "counts 0"},
		"count above the sum":       {`{"feature":"c","counts":{"a":2,"b":5},"count":9}`, "add up to 7"},
		"count below the sum":       {`{"feature":"c","counts":{"a":2,"b":5},"count":3}`, "count 3"},
		"count 0":                   {`{"feature":"c","counts":{},"count":0}`, "count 0"},
		"counts missing":            {`{"feature":"c","count":4}`, "no category"},
		"counts null":               {`{"feature":"c","counts":null,"count":4}`, "no category"},
		"negative count":            {`{"feature":"c","counts":{"a":1},"count":-1}`, "count -1"},
		"category named twice":      {`{"feature":"c","counts":{"a":5,"b":1,"a":1},"count":2}`, `"a" twice`},
		"category spelled twice":    {`{"feature":"c","counts":{"a":5,"\u0061":1},"count":1}`, `"a" twice`},
		"counts overflowing int":    {`{"feature":"c","counts":{"a":9223372036854775807,"b":2},"count":1}`, "count 1"},
		"counts not an object":      {`{"feature":"c","counts":[1,2],"count":3}`, "counts"},
		"fractional category count": {`{"feature":"c","counts":{"a":1.5},"count":1}`, "counts"},
	} {
		t.Run(name, func(t *testing.T) {
			var q CategoricalProfile
			err := json.Unmarshal([]byte(tc.body), &q)
			if err == nil {
				t.Fatalf("accepted: %+v", &q)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
	// A profile as written decodes to itself, the empty category included
	// (Observe accepts "" as a value).
	p, err := NewCategoricalProfile("c", []string{"a", "b", "b", ""})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q CategoricalProfile
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	if q.Feature != p.Feature || q.Count != p.Count || !maps.Equal(q.Counts, p.Counts) {
		t.Errorf("round trip: %+v, want %+v", q, p)
	}
}

// TestCategoricalMergeRefusesInconsistentProfiles: Merge checks both
// sides, the feature and the total, and a refused merge leaves the
// receiver as it was; a merged profile's Count is the sum of its Counts.
func TestCategoricalMergeRefusesInconsistentProfiles(t *testing.T) {
	good := func() *CategoricalProfile {
		return &CategoricalProfile{Feature: "c", Counts: map[string]int{"a": 2, "b": 3}, Count: 5}
	}
	for name, other := range map[string]*CategoricalProfile{
		"negative category count": {Feature: "c", Counts: map[string]int{"a": -4, "b": 5}, Count: 1},
		"count not the sum":       {Feature: "c", Counts: map[string]int{"a": 1}, Count: 10},
		"zero category count":     {Feature: "c", Counts: map[string]int{"a": 0, "b": 1}, Count: 1},
		"empty":                   {Feature: "c"},
		"other feature":           {Feature: "d", Counts: map[string]int{"a": 1}, Count: 1},
		"overflowing total":       {Feature: "c", Counts: map[string]int{"a": math.MaxInt - 1}, Count: math.MaxInt - 1},
		"nil":                     nil,
	} {
		t.Run(name, func(t *testing.T) {
			p := good()
			if err := p.Merge(other); err == nil {
				t.Fatalf("merge accepted: %+v", p)
			}
			if g := good(); p.Count != g.Count || !maps.Equal(p.Counts, g.Counts) {
				t.Errorf("a refused merge changed the profile: %+v", p)
			}
		})
	}
	// An inconsistent receiver is refused too, and stays as it was.
	bad := &CategoricalProfile{Feature: "c", Counts: map[string]int{"a": -1}, Count: -1}
	if err := bad.Merge(good()); err == nil {
		t.Errorf("merge into an inconsistent profile accepted: %+v", bad)
	}
	if bad.Count != -1 || bad.Counts["a"] != -1 || len(bad.Counts) != 1 {
		t.Errorf("a refused merge changed the receiver: %+v", bad)
	}
	// A sound merge adds up.
	p := good()
	if err := p.Merge(&CategoricalProfile{Feature: "c", Counts: map[string]int{"b": 1, "z": 4}, Count: 5}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"a": 2, "b": 4, "z": 4}; p.Count != 10 || !maps.Equal(p.Counts, want) {
		t.Errorf("merged %+v, want counts %v and count 10", p, want)
	}
	// MergeProfiles checks each categorical profile, the first included.
	if _, err := MergeProfiles(Profiles{Categorical: []*CategoricalProfile{{Feature: "c", Counts: map[string]int{"a": 1}, Count: 7}}}); err == nil {
		t.Error("MergeProfiles accepted a profile whose count is not its counts' sum")
	}
}
