package tree

import (
	"context"
	"errors"
	"fmt"

	"github.com/aimskit/aimskit/explain"
)

// checkMatrix validates a batch of rows against the model.
func (e *Ensemble) checkMatrix(x explain.Matrix) error {
	if err := x.Validate(); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	if x.Cols != e.numFeatures {
		return fmt.Errorf("tree: rows have %d features, model expects %d", x.Cols, e.numFeatures)
	}
	return nil
}

// PredictMargins writes the margins of every row of x into out, which must
// have x.Rows × NumGroups entries (row-major: out[i*K+k] is row i, group k).
// Rows are spread over GOMAXPROCS workers unless [WithWorkers] says
// otherwise.
func (e *Ensemble) PredictMargins(ctx context.Context, x explain.Matrix, out []float64, opts ...Option) error {
	if err := e.checkMatrix(x); err != nil {
		return err
	}
	K := e.numGroups
	if len(out) != x.Rows*K {
		return fmt.Errorf("tree: margin output has %d slots, need %d rows × %d groups", len(out), x.Rows, K)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	return e.predictRows(ctx, x, cfg.workers, func(i int, m []float64) { copy(out[i*K:(i+1)*K], m) })
}

// predictRows evaluates the margins of every row and hands them to sink,
// which must copy them out (the slice is reused). Each worker takes a block
// of rows and runs every tree over the whole block before the next tree,
// so a tree's nodes stay in cache; each row still sums its trees in file
// order, so float32 margins stay bit-exact. A block holds the keys of the
// features the trees split on (all of them, or the predictor's
// colFeature), so a wide model with few used features does not make
// every worker allocate predictChunk × NumFeatures keys.
func (e *Ensemble) predictRows(ctx context.Context, x explain.Matrix, workers int, sink func(i int, margins []float64)) error {
	M, K := e.numFeatures, e.numGroups
	workers = clampWorkersChunk(workers, x.Rows, predictChunk)
	type scratch struct {
		m      []float64
		rows32 []int32
		acc32  []float32
		rows64 []int64
		_      cacheLinePad
	}
	ws := make([]*scratch, workers)
	for i := range ws {
		s := &scratch{m: padded[float64](predictChunk * K)}
		if e.float32 {
			s.rows32, s.acc32 = padded[int32](predictChunk*e.p32.m), padded[float32](predictChunk*K)
		} else {
			s.rows64 = padded[int64](predictChunk * e.p64.m)
		}
		ws[i] = s
	}
	return forChunks(ctx, x.Rows, workers, predictChunk, func(w, lo, hi int) error {
		s := ws[w]
		n := hi - lo
		m := s.m[:n*K]
		src := x.Data[lo*M : hi*M]
		if e.float32 {
			cols := s.rows32
			if cf := e.p32.colFeature; cf != nil {
				for r := 0; r < n; r++ {
					row := src[r*M : (r+1)*M]
					for c, f := range cf {
						cols[c*predictChunk+r] = key32(float32(row[f]))
					}
				}
			} else {
				for r := 0; r < n; r++ {
					for f, v := range src[r*M : (r+1)*M] {
						cols[f*predictChunk+r] = key32(float32(v))
					}
				}
			}
			if err := marginBlock(e, e.p32, cols, n, s.acc32); err != nil {
				return err
			}
			for i, v := range s.acc32[:n*K] {
				m[i] = float64(v)
			}
		} else {
			cols := s.rows64
			if cf := e.p64.colFeature; cf != nil {
				for r := 0; r < n; r++ {
					row := src[r*M : (r+1)*M]
					for c, f := range cf {
						cols[c*predictChunk+r] = key64(row[f])
					}
				}
			} else {
				for r := 0; r < n; r++ {
					for f, v := range src[r*M : (r+1)*M] {
						cols[f*predictChunk+r] = key64(v)
					}
				}
			}
			if err := marginBlock(e, e.p64, cols, n, s.m); err != nil {
				return err
			}
		}
		if e.linear != nil {
			for r := 0; r < n; r++ {
				if err := e.addLinearMargin(src[r*M:(r+1)*M], m[r*K:(r+1)*K]); err != nil {
					return fmt.Errorf("%w (row %d)", err, lo+r)
				}
			}
		}
		for r := 0; r < n; r++ {
			sink(lo+r, m[r*K:(r+1)*K])
		}
		return nil
	})
}

// marginBlock writes the margins of the first n rows of a column block of
// keys (see [walkAdd]) into acc (predictChunk × K) in the precision F, as
// XGBoost sums them: each row starts from the intercept and adds its trees
// in file order.
func marginBlock[K int32 | int64, U uint32 | uint64, F float32 | float64](e *Ensemble, p *predictor[K, U], cols []K, n int, acc []F) error {
	NG := e.numGroups
	for r := 0; r < n; r++ {
		for k := 0; k < NG; k++ {
			acc[r*NG+k] = F(e.intercept[k])
		}
	}
	for t := range e.roots {
		if err := walkAdd(p, t, cols, n, acc, NG, int(e.group[t])); err != nil {
			return err
		}
	}
	return nil
}

// PredictOutputs is [Ensemble.PredictMargins] followed by the objective's
// transform (sigmoid, softmax, exp or identity) of each row. An output
// beyond float64's range (exp of a margin above about 709.78) is an
// error.
func (e *Ensemble) PredictOutputs(ctx context.Context, x explain.Matrix, out []float64, opts ...Option) error {
	if err := e.PredictMargins(ctx, x, out, opts...); err != nil {
		return err
	}
	K := e.numGroups
	for i := 0; i < x.Rows; i++ {
		e.transform.apply(out[i*K : (i+1)*K])
	}
	return e.transform.checkOutputs(out, K, 0)
}

// predictChunk is the block of rows prediction walks each tree for.
const predictChunk = 64

// clampWorkers resolves the worker count for n rows.
func clampWorkers(workers, n int) int { return clampWorkersChunk(workers, n, rowChunk) }

// clampWorkersChunk resolves the worker count for n rows taken in chunks.
func clampWorkersChunk(workers, n, rowChunk int) int {
	if workers <= 0 {
		workers = defaultWorkers()
	}
	if maxW := (n + rowChunk - 1) / rowChunk; workers > maxW {
		workers = maxW
	}
	if workers < 1 {
		workers = 1
	}
	return workers
}

var errNoCover = errors.New("tree: model has no node covers; path-dependent TreeSHAP needs them")

// Contributions computes path-dependent TreeSHAP values (Lundberg et al.
// 2020, Algorithm 2) in margin space, as XGBoost's
// predict(pred_contribs=True) does. out must have x.Rows × K × (M+1)
// entries: out[(i*K+k)*(M+1)+j] is the contribution of feature j to group k
// of row i, and column M is the bias (the group's intercept plus the
// cover-weighted expected value of each tree). Each row's values sum to its
// margin. Rows are spread over GOMAXPROCS workers unless [WithWorkers] says
// otherwise; each worker reuses its scratch, so no row allocates.
func (e *Ensemble) Contributions(ctx context.Context, x explain.Matrix, out []float64, opts ...Option) error {
	if !e.hasCover {
		return errNoCover
	}
	if err := e.checkMatrix(x); err != nil {
		return err
	}
	M, K := e.numFeatures, e.numGroups
	stride := K * (M + 1)
	if len(out) != x.Rows*stride {
		return fmt.Errorf("tree: contribution output has %d slots, need %d rows × %d groups × %d", len(out), x.Rows, K, M+1)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	workers := clampWorkers(cfg.workers, x.Rows)
	if lt := e.tables(); lt != nil && !cfg.recursive {
		err = e.contributionsTables(ctx, x, out, lt, workers)
	} else {
		walkers := make([]*shapScratch, workers)
		for w := range walkers {
			walkers[w] = e.newShapScratch()
		}
		err = forRows(ctx, x.Rows, workers, func(w, lo, hi int) error {
			s := walkers[w]
			for i := lo; i < hi; i++ {
				e.canonRow(s.walker.row, x.Row(i))
				e.contribRow(s, out[i*stride:(i+1)*stride])
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	return e.addLinearContribs(x, out, false)
}

// contributionsTables is Contributions with the per-leaf tables. Each
// worker takes a block of rows and walks every tree for all of them before
// moving to the next tree, so a tree's nodes and tables stay in cache.
func (e *Ensemble) contributionsTables(ctx context.Context, x explain.Matrix, out []float64, lt *leafTables, workers int) error {
	M, K := e.numFeatures, e.numGroups
	stride := K * (M + 1)
	type scratch struct {
		w     fastWalker
		block []float64
		_     cacheLinePad
	}
	ws := make([]*scratch, workers)
	for i := range ws {
		ws[i] = &scratch{
			w:     fastWalker{nodes: e.nodes, lt: lt, fails: padded[int32](M)},
			block: padded[float64](min(rowChunk, x.Rows) * M), // forRows hands out at most this many rows
		}
	}
	return forRows(ctx, x.Rows, workers, func(wi, lo, hi int) error {
		s := ws[wi]
		n := hi - lo
		for r := 0; r < n; r++ {
			e.canonRow(s.block[r*M:(r+1)*M], x.Row(lo+r))
		}
		o := out[lo*stride : hi*stride]
		clear(o)
		for t, root := range e.roots {
			g := int(e.group[t])
			for r := 0; r < n; r++ {
				s.w.row = s.block[r*M : (r+1)*M]
				s.w.phi = o[r*stride+g*(M+1) : r*stride+g*(M+1)+M]
				s.w.walk(root)
			}
		}
		for r := 0; r < n; r++ {
			for g := 0; g < K; g++ {
				o[r*stride+g*(M+1)+M] = e.intercept[g]
			}
			for t, root := range e.roots {
				o[r*stride+int(e.group[t])*(M+1)+M] += e.value[root]
			}
		}
		return nil
	})
}

// shapScratch is one worker's reusable TreeSHAP state.
type shapScratch struct {
	walker shapWalker
	path   []pathElem
	// on and off hold conditioned contributions for interaction values.
	on, off []float64
	_       cacheLinePad
}

func (e *Ensemble) newShapScratch() *shapScratch {
	M := e.numFeatures
	return &shapScratch{
		walker: shapWalker{
			nodes: e.nodes, value: e.value, cover: e.cover, row: make([]float64, M), condFeature: -1,
			hot: make([]int32, 0, e.maxDepth+2), next: make([]float64, e.maxDepth+2), totals: make([]float64, e.maxDepth+2), zo: make([]float64, e.maxDepth+2),
		},
		path: make([]pathElem, pathBufferLen(e.maxDepth)),
		on:   make([]float64, M+1),
		off:  make([]float64, M+1),
	}
}

// contribRow writes the TreeSHAP values of the canonical row in s into out
// (K × (M+1)).
func (e *Ensemble) contribRow(s *shapScratch, out []float64) {
	M := e.numFeatures
	clear(out)
	w := &s.walker
	w.cond, w.condFeature = 0, -1
	for t, root := range e.roots {
		g := int(e.group[t])
		w.phi = out[g*(M+1) : g*(M+1)+M]
		w.recurse(root, s.path, 0, 1, 1, -1, 1)
		out[g*(M+1)+M] += e.value[root]
	}
	for g := 0; g < e.numGroups; g++ {
		out[g*(M+1)+M] += e.intercept[g]
	}
}

// ExpectedValues writes, for each output group, the path-dependent base
// value: the intercept plus each tree's cover-weighted expected value (the
// bias column of [Ensemble.Contributions]).
func (e *Ensemble) ExpectedValues() ([]float64, error) {
	if !e.hasCover {
		return nil, errNoCover
	}
	out := append([]float64(nil), e.intercept...)
	for t, root := range e.roots {
		out[e.group[t]] += e.value[root]
	}
	return out, nil
}
