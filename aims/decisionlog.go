package aims

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
)

// ControlEventLogs is the Annex A control the decision log is evidence
// for: A.6.2.8, AI system recording of event logs. Every aims.decision
// record carries it in aims.control.id.
const ControlEventLogs = semconv.ControlEventLogs

// ErrDecisionLogClosed is returned by Record after Close.
var ErrDecisionLogClosed = errors.New("aims: decision log closed")

// ErrNotLedgered is wrapped by the error of a Record whose decision the
// ledger refused after the decision was emitted as an aims.decision log
// record and counted in aims.decisions. Whoever retries such a decision
// writes it with RecordEmitted, which keeps it in the ledger without
// emitting or counting it a second time.
var ErrNotLedgered = errors.New("emitted but not written to the ledger")

// DecisionLog records decisions: each becomes one OpenTelemetry log record
// with event name aims.decision (attributes from aims/semconv, the
// decision's JSON as body, the trace context of the caller's ctx), and,
// with WithLedger, one entry in the tamper-evident ledger.
//
// Personal data stays out by default: inputs not on the allow-list
// (WithAllowList) are removed before anything is emitted or written, and
// a subject that is not a pseudonym is pseudonymised (WithPseudonymizer)
// or, without a Pseudonymizer, rejected. The grounds of a contest (the
// Reason of a record with action contest) are in the record, never in
// the log record's attributes.
//
// Each recorded decision is counted in the aims.decisions counter by
// system, outcome and adverse. The counter's outcome is bounded, unlike
// the event's: an Output that is not a declared outcome of the System
// that owns the log (WithOutcomes) is counted as "_OTHER"; a log without
// declared outcomes (NewDecisionLog, or a System without WithOutcomes)
// counts its first 64 distinct outputs as they are and every later one
// as "_OTHER" (semconv.DecisionOutcomeOther, semconv.DecisionOutcomeLimit).
//
// A DecisionLog is safe for concurrent use.
type DecisionLog struct {
	logger log.Logger
	// tel makes the loggers of evidence records of sub-packages
	// (Evidence.Scope), kept in scoped by scope name.
	tel       telemetry
	scoped    sync.Map
	decisions metric.Int64Counter
	ledger    *ledger.Ledger
	instance  string // aims.system.instance
	privacy   PrivacyPolicy
	closed    atomic.Bool

	// inputKeys are the aims.input.<name> attribute keys of the inputs
	// the privacy policy allows (the only ones an event carries), built
	// once so that an event does not concatenate (and allocate) one per
	// input. Read-only after construction.
	inputKeys map[string]attribute.Key

	// declared holds the declared outcomes of the System that owns the
	// log (WithOutcomes), the only outputs the decision counter carries
	// as they are; nil without declared outcomes. Read-only after
	// construction.
	declared map[string]struct{}

	// Attribute sets of the decision counter, cached per (system,
	// counted outcome, adverse) so that counting does not allocate, and,
	// without declared outcomes, the outputs the counter carries as they
	// are (at most semconv.DecisionOutcomeLimit).
	setsMu  sync.RWMutex
	sets    map[counterKey][]metric.AddOption
	counted map[string]struct{}
}

type counterKey struct {
	system, outcome string
	adverse         bool
}

// NewDecisionLog returns a DecisionLog configured by opts. Most services
// do not call it: a System (NewSystem, inventory.Register) owns its
// decision log. It is here for services that assemble the pieces
// themselves.
func NewDecisionLog(opts ...DecisionLogOption) (*DecisionLog, error) {
	var c decisionLogConfig
	for _, o := range opts {
		if o != nil {
			o.applyDecisionLog(&c)
		}
	}
	return newDecisionLog(&c)
}

