package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aimskit/aimskit/oversight"
)

// SetHaltWith implements oversight.HaltTicketStore: the halt and the
// ticket holding its record are committed in one transaction.
func (s *Store) SetHaltWith(ctx context.Context, h oversight.Halt, t oversight.Ticket) error {
	if h.SystemID == "" {
		return errors.New("oversight/postgres: halt without a system ID")
	}
	return s.withTicket(ctx, &t, func(tx pgx.Tx) (bool, error) {
		_, err := tx.Exec(ctx, `INSERT INTO aimskit_oversight_halts (system_id, halted_by, reason, since, forced)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (system_id) DO UPDATE
			SET halted_by = excluded.halted_by, reason = excluded.reason, since = excluded.since, forced = excluded.forced`,
			h.SystemID, h.By, h.Reason, h.Since, h.Forced)
		if err != nil {
			return false, fmt.Errorf("oversight/postgres: storing halt of %q: %w", h.SystemID, err)
		}
		return true, nil
	})
}

// ClearHaltWith implements oversight.HaltTicketStore: the halt is removed
// and the ticket holding the resume's record created in one transaction.
func (s *Store) ClearHaltWith(ctx context.Context, systemID string, t oversight.Ticket) (bool, error) {
	was := false
	err := s.withTicket(ctx, &t, func(tx pgx.Tx) (bool, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM aimskit_oversight_halts WHERE system_id = $1`, systemID)
		if err != nil {
			return false, fmt.Errorf("oversight/postgres: clearing halt of %q: %w", systemID, err)
		}
		was = tag.RowsAffected() > 0
		return was, nil
	})
	return was && err == nil, err
}

// withTicket runs change in a transaction and, when it says so, creates t
// in the same transaction; neither is stored if t's ID is taken.
func (s *Store) withTicket(ctx context.Context, t *oversight.Ticket, change func(tx pgx.Tx) (create bool, err error)) error {
	if err := t.Validate(); err != nil {
		return err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("oversight/postgres: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	create, err := change(tx)
	if err != nil {
		return err
	}
	if !create {
		return nil // nothing changed: the rollback ends the transaction
	}
	if err := insertTicket(ctx, tx, t); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("oversight/postgres: commit ticket %s: %w", t.ID, err)
	}
	return nil
}
