package auditreport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// fleetLedger is what the test puts into one instance ledger.
type fleetLedger struct {
	name                                string
	applied, held, blocked, resolutions int // resolutions resolve the first held decisions of resolveOf
	resolveOf                           string
	contests, halts, management         int // contests are of the first applied decisions of this ledger
	otherKey                            bool
}

// writeFleetLedger writes one instance ledger of system "s" below root and
// returns the IDs of its held decisions.
func writeFleetLedger(t *testing.T, root string, f fleetLedger, skey string, heldOf map[string][]string) {
	t.Helper()
	ctx := context.Background()
	if f.otherKey {
		var err error
		skey, _, err = ledger.GenerateKey("other")
		require.NoError(t, err)
	}
	signer, err := ledger.NewSigner(skey)
	require.NoError(t, err)
	l, err := ledger.Open(ctx, filepath.Join(root, f.name), "s", f.name, signer)
	require.NoError(t, err)
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	n := 0
	put := func(v any) {
		t.Helper()
		b, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, l.Append(ctx, b))
	}
	decide := func(action aims.OversightAction) string {
		n++
		id := fmt.Sprintf("%s-d-%03d", f.name, n)
		d := aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "s", Time: at.Add(time.Duration(n) * time.Minute), Output: "approve",
			Oversight: &aims.OversightOutcome{Action: action}}
		if action == aims.ActionReview {
			d.Oversight.TicketID = "t-" + id
		}
		put(d)
		return id
	}
	var applied []string
	for range f.applied {
		applied = append(applied, decide(aims.ActionApply))
	}
	for range f.held {
		heldOf[f.name] = append(heldOf[f.name], decide(aims.ActionReview))
	}
	for range f.blocked {
		decide(aims.ActionBlock)
	}
	for i := range f.resolutions {
		id := heldOf[f.resolveOf][i]
		put(aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: fmt.Sprintf("%s-r-%d", f.name, i), SystemID: "s", Time: at.Add(2 * time.Hour), Output: "approve",
			Oversight: &aims.OversightOutcome{Action: aims.ActionApprove, Reviewer: "rita", TicketID: "t-" + id, RelatedDecisionID: id, ReviewLatency: time.Minute}})
	}
	for i := range f.contests {
		put(aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: fmt.Sprintf("%s-c-%d", f.name, i), SystemID: "s", Time: at.Add(3 * time.Hour), Output: "approve",
			Oversight: &aims.OversightOutcome{Action: aims.ActionContest, Policy: contestPolicy, TicketID: "ct-" + applied[i], RelatedDecisionID: applied[i]}})
	}
	for i := range f.halts {
		put(aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: fmt.Sprintf("%s-h-%d", f.name, i), SystemID: "s", Time: at.Add(4 * time.Hour),
			Oversight: &aims.OversightOutcome{Action: aims.ActionHalt, Reviewer: "ops"}})
	}
	for i := range f.management {
		put(aims.ManagementRecord{SchemaVersion: aims.ManagementSchemaVersion, Type: aims.RecordRisk, ID: fmt.Sprintf("01936a00-0000-7000-8000-%010x%02d", f.name, i),
			Time: at.Add(5 * time.Hour), SystemID: "s", Subject: fmt.Sprintf("R-%s-%d", f.name, i), State: "identified", Summary: "risk", Controls: []string{"A.6.1.2"}})
	}
	require.NoError(t, l.Close(ctx))
}