func newDecisionLog(c *decisionLogConfig) (*DecisionLog, error) {
	if err := c.privacy.check(); err != nil {
		return nil, err
	}
	// aims.decisions has bounded cardinality: its aims.decision.outcome is
	// a declared outcome, one of the first DecisionOutcomeLimit outputs
	// of a log without declared outcomes, or _OTHER (counterAttrs).
	decisions, err := c.telemetry.meter().Int64Counter(semconv.MetricDecisions, metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions recorded by the decision log. The outcome is "+semconv.DecisionOutcomeOther+
			" for an output that is not a declared outcome or, without declared outcomes, not among the first "+
			strconv.Itoa(semconv.DecisionOutcomeLimit)+" distinct outputs."))
	if err != nil {
		return nil, fmt.Errorf("aims: creating decision counter: %w", err)
	}
	instance := c.instance
	if instance == "" && c.ledger != nil {
		instance = c.ledger.Instance()
	}
	inputKeys := make(map[string]attribute.Key, len(c.privacy.Inputs.names))
	for name := range c.privacy.Inputs.names {
		inputKeys[name] = attribute.Key(semconv.AimsInputPrefix + name)
	}
	var declared map[string]struct{}
	if len(c.outcomes) > 0 {
		declared = make(map[string]struct{}, len(c.outcomes))
		for _, o := range c.outcomes {
			declared[o.Value] = struct{}{}
		}
	}
	return &DecisionLog{
		declared:  declared,
		counted:   make(map[string]struct{}),
		instance:  instance,
		logger:    c.telemetry.logger(),
		tel:       c.telemetry,
		decisions: decisions,
		ledger:    c.ledger,
		privacy:   c.privacy,
		inputKeys: inputKeys,
		sets:      make(map[counterKey][]metric.AddOption),
	}, nil
}

// Record records d. It applies the privacy policy (PrivacyPolicy.Clean:
// a decision created by a System is already clean, so this only guards
// decisions assembled by hand), fills the trace and span IDs from ctx
// when d has none, validates d (Decision.Validate), emits the aims.decision
// log record with ctx (so the SDK attaches the trace context) and appends
// the decision's JSON to the ledger. The JSON is byte for byte what
// encoding/json.Marshal(d) produces. The log record's body is the same
// JSON, except that a reason a person wrote (a contest's grounds, a
// reviewer's reason; OversightOutcome.PersonalReason) is left out: it may
// hold personal data and is kept in the ledger only.
//
// With a ledger, Record returns once the decision is durable in it (the
// ledger's default; concurrent Records share one fsync), so a decision
// Record acknowledged survives a crash. A ledger opened in the queue-only
// mode (ledger.WithWaitDurable(false)) returns once it is queued and can
// lose the queued decisions in a crash. A decision the ledger refuses
// (closed, full in drop mode, failed) has still been emitted and counted,
// so that it leaves the host even when the local ledger cannot keep it;
// the error says so (it wraps ErrNotLedgered), and a retry of the
// decision uses RecordEmitted.
func (l *DecisionLog) Record(ctx context.Context, d Decision) error {
	return l.record(ctx, d, true)
}

// RecordEmitted writes to the ledger a decision that an earlier Record
// emitted and counted but the ledger refused (Record's error wrapped
// ErrNotLedgered): it checks d as Record does and appends it to the
// ledger, without emitting the aims.decision log record or counting the
// decision again, so that a retry leaves one log record and one count per
// decision. Without a ledger it only checks d (Record never returns
// ErrNotLedgered then).
func (l *DecisionLog) RecordEmitted(ctx context.Context, d Decision) error {
	return l.record(ctx, d, false)
}

