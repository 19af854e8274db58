package tree

// Per-leaf tables that make path-dependent TreeSHAP O(L·D) per row and
// tree instead of the O(L·D²) of Algorithm 2 (the same idea as "Fast
// TreeSHAP v2", Yang 2021, arXiv:2109.09847, derived here directly).
//
// For a leaf with value v whose root path splits on the distinct features
// F (|F| = d), let z_j be the product of the cover ratios
// cover(child)/cover(node) of the path's splits on j, and o_j ∈ {0,1}
// whether the row follows all of them. The leaf's part of the path-dependent
// game is v·Π_{j∈S} o_j·Π_{j∈F∖S} z_j, whose Shapley value for i ∈ F is
//
//	φ_i = v·(o_i − z_i)·Σ_{S ⊆ F∖i} w(|S|)·Π_{j∈S} o_j·Π_{j∈F∖S∖i} z_j,
//	w(s) = s!(d−s−1)!/d!.
//
// Only S inside H = {j : o_j = 1} survive, and dividing by z_i,
//
//	φ_i = v·(1 − z_i)/z_i · C(H∖i)   for i ∈ H,
//	φ_i = −v·C(H)                    for i ∉ H,
//	C(H) = Σ_{S ⊆ H} w(|S|)·Π_{j∈F∖S} z_j.
//
// C depends on the tree only, so it is tabulated for all 2^d subsets H
// (one subset-sum transform per leaf), and a row then needs one walk over
// the tree that tracks which path features it follows. The tables cost
// Σ_leaves 2^d floats; ensembles whose tables would exceed maxLeafTable
// entries, or with a zero cover ratio on some path, use the recursion.

import "math/bits"

// maxLeafTable bounds the total table size (entries of 8 bytes): 32 MiB.
const maxLeafTable = 1 << 22

// leafTables holds the precomputed C tables, scaled by the leaf value. A
// leaf node's left field indexes info.
type leafTables struct {
	info []leafInfo
	// tab holds v·C(H) for each leaf, 2^d entries from info.tab.
	tab []float64
	// feat holds each leaf's path features (bit p of H is
	// feat[info.feat+p]) with (1 − z)/z.
	feat []leafFeature
}

type leafInfo struct {
	tab   int32
	feat  int32
	d     int32
	value float64
}

type leafFeature struct {
	f     int32
	ratio float64 // (1 − z)/z
	z     float64
}

// buildLeafTables returns the tables, or nil when the ensemble is not
// eligible. It is called once by New, before the ensemble is shared, and
// records each leaf's table index in the leaf node's left field.
func (e *Ensemble) buildLeafTables() *leafTables {
	total := 0
	for _, r := range e.roots {
		n, ok := e.leafTableSize(r, 0, nil)
		if !ok {
			return nil
		}
		total += n
		if total > maxLeafTable {
			return nil
		}
	}
	lt := &leafTables{tab: make([]float64, 0, total)}
	b := &leafBuilder{e: e, lt: lt}
	for _, r := range e.roots {
		b.walk(r)
	}
	return lt
}

// leafTableSize returns Σ 2^d over the leaves below ni, where path lists the
// distinct features above ni, and false if a cover ratio is zero.
func (e *Ensemble) leafTableSize(ni int32, n int, path []int32) (int, bool) {
	nd := &e.nodes[ni]
	if nd.feature < 0 {
		return n + 1<<len(path), true
	}
	if e.cover[nd.left] <= 0 || e.cover[nd.left+1] <= 0 {
		return 0, false
	}
	if len(path) > 24 {
		return 0, false
	}
	p := path
	if !containsFeature(path, nd.feature) {
		p = append(path[:len(path):len(path)], nd.feature)
	}
	n, ok := e.leafTableSize(nd.left, n, p)
	if !ok {
		return 0, false
	}
	return e.leafTableSize(nd.left+1, n, p)
}

func containsFeature(fs []int32, f int32) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

// interTables returns the interaction tables, building them on first use
// (they cost about d/2 times the contribution tables).
func (e *Ensemble) interTables() *interactionTables {
	if e.leafTab == nil {
		return nil
	}
	e.interOnce.Do(func() { e.interTab = e.leafTab.buildInteractions(e) })
	return e.interTab
}

