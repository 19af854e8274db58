package tree

import (
	"context"
	"fmt"

	"github.com/aimskit/aimskit/explain"
)

// Predict implements [explain.Model] for single-output ensembles: it writes
// the margin of every row of x into out (len(out) == x.Rows). For output
// space or one class of a multi-class model use [Ensemble.Model].
func (e *Ensemble) Predict(ctx context.Context, x explain.Matrix, out []float64) error {
	if e.numGroups != 1 {
		return fmt.Errorf("tree: model has %d output groups; use Ensemble.Model(WithClass(k)) to pick one", e.numGroups)
	}
	if len(out) != x.Rows {
		return fmt.Errorf("tree: output has %d slots for %d rows", len(out), x.Rows)
	}
	return e.PredictMargins(ctx, x, out)
}

var _ explain.Model = (*Ensemble)(nil)

// ModelView is one scalar output of an ensemble as an [explain.Model]: the
// margin or the output-space prediction (probability) of one class. It is
// what counterfactual search and the model-agnostic explainers of package
// explain score.
type ModelView struct {
	e           *Ensemble
	class       int
	outputSpace bool
	workers     int
}

var _ explain.Model = (*ModelView)(nil)

// Model returns a view of e as an [explain.Model]. By default it predicts
// the margin of class 0; options: WithClass, WithOutputSpace, WithWorkers.
func (e *Ensemble) Model(opts ...Option) (*ModelView, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.class < 0 || cfg.class >= e.numGroups {
		return nil, fmt.Errorf("tree: class %d out of range, model has %d output groups", cfg.class, e.numGroups)
	}
	return &ModelView{e: e, class: cfg.class, outputSpace: cfg.outputSpace, workers: cfg.workers}, nil
}

// Predict writes the selected output of every row of x into out.
func (v *ModelView) Predict(ctx context.Context, x explain.Matrix, out []float64) error {
	e := v.e
	if err := e.checkMatrix(x); err != nil {
		return err
	}
	if len(out) != x.Rows {
		return fmt.Errorf("tree: output has %d slots for %d rows", len(out), x.Rows)
	}
	err := e.predictRows(ctx, x, v.workers, func(i int, m []float64) {
		if v.outputSpace {
			if e.transform.vector() {
				e.transform.apply(m) // m is the worker's scratch: safe to overwrite
			} else {
				m[v.class] = e.transform.scalar(m[v.class])
			}
		}
		out[i] = m[v.class]
	})
	if err != nil || !v.outputSpace {
		return err
	}
	return e.transform.checkOutputs(out, 1, v.class)
}
