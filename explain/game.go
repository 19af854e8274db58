package explain

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// game is the interventional (marginal) value function of Janzing et al.
// (2020) and Lundberg & Lee (2017, eq. 11):
//
//	v(S) = link( Σ_b w_b · f(z_b) ),  z_b[j] = x[j] if j's player ∈ S else b[j].
//
// It evaluates v for long sequences of coalitions. Each worker owns one
// block of rows per coalition slot and, because consecutive coalitions in
// the sequences the explainers produce differ in few players (Gray-code
// order for exact enumeration, one player per step along a permutation),
// it rewrites only the columns of the players that changed instead of
// rebuilding the block: no allocation and O(N·Δ) work per coalition.
type game struct {
	model       Model
	bg          Matrix
	w           []float64 // background weights, sum 1
	players     [][]int   // player → its feature columns
	link        Link
	workers     int
	rowsPerCall int
}

func newGame(model Model, bg Matrix, cfg *config) (*game, []string, error) {
	if model == nil {
		return nil, nil, fmt.Errorf("explain: model is nil")
	}
	w, err := prepareBackground(bg, cfg.weights)
	if err != nil {
		return nil, nil, err
	}
	if err := cfg.validate(bg.Cols); err != nil {
		return nil, nil, err
	}
	players, names, err := cfg.players(bg.Cols)
	if err != nil {
		return nil, nil, err
	}
	bg, w = mergeDuplicateRows(bg, w)
	g := &game{model: model, bg: bg, w: w, players: players, link: cfg.link, workers: cfg.workers, rowsPerCall: cfg.rowsPerCall}
	return g, names, nil
}

// mergeDuplicateRows folds identical background rows into one row with
// their summed weight: the game is unchanged and every coalition costs
// fewer model evaluations (categorical and integer backgrounds repeat
// rows often). Without duplicates the input is returned as is.
func mergeDuplicateRows(bg Matrix, w []float64) (Matrix, []float64) {
	seen := make(map[string]int, bg.Rows)
	key := make([]byte, 8*bg.Cols)
	var keep []int
	merged := false
	wOut := make([]float64, 0, bg.Rows)
	for r := 0; r < bg.Rows; r++ {
		for j, v := range bg.Row(r) {
			binary.LittleEndian.PutUint64(key[8*j:], math.Float64bits(v))
		}
		if at, ok := seen[string(key)]; ok {
			wOut[at] += w[r]
			merged = true
			continue
		}
		seen[string(key)] = len(keep)
		keep = append(keep, r)
		wOut = append(wOut, w[r])
	}
	if !merged {
		return bg, w
	}
	out := NewMatrix(len(keep), bg.Cols)
	for i, r := range keep {
		copy(out.Row(i), bg.Row(r))
	}
	return out, wOut
}

// predictRows runs the model on x and checks every output is finite.
func (g *game) predictRows(ctx context.Context, x Matrix, out []float64) error {
	if err := g.model.Predict(ctx, x, out); err != nil {
		return fmt.Errorf("explain: model: %w", err)
	}
	for i, y := range out {
		if y-y != 0 { // NaN or ±Inf
			return fmt.Errorf("explain: model returned %v for row %d of a batch; outputs must be finite", y, i)
		}
	}
	return nil
}

// output returns the raw model output f(x) and its link.
func (g *game) output(ctx context.Context, x []float64) (raw, linked float64, err error) {
	var out [1]float64
	if err := g.predictRows(ctx, Matrix{Rows: 1, Cols: len(x), Data: x}, out[:]); err != nil {
		return 0, 0, err
	}
	linked, err = g.link.Apply(out[0])
	return out[0], linked, err
}

// baseValue returns v(∅) = link(E_b f(b)).
func (g *game) baseValue(ctx context.Context) (float64, error) {
	out := make([]float64, g.bg.Rows)
	if err := g.predictRows(ctx, g.bg, out); err != nil {
		return 0, err
	}
	return g.link.Apply(g.mean(out))
}

