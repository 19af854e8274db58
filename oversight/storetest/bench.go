package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// BenchDepths are the queue depths BenchClaim measures by default.
var BenchDepths = []int{100, 10_000, 100_000}

// Filler puts tickets into a fresh store; a store may pass a bulk loader so
// that building a deep queue does not take one commit per ticket. Nil
// means one Create per ticket.
type Filler func(b *testing.B, s oversight.Store, ts []oversight.Ticket)

// BenchClaim measures Claim on queues of each depth (BenchDepths when
// depths is empty). Each queue is built once, outside the timer, from
// tickets made by NewTicket. Each operation claims the oldest ticket and
// then releases the claim with Update, so the queue depth stays constant;
// the claim/op metric is the time of the Claim call alone.
func BenchClaim(b *testing.B, open func(b *testing.B) oversight.Store, fill Filler, depths ...int) {
	if len(depths) == 0 {
		depths = BenchDepths
	}
	for _, n := range depths {
		b.Run(fmt.Sprintf("open=%d", n), func(b *testing.B) {
			s := open(b)
			defer func() { _ = s.Close(context.Background()) }()
			ts := make([]oversight.Ticket, n)
			for i := range ts {
				ts[i] = NewTicket(b, i, time.Duration(i)*time.Millisecond)
			}
			if fill == nil {
				for i := range ts {
					if err := s.Create(context.Background(), ts[i]); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				fill(b, s, ts)
			}
			ctx := context.Background()
			req := oversight.ClaimRequest{Reviewer: "bench-reviewer", Now: T0, Lease: time.Hour, MaxLevel: oversight.AnyLevel}
			release := func(x *oversight.Ticket) error {
				x.ClaimedBy, x.LeaseUntil = "", time.Time{}
				return nil
			}
			var claiming time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				got, err := s.Claim(ctx, req)
				claiming += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Update(ctx, got.ID, release); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(claiming.Nanoseconds())/float64(b.N), "claim-ns/op")
		})
	}
}

// BenchCreate measures Create of fresh tickets into an empty store (run it
// with -benchmem, or read its allocs/op).
func BenchCreate(b *testing.B, open func(b *testing.B) oversight.Store) {
	s := open(b)
	defer func() { _ = s.Close(context.Background()) }()
	const batch = 1024
	ctx := context.Background()
	ts := make([]oversight.Ticket, batch)
	next := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		i := next % batch
		if i == 0 {
			b.StopTimer()
			for j := range ts {
				ts[j] = NewTicket(b, next+j, time.Duration(next+j)*time.Millisecond)
			}
			b.StartTimer()
		}
		if err := s.Create(ctx, ts[i]); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

// BenchCountOpen measures CountOpen, which the Gate calls before it holds
// each decision and opens each contest (WithMaxOpenTickets), on a queue
// of open tickets (DefaultMaxOpenTickets, a full queue, when depth is 0)
// built once outside the timer.
func BenchCountOpen(b *testing.B, open func(b *testing.B) oversight.Store, fill Filler, depth int) {
	if depth <= 0 {
		depth = oversight.DefaultMaxOpenTickets
	}
	s := open(b)
	defer func() { _ = s.Close(context.Background()) }()
	ts := make([]oversight.Ticket, depth)
	for i := range ts {
		ts[i] = NewTicket(b, i, time.Duration(i)*time.Millisecond)
	}
	if fill == nil {
		for i := range ts {
			if err := s.Create(context.Background(), ts[i]); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		fill(b, s, ts)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, err := s.CountOpen(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n != depth {
			b.Fatalf("CountOpen = %d, want %d", n, depth)
		}
	}
}
