package aims

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// Disclosure channels: how a disclosure reached the person, the value of
// the aims.disclosure.channel attribute.
const (
	// ChannelHTTPHeader: the AI-Disclosure response header (Middleware).
	ChannelHTTPHeader = "http_header"
	// ChannelJSONBody: a member of a JSON response body (AttachJSON).
	ChannelJSONBody = "json_body"
	// ChannelTextMarker: a marker line on generated text (MarkText).
	ChannelTextMarker = "text_marker"
)

// DisclosureOption configures a Discloser.
type DisclosureOption interface{ applyDisclosure(*disclosureConfig) }

type disclosureConfig struct {
	telemetry telemetry
	now       func() time.Time
}

type disclosureOptionFunc func(*disclosureConfig)

func (f disclosureOptionFunc) applyDisclosure(c *disclosureConfig) { f(c) }

// WithClock sets the clock used for header dates; tests use it to get
// reproducible output. The default is time.Now.
func WithClock(now func() time.Time) DisclosureOption {
	return disclosureOptionFunc(func(c *disclosureConfig) { c.now = now })
}

// Discloser tells people that AI is involved, in a machine-readable way,
// and records every disclosure as evidence (ISO/IEC 42001 A.8.2; EU AI Act
// Art. 50): an OpenTelemetry event "aims.disclosure" carrying
// aims.control.id=A.8.2, and the counter "aims.disclosures". It is safe for
// concurrent use.
type Discloser struct {
	d       Disclosure
	now     func() time.Time
	logger  log.Logger
	counter metric.Int64Counter
	// attrs are the attributes every event carries but the channel;
	// statement is the event body.
	attrs     []attribute.KeyValue
	statement attribute.Value
	// counted are the counter's attribute sets of the known channels.
	counted map[string]metric.AddOption
	// header is the last AI-Disclosure value written, for its second:
	// the value changes only with the date.
	header atomic.Pointer[headerAt]
}

// headerAt is an AI-Disclosure header value and the Unix second of its date.
type headerAt struct {
	sec   int64
	value string
}

// NewDiscloser returns a Discloser for d, or an error when d is invalid.
func NewDiscloser(d Disclosure, opts ...DisclosureOption) (*Discloser, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	// Validate covers every member but a Date too far from now for an
	// RFC 9651 integer; trying once makes HeaderValue unable to fail later.
	if _, err := d.HeaderValue(time.Now()); err != nil {
		return nil, err
	}
	cfg := disclosureConfig{now: time.Now}
	for _, o := range opts {
		o.applyDisclosure(&cfg)
	}
	counter, err := cfg.telemetry.meter().Int64Counter(semconv.MetricDisclosures,
		metric.WithDescription("AI disclosures made to people"), metric.WithUnit("{disclosure}"))
	if err != nil {
		return nil, fmt.Errorf("aims: creating disclosure counter: %w", err)
	}
	x := &Discloser{d: d, now: cfg.now, logger: cfg.telemetry.logger(), counter: counter,
		statement: attribute.StringValue(d.EffectiveStatement()), counted: map[string]metric.AddOption{}}
	x.attrs = append(x.attrs, semconv.AimsControlID.String("A.8.2"), semconv.AimsDisclosureKind.String(string(d.Kind)))
	if d.SystemID != "" {
		x.attrs = append(x.attrs, semconv.AimsSystemID.String(d.SystemID))
	}
	if d.Model != "" {
		x.attrs = append(x.attrs, semconv.GenAIResponseModel.String(d.Model))
	}
	if d.Provider != "" {
		x.attrs = append(x.attrs, semconv.GenAIProviderName.String(d.Provider))
	}
	for _, ch := range []string{ChannelHTTPHeader, ChannelJSONBody, ChannelTextMarker} {
		x.counted[ch] = x.countedOption(ch)
	}
	return x, nil
}

// countedOption is the counter's attribute set for channel.
func (x *Discloser) countedOption(channel string) metric.AddOption {
	return metric.WithAttributeSet(attribute.NewSet(
		semconv.AimsDisclosureKind.String(string(x.d.Kind)),
		semconv.AimsDisclosureChannel.String(channel),
	))
}

