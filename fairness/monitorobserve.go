package fairness

import "context"

// Observe records a decision: its ID (to join the label later; at most
// MaxDecisionIDLength bytes, else ErrDecisionIDTooLong), one group label
// per sensitive feature, and the binary prediction (0 or 1).
//
// Threshold events are emitted without a trace context; ObserveContext
// takes the caller's.
func (m *Monitor) Observe(decisionID string, groups []string, prediction int) error {
	return m.observe(context.Background(), decisionID, groups, prediction)
}

// ObserveContext is Observe with the caller's context (of the request
// that made the decision): the threshold events a crossing it brings about
// are emitted with ctx, so they carry its trace context, and the alarm
// handler (WithAlarmHandler) gets ctx without its cancellation.
func (m *Monitor) ObserveContext(ctx context.Context, decisionID string, groups []string, prediction int) error {
	return m.observe(ctx, decisionID, groups, prediction)
}

// ObserveLabel adds the true label (0 or 1) of an observed decision; it is
// joined with the decision's final outcome (ObserveFinal) or, without one,
// the model's prediction. A decision that already left the window is
// forgotten by the window without error (it is still counted in the
// cumulative counts, GroupCounts); an unknown or already labelled one
// returns ErrUnknownDecision.
func (m *Monitor) ObserveLabel(decisionID string, label int) error {
	return m.observeLabel(context.Background(), decisionID, label)
}

// ObserveLabelContext is ObserveLabel with the caller's context, used as
// ObserveContext uses it.
func (m *Monitor) ObserveLabelContext(ctx context.Context, decisionID string, label int) error {
	return m.observeLabel(ctx, decisionID, label)
}

// ObserveFinal replaces the prediction of an observed decision by its
// final outcome (0 or 1) after human review, before its label arrives: a
// credit officer who overrides the model's refusal makes the final
// decision 1. From then on the decision's selection rate and, once
// ObserveLabel joins its true label, its confusion counts (TPR, FPR,
// accuracy per group) are those of the final decision, which is what the
// affected person experienced. Call it between Observe and ObserveLabel,
// as often as the outcome changes (the last call counts). A decision that
// is unknown, already labelled or evicted from the pending set returns
// ErrUnknownDecision; one that already left the window is updated in the
// pending set and in the cumulative counts (GroupCounts: the selected
// count goes down when a review overturns a selection, so a decision is
// never counted twice).
func (m *Monitor) ObserveFinal(decisionID string, final int) error {
	return m.observeFinal(context.Background(), decisionID, final)
}

// ObserveFinalContext is ObserveFinal with the caller's context, used as
// ObserveContext uses it.
func (m *Monitor) ObserveFinalContext(ctx context.Context, decisionID string, final int) error {
	return m.observeFinal(ctx, decisionID, final)
}
