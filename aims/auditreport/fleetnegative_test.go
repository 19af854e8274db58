package auditreport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/fairness"
)

// TestNegativeMonotonicCountRefusesTheInstance: a monotonic Sum never
// decreases (OpenTelemetry metrics data model, "Sums": a monotonic
// cumulative sum's points never fall within one start time, a monotonic
// delta sum's are never negative), and a cumulative count of decisions
// cannot be below zero. A negative point of one is impossible; the
// instance that exported it is refused with the reason, and the whole
// system's view names it as left out, as for other impossible counts,
// rather than the point being dropped and its earlier counts used.
func TestNegativeMonotonicCountRefusesTheInstance(t *testing.T) {
	lines := []string{
		batch("i1", 1000, 2000, `"asInt":"40"`, `"asInt":"30"`, ""),
		batch("i2", 1100, 2500, `"asInt":"9"`, `"asInt":"3"`, ""),
		batch("i2", 1100, 2700, `"asInt":"-4"`, `"asInt":"3"`, ""), // monotonic, cumulative
		batchOf(1, "i3", 1000, 2000, `"asInt":"10"`, `"asInt":"6"`, ""),
		batchOf(1, "i3", 2000, 3000, `"asInt":"-5"`, `"asInt":"-2"`, ""), // monotonic delta; the selected delta may be negative
		batch("i4", 1000, 2000, `"asInt":"40"`, `"asInt":"-1"`, ""),      // cumulative selected count below zero
	}
	pts, err := otlpfile.ReadMetrics(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	require.NoError(t, err)
	ic := CumulativeCounts(pts)["s"]
	assert.Equal(t, []string{"i1"}, ic.Instances)
	require.Len(t, ic.Counts, 1)
	assert.Equal(t, []fairness.GroupCounts{{Group: "A", Decisions: 40, Selected: 30}}, ic.Counts[0])
	for inst, want := range map[string]string{"i2": "aims.fairness.cumulative.decisions", "i3": "aims.fairness.cumulative.decisions", "i4": "aims.fairness.cumulative.selected"} {
		err := ic.Refused[inst]
		if assert.Error(t, err, "instance %s not refused", inst) {
			assert.Contains(t, err.Error(), want)
			assert.Contains(t, err.Error(), "negative")
		}
	}

	fleet := fleetMonitors(pts, instancesBySystem(pts))
	require.Len(t, fleet, 1)
	assert.Equal(t, []string{"i1"}, fleet[0].Instances)
	require.Len(t, fleet[0].Excluded, 3)
	for i, inst := range []string{"i2", "i3", "i4"} {
		assert.True(t, strings.HasPrefix(fleet[0].Excluded[i], inst+" ("), "excluded %q", fleet[0].Excluded[i])
		assert.Contains(t, fleet[0].Excluded[i], "negative")
	}
}