// headerValue is x.d.HeaderValue(now), remembered for the second of its
// date.
func (x *Discloser) headerValue(now time.Time) (string, error) {
	date := x.d.Date
	if date.IsZero() {
		date = now
	}
	sec := date.Unix()
	if h := x.header.Load(); h != nil && h.sec == sec {
		return h.value, nil
	}
	v, err := x.d.HeaderValue(date)
	if err != nil {
		return "", err
	}
	x.header.Store(&headerAt{sec: sec, value: v})
	return v, nil
}

// Disclosure returns the disclosure this Discloser makes.
func (x *Discloser) Disclosure() Disclosure { return x.d }

// Middleware wraps next so that every response that carries an AI output
// has the AI-Disclosure header, and one disclosure event (and counter
// increment) is recorded per such response. Only successful (2xx)
// responses carry an AI output: an error, a redirect or a refusal gets
// neither the header nor an event. A handler whose successful response
// holds no AI output (an acknowledgement, a form) says so with
// MarkAIOutput(r.Context(), false); a 2xx response that is not marked
// otherwise is taken to carry one. The header is set when the status is
// written, so the handler decides until then. Middlewares nested around
// one handler share what it says, and the response carries the
// disclosure of the innermost one (the route's), recorded once, by it.
// A handler that never
// discloses (a health check) should not be wrapped. The event names the
// ServeMux pattern that served the request (aims.disclosure.route) when
// there is one, never the request path. The event is recorded
// for every response whose status went out with the header, also when
// the handler panics afterwards; a 101 (Switching Protocols) and a
// response the handler writes on a hijacked connection get neither (a
// handler that streams AI output over such a connection discloses it
// there and records it with Record). Under http.TimeoutHandler, a
// response the handler writes after the deadline is never sent: a write
// that fails with http.ErrHandlerTimeout takes the event back (a handler
// that writes nothing after the deadline gives no such sign, so put the
// TimeoutHandler inside the Middleware where it can go there).
func (x *Discloser) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Nested Middlewares share the mark: what the handler says holds
		// for all of them, and the header carries one disclosure.
		st, ok := r.Context().Value(outputMarkKey{}).(*outputMark)
		if !ok {
			st = &outputMark{carries: true}
			r = r.WithContext(context.WithValue(r.Context(), outputMarkKey{}, st))
		}
		sw := &statusWriter{ResponseWriter: w, x: x, mark: st}
		// Deferred: a handler that panics after its disclosed status went
		// out (recovered by net/http or upstream) still disclosed.
		defer func() {
			if !sw.disclosed {
				return
			}
			status := semconv.HTTPResponseStatusCode.Int(sw.status)
			// The route is the ServeMux pattern, a template. Without one
			// there is no route: the request path is not one, and holds
			// whatever identifiers the URL has (personal data, and as
			// many values as URLs), so it is left out, as OpenTelemetry
			// leaves out http.route.
			if r.Pattern == "" {
				x.Record(r.Context(), ChannelHTTPHeader, status)
				return
			}
			x.Record(r.Context(), ChannelHTTPHeader, attribute.String(string(semconv.AimsDisclosureHTTPRoute), r.Pattern), status)
		}()
		next.ServeHTTP(sw, r)
		if sw.status == 0 && !sw.hijacked {
			// Nothing written: net/http answers 200 with an empty body.
			sw.WriteHeader(http.StatusOK)
		}
	})
}

// outputMark is what a handler under Middleware said about its response,
// and whether a Middleware already put its disclosure on it.
type outputMark struct {
	mu        sync.Mutex
	carries   bool
	disclosed bool
}

type outputMarkKey struct{}

// MarkAIOutput tells the Middlewares wrapping the current request whether
// its response carries an AI output (an AI decision, score or generated
// content): false keeps the AI-Disclosure header and the disclosure event
// off a successful response that holds none. ctx is the request's context;
// outside Middleware it does nothing. It takes effect only if called
// before the status is written.
func MarkAIOutput(ctx context.Context, carries bool) {
	if m, ok := ctx.Value(outputMarkKey{}).(*outputMark); ok {
		m.mu.Lock()
		m.carries = carries
		m.mu.Unlock()
	}
}

