package oversight

import (
	"context"
	"time"
)

// StoreClock is implemented by stores shared between replicas that judge
// claim leases by a clock of their own (the PostgreSQL store uses the
// database's). The gate then compares leases with that clock too, so a
// replica whose clock runs ahead cannot act on a ticket another reviewer
// still holds.
type StoreClock interface {
	// Now returns the store's current time.
	Now(ctx context.Context) (time.Time, error)
}

// leaseNow returns the time leases are judged by: the store's clock when
// it has one, else now (the gate's).
func (g *Gate) leaseNow(ctx context.Context, now time.Time) (time.Time, error) {
	if sc, ok := g.store.(StoreClock); ok {
		return sc.Now(ctx)
	}
	return now, nil
}
