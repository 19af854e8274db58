package oversight

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// instruments holds the Gate's tracer, logger and metric instruments.
type instruments struct {
	tracer trace.Tracer
	logger otellog.Logger

	routed      metric.Int64Counter
	reviewDur   metric.Float64Histogram
	reviews     metric.Int64Counter
	expired     metric.Int64Counter
	escalations metric.Int64Counter
	halts       metric.Int64Counter
	refused     metric.Int64Counter
	reg         metric.Registration

	// Attribute sets built once, so the apply path allocates nothing for them.
	routeOpts [3]metric.AddOption

	// Counts since start for the override and agreement rates.
	resolvedReviews, overrides, approvals atomic.Int64
}

func newInstruments(c *config, store Store) (*instruments, error) {
	t := &instruments{
		tracer: c.providers.Tracer(semconv.ScopeOversight),
		logger: c.providers.Logger(semconv.ScopeOversight),
	}
	m := c.providers.Meter(semconv.ScopeOversight)
	var err error
	if t.routed, err = m.Int64Counter(semconv.MetricOversightRouted, metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions by gate route: apply, review, block.")); err != nil {
		return nil, err
	}
	if t.reviewDur, err = m.Float64Histogram(semconv.MetricOversightReviewDuration, metric.WithUnit("s"),
		metric.WithDescription("Time from submission to the resolving human action."),
		metric.WithExplicitBucketBoundaries(1, 10, 30, 60, 300, 900, 1800, 3600, 4*3600, 24*3600)); err != nil {
		return nil, err
	}
	if t.reviews, err = m.Int64Counter(semconv.MetricOversightReviews, metric.WithUnit("{review}"),
		metric.WithDescription("Resolving human actions by action: approve, reject, override.")); err != nil {
		return nil, err
	}
	if t.expired, err = m.Int64Counter(semconv.MetricOversightExpired, metric.WithUnit("{ticket}"),
		metric.WithDescription("Tickets whose final deadline passed.")); err != nil {
		return nil, err
	}
	if t.escalations, err = m.Int64Counter(semconv.MetricOversightEscalations, metric.WithUnit("{ticket}"),
		metric.WithDescription("Escalations to the next reviewer level.")); err != nil {
		return nil, err
	}
	if t.halts, err = m.Int64Counter(semconv.MetricOversightHalts, metric.WithUnit("{halt}"),
		metric.WithDescription("Halts of AI systems.")); err != nil {
		return nil, err
	}
	if t.refused, err = m.Int64Counter(semconv.MetricOversightRefused, metric.WithUnit("{attempt}"),
		metric.WithDescription("Refused reviewer attempts.")); err != nil {
		return nil, err
	}
	depth, err := m.Int64ObservableGauge(semconv.MetricOversightQueueDepth, metric.WithUnit("{ticket}"),
		metric.WithDescription("Open review tickets."))
	if err != nil {
		return nil, err
	}
	overrideRate, err := m.Float64ObservableGauge(semconv.MetricOversightOverrideRate, metric.WithUnit("1"),
		metric.WithDescription("Share of resolved reviews that were overrides, since start."))
	if err != nil {
		return nil, err
	}
	agreementRate, err := m.Float64ObservableGauge(semconv.MetricOversightAgreementRate, metric.WithUnit("1"),
		metric.WithDescription("Share of resolved reviews that approved the model output, since start; near 1 may signal automation bias."))
	if err != nil {
		return nil, err
	}
	t.reg, err = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if n, err := store.CountOpen(ctx); err == nil {
			o.ObserveInt64(depth, int64(n))
		}
		if total := t.resolvedReviews.Load(); total > 0 {
			o.ObserveFloat64(overrideRate, float64(t.overrides.Load())/float64(total))
			o.ObserveFloat64(agreementRate, float64(t.approvals.Load())/float64(total))
		}
		return nil
	}, depth, overrideRate, agreementRate)
	if err != nil {
		return nil, err
	}
	for r := RouteApply; r <= RouteBlock; r++ {
		t.routeOpts[r] = metric.WithAttributeSet(attribute.NewSet(semconv.AimsOversightRoute.String(r.String())))
	}
	return t, nil
}

// resolved updates the review metrics after a ticket resolved by a human.
func (t *instruments) resolved(ctx context.Context, action aims.OversightAction, latency time.Duration) {
	attrs := metric.WithAttributes(semconv.AimsOversightAction.String(string(action)))
	t.reviews.Add(ctx, 1, attrs)
	t.reviewDur.Record(ctx, latency.Seconds(), attrs)
	t.resolvedReviews.Add(1)
	switch action {
	case aims.ActionOverride:
		t.overrides.Add(1)
	case aims.ActionApprove:
		t.approvals.Add(1)
	}
}

// enabled reports whether an event would be kept, so that a caller can
// skip building its attributes for a no-op logger.
func (t *instruments) enabled(ctx context.Context, name string, sev otellog.Severity) bool {
	return t.logger.Enabled(ctx, otellog.EnabledParameters{Severity: sev, EventName: name})
}

// emit sends an event (a log record with an event name) carrying the
// control it is evidence for.
func (t *instruments) emit(ctx context.Context, name, control string, sev otellog.Severity, attrs ...attribute.KeyValue) {
	var rec otellog.Record
	rec.SetEventName(name)
	rec.SetTimestamp(time.Now())
	rec.SetSeverity(sev)
	rec.SetBody(attribute.StringValue(name))
	rec.AddAttributes(semconv.AimsControlID.String(control))
	rec.AddAttributes(attrs...)
	t.logger.Emit(ctx, rec)
}

// ticketAttrs are the attributes that describe a ticket in spans and events.
func ticketAttrs(t *Ticket) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.AimsOversightTicketID.String(t.ID),
		semconv.AimsDecisionID.String(t.Decision.ID),
		semconv.AimsSystemID.String(t.Decision.SystemID),
		semconv.AimsOversightLevel.Int(t.Level),
	}
}

func metricAttrs(kv ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributes(kv...)
}

// endSpan ends span, first recording err and setting status Error if err
// is not nil. Every operation that starts a span defers it with its named
// error result, so that no error return leaves the span's status Unset.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
