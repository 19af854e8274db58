package postgres

import (
	"context"
	"fmt"
)

// migrationOpenCount keeps the number of open tickets in counter rows, so
// that CountOpen, which the Gate calls before it holds each decision and
// opens each contest (oversight.WithMaxOpenTickets), reads a few rows
// instead of counting the open tickets: with a full queue (10,000 open
// tickets by default) a count(*), even an index-only scan of the open
// tickets' partial index, reads every entry for every held decision.
//
// A trigger changes the count in the transaction that opens or closes a
// ticket, whatever statement does it, so the count commits or rolls back
// with the change and replicas never see the two apart. The count is
// spread over 16 rows, each transaction adding to the row of its
// connection (pg_backend_pid() % 16), so that replicas opening tickets at
// the same time do not all wait for one row lock; a row may go below
// zero, the sum is exact. The trigger is created before the open tickets
// are counted: CREATE TRIGGER locks the table against writes until the
// migration commits, so no ticket opens or closes between the count and
// the trigger.
const migrationOpenCount = `CREATE TABLE aimskit_oversight_open_count (
		slot int PRIMARY KEY,
		n    bigint NOT NULL
	);
	CREATE FUNCTION aimskit_oversight_count_open() RETURNS trigger LANGUAGE plpgsql AS $$
	DECLARE
		d int := 0;
	BEGIN
		IF TG_OP <> 'INSERT' AND OLD.state IN ('pending', 'overdue') THEN
			d := d - 1;
		END IF;
		IF TG_OP <> 'DELETE' AND NEW.state IN ('pending', 'overdue') THEN
			d := d + 1;
		END IF;
		IF d <> 0 THEN
			UPDATE aimskit_oversight_open_count SET n = n + d WHERE slot = pg_backend_pid() % 16;
		END IF;
		RETURN NULL;
	END $$;
	CREATE TRIGGER aimskit_oversight_count_open
		AFTER INSERT OR DELETE OR UPDATE OF state ON aimskit_oversight_tickets
		FOR EACH ROW EXECUTE FUNCTION aimskit_oversight_count_open();
	INSERT INTO aimskit_oversight_open_count (slot, n) SELECT s, 0 FROM generate_series(0, 15) s;
	UPDATE aimskit_oversight_open_count
		SET n = (SELECT count(*) FROM aimskit_oversight_tickets WHERE state IN ('pending', 'overdue'))
		WHERE slot = 0;`

// CountOpen implements oversight.Store. It sums the counter rows kept by
// the tickets' trigger (migrationOpenCount): 16 rows, however deep the
// queue.
func (s *Store) CountOpen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM aimskit_oversight_open_count`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("oversight/postgres: counting open tickets: %w", err)
	}
	return n, nil
}

// migrationOpenContests indexes the open contests by their decision's
// subject (an empty string when the document has none), so that
// CountOpenContests reads the index entries of one person (a few, as the
// Gate bounds them: oversight.WithMaxOpenContestsPerSubject) rather than
// the open tickets.
const migrationOpenContests = `CREATE INDEX aimskit_oversight_tickets_open_contests
		ON aimskit_oversight_tickets ((coalesce(data->'decision'->>'subject', '')))
		WHERE state IN ('pending', 'overdue') AND data->>'kind' = 'contest';`

// CountOpenContests implements oversight.ContestCounter, through the
// partial index of the open contests (migrationOpenContests); the
// expressions match the index's, so the planner uses it.
func (s *Store) CountOpenContests(ctx context.Context, subject string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM aimskit_oversight_tickets
		WHERE state IN ('pending', 'overdue') AND data->>'kind' = 'contest'
		  AND coalesce(data->'decision'->>'subject', '') = $1`, subject).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("oversight/postgres: counting open contests: %w", err)
	}
	return n, nil
}
