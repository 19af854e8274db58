package tree

import (
	"math"
	"sort"
)

// Converting a parsed LightGBM tree into the canonical nodes of a Tree:
// each LightGBM decision (numerical with its missing-value rule, or a
// categorical bitset) becomes the intervals of the real line it sends
// left or right, and each interval boundary a canonical x < thr node.

// intervals returns the partition of the (canonical, finite) real line
// that node i induces: cut points b[0] < b[1] < ... (a value goes to
// interval j iff b[j-1] <= x < b[j]) and, for each of the len(b)+1
// intervals, whether it goes left; adjacent intervals go different ways.
func (t *lgbTree) intervals(i int) (cuts []float64, left []bool) {
	var cand []float64
	if t.decisionType[i]&1 != 0 {
		cand = append(cand, math.Nextafter(-1, 0))
		k := int(t.threshold[i])
		words := t.catBoundaries[k+1] - t.catBoundaries[k]
		bit := func(c int) bool {
			return c/32 < words && t.catThreshold[t.catBoundaries[k]+c/32]>>(c%32)&1 != 0
		}
		for c := 1; c <= 32*words; c++ {
			if bit(c) != bit(c-1) {
				cand = append(cand, float64(c))
			}
		}
	} else {
		cand = append(cand, math.Nextafter(t.threshold[i], math.Inf(1)))
		if (t.decisionType[i]>>2)&3 == 1 {
			cand = append(cand, -lgbZeroThreshold, math.Nextafter(lgbZeroThreshold, math.Inf(1)))
		}
	}
	sort.Float64s(cand)
	// The value of each interval is decided at its lowest point (the
	// decision is constant on it by construction); the first interval
	// starts at the canonical minimum.
	prev := t.goesLeft(i, -math.MaxFloat64)
	left = append(left, prev)
	for j, c := range cand {
		if j > 0 && c == cand[j-1] {
			continue
		}
		d := t.goesLeft(i, c)
		if d == prev {
			continue
		}
		cuts = append(cuts, c)
		left = append(left, d)
		prev = d
	}
	return cuts, left
}

// lgbConverter emits the canonical nodes of one tree.
type lgbConverter struct {
	src    *lgbTree
	block  *lgbBlock
	out    Tree
	budget *int
	cover  bool
	// memo holds each source node's partition: a node is emitted once per
	// copy of its subtree, and a categorical partition costs a pass over
	// its bitset.
	memo map[int]lgbPartition
}

// lgbPartition is the result of [lgbTree.intervals] for one node.
type lgbPartition struct {
	cuts []float64
	left []bool
}

// convert maps the tree onto a [Tree], expanding splits that the canonical
// node cannot express; budget is the number of nodes still allowed.
func (t *lgbTree) convert(b *lgbBlock, budget *int) (Tree, error) {
	c := &lgbConverter{src: t, block: b, budget: budget, cover: t.leafCount != nil, memo: map[int]lgbPartition{}}
	root := 0
	if t.numLeaves == 1 {
		root = ^0
	}
	if _, err := c.emit(root, 1); err != nil {
		return Tree{}, err
	}
	if !c.cover {
		c.out.Cover = nil
	}
	return c.out, nil
}

// add appends a node and returns its index.
func (c *lgbConverter) add() (int, error) {
	if *c.budget <= 0 {
		return 0, unsupported("lightgbm model expands to more than %d extra nodes (at %s): nested categorical or zero-as-missing splits copy their subtrees", lgbMaxNodes, c.block.name)
	}
	*c.budget--
	o := &c.out
	o.Left = append(o.Left, -1)
	o.Right = append(o.Right, -1)
	o.Feature = append(o.Feature, 0)
	o.Threshold = append(o.Threshold, 0)
	o.DefaultLeft = append(o.DefaultLeft, false)
	o.Value = append(o.Value, 0)
	o.Cover = append(o.Cover, 0)
	return len(o.Left) - 1, nil
}

// emit converts the subtree at ref (node index, or ^leaf) with its covers
// multiplied by scale and returns the index of its root.
func (c *lgbConverter) emit(ref int, scale float64) (int, error) {
	t := c.src
	if ref < 0 {
		l := ^ref
		k, err := c.add()
		if err != nil {
			return 0, err
		}
		c.out.Value[k] = t.leafValue[l]
		if c.cover {
			c.out.Cover[k] = t.leafCount[l] * scale
		}
		return k, nil
	}
	p, ok := c.memo[ref]
	if !ok {
		p.cuts, p.left = t.intervals(ref)
		c.memo[ref] = p
	}
	cuts, left := p.cuts, p.left
	nanLeft := t.goesLeft(ref, math.NaN())
	target := -1 // an interval whose direction NaN shares
	nl, nr := 0, 0
	for j, d := range left {
		if d {
			nl++
		} else {
			nr++
		}
		if d == nanLeft && target < 0 {
			target = j
		}
	}
	if target < 0 {
		return 0, unsupported("lightgbm split (%s node %d) sends every number one way and NaN the other", c.block.name, ref)
	}
	if len(left) == 1 {
		// Every value goes the same way: the split is a no-op.
		child := t.right[ref]
		if left[0] {
			child = t.left[ref]
		}
		return c.emit(child, scale)
	}
	var build func(lo, hi int) (int, error)
	build = func(lo, hi int) (int, error) {
		if hi-lo == 1 {
			if left[lo] {
				return c.emit(t.left[ref], scale/float64(nl))
			}
			return c.emit(t.right[ref], scale/float64(nr))
		}
		mid := (lo + hi) / 2
		k, err := c.add()
		if err != nil {
			return 0, err
		}
		l, err := build(lo, mid)
		if err != nil {
			return 0, err
		}
		r, err := build(mid, hi)
		if err != nil {
			return 0, err
		}
		o := &c.out
		o.Left[k], o.Right[k] = l, r
		o.Feature[k] = t.splitFeature[ref]
		o.Threshold[k] = cuts[mid-1]
		o.DefaultLeft[k] = target < mid
		o.Cover[k] = o.Cover[l] + o.Cover[r]
		return k, nil
	}
	return build(0, len(left))
}
