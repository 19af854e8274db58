package tree

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/explain"
)

// Interactions computes path-dependent SHAP interaction values in margin
// space, as XGBoost's predict(pred_interactions=True) does (Lundberg et al.
// 2020, "SHAP interaction values"; the conditioning scheme of Lundberg,
// Erion, Lee 2018, Section 4). out must have x.Rows × K × (M+1) × (M+1)
// entries, laid out as out[((i*K+k)*(M+1)+a)*(M+1)+b].
//
// For each feature a, TreeSHAP is run twice with a conditioned to be present
// ("on") and absent ("off"); the off-diagonal entry [a][b] is
// (φ^on_a[b] − φ^off_a[b]) / 2, the diagonal [a][a] is φ[a] − Σ_{b≠a}[a][b],
// and [M][M] holds the bias. Every row of the matrix sums to the ordinary
// contribution of its feature. Cost: about 2·M times [Ensemble.Contributions],
// but only trees that split on a are re-run for a.
func (e *Ensemble) Interactions(ctx context.Context, x explain.Matrix, out []float64, opts ...Option) error {
	if !e.hasCover {
		return errNoCover
	}
	if err := e.checkMatrix(x); err != nil {
		return err
	}
	M, K := e.numFeatures, e.numGroups
	M1 := M + 1
	stride := K * M1 * M1
	if len(out) != x.Rows*stride {
		return fmt.Errorf("tree: interaction output has %d slots, need %d rows × %d groups × %d × %d", len(out), x.Rows, K, M1, M1)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	workers := clampWorkers(cfg.workers, x.Rows)
	if it := e.interTables(); it != nil && !cfg.recursive {
		err = e.interactionsTables(ctx, x, out, it, workers)
	} else {
		scratch := make([]*shapScratch, workers)
		contribs := make([][]float64, workers)
		for w := range scratch {
			scratch[w] = e.newShapScratch()
			contribs[w] = padded[float64](K * M1)
		}
		err = forRows(ctx, x.Rows, workers, func(w, lo, hi int) error {
			s, phi := scratch[w], contribs[w]
			for i := lo; i < hi; i++ {
				e.canonRow(s.walker.row, x.Row(i))
				e.interactionRow(s, phi, out[i*stride:(i+1)*stride])
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	// A linear model's terms do not interact: its contributions go on the
	// diagonal.
	return e.addLinearContribs(x, out, true)
}

// interactionsTables is Interactions with the per-leaf tables: one walk
// per row and tree gives the off-diagonal entries; the diagonal is then
// φ[a] − Σ_{b≠a} [a][b], with φ from the contribution tables.
func (e *Ensemble) interactionsTables(ctx context.Context, x explain.Matrix, out []float64, it *interactionTables, workers int) error {
	M, K := e.numFeatures, e.numGroups
	M1 := M + 1
	stride := K * M1 * M1
	type scratch struct {
		w   interWalker
		phi []float64
		_   cacheLinePad
	}
	ws := make([]*scratch, workers)
	for i := range ws {
		ws[i] = &scratch{
			w:   interWalker{fastWalker: fastWalker{nodes: e.nodes, lt: e.leafTab, fails: padded[int32](M), row: padded[float64](M)}, it: it, m1: M1},
			phi: padded[float64](K * M1),
		}
	}
	return forRows(ctx, x.Rows, workers, func(wi, lo, hi int) error {
		s := ws[wi]
		w := &s.w
		for i := lo; i < hi; i++ {
			e.canonRow(w.row, x.Row(i))
			o := out[i*stride : (i+1)*stride]
			clear(o)
			clear(s.phi)
			for t, root := range e.roots {
				g := int(e.group[t])
				w.phi = s.phi[g*M1 : g*M1+M]
				w.walk(root)
				w.mat = o[g*M1*M1 : (g+1)*M1*M1]
				w.walkInter(root)
				s.phi[g*M1+M] += e.value[root]
			}
			for g := 0; g < K; g++ {
				mat := o[g*M1*M1 : (g+1)*M1*M1]
				for a := 0; a < M; a++ {
					diag := s.phi[g*M1+a]
					for b := 0; b < M; b++ {
						if b != a {
							diag -= mat[a*M1+b]
						}
					}
					mat[a*M1+a] = diag
				}
				mat[M*M1+M] = s.phi[g*M1+M] + e.intercept[g]
			}
		}
		return nil
	})
}

// interactionRow fills the K (M+1)×(M+1) interaction matrices of the
// canonical row held in s; phi is K×(M+1) scratch.
func (e *Ensemble) interactionRow(s *shapScratch, phi, out []float64) {
	M, K := e.numFeatures, e.numGroups
	M1 := M + 1
	e.contribRow(s, phi)
	clear(out)
	w := &s.walker
	for k := 0; k < K; k++ {
		mat := out[k*M1*M1 : (k+1)*M1*M1]
		for a := 0; a < M; a++ {
			clear(s.on)
			clear(s.off)
			used := false
			for t, root := range e.roots {
				if int(e.group[t]) != k || !hasFeature(e.treeFeatures[t], int32(a)) {
					continue
				}
				used = true
				w.condFeature = int32(a)
				w.cond = 1
				w.phi = s.on[:M]
				w.recurse(root, s.path, 0, 1, 1, -1, 1)
				w.cond = -1
				w.phi = s.off[:M]
				w.recurse(root, s.path, 0, 1, 1, -1, 1)
			}
			diag := phi[k*M1+a]
			if used {
				for b := 0; b < M; b++ {
					if b == a {
						continue
					}
					v := (s.on[b] - s.off[b]) / 2
					mat[a*M1+b] = v
					diag -= v
				}
			}
			mat[a*M1+a] = diag
		}
		mat[M*M1+M] = phi[k*M1+M]
	}
	w.cond, w.condFeature = 0, -1
}

// hasFeature reports whether the sorted list fs contains f.
func hasFeature(fs []int32, f int32) bool {
	lo, hi := 0, len(fs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case fs[m] < f:
			lo = m + 1
		case fs[m] > f:
			hi = m
		default:
			return true
		}
	}
	return false
}
