package aims

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aimskit/aimskit/aims/ledger"
)

// Restore rebuilds the book from the incident records of its system in the
// ledger in dir ("" means the system's own ledger, WithLedger), so that a
// restart forgets neither the incidents that are not closed nor the alarm
// keys they hold: the last record of each incident is its current state.
// A ledger Prune does not take that record away: before it deletes
// anything, the book writes again each incident that is not closed whose
// latest record it could delete (see ledger.Ledger.OnPrune).
// Incidents the book already holds are left as they are. It returns the
// number of incidents that are not closed it added.
//
// Call it at start-up, before the book is used. Every record is checked as
// it is read (ledger.ScanNewestFirst; a record that does not parse as a
// valid incident is an error naming its segment and line). The newest
// segment's last line cut short by a write in progress is left out without
// error; any other damage, a cut-short line of an earlier segment
// included, is an error, so that no incident recorded after it is left
// out silently. Restore does not
// verify the ledger's signatures (ledger.Verify does). More open incidents
// in the ledger than WithMaxOpenIncidents allows is an error
// (ErrTooManyIncidents), and nothing is restored.
func (b *IncidentBook) Restore(ctx context.Context, dir string) (int, error) {
	if dir == "" {
		if b.sys.log == nil || b.sys.log.ledger == nil {
			return 0, errors.New("aims: Restore: the system has no ledger; name the ledger directory")
		}
		dir = b.sys.log.ledger.Dir()
	}
	// The segments are read newest first, so the last record of an
	// incident is the one with the highest sequence number.
	latest := map[string]Incident{}
	lastSeq := map[string]int64{}
	lastAt := map[string]time.Time{} // the latest record's time (a carry forward's is later than its Transition)
	err := ledger.ScanNewestFirst(dir, func(s ledger.ScannedRecord) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := ParseManagementRecord(s.Record)
		if errors.Is(err, ErrNotManagementRecord) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("aims: Restore: %s line %d: %w", s.Segment, s.Line, err)
		}
		if r.Type != RecordIncident || r.SystemID != b.sys.ID() {
			return nil
		}
		var in Incident
		if err := r.DecodeData(&in); err != nil {
			return fmt.Errorf("aims: Restore: %s line %d: %w", s.Segment, s.Line, err)
		}
		if err := in.Validate(); err != nil {
			return fmt.Errorf("aims: Restore: %s line %d: %w", s.Segment, s.Line, err)
		}
		if in.ID != r.Subject {
			return fmt.Errorf("aims: Restore: %s line %d: incident %q in a record about %q", s.Segment, s.Line, in.ID, r.Subject)
		}
		if seq, ok := lastSeq[in.ID]; !ok || s.Seq > seq {
			latest[in.ID], lastSeq[in.ID], lastAt[in.ID] = in, s.Seq, r.Time
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	order := make([]string, 0, len(latest)) // IDs in the order of their last record
	for id := range latest {
		order = append(order, id)
	}
	slices.SortFunc(order, func(a, b string) int { return cmp.Compare(lastSeq[a], lastSeq[b]) })

	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	var open, closed []Incident
	for _, id := range order {
		if _, ok := b.open[id]; ok {
			continue
		}
		if _, ok := b.closed[id]; ok {
			continue
		}
		in := latest[id]
		if in.State == IncidentClosed {
			closed = append(closed, in)
		} else {
			open = append(open, in)
		}
	}
	if n := len(b.open) + len(open); n > b.cfg.maxOpen {
		return 0, fmt.Errorf("%w: the ledger holds %d incidents that are not closed, more than WithMaxOpenIncidents(%d)", ErrTooManyIncidents, n, b.cfg.maxOpen)
	}
	for _, in := range open {
		b.open[in.ID] = &bookEntry{inc: in, carriedAt: lastAt[in.ID]}
		if in.AlarmKey != "" {
			if other, ok := b.byKey[in.AlarmKey]; !ok || other < in.ID {
				b.byKey[in.AlarmKey] = in.ID
			}
		}
	}
	for _, in := range closed {
		b.keepClosed(in)
	}
	return len(open), nil
}
