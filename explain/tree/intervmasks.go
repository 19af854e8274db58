package tree

import (
	"math/bits"
	"slices"
)

// Interventional TreeSHAP by leaf masks. For a leaf whose root path splits
// on the distinct features F (bit p of a mask = feature F[p]), let X be the
// features whose splits x follows and Bm those b follows. The hybrid row
// z_S reaches the leaf iff S ⊇ F∖Bm and S ∩ (F∖X) = ∅, so the pair (x, b)
// gives the leaf's value to the game with A = X∖Bm (must come from x) and
// B = Bm∖X (must come from b), provided X ∪ Bm = F (a feature that neither
// follows closes the leaf). The result for (x, b) depends on b only through
// its mask Bm per leaf, so the background is summarised, per leaf, as its
// distinct masks with their counts; a row then costs, per tree, one walk
// plus O(U) mask tests per leaf for U ≤ min(N, 2^d) distinct masks,
// instead of one walk per background row. This is what makes large
// backgrounds cheap.

// maxMaskPathFeatures bounds d for the mask method (masks are uint32).
const maxMaskPathFeatures = 31

// maxMaskEntries bounds the summary size (distinct masks over all leaves).
const maxMaskEntries = 1 << 23

// bgMasks is the per-leaf summary of a background set.
type bgMasks struct {
	// start[l] .. start[l+1] index the distinct masks of leaf l.
	start  []int32
	masks  []uint32
	counts []float64
}

// buildBGMasks summarises the canonical background rows, or returns nil if
// the ensemble has no leaf tables or a leaf path is too long.
func (e *Ensemble) buildBGMasks(rows []float64, n int) *bgMasks {
	lt := e.leafTab
	if lt == nil {
		return nil
	}
	for _, info := range lt.info {
		if info.d > maxMaskPathFeatures {
			return nil
		}
	}
	M := e.numFeatures
	L := len(lt.info)
	if n*L > 4*maxMaskEntries {
		return nil
	}
	// Collect every row's mask at every leaf, leaf-major.
	all := make([]uint32, L*n)
	w := maskWalker{nodes: e.nodes, lt: lt, fails: make([]int32, M)}
	for r := 0; r < n; r++ {
		w.row = rows[r*M : (r+1)*M]
		w.out = func(li int32, h uint32) { all[int(li)*n+r] = h }
		for _, root := range e.roots {
			w.walk(root)
		}
	}
	bm := &bgMasks{start: make([]int32, L+1)}
	for l := 0; l < L; l++ {
		ms := all[l*n : (l+1)*n]
		slices.Sort(ms)
		for i := 0; i < len(ms); {
			j := i
			for j < len(ms) && ms[j] == ms[i] {
				j++
			}
			bm.masks = append(bm.masks, ms[i])
			bm.counts = append(bm.counts, float64(j-i))
			i = j
		}
		bm.start[l+1] = int32(len(bm.masks))
		if len(bm.masks) > maxMaskEntries {
			return nil
		}
	}
	return bm
}

// maskWalker visits every leaf of a tree with the mask of path features
// whose splits the row follows.
type maskWalker struct {
	nodes []node
	lt    *leafTables
	row   []float64
	fails []int32
	out   func(li int32, h uint32)
}

func (w *maskWalker) walk(ni int32) {
	nd := &w.nodes[ni]
	if nd.feature < 0 {
		w.out(nd.left, w.mask(nd.left))
		return
	}
	f := nd.feature
	hot := nd.next(w.row[f])
	w.walk(hot)
	w.fails[f]++
	w.walk(2*nd.left + 1 - hot)
	w.fails[f]--
}

func (w *maskWalker) mask(li int32) uint32 {
	info := w.lt.info[li]
	var h uint32
	for p, lf := range w.lt.feat[info.feat : info.feat+info.d] {
		if w.fails[lf.f] == 0 {
			h |= 1 << p
		}
	}
	return h
}

// intervMaskWalker computes one row's interventional values with the
// background summary.
type intervMaskWalker struct {
	maskWalker
	bm      *bgMasks
	weights intervWeights
	phi     []float64
	sumA    []float64 // per path position
	_       cacheLinePad
}

func (w *intervMaskWalker) leaf(li int32, xs uint32) {
	lt := w.lt
	info := lt.info[li]
	d := int(info.d)
	if d == 0 {
		return
	}
	full := uint32(1)<<d - 1
	sum := w.sumA[:d]
	clear(sum)
	any := false
	bm := w.bm
	for u := bm.start[li]; u < bm.start[li+1]; u++ {
		bs := bm.masks[u]
		if xs|bs != full {
			continue // a feature neither follows closes the leaf
		}
		A, B := xs&^bs, bs&^xs
		if A|B == 0 {
			continue // reached by x and b alike
		}
		any = true
		a, c := bits.OnesCount32(A), bits.OnesCount32(B)
		cnt := bm.counts[u]
		if a > 0 {
			wp := cnt * w.weights[a][c]
			for m := A; m != 0; m &= m - 1 {
				sum[bits.TrailingZeros32(m)] += wp
			}
		}
		if c > 0 {
			wn := cnt * w.weights[c][a]
			for m := B; m != 0; m &= m - 1 {
				sum[bits.TrailingZeros32(m)] -= wn
			}
		}
	}
	if !any {
		return
	}
	v := info.value
	for p, lf := range lt.feat[info.feat : info.feat+info.d] {
		w.phi[lf.f] += v * sum[p]
	}
}

func (w *intervMaskWalker) walk(ni int32) {
	nd := &w.nodes[ni]
	if nd.feature < 0 {
		w.leaf(nd.left, w.mask(nd.left))
		return
	}
	f := nd.feature
	hot := nd.next(w.row[f])
	w.walk(hot)
	w.fails[f]++
	w.walk(2*nd.left + 1 - hot)
	w.fails[f]--
}
