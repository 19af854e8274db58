package boltstore

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// A held ticket is committed, fsynced, before Create returns: it is the
// only record of the review its decision waits for. One at a time,
// concurrent Creates queue on bbolt's single writer and each pays its own
// fsync, which under load capped a service at one held decision per fsync.
// Creates that arrive while a commit is under way now wait together and
// are committed by the next transaction, as one (group commit, as the
// ledger commits its appends); a lone Create still commits at once.
//
// Only Create is grouped: its function can run again after a rollback
// without harm (it looks the ID up and writes the ticket). Update and
// Claim run a caller's function, which may not be safe to repeat, so they
// keep a transaction of their own.

// createGroup queues the Creates waiting for a commit.
type createGroup struct {
	mu sync.Mutex
	// waiting are the Creates not yet taken by a commit, in arrival order.
	waiting []*createCall
	// busy is true while a Create is committing a group; the next group
	// waits for it to hand over.
	busy bool
	// onCommit, when set (tests), runs before each group's transaction.
	onCommit func(n int)
}

// createCall is one Create waiting for its group's commit.
type createCall struct {
	fn func(tx *bolt.Tx) error
	// done receives the Create's result, or errLead first when this
	// Create is to commit the next group itself.
	done chan error
}

// errLead tells a waiting Create that it commits the next group.
var errLead = errors.New("boltstore: commit the next group")

// createGrouped runs fn in a write transaction shared with the Creates
// waiting at the same time, and returns fn's result once that transaction
// committed (or failed).
func (s *Store) createGrouped(fn func(tx *bolt.Tx) error) error {
	g := &s.creates
	c := &createCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.waiting = append(g.waiting, c)
	if g.busy {
		g.mu.Unlock()
		if err := <-c.done; err != errLead {
			return err
		}
		g.mu.Lock()
	}
	g.busy = true
	calls := g.waiting
	g.waiting = nil
	g.mu.Unlock()

	s.commitGroup(calls)

	// Hand over to the first Create that arrived during the commit, so
	// no caller commits groups other than its own.
	g.mu.Lock()
	if len(g.waiting) > 0 {
		g.waiting[0].done <- errLead
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return <-c.done
}

// commitGroup commits calls in one transaction and gives each its result.
// A call whose function fails (its ticket exists, say, perhaps created by
// an earlier call of the same group) gets that error, and the others are
// committed again without it: the result is what running them one after
// the other would have given.
func (s *Store) commitGroup(calls []*createCall) {
	for len(calls) > 0 {
		if hook := s.creates.onCommit; hook != nil {
			hook(len(calls))
		}
		failed := -1
		var failErr error
		err := s.update(func(tx *bolt.Tx) error {
			failed = -1 // update runs this once, but keep it repeatable
			for i, c := range calls {
				if err := c.fn(tx); err != nil {
					failed, failErr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.done <- err
			}
			return
		}
		calls[failed].done <- failErr
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}
