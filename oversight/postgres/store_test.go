package postgres_test

import (
	"strings"

	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/postgres"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// dsn returns the test server's DSN or skips the test.
func dsn(t testing.TB) string {
	t.Helper()
	for _, k := range []string{"AIMSKIT_POSTGRES_DSN", "AIMS_TEST_POSTGRES_DSN"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	t.Skip("PostgreSQL tests need a server: run `export AIMSKIT_POSTGRES_DSN=\"$(bash .ci/postgres.sh start)\"` " +
		"(installs Debian's postgresql and starts a throwaway cluster on 127.0.0.1), then `go test ./oversight/postgres/`, then `bash .ci/postgres.sh stop`")
	return ""
}

// schema creates a fresh schema for one test and returns a function that
// opens pools whose search_path points at it; everything is dropped at
// the end of the test.
func schema(t testing.TB) func() *pgxpool.Pool {
	t.Helper()
	_, open := newSchema(t)
	return open
}

// newSchema is schema that also returns the schema's name, for pools
// opened elsewhere (another process).
func newSchema(t testing.TB) (string, func() *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	base := dsn(t)
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ovt_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		admin.Close()
		t.Fatalf("creating schema (is the server at %s up?): %v", base, err)
	}
	var mu sync.Mutex
	var pools []*pgxpool.Pool
	t.Cleanup(func() {
		mu.Lock()
		for _, p := range pools {
			p.Close()
		}
		mu.Unlock()
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
		admin.Close()
	})
	return name, func() *pgxpool.Pool {
		cfg, err := pgxpool.ParseConfig(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = name
		cfg.MaxConns = 4
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		pools = append(pools, p)
		mu.Unlock()
		return p
	}
}

func TestConformance(t *testing.T) {
	dsn(t)
	var mu sync.Mutex
	pools := map[oversight.Store]func() *pgxpool.Pool{}
	storetest.Run(t, func(t *testing.T) oversight.Store {
		open := schema(t)
		s, err := postgres.New(context.Background(), open())
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		pools[s] = open
		mu.Unlock()
		return s
	}, storetest.StoreClock(), storetest.Reopen(func(t *testing.T, s oversight.Store) oversight.Store {
		// Another replica's store on the same schema.
		mu.Lock()
		open := pools[s]
		mu.Unlock()
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := postgres.New(context.Background(), open())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}))
}

func TestMigrateIsIdempotent(t *testing.T) {
	pool := schema(t)()
	ctx := context.Background()
	for range 3 {
		if _, err := postgres.New(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM aimskit_oversight_schema`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("schema versions recorded: %d, %v", n, err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"); err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
}

// TestOpenCloseHonoursContext opens a store with its own pool and closes
// it while a transaction holds a connection: Close gives up when its
// context ends, and succeeds once the connection is back.
func TestOpenCloseHonoursContext(t *testing.T) {
	base := dsn(t)
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ovt_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = admin.Exec(ctx, "DROP SCHEMA "+name+" CASCADE") }()
	u, err := url.Parse(base)
	if err != nil {
		t.Skipf("the test DSN is not a URL (%v); this test needs one", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	tk := storetest.NewTicket(t, 1, 0)
	if err := s.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM "+name+".aimskit_oversight_tickets").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the store did not write into its schema: %d, %v", n, err)
	}
	inTx, release := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		_, err := s.Update(ctx, tk.ID, func(*oversight.Ticket) error {
			close(inTx)
			<-release
			return nil
		})
		updated <- err
	}()
	<-inTx
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Close(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a connection in use: %v, want the context's deadline", err)
	}
	close(release)
	if err := <-updated; err != nil {
		t.Fatalf("the transaction in progress: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close once the connection is back: %v", err)
	}
	if _, err := s.Get(ctx, tk.ID); err == nil {
		t.Fatal("the store still reads after Close")
	}
}

// recorder counts resolving actions per ticket across all Gates.
type recorder struct {
	mu       sync.Mutex
	resolved map[string][]string // ticket ID → reviewers who resolved it
	n        int
}

func (r *recorder) Record(_ context.Context, d aims.Decision) error {
	if err := d.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if d.Oversight.Action == aims.ActionApprove || d.Oversight.Action == aims.ActionReject {
		r.resolved[d.Oversight.TicketID] = append(r.resolved[d.Oversight.TicketID], d.Oversight.Reviewer)
	}
	return nil
}

// TestManyGatesOneQueue runs several Gates (replicas, each with its own
// pool) on one queue; reviewer goroutines on every Gate claim and approve
// while rogue goroutines try to act on arbitrary tickets without claiming.
// Every ticket must be resolved exactly once.
func TestManyGatesOneQueue(t *testing.T) {
	newPool := schema(t)
	ctx := context.Background()
	rec := &recorder{resolved: map[string][]string{}}
	const gates, reviewersPerGate, tickets = 3, 3, 60
	var gs []*oversight.Gate
	for range gates {
		s, err := postgres.New(ctx, newPool())
		if err != nil {
			t.Fatal(err)
		}
		g, err := oversight.New(ctx, rec, oversight.WithStore(s), oversight.WithSweepInterval(0),
			oversight.WithPolicy(oversight.Always(oversight.RouteReview, "test")),
			oversight.WithRiskLevel("credit", aims.RiskLimited))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Close(ctx) })
		gs = append(gs, g)
	}
	var ids []string
	for i := range tickets {
		d, _ := aims.NewDecision(ctx, "credit")
		d.Output = "deny"
		out, err := gs[i%gates].Submit(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Ticket.ID)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for gi, g := range gs {
		for r := range reviewersPerGate {
			wg.Add(1)
			go func() {
				defer wg.Done()
				me := oversight.Reviewer{ID: fmt.Sprintf("g%d-r%d", gi, r), Roles: []string{"reviewer"}}
				for {
					tk, err := g.Claim(ctx, me)
					if errors.Is(err, oversight.ErrQueueEmpty) {
						return
					}
					if err != nil {
						errc <- err
						return
					}
					if _, err := g.Approve(ctx, tk.ID, me, "ok"); err != nil {
						errc <- fmt.Errorf("%s approving its claimed ticket %s: %w", me.ID, tk.ID, err)
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() { // a rogue that acts without claiming
			defer wg.Done()
			me := oversight.Reviewer{ID: fmt.Sprintf("rogue-%d", gi), Roles: []string{"reviewer"}}
			for i := gi; i < len(ids); i += gates {
				_, err := g.Reject(ctx, ids[i], me, "rogue")
				if err != nil && !errors.Is(err, oversight.ErrClaimed) && !errors.Is(err, oversight.ErrAlreadyResolved) {
					errc <- fmt.Errorf("rogue: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for _, id := range ids {
		if got := rec.resolved[id]; len(got) != 1 {
			t.Errorf("ticket %s resolved by %v, want exactly once", id, got)
		}
		tk, err := gs[0].Ticket(ctx, id)
		if err != nil || tk.State != oversight.StateResolved {
			t.Errorf("ticket %s: state %s, %v", id, tk.State, err)
		}
	}
	if len(rec.resolved) != tickets {
		t.Fatalf("%d tickets resolved, want %d", len(rec.resolved), tickets)
	}
}

// TestLeaseExpiresAcrossReplicas: replica A claims and dies; once the
// lease has passed (on the database's clock: a one-second lease and a
// real wait), replica B's reviewer gets the ticket.
func TestLeaseExpiresAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	gs, out := replicasWithTicket(t, time.Second, 0, 0)
	a := oversight.Reviewer{ID: "a", Roles: []string{"reviewer"}}
	b := oversight.Reviewer{ID: "b", Roles: []string{"reviewer"}}
	if tk, err := gs[0].Claim(ctx, a); err != nil || tk.ID != out.Ticket.ID {
		t.Fatalf("claim on A: %v %v", tk.ID, err)
	}
	if _, err := gs[1].Claim(ctx, b); !errors.Is(err, oversight.ErrQueueEmpty) {
		t.Fatalf("claim on B during A's lease: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	tk, err := gs[1].Claim(ctx, b)
	if err != nil || tk.ID != out.Ticket.ID {
		t.Fatalf("claim on B after the lease: %v %v", tk.ID, err)
	}
	if _, err := gs[1].Approve(ctx, tk.ID, b, "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := gs[0].Approve(ctx, tk.ID, a, "back from the dead"); !errors.Is(err, oversight.ErrAlreadyResolved) {
		t.Fatalf("dead claimant acting late: %v", err)
	}
}

// TestKeepsNoRawPersonalData runs the privacy suite and then reads every
// row of every table of the store as text and searches it for the raw
// values.
func TestKeepsNoRawPersonalData(t *testing.T) {
	dsn(t)
	open := schema(t)
	s := storetest.RunPrivacy(t, func(t *testing.T) oversight.Store {
		s, err := postgres.New(context.Background(), open())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	defer s.Close(context.Background())
	ctx := context.Background()
	pool := open()
	var dump strings.Builder
	for _, table := range []string{"aimskit_oversight_tickets", "aimskit_oversight_halts"} {
		rows, err := pool.Query(ctx, "SELECT t::text FROM "+table+" t")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			dump.WriteString(row + "\n")
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(dump.String(), "hs256:st:") {
		t.Fatal("the tables hold no pseudonymised ticket; the search below would prove nothing")
	}
	for _, raw := range storetest.RawValues {
		if strings.Contains(dump.String(), raw) {
			t.Errorf("the store's tables contain %s", raw)
		}
	}
}

// TestSkewedReplicaCannotStealLeases: replica A holds claims on every
// ticket; replica B, whose clock is six minutes ahead, asks for tickets
// with a ClaimRequest.Now past A's five-minute leases. Leases are timed by
// the database's clock, so B gets none of them.
func TestSkewedReplicaCannotStealLeases(t *testing.T) {
	newPool := schema(t)
	ctx := context.Background()
	a, err := postgres.New(ctx, newPool())
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgres.New(ctx, newPool())
	if err != nil {
		t.Fatal(err)
	}
	const tickets = 200
	for i := range tickets {
		tk := storetest.NewTicket(t, i, time.Duration(i)*time.Millisecond)
		if err := a.Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	for i := range tickets {
		got, err := a.Claim(ctx, oversight.ClaimRequest{Reviewer: fmt.Sprintf("a-%d", i%4), Now: time.Now(), Lease: 5 * time.Minute, MaxLevel: oversight.AnyLevel})
		if err != nil {
			t.Fatalf("claim %d on A: %v", i, err)
		}
		if time.Until(got.LeaseUntil) < 4*time.Minute {
			t.Fatalf("A's lease ends at %v, want about five minutes from now", got.LeaseUntil)
		}
	}
	skewed := time.Now().Add(6 * time.Minute)
	for i := range 10 {
		got, err := b.Claim(ctx, oversight.ClaimRequest{Reviewer: fmt.Sprintf("b-%d", i), Now: skewed, Lease: 5 * time.Minute, MaxLevel: oversight.AnyLevel})
		if !errors.Is(err, oversight.ErrQueueEmpty) {
			t.Fatalf("replica B (clock +6 min) claimed %s held by %s: %v", got.ID, got.ClaimedBy, err)
		}
	}
}

// TestSkewedGateCannotActOnAClaimedTicket: a gate whose clock runs six
// minutes ahead cannot approve a ticket that a reviewer on another gate
// holds under a five-minute lease: the gate judges leases by the
// database's clock (oversight.StoreClock), as Claim sets them.
func TestSkewedGateCannotActOnAClaimedTicket(t *testing.T) {
	ctx := context.Background()
	gs, out := replicasWithTicket(t, 5*time.Minute, 0, 6*time.Minute)
	a := oversight.Reviewer{ID: "a", Roles: []string{"reviewer"}}
	b := oversight.Reviewer{ID: "b", Roles: []string{"reviewer"}}
	if tk, err := gs[0].Claim(ctx, a); err != nil || tk.ID != out.Ticket.ID {
		t.Fatalf("claim on A: %v %v", tk.ID, err)
	}
	if _, err := gs[1].Approve(ctx, out.Ticket.ID, b, "my clock says the lease is over"); !errors.Is(err, oversight.ErrClaimed) {
		t.Fatalf("the skewed gate acted on a ticket A holds: %v", err)
	}
	if _, err := gs[0].Approve(ctx, out.Ticket.ID, a, "ok"); err != nil {
		t.Fatal(err)
	}
}

// replicasWithTicket starts one gate per clock skew, each with its own
// store on the same database and the given claim lease, and submits one
// decision for review through the first.
func replicasWithTicket(t *testing.T, lease time.Duration, skews ...time.Duration) ([]*oversight.Gate, oversight.Outcome) {
	t.Helper()
	newPool := schema(t)
	ctx := context.Background()
	rec := &recorder{resolved: map[string][]string{}}
	var gs []*oversight.Gate
	for _, skew := range skews {
		s, err := postgres.New(ctx, newPool())
		if err != nil {
			t.Fatal(err)
		}
		g, err := oversight.New(ctx, rec, oversight.WithStore(s), oversight.WithSweepInterval(0),
			oversight.WithClaimLease(lease), oversight.WithPolicy(oversight.Always(oversight.RouteReview, "")),
			oversight.WithRiskLevel("credit", aims.RiskLimited), oversight.WithClock(func() time.Time { return time.Now().Add(skew) }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close(ctx) })
		gs = append(gs, g)
	}
	d, _ := aims.NewDecision(ctx, "credit")
	d.Output = "deny"
	out, err := gs[0].Submit(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return gs, out
}
