package fairness

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TestUnmatchedLabelsCountEachLabelOnce: aims.fairness.unmatched_labels
// counts labels that found no decision in the window. A decision evicted
// from the pending set whose label never arrives is no label, and one
// whose label arrives later is one unmatched label, not two.
func TestUnmatchedLabelsCountEachLabelOnce(t *testing.T) {
	tel := newTelemetry(t)
	m, err := NewMonitor([]string{"g"}, append(tel.opts(), WithCountWindow(100), WithMaxPending(2), WithMinGroupDecisions(1), WithFinalIntervals(0))...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	// Decisions 0..4: 0, 1 and 2 are evicted from the two-slot pending set.
	for i := range 5 {
		if err := m.Observe(strconv.Itoa(i), []string{"a"}, 1); err != nil {
			t.Fatal(err)
		}
	}
	// The labels that arrive: decision 0's (evicted: unmatched), 3's and
	// 4's (joined), and one for a decision never observed (unmatched).
	// Decisions 1 and 2 never get a label.
	if err := m.ObserveLabel("0", 1); !errors.Is(err, ErrUnknownDecision) {
		t.Fatalf("label of evicted decision: %v", err)
	}
	for _, id := range []string{"3", "4"} {
		if err := m.ObserveLabel(id, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.ObserveLabel("never", 0); !errors.Is(err, ErrUnknownDecision) {
		t.Fatalf("label of unknown decision: %v", err)
	}
	s := m.Snapshot()
	if s.Evicted != 3 || s.Unmatched != 2 || s.Late != 0 {
		t.Errorf("snapshot evicted %d unmatched %d late %d, want 3 2 0", s.Evicted, s.Unmatched, s.Late)
	}
	g := tel.gauges(t)
	if got := g[semconv.MetricFairnessUnmatchedLabels][""]; got != 2 {
		t.Errorf("exported unmatched labels = %v, want 2 (four labels arrived, two found their decision)", got)
	}
}
