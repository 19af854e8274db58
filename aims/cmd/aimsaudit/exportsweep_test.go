package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
	"github.com/aimskit/aimskit/oversight"
)

// switchRecorder is a decision log whose ledger refuses writes while
// broken: two aims.DecisionLogs emitting to the same telemetry, one on a
// closed ledger, one on the instance's open ledger.
type switchRecorder struct {
	mu           sync.Mutex
	broken       bool
	good, closed *aims.DecisionLog
}

func (s *switchRecorder) log() *aims.DecisionLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return s.closed
	}
	return s.good
}

func (s *switchRecorder) set(broken bool) { s.mu.Lock(); s.broken = broken; s.mu.Unlock() }

func (s *switchRecorder) Record(ctx context.Context, d aims.Decision) error {
	return s.log().Record(ctx, d)
}

func (s *switchRecorder) RecordEmitted(ctx context.Context, d aims.Decision) error {
	return s.log().RecordEmitted(ctx, d)
}

func (s *switchRecorder) Clean(d *aims.Decision) error { return s.log().Clean(d) }

func (s *switchRecorder) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	return s.log().FindDecision(ctx, id)
}

// TestExportMergesARecordSweepWroteLater: a reviewer approves a held
// decision, in a request traced as usual, while the ledger refuses writes;
// the decision log emits the approval's record all the same
// (aims.ErrNotLedgered), and the Gate's Sweep writes it to the ledger once
// the ledger is back. The ledger and the collector then hold one approval,
// the same record: exporting both writes each decision once and warns of
// no decision ID used by different decisions.
func TestExportMergesARecordSweepWroteLater(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	skey, _, err := ledger.GenerateKey("export")
	if err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *ledger.Ledger {
		signer, err := ledger.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.Open(ctx, dir, "s", "pod-a", signer)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	good, gone := open(filepath.Join(root, "pod-a")), open(filepath.Join(t.TempDir(), "gone"))
	if err := gone.Close(ctx); err != nil {
		t.Fatal(err)
	}
	logs := oteltest.NewLogs(t)
	newLog := func(l *ledger.Ledger) *aims.DecisionLog {
		dl, err := aims.NewDecisionLog(aims.WithLedger(l), aims.WithLoggerProvider(logs.Provider))
		if err != nil {
			t.Fatal(err)
		}
		return dl
	}
	rec := &switchRecorder{good: newLog(good), closed: newLog(gone)}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	g, err := oversight.New(ctx, rec, oversight.WithClock(func() time.Time { return now }), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("s", aims.RiskLimited), oversight.WithPolicy(oversight.Always(oversight.RouteReview, "all")))
	if err != nil {
		t.Fatal(err)
	}
	// Each request runs in its own trace, as behind otelhttp.
	traced := func(n byte) context.Context {
		return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1, n}, SpanID: trace.SpanID{2, n}, TraceFlags: trace.FlagsSampled}))
	}
	d, err := aims.NewDecision(traced(1), "s")
	if err != nil {
		t.Fatal(err)
	}
	d.Output = "approve"
	d.Subject = "hs256:0123456789abcdef0123456789abcdef"
	out, err := g.Submit(traced(1), d)
	if err != nil {
		t.Fatal(err)
	}
	rec.set(true)
	if _, err := g.Approve(traced(2), out.Ticket.ID, oversight.Reviewer{ID: "alice", Roles: []string{"reviewer"}}, "looks right"); err == nil {
		t.Fatal("the approval's record was written although the ledger refuses writes")
	}
	rec.set(false)
	if _, err := g.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rec.good.Close(ctx); err != nil {
		t.Fatal(err)
	}
	file := collectorDecisions(t, logs)
	code, outText, errs := runCmd(t, "export", root, "--otlp", file)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(outText), "\n"); len(lines) != 2 {
		t.Errorf("export wrote %d records, want the decision and its approval, each once:\n%s", len(lines), outText)
	}
	if strings.Contains(errs, "warning") {
		t.Errorf("the ledger's and the collector's copy of one record were taken for two decisions: %q", errs)
	}
}
