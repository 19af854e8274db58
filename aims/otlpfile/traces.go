package otlpfile

import (
	"fmt"
	"io"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Span is one span with its resource and scope flattened in.
type Span struct {
	Resource     map[string]any // attributes of the emitting resource; read-only, shared
	Scope        string         // instrumentation scope name
	ScopeVersion string         // instrumentation scope version
	TraceID      string         // lowercase hex
	SpanID       string         // lowercase hex
	ParentSpanID string         // lowercase hex, "" for a root span
	TraceState   string         // W3C tracestate, "" when none
	Name         string         // span name
	// Kind is the OTLP SpanKind number: 1 internal, 2 server, 3 client,
	// 4 producer, 5 consumer (0 unspecified).
	Kind       int
	Start      time.Time      // start time
	End        time.Time      // end time
	Attributes map[string]any // the span's attributes
	Events     []SpanEvent    // events recorded on the span, in order
	Links      []SpanLink     // links to other spans
	// StatusCode is the OTLP status code: 0 unset, 1 ok, 2 error.
	StatusCode    int
	StatusMessage string // the status description, "" when none
	Line          int    // line of the input the span came from

	res, scope, item int // indexes within the line's request, for Where
}

// SpanEvent is an event recorded on a span.
type SpanEvent struct {
	Time       time.Time      // when the event happened
	Name       string         // event name
	Attributes map[string]any // the event's attributes
}

// SpanLink is a span's link to another span.
type SpanLink struct {
	TraceID, SpanID string         // lowercase hex
	TraceState      string         // W3C tracestate of the link, "" when none
	Attributes      map[string]any // the link's attributes
}

// Where locates the span in its input: the line and the span's path in the
// request on that line.
func (s Span) Where() string {
	return fmt.Sprintf("line %d, %s", s.Line, spanPath(s.res, s.scope, s.item))
}

func spanPath(res, scope, item int) string {
	return fmt.Sprintf("resourceSpans[%d].scopeSpans[%d].spans[%d]", res, scope, item)
}

// ReadSpans reads every span from r.
func ReadSpans(r io.Reader, opts ...Option) ([]Span, error) {
	var out []Span
	err := EachSpan(r, func(s Span) error {
		out = append(out, s)
		return nil
	}, opts...)
	return out, err
}

// EachSpan calls f for every span in r, in input order, reading a line at
// a time. An error from f stops the reading and is returned as it is.
func EachSpan(r io.Reader, f func(Span) error, opts ...Option) error {
	return eachRecord(r, opts, decodeTraces, f)
}

func decodeTraces(line []byte, n int, terminated, _ bool) ([]Span, error) {
	var req coltracepb.ExportTraceServiceRequest
	if err := unmarshalLine(line, terminated, "traces", &req); err != nil {
		return nil, err
	}
	var out []Span
	for ri, rs := range req.GetResourceSpans() {
		res := attrMap(rs.GetResource().GetAttributes())
		for si, ss := range rs.GetScopeSpans() {
			for i, sp := range ss.GetSpans() {
				s := Span{Resource: res, Scope: ss.GetScope().GetName(), ScopeVersion: ss.GetScope().GetVersion(),
					TraceState: sp.GetTraceState(), Name: sp.GetName(), Kind: int(sp.GetKind()),
					Attributes: attrMap(sp.GetAttributes()), StatusCode: int(sp.GetStatus().GetCode()),
					StatusMessage: sp.GetStatus().GetMessage(), Line: n, res: ri, scope: si, item: i}
				if err := s.decode(sp); err != nil {
					return nil, &recordError{path: spanPath(ri, si, i), err: err}
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func (s *Span) decode(sp *tracepb.Span) error {
	var err error
	if s.TraceID, err = hexID("traceId", sp.GetTraceId(), traceIDSize); err != nil {
		return err
	}
	if s.SpanID, err = hexID("spanId", sp.GetSpanId(), spanIDSize); err != nil {
		return err
	}
	if s.ParentSpanID, err = hexID("parentSpanId", sp.GetParentSpanId(), spanIDSize); err != nil {
		return err
	}
	if s.Start, err = unixNano("startTimeUnixNano", sp.GetStartTimeUnixNano()); err != nil {
		return err
	}
	if s.End, err = unixNano("endTimeUnixNano", sp.GetEndTimeUnixNano()); err != nil {
		return err
	}
	for i, ev := range sp.GetEvents() {
		e := SpanEvent{Name: ev.GetName(), Attributes: attrMap(ev.GetAttributes())}
		if e.Time, err = unixNano("timeUnixNano", ev.GetTimeUnixNano()); err != nil {
			return fmt.Errorf("events[%d]: %w", i, err)
		}
		s.Events = append(s.Events, e)
	}
	for i, l := range sp.GetLinks() {
		k := SpanLink{TraceState: l.GetTraceState(), Attributes: attrMap(l.GetAttributes())}
		if k.TraceID, err = hexID("traceId", l.GetTraceId(), traceIDSize); err != nil {
			return fmt.Errorf("links[%d]: %w", i, err)
		}
		if k.SpanID, err = hexID("spanId", l.GetSpanId(), spanIDSize); err != nil {
			return fmt.Errorf("links[%d]: %w", i, err)
		}
		s.Links = append(s.Links, k)
	}
	return nil
}
