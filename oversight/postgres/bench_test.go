package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/postgres"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// BenchmarkClaim measures claims from a queue of b.N tickets: one
// claimer at a time (serial), and 4×GOMAXPROCS goroutines claiming in
// parallel through one pool (parallel), which adds SKIP LOCKED contention
// on the head of the queue.
func BenchmarkClaim(b *testing.B) {
	for _, bc := range []struct {
		name string
		par  int
	}{{"serial", 0}, {"parallel", 4}} {
		b.Run(bc.name, func(b *testing.B) {
			pool := schema(b)()
			ctx := context.Background()
			s, err := postgres.New(ctx, pool)
			if err != nil {
				b.Fatal(err)
			}
			for i := range b.N {
				if err := s.Create(ctx, storetest.NewTicket(b, i, time.Duration(i)*time.Millisecond)); err != nil {
					b.Fatal(err)
				}
			}
			// Statistics as autovacuum would have them on a long-lived
			// table; without them the planner sees an empty table.
			if _, err := pool.Exec(ctx, "ANALYZE aimskit_oversight_tickets"); err != nil {
				b.Fatal(err)
			}
			claim := func(me string) error {
				_, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: me, Now: storetest.T0, Lease: time.Hour, MaxLevel: oversight.AnyLevel})
				if errors.Is(err, oversight.ErrQueueEmpty) {
					return nil
				}
				return err
			}
			b.ReportAllocs()
			b.ResetTimer()
			defer func() { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s") }()
			if bc.par == 0 {
				for range b.N {
					if err := claim("r"); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			var n atomic.Int64
			b.SetParallelism(bc.par)
			b.RunParallel(func(pb *testing.PB) {
				me := fmt.Sprintf("r%d", n.Add(1))
				for pb.Next() {
					if err := claim(me); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRoundTrip is the floor for BenchmarkClaim on the same machine:
// one SELECT 1 through the same kind of pool, serial and parallel.
func BenchmarkRoundTrip(b *testing.B) {
	pool := schema(b)()
	ctx := context.Background()
	one := func() error {
		var v int
		return pool.QueryRow(ctx, "SELECT 1").Scan(&v)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if err := one(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := one(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkCountOpen counts a full queue (DefaultMaxOpenTickets open
// tickets), as the Gate does before each held decision; "count(*)" is
// the count over the open tickets' partial index that CountOpen ran
// before it read the counter rows, for comparison.
func BenchmarkCountOpen(b *testing.B) {
	pool := schema(b)()
	ctx := context.Background()
	s, err := postgres.New(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	for i := range oversight.DefaultMaxOpenTickets {
		if err := s.Create(ctx, storetest.NewTicket(b, i, time.Duration(i)*time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	// Statistics and visibility map as autovacuum would leave them on a
	// long-lived table.
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE aimskit_oversight_tickets"); err != nil {
		b.Fatal(err)
	}
	filled := func(*testing.B, oversight.Store, []oversight.Ticket) {}
	b.Run("CountOpen", func(b *testing.B) {
		storetest.BenchCountOpen(b, func(*testing.B) oversight.Store { return s }, filled, 0)
	})
	b.Run("count(*)", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM aimskit_oversight_tickets WHERE state IN ('pending', 'overdue')`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			if n != oversight.DefaultMaxOpenTickets {
				b.Fatalf("count(*) = %d", n)
			}
		}
	})
}

// BenchmarkCreate adds open tickets one transaction each (each also adds
// to the count of open tickets, see migrationOpenCount).
func BenchmarkCreate(b *testing.B) {
	storetest.BenchCreate(b, func(b *testing.B) oversight.Store {
		s, err := postgres.New(context.Background(), schema(b)())
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
