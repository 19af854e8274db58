package oversight_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// ledgerRecords returns the decision records under id in the ledger in
// dir, in the order written.
func ledgerRecords(t *testing.T, dir, id string) []aims.Decision {
	t.Helper()
	var out []aims.Decision
	err := ledger.ScanNewestFirst(dir, func(r ledger.ScannedRecord) error {
		var d aims.Decision
		if json.Unmarshal(r.Record, &d) == nil && d.ID == id && d.SchemaVersion == aims.DecisionSchemaVersion {
			out = append([]aims.Decision{d}, out...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// metricTotal is the sum of the data points of the int64 counter name.
func metricTotal(t *testing.T, m *oteltest.Metrics, name string) int64 {
	t.Helper()
	mm, ok := m.Find(t, name)
	if !ok {
		return 0
	}
	var total int64
	for _, p := range mm.Data.(metricdata.Sum[int64]).DataPoints {
		total += p.Value
	}
	return total
}

// A client that timed out after the Gate recorded its decision submits it
// again under the same ID, and the policy routes it the same way. The
// retry gets the earlier outcome, and the decision log (ledger, log
// records, counts) holds the decision once: a second record under its ID
// would be counted as a second decision, and the audit report would flag
// a duplicate ID.
func TestSameRouteRetryRecordedOnce(t *testing.T) {
	for _, route := range []oversight.Route{oversight.RouteApply, oversight.RouteBlock} {
		t.Run(route.String(), func(t *testing.T) {
			ctx := context.Background()
			logs, metrics := oteltest.NewLogs(t), oteltest.NewMetrics(t)
			led := openTestLedger(t)
			t.Cleanup(func() { _ = led.Close(context.Background()) })
			dl, err := aims.NewDecisionLog(aims.WithLedger(led), aims.WithPrivacy(testPrivacy),
				aims.WithLoggerProvider(logs.Provider), aims.WithMeterProvider(metrics.Provider))
			if err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
			g := newLedgerGate(t, dl, oversight.NewMemoryStore(), clock,
				oversight.WithPolicy(oversight.Always(route, "all")), oversight.WithMeterProvider(metrics.Provider))
			d := decision(t, "credit", "deny", 0.3, 0.5, true)
			first, err := g.Submit(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				clock.Advance(10 * time.Second)
				again, err := g.Submit(ctx, d)
				if err != nil {
					t.Fatalf("retry %d: %v", i+1, err)
				}
				if again.Action != first.Action || again.Applied != first.Applied || again.Decision.ID != d.ID ||
					again.Decision.Oversight == nil || !again.Decision.Oversight.Time.Equal(first.Decision.Oversight.Time) {
					t.Fatalf("retry %d: %+v; want the first outcome %+v as recorded", i+1, again, first)
				}
			}
			if recs := ledgerRecords(t, led.Dir(), d.ID); len(recs) != 1 {
				t.Fatalf("the ledger holds %d records under decision %s, want 1: %v", len(recs), d.ID, describe(recs, d.ID))
			}
			if n := len(logs.Events(semconv.EventDecision)); n != 1 {
				t.Errorf("%d aims.decision log records for one decision, want 1", n)
			}
			if n := metricTotal(t, metrics, semconv.MetricDecisions); n != 1 {
				t.Errorf("aims.decisions counted %d for one decision, want 1", n)
			}
			if n := metricTotal(t, metrics, semconv.MetricOversightRouted); n != 1 {
				t.Errorf("%s counted %d for one decision, want 1", semconv.MetricOversightRouted, n)
			}
		})
	}
}

// A different decision under the ID of a recorded one is no retry: it is
// refused with ErrTicketExists, and nothing is written or changed.
func TestRetryWithOtherDecisionRefused(t *testing.T) {
	ctx := context.Background()
	changes := map[string]func(*aims.Decision){
		"output":  func(d *aims.Decision) { d.Output = "approve" },
		"subject": func(d *aims.Decision) { d.Subject = "hs256:fedcba9876543210fedcba9876543210" },
		"inputs":  func(d *aims.Decision) { d.Inputs = map[string]any{"income": 52000.0, "region": "north"} },
		"time":    func(d *aims.Decision) { d.Time = d.Time.Add(time.Second) },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			rec := &fakeRecorder{}
			clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
			g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
				oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
			d := decision(t, "credit", "deny", 0.3, 0.5, true)
			if _, err := g.Submit(ctx, d); err != nil {
				t.Fatal(err)
			}
			other := d
			change(&other)
			clock.Advance(2 * time.Minute)
			out, err := g.Submit(ctx, other)
			if !errors.Is(err, oversight.ErrTicketExists) || out.Applied {
				t.Fatalf("other decision under ID %s: %+v, %v; want ErrTicketExists", d.ID, out, err)
			}
			if n := len(rec.all()); n != 1 {
				t.Errorf("%d records written, want the first only", n)
			}
			o, err := g.Decision(ctx, d.ID)
			if err != nil || o.Decision.Output != d.Output || o.Decision.Subject != d.Subject {
				t.Errorf("the decision after the refusal: %+v, %v; want the first", o.Decision, err)
			}
		})
	}
}

// crashStore refuses every Update while crashed: the Gate that stored a
// routed ticket cannot note on it that the decision's record failed, as
// when its process dies between storing the ticket and writing the
// record.
type crashStore struct {
	*oversight.MemoryStore
	mu      sync.Mutex
	crashed bool
}

func (s *crashStore) set(crashed bool) { s.mu.Lock(); s.crashed = crashed; s.mu.Unlock() }

func (s *crashStore) Update(ctx context.Context, id string, fn func(*oversight.Ticket) error) (oversight.Ticket, error) {
	s.mu.Lock()
	crashed := s.crashed
	s.mu.Unlock()
	if crashed {
		return oversight.Ticket{}, errors.New("process gone")
	}
	return s.MemoryStore.Update(ctx, id, fn)
}

// A routed ticket stored without its record ever being written (the
// process died in between): a retry cannot be answered from a record that
// is not there. Once the first Submit can no longer be writing the record
// (its lease is over) the retry records the decision, once; before that,
// the retry is refused with nothing stored, so that the two cannot both
// record it.
func TestRetryAfterRecordLostRecordedOnce(t *testing.T) {
	ctx := context.Background()
	rec := &fakeRecorder{}
	store := &crashStore{MemoryStore: oversight.NewMemoryStore()}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, store, clock, oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	d := decision(t, "credit", "approve", 0.8, 0.5, false)
	rec.mu.Lock()
	rec.fail = errors.New("ledger gone")
	rec.mu.Unlock()
	store.set(true)
	if out, err := g.Submit(ctx, d); err == nil || out.Applied {
		t.Fatalf("Submit while crashing: %+v, %v; want the recorder's error", out, err)
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	store.set(false)
	if ts, err := store.FindByDecision(ctx, d.ID); err != nil || len(ts) != 1 || ts[0].Kind != oversight.KindRouted {
		t.Fatalf("ground truth: the routed ticket is stored: %+v, %v", ts, err)
	}

	clock.Advance(10 * time.Second)
	out, err := g.Submit(ctx, d)
	if err == nil || errors.Is(err, oversight.ErrTicketExists) || out.Applied {
		t.Fatalf("retry while the first Submit may still record: %+v, %v; want a refusal to retry later", out, err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("the refused retry wrote %d records", n)
	}

	clock.Advance(2 * time.Minute)
	out, err = g.Submit(ctx, d)
	if err != nil || !out.Applied {
		t.Fatalf("retry after the first Submit's lease: %+v, %v; want applied", out, err)
	}
	again, err := g.Submit(ctx, d)
	if err != nil || !again.Applied || !again.Decision.Oversight.Time.Equal(out.Decision.Oversight.Time) {
		t.Fatalf("a further retry: %+v, %v; want the recorded outcome", again, err)
	}
	if recs := rec.all(); len(recs) != 1 || recs[0].ID != d.ID || recs[0].Oversight.Action != aims.ActionApply {
		t.Fatalf("records: %v; want the decision applied, once", describe(recs, d.ID))
	}
}

// findFailRecorder is a fakeRecorder whose lookups fail while err is set.
type findFailRecorder struct {
	fakeRecorder
	findErr error
}

func (r *findFailRecorder) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	r.mu.Lock()
	err := r.findErr
	r.mu.Unlock()
	if err != nil {
		return aims.Decision{}, err
	}
	return r.fakeRecorder.FindDecision(ctx, id)
}

// A retry whose lookup of the earlier record fails is refused with the
// lookup's error and nothing stored or written: the record may be there
// (recording again would duplicate it) or not (answering from the ticket
// would announce a decision no record holds). The next retry asks again.
func TestRetryFinderErrorRefused(t *testing.T) {
	ctx := context.Background()
	rec := &findFailRecorder{}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
		oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	d := decision(t, "credit", "approve", 0.8, 0.5, false)
	first, err := g.Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	ioErr := errors.New("ledger unreadable")
	rec.mu.Lock()
	rec.findErr = ioErr
	rec.mu.Unlock()
	clock.Advance(2 * time.Minute)
	out, err := g.Submit(ctx, d)
	if !errors.Is(err, ioErr) || out.Applied {
		t.Fatalf("retry with a failing lookup: %+v, %v; want the lookup's error", out, err)
	}
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d records after the refused retry, want 1", n)
	}
	rec.mu.Lock()
	rec.findErr = nil
	rec.mu.Unlock()
	out, err = g.Submit(ctx, d)
	if err != nil || !out.Applied || !out.Decision.Oversight.Time.Equal(first.Decision.Oversight.Time) {
		t.Fatalf("retry once the lookup works: %+v, %v; want the first outcome", out, err)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

// slowRecorder is a fakeRecorder whose first Record waits for release,
// after telling entered; later Records do not wait.
type slowRecorder struct {
	fakeRecorder
	first   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (r *slowRecorder) Record(ctx context.Context, d aims.Decision) error {
	if r.first.CompareAndSwap(false, true) {
		close(r.entered)
		select {
		case <-r.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return r.fakeRecorder.Record(ctx, d)
}

// A retry that arrives while the first Submit is still writing the record
// (a client timed out on a slow ledger) finds no record yet: it is
// refused, nothing stored, rather than recording the decision a second
// time; the first Submit's record is the decision's one.
func TestRetryWhileFirstRecordsRefused(t *testing.T) {
	ctx := context.Background()
	rec := &slowRecorder{entered: make(chan struct{}), release: make(chan struct{})}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
		oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	d := decision(t, "credit", "approve", 0.8, 0.5, false)
	type result struct {
		out oversight.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := g.Submit(ctx, d)
		done <- result{out, err}
	}()
	<-rec.entered
	out, err := g.Submit(ctx, d)
	close(rec.release)
	first := <-done
	if first.err != nil || !first.out.Applied {
		t.Fatalf("the first Submit: %+v, %v", first.out, first.err)
	}
	if err == nil || out.Applied {
		t.Fatalf("retry while the first records: %+v, %v; want a refusal", out, err)
	}
	if recs := rec.all(); len(recs) != 1 {
		t.Fatalf("records: %v; want the decision once", describe(recs, d.ID))
	}
	if again, err := g.Submit(ctx, d); err != nil || !again.Applied {
		t.Fatalf("retry once recorded: %+v, %v", again, err)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

// Without a decision finder nothing says whether the first Submit's
// record was written, and the Gate records a same-route retry again: a
// duplicate record is visible to an auditor (the audit report flags
// duplicate IDs), an applied decision with no record would not be.
func TestRetryWithoutFinderRecordedAgain(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var recs []aims.Decision
	rec := oversight.RecorderFunc(func(_ context.Context, d aims.Decision) error {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, d)
		return nil
	})
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	g := newLedgerGate(t, rec, oversight.NewMemoryStore(), clock,
		oversight.WithPolicy(oversight.Always(oversight.RouteApply, "all")))
	d := decision(t, "credit", "approve", 0.8, 0.5, false)
	for i := range 2 {
		if out, err := g.Submit(ctx, d); err != nil || !out.Applied {
			t.Fatalf("Submit %d: %+v, %v", i+1, out, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(recs) != 2 {
		t.Errorf("%d records, want the retry recorded again (2)", len(recs))
	}
}
