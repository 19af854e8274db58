package oteltest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/internal/version"
)

// recordingTB is a testing.TB whose cleanups run when finish is called and
// whose errors are kept, so that a test can see what a helper reports at
// the end of another test.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	errs     []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// finish runs the cleanups, last registered first, as testing does, and
// returns the errors reported.
func (r *recordingTB) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.errs
}

// TestPushedChecksConformanceAtTestEnd checks that a test emitting through
// Pushed fails at its end when a metric or an event is not in the README's
// published table, as one using NewMetrics or NewLogs does.
func TestPushedChecksConformanceAtTestEnd(t *testing.T) {
	rt := &recordingTB{TB: t}
	p := NewPushed(rt)
	scope := scopePrefix + "/drift"
	c, err := p.MeterProvider.Meter(scope, metric.WithInstrumentationVersion(version.Module), metric.WithSchemaURL(version.SchemaURL)).Int64Counter("aims.unpublished.count", metric.WithUnit("{x}"))
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 1)
	var r log.Record
	r.SetEventName("aims.unpublished.event")
	p.LoggerProvider.Logger(scope, log.WithInstrumentationVersion(version.Module), log.WithSchemaURL(version.SchemaURL)).Emit(context.Background(), r)

	errs := rt.finish()
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"metric aims.unpublished.count is not published", `log record "aims.unpublished.event" is not a published event`} {
		if !strings.Contains(joined, want) {
			t.Errorf("test end reported %q, want a problem saying %q", errs, want)
		}
	}
}

// TestPushedProblems checks Pushed's check against a small table: the
// metrics of every export and the exported log records are checked, and a
// problem an export repeats (a cumulative metric is in every export) is
// reported once.
func TestPushedProblems(t *testing.T) {
	p, err := parsePublished(table)
	if err != nil {
		t.Fatal(err)
	}
	export := func(name, pkg string) metricdata.ResourceMetrics {
		return metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{
			Scope: scopeOf(pkg),
			Metrics: []metricdata.Metrics{{Name: name, Unit: "{z}", Data: metricdata.Sum[int64]{
				IsMonotonic: true, Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.DataPoint[int64]{{Value: 1}},
			}}},
		}}}
	}
	exp := &LogExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	for _, name := range []string{"aims.z.event", "aims.y.event"} {
		var r log.Record
		r.SetEventName(name)
		lp.Logger(scopePrefix+"/z", log.WithInstrumentationVersion(version.Module), log.WithSchemaURL(version.SchemaURL)).Emit(context.Background(), r)
	}
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := exp.Records()

	if got := p.pushedProblems([]metricdata.ResourceMetrics{export("aims.z.count", "z")}, recs[:1]); len(got) != 0 {
		t.Errorf("published metric and event: problems %q", got)
	}
	got := p.pushedProblems([]metricdata.ResourceMetrics{export("aims.z.count", "z"), export("aims.y.count", "z"), export("aims.y.count", "z")}, recs)
	want := []string{"metric aims.y.count is not published", `log record "aims.y.event" is not a published event`}
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d is %q, want %q", i, got[i], want[i])
		}
	}
}
