package oversight

import (
	"context"

	"github.com/aimskit/aimskit/aims"
)

// Recorder receives every decision record the Gate produces: the routed
// decision (apply, review, block), each reviewer action, escalations,
// expiries, halts and contests. aims.DecisionLog satisfies it.
type Recorder interface {
	Record(ctx context.Context, d aims.Decision) error
}

// RecorderFunc adapts a function to the Recorder interface.
type RecorderFunc func(ctx context.Context, d aims.Decision) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, d aims.Decision) error { return f(ctx, d) }

// DecisionFinder looks up a recorded decision by ID. Contest uses it for
// decisions that never went through a review ticket (applied
// automatically). If the Recorder also implements DecisionFinder, the Gate
// uses it unless WithDecisionFinder says otherwise.
type DecisionFinder interface {
	FindDecision(ctx context.Context, id string) (aims.Decision, error)
}
