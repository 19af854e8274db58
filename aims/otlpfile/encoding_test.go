package otlpfile

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-written lines exercising each way OTLP/JSON differs from the
// canonical protobuf JSON mapping (OTLP specification, "JSON Protobuf
// Encoding"), and what receivers must tolerate.

func TestHexIDsAndTheirBase64Form(t *testing.T) {
	line := func(traceID, spanID string) string {
		return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"` + traceID + `","spanId":"` + spanID + `"}]}]}]}`
	}
	for name, tc := range map[string]struct{ traceID, spanID string }{
		"hex, as OTLP/JSON writes it":               {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		"upper-case hex":                            {"4BF92F3577B34DA6A3CE929D0E0E4736", "00F067AA0BA902B7"},
		"base64, as canonical protobuf JSON has it": {"S/kvNXezTaajzpKdDg5HNg==", "APBnqgupArc="},
	} {
		t.Run(name, func(t *testing.T) {
			recs, err := ReadLogs(strings.NewReader(line(tc.traceID, tc.spanID)))
			require.NoError(t, err)
			require.Len(t, recs, 1)
			assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", recs[0].TraceID)
			assert.Equal(t, "00f067aa0ba902b7", recs[0].SpanID)
		})
	}

	for name, tc := range map[string]struct{ traceID, spanID, want string }{
		"not hex digits":         {"zzf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", `traceId "zzf92f3577b34da6a3ce929d0e0e4736" is not 32 hex digits`},
		"trace ID too short":     {"4bf92f3577b34da6a3ce929d0e0e47", "00f067aa0ba902b7", "traceId is neither 32 hex digits nor the base64 of 16 bytes"},
		"span ID of a trace ID":  {"4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736", "spanId is neither 16 hex digits nor the base64 of 8 bytes"},
		"span ID with a non-hex": {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902bX", `spanId "00f067aa0ba902bX" is not 16 hex digits`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLogs(strings.NewReader("\n" + line(tc.traceID, tc.spanID) + "\n"))
			require.Error(t, err)
			assert.ErrorContains(t, err, "otlpfile: line 2 has a bad record at resourceLogs[0].scopeLogs[0].logRecords[0]: "+tc.want)
			var le *LineError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, 2, le.Line)
		})
	}
	// Not base64 either: protojson refuses it, and the line is named.
	_, err := ReadLogs(strings.NewReader(line("4bf92f3577b34da6a3ce929d0e0e4", "00f067aa0ba902b7") + "\n"))
	assert.ErrorContains(t, err, "line 1 is not OTLP/JSON logs data")
	assert.ErrorContains(t, err, "traceId")
}

func TestSpanAndLinkIDs(t *testing.T) {
	const line = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","parentSpanId":"53995c3f42cd8ad8","name":"s","kind":"SPAN_KIND_SERVER","startTimeUnixNano":1795435200000000000,"endTimeUnixNano":"1795435200000000500","status":{"code":2,"message":"boom"},"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","traceState":"k=v"}],"events":[{"name":"e","timeUnixNano":"1795435200000000100"}]}]}]}]}` + "\n"
	spans, err := ReadSpans(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "53995c3f42cd8ad8", s.ParentSpanID)
	assert.Equal(t, 2, s.Kind, "enum names are accepted as well as numbers")
	assert.Equal(t, 2, s.StatusCode)
	assert.Equal(t, "boom", s.StatusMessage)
	assert.Equal(t, time.Unix(1795435200, 0).UTC(), s.Start, "a timestamp may be a JSON number")
	assert.Equal(t, time.Unix(1795435200, 500).UTC(), s.End)
	assert.Equal(t, []SpanLink{{TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331", TraceState: "k=v", Attributes: map[string]any{}}}, s.Links)
	assert.Equal(t, time.Unix(1795435200, 100).UTC(), s.Events[0].Time)
	assert.Equal(t, "line 1, resourceSpans[0].scopeSpans[0].spans[0]", s.Where())

	bad := strings.Replace(line, `"spanId":"b7ad6b7169203331"`, `"spanId":"b7ad6b71692033"`, 1)
	_, err = ReadSpans(strings.NewReader(bad))
	assert.ErrorContains(t, err, "line 1 has a bad record at resourceSpans[0].scopeSpans[0].spans[0]: links[0]: spanId is neither 16 hex digits")
}

func TestIntegersAsStringsOrNumbers(t *testing.T) {
	const line = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":1795435200000000001,"severityNumber":"SEVERITY_NUMBER_WARN","attributes":[` +
		`{"key":"s","value":{"intValue":"-9223372036854775808"}},{"key":"n","value":{"intValue":1152921504606846976}}]}]}]}]}`
	recs, err := ReadLogs(strings.NewReader(line))
	require.NoError(t, err)
	r := recs[0]
	assert.Equal(t, time.Unix(1795435200, 1).UTC(), r.Time)
	assert.Equal(t, 13, r.Severity)
	assert.Equal(t, int64(math.MinInt64), r.Attributes["s"])
	assert.Equal(t, int64(1<<60), r.Attributes["n"])

	for _, bad := range []string{`"1.5"`, `"x"`, `"9223372036854775808"`} {
		_, err := ReadLogs(strings.NewReader(strings.Replace(line, `"-9223372036854775808"`, bad, 1)))
		assert.ErrorContains(t, err, "intValue", bad)
	}
}

func TestNonFiniteDoubles(t *testing.T) {
	const line = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"dataPoints":[{"count":"2","sum":"Infinity","bucketCounts":["1","1"],"explicitBounds":["-Infinity"],"attributes":[{"key":"x","value":{"doubleValue":"NaN"}}]}]}}]}]}]}`
	pts, err := ReadMetrics(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, pts, 1)
	assert.True(t, math.IsInf(pts[0].Sum, 1))
	assert.Equal(t, []float64{math.Inf(-1)}, pts[0].Bounds)
	assert.True(t, math.IsNaN(pts[0].Attributes["x"].(float64)))
	v, ok := Float(pts[0].Attributes, "x")
	assert.True(t, ok)
	assert.True(t, math.IsNaN(v), "a NaN input stays NaN; it is never turned into a number")
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	// New fields at every level, including a future AnyValue member next to
	// a known one and a whole unknown signal.
	const line = `{"futureSignal":[{"x":1}],"resourceLogs":[{"resource":{"attributes":[],"entityRefs":[{"type":"service"}]},"futureField":{"deep":[1,2,{"a":null}]},` +
		`"scopeLogs":[{"scope":{"name":"s","futureScopeField":true},"logRecords":[{"eventName":"e","futureRecordField":"x","body":{"stringValue":"b","futureValue":{"values":[]}}}]}]}]}`
	recs, err := ReadLogs(strings.NewReader(line))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "e", recs[0].EventName)
	assert.Equal(t, "b", recs[0].Body)
	assert.Equal(t, "s", recs[0].Scope)
}

func TestEmptyAndProfileOnlyValues(t *testing.T) {
	const line = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{},"attributes":[{"key":"e","value":{}},{"key":"p","value":{"stringValueStrindex":3}},{"key":"a","value":{"arrayValue":{}}},{"key":"m","value":{"kvlistValue":{}}}]}]}]}]}`
	recs, err := ReadLogs(strings.NewReader(line))
	require.NoError(t, err)
	r := recs[0]
	assert.Nil(t, r.Body)
	assert.Equal(t, map[string]any{"e": nil, "p": nil, "a": []any{}, "m": map[string]any{}}, r.Attributes,
		"a profiles-dictionary reference is read as absent, as OTLP asks of other signals' receivers")
	assert.True(t, r.Time.IsZero(), "no timestamp is the zero time, not 1970")
}

