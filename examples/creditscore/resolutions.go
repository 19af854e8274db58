package main

import (
	"context"
	"time"
)

// watchResolutions keeps the decision book up to date with resolutions
// made on other replicas. A fleet shares one review queue, so a credit
// officer logged in to replica B may resolve a decision replica A held;
// oversight.WithOnResolved fires on B only, and A's fairness monitor,
// which holds the applicant's groups, would never learn the final
// outcome. Every interval it asks the shared store about the tickets of
// this replica's held decisions. The returned function stops it.
func (s *service) watchResolutions(every time.Duration) func(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.catchUp(ctx)
		}
	}()
	return func(context.Context) error {
		cancel()
		<-done
		return nil
	}
}

// catchUp reads where the tickets of held decisions stand (those of ids,
// or all of this replica's) and records the resolved ones in the book,
// which feeds the fairness monitor once per decision whichever path
// (callback or catch-up) comes first.
func (s *service) catchUp(ctx context.Context, ids ...string) {
	for _, tid := range s.book.heldTickets(maxCatchUp, ids...) {
		out, err := s.gate.Status(ctx, tid)
		if err != nil || out.Pending() {
			continue
		}
		s.book.resolved(out)
	}
}

// maxCatchUp bounds the tickets one catch-up reads, so a long queue costs
// each round a bounded number of store reads.
const maxCatchUp = 500
