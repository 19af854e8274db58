package auditreport

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

const (
	selRate   = semconv.MetricFairnessSelectionRate
	decisions = semconv.MetricFairnessGroupDecisions
)

type pointSpec struct {
	metric, group string
	v             float64
}

// monitorOf builds the fairness section of metric points for one system
// and returns its groups by name.
func monitorOf(t *testing.T, pts ...pointSpec) map[string]GroupRow {
	t.Helper()
	in := &Input{Metrics: []otlpfile.Point{}}
	for _, p := range pts {
		in.Metrics = append(in.Metrics, otlpfile.Point{
			Metric: p.metric, Kind: "gauge", Time: generatedAt, Value: p.v,
			Attributes: map[string]any{string(semconv.AimsFairnessGroup): p.group},
		})
	}
	s := buildFairness(in)
	require.Len(t, s.Monitors, 1)
	out := map[string]GroupRow{}
	for _, g := range s.Monitors[0].Groups {
		out[g.Group] = g
	}
	return out
}

func strconvItoa(n int) string { return strconv.Itoa(n) }
