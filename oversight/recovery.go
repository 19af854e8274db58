package oversight

import (
	"time"

	"github.com/google/uuid"
)

// lossMargin widens the loss window on both sides: a decision's ID is made
// before its routed ticket waits in the store (the decision is recorded in
// between), and replicas' clocks differ a little.
const lossMargin = time.Minute

// finderFor returns where to look for a decision the store does not know:
// the DecisionFinder configured (WithDecisionFinder, or a recorder that
// finds decisions), or, for a store that writes its index behind, the
// durable decision log, but only for a decision ID made in the window in
// which the store's previous run may have lost routed tickets (a UUIDv7
// carries the time it was made). Any other unknown ID is not found at
// once, so a client asking for made-up IDs cannot make every lookup read
// the whole decision log.
func (g *Gate) finderFor(decisionID string) DecisionFinder {
	if g.cfg.finder != nil {
		return g.cfg.finder
	}
	return g.lossFinder(decisionID)
}

// lossFinder returns the durable decision log when decisionID was made in
// the window in which the store's previous run may have lost routed
// tickets (see finderFor), and nil otherwise.
func (g *Gate) lossFinder(decisionID string) DecisionFinder {
	if g.recovery == nil || !g.lossOK {
		return nil
	}
	made, ok := idTime(decisionID)
	if !ok {
		return nil
	}
	if made.Before(g.lossFrom.Add(-lossMargin)) || made.After(g.lossTo.Add(lossMargin)) {
		return nil
	}
	return g.recovery
}

// idTime returns when decisionID was made, if it is a UUIDv7.
func idTime(decisionID string) (time.Time, bool) {
	u, err := uuid.Parse(decisionID)
	if err != nil || u.Version() != 7 {
		return time.Time{}, false
	}
	sec, nsec := u.Time().UnixTime()
	return time.Unix(sec, nsec), true
}