// record is Record, and with emit false RecordEmitted.
func (l *DecisionLog) record(ctx context.Context, d Decision, emit bool) error {
	if l.closed.Load() {
		return ErrDecisionLogClosed
	}
	if err := l.privacy.Clean(&d); err != nil {
		return err
	}
	if d.TraceID == "" && d.SpanID == "" {
		d.SetTraceContext(ctx)
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if err := checkEncodable(&d); err != nil {
		return fmt.Errorf("aims: decision %s: %w", d.ID, err)
	}
	sc := recordScratch.Get().(*recordScratchBuf)
	defer sc.release()
	// The ledger encodes the decision itself (AppendValue), so the bytes
	// need no second validating pass, and hands the same bytes back for
	// the log record: one encoding serves both.
	var buf []byte
	var ledgerErr error
	// Without a ledger and with nobody listening for the log record, the
	// encoding would serve nothing: the checks above are what Record owes.
	logging := emit && l.logger.Enabled(ctx, decisionEventParams)
	if l.ledger != nil {
		sc.d = d
		buf, ledgerErr = l.ledger.AppendValue(ctx, &sc.d, sc.buf[:0])
		sc.d = Decision{} // drop references to the caller's maps and slices
	}
	if len(buf) == 0 && logging {
		var err error
		if buf, err = appendDecisionJSON(sc.buf[:0], &d); err != nil {
			return fmt.Errorf("aims: decision %s: %w", d.ID, err)
		}
	}
	if buf != nil {
		sc.buf = buf[:0]
	}
	if logging {
		body := buf
		if d.Oversight.PersonalReason() {
			// The ledger keeps the reason a person wrote; the record that
			// leaves for the Collector is the same decision without it.
			// (It encodes: the decision with the reason just did.)
			body, _ = appendDecisionJSON(nil, withoutPersonalReason(&d))
		}
		if body != nil {
			l.emit(ctx, &d, body)
		}
	}
	if !emit {
		if ledgerErr != nil {
			return fmt.Errorf("aims: decision %s (emitted earlier) not written to the ledger: %w", d.ID, ledgerErr)
		}
		return nil
	}
	l.decisions.Add(ctx, 1, l.counterAttrs(&d)...)
	if ledgerErr != nil {
		return fmt.Errorf("aims: decision %s %w: %w", d.ID, ErrNotLedgered, ledgerErr)
	}
	return nil
}

// recordScratchBuf is the per-call scratch of Record, pooled so that
// recording allocates little: the encoded record, and a copy of the
// decision that can be handed to the encoder without the caller's value
// escaping to the heap.
type recordScratchBuf struct {
	buf []byte
	d   Decision
}

var recordScratch = sync.Pool{New: func() any { return &recordScratchBuf{buf: make([]byte, 0, 2048)} }}

// release returns sc to the pool, unless an unusually large decision grew
// its buffer: the pool would keep that memory alive.
func (sc *recordScratchBuf) release() {
	if cap(sc.buf) <= 64<<10 {
		recordScratch.Put(sc)
	}
}

// Clean applies the log's privacy policy to d (PrivacyPolicy.Clean). An
// oversight gate built on the log calls it before anything stores d.
func (l *DecisionLog) Clean(d *Decision) error { return l.privacy.Clean(d) }

// decisionEventParams are what the logger is asked before an
// aims.decision record is built.
var decisionEventParams = log.EnabledParameters{Severity: log.SeverityInfo, EventName: semconv.EventDecision}

// emit sends the aims.decision log record. Record calls it only when the
// logger is enabled, since with a no-op provider the work (and the
// encoding of body) would be wasted on the request path.
func (l *DecisionLog) emit(ctx context.Context, d *Decision, body []byte) {
	r := infoRecord(semconv.EventDecision, d.Time, body)
	// One slice, added at once: the record grows its attribute storage
	// once instead of at every call.
	var stack [32]attribute.KeyValue
	attrs := append(stack[:0],
		semconv.AimsControlID.String(ControlEventLogs),
		semconv.AimsDecisionID.String(d.ID),
		semconv.AimsSystemID.String(d.SystemID),
		semconv.AimsDecisionOutcome.String(d.Output),
		semconv.AimsDecisionSchema.String(d.SchemaVersion),
		semconv.AimsDecisionAdverse.Bool(d.Adverse),
	)
	if d.SystemVersion != "" {
		attrs = append(attrs, semconv.AimsSystemVersion.String(d.SystemVersion))
	}
	if l.instance != "" {
		attrs = append(attrs, semconv.AimsSystemInstance.String(l.instance))
	}
	if d.Model.Name != "" {
		attrs = append(attrs, semconv.AimsModelName.String(d.Model.Name))
	}
	if d.Model.Version != "" {
		attrs = append(attrs, semconv.AimsModelVersion.String(d.Model.Version))
	}
	if d.Subject != "" {
		attrs = append(attrs, semconv.AimsSubjectPseudonym.String(d.Subject))
	}
	if d.Score != nil {
		attrs = append(attrs, semconv.AimsDecisionScore.Float64(*d.Score))
	}
	for k, v := range d.Inputs {
		key := l.inputKey(k)
		switch x := v.(type) {
		case string:
			attrs = append(attrs, key.String(x))
		case float64:
			attrs = append(attrs, key.Float64(x))
		case bool:
			attrs = append(attrs, key.Bool(x))
		}
	}
	if e := d.Explanation; e != nil {
		if e.Method != "" {
			attrs = append(attrs, semconv.AimsExplanationMethod.String(e.Method))
		}
		if len(e.ReasonCodes) > 0 {
			codes := make([]string, len(e.ReasonCodes))
			for i, rc := range e.ReasonCodes {
				codes[i] = rc.Code
			}
			attrs = append(attrs, semconv.AimsReasonCodes.StringSlice(codes))
		}
	}
	if o := d.Oversight; o != nil {
		attrs = append(attrs, semconv.AimsOversightAction.String(string(o.Action)))
		// A vote that did not resolve its ticket says so; without the
		// mark a reader of the record would take it for a resolution.
		if v := d.Attributes[semconv.AimsOversightApprovals]; v != "" {
			attrs = append(attrs, attribute.String(semconv.AimsOversightApprovals, v))
		}
		if o.Reviewer != "" {
			attrs = append(attrs, semconv.AimsOversightReviewer.String(o.Reviewer))
		}
		// A contest's grounds and a reviewer's reason are free text a
		// person wrote: personal data, kept in the ledger but never in an
		// attribute (nor in the body, see Record).
		if o.Reason != "" && !o.PersonalReason() {
			attrs = append(attrs, semconv.AimsOversightReason.String(o.Reason))
		}
	}
	r.AddAttributes(attrs...)
	l.logger.Emit(ctx, r)
}

// withoutPersonalReason returns a copy of d whose oversight outcome has
// no reason: what the aims.decision log record carries when the reason is
// one a person wrote (OversightOutcome.PersonalReason).
func withoutPersonalReason(d *Decision) *Decision {
	c := *d
	o := *d.Oversight
	o.Reason = ""
	c.Oversight = &o
	return &c
}

// inputKey returns the attribute key of input name: the one built for
// the allow-list, which every recorded input is on.
func (l *DecisionLog) inputKey(name string) attribute.Key {
	if k, ok := l.inputKeys[name]; ok {
		return k
	}
	return attribute.Key(semconv.AimsInputPrefix + name)
}

// counterAttrs returns the options slice for the decision counter. The
// slice itself is cached, since passing a fresh variadic slice through the
// metric interface allocates on every call.
//
// Output is free text for a system without declared outcomes, and a
// decision assembled by hand may carry any Output, so the counter's
// aims.decision.outcome is bounded (see countedOutcome): the counter has
// at most DecisionOutcomeLimit+1 outcomes per system and adverse flag,
// whatever Output holds.
func (l *DecisionLog) counterAttrs(d *Decision) []metric.AddOption {
	l.setsMu.RLock()
	outcome, ok := l.countedOutcome(d.Output, false)
	var opt []metric.AddOption
	if ok {
		opt, ok = l.sets[counterKey{system: d.SystemID, outcome: outcome, adverse: d.Adverse}]
	}
	l.setsMu.RUnlock()
	if ok {
		return opt
	}
	l.setsMu.Lock()
	defer l.setsMu.Unlock()
	outcome, _ = l.countedOutcome(d.Output, true)
	k := counterKey{system: d.SystemID, outcome: outcome, adverse: d.Adverse}
	if opt, ok := l.sets[k]; ok {
		return opt
	}
	opt = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
		semconv.AimsSystemID.String(d.SystemID),
		semconv.AimsDecisionOutcome.String(outcome),
		semconv.AimsDecisionAdverse.Bool(d.Adverse),
		semconv.AimsControlID.String(ControlEventLogs),
	))}
	// With the outcome bounded, only a log recording many systems fills
	// the cache; past the cap the sets are built per decision (allocating)
	// rather than kept.
	if len(l.sets) < 1024 {
		l.sets[k] = opt
	}
	return opt
}

