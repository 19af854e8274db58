package oversight

import (
	"errors"
	"testing"
	"time"

	"github.com/aimskit/aimskit/aims"
)

// The deferred clear of written records keeps the lease of records a
// later change added to the ticket, ends it when none is left, and
// changes nothing applied twice.
func TestClearWrittenKeepsOtherLease(t *testing.T) {
	lease := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	x := Ticket{Unrecorded: []aims.Decision{{ID: "a"}, {ID: "b"}}, RecordingUntil: lease}
	if err := clearWritten([]string{"a"})(&x); err != nil {
		t.Fatal(err)
	}
	if len(x.Unrecorded) != 1 || x.Unrecorded[0].ID != "b" || !x.RecordingUntil.Equal(lease) {
		t.Fatalf("after clearing a: %v, lease %v; want [b] under %v", x.Unrecorded, x.RecordingUntil, lease)
	}
	if err := clearWritten([]string{"a"})(&x); !errors.Is(err, errNoChange) {
		t.Fatalf("clearing a again: %v, want no change", err)
	}
	if err := clearWritten([]string{"b"})(&x); err != nil {
		t.Fatal(err)
	}
	if x.Unrecorded != nil || !x.RecordingUntil.IsZero() {
		t.Fatalf("after clearing b: %v, lease %v; want none, zero", x.Unrecorded, x.RecordingUntil)
	}
}