// TestPerInstanceRowsAreWhatEachLedgerHolds writes three instance ledgers
// with known records — c holds far more decisions for review than the
// others, b is signed with another key, a reviewer on c resolves
// decisions held on a — and checks that each row is what was put in its
// ledger, the total is the sum and equals the fleet numbers, and that c
// and b, and only they, are flagged.
func TestPerInstanceRowsAreWhatEachLedgerHolds(t *testing.T) {
	root := t.TempDir()
	skey, vkey, err := ledger.GenerateKey("fleet")
	require.NoError(t, err)
	fleet := []fleetLedger{
		{name: "a", applied: 35, held: 4, blocked: 1, contests: 2, management: 1},
		{name: "b", applied: 36, held: 4, halts: 1, management: 2, otherKey: true},
		{name: "c", applied: 8, held: 12, resolutions: 3, resolveOf: "a", contests: 1},
	}
	heldOf := map[string][]string{}
	for _, f := range fleet {
		writeFleetLedger(t, root, f, skey, heldOf)
	}
	in, err := Load(context.Background(), LoadOptions{LedgerDir: root, Key: vkey, Now: generatedAt})
	require.NoError(t, err)
	for _, m := range in.Missing {
		assert.NotContains(t, m, "decision ledger", "every record was read")
	}
	r := build(t, in)
	s := r.Instances
	require.True(t, s.Available, s.Note)
	require.Len(t, s.Rows, 3)
	for i, f := range fleet {
		row := s.Rows[i]
		assert.Equal(t, f.name, row.Name, "the instance name from the checkpoint's origin")
		assert.Equal(t, filepath.Join(root, f.name), row.Dir)
		want := InstanceRow{Name: f.name, Dir: row.Dir, Decisions: f.applied + f.held + f.blocked, Applied: f.applied, Held: f.held, Blocked: f.blocked,
			Resolutions: f.resolutions, Contests: f.contests, Halts: f.halts, Management: f.management, Verdict: VerdictPass, Differs: f.name != "a"}
		if f.otherKey {
			want.Verdict = VerdictFail
		}
		assert.Equal(t, want, row, f.name)
	}
	tot := s.Total
	assert.Equal(t, InstanceRow{Name: "Fleet total", Dir: root, Decisions: 100, Applied: 79, Held: 20, Blocked: 1, Resolutions: 3, Contests: 3, Halts: 1, Management: 3, Verdict: VerdictFail}, tot)
	// The total is the fleet's numbers, read once.
	o := r.Oversight
	assert.Equal(t, r.Decisions.Total, tot.Decisions)
	assert.Equal(t, []int{o.Applied, o.Held, o.Blocked, o.Approved + o.Rejected + o.Overridden, o.Contested, o.Halts},
		[]int{tot.Applied, tot.Held, tot.Blocked, tot.Resolutions, tot.Contests, tot.Halts})
	assert.Equal(t, len(in.Management), tot.Management)
	assert.Equal(t, r.Ledger.Verdict, tot.Verdict)

	// c: 12 of 20 held against the fleet's 20 %: expected 4 ± 1.8, 4.5 sd.
	require.Len(t, s.Differences, 2)
	assert.Contains(t, s.Differences[0], "b (")
	assert.Contains(t, s.Differences[0], "FAILED verification")
	assert.Contains(t, s.Differences[1], "c (")
	assert.Contains(t, s.Differences[1], "12 of 20 decisions held (60.0 %) against the fleet's 20.0 %, which predicts 4.0 ± 1.8; 4.5 standard deviations above")
	var finding *Finding
	for i, f := range r.Summary.Findings {
		if strings.HasPrefix(f.Text, "Per instance:") {
			finding = &r.Summary.Findings[i]
		}
	}
	require.NotNil(t, finding)
	assert.Equal(t, VerdictWarn, finding.Verdict)
	assert.Contains(t, finding.Text, "2 of 3 instance ledgers differ notably")
	assert.Contains(t, finding.Text, "3 binomial standard deviations")

	var md, page, js bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	require.NoError(t, r.RenderHTML(&page))
	require.NoError(t, r.RenderJSON(&js))
	assert.Contains(t, md.String(), "## 12. Per instance")
	assert.Contains(t, md.String(), "| c (differs) | "+esc(filepath.Join(root, "c"))+" | 20 | 8 | 12 | 0 | 3 | 1 | 0 | 0 | 0 | PASS |")
	assert.Contains(t, md.String(), "| Fleet total | "+esc(root)+" | 100 | 79 | 20 | 1 | 3 | 3 | 1 | 3 | 0 | FAIL |")
	assert.Contains(t, page.String(), `<section id="instances">`)
	assert.Contains(t, page.String(), `<th>Fleet total</th>`)
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, s.Total, back.Instances.Total)
	assert.Equal(t, s.Rows, back.Instances.Rows)
}

