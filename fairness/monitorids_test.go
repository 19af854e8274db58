package fairness

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestMonitorDecisionIDLengthBounded: the pending-label set keeps every
// decision ID until its label comes, so an ID longer than
// MaxDecisionIDLength is refused (nothing is counted or remembered, and
// the error quotes only its start), while one of exactly the bound is
// observed, finalised and labelled as usual.
func TestMonitorDecisionIDLengthBounded(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithMinGroupDecisions(1), WithFinalIntervals(0))...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())

	huge := strings.Repeat("x", 1<<20)
	err = m.Observe(huge, []string{"a"}, 1)
	if !errors.Is(err, ErrDecisionIDTooLong) {
		t.Fatalf("Observe with a 1 MiB ID: err %v, want ErrDecisionIDTooLong", err)
	}
	if len(err.Error()) > 200 {
		t.Errorf("error message has %d bytes, want the ID cut short", len(err.Error()))
	}
	over := strings.Repeat("y", MaxDecisionIDLength+1)
	if err := m.Observe(over, []string{"a"}, 1); !errors.Is(err, ErrDecisionIDTooLong) {
		t.Fatalf("Observe with a %d-byte ID: err %v, want ErrDecisionIDTooLong", len(over), err)
	}
	if err := m.ObserveFinal(over, 0); !errors.Is(err, ErrDecisionIDTooLong) {
		t.Errorf("ObserveFinal with a %d-byte ID: err %v, want ErrDecisionIDTooLong", len(over), err)
	}
	if err := m.ObserveLabel(huge, 1); !errors.Is(err, ErrDecisionIDTooLong) {
		t.Errorf("ObserveLabel with a 1 MiB ID: err %v, want ErrDecisionIDTooLong", err)
	}
	s := m.Snapshot()
	if s.Pending != 0 || len(s.Groups) != 0 || s.Unmatched != 0 {
		t.Fatalf("after refused IDs: pending %d, groups %d, unmatched %d, want all 0", s.Pending, len(s.Groups), s.Unmatched)
	}

	limit := strings.Repeat("z", MaxDecisionIDLength)
	if err := m.Observe(limit, []string{"a"}, 1); err != nil {
		t.Fatalf("Observe with a %d-byte ID: %v", len(limit), err)
	}
	if err := m.ObserveFinal(limit, 0); err != nil {
		t.Fatalf("ObserveFinal: %v", err)
	}
	if err := m.ObserveLabel(limit, 0); err != nil {
		t.Fatalf("ObserveLabel: %v", err)
	}
	s = m.Snapshot()
	if len(s.Groups) != 1 || s.Groups[0].Decisions != 1 || s.Groups[0].Counts.TN != 1 || s.Pending != 0 {
		t.Errorf("after one decision at the bound: %+v, want one decision, one true negative, none pending", s)
	}
}
