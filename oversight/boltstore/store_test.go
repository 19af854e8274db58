package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) oversight.Store {
		s, err := boltstore.Open(context.Background(), filepath.Join(t.TempDir(), "tickets.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storetest.Reopen(func(t *testing.T, s oversight.Store) oversight.Store {
		path := boltstore.Path(s.(*boltstore.Store))
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}))
}

// recorder is an in-memory decision log.
type recorder struct {
	mu   sync.Mutex
	recs []aims.Decision
}

func (r *recorder) Record(_ context.Context, d aims.Decision) error {
	if err := d.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, d)
	return nil
}

// adverse builds an adverse credit decision with an explanation.
func adverse(t *testing.T) aims.Decision {
	t.Helper()
	d, err := aims.NewDecision(context.Background(), "credit")
	if err != nil {
		t.Fatal(err)
	}
	score, thr := 0.2, 0.5
	d.Output, d.Score, d.Threshold, d.Adverse = "deny", &score, &thr, true
	d.Explanation = &aims.Explanation{
		Method: "tree", BaseValue: 0.4, Prediction: score,
		ReasonCodes: []aims.ReasonCode{{Rank: 1, Code: "R01", Feature: "income", Description: "Income below typical approved range", Direction: "adverse", Contribution: -0.12}},
	}
	return d
}

// TestSurvivesRestart holds a decision, "restarts" the service (closes
// the Gate and the file, opens new ones) and resolves the ticket with the
// new Gate.
func TestSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	ctx := context.Background()
	s1, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	g1, err := oversight.New(ctx, rec, oversight.WithStore(s1), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.AdverseOutcome()), oversight.WithRiskLevel("credit", aims.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	out, err := g1.Submit(ctx, adverse(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := boltstore.Open(ctx, path, boltstore.WithLockTimeout(50*time.Millisecond)); err == nil {
		t.Fatal("a second process could open the locked store")
	}
	if err := g1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	g2, err := oversight.New(ctx, rec, oversight.WithStore(s2), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close(ctx)
	q, err := g2.Queue(ctx, 0)
	if err != nil || len(q) != 1 || q[0].ID != out.Ticket.ID {
		t.Fatalf("queue after restart: %v, %v", q, err)
	}
	if q[0].Risk != aims.RiskLimited {
		t.Fatalf("risk level after restart: %q", q[0].Risk)
	}
	if q[0].Decision.Explanation == nil || q[0].Decision.Explanation.ReasonCodes[0].Code != "R01" {
		t.Fatalf("explanation lost across restart: %+v", q[0].Decision.Explanation)
	}
	bob := oversight.Reviewer{ID: "bob", Roles: []string{"reviewer"}}
	res, err := g2.Override(ctx, out.Ticket.ID, bob, "approve", "verified income")
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != aims.ActionOverride || res.Decision.Oversight.RelatedDecisionID != out.Decision.ID {
		t.Fatalf("resolution after restart: %+v", res)
	}
}

// TestHaltSurvivesRestart: a Gate started on the file of a halted system
// starts halted.
func TestHaltSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	ctx := context.Background()
	s1, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	g1, err := oversight.New(ctx, &recorder{}, oversight.WithStore(s1), oversight.WithSweepInterval(0), oversight.WithSystems("credit"))
	if err != nil {
		t.Fatal(err)
	}
	if err := g1.Halt(ctx, "credit", oversight.Reviewer{ID: "alice"}, "incident 42"); err != nil {
		t.Fatal(err)
	}
	_ = g1.Close(ctx)
	if err := s1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	g2, err := oversight.New(ctx, &recorder{}, oversight.WithStore(s2), oversight.WithSweepInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close(ctx)
	if !g2.Halted("credit") {
		t.Fatal("the halt did not survive the restart")
	}
}

func TestOpenRejectsBadArguments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		path string
		opts []boltstore.Option
		want string
	}{
		"zero lock timeout":     {filepath.Join(dir, "a.db"), []boltstore.Option{boltstore.WithLockTimeout(0)}, "WithLockTimeout(0s)"},
		"negative lock timeout": {filepath.Join(dir, "b.db"), []boltstore.Option{boltstore.WithLockTimeout(-time.Second)}, "must be positive"},
		"zero flush interval":   {filepath.Join(dir, "c.db"), []boltstore.Option{boltstore.WithIndexFlushInterval(0)}, "WithIndexFlushInterval(0s)"},
		"no path":               {"", nil, "needs a file path"},
		"directory as file":     {dir, nil, "opening"},
	} {
		s, err := boltstore.Open(ctx, tc.path, tc.opts...)
		if err == nil {
			_ = s.Close(ctx)
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", name, err, tc.want)
		}
	}
	// A nil option is ignored.
	s, err := boltstore.Open(ctx, filepath.Join(dir, "c.db"), nil)
	if err != nil {
		t.Fatalf("nil option: %v", err)
	}
	_ = s.Close(ctx)
}

func TestOpenHonoursContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := boltstore.Open(cancelled, path); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v", err)
	}

	ctx := context.Background()
	s, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	// The lock is held: with a generous lock timeout, the context's
	// deadline is what ends the wait.
	short, cancel2 := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel2()
	if _, err := boltstore.Open(short, path, boltstore.WithLockTimeout(time.Hour)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open of a locked file past the context deadline: %v", err)
	}
}