// Record records a disclosure made through another channel (a chat
// interface, a letter, a JSON body): one event and one counter increment.
// extra attributes are added to the event.
func (x *Discloser) Record(ctx context.Context, channel string, extra ...attribute.KeyValue) {
	opt, ok := x.counted[channel]
	if !ok {
		opt = x.countedOption(channel)
	}
	x.counter.Add(ctx, 1, opt)
	if !x.logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityInfo, EventName: semconv.EventDisclosure}) {
		return
	}
	var rec log.Record
	rec.SetEventName(semconv.EventDisclosure)
	rec.SetTimestamp(x.now())
	rec.SetSeverity(log.SeverityInfo)
	rec.SetBody(x.statement)
	// On the stack for the usual few attributes (a variable-sized make
	// would be a heap allocation per response).
	var stack [12]attribute.KeyValue
	attrs := append(stack[:0], x.attrs...)
	attrs = append(attrs, semconv.AimsDisclosureChannel.String(channel))
	attrs = append(attrs, extra...)
	rec.AddAttributes(attrs...)
	x.logger.Emit(ctx, rec)
}

// disclosureJSON is the object AttachJSON adds to a JSON response.
type disclosureJSON struct {
	Disclosure
	Mode      ContentMode `json:"mode"`
	Statement string      `json:"statement"`
	Date      time.Time   `json:"date"`
}

// JSONKey is the member name under which AttachJSON places the disclosure.
const JSONKey = "ai_disclosure"

// AttachJSON returns body, a JSON object, with the disclosure added under
// "ai_disclosure" (kind, mode, statement, model, provider, date, …), and
// records the disclosure. body must be a JSON object; a body that already
// has the member is an error rather than silently overwritten.
//
// The member is appended to body as it is (its members keep their order
// and bytes); only a body with an escape sequence in it, where the member
// name could be spelled escaped, is decoded to look for the member.
func (x *Discloser) AttachJSON(ctx context.Context, body []byte) ([]byte, error) {
	if !json.Valid(body) {
		return nil, errors.New("aims: AttachJSON needs a JSON object body")
	}
	obj := bytes.TrimSpace(body)
	if len(obj) < 2 || obj[0] != '{' {
		return nil, errors.New("aims: AttachJSON needs a JSON object body")
	}
	if bytes.IndexByte(obj, '\\') >= 0 || bytes.Contains(obj, jsonKeyQuoted) {
		// The name may be there (escaped, or as a string anywhere): decode
		// the top level to know.
		var members map[string]json.RawMessage
		if err := json.Unmarshal(obj, &members); err != nil {
			return nil, errors.New("aims: AttachJSON needs a JSON object body")
		}
		if _, dup := members[JSONKey]; dup {
			return nil, fmt.Errorf("aims: body already has a %q member", JSONKey)
		}
	}
	d := x.d
	date := d.Date
	if date.IsZero() {
		date = x.now().UTC()
	}
	enc, err := json.Marshal(disclosureJSON{Disclosure: d, Mode: d.EffectiveMode(), Statement: d.EffectiveStatement(), Date: date})
	if err != nil {
		return nil, fmt.Errorf("aims: encoding disclosure: %w", err)
	}
	inner := bytes.TrimSpace(obj[1 : len(obj)-1])
	out := make([]byte, 0, len(obj)+len(jsonKeyQuoted)+len(enc)+2)
	out = append(out, obj[:len(obj)-1]...)
	if len(inner) > 0 {
		out = append(out, ',')
	}
	out = append(out, jsonKeyQuoted...)
	out = append(out, ':')
	out = append(out, enc...)
	out = append(out, '}')
	x.Record(ctx, ChannelJSONBody)
	return out, nil
}

// jsonKeyQuoted is JSONKey as a JSON string.
var jsonKeyQuoted = []byte(`"` + JSONKey + `"`)

// textMarkPrefix opens the machine-readable marker that MarkText appends.
const textMarkPrefix = "[AI-Disclosure: "

