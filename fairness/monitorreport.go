package fairness

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// comparison is "below" for a ratio threshold, "above" for a difference.
func (ev *thresholdEvent) comparison() string {
	if ev.t.Disparity.isRatio() {
		return "below"
	}
	return "above"
}

// summary is the one-line description of the crossing. Value and limit
// are shown with four decimals, or in full when four decimals would show
// them alike (0.79996 below 0.8 is not "0.8000 below 0.8000").
func (ev *thresholdEvent) summary() string {
	v, l := fmt.Sprintf("%.4f", ev.value), fmt.Sprintf("%.4f", ev.t.Limit)
	if v == l {
		v, l = strconv.FormatFloat(ev.value, 'g', -1, 64), strconv.FormatFloat(ev.t.Limit, 'g', -1, 64)
	}
	return fmt.Sprintf("%s %s: %s (threshold %s %s; min group %s, max group %s)",
		ev.t.Disparity, ev.state, v, ev.comparison(), l, ev.min, ev.max)
}

func (m *Monitor) emit(ctx context.Context, ev thresholdEvent) {
	var r otellog.Record
	r.SetEventName(semconv.EventFairnessThreshold)
	r.SetTimestamp(ev.at)
	if ev.state == "violated" {
		r.SetSeverity(otellog.SeverityWarn)
		r.SetSeverityText("WARN")
	} else {
		r.SetSeverity(otellog.SeverityInfo)
		r.SetSeverityText("INFO")
	}
	cmp := ev.comparison()
	r.SetBody(attribute.StringValue(ev.summary()))
	r.AddAttributes(
		semconv.AimsControlID.String(ev.t.ControlID),
		semconv.AimsFairnessDisparity.String(string(ev.t.Disparity)),
		semconv.AimsFairnessValue.Float64(ev.value),
		semconv.AimsFairnessThreshold.Float64(ev.t.Limit),
		semconv.AimsFairnessComparison.String(cmp),
		semconv.AimsFairnessState.String(ev.state),
		semconv.AimsFairnessGroupMin.String(ev.min),
		semconv.AimsFairnessGroupMax.String(ev.max),
		semconv.AimsFairnessWindowDecisions.Int64(ev.window),
	)
	m.logger.Emit(ctx, r)
}

// Snapshot returns the current window's numbers. With a time window it
// first brings the window up to now and, like Observe, emits the threshold
// crossings that old decisions leaving the window bring about (the alarm
// handler runs in Snapshot's goroutine before it returns).
func (m *Monitor) Snapshot() MonitorSnapshot {
	if m.pending == nil {
		return MonitorSnapshot{Disparities: map[Disparity]float64{}}
	}
	m.mu.Lock()
	// A crossing brought about by the window moving is emitted (and
	// handed to the alarm handler) before Snapshot returns.
	defer m.unlockDeliver(context.Background(), m.advanceEvaluate())
	s := MonitorSnapshot{Disparities: map[Disparity]float64{}, Pending: m.pending.n, Evicted: m.evicted, Unmatched: m.unmatched, Late: m.late,
		Limits: LimitCounts{Overflow: m.overDecisions, Levels: m.overLevels, Groups: m.overGroups, ValueLength: m.truncated}}
	for g := range m.groups {
		s.Groups = append(s.Groups, m.groupStats(g))
	}
	for _, d := range allDisparities {
		s.Disparities[d] = m.disparity(d).value
	}
	return s
}

func (m *Monitor) groupStats(g int) GroupStats {
	gs := statsOf(&m.totals[g], m.cfg.minGroup)
	gs.Group = append([]string(nil), m.groups[g].labels...)
	gs.Name = m.groups[g].name
	gs.Overflow = m.groups[g].overflow
	return gs
}

// statsOf computes a group's numbers from its counts; minGroup marks it
// Small or SmallLabeled. The monitor's window and the fleet counts
// (FleetStatsOf) share it.
func statsOf(c *groupCounts, minGroup int64) GroupStats {
	gs := GroupStats{
		Small:     c.decisions < minGroup,
		Decisions: c.decisions,
		Labeled:   c.labeled(),
		Counts:    c.counts(),
	}
	div := func(a, b int64) float64 {
		if b == 0 {
			return math.NaN()
		}
		return float64(a) / float64(b)
	}
	gs.SmallLabeled = gs.Labeled < minGroup
	gs.SelectionRate = div(c.predPos, c.decisions)
	gs.TruePositiveRate = div(c.conf[3], c.conf[2]+c.conf[3])
	gs.FalsePositiveRate = div(c.conf[1], c.conf[0]+c.conf[1])
	gs.Accuracy = div(c.conf[0]+c.conf[3], gs.Labeled)
	return gs
}