type leafBuilder struct {
	e     *Ensemble
	lt    *leafTables
	feats []int32
	z     []float64
}

func (b *leafBuilder) walk(ni int32) {
	nd := &b.e.nodes[ni]
	if nd.feature < 0 {
		b.leaf(ni)
		return
	}
	for _, c := range [2]int32{nd.left, nd.left + 1} {
		r := b.e.cover[c] / b.e.cover[ni]
		p := -1
		for k, f := range b.feats {
			if f == nd.feature {
				p = k
				break
			}
		}
		if p >= 0 {
			old := b.z[p]
			b.z[p] *= r
			b.walk(c)
			b.z[p] = old
		} else {
			b.feats = append(b.feats, nd.feature)
			b.z = append(b.z, r)
			b.walk(c)
			b.feats = b.feats[:len(b.feats)-1]
			b.z = b.z[:len(b.z)-1]
		}
	}
}

// shapleyWeights fills w[s] = s!(d−s−1)!/d! = 1/(d·C(d−1, s)), s < d.
func shapleyWeights(w []float64, d int) {
	c := 1.0
	for s := 0; s < d; s++ {
		if s > 0 {
			c = c * float64(d-s) / float64(s)
		}
		w[s] = 1 / (float64(d) * c)
	}
}

// fillTable writes v·C(H) for every subset H of the d path features with
// zero fractions z into tab (2^d entries): a(S) = w(|S|)·v·Π_{j∉S} z_j for
// |S| < d, then the subset-sum transform C(H) = Σ_{S ⊆ H} a(S).
func fillTable(tab []float64, z []float64, v float64) {
	d := len(z)
	size := 1 << d
	if d == 0 {
		tab[0] = v
		return
	}
	var w [maxTreeDepth + 1]float64
	shapleyWeights(w[:d], d)
	for S := 0; S < size; S++ {
		k := bits.OnesCount(uint(S))
		if k == d {
			tab[S] = 0 // S = F contributes to no φ
			continue
		}
		p := w[k] * v
		for j := 0; j < d; j++ {
			if S&(1<<j) == 0 {
				p *= z[j]
			}
		}
		tab[S] = p
	}
	for j := 0; j < d; j++ {
		bit := 1 << j
		for S := 0; S < size; S++ {
			if S&bit != 0 {
				tab[S] += tab[S^bit]
			}
		}
	}
}

// leaf tabulates v·C(H) for every subset H of the current path features.
func (b *leafBuilder) leaf(ni int32) {
	lt := b.lt
	d := len(b.feats)
	info := leafInfo{tab: int32(len(lt.tab)), feat: int32(len(lt.feat)), d: int32(d), value: b.e.value[ni]}
	b.e.nodes[ni].left = int32(len(lt.info))
	lt.info = append(lt.info, info)
	for p, z := range b.z {
		lt.feat = append(lt.feat, leafFeature{f: b.feats[p], ratio: (1 - z) / z, z: z})
	}
	size := 1 << d
	start := len(lt.tab)
	lt.tab = lt.tab[:start+size]
	fillTable(lt.tab[start:], b.z, b.e.value[ni])
}

// fastWalker is one worker's state for the table-based TreeSHAP walk.
type fastWalker struct {
	nodes []node
	lt    *leafTables
	row   []float64
	phi   []float64
	// fails[f] counts the splits on feature f above the current node that
	// the row does not follow.
	fails []int32
}

func (w *fastWalker) walk(ni int32) {
	nd := &w.nodes[ni]
	if nd.feature < 0 {
		w.leaf(nd.left)
		return
	}
	f := nd.feature
	hot := nd.next(w.row[f])
	w.walk(hot)
	w.fails[f]++
	w.walk(2*nd.left + 1 - hot)
	w.fails[f]--
}

