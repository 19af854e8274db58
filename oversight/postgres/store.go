// Package postgres is the PostgreSQL oversight.Store, for many replicas of
// a service sharing one review queue. It uses pgx; importing it is the
// only way the pgx dependency reaches an application.
//
// Claims use SELECT … FOR UPDATE SKIP LOCKED, so concurrent reviewers on
// any replica never get the same ticket, and every read-modify-write runs
// in a transaction holding the ticket's row lock, so no ticket is
// reviewed twice. Claims are leases: a replica that dies mid-review loses
// no ticket, because its claim runs out and the ticket is claimable again.
// Leases are timed by the database's clock (now()), never by a replica's,
// so replicas whose clocks disagree still agree on who holds a ticket.
//
// Halts live in the database too (the store is an oversight.HaltStore):
// a halt or resume pressed on any replica stops or restarts decisions on
// every replica within oversight.WithHaltRefresh (1s by default; 0 reads
// them on every Submit, so it is at once). Contests and reviews are
// tickets like any other: a decision made on one replica can be contested
// through another and the contest reviewed on a third.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aimskit/aimskit/oversight"
)

// DB is what the store needs from a connection pool; *pgxpool.Pool
// satisfies it.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is an oversight.Store in PostgreSQL.
type Store struct {
	db   DB
	pool *pgxpool.Pool // set when the store opened the pool itself
}

var (
	_ oversight.Store     = (*Store)(nil)
	_ oversight.HaltStore = (*Store)(nil)
	_ oversight.Purger    = (*Store)(nil)

	_ oversight.UnrecordedLister = (*Store)(nil)
	_ oversight.HaltTicketStore  = (*Store)(nil)
	_ oversight.ContestCounter   = (*Store)(nil)
)

// New returns a store on db and migrates its schema (see Migrate). The
// store does not close db.
func New(ctx context.Context, db DB) (*Store, error) {
	if ctx == nil {
		return nil, errors.New("oversight/postgres: New needs a context")
	}
	if db == nil {
		return nil, errors.New("oversight/postgres: New needs a database")
	}
	s := &Store{db: db}
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Open connects to dsn with a pool of its own, migrates the schema and
// returns a store that closes the pool on Close.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if ctx == nil {
		return nil, errors.New("oversight/postgres: Open needs a context")
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("oversight/postgres: connecting: %w", err)
	}
	s, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.pool = pool
	return s, nil
}

// migrations are applied in order, each once, recorded in
// aimskit_oversight_schema. Never edit one that has shipped; append.
var migrations = []string{
	`CREATE TABLE aimskit_oversight_tickets (
		id                 text PRIMARY KEY,
		decision_id        text NOT NULL,
		result_decision_id text,
		state              text NOT NULL,
		level              int NOT NULL DEFAULT 0,
		created_at         timestamptz NOT NULL,
		deadline           timestamptz NOT NULL,
		claimed_by         text,
		lease_until        timestamptz,
		ineligible         text[] NOT NULL DEFAULT '{}',
		data               jsonb NOT NULL
	);
	CREATE INDEX aimskit_oversight_tickets_open ON aimskit_oversight_tickets (created_at, id)
		WHERE state IN ('pending', 'overdue');
	CREATE INDEX aimskit_oversight_tickets_unclaimed ON aimskit_oversight_tickets (created_at, id)
		WHERE state IN ('pending', 'overdue') AND claimed_by IS NULL;
	CREATE INDEX aimskit_oversight_tickets_leases ON aimskit_oversight_tickets (lease_until)
		WHERE state IN ('pending', 'overdue') AND claimed_by IS NOT NULL;
	CREATE INDEX aimskit_oversight_tickets_deadline ON aimskit_oversight_tickets (deadline)
		WHERE state = 'pending';
	CREATE INDEX aimskit_oversight_tickets_decision ON aimskit_oversight_tickets (decision_id);
	CREATE INDEX aimskit_oversight_tickets_result ON aimskit_oversight_tickets (result_decision_id);`,
	`CREATE TABLE aimskit_oversight_halts (
		system_id text PRIMARY KEY,
		halted_by text NOT NULL,
		reason    text NOT NULL,
		since     timestamptz NOT NULL
	);`,
	// A forced halt says so on every replica that reads it.
	`ALTER TABLE aimskit_oversight_halts ADD COLUMN forced boolean NOT NULL DEFAULT false;`,
	// The tickets holding decision records the Gate has not yet written
	// (Ticket.Unrecorded, absent from data when there are none), for
	// Unrecorded; an index only, the rows need no change.
	`CREATE INDEX aimskit_oversight_tickets_unrecorded ON aimskit_oversight_tickets (created_at, id)
		WHERE data ? 'unrecorded';`,
	migrationOpenCount,
	migrationOpenContests,
}

