package aims

import (
	"context"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func TestRecordEvidenceChecksTheEnvelope(t *testing.T) {
	logs := oteltest.NewLogs(t)
	sys, err := NewSystem("chat", WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	good := Evidence{SchemaVersion: "x.test/v1", EventName: semconv.EventGenAIFeedback, Time: now, Controls: []string{"a.6.2.8"},
		Body: []byte(`{"schema_version":"x.test/v1","n":1}`), Scope: semconv.ScopeGenAI}
	if err := sys.RecordEvidence(ctx, good); err != nil {
		t.Fatal(err)
	}
	ev := logs.Events(semconv.EventGenAIFeedback)
	if len(ev) != 1 || oteltest.Attrs(ev[0])[string(semconv.AimsControlID)].AsString() != "A.6.2.8" {
		t.Fatalf("want one evidence record with the normalised control, got %v", ev)
	}
	if got := ev[0].InstrumentationScope().Name; got != semconv.ScopeGenAI {
		t.Errorf("evidence record under scope %s, want its package's %s", got, semconv.ScopeGenAI)
	}
	for name, mutate := range map[string]func(e *Evidence){
		"aims schema":       func(e *Evidence) { e.SchemaVersion = DecisionSchemaVersion },
		"no schema":         func(e *Evidence) { e.SchemaVersion = "" },
		"no event":          func(e *Evidence) { e.EventName = "" },
		"no time":           func(e *Evidence) { e.Time = time.Time{} },
		"no controls":       func(e *Evidence) { e.Controls = nil },
		"unknown control":   func(e *Evidence) { e.Controls = []string{"A.99"} },
		"body not JSON":     func(e *Evidence) { e.Body = []byte("{") },
		"body other schema": func(e *Evidence) { e.Body = []byte(`{"schema_version":"y/v1"}`) },
		"scope not aims'":   func(e *Evidence) { e.Scope = semconv.ScopeFairness },
		"scope beside aims": func(e *Evidence) { e.Scope = semconv.ScopeAims + "x/genai" },
	} {
		e := good
		mutate(&e)
		if err := sys.RecordEvidence(ctx, e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(logs.Events(semconv.EventGenAIFeedback)); n != 1 {
		t.Fatalf("refused records were emitted: %d records", n)
	}
	if err := sys.Log().RecordEvidence(ctx, "", good); err == nil {
		t.Error("no system ID: accepted")
	}
}