func (g *game) mean(out []float64) float64 {
	s := 0.0
	for r, y := range out {
		s += g.w[r] * y
	}
	return s
}

// values evaluates v for every coalition in masks (a flat sequence of
// bitsets of `words` uint64 words each, bit p = player p) and writes them
// to out in order. It returns the number of model evaluations (rows).
func (g *game) values(ctx context.Context, x []float64, masks []uint64, words int, out []float64) (int, error) {
	n := len(masks) / words
	if n == 0 {
		return 0, nil
	}
	N := g.bg.Rows
	k := g.rowsPerCall / N // coalitions per model call: ⌈rowsPerCall/N⌉, without overflow
	if g.rowsPerCall%N != 0 {
		k++
	}
	if k > n {
		k = n
	}
	workers := g.workers
	chunk := (n + 4*workers - 1) / (4 * workers) // a few chunks per worker balance load
	if chunk < k {
		chunk = k
	}
	nchunks := (n + chunk - 1) / chunk
	if workers > nchunks {
		workers = nchunks
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for wkr := 0; wkr < workers; wkr++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, k*N*g.bg.Cols)
			pred := make([]float64, k*N)
			for {
				c := int(next.Add(1)) - 1
				if c >= nchunks || ctx.Err() != nil {
					return
				}
				lo := c * chunk
				hi := min(n, lo+chunk)
				if err := g.runChunk(ctx, x, masks, words, lo, hi, k, buf, pred, out); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n * N, nil
}

// runChunk evaluates coalitions lo..hi-1 with k coalition slots per model call.
func (g *game) runChunk(ctx context.Context, x []float64, masks []uint64, words, lo, hi, k int, buf, pred, out []float64) error {
	N, D := g.bg.Rows, g.bg.Cols
	block := N * D
	slot, start := 0, lo
	for t := lo; t < hi; t++ {
		blk := buf[slot*block : (slot+1)*block]
		cur := masks[t*words : (t+1)*words]
		if t == lo {
			g.fill(blk, x, cur)
		} else {
			if k > 1 {
				prev := (slot + k - 1) % k
				copy(blk, buf[prev*block:(prev+1)*block])
			}
			g.update(blk, x, masks[(t-1)*words:t*words], cur)
		}
		if slot < k-1 && t < hi-1 {
			slot++
			continue
		}
		rows := (slot + 1) * N
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := g.predictRows(ctx, Matrix{Rows: rows, Cols: D, Data: buf[:rows*D]}, pred[:rows]); err != nil {
			return err
		}
		for s := 0; s <= slot; s++ {
			v, err := g.link.Apply(g.mean(pred[s*N : (s+1)*N]))
			if err != nil {
				return err
			}
			out[start+s] = v
		}
		slot, start = 0, t+1
	}
	return nil
}

// fill writes the rows of coalition mask into blk from scratch.
func (g *game) fill(blk, x []float64, mask []uint64) {
	copy(blk, g.bg.Data)
	for wi, word := range mask {
		for word != 0 {
			p := wi*64 + bits.TrailingZeros64(word)
			word &= word - 1
			for _, c := range g.players[p] {
				setColumn(blk, g.bg.Cols, c, x[c])
			}
		}
	}
}

// update turns the rows of coalition prev in blk into those of cur.
func (g *game) update(blk, x []float64, prev, cur []uint64) {
	for wi := range cur {
		diff := prev[wi] ^ cur[wi]
		for diff != 0 {
			b := bits.TrailingZeros64(diff)
			diff &= diff - 1
			in := cur[wi]&(1<<b) != 0
			for _, c := range g.players[wi*64+b] {
				if in {
					setColumn(blk, g.bg.Cols, c, x[c])
				} else {
					restoreColumn(blk, g.bg.Data, g.bg.Cols, c)
				}
			}
		}
	}
}

func setColumn(blk []float64, d, c int, v float64) {
	for i := c; i < len(blk); i += d {
		blk[i] = v
	}
}

func restoreColumn(blk, bg []float64, d, c int) {
	for i := c; i < len(blk); i += d {
		blk[i] = bg[i]
	}
}