// countedOutcome returns the aims.decision.outcome the decision counter
// carries for output: output itself if it is a declared outcome of the
// System that owns the log, or, for a log without declared outcomes, if
// it is one of the first semconv.DecisionOutcomeLimit distinct outputs the
// log counted; otherwise semconv.DecisionOutcomeOther. Without declared
// outcomes an output not yet counted is admitted only if admit is true
// (l.setsMu held for writing); with admit false (l.setsMu held for
// reading) such an output returns false.
func (l *DecisionLog) countedOutcome(output string, admit bool) (string, bool) {
	if l.declared != nil {
		if _, ok := l.declared[output]; ok {
			return output, true
		}
		return semconv.DecisionOutcomeOther, true
	}
	if _, ok := l.counted[output]; ok {
		return output, true
	}
	if len(l.counted) >= semconv.DecisionOutcomeLimit {
		return semconv.DecisionOutcomeOther, true
	}
	if !admit {
		return "", false
	}
	l.counted[output] = struct{}{}
	return output, true
}

// Close stops the log: later Records fail with ErrDecisionLogClosed. With a
// ledger, it writes everything queued, makes it durable and signs the
// final checkpoint (ledger.Ledger.Close). Close is idempotent: when ctx
// ended before the ledger finished, a later Close waits for it again and
// reports how its shutdown went.
func (l *DecisionLog) Close(ctx context.Context) error {
	l.closed.Store(true)
	if l.ledger == nil {
		return nil
	}
	return l.ledger.Close(ctx)
}
