package drift

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPyRandomMatchesCPython compares the MT19937 source, seeded as
// random.Random(seed), with values printed by CPython
// (testdata/pyrandom.json; recipe in testdata/README.md): raw getrandbits(32)
// across the first and second state regeneration, and two successive
// sample(range(n), k) draws on both sides of the pool/set boundary.
func TestPyRandomMatchesCPython(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "pyrandom.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Bits []struct {
			Seed   uint64   `json:"seed"`
			Values []uint32 `json:"first8_then_1000_to_1003"`
		} `json:"getrandbits32"`
		Sample []struct {
			Seed  uint64  `json:"seed"`
			N     int     `json:"n"`
			K     int     `json:"k"`
			Draws [][]int `json:"two_draws"`
		} `json:"sample"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Bits) == 0 || len(want.Sample) == 0 {
		t.Fatal("no cases")
	}
	var r pyRandom
	for _, c := range want.Bits {
		r.seed(c.Seed)
		var got []uint32
		for i := 0; i < 1004; i++ {
			v := r.getrandbits(32)
			if i < 8 || i >= 1000 {
				got = append(got, v)
			}
		}
		if !slices.Equal(got, c.Values) {
			t.Errorf("seed %d: getrandbits(32) %v, CPython %v", c.Seed, got, c.Values)
		}
	}
	paths := map[bool]int{}
	for _, c := range want.Sample {
		r.seed(c.Seed)
		pool, seen := make([]int, c.N), make([]bool, c.N)
		paths[c.N <= pySampleSetSize(c.K)]++
		for d, w := range c.Draws {
			got := make([]int, c.K)
			r.sampleRange(c.N, got, pool, seen)
			if !slices.Equal(got, w) {
				t.Errorf("seed %d: draw %d of sample(range(%d), %d) = %v, CPython %v", c.Seed, d, c.N, c.K, got, w)
			}
		}
		if slices.Contains(seen, true) {
			t.Errorf("seed %d n %d k %d: seen not cleared", c.Seed, c.N, c.K)
		}
	}
	if paths[true] == 0 || paths[false] == 0 {
		t.Errorf("pool/set cases %v: both paths must be exercised", paths)
	}
}

func TestPySampleSetSize(t *testing.T) {
	// 21 + 4**ceil(log(3k, 4)) for k > 5, as CPython's random.sample.
	for k, want := range map[int]int{0: 21, 1: 21, 5: 21, 6: 21 + 64, 21: 21 + 64, 22: 21 + 256, 30: 21 + 256, 85: 21 + 256, 86: 21 + 1024} {
		if got := pySampleSetSize(k); got != want {
			t.Errorf("setsize(%d) = %d, want %d", k, got, want)
		}
	}
}
