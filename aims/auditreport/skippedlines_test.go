package auditreport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneBadCollectorLineLeavesTheRest: one client's bad batch in the
// Collector's metrics file (a timestamp past 2262) and a line cut off by a
// crash of the Collector, followed by more writes, leave out those two lines
// only: the other instances' points are read, and the report names the
// skipped lines in its inputs, in Missing and in its summary.
func TestOneBadCollectorLineLeavesTheRest(t *testing.T) {
	dir := t.TempDir()
	good1 := batch("i1", 1000, 2000, `"asInt":"40"`, `"asInt":"30"`, "")
	past2262 := batch("i2", 1000, 0, `"asInt":"40"`, `"asInt":"30"`, "")
	past2262 = strings.Replace(past2262, `"timeUnixNano":"0"`, `"timeUnixNano":"9300000000000000000"`, 1)
	cut := good1[:len(good1)/3]
	good3 := batch("i3", 1000, 2000, `"asInt":"50"`, `"asInt":"35"`, "")
	metrics := filepath.Join(dir, MetricsFile)
	require.NoError(t, os.WriteFile(metrics, []byte(good1+"\n"+past2262+"\n"+cut+"\n"+good3+"\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, LogsFile), nil, 0o600))

	in, err := Load(context.Background(), LoadOptions{OTelDir: dir, Now: generatedAt})
	require.NoError(t, err)
	require.NotNil(t, in.Metrics, "the good lines are read")
	assert.Len(t, in.Metrics, 4, "two points from each of the two good lines")
	joined := strings.Join(in.Missing, "\n")
	assert.Contains(t, joined, metrics+" line 2 has a bad record")
	assert.Contains(t, joined, metrics+" line 3 is not OTLP/JSON metrics data")
	assert.Contains(t, joined, "2 lines")

	r := build(t, in)
	var src Source
	for _, s := range r.Sources {
		if s.Name == "Collector metrics" {
			src = s
		}
	}
	assert.True(t, src.OK)
	assert.Contains(t, src.Status, "4 metric points")
	assert.Contains(t, src.Status, "2 lines skipped")
	var findings []string
	for _, f := range r.Summary.Findings {
		if strings.Contains(f.Text, "skipped") {
			assert.NotEqual(t, VerdictPass, f.Verdict)
			findings = append(findings, f.Text)
		}
	}
	assert.NotEmpty(t, findings, "the summary says lines were skipped")
	require.True(t, r.Fairness.Available)
	var fleet *FairnessMonitor
	for i := range r.Fairness.Monitors {
		if r.Fairness.Monitors[i].Fleet {
			fleet = &r.Fairness.Monitors[i]
		}
	}
	require.NotNil(t, fleet, "the fleet view is built from i1 and i3")
	assert.Equal(t, []string{"i1", "i3"}, fleet.Instances)
}
