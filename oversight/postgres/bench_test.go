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

// BenchmarkClaim measures claims per second from a queue of b.N tickets,
// with GOMAXPROCS goroutines (×4) claiming in parallel through one pool.
func BenchmarkClaim(b *testing.B) {
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
	var n atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		me := fmt.Sprintf("r%d", n.Add(1))
		for pb.Next() {
			if _, err := s.Claim(ctx, oversight.ClaimRequest{Reviewer: me, Now: storetest.T0, Lease: time.Hour, MaxLevel: oversight.AnyLevel}); err != nil && !errors.Is(err, oversight.ErrQueueEmpty) {
				b.Error(err)
				return
			}
		}
	})
}
