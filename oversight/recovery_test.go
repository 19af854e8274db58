package oversight_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// durableRecorder is a decision log whose finding reads a durable log:
// it counts the lookups, each of which would read the whole log.
type durableRecorder struct {
	fakeRecorder
	finds atomic.Int64
}

func (r *durableRecorder) FindDecision(ctx context.Context, id string) (aims.Decision, error) {
	r.finds.Add(1)
	return r.fakeRecorder.FindDecision(ctx, id)
}

func (r *durableRecorder) FindsEveryRecorded() bool { return true }

// lossyStore is a memory store that writes its index behind and lost
// routed tickets in a crash of its previous run, in a given window.
type lossyStore struct {
	*oversight.MemoryStore
	from, to time.Time
	lost     bool
}

func (s *lossyStore) CreateDeferred(ctx context.Context, t oversight.Ticket) error {
	return s.Create(ctx, t)
}

func (s *lossyStore) IndexLoss() (time.Time, time.Time, bool) { return s.from, s.to, s.lost }

// v7At is a UUIDv7 made at t.
func v7At(t *testing.T, at time.Time) string {
	t.Helper()
	u, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	ms := uint64(at.UnixMilli())
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	return u.String()
}

// A store that writes its decision index behind loses routed tickets in a
// crash; the gate then finds those decisions in the durable decision log,
// but only for IDs made in the loss window: a made-up ID, an old one, a
// new one, or any ID when nothing was lost, is not found at once, without
// reading the log (which a client asking for made-up IDs could otherwise
// make the service do on every request).
func TestRecoveryReadsTheLogOnlyInTheLossWindow(t *testing.T) {
	ctx := context.Background()
	crash := time.Now().Add(-10 * time.Minute)
	for _, tc := range []struct {
		name  string
		lost  bool
		id    func(t *testing.T) string
		reads int64
	}{
		{"in the window", true, func(t *testing.T) string { return v7At(t, crash.Add(30*time.Second)) }, 1},
		{"within the margin", true, func(t *testing.T) string { return v7At(t, crash.Add(-30*time.Second)) }, 1},
		{"before the window", true, func(t *testing.T) string { return v7At(t, crash.Add(-time.Hour)) }, 0},
		{"after the window", true, func(t *testing.T) string { return v7At(t, time.Now().Add(time.Hour)) }, 0},
		{"not a UUIDv7", true, func(*testing.T) string { return uuid.NewString() }, 0},
		{"made up", true, func(*testing.T) string { return "../../etc/passwd" }, 0},
		{"nothing lost", false, func(t *testing.T) string { return v7At(t, crash.Add(30*time.Second)) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &durableRecorder{}
			store := &lossyStore{MemoryStore: oversight.NewMemoryStore(), from: crash, to: crash.Add(2 * time.Minute), lost: tc.lost}
			g, err := oversight.New(ctx, rec, oversight.WithStore(store), oversight.WithSweepInterval(0),
				oversight.WithRiskLevel("credit", aims.RiskLimited))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close(ctx)
			if _, err := g.Decision(ctx, tc.id(t)); !errors.Is(err, oversight.ErrDecisionNotFound) {
				t.Fatalf("Decision: %v, want ErrDecisionNotFound", err)
			}
			if _, err := g.Contest(ctx, tc.id(t), "grounds"); !errors.Is(err, oversight.ErrDecisionNotFound) {
				t.Fatalf("Contest: %v, want ErrDecisionNotFound", err)
			}
			if got := rec.finds.Load(); got != 2*tc.reads {
				t.Errorf("the decision log was read %d times, want %d", got, 2*tc.reads)
			}
		})
	}
}

// A decision recorded in the loss window whose routed ticket the crash
// took is found in the log and can be contested.
func TestRecoveryFindsALostDecision(t *testing.T) {
	ctx := context.Background()
	rec := &durableRecorder{}
	d := decision(t, "credit", "deny", 0.3, 0.5, true)
	if err := rec.Record(ctx, d); err != nil { // recorded, then the crash took its routed ticket
		t.Fatal(err)
	}
	store := &lossyStore{MemoryStore: oversight.NewMemoryStore(), from: time.Now().Add(-time.Minute), to: time.Now(), lost: true}
	g, err := oversight.New(ctx, rec, oversight.WithStore(store), oversight.WithSweepInterval(0),
		oversight.WithRiskLevel("credit", aims.RiskLimited))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	out, err := g.Decision(ctx, d.ID)
	if err != nil || out.Decision.ID != d.ID {
		t.Fatalf("Decision: %+v, %v", out, err)
	}
	if _, err := g.Contest(ctx, d.ID, "please review"); err != nil {
		t.Fatalf("Contest: %v", err)
	}
}