// Migrate brings the schema up to date. It takes a transaction-scoped
// advisory lock, so replicas starting together migrate once.
func (s *Store) Migrate(ctx context.Context) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("oversight/postgres: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// The key is arbitrary but fixed: "aimskit_oversight" hashed by hand.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(4242004201)`); err != nil {
		return fmt.Errorf("oversight/postgres: migrate lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS aimskit_oversight_schema (
		version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("oversight/postgres: migrate: %w", err)
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM aimskit_oversight_schema`).Scan(&have); err != nil {
		return fmt.Errorf("oversight/postgres: reading schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("oversight/postgres: database schema version %d is newer than this SDK knows (%d)", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("oversight/postgres: migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO aimskit_oversight_schema (version) VALUES ($1)`, v); err != nil {
			return fmt.Errorf("oversight/postgres: migration %d: %w", v, err)
		}
	}
	return tx.Commit(ctx)
}

// row holds the indexed columns derived from a ticket.
type row struct {
	resultDecision *string
	claimedBy      *string
	leaseUntil     *time.Time
	data           []byte
}

func toRow(t *oversight.Ticket) (row, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return row{}, fmt.Errorf("oversight/postgres: encoding ticket %s: %w", t.ID, err)
	}
	r := row{data: data}
	if t.Resolution != nil && t.Resolution.Decision.ID != "" {
		r.resultDecision = &t.Resolution.Decision.ID
	}
	if t.ClaimedBy != "" {
		r.claimedBy = &t.ClaimedBy
		lu := t.LeaseUntil
		r.leaseUntil = &lu
	}
	return r, nil
}

func ineligible(t *oversight.Ticket) []string {
	out := t.Ineligible()
	if out == nil {
		out = []string{}
	}
	return out
}

func decode(id string, data []byte) (oversight.Ticket, error) {
	var t oversight.Ticket
	if err := json.Unmarshal(data, &t); err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: ticket %s is corrupt: %w", id, err)
	}
	return t, nil
}

// Create implements oversight.Store.
func (s *Store) Create(ctx context.Context, t oversight.Ticket) error {
	if t.ID == "" || t.State == "" || t.CreatedAt.IsZero() || t.Deadline.IsZero() {
		return fmt.Errorf("oversight/postgres: ticket %q needs an ID, a state, a creation time and a deadline", t.ID)
	}
	return insertTicket(ctx, s.db, &t)
}

// execer runs a statement: the pool, or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertTicket adds t through ex; ErrTicketExists if its ID is taken.
func insertTicket(ctx context.Context, ex execer, t *oversight.Ticket) error {
	r, err := toRow(t)
	if err != nil {
		return err
	}
	tag, err := ex.Exec(ctx, `INSERT INTO aimskit_oversight_tickets
		(id, decision_id, result_decision_id, state, level, created_at, deadline, claimed_by, lease_until, ineligible, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
		t.ID, t.Decision.ID, r.resultDecision, string(t.State), t.Level, t.CreatedAt, t.Deadline, r.claimedBy, r.leaseUntil, ineligible(t), r.data)
	if err != nil {
		return fmt.Errorf("oversight/postgres: creating ticket %s: %w", t.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", oversight.ErrTicketExists, t.ID)
	}
	return nil
}

// Get implements oversight.Store.
func (s *Store) Get(ctx context.Context, id string) (oversight.Ticket, error) {
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT data FROM aimskit_oversight_tickets WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return oversight.Ticket{}, fmt.Errorf("%w: %q", oversight.ErrTicketNotFound, id)
	}
	if err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: reading ticket %s: %w", id, err)
	}
	return decode(id, data)
}

// write stores t's new state inside tx.
func write(ctx context.Context, tx pgx.Tx, t *oversight.Ticket) error {
	r, err := toRow(t)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE aimskit_oversight_tickets SET
		result_decision_id = $2, state = $3, level = $4, deadline = $5, claimed_by = $6, lease_until = $7,
		ineligible = $8, data = $9 WHERE id = $1`,
		t.ID, r.resultDecision, string(t.State), t.Level, t.Deadline, r.claimedBy, r.leaseUntil, ineligible(t), r.data)
	if err != nil {
		return fmt.Errorf("oversight/postgres: writing ticket %s: %w", t.ID, err)
	}
	return nil
}