func (w *fastWalker) leaf(li int32) {
	lt := w.lt
	info := lt.info[li]
	d := int(info.d)
	if d == 0 {
		return
	}
	feats := lt.feat[info.feat : int(info.feat)+d]
	tab := lt.tab[info.tab : int(info.tab)+1<<d]
	fails := w.fails
	H := 0
	for p := range feats {
		if fails[feats[p].f] == 0 {
			H |= 1 << p
		}
	}
	cold := tab[H]
	phi := w.phi
	for p := range feats {
		lf := &feats[p]
		if H&(1<<p) != 0 {
			phi[lf.f] += lf.ratio * tab[H&^(1<<p)]
		} else {
			phi[lf.f] -= cold
		}
	}
}

// SHAP interaction values from tables. XGBoost's conditioned runs for
// feature i keep i off the path: "on" scales each leaf below i's splits by
// o_i, "off" by z_i, and both leave the other features' game over F∖i
// unchanged. So for a leaf with i ∈ F,
//
//	φ^on_i[j] − φ^off_i[j] = (o_i − z_i)·φ_j(leaf game over F∖i),
//
// and the leaf game over the d−1 features F∖i has its own C table. Those
// tables (d·2^(d−1) entries per leaf) give each interaction in O(1), so a
// row costs O(L·D²) per tree instead of 2·M recursions.
type interactionTables struct {
	// off[l] is where leaf l's d tables of 2^(d−1) entries start in tab.
	off []int32
	tab []float64
}

func (lt *leafTables) buildInteractions(e *Ensemble) *interactionTables {
	it := &interactionTables{off: make([]int32, len(lt.info))}
	total := 0
	for _, info := range lt.info {
		if info.d > 0 {
			total += int(info.d) << (info.d - 1)
		}
	}
	if total > 2*maxLeafTable {
		return nil
	}
	it.tab = make([]float64, total)
	var z [maxTreeDepth]float64
	pos := 0
	for l, info := range lt.info {
		it.off[l] = int32(pos)
		d := int(info.d)
		if d == 0 {
			continue
		}
		feats := lt.feat[info.feat : int(info.feat)+d]
		half := 1 << (d - 1)
		for p := 0; p < d; p++ {
			zs := z[:0]
			for q, lf := range feats {
				if q != p {
					zs = append(zs, lf.z)
				}
			}
			fillTable(it.tab[pos:pos+half], zs, info.value)
			pos += half
		}
	}
	return it
}

// interWalker is one worker's state for the table-based interaction walk.
type interWalker struct {
	fastWalker
	it  *interactionTables
	mat []float64 // (M+1)×(M+1) of the current row and group
	m1  int
}

func (w *interWalker) walkInter(ni int32) {
	nd := &w.nodes[ni]
	if nd.feature < 0 {
		w.leafInter(nd.left)
		return
	}
	f := nd.feature
	hot := nd.next(w.row[f])
	w.walkInter(hot)
	w.fails[f]++
	w.walkInter(2*nd.left + 1 - hot)
	w.fails[f]--
}

func (w *interWalker) leafInter(li int32) {
	lt := w.lt
	info := lt.info[li]
	d := int(info.d)
	if d < 2 {
		return
	}
	feats := lt.feat[info.feat : int(info.feat)+d]
	H := 0
	for p := range feats {
		if w.fails[feats[p].f] == 0 {
			H |= 1 << p
		}
	}
	half := 1 << (d - 1)
	base := int(w.it.off[li])
	for p := range feats {
		tab := w.it.tab[base+p*half : base+(p+1)*half]
		oi := 0.0
		if H&(1<<p) != 0 {
			oi = 1
		}
		scale := (oi - feats[p].z) / 2
		// H without bit p, compacted to d−1 bits.
		h := (H & (1<<p - 1)) | (H>>(p+1))<<p
		cold := tab[h]
		row := w.mat[int(feats[p].f)*w.m1:]
		for q := range feats {
			if q == p {
				continue
			}
			bq := q
			if q > p {
				bq = q - 1
			}
			var val float64
			if h&(1<<bq) != 0 {
				val = feats[q].ratio * tab[h&^(1<<bq)]
			} else {
				val = -cold
			}
			row[feats[q].f] += scale * val
		}
	}
}