// MarkText returns text with a visible, machine-readable marker line
// appended: the statement and, in brackets, the AI-Disclosure header value,
// so generated text carries its marking wherever it is copied (EU AI Act
// Art. 50(2)). It records the disclosure. Text that already ends with
// this Discloser's marker is returned unchanged, so marking twice is
// harmless; a marker of anything else at its end (another system's, or one
// a model was made to write) does not count, and the text is marked.
func (x *Discloser) MarkText(ctx context.Context, text string) string {
	if x.markedBy(text) {
		return text
	}
	hv, err := x.d.HeaderValue(x.now())
	if err != nil { // cannot happen: NewDiscloser tried
		return text
	}
	x.Record(ctx, ChannelTextMarker)
	var b strings.Builder
	b.WriteString(strings.TrimRight(text, "\n"))
	b.WriteString("\n\n— ")
	b.WriteString(x.d.EffectiveStatement())
	b.WriteString(" ")
	b.WriteString(textMarkPrefix)
	b.WriteString(hv)
	b.WriteString("]")
	return b.String()
}

// markedBy reports whether text ends with the marker MarkText appends
// for x: its statement line and a header value that says what x.d says
// (the date aside, which is the time of marking).
func (x *Discloser) markedBy(text string) bool {
	d, ok := TextMark(text)
	if !ok {
		return false
	}
	i := strings.LastIndex(text, textMarkPrefix)
	if !strings.HasSuffix(text[:i], "\n\n— "+x.d.EffectiveStatement()+" ") {
		return false
	}
	want := x.d
	return d.Kind == want.Kind && d.EffectiveMode() == want.EffectiveMode() && d.Model == want.Model &&
		d.Provider == want.Provider && d.ReviewedBy == want.ReviewedBy && d.SystemID == want.SystemID &&
		d.InfoURL == want.InfoURL && (want.Date.IsZero() || d.Date.Unix() == want.Date.Unix())
}

// TextMark finds the marker that MarkText appended to text and parses it.
func TextMark(text string) (Disclosure, bool) {
	i := strings.LastIndex(text, textMarkPrefix)
	if i < 0 || !strings.HasSuffix(text, "]") {
		return Disclosure{}, false
	}
	d, err := ParseDisclosureHeader(text[i+len(textMarkPrefix) : len(text)-1])
	if err != nil {
		return Disclosure{}, false
	}
	return d, true
}

// statusWriter remembers the status code a handler wrote and, as it is
// written, adds the disclosure header to a successful response that
// carries an AI output.
type statusWriter struct {
	http.ResponseWriter
	x         *Discloser
	mark      *outputMark
	status    int
	disclosed bool
	// hijacked: the handler took the connection over (Hijack) and
	// writes its own response, which the Middleware does not touch.
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if code < 200 && code != http.StatusSwitchingProtocols {
		// Informational: the final status is still to come. 101 is final
		// (net/http sends its header then and nothing follows on HTTP).
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(code) // net/http logs the superfluous call
		return
	}
	w.status = code
	w.mark.mu.Lock()
	if code >= 200 && code < 300 && w.mark.carries && !w.mark.disclosed {
		// The innermost Middleware discloses; the ones around it see
		// the mark and leave its header alone.
		if hv, err := w.x.headerValue(w.x.now()); err == nil { // cannot fail: NewDiscloser tried
			w.Header().Set(DisclosureHeader, hv)
			w.disclosed, w.mark.disclosed = true, true
		}
	}
	w.mark.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.unsent(err)
	return n, err
}

// unsent takes back the disclosure when err says the response will never
// be sent (http.TimeoutHandler gave up on the handler and answered 503).
func (w *statusWriter) unsent(err error) {
	if errors.Is(err, http.ErrHandlerTimeout) && w.disclosed {
		w.disclosed = false
		w.mark.mu.Lock()
		w.mark.disclosed = false
		w.mark.mu.Unlock()
	}
}

// FlushError flushes through to the underlying writer (http.ResponseController
// calls it), writing the status first, so the header decision is made here.
func (w *statusWriter) FlushError() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	err := http.NewResponseController(w.ResponseWriter).Flush()
	w.unsent(err)
	return err
}

// Flush implements http.Flusher for handlers that type-assert it.
func (w *statusWriter) Flush() { _ = w.FlushError() }

// Hijack implements http.Hijacker (and so http.ResponseController's
// Hijack): the handler takes the connection over and writes its own
// response, without the AI-Disclosure header unless it writes one; the
// Middleware then writes no status and records no disclosure for it
// beyond one it had already written.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer (deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