// Update implements oversight.Store: the ticket's row is locked (SELECT …
// FOR UPDATE) for the whole read-modify-write.
func (s *Store) Update(ctx context.Context, id string, fn func(t *oversight.Ticket) error) (oversight.Ticket, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var data []byte
	err = tx.QueryRow(ctx, `SELECT data FROM aimskit_oversight_tickets WHERE id = $1 FOR UPDATE`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return oversight.Ticket{}, fmt.Errorf("%w: %q", oversight.ErrTicketNotFound, id)
	}
	if err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: locking ticket %s: %w", id, err)
	}
	t, err := decode(id, data)
	if err != nil {
		return oversight.Ticket{}, err
	}
	if err := fn(&t); err != nil {
		return oversight.Ticket{}, err
	}
	if t.ID != id {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: update changed ticket ID %q to %q", id, t.ID)
	}
	if err := write(ctx, tx, &t); err != nil {
		return oversight.Ticket{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: commit ticket %s: %w", id, err)
	}
	return t, nil
}

// Claim implements oversight.Store with SELECT … FOR UPDATE SKIP LOCKED:
// rows another transaction is claiming are skipped, not waited for. The
// whole claim is one statement (one round trip): two candidates, each
// found through its own partial index so that live claims are never
// scanned — the oldest unclaimed ticket and the oldest ticket whose lease
// has run out — and the older of the two is updated in place, in its
// indexed columns and in its JSON document alike.
//
// Leases run on the database's clock, not the replicas': whether a lease
// has run out is decided against now() in PostgreSQL, and a new lease
// ends at now() + req.Lease, so a replica whose clock is ahead cannot take
// tickets that another replica still holds. req.Now is not used, and the
// LeaseUntil of the ticket returned is in the database's time.
func (s *Store) Claim(ctx context.Context, req oversight.ClaimRequest) (oversight.Ticket, error) {
	if req.Reviewer == "" {
		return oversight.Ticket{}, oversight.ErrUnauthenticated
	}
	var id string
	var data []byte
	err := s.db.QueryRow(ctx, `WITH
		free AS (SELECT id, created_at FROM aimskit_oversight_tickets
			WHERE state IN ('pending', 'overdue') AND claimed_by IS NULL
			  AND NOT ($1 = ANY (ineligible)) AND ($2 < 0 OR level <= $2)
			ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
		stale AS (SELECT id, created_at FROM aimskit_oversight_tickets
			WHERE state IN ('pending', 'overdue') AND claimed_by IS NOT NULL AND lease_until <= now()
			  AND NOT ($1 = ANY (ineligible)) AND ($2 < 0 OR level <= $2)
			ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
		pick AS (SELECT id FROM (SELECT * FROM free UNION ALL SELECT * FROM stale) c
			ORDER BY created_at, id LIMIT 1),
		lease AS (SELECT now() + $3::bigint * interval '1 microsecond' AS until)
		UPDATE aimskit_oversight_tickets t
		SET claimed_by = $1, lease_until = lease.until,
		    data = jsonb_set(jsonb_set(t.data, '{claimed_by}', to_jsonb($1::text)), '{lease_until}', to_jsonb(lease.until))
		FROM pick, lease WHERE t.id = pick.id
		RETURNING t.id, t.data`,
		req.Reviewer, req.MaxLevel, req.Lease.Microseconds()).Scan(&id, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return oversight.Ticket{}, oversight.ErrQueueEmpty
	}
	if err != nil {
		return oversight.Ticket{}, fmt.Errorf("oversight/postgres: claiming: %w", err)
	}
	return decode(id, data)
}

func (s *Store) list(ctx context.Context, query string, args ...any) ([]oversight.Ticket, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("oversight/postgres: listing tickets: %w", err)
	}
	defer rows.Close()
	var out []oversight.Ticket
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("oversight/postgres: listing tickets: %w", err)
		}
		t, err := decode(id, data)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("oversight/postgres: listing tickets: %w", err)
	}
	return out, nil
}

