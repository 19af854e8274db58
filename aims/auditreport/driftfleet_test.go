package auditreport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// TestDriftScoresOfAFleetStayPerInstance: two replicas of one system each
// test their own window. Instance i1's KS p-value is 0.001 (drift) and
// i2's, exported a second later, 0.6. The report must not merge them into
// one series whose latest value, 0.6, hides i1's drift.
func TestDriftScoresOfAFleetStayPerInstance(t *testing.T) {
	in := &Input{}
	add := func(inst string, at time.Time, v float64) {
		in.Metrics = append(in.Metrics, otlpfile.Point{Metric: semconv.MetricDriftScore, Kind: "gauge", Time: at, Value: v,
			Resource:   map[string]any{string(semconv.AimsSystemID): "s", string(semconv.AimsSystemInstance): inst},
			Attributes: map[string]any{string(semconv.AimsDriftFeature): "income", string(semconv.AimsDriftMethod): "ks"}})
	}
	add("i1", generatedAt.Add(-time.Minute), 0.2)
	add("i1", generatedAt, 0.001)
	add("i2", generatedAt.Add(-time.Minute), 0.7)
	add("i2", generatedAt.Add(time.Second), 0.6)
	s := buildDrift(in)
	require.Len(t, s.Features, 2, "one series per instance: %+v", s.Features)
	latest := map[string]float64{}
	for _, f := range s.Features {
		latest[f.Source()] = f.Latest
	}
	assert.Equal(t, map[string]float64{"s, instance i1": 0.001, "s, instance i2": 0.6}, latest)
}
