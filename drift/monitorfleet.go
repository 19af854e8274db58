package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// maxFleetWindow bounds the values of one feature that EvaluateProfiles
// tests: the merged windows of up to 16 replicas at the largest window.
const maxFleetWindow = 16 * MaxMonitorWindow

// WithWindowExport makes every evaluation also emit its windows as events
// (aims.drift.window, one per feature with values in its window): the body
// is the JSON of a [Profiles] holding the window as one exact profile, the
// same value [Monitor.WindowProfiles] returns. A replica's windows then
// travel with the rest of its telemetry, and whoever reads the Collector's
// output can merge the latest window of every replica ([MergeProfiles])
// and test the fleet with [Monitor.EvaluateProfiles]. An event holds up to
// WithCountWindow values per feature (about 20 bytes each in JSON), so the
// option is off by default.
func WithWindowExport() MonitorOption {
	return monitorOptionFunc(func(c *monitorConfig) { c.exportWindows = true })
}

// emitWindows emits the windows an evaluation tested (WithWindowExport),
// one event per feature.
func (m *Monitor) emitWindows(ctx context.Context, now time.Time, numWins map[string][]float64, catWins map[string][]string) {
	ps, err := m.windowProfiles(numWins, catWins)
	if err != nil {
		return // only finite values enter a window, so this does not happen
	}
	for _, p := range ps.Numeric {
		m.emitWindow(ctx, now, p.Feature, p.Count, Profiles{Numeric: []*NumericProfile{p}})
	}
	for _, p := range ps.Categorical {
		m.emitWindow(ctx, now, p.Feature, p.Count, Profiles{Categorical: []*CategoricalProfile{p}})
	}
}

// emitWindow emits one feature's window of n observations as ps, with ctx.
func (m *Monitor) emitWindow(ctx context.Context, now time.Time, feature string, n int, ps Profiles) {
	body, err := json.Marshal(ps)
	if err != nil {
		return
	}
	var r otellog.Record
	r.SetEventName(semconv.EventDriftWindow)
	r.SetTimestamp(now)
	r.SetSeverity(otellog.SeverityInfo)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue(string(body)))
	r.AddAttributes(
		semconv.AimsControlID.String(m.cfg.controlID),
		semconv.AimsDriftFeature.String(feature),
		semconv.AimsDriftWindowObservations.Int(n),
	)
	m.logger.Emit(ctx, r)
}

// ParseWindowEvent decodes the body of an aims.drift.window event
// (WithWindowExport) into the window's profiles.
func ParseWindowEvent(body string) (Profiles, error) {
	var ps Profiles
	if err := json.Unmarshal([]byte(body), &ps); err != nil {
		return Profiles{}, fmt.Errorf("drift: window event: %w", err)
	}
	if len(ps.Numeric)+len(ps.Categorical) == 0 {
		return Profiles{}, fmt.Errorf("drift: window event holds no profile")
	}
	for _, p := range ps.Numeric {
		if p == nil || p.Kind != ProfileExact {
			return Profiles{}, fmt.Errorf("drift: window event: numeric window is not an exact profile")
		}
	}
	for _, p := range ps.Categorical {
		if p == nil {
			return Profiles{}, fmt.Errorf("drift: window event: null categorical profile")
		}
	}
	return ps, nil
}

// EvaluateProfiles tests windows given as profiles, typically the merged
// [Monitor.WindowProfiles] of several replicas, against this monitor's
// reference with its tests, minimum window, dataset share and correction:
// the fleet is judged by the same code as one monitor's window, and since
// window profiles are exact, the result equals that of one monitor whose
// window held every replica's values. It changes nothing in the monitor,
// emits nothing and raises no alarm; the report's Outcome is zero (the
// outcome detector is per replica) and Dropped is the profiles'.
//
// Numeric windows must be exact profiles of features the monitor has
// profiled as numeric, categorical windows of categorical ones; a feature
// not in windows is reported as not evaluated, with 0 observations. A
// feature may hold up to 16 × [MaxMonitorWindow] values.
func (m *Monitor) EvaluateProfiles(ctx context.Context, windows Profiles) (Report, error) {
	numWins := make(map[string][]float64, len(windows.Numeric))
	catWins := make(map[string][]string, len(windows.Categorical))
	dropped := map[string]int64{}
	for i, p := range windows.Numeric {
		switch {
		case p == nil:
			return Report{}, fmt.Errorf("drift: evaluate profiles: numeric[%d] is nil", i)
		case m.num[p.Feature] == nil:
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q is not a numeric feature of the monitor", p.Feature)
		case p.Kind != ProfileExact:
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q is a %s profile; windows are tested as exact samples", p.Feature, p.Kind)
		case p.Count > maxFleetWindow:
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q holds %d values, more than %d", p.Feature, p.Count, maxFleetWindow)
		}
		if _, dup := numWins[p.Feature]; dup {
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q is given twice (merge replicas with MergeProfiles)", p.Feature)
		}
		if _, err := p.prepared(); err != nil {
			return Report{}, err
		}
		numWins[p.Feature] = p.Sorted
		dropped[p.Feature] = int64(p.Dropped)
	}
	for i, p := range windows.Categorical {
		switch {
		case p == nil:
			return Report{}, fmt.Errorf("drift: evaluate profiles: categorical[%d] is nil", i)
		case m.cat[p.Feature] == nil:
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q is not a categorical feature of the monitor", p.Feature)
		}
		if _, dup := catWins[p.Feature]; dup {
			return Report{}, fmt.Errorf("drift: evaluate profiles: %q is given twice (merge replicas with MergeProfiles)", p.Feature)
		}
		w, err := expandCounts(p)
		if err != nil {
			return Report{}, err
		}
		catWins[p.Feature] = w
	}
	// A feature without a window tests as an empty one, as in Evaluate.
	return m.test(ctx, m.cfg.now(), numWins, catWins, dropped)
}

// expandCounts turns a categorical profile back into a sample, in sorted
// category order (the tests depend only on the counts).
func expandCounts(p *CategoricalProfile) ([]string, error) {
	keys := make([]string, 0, len(p.Counts))
	total := 0
	for k, c := range p.Counts {
		if c < 0 {
			return nil, fmt.Errorf("drift: evaluate profiles: %q counts %d of %q", p.Feature, c, k)
		}
		total += c
		if total > maxFleetWindow {
			return nil, fmt.Errorf("drift: evaluate profiles: %q holds more than %d values", p.Feature, maxFleetWindow)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, total)
	for _, k := range keys {
		for range p.Counts[k] {
			out = append(out, k)
		}
	}
	return out, nil
}
