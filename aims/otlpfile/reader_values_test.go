package otlpfile

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lines in the shape the collector's file exporter writes (format: json).
const logsLine = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"creditscore"}}]},"scopeLogs":[{"scope":{"name":"github.com/aimskit/aimskit/aims","version":"0.1.0"},"logRecords":[{"timeUnixNano":"1795435200000000001","observedTimeUnixNano":"1795435200000000002","severityNumber":9,"body":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"d1"}},{"key":"score","value":{"doubleValue":0.25}},{"key":"tags","value":{"arrayValue":{"values":[{"intValue":"7"},{"boolValue":true}]}}}]}},"attributes":[{"key":"aims.control.id","value":{"stringValue":"A.6.2.8"}},{"key":"n","value":{"intValue":"12"}}],"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","eventName":"aims.decision"}]}]}]}`

const metricsLine = `{"resourceMetrics":[{"resource":{},"scopeMetrics":[{"scope":{"name":"github.com/aimskit/aimskit/drift"},"metrics":[{"name":"aims.drift.score","unit":"1","gauge":{"dataPoints":[{"attributes":[{"key":"aims.drift.feature","value":{"stringValue":"income"}}],"timeUnixNano":"1795435200000000000","asDouble":0.31}]}},{"name":"aims.decisions","unit":"{decision}","sum":{"dataPoints":[{"startTimeUnixNano":"1795431600000000000","timeUnixNano":"1795435200000000000","asInt":"42"}],"aggregationTemporality":2,"isMonotonic":true}},{"name":"aims.oversight.review.duration","unit":"s","histogram":{"dataPoints":[{"timeUnixNano":"1795435200000000000","count":"3","sum":4.5,"bucketCounts":["1","2"],"explicitBounds":[1]}],"aggregationTemporality":2}}]}]}]}`

func TestReadLogs(t *testing.T) {
	recs, err := ReadLogs(strings.NewReader(logsLine + "\n\n" + logsLine + "\n"))
	require.NoError(t, err)
	require.Len(t, recs, 2)
	r := recs[0]
	assert.Equal(t, "aims.decision", r.EventName)
	assert.Equal(t, "github.com/aimskit/aimskit/aims", r.Scope)
	assert.Equal(t, "creditscore", String(r.Resource, "service.name"))
	assert.Equal(t, "A.6.2.8", String(r.Attributes, "aims.control.id"))
	n, ok := Float(r.Attributes, "n")
	assert.True(t, ok)
	assert.Equal(t, 12.0, n)
	assert.Equal(t, time.Unix(1795435200, 1).UTC(), r.Time)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", r.TraceID)
	assert.Equal(t, map[string]any{"id": "d1", "score": 0.25, "tags": []any{int64(7), true}}, r.Body)
	assert.Equal(t, 1, r.Line)
	assert.Equal(t, 3, recs[1].Line)
}

func TestReadMetrics(t *testing.T) {
	pts, err := ReadMetrics(strings.NewReader(metricsLine))
	require.NoError(t, err)
	require.Len(t, pts, 3)
	assert.Equal(t, "gauge", pts[0].Kind)
	assert.Equal(t, 0.31, pts[0].Value)
	assert.Equal(t, "income", String(pts[0].Attributes, "aims.drift.feature"))
	assert.Equal(t, "sum", pts[1].Kind)
	assert.Equal(t, 42.0, pts[1].Value)
	assert.Equal(t, time.Unix(1795431600, 0).UTC(), pts[1].Start, "the cumulative series' start")
	assert.True(t, pts[0].Start.IsZero(), "a gauge without a start time")
	assert.Equal(t, "histogram", pts[2].Kind)
	assert.Equal(t, uint64(3), pts[2].Count)
	assert.Equal(t, []uint64{1, 2}, pts[2].BucketCounts)
}

func TestMalformedInputNamesTheLine(t *testing.T) {
	_, err := ReadLogs(strings.NewReader(logsLine + "\n{not json\n"))
	assert.ErrorContains(t, err, "line 2")
	_, err = ReadLogs(strings.NewReader(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k","value":{"intValue":"x"}}]}]}]}]}`))
	assert.ErrorContains(t, err, "line 1")
	_, err = ReadMetrics(strings.NewReader(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"attributes":[{"key":"b","value":{"bytesValue":"!!"}}]}]}}]}]}]}`))
	assert.ErrorContains(t, err, "bytesValue")
}

func TestEachLogStopsOnCallbackError(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	err := EachLog(strings.NewReader(logsLine+"\n"+logsLine+"\n"), func(LogRecord) error {
		n++
		return stop
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}

func TestNonFiniteDoublesAsTheProtobufJSONMappingWritesThem(t *testing.T) {
	line := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":"NaN"},{"asDouble":"Infinity"},{"asDouble":"-Infinity"},{"asDouble":1.5}]}}]}]}]}`
	pts, err := ReadMetrics(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, pts, 4)
	assert.True(t, math.IsNaN(pts[0].Value))
	assert.True(t, math.IsInf(pts[1].Value, 1))
	assert.True(t, math.IsInf(pts[2].Value, -1))
	assert.Equal(t, 1.5, pts[3].Value)
	_, err = ReadMetrics(strings.NewReader(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":"lots"}]}}]}]}]}`))
	assert.Error(t, err)
}

// TestPointWithoutRecordedValue: a point flagged FLAG_NO_RECORDED_VALUE
// (metrics.proto DataPointFlags) has no value; it must not read as 0.
func TestPointWithoutRecordedValue(t *testing.T) {
	line := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"c","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"startTimeUnixNano":"1","timeUnixNano":"2","asInt":"40"},{"startTimeUnixNano":"1","timeUnixNano":"3","flags":1}]}},{"name":"h","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"3","flags":1}]}}]}]}]}`
	pts, err := ReadMetrics(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, pts, 3)
	assert.False(t, pts[0].NoRecordedValue)
	assert.Equal(t, 40.0, pts[0].Value)
	assert.True(t, pts[1].NoRecordedValue)
	assert.True(t, math.IsNaN(pts[1].Value), "no recorded value reads as NaN, not %v", pts[1].Value)
	assert.True(t, pts[2].NoRecordedValue)
}

// TestPointTemporality: a sum's aggregation temporality (1 delta, 2
// cumulative, as enum numbers or names) and monotonicity reach the point.
func TestPointTemporality(t *testing.T) {
	line := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"d","sum":{"aggregationTemporality":1,"dataPoints":[{"asInt":"-2"}]}},{"name":"c","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,"dataPoints":[{"asInt":"3"}]}},{"name":"g","gauge":{"dataPoints":[{"asInt":"1"}]}}]}]}]}`
	pts, err := ReadMetrics(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, pts, 3)
	assert.Equal(t, "delta", pts[0].Temporality)
	assert.False(t, pts[0].Monotonic)
	assert.Equal(t, -2.0, pts[0].Value)
	assert.Equal(t, "cumulative", pts[1].Temporality)
	assert.True(t, pts[1].Monotonic)
	assert.Equal(t, "", pts[2].Temporality)
}
