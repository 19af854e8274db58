package oversight_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// readsFirstStore reads at every Get, but answers only once a second Get
// arrived or a write began: two Submits that look before they write both
// look before either writes, the interleaving in which checks done by
// reading let both pass.
type readsFirstStore struct {
	*oversight.MemoryStore
	mu      sync.Mutex
	readers int
	// release is nil until arm, and closed when the held Gets may go on.
	release chan struct{}
}

func newReadsFirstStore() *readsFirstStore {
	return &readsFirstStore{MemoryStore: oversight.NewMemoryStore()}
}

// arm makes the next Gets wait.
func (s *readsFirstStore) arm() {
	s.mu.Lock()
	s.readers, s.release = 0, make(chan struct{})
	s.mu.Unlock()
}

func (s *readsFirstStore) open() {
	s.mu.Lock()
	s.openLocked()
	s.mu.Unlock()
}

func (s *readsFirstStore) openLocked() {
	if s.release != nil {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
	}
}

func (s *readsFirstStore) Get(ctx context.Context, id string) (oversight.Ticket, error) {
	// Read now, answer once the other Submit has read too.
	t, err := s.MemoryStore.Get(ctx, id)
	s.mu.Lock()
	s.readers++
	if s.readers >= 2 {
		s.openLocked()
	}
	wait := s.release
	s.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return oversight.Ticket{}, ctx.Err()
		}
	}
	return t, err
}

func (s *readsFirstStore) Create(ctx context.Context, t oversight.Ticket) error {
	s.open()
	return s.MemoryStore.Create(ctx, t)
}

func (s *readsFirstStore) Update(ctx context.Context, id string, fn func(*oversight.Ticket) error) (oversight.Ticket, error) {
	s.open()
	return s.MemoryStore.Update(ctx, id, fn)
}

type routeKey struct{}

// routeFromContext routes each Submit as its context says: two replicas
// with different policies, or a sampling policy drawing twice.
func routeFromContext(ctx context.Context, _ oversight.Candidate) oversight.Verdict {
	r, _ := ctx.Value(routeKey{}).(oversight.Route)
	return oversight.Verdict{Route: r, Policy: "sample"}
}

// One decision, one route: of two Submits of one decision ID, one routed
// to review and one to apply, only one may succeed, whatever the
// interleaving (else the decision is in effect and in the review queue,
// where reviewers could reject it), and the decision has one ticket. A
// blocked decision is not held by a later Submit (its block record is its
// record).
func TestConcurrentSubmitsOneRoute(t *testing.T) {
	for _, other := range []oversight.Route{oversight.RouteApply, oversight.RouteBlock} {
		t.Run(other.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			store := newReadsFirstStore()
			rec := &fakeRecorder{}
			g, err := oversight.New(ctx, rec, oversight.WithStore(store), oversight.WithSweepInterval(0),
				oversight.WithRiskLevel("credit", aims.RiskLimited), oversight.WithPolicy(routeFromContext))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close(ctx)
			d := decision(t, "credit", "deny", 0.3, 0.5, true)
			store.arm()
			var wg sync.WaitGroup
			outs := make([]oversight.Outcome, 2)
			errs := make([]error, 2)
			for i, r := range []oversight.Route{oversight.RouteReview, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i], errs[i] = g.Submit(context.WithValue(ctx, routeKey{}, r), d)
				}()
			}
			wg.Wait()
			store.open()
			for i, err := range errs {
				if err != nil && !errors.Is(err, oversight.ErrTicketExists) {
					t.Errorf("Submit %d: %v; want ErrTicketExists for a loser", i, err)
				}
			}
			// One decision, one ticket: its review ticket or its routed one.
			tickets, err := store.FindByDecision(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(tickets) != 1 {
				t.Fatalf("%d tickets concern decision %s, want 1 (Submit errors %v)", len(tickets), d.ID, errs)
			}
			held := tickets[0].Kind == oversight.KindReview
			if held != (errs[0] == nil) {
				t.Fatalf("the decision's ticket is a %s ticket although the review route's Submit returned %v", tickets[0].Kind, errs[0])
			}
			switch {
			case other == oversight.RouteApply && errs[0] == nil && errs[1] == nil:
				// Applied and held: reviewers could reject a decision in effect.
				t.Fatalf("both Submits of decision %s succeeded: it is applied and held on ticket %s", d.ID, outs[0].Ticket.ID)
			case errs[0] != nil && errs[1] != nil:
				t.Fatalf("no Submit succeeded: %v", errs)
			}
			q, err := g.Queue(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if (len(q) == 1) != held {
				t.Fatalf("queue holds %d tickets; held %v", len(q), held)
			}
		})
	}
}
