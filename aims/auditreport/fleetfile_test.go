package auditreport

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/fairness"
)

// batch is one line of a Collector's metrics file: one export of the
// cumulative decision and selected counts of group A by one instance.
// value writes the data point's value field ("asInt":"40", or "" for none)
// and extra adds fields to the points (flags).
func batch(inst string, start, at int64, decisions, selected, extra string) string {
	return batchOf(2, inst, start, at, decisions, selected, extra)
}

// batchOf is batch with the sums' aggregation temporality: 1 delta, 2
// cumulative. A start time of 0 leaves startTimeUnixNano out.
func batchOf(temporality int, inst string, start, at int64, decisions, selected, extra string) string {
	point := func(value string) string {
		fields := []string{
			`"attributes":[{"key":"aims.fairness.group.name","value":{"stringValue":"A"}}]`,
			fmt.Sprintf(`"timeUnixNano":"%d"`, at),
		}
		if start != 0 {
			fields = append(fields, fmt.Sprintf(`"startTimeUnixNano":"%d"`, start))
		}
		if value != "" {
			fields = append(fields, value)
		}
		if extra != "" {
			fields = append(fields, extra)
		}
		return "{" + strings.Join(fields, ",") + "}"
	}
	sum := func(name, value string, monotonic bool) string {
		return fmt.Sprintf(`{"name":%q,"unit":"{decision}","sum":{"dataPoints":[%s],"aggregationTemporality":%d,"isMonotonic":%v}}`, name, point(value), temporality, monotonic)
	}
	return fmt.Sprintf(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"aims.system.id","value":{"stringValue":"s"}},{"key":"aims.system.instance","value":{"stringValue":%q}}]},"scopeMetrics":[{"scope":{"name":"github.com/aimskit/aimskit/fairness"},"metrics":[%s,%s]}]}]}`,
		inst, sum("aims.fairness.cumulative.decisions", decisions, true), sum("aims.fairness.cumulative.selected", selected, false))
}

func fleetCounts(t *testing.T, lines ...string) map[string]fairness.GroupCounts {
	t.Helper()
	pts, err := otlpfile.ReadMetrics(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	require.NoError(t, err)
	ic := CumulativeCounts(pts)["s"]
	out := map[string]fairness.GroupCounts{}
	for i, inst := range ic.Instances {
		for _, c := range ic.Counts[i] {
			out[inst] = c
		}
	}
	return out
}

// TestCumulativeCountsIgnorePointsWithoutValue: a data point flagged
// "no recorded value" (OTLP DataPointFlags FLAG_NO_RECORDED_VALUE, a
// staleness marker, metrics.proto) carries no count. It is the latest
// point of its series, yet the instance's counts stay those of its last
// real point (40 decided, 30 selected), not zero.
func TestCumulativeCountsIgnorePointsWithoutValue(t *testing.T) {
	got := fleetCounts(t,
		batch("i1", 1000, 2000, `"asInt":"40"`, `"asInt":"30"`, ""),
		batch("i1", 1000, 3000, "", "", `"flags":1`),
	)
	assert.Equal(t, int64(40), got["i1"].Decisions)
	assert.Equal(t, int64(30), got["i1"].Selected)
}

// TestCumulativeCountsOfAHostileCollectorFile reads, from OTLP/JSON lines,
// what an at-least-once pipeline delivers: a batch twice, batches out of
// order, a restart (new start time, lower values), non-finite values.
// Each instance's counts are those a single process fed the same traffic
// would hold. (A negative value refuses its instance:
// TestNegativeMonotonicCountRefusesTheInstance.)
func TestCumulativeCountsOfAHostileCollectorFile(t *testing.T) {
	got := fleetCounts(t,
		batch("i1", 1000, 3000, `"asInt":"70"`, `"asInt":"50"`, ""),
		batch("i1", 1000, 2000, `"asInt":"40"`, `"asInt":"30"`, ""), // older, read later
		batch("i1", 1000, 3000, `"asInt":"70"`, `"asInt":"50"`, ""), // delivered twice
		// i1 restarted at 3500: a new series from 0.
		batch("i1", 3500, 4000, `"asInt":"5"`, `"asInt":"2"`, ""),
		batch("i2", 1100, 2500, `"asInt":"9"`, `"asInt":"3"`, ""),
		batch("i2", 1100, 2600, `"asDouble":"NaN"`, `"asDouble":"Infinity"`, ""),
	)
	assert.Equal(t, fairness.GroupCounts{Group: "A", Decisions: 75, Selected: 52}, got["i1"])
	assert.Equal(t, fairness.GroupCounts{Group: "A", Decisions: 9, Selected: 3}, got["i2"])
}

// TestCumulativeCountsOfDeltaSums: an exporter configured for delta
// temporality sends each interval's change, not the running total
// (OpenTelemetry metrics data model, "Sums"). The instance's counts are the
// sum of the distinct intervals: a repeated batch counts once, a fall in
// the selected count (a review that turned a selection into a refusal, an
// up-down counter) is subtracted, and intervals without a start time are
// told apart by their end time. Decisions 10+5+3+4 = 22, selected
// 6−2+1 = 5.
func TestCumulativeCountsOfDeltaSums(t *testing.T) {
	got := fleetCounts(t,
		batchOf(1, "i1", 1000, 2000, `"asInt":"10"`, `"asInt":"6"`, ""),
		batchOf(1, "i1", 2000, 3000, `"asInt":"5"`, `"asInt":"-2"`, ""),
		batchOf(1, "i1", 2000, 3000, `"asInt":"5"`, `"asInt":"-2"`, ""), // delivered twice
		batchOf(1, "i1", 0, 4000, `"asInt":"3"`, `"asInt":"1"`, ""),
		batchOf(1, "i1", 0, 5000, `"asInt":"4"`, `"asInt":"0"`, ""),
	)
	assert.Equal(t, fairness.GroupCounts{Group: "A", Decisions: 22, Selected: 5}, got["i1"])
}
