package auditreport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// TestFleetViolationCountedOnce: three instances of one system each emit
// their own threshold event for the same disparity while it lasts (each
// monitor watches its own window). The summary's violations and distinct
// alerts are the system's: one ongoing violation, counted once; a later
// violation after every instance recovered is a second one. A single
// instance's repeated violations still count one by one.
func TestFleetViolationCountedOnce(t *testing.T) {
	in := &Input{}
	at := generatedAt.Add(-3 * time.Hour)
	ev := func(inst, state string, d time.Duration) {
		in.Logs = append(in.Logs, otlpfile.LogRecord{EventName: semconv.EventFairnessThreshold, Time: at.Add(d),
			Resource: map[string]any{string(semconv.AimsSystemID): "s", string(semconv.AimsSystemInstance): inst},
			Attributes: map[string]any{
				string(semconv.AimsFairnessDisparity):  "equal_opportunity_difference",
				string(semconv.AimsFairnessState):      state,
				string(semconv.AimsFairnessComparison): "above",
				string(semconv.AimsFairnessThreshold):  0.1,
				string(semconv.AimsFairnessValue):      0.2,
				string(semconv.AimsFairnessGroupMin):   "g=b",
				string(semconv.AimsFairnessGroupMax):   "g=a",
			}})
	}
	// One disparity, seen by three replicas.
	ev("i1", "violated", 0)
	ev("i2", "violated", time.Minute)
	ev("i3", "violated", 2*time.Minute)
	ev("i1", "recovered", 10*time.Minute)
	ev("i2", "recovered", 11*time.Minute)
	ev("i3", "recovered", 12*time.Minute)
	s := buildFairness(in)
	_, violations, alerts := fairnessCounts(&s)
	assert.Equal(t, 1, violations, "one disparity seen by three replicas is one violation of the system")
	assert.Equal(t, 1, alerts)

	// It comes back later, on i2 alone: a second violation.
	ev("i2", "violated", time.Hour)
	s = buildFairness(in)
	_, violations, alerts = fairnessCounts(&s)
	assert.Equal(t, 2, violations)
	assert.Equal(t, 2, alerts)
	require.Len(t, s.Events, 7)
	assert.Equal(t, "i2", s.Events[1].Instance)
	assert.Equal(t, "i1", s.Events[1].SameAsInstance, "i2's violation repeats the one i1 reported")
	assert.Empty(t, s.Events[6].SameAsInstance)

	// One instance violating twice: two violations, as before.
	one := &Input{}
	for _, l := range in.Logs {
		if l.Resource[string(semconv.AimsSystemInstance)] == "i2" {
			one.Logs = append(one.Logs, l)
		}
	}
	s = buildFairness(one)
	_, violations, alerts = fairnessCounts(&s)
	assert.Equal(t, 2, violations)
	assert.Equal(t, 2, alerts)
}
