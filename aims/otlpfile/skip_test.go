package otlpfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSkipBadLines: one bad line among good ones — a timestamp past 2262, a
// line cut off by a crash and followed by more writes, a value of the wrong
// JSON type, a torn last line — leaves out that line only. The good lines'
// points are all read and every skipped line is reported with its number
// and reason.
func TestSkipBadLines(t *testing.T) {
	past2262 := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asInt":"1"},{"timeUnixNano":"9223372036854775808","asInt":"2"}]}}]}]}]}`
	cut := metricsLine[:len(metricsLine)/2]
	wrongType := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":1}]}]}]}`
	input := metricsLine + "\n" + past2262 + "\n" + cut + "\n" + metricsLine + "\n" + wrongType + "\n" + metricsLine + "\n" + cut
	var sk Skipped
	pts, err := ReadMetrics(strings.NewReader(input), WithName("metrics.jsonl"), WithSkipBadLines(&sk))
	require.NoError(t, err)
	require.Len(t, pts, 9, "three good lines of three points each")
	assert.Equal(t, []int{1, 1, 1, 4, 4, 4, 6, 6, 6}, linesOf(pts))
	assert.Equal(t, 4, sk.Lines)
	require.Len(t, sk.First, 4)
	for i, want := range []int{2, 3, 5, 7} {
		assert.Equal(t, want, sk.First[i].Line)
		assert.Equal(t, "metrics.jsonl", sk.First[i].Name)
	}
	assert.ErrorContains(t, sk.First[0], "metrics.jsonl line 2 has a bad record at resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1]: timeUnixNano 9223372036854775808 is out of range")
	assert.ErrorContains(t, sk.First[1], "line 3 is not OTLP/JSON metrics data")
	assert.ErrorContains(t, sk.First[2], "line 5 is not OTLP/JSON metrics data")
	assert.ErrorIs(t, sk.First[3], ErrTornLine)
}

// TestSkippedListIsBounded: the count covers every skipped line, the list
// only the first MaxSkippedListed.
func TestSkippedListIsBounded(t *testing.T) {
	input := strings.Repeat("{bad\n", MaxSkippedListed+5) + logsLine + "\n"
	var sk Skipped
	recs, err := ReadLogs(strings.NewReader(input), WithSkipBadLines(&sk))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, MaxSkippedListed+6, recs[0].Line)
	assert.Equal(t, MaxSkippedListed+5, sk.Lines)
	require.Len(t, sk.First, MaxSkippedListed)
	assert.Equal(t, MaxSkippedListed, sk.First[MaxSkippedListed-1].Line)
}

// TestOversizedLineIsASkippedLine: a line over the bound is skipped whole,
// the next line is read from its start, and line numbers stay right.
func TestOversizedLineIsASkippedLine(t *testing.T) {
	big := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"` + strings.Repeat("x", 200<<10) + `"}}]}]}]}`
	for name, input := range map[string]string{
		"in the middle": logsLine + "\n" + big + "\n" + logsLine + "\n",
		"last, torn":    logsLine + "\n" + logsLine + "\n" + big,
	} {
		t.Run(name, func(t *testing.T) {
			var sk Skipped
			recs, err := ReadLogs(strings.NewReader(input), WithMaxLineBytes(100<<10), WithSkipBadLines(&sk))
			require.NoError(t, err)
			require.Len(t, recs, 2)
			assert.Equal(t, 1, sk.Lines)
			require.Len(t, sk.First, 1)
			assert.ErrorContains(t, sk.First[0], "is longer than 102400 bytes")
			if name == "in the middle" {
				assert.Equal(t, 2, sk.First[0].Line)
				assert.Equal(t, []int{1, 3}, []int{recs[0].Line, recs[1].Line})
			} else {
				assert.Equal(t, 3, sk.First[0].Line)
			}
		})
	}
}

func TestSkipBadLinesNeedsSomewhereToReport(t *testing.T) {
	_, err := ReadLogs(strings.NewReader(logsLine), WithSkipBadLines(nil))
	assert.EqualError(t, err, "otlpfile: WithSkipBadLines: nil *Skipped: a skipped line must be reported")
}

func linesOf(pts []Point) []int {
	out := make([]int, len(pts))
	for i, p := range pts {
		out[i] = p.Line
	}
	return out
}
