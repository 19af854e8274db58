package tree

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/explain"
)

// ApproxContributions computes Saabas attributions (XGBoost's
// pred_contribs with approx_contribs=True; A. Saabas, "Interpreting random
// forests", 2014): along the row's path, the feature split on at node n
// receives mean(child) − mean(n), and column M holds the bias (intercept plus
// each tree's root mean). They are fast but, unlike SHAP values, not
// consistent. out has the layout of [Ensemble.Contributions].
func (e *Ensemble) ApproxContributions(ctx context.Context, x explain.Matrix, out []float64, opts ...Option) error {
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
	rows := make([][]float64, workers)
	for w := range rows {
		rows[w] = padded[float64](M)
	}
	err = forRows(ctx, x.Rows, workers, func(w, lo, hi int) error {
		row := rows[w]
		for i := lo; i < hi; i++ {
			e.canonRow(row, x.Row(i))
			o := out[i*stride : (i+1)*stride]
			clear(o)
			for t, root := range e.roots {
				phi := o[int(e.group[t])*(M+1):]
				phi[M] += e.value[root]
				ni := root
				for {
					n := &e.nodes[ni]
					if n.feature < 0 {
						break
					}
					c := n.next(row[n.feature])
					phi[n.feature] += e.value[c] - e.value[ni]
					ni = c
				}
			}
			for k := 0; k < K; k++ {
				o[k*(M+1)+M] += e.intercept[k]
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// XGBoost gives gblinear's exact contributions for approx_contribs too.
	return e.addLinearContribs(x, out, false)
}