// limitArg turns limit <= 0 into SQL's LIMIT ALL (NULL).
func limitArg(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

// Open implements oversight.Store.
func (s *Store) Open(ctx context.Context, limit int) ([]oversight.Ticket, error) {
	return s.list(ctx, `SELECT id, data FROM aimskit_oversight_tickets
		WHERE state IN ('pending', 'overdue') ORDER BY created_at, id LIMIT $1`, limitArg(limit))
}

// Overdue implements oversight.Store.
func (s *Store) Overdue(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	return s.list(ctx, `SELECT id, data FROM aimskit_oversight_tickets
		WHERE state = 'pending' AND deadline <= $1 ORDER BY created_at, id LIMIT $2`, now, limitArg(limit))
}

// FindByDecision implements oversight.Store.
func (s *Store) FindByDecision(ctx context.Context, decisionID string) ([]oversight.Ticket, error) {
	return s.list(ctx, `SELECT id, data FROM aimskit_oversight_tickets
		WHERE decision_id = $1 OR result_decision_id = $1 ORDER BY created_at, id`, decisionID)
}

// Unrecorded implements oversight.UnrecordedLister, through the partial
// index of the tickets holding unrecorded records.
func (s *Store) Unrecorded(ctx context.Context, now time.Time, limit int) ([]oversight.Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("oversight/postgres: Unrecorded needs a positive limit, not %d", limit)
	}
	return s.list(ctx, `SELECT id, data FROM aimskit_oversight_tickets
		WHERE data ? 'unrecorded'
		  AND coalesce((data->>'recording_until')::timestamptz, '-infinity') <= $1
		ORDER BY created_at, id LIMIT $2`, now, limit)
}

// SetHalt implements oversight.HaltStore.
func (s *Store) SetHalt(ctx context.Context, h oversight.Halt) error {
	if h.SystemID == "" {
		return errors.New("oversight/postgres: halt without a system ID")
	}
	_, err := s.db.Exec(ctx, `INSERT INTO aimskit_oversight_halts (system_id, halted_by, reason, since, forced)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (system_id) DO UPDATE
		SET halted_by = excluded.halted_by, reason = excluded.reason, since = excluded.since, forced = excluded.forced`,
		h.SystemID, h.By, h.Reason, h.Since, h.Forced)
	if err != nil {
		return fmt.Errorf("oversight/postgres: storing halt of %q: %w", h.SystemID, err)
	}
	return nil
}

// ClearHalt implements oversight.HaltStore.
func (s *Store) ClearHalt(ctx context.Context, systemID string) (bool, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM aimskit_oversight_halts WHERE system_id = $1`, systemID)
	if err != nil {
		return false, fmt.Errorf("oversight/postgres: clearing halt of %q: %w", systemID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Halts implements oversight.HaltStore.
func (s *Store) Halts(ctx context.Context) ([]oversight.Halt, error) {
	rows, err := s.db.Query(ctx, `SELECT system_id, halted_by, reason, since, forced FROM aimskit_oversight_halts ORDER BY system_id`)
	if err != nil {
		return nil, fmt.Errorf("oversight/postgres: reading halts: %w", err)
	}
	defer rows.Close()
	var out []oversight.Halt
	for rows.Next() {
		var h oversight.Halt
		if err := rows.Scan(&h.SystemID, &h.By, &h.Reason, &h.Since, &h.Forced); err != nil {
			return nil, fmt.Errorf("oversight/postgres: reading halts: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Close implements oversight.Store. It closes the pool only if Open
// created it, which waits for the connections in use to be returned; when
// ctx ends first, Close returns ctx's error and the pool finishes closing
// once they are.
func (s *Store) Close(ctx context.Context) error {
	if s.pool == nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		s.pool.Close()
		close(done)
	}()
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("oversight/postgres: closing: connections still in use: %w", ctx.Err())
	}
}

// PurgeResolved implements oversight.Purger.
func (s *Store) PurgeResolved(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM aimskit_oversight_tickets
		WHERE state NOT IN ('pending', 'overdue')
		  AND data->'resolution' IS NOT NULL
		  AND NOT (data ? 'unrecorded')
		  AND (data->'resolution'->>'time')::timestamptz < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("oversight/postgres: purging resolved tickets: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
