package aims

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
)

// TestRestoreStopsAtATornEarlierSegment: only the newest segment's last
// line can be a write in progress. A segment before it that ends without
// its newline has lost data; Restore must not take it for the writer's
// line in progress and silently leave out every incident recorded in the
// later segments.
func TestRestoreStopsAtATornEarlierSegment(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	skey, _, err := ledger.GenerateKey("test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	// Every record starts a new segment.
	led, err := ledger.Open(ctx, dir, "credit-scoring", "pod-1", signer, ledger.WithSegmentLimits(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	sys, err := NewSystem("credit-scoring", WithRiskLevel(RiskHigh), WithLedger(led))
	if err != nil {
		t.Fatal(err)
	}
	book, err := NewIncidentBook(sys)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, title := range []string{"first", "second", "third"} {
		in, err := book.Open(ctx, IncidentReport{Title: title, Severity: SeverityHigh, Serious: SeriousOther, By: "a"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	_ = book.Close(ctx)
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var segs []string
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jsonl") && e.Name() != "checkpoints.jsonl" && e.Name() != "cosigned.jsonl" {
			segs = append(segs, e.Name())
		}
	}
	sort.Strings(segs)
	// Find the segment holding the first incident and cut its last newline.
	var cut string
	for _, s := range segs {
		b, err := os.ReadFile(filepath.Join(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), ids[0]) {
			cut = s
			if err := os.WriteFile(filepath.Join(dir, s), b[:len(b)-1], 0o600); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if cut == "" || cut == segs[len(segs)-1] {
		t.Fatalf("segments %v: the first incident is not in an earlier segment (%q)", segs, cut)
	}

	bare, err := NewSystem("credit-scoring", WithRiskLevel(RiskHigh))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewIncidentBook(bare)
	if err != nil {
		t.Fatal(err)
	}
	n, err := fresh.Restore(ctx, dir)
	if err == nil {
		var missing []string
		for _, id := range ids[1:] {
			if _, ok := fresh.Get(id); !ok {
				missing = append(missing, id)
			}
		}
		t.Fatalf("Restore of a ledger whose segment %s (not the newest of %v) is cut short: %d restored, no error; incidents left out: %v", cut, segs, n, missing)
	}
	if !strings.Contains(err.Error(), cut) {
		t.Errorf("error does not name the damaged segment %s: %v", cut, err)
	}
}
