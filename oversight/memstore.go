package oversight

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory, for tests and single processes
// whose pending tickets may be lost on restart.
type MemoryStore struct {
	mu      sync.Mutex
	tickets map[string]*Ticket
	// queue holds the open tickets oldest first (olderTicket order), so
	// Claim and Open walk it from the head instead of sorting the map.
	queue []*Ticket
	// contests counts the open contests by their decision's Subject
	// (CountOpenContests), changed with the queue.
	contests map[string]int
	halts    map[string]Halt
	closed   bool
	// visit, when set (by the package's tests, before the store is
	// used), is called for each ticket Claim looks at.
	visit func()
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{tickets: make(map[string]*Ticket), halts: make(map[string]Halt), contests: make(map[string]int)}
}

var (
	_ Store            = (*MemoryStore)(nil)
	_ HaltStore        = (*MemoryStore)(nil)
	_ Purger           = (*MemoryStore)(nil)
	_ UnrecordedLister = (*MemoryStore)(nil)
	_ HaltTicketStore  = (*MemoryStore)(nil)
	_ ContestCounter   = (*MemoryStore)(nil)
)

// SetHaltWith implements HaltTicketStore.
func (s *MemoryStore) SetHaltWith(ctx context.Context, h Halt, t Ticket) error {
	if h.SystemID == "" {
		return errors.New("oversight: halt without a system ID")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.createLocked(&t); err != nil {
		return err
	}
	s.halts[h.SystemID] = h
	return nil
}

// ClearHaltWith implements HaltTicketStore.
func (s *MemoryStore) ClearHaltWith(ctx context.Context, systemID string, t Ticket) (bool, error) {
	if err := t.Validate(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return false, err
	}
	if _, ok := s.halts[systemID]; !ok {
		return false, nil
	}
	if err := s.createLocked(&t); err != nil {
		return false, err
	}
	delete(s.halts, systemID)
	return true, nil
}

// SetHalt implements HaltStore.
func (s *MemoryStore) SetHalt(ctx context.Context, h Halt) error {
	if h.SystemID == "" {
		return errors.New("oversight: halt without a system ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	s.halts[h.SystemID] = h
	return nil
}

// ClearHalt implements HaltStore.
func (s *MemoryStore) ClearHalt(ctx context.Context, systemID string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return false, err
	}
	_, ok := s.halts[systemID]
	delete(s.halts, systemID)
	return ok, nil
}

// Halts implements HaltStore.
func (s *MemoryStore) Halts(ctx context.Context) ([]Halt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	out := make([]Halt, 0, len(s.halts))
	for _, h := range s.halts {
		out = append(out, h)
	}
	return out, nil
}

func (s *MemoryStore) check() error {
	if s.closed {
		return errors.New("oversight: memory store is closed")
	}
	return nil
}

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, t Ticket) error {
	if err := t.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked(&t)
}

// createLocked adds a copy of t; s.mu is held.
func (s *MemoryStore) createLocked(t *Ticket) error {
	if err := s.check(); err != nil {
		return err
	}
	if _, ok := s.tickets[t.ID]; ok {
		return fmt.Errorf("%w: %s", ErrTicketExists, t.ID)
	}
	c := t.Clone()
	s.tickets[t.ID] = &c
	s.enqueue(&c)
	return nil
}

// recordsUpdater is implemented by stores that change a ticket's records
// (Unrecorded, Emitted, RecordingUntil) without copying the rest of it:
// the memory store, whose Update copies the whole ticket twice,
// decisions and all, for every held decision and reviewer action whose
// records the Gate takes off (recorded).
type recordsUpdater interface {
	// updateRecords runs fn, which reads and changes only the records,
	// on ticket id under the store's lock and keeps its change of them;
	// an error from fn keeps nothing.
	updateRecords(id string, fn func(t *Ticket) error) error
}

var _ recordsUpdater = (*MemoryStore)(nil)

// updateRecords implements recordsUpdater. fn gets a shallow copy of the
// stored ticket whose record slices are its own (it may delete from them
// and stamp a record's trace context), and only those fields are kept:
// the ticket's decision, queue place and counts do not change.
func (s *MemoryStore) updateRecords(id string, fn func(t *Ticket) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	cur, ok := s.tickets[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrTicketNotFound, id)
	}
	work := *cur
	work.Unrecorded, work.Emitted = slices.Clone(cur.Unrecorded), slices.Clone(cur.Emitted)
	if err := fn(&work); err != nil {
		return err
	}
	cur.Unrecorded, cur.Emitted, cur.RecordingUntil = work.Unrecorded, work.Emitted, work.RecordingUntil
	return nil
}

// queueIndex returns where t's position is (or would be) in s.queue.
func (s *MemoryStore) queueIndex(t *Ticket) (int, bool) {
	return slices.BinarySearchFunc(s.queue, t, olderTicket)
}

// enqueue adds t to the queue if it is open. New tickets are usually the
// newest, so the insertion is usually an append.
func (s *MemoryStore) enqueue(t *Ticket) {
	if !t.Open() {
		return
	}
	if t.Kind == KindContest {
		s.contests[t.Decision.Subject]++
	}
	if n := len(s.queue); n == 0 || olderTicket(s.queue[n-1], t) < 0 {
		s.queue = append(s.queue, t)
		return
	}
	i, _ := s.queueIndex(t)
	s.queue = slices.Insert(s.queue, i, t)
}

