package oversight

import (
	"context"
	"fmt"
	"strings"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/internal/semconv"
)

type haltInfo struct {
	by     string
	reason string
	since  time.Time
}

// haltedInfo reports whether systemID is halted. The common case (nothing
// halted) costs one atomic load.
func (g *Gate) haltedInfo(systemID string) (haltInfo, bool) {
	if g.nHalted.Load() == 0 {
		return haltInfo{}, false
	}
	g.haltMu.RLock()
	h, ok := g.halted[systemID]
	g.haltMu.RUnlock()
	return h, ok
}

// Halted reports whether systemID is halted on this Gate.
func (g *Gate) Halted(systemID string) bool {
	_, ok := g.haltedInfo(systemID)
	return ok
}

// Halt is the stop button (EU AI Act Art. 14(4)(e)): from now on every
// decision of systemID submitted to this Gate is blocked (or held, see
// WithHaltRoute) without asking the policy. Any identified person may
// press it, and a reason is required; the halt is recorded and emitted.
// The halt state belongs to this Gate: with several replicas, halt each
// one (for example from a shared control channel).
func (g *Gate) Halt(ctx context.Context, systemID string, by Reviewer, reason string) error {
	return g.setHalt(ctx, systemID, by, reason, true)
}

// Resume lifts a halt. Like Halt it needs an identity and a reason, and it
// is recorded.
func (g *Gate) Resume(ctx context.Context, systemID string, by Reviewer, reason string) error {
	return g.setHalt(ctx, systemID, by, reason, false)
}

func (g *Gate) setHalt(ctx context.Context, systemID string, by Reviewer, reason string, halt bool) error {
	action := aims.ActionResume
	if halt {
		action = aims.ActionHalt
	}
	ctx, span := g.tel.tracer.Start(ctx, "oversight."+string(action), trace.WithAttributes(
		semconv.AimsSystemID.String(systemID), semconv.AimsOversightReviewer.String(by.ID)))
	defer span.End()
	if g.closed.Load() {
		return ErrClosed
	}
	reason = strings.TrimSpace(reason)
	switch {
	case systemID == "":
		return g.refuse(ctx, span, "", by, action, fmt.Errorf("oversight: %s needs a system ID", action))
	case by.ID == "":
		return g.refuse(ctx, span, "", by, action, ErrUnauthenticated)
	case reason == "":
		return g.refuse(ctx, span, "", by, action, fmt.Errorf("%w: %s of %q by %q", ErrReasonRequired, action, systemID, by.ID))
	}
	d, err := aims.NewDecision(ctx, systemID)
	if err != nil {
		return err
	}
	now := g.now()
	g.haltMu.Lock()
	_, was := g.halted[systemID]
	if halt {
		if !was {
			g.nHalted.Add(1)
		}
		g.halted[systemID] = haltInfo{by: by.ID, reason: reason, since: now}
	} else {
		if !was {
			g.haltMu.Unlock()
			return g.refuse(ctx, span, "", by, action, fmt.Errorf("oversight: system %q is not halted", systemID))
		}
		delete(g.halted, systemID)
		g.nHalted.Add(-1)
	}
	g.haltMu.Unlock()

	d.Time = now
	d.Output = "halted"
	event := semconv.EventOversightHalted
	if !halt {
		d.Output = "resumed"
		event = semconv.EventOversightResumed
	}
	d.Oversight = &aims.OversightOutcome{Action: action, Reviewer: by.ID, Reason: reason, Time: now}
	if halt {
		g.tel.halts.Add(ctx, 1, metricAttrs(semconv.AimsSystemID.String(systemID)))
	}
	g.tel.emit(ctx, event, semconv.ControlResponsibleUse, otellog.SeverityWarn,
		semconv.AimsSystemID.String(systemID), semconv.AimsOversightAction.String(string(action)),
		semconv.AimsOversightReviewer.String(by.ID), semconv.AimsOversightReason.String(reason),
		semconv.AimsDecisionID.String(d.ID))
	if err := g.rec.Record(ctx, d); err != nil {
		return fmt.Errorf("oversight: %s of %q took effect but recording it failed: %w", action, systemID, err)
	}
	return nil
}
