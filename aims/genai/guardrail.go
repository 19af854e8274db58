package genai

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Stage says what a guardrail checks.
type Stage string

// The guardrail stages.
const (
	// StageInput checks the person's message before the model sees it.
	StageInput Stage = "input"
	// StageOutput checks the model's response before the person sees it.
	StageOutput Stage = "output"
)

// Action is what is done when a check fails.
type Action string

// The guardrail actions.
const (
	// ActionNone: nothing was done (the check passed, or was skipped).
	ActionNone Action = "none"
	// ActionBlock: the turn is refused; the person gets a refusal.
	ActionBlock Action = "block"
	// ActionRedact: the text is redacted (Finding.Redacted, or Redact)
	// and the turn goes on.
	ActionRedact Action = "redact"
	// ActionHold: the response is held for human review through the
	// Assistant's Holder (output stage only).
	ActionHold Action = "hold"
)

// Verdict is the result of one check.
type Verdict string

// The verdicts.
const (
	VerdictPass Verdict = "pass"
	VerdictFail Verdict = "fail"
	// VerdictError: the check errored or timed out; Fallback says what
	// was done instead.
	VerdictError Verdict = "error"
	// VerdictSkipped: the check did not apply (no sources to ground on,
	// say); the reason says why, so a skip is never silent.
	VerdictSkipped Verdict = "skipped"
)

// CheckInput is what a guardrail checks.
type CheckInput struct {
	// Stage is the stage the check runs at.
	Stage Stage
	// ConversationID is the turn's conversation.
	ConversationID string
	// Text is the text under check: the message at the input stage, the
	// response at the output stage.
	Text string
	// Prompt is the person's message, at the output stage.
	Prompt string
	// Sources are the documents the response should rest on, if the
	// service supplied any.
	Sources []string
}

// Finding is a guardrail's answer.
type Finding struct {
	// Passed says the text is acceptable.
	Passed bool
	// Skipped says the check did not apply; Reason says why.
	Skipped bool
	// Score is the check's score, if it computes one (groundedness, say).
	Score *float64
	// Reason says why the check failed or was skipped. It is recorded
	// and emitted: no personal data in it.
	Reason string
	// Redacted is the guardrail's own redaction of the text, used by
	// ActionRedact; empty means Redact.
	Redacted string
}

// Guardrail is one input or output check a service supplies. Check must
// honour ctx: an Assistant runs it with a deadline. A Check that panics
// counts as one that errored (reason "panic"), with the fail-closed or
// fail-open fallback.
type Guardrail interface {
	Name() string
	Check(ctx context.Context, in CheckInput) (Finding, error)
}

// GuardrailResult is the recorded result of one check.
type GuardrailResult struct {
	// Name is the guardrail's name.
	Name string `json:"name"`
	// Stage is input or output.
	Stage Stage `json:"stage"`
	// Verdict is pass, fail, error or skipped.
	Verdict Verdict `json:"verdict"`
	// Action is what was done: none, block, redact or hold.
	Action Action `json:"action"`
	// Score is the check's score, if it computes one.
	Score *float64 `json:"score,omitempty"`
	// Reason says why the check failed, errored or was skipped.
	Reason string `json:"reason,omitempty"`
	// Fallback says, for a check that errored, what was done instead.
	Fallback string `json:"fallback,omitempty"`
}

// guardrailRule is a Guardrail configured for one stage and action.
type guardrailRule struct {
	g      Guardrail
	stage  Stage
	onFail Action
}

// WithGuardrail adds a check at stage; onFail is what a failed check does
// (block, redact, or, at the output stage, hold). Checks run in the order
// they were added.
func WithGuardrail(g Guardrail, stage Stage, onFail Action) Option {
	return optionFunc(func(c *config) {
		c.guardrails = append(c.guardrails, guardrailRule{g: g, stage: stage, onFail: onFail})
	})
}

// DefaultGuardrailTimeout bounds one guardrail check.
const DefaultGuardrailTimeout = 2 * time.Second