func TestTimestampOutOfRange(t *testing.T) {
	_, err := ReadLogs(strings.NewReader(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"18446744073709551615"}]}]}]}`))
	assert.ErrorContains(t, err, "line 1 has a bad record at resourceLogs[0].scopeLogs[0].logRecords[0]: timeUnixNano 18446744073709551615 is out of range")
	_, err = ReadMetrics(strings.NewReader(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asInt":"1"},{"timeUnixNano":"9223372036854775808"}]}}]}]}]}`))
	assert.ErrorContains(t, err, "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1]: timeUnixNano 9223372036854775808 is out of range")
}

// WithBadLogRecords delivers a bad log record with its error, in its
// place, and the line's other records with it.
func TestWithBadLogRecords(t *testing.T) {
	const line = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","eventName":"a"},{"timeUnixNano":"18446744073709551615","eventName":"b","spanId":"00f067aa0ba902b7"},{"eventName":"c","traceId":"abcd"},{"timeUnixNano":"2","eventName":"d"}]}]}]}`
	recs, err := ReadLogs(strings.NewReader(line), WithBadLogRecords())
	require.NoError(t, err)
	require.Len(t, recs, 4)
	for i, want := range []string{"a", "b", "c", "d"} {
		assert.Equal(t, want, recs[i].EventName)
	}
	assert.NoError(t, recs[0].Err)
	assert.ErrorContains(t, recs[1].Err, "timeUnixNano 18446744073709551615 is out of range")
	assert.True(t, recs[1].Time.IsZero())
	assert.Empty(t, recs[1].SpanID)
	assert.ErrorContains(t, recs[2].Err, "traceId")
	assert.NoError(t, recs[3].Err)
	assert.Equal(t, time.Unix(0, 2).UTC(), recs[3].Time)
	assert.Equal(t, "line 1, resourceLogs[0].scopeLogs[0].logRecords[1]", recs[1].Where())

	// Data points are not affected.
	_, err = ReadMetrics(strings.NewReader(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"9223372036854775808"}]}}]}]}]}`), WithBadLogRecords())
	assert.ErrorContains(t, err, "is out of range")
}

func TestEachSignalSkipsTheOthers(t *testing.T) {
	input := logsLine + "\n" + metricsLine + "\n" + `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"s"}]}]}]}` + "\n"
	recs, err := ReadLogs(strings.NewReader(input))
	require.NoError(t, err)
	assert.Len(t, recs, 1)
	pts, err := ReadMetrics(strings.NewReader(input))
	require.NoError(t, err)
	assert.Len(t, pts, 3)
	spans, err := ReadSpans(strings.NewReader(input))
	require.NoError(t, err)
	require.Len(t, spans, 1)
	assert.Equal(t, 3, spans[0].Line)
}
