package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func openBench(b *testing.B) oversight.Store {
	s, err := boltstore.Open(context.Background(), filepath.Join(b.TempDir(), "tickets.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func fillBench(b *testing.B, s oversight.Store, ts []oversight.Ticket) {
	if err := boltstore.CreateMany(s.(*boltstore.Store), ts); err != nil {
		b.Fatal(err)
	}
	syncDisk()
}

// BenchmarkClaim claims (and releases) the oldest ticket of queues of
// 100, 10,000 and 100,000 open tickets in a bbolt file. Under fsync each
// claim and release is a committed, fsynced transaction, whose time is
// mostly the disk's; under nosync the commits skip fsync, which leaves
// the store's own cost (what grows, or not, with the queue).
func BenchmarkClaim(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { storetest.BenchClaim(b, openBench, fillBench) })
	b.Run("nosync", func(b *testing.B) {
		open := func(b *testing.B) oversight.Store {
			s := openBench(b)
			boltstore.SetNoSync(s.(*boltstore.Store), true)
			return s
		}
		storetest.BenchClaim(b, open, fillBench)
	})
}

// BenchmarkCreate adds tickets to a bbolt file, one transaction each.
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openBench) }

// BenchmarkCountOpen counts a full queue (DefaultMaxOpenTickets open
// tickets) in a bbolt file, as the Gate does before each held decision.
func BenchmarkCountOpen(b *testing.B) { storetest.BenchCountOpen(b, openBench, fillBench, 0) }

// BenchmarkSubmitHeld is the cost of a decision held for review on a
// bbolt file (without fsync: the store's own cost), with a recorder that
// finds every recorded decision, so that taking the written record off
// the ticket rides on the next commit (the deferred clear).
func BenchmarkSubmitHeld(b *testing.B) {
	ctx := context.Background()
	s, err := boltstore.Open(ctx, filepath.Join(b.TempDir(), "tickets.db"), boltstore.WithIndexFlushInterval(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	g, err := oversight.New(ctx, &durableRecorder{}, oversight.WithStore(s), oversight.WithSweepInterval(0),
		oversight.WithMaxOpenTickets(1<<30), oversight.WithPolicy(oversight.AdverseOutcome()))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close(ctx)
	boltstore.SetNoSync(s, true)
	b.ReportAllocs()
	for b.Loop() {
		d, err := aims.NewDecision(ctx, "credit")
		if err != nil {
			b.Fatal(err)
		}
		d.Output, d.Adverse = "deny", true
		d.Inputs = map[string]any{"income": 42000.0, "region": "north", "age": 30.0}
		if out, err := g.Submit(ctx, d); err != nil || !out.Pending() {
			b.Fatal(out, err)
		}
	}
}