// WithGuardrailTimeout bounds each guardrail check (default 2s). A check
// that runs out of time counts as an error. The bound must be positive:
// New refuses zero or a negative duration, which would leave checks
// unbounded.
func WithGuardrailTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithFailOpen makes a guardrail that errors or times out let the turn go
// on, recorded as a fallback in the turn's record. The default is fail
// closed: such a turn is blocked.
func WithFailOpen() Option {
	return optionFunc(func(c *config) { c.failOpen = true })
}

func (r guardrailRule) validate() error {
	switch {
	case r.g == nil:
		return errors.New("genai: WithGuardrail: nil guardrail")
	case r.g.Name() == "":
		return errors.New("genai: WithGuardrail: the guardrail has no name")
	case r.stage != StageInput && r.stage != StageOutput:
		return fmt.Errorf("genai: guardrail %s: stage %q is neither input nor output", r.g.Name(), r.stage)
	case r.onFail != ActionBlock && r.onFail != ActionRedact && r.onFail != ActionHold:
		return fmt.Errorf("genai: guardrail %s: action %q is not block, redact or hold", r.g.Name(), r.onFail)
	case r.onFail == ActionHold && r.stage != StageOutput:
		return fmt.Errorf("genai: guardrail %s: hold is an output-stage action (there is no response to review yet)", r.g.Name())
	}
	if c, ok := r.g.(interface{ configError() error }); ok && c.configError() != nil {
		return fmt.Errorf("genai: %w", c.configError())
	}
	return nil
}

// MaxLateChecks bounds, per guardrail of an Assistant, the checks that
// ran out of time and are still running: a check that ignores its
// context cannot be stopped, and its goroutine lives on with the text it
// holds. Beyond the bound the guardrail is not started until some of
// them return; the check counts as an error (ErrGuardrailBusy), with the
// fail-closed or fail-open fallback. So a message that makes a guardrail
// hang cannot pile up goroutines without bound.
const MaxLateChecks = 64

// ErrGuardrailBusy: a guardrail has MaxLateChecks checks still running
// after their time ran out, and was not started again.
var ErrGuardrailBusy = errors.New("genai: guardrail has too many late checks still running")

// run runs one check under the timeout. A check that ignores its context
// cannot be stopped from here: its goroutine ends when the check returns,
// and its late answer is discarded. late counts this rule's checks that
// are still running after their time ran out; at MaxLateChecks the check
// is not started.
func (r guardrailRule) run(ctx context.Context, timeout time.Duration, late *atomic.Int64, in CheckInput) (Finding, error) {
	if timeout <= 0 {
		return r.g.Check(ctx, in)
	}
	if late.Load() >= MaxLateChecks {
		return Finding{}, fmt.Errorf("guardrail %s: %w", r.g.Name(), ErrGuardrailBusy)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		f   Finding
		err error
	}
	ch := make(chan answer, 1)
	// settled is set by whoever is first: the check returning, or the
	// caller giving up on it (which counts it late until it returns).
	var settled atomic.Bool
	go func() {
		defer func() {
			if !settled.CompareAndSwap(false, true) {
				late.Add(-1)
			}
		}()
		// The check runs on a goroutine of its own, where no recover of
		// the caller (net/http's, per request) reaches: a check that
		// panics on some input would end the process for everyone. It
		// counts as a check that errored instead (the panic's value is
		// left out: it may quote the text).
		defer func() {
			if v := recover(); v != nil {
				ch <- answer{err: &panicError{guardrail: r.g.Name()}}
			}
		}()
		f, err := r.g.Check(ctx, in)
		ch <- answer{f, err}
	}()
	select {
	case a := <-ch:
		return a.f, a.err
	case <-ctx.Done():
		if settled.CompareAndSwap(false, true) {
			late.Add(1)
		}
		return Finding{}, fmt.Errorf("guardrail %s: %w", r.g.Name(), ctx.Err())
	}
}

// panicError is the error of a guardrail check that panicked. Its
// error.type, and the reason recorded, is "panic".
type panicError struct{ guardrail string }

func (e *panicError) Error() string { return "guardrail " + e.guardrail + " panicked" }
