package postgres_test

import (
	"context"
	"testing"
	"time"

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
