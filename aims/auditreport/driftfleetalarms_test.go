package auditreport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// TestFleetDriftCountedOnce: two replicas of one system each test their
// own window and report the same feature drifting, then recovering. The
// summary's drift alerts and recoveries are the system's: one episode.
// A single instance's episodes still count one by one.
func TestFleetDriftCountedOnce(t *testing.T) {
	in := &Input{}
	at := generatedAt.Add(-3 * time.Hour)
	ev := func(inst, state string, d time.Duration) {
		in.Logs = append(in.Logs, otlpfile.LogRecord{EventName: semconv.EventDriftFeature, Time: at.Add(d),
			Resource:   map[string]any{string(semconv.AimsSystemID): "s", string(semconv.AimsSystemInstance): inst},
			Attributes: map[string]any{string(semconv.AimsDriftFeature): "income", string(semconv.AimsDriftState): state, string(semconv.AimsDriftMethod): "ks"}})
	}
	ev("i1", "drift", 0)
	ev("i2", "drift", time.Minute)
	ev("i1", "recovered", 10*time.Minute)
	ev("i2", "recovered", 11*time.Minute)
	s := buildDrift(in)
	assert.Equal(t, 1, s.Alerts(), "one feature drifting on two replicas is one drift alert of the system")
	assert.Equal(t, 1, s.Recoveries())
	require.Len(t, s.Events, 4)
	assert.Equal(t, "i2", s.Events[1].Instance)
	assert.Equal(t, "i1", s.Events[1].SameAsInstance)
	assert.Equal(t, "i2", s.Events[2].SameAsInstance, "the system still drifts on i2 when i1 recovers")

	one := &Input{}
	for _, l := range in.Logs {
		if l.Resource[string(semconv.AimsSystemInstance)] == "i1" {
			one.Logs = append(one.Logs, l)
		}
	}
	ev2 := in.Logs[0]
	ev2.Time = at.Add(time.Hour)
	one.Logs = append(one.Logs, ev2)
	s = buildDrift(one)
	assert.Equal(t, 2, s.Alerts())
	assert.Equal(t, 1, s.Recoveries())
}
