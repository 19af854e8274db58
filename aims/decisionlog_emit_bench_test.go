package aims

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// discardProcessor is an OpenTelemetry log processor that takes every
// record and keeps none: the cost of emitting through the SDK without an
// exporter's.
type discardProcessor struct{}

func (discardProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (discardProcessor) OnEmit(context.Context, *sdklog.Record) error           { return nil }
func (discardProcessor) Shutdown(context.Context) error                         { return nil }
func (discardProcessor) ForceFlush(context.Context) error                       { return nil }

// BenchmarkRecordEmit is DecisionLog.Record without a ledger, its
// aims.decision log record going through the OpenTelemetry SDK to a
// processor that discards it.
func BenchmarkRecordEmit(b *testing.B) {
	benchRecordEmit(b, sdklog.NewLoggerProvider(sdklog.WithProcessor(discardProcessor{})))
}

// BenchmarkRecordEmitNoDedup is BenchmarkRecordEmit with the SDK's
// attribute de-duplication off (sdklog.WithAllowKeyDuplication): the
// difference is the SDK's de-duplication of a record whose keys are
// unique by construction.
func BenchmarkRecordEmitNoDedup(b *testing.B) {
	benchRecordEmit(b, sdklog.NewLoggerProvider(sdklog.WithProcessor(discardProcessor{}), sdklog.WithAllowKeyDuplication()))
}

// keepAllLogger is an OpenTelemetry API logger that says yes to every
// record and drops it: the cost of building the record (ours) without
// the SDK's processing of it.
type keepAllLogger struct{ lognoop.Logger }

func (keepAllLogger) Enabled(context.Context, log.EnabledParameters) bool { return true }

type keepAllProvider struct{ lognoop.LoggerProvider }

func (keepAllProvider) Logger(string, ...log.LoggerOption) log.Logger { return keepAllLogger{} }

// BenchmarkRecordEmitAPI is BenchmarkRecordEmit with the record built
// and handed to the API but not processed: what aimskit's own code costs,
// against which BenchmarkRecordEmit shows the SDK's share.
func BenchmarkRecordEmitAPI(b *testing.B) { benchRecordEmit(b, keepAllProvider{}) }

// benchRecordEmit records benchDecision through a log emitting to lp.
func benchRecordEmit(b *testing.B, lp log.LoggerProvider) {
	if sp, ok := lp.(*sdklog.LoggerProvider); ok {
		b.Cleanup(func() { _ = sp.Shutdown(context.Background()) })
	}
	dl, err := NewDecisionLog(WithLoggerProvider(lp), WithAllowList(NewAllowList(benchInputs...)), WithAttributionPolicy(AttributionsAll))
	if err != nil {
		b.Fatal(err)
	}
	d := benchDecision(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := dl.Record(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}
