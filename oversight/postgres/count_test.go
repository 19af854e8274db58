package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/postgres"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// TestCountOpenReadsTheCounter: the Gate calls CountOpen for every held
// decision and contest, so it sums the counter rows the tickets' triggers
// keep in the same transactions (a few rows, however deep the queue)
// instead of counting the open tickets.
func TestCountOpenReadsTheCounter(t *testing.T) {
	pool := schema(t)()
	ctx := context.Background()
	s, err := postgres.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Create(ctx, storetest.NewTicket(t, i, time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 3 {
		t.Fatalf("CountOpen = %d, %v; want 3", n, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE aimskit_oversight_open_count SET n = n + 4 WHERE slot = 0`); err != nil {
		t.Fatalf("no counter rows: %v", err)
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 7 {
		t.Fatalf("CountOpen = %d, %v; want the counter's 7 (the tickets were counted)", n, err)
	}
}

// TestCountOpenMigratesExistingTickets: the migration that adds the
// counter counts the open tickets already in the table.
func TestCountOpenMigratesExistingTickets(t *testing.T) {
	pool := schema(t)()
	ctx := context.Background()
	s, err := postgres.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.Create(ctx, storetest.NewTicket(t, i, time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// Back to the schema before the counter, with five open tickets.
	if _, err := pool.Exec(ctx, `DROP TABLE aimskit_oversight_open_count;
		DROP FUNCTION aimskit_oversight_count_open() CASCADE;
		DROP INDEX IF EXISTS aimskit_oversight_tickets_open_contests;
		DELETE FROM aimskit_oversight_schema WHERE version >= 5`); err != nil {
		t.Fatal(err)
	}
	if s, err = postgres.New(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 5 {
		t.Fatalf("CountOpen after the migration = %d, %v; want 5", n, err)
	}
	if err := s.Create(ctx, storetest.NewTicket(t, 9, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountOpen(ctx); err != nil || n != 6 {
		t.Fatalf("CountOpen after a Create = %d, %v; want 6", n, err)
	}
}

// TestCountOpenAcrossReplicas: replicas (each its own pool) opening and
// closing tickets at once keep the counter equal to the open tickets.
func TestCountOpenAcrossReplicas(t *testing.T) {
	open := schema(t)
	ctx := context.Background()
	var stores []*postgres.Store
	for range 3 {
		s, err := postgres.New(ctx, open())
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	const perReplica = 40
	var wg sync.WaitGroup
	errs := make(chan error, 3*perReplica)
	for r, s := range stores {
		wg.Go(func() {
			for i := range perReplica {
				n := r*perReplica + i
				tk := storetest.NewTicket(t, n, time.Duration(n)*time.Millisecond)
				if err := s.Create(ctx, tk); err != nil {
					errs <- err
					return
				}
				if i%3 != 0 {
					continue
				}
				// Another replica closes it.
				other := stores[(r+1)%len(stores)]
				if _, err := other.Update(ctx, tk.ID, func(x *oversight.Ticket) error {
					x.State = oversight.StateExpired
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var want int
	if err := open().QueryRow(ctx, `SELECT count(*) FROM aimskit_oversight_tickets WHERE state IN ('pending', 'overdue')`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want != 3*(perReplica-perReplica/3-1) {
		t.Fatalf("%d open tickets, want %d", want, 3*(perReplica-perReplica/3-1))
	}
	for i, s := range stores {
		if n, err := s.CountOpen(ctx); err != nil || n != want {
			t.Fatalf("replica %d: CountOpen = %d, %v; want %d", i, n, err, want)
		}
	}
}