// dequeue removes t (found by its creation time and ID) from the queue.
func (s *MemoryStore) dequeue(t *Ticket) {
	if i, ok := s.queueIndex(t); ok && s.queue[i].ID == t.ID {
		s.queue = slices.Delete(s.queue, i, i+1)
		if t.Kind == KindContest {
			if s.contests[t.Decision.Subject]--; s.contests[t.Decision.Subject] <= 0 {
				delete(s.contests, t.Decision.Subject)
			}
		}
	}
}

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, id string) (Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return Ticket{}, err
	}
	t, ok := s.tickets[id]
	if !ok {
		return Ticket{}, fmt.Errorf("%w: %q", ErrTicketNotFound, id)
	}
	return t.Clone(), nil
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, id string, fn func(t *Ticket) error) (Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return Ticket{}, err
	}
	cur, ok := s.tickets[id]
	if !ok {
		return Ticket{}, fmt.Errorf("%w: %q", ErrTicketNotFound, id)
	}
	work := cur.Clone()
	if err := fn(&work); err != nil {
		return Ticket{}, err
	}
	if work.ID != id {
		return Ticket{}, fmt.Errorf("oversight: update changed ticket ID %q to %q", id, work.ID)
	}
	stored := work.Clone()
	if cur.Open() {
		s.dequeue(cur)
	}
	s.tickets[id] = &stored
	s.enqueue(&stored)
	return work, nil
}

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, req ClaimRequest) (Ticket, error) {
	if req.Reviewer == "" {
		return Ticket{}, ErrUnauthenticated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return Ticket{}, err
	}
	// The queue is oldest first: the first ticket the reviewer may take
	// is the one to hand out.
	for _, t := range s.queue {
		if s.visit != nil {
			s.visit()
		}
		if claimableNoAlloc(&req, t) {
			t.ClaimedBy = req.Reviewer
			t.LeaseUntil = req.Now.Add(req.Lease)
			return t.Clone(), nil
		}
	}
	return Ticket{}, ErrQueueEmpty
}

// claimableNoAlloc is req.Claimable(t) without building t.Ineligible().
func claimableNoAlloc(req *ClaimRequest, t *Ticket) bool {
	if req.MaxLevel != AnyLevel && t.Level > req.MaxLevel {
		return false
	}
	if !t.Open() {
		return false
	}
	// Identities compare normalised (NormalizeID), as in Ineligible.
	who := canonID(req.Reviewer)
	same := func(id string) bool {
		if n := canonID(id); n != "" {
			return n == who
		}
		return id == req.Reviewer
	}
	if same(t.Submitter) || slices.ContainsFunc(t.Excluded, same) {
		return false
	}
	for i := range t.Votes {
		if same(t.Votes[i].Reviewer) {
			return false
		}
	}
	return t.ClaimedBy == "" || !req.Now.Before(t.LeaseUntil)
}

func olderTicket(a, b *Ticket) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (s *MemoryStore) collect(limit int, keep func(*Ticket) bool) ([]Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	var sel []*Ticket
	for _, t := range s.tickets {
		if keep(t) {
			sel = append(sel, t)
		}
	}
	slices.SortFunc(sel, olderTicket)
	if limit > 0 && len(sel) > limit {
		sel = sel[:limit]
	}
	out := make([]Ticket, len(sel))
	for i, t := range sel {
		out[i] = t.Clone()
	}
	return out, nil
}

// Open implements Store.
func (s *MemoryStore) Open(ctx context.Context, limit int) ([]Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return nil, err
	}
	sel := s.queue
	if limit > 0 && len(sel) > limit {
		sel = sel[:limit]
	}
	out := make([]Ticket, len(sel))
	for i, t := range sel {
		out[i] = t.Clone()
	}
	return out, nil
}

// Overdue implements Store.
func (s *MemoryStore) Overdue(ctx context.Context, now time.Time, limit int) ([]Ticket, error) {
	return s.collect(limit, func(t *Ticket) bool { return t.State == StatePending && !now.Before(t.Deadline) })
}

// CountOpen implements Store.
func (s *MemoryStore) CountOpen(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return 0, err
	}
	return len(s.queue), nil
}

// CountOpenContests implements ContestCounter.
func (s *MemoryStore) CountOpenContests(ctx context.Context, subject string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return 0, err
	}
	return s.contests[subject], nil
}

// FindByDecision implements Store.
func (s *MemoryStore) FindByDecision(ctx context.Context, decisionID string) ([]Ticket, error) {
	return s.collect(0, func(t *Ticket) bool { return concernsDecision(t, decisionID) })
}

// Close implements Store. Nothing is waited for; ctx is unused.
func (s *MemoryStore) Close(context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

func concernsDecision(t *Ticket, id string) bool {
	return t.Decision.ID == id || (t.Resolution != nil && t.Resolution.Decision.ID == id)
}

// PurgeResolved implements Purger.
func (s *MemoryStore) PurgeResolved(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(); err != nil {
		return 0, err
	}
	n := 0
	for id, t := range s.tickets {
		if t.Purgeable(before) {
			delete(s.tickets, id)
			n++
		}
	}
	return n, nil
}

// Unrecorded implements UnrecordedLister.
func (s *MemoryStore) Unrecorded(ctx context.Context, now time.Time, limit int) ([]Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("oversight: Unrecorded needs a positive limit, not %d", limit)
	}
	return s.collect(limit, func(t *Ticket) bool { return len(t.Unrecorded) > 0 && !t.RecordingUntil.After(now) })
}