// TestOneLedgerIsOneInstance checks the scenario's single ledger: one row,
// named by its checkpoint's origin, equal to the fleet numbers, and no
// comparison.
func TestOneLedgerIsOneInstance(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	s := r.Instances
	require.True(t, s.Available)
	require.Len(t, s.Rows, 1)
	row := s.Rows[0]
	assert.Equal(t, "i-1", row.Name)
	assert.Equal(t, want.Decisions, row.Decisions)
	assert.Equal(t, want.Held, row.Held)
	assert.Equal(t, want.Applied, row.Applied)
	assert.Equal(t, want.Blocked, row.Blocked)
	assert.Equal(t, want.Approved+want.Rejected+want.Overridden, row.Resolutions)
	assert.Equal(t, want.Contested, row.Contests)
	assert.Equal(t, want.Halts, row.Halts)
	assert.Equal(t, want.Management, row.Management)
	assert.Equal(t, VerdictPass, row.Verdict)
	total := row
	total.Name, total.Dir = "Fleet total", in.LedgerDir
	assert.Equal(t, total, s.Total)
	assert.Empty(t, s.Differences)
	for _, f := range r.Summary.Findings {
		assert.NotContains(t, f.Text, "Per instance:", "no comparison with one instance")
	}
}

// TestInstancesWithoutInstanceInput checks that an Input built by hand,
// without Instances, gets no breakdown and says why.
func TestInstancesWithoutInstanceInput(t *testing.T) {
	r := build(t, &Input{Decisions: []aims.Decision{{SchemaVersion: aims.DecisionSchemaVersion, ID: "d", SystemID: "s", Output: "x"}}})
	assert.False(t, r.Instances.Available)
	assert.Contains(t, r.Instances.Note, "does not say which instance ledger")
	r = build(t, &Input{Decisions: []aims.Decision{{ID: "d"}}, Instances: []InstanceLedger{{Name: "a", Decisions: 2}}})
	assert.False(t, r.Instances.Available)
	assert.Contains(t, r.Instances.Note, "account for 2 decision")
}

func TestRateDifference(t *testing.T) {
	// p = 0.2, n = 20: 4 ± 1.789; 3 sd = 5.37.
	assert.Empty(t, rateDifference("held", 9, 20, 20, 100), "5 above: within 3 sd")
	assert.NotEmpty(t, rateDifference("held", 10, 20, 20, 100), "6 above: beyond 3 sd")
	assert.Contains(t, rateDifference("held", 0, 100, 50, 200), "below")
	assert.Empty(t, rateDifference("held", 0, 20, 0, 100), "a fleet rate of 0 has no spread and nothing differs")
	assert.Empty(t, rateDifference("held", 0, 0, 20, 100), "an instance without decisions")
}

// TestFollowUpsLinkAcrossInstanceLedgers: in a fleet sharing one review
// store, a reviewer on one replica resolves a decision another replica
// held, and a contest of it is resolved on a third; the records are in
// three instance ledgers. Follow-ups are linked by decision ID across
// ledgers, so the held decision is approved (not open, with an approval
// of an unknown decision elsewhere) and its final outcome is the
// contest's override.
func TestFollowUpsLinkAcrossInstanceLedgers(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	rec := func(id, output string, o *aims.OversightOutcome) aims.Decision {
		return aims.Decision{SchemaVersion: aims.DecisionSchemaVersion, ID: id, SystemID: "s", Time: at, Output: output, Oversight: o}
	}
	in := &Input{GeneratedAt: at.Add(time.Hour), Decisions: []aims.Decision{
		rec("d", "deny", &aims.OversightOutcome{Action: aims.ActionReview, TicketID: "t"}),
		rec("r", "deny", &aims.OversightOutcome{Action: aims.ActionApprove, TicketID: "t", RelatedDecisionID: "d", Reviewer: "rita"}),
		rec("c", "deny", &aims.OversightOutcome{Action: aims.ActionContest, Policy: contestPolicy, TicketID: "ct", RelatedDecisionID: "r"}),
		rec("x", "approve", &aims.OversightOutcome{Action: aims.ActionOverride, Policy: contestPolicy, TicketID: "ct", RelatedDecisionID: "r", Reviewer: "sam"}),
	}, Instances: []InstanceLedger{{Name: "a", Decisions: 1}, {Name: "b", Decisions: 1}, {Name: "c", Decisions: 2}}}
	r := build(t, in)
	o := r.Oversight
	assert.Equal(t, []int{1, 1, 0}, []int{o.Held, o.Approved, o.Open})
	assert.Equal(t, 1, o.ContestsChanged)
	assert.Equal(t, map[string]int{"approve": 1}, countMap(r.Decisions.Outcomes))
	assert.Zero(t, r.Decisions.DuplicateIDs)
	require.Len(t, r.Instances.Rows, 3)
	assert.Equal(t, []int{0, 1, 0}, []int{r.Instances.Rows[0].Resolutions, r.Instances.Rows[1].Resolutions, r.Instances.Rows[2].Resolutions})
}
