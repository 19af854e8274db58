package aims

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

func testDecision(t testing.TB) Decision {
	t.Helper()
	d, err := NewDecision(context.Background(), "credit-scoring")
	if err != nil {
		t.Fatal(err)
	}
	d.SystemVersion = "2.3.1"
	d.Model = ModelRef{Name: "gbm", Version: "7"}
	d.Subject = "hs256:0123456789abcdef0123456789abcdef"
	d.Output = "deny"
	d.Adverse = true
	d.Score = ptr(0.31)
	d.Inputs = map[string]any{"income": 41000, "region": "north", "name": "Jane Doe"}
	d.Explanation = &Explanation{Method: "tree", ReasonCodes: []ReasonCode{{Rank: 1, Code: "R01", Description: "income"}, {Rank: 2, Code: "R07", Description: "history"}}}
	d.Oversight = &OversightOutcome{Action: ActionApply, Policy: "auto"}
	return d
}

func testLedger(t testing.TB, dir string, opts ...ledger.Option) (*ledger.Ledger, note.Verifier) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(context.Background(), dir, "credit-scoring", "pod-1", s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l, v
}

func TestDecisionLogEmitsAndWrites(t *testing.T) {
	logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
	traces := oteltest.NewTraces(t)
	dir := t.TempDir()
	led, verifier := testLedger(t, dir)
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithMeterProvider(metrics.Provider),
		WithLedger(led), WithAllowList(NewAllowList("income", "region")))
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := traces.Provider.Tracer("test").Start(context.Background(), "request")
	d := testDecision(t)
	d.TraceID, d.SpanID = "", ""
	if err := dl.Record(ctx, d); err != nil {
		t.Fatal(err)
	}
	span.End()
	if err := dl.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := dl.Record(ctx, d); err != ErrDecisionLogClosed {
		t.Fatalf("Record after Close: %v", err)
	}

	events := logs.Events(semconv.EventDecision)
	if len(events) != 1 {
		t.Fatalf("%d aims.decision records, want 1", len(events))
	}
	r := events[0]
	sc := trace.SpanContextFromContext(ctx)
	if r.TraceID() != sc.TraceID() || r.SpanID() != sc.SpanID() {
		t.Errorf("record trace %s/%s, want %s/%s", r.TraceID(), r.SpanID(), sc.TraceID(), sc.SpanID())
	}
	if !r.Timestamp().Equal(d.Time) {
		t.Errorf("timestamp %v, want %v", r.Timestamp(), d.Time)
	}
	a := oteltest.Attrs(r)
	want := map[string]string{
		"aims.control.id":        "A.6.2.8",
		"aims.decision.id":       d.ID,
		"aims.system.id":         "credit-scoring",
		"aims.system.version":    "2.3.1",
		"aims.decision.outcome":  "deny",
		"aims.model.name":        "gbm",
		"aims.subject.pseudonym": d.Subject,
		"aims.input.region":      "north",
		"aims.oversight.action":  "apply",
		"aims.system.instance":   "pod-1",
	}
	for k, v := range want {
		if got := a[k].AsString(); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if a["aims.input.income"].AsFloat64() != 41000 || !a["aims.decision.adverse"].AsBool() || a["aims.decision.score"].AsFloat64() != 0.31 {
		t.Errorf("typed attributes wrong: %v", a)
	}
	if got := a["aims.explanation.reason_codes"].AsStringSlice(); len(got) != 2 || got[0] != "R01" {
		t.Errorf("reason codes %v", got)
	}
	if _, ok := a["aims.input.name"]; ok {
		t.Error("input not on the allow-list was emitted")
	}
	// The body is the decision JSON, with the trace context filled in and
	// the unlisted input removed.
	var body Decision
	if err := json.Unmarshal([]byte(r.Body().AsString()), &body); err != nil {
		t.Fatalf("body is not a decision: %v", err)
	}
	if body.ID != d.ID || body.TraceID != sc.TraceID().String() || body.Inputs["name"] != nil || body.Inputs["income"] != 41000.0 {
		t.Errorf("body %+v", body)
	}

	if m, ok := metrics.Find(t, semconv.MetricDecisions); !ok {
		t.Error("no decision counter")
	} else if s := m.Data; s == nil {
		t.Error("empty decision counter")
	}

	// The ledger holds the same bytes and verifies.
	rep, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 1 {
		t.Fatalf("ledger has %d records", rep.Records)
	}
	err = ledger.Scan(dir, func(rec ledger.ScannedRecord) error {
		if string(rec.Record) != r.Body().AsString() {
			t.Errorf("ledger record differs from the log record body:\n%s\n%s", rec.Record, r.Body().AsString())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Body().AsString(), "Jane") {
		t.Error("raw input leaked")
	}
}

func TestDecisionLogSubjectPolicy(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	d := testDecision(t)
	d.Subject = "customer-4711"
	err = dl.Record(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "not a pseudonym") || strings.Contains(err.Error(), "4711") {
		t.Fatalf("raw subject: %v", err)
	}
	if n := len(logs.Records()); n != 0 {
		t.Fatalf("%d records emitted for a rejected decision", n)
	}
	p, err := NewPseudonymizer([]byte("0123456789abcdef0123"), "k1")
	if err != nil {
		t.Fatal(err)
	}
	dl, err = NewDecisionLog(WithLoggerProvider(logs.Provider), WithPseudonymizer(p))
	if err != nil {
		t.Fatal(err)
	}
	if err := dl.Record(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	got := oteltest.Attrs(logs.Events(semconv.EventDecision)[0])["aims.subject.pseudonym"].AsString()
	if got != p.Pseudonym("customer-4711") {
		t.Fatalf("subject %q, want the pseudonym", got)
	}
	for s, want := range map[string]bool{
		"hs256:0123456789abcdef0123456789abcdef":    true,
		"hs256:k1:0123456789abcdef0123456789abcdef": true,
		"hs256::0123456789abcdef0123456789abcdef":   false,
		"hs256:0123456789ABCDEF0123456789abcdef":    false,
		"hs256:0123":                                false,
		"jane@example.com":                          false,
	} {
		if IsPseudonym(s) != want {
			t.Errorf("IsPseudonym(%q) = %v", s, !want)
		}
	}
}

func TestDecisionLogRejectsInvalid(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithAllowList(NewAllowList("x")))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*Decision){
		"no system":   func(d *Decision) { d.SystemID = "" },
		"no output":   func(d *Decision) { d.Output = "" },
		"bad input":   func(d *Decision) { d.Inputs = map[string]any{"x": []int{1}} },
		"bad explain": func(d *Decision) { d.Explanation.BaseValue = 1 / zero() },
	} {
		d := testDecision(t)
		f(&d)
		if err := dl.Record(context.Background(), d); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(logs.Records()); n != 0 {
		t.Fatalf("%d records emitted for rejected decisions", n)
	}
}

func zero() float64 { return 0 }

func TestDecisionLogConcurrent(t *testing.T) {
	logs := oteltest.NewLogs(t)
	dir := t.TempDir()
	led, verifier := testLedger(t, dir, ledger.WithQueueSize(16))
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithLedger(led))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := dl.Record(context.Background(), testDecision(t)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := dl.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := ledger.Verify(dir, []note.Verifier{verifier}, ledger.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 400 || len(logs.Events(semconv.EventDecision)) != 400 {
		t.Fatalf("%d ledger records, %d log records; want 400", rep.Records, len(logs.Events(semconv.EventDecision)))
	}
}

// TestDecisionLogLedgerRefusal: when the ledger refuses a decision (here:
// already closed), Record still emitted it and says so in the error.
func TestDecisionLogLedgerRefusal(t *testing.T) {
	logs := oteltest.NewLogs(t)
	led, _ := testLedger(t, t.TempDir())
	if err := led.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	dl, err := NewDecisionLog(WithLoggerProvider(logs.Provider), WithLedger(led))
	if err != nil {
		t.Fatal(err)
	}
	err = dl.Record(context.Background(), testDecision(t))
	if !errors.Is(err, ledger.ErrClosed) || !strings.Contains(err.Error(), "emitted but not written to the ledger") {
		t.Fatalf("error %v", err)
	}
	if n := len(logs.Events(semconv.EventDecision)); n != 1 {
		t.Fatalf("%d records emitted", n)
	}
}

// decisionCounts returns the aims.decisions counter's value per
// aims.decision.outcome.
func decisionCounts(t *testing.T, m *oteltest.Metrics) map[string]int64 {
	t.Helper()
	mm, ok := m.Find(t, semconv.MetricDecisions)
	if !ok {
		t.Fatal("no aims.decisions")
	}
	out := map[string]int64{}
	for _, p := range mm.Data.(metricdata.Sum[int64]).DataPoints {
		v, _ := p.Attributes.Value(semconv.AimsDecisionOutcome)
		out[v.AsString()] += p.Value
	}
	return out
}

// TestDecisionCounterCardinalityIsBounded checks that free text in Output
// cannot grow the aims.decisions counter without bound: a decision log
// without declared outcomes counts its first DecisionOutcomeLimit
// distinct outputs as they are and every later one as _OTHER, while the
// aims.decision events keep the output itself.
func TestDecisionCounterCardinalityIsBounded(t *testing.T) {
	m := oteltest.NewMetrics(t)
	logs := oteltest.NewLogs(t)
	dl, err := NewDecisionLog(WithMeterProvider(m.Provider), WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close(context.Background())
	const n = 1500
	record := func(output string) {
		t.Helper()
		d, err := NewDecision(context.Background(), "credit")
		if err != nil {
			t.Fatal(err)
		}
		d.Output = output
		if err := dl.Record(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		record(fmt.Sprintf("free text answer %d", i))
	}
	record("free text answer 0") // counted before the bound: still itself
	counts := decisionCounts(t, m)
	if len(counts) != semconv.DecisionOutcomeLimit+1 {
		t.Errorf("%s has %d outcomes for %d distinct outputs, want %d and %s", semconv.MetricDecisions, len(counts), n,
			semconv.DecisionOutcomeLimit, semconv.DecisionOutcomeOther)
	}
	if counts["free text answer 0"] != 2 || counts[fmt.Sprintf("free text answer %d", semconv.DecisionOutcomeLimit-1)] != 1 ||
		counts[semconv.DecisionOutcomeOther] != n-semconv.DecisionOutcomeLimit {
		t.Errorf("counts %v: want the first %d outputs as they are, %d as %s", counts, semconv.DecisionOutcomeLimit,
			n-semconv.DecisionOutcomeLimit, semconv.DecisionOutcomeOther)
	}
	evs := logs.Events(semconv.EventDecision)
	if got := oteltest.Attrs(evs[n-1])[string(semconv.AimsDecisionOutcome)].AsString(); got != fmt.Sprintf("free text answer %d", n-1) {
		t.Errorf("event outcome %q, want the output itself", got)
	}
}

// TestDecisionCounterCountsOnlyDeclaredOutcomes checks that the decision
// log of a System with declared outcomes (WithOutcomes) counts only those
// as they are in aims.decisions, and any other output (a decision
// assembled by hand, a halt record) as _OTHER, however few there are.
func TestDecisionCounterCountsOnlyDeclaredOutcomes(t *testing.T) {
	m := oteltest.NewMetrics(t)
	s, err := NewSystem("credit", WithMeterProvider(m.Provider),
		WithOutcomes(Outcome{Value: "approve"}, Outcome{Value: "deny", Adverse: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for _, out := range []string{"approve", "deny", "approve", "halted", "the applicant seems fine"} {
		d, err := NewDecision(context.Background(), "credit")
		if err != nil {
			t.Fatal(err)
		}
		d.Output = out
		if err := s.Record(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	got := decisionCounts(t, m)
	want := map[string]int64{"approve": 2, "deny": 1, semconv.DecisionOutcomeOther: 2}
	if len(got) != len(want) || got["approve"] != 2 || got["deny"] != 1 || got[semconv.DecisionOutcomeOther] != 2 {
		t.Errorf("counts %v, want %v", got, want)
	}
}
