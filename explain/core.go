package explain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// core holds what every background-set explainer shares: the game, the
// player names, the tracer and the cached base value v(∅).
type core struct {
	g     *game
	cfg   config
	names []string
	tel   *telemetry

	mu       sync.Mutex
	baseDone bool
	base     float64
}

func newCore(model Model, bg Matrix, opts []Option) (*core, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	g, names, err := newGame(model, bg, &cfg)
	if err != nil {
		return nil, err
	}
	return &core{g: g, cfg: cfg, names: names, tel: newTelemetry(&cfg)}, nil
}

// baseValue returns v(∅), computing it on first use. A failed computation
// is not cached, so a transient model error does not poison the explainer.
func (c *core) baseValue(ctx context.Context) (float64, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.baseDone {
		return c.base, 0, nil
	}
	b, err := c.g.baseValue(ctx)
	if err != nil {
		return 0, 0, err
	}
	c.base, c.baseDone = b, true
	return b, c.g.bg.Rows, nil
}

// start validates x, opens the span and computes v(∅) and v(F).
func (c *core) start(ctx context.Context, m Method, x []float64) (context.Context, *explainSpan, Explanation, error) {
	ctx, span := c.tel.start(ctx, m, c.cfg.link, len(c.g.players), c.g.bg.Rows)
	// Each explanation owns its names, so a caller editing one cannot
	// change another.
	names := append([]string(nil), c.names...)
	e := Explanation{Method: m, Link: c.cfg.link, FeatureNames: names, BackgroundSize: c.g.bg.Rows}
	if err := validateRow(x, c.g.bg.Cols); err != nil {
		return ctx, span, e, err
	}
	base, evals, err := c.baseValue(ctx)
	if err != nil {
		return ctx, span, e, err
	}
	raw, pred, err := c.g.output(ctx, x)
	if err != nil {
		return ctx, span, e, err
	}
	e.BaseValue, e.Output, e.Prediction = base, raw, pred
	e.ModelEvaluations = evals + 1
	return ctx, span, e, nil
}

// batch explains every row of x with one, up to `workers` rows at a
// time (each row's own model calls are parallel too; running rows side by
// side keeps the cores busy when one row's work is small). On failure it
// reports the failing row with the lowest index.
func batch(ctx context.Context, x Matrix, d, workers int, one func(context.Context, []float64) (Explanation, error)) ([]Explanation, error) {
	if err := x.Validate(); err != nil {
		return nil, err
	}
	if x.Cols != d {
		return nil, fmt.Errorf("explain: rows have %d features, the explainer expects %d", x.Cols, d)
	}
	out := make([]Explanation, x.Rows)
	errs := make([]error, x.Rows)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for w := 0; w < max(1, min(workers, x.Rows)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= x.Rows {
					return
				}
				e, err := one(ctx, x.Row(i))
				if err != nil {
					errs[i] = err
					cancel()
					return
				}
				out[i] = e
			}
		}()
	}
	wg.Wait()
	// Rows cut short by our own cancellation are not the cause: report
	// the first real failure, else the first error (the caller's ctx).
	first := -1
	for i, err := range errs {
		if err == nil {
			continue
		}
		if first < 0 {
			first = i
		}
		if !errors.Is(err, context.Canceled) {
			first = i
			break
		}
	}
	if first >= 0 {
		return nil, fmt.Errorf("explain: row %d: %w", first, errs[first])
	}
	return out, nil
}
