package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

var _ oversight.StoreClock = (*Store)(nil)

// Now returns the database's clock (now() of a fresh transaction), the one
// Claim sets leases by, so every replica judges leases by the same clock
// (oversight.StoreClock).
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := s.db.QueryRow(ctx, `SELECT now()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("oversight/postgres: reading the database clock: %w", err)
	}
	return t, nil
}
