package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/fairness"
	"github.com/aimskit/aimskit/internal/otelcoltest"
)

// fleetRun is what one run (a fleet, or one replica) left behind.
type fleetRun struct {
	tally  *Tally
	view   fleetView
	report *auditreport.Report
	// own are the numbers one replica's monitors hold themselves (single
	// run only): its cumulative counts and its last drift report.
	own      []fairness.GroupCounts
	ownDrift string
}

// TestFleetEqualsOneReplica is the proof by equality of a fleet: three
// replicas of the service (each its own ledger, monitors and telemetry
// pipeline, one shared PostgreSQL review queue, one Collector) take the
// simulated traffic, dealt round robin, with the credit officers working
// the shared queue from different replicas and the halt pressed on one
// replica and released on another. One replica then takes the same
// traffic alone (its own database and Collector), with a drift window
// three times as large. From the Collector's output alone (fleetview.go)
// the fleet's fairness counts equal the single replica's exactly, and so
// do the rates and disparities computed from them; the fleet's drift
// verdict on the merged windows equals the single replica's, statistic
// for statistic (exact window profiles: no tolerance needed); the audit
// report over the three ledgers counts what the report over the one
// ledger counts; and the simulator's tallies (its ground truth) agree.
func TestFleetEqualsOneReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four instances of the example service")
	}
	base := os.Getenv("AIMSKIT_POSTGRES_DSN")
	if base == "" {
		t.Skip("set AIMSKIT_POSTGRES_DSN (bash .ci/postgres.sh start) to run the fleet test")
	}
	if os.Getenv(otelcoltest.EnvBinary) == "" {
		t.Skipf("set %s (bash .ci/collector.sh build) to run the fleet test", otelcoltest.EnvBinary)
	}
	skey, vkey, err := ledger.GenerateKey("creditscore.fleet")
	require.NoError(t, err)
	t.Setenv(ledger.DefaultKeyEnv, skey)
	contestKey := make([]byte, 32)
	_, _ = rand.Read(contestKey)

	const n, window = 480, 100 // each replica's window holds its last 100 of 160
	root := t.TempDir()
	fleet := runFleet(t, root, "fleet", freshSchema(t, base), 3, n, window, contestKey, vkey)
	single := runFleet(t, root, "single", freshSchema(t, base), 1, n, 3*window, contestKey, vkey)

	// The simulator's ground truth: the same traffic, the same decisions.
	ft, st := fleet.tally, single.tally
	assert.Equal(t, st.Applications, ft.Applications)
	assert.Equal(t, st.ByGroup, ft.ByGroup)
	assert.Equal(t, st.Statuses, ft.Statuses)
	assert.Equal(t, st.Held, ft.Held)
	assert.Equal(t, st.Votes, ft.Votes)
	assert.Equal(t, st.Resolutions, ft.Resolutions)
	assert.Equal(t, st.Overrides, ft.Overrides)
	assert.Equal(t, len(st.Contests), len(ft.Contests))
	assert.Equal(t, st.Final, ft.Final)
	assert.Equal(t, st.FinalApprovedByGroup, ft.FinalApprovedByGroup)
	assert.Equal(t, st.Labels, ft.Labels)
	assert.Equal(t, st.LabelsByGroup, ft.LabelsByGroup)
	require.Equal(t, 1, ft.Statuses["not_applied:block"], "the halt pressed on replica-1 blocked the decision replica-2 took")

	// Fairness of the fleet from the Collector: exactly the single
	// replica's counts, as exported and as its monitor holds them.
	assert.Equal(t, []string{"replica-1", "replica-2", "replica-3"}, fleet.view.Instances)
	assert.Equal(t, []string{"single"}, single.view.Instances)
	require.NotEmpty(t, single.own)
	assert.Equal(t, single.own, single.view.Fleet, "one replica's exported counts are its monitor's")
	assert.Equal(t, single.view.Fleet, fleet.view.Fleet, "the fleet's summed counts are one replica's")
	var decided int64
	for _, c := range fleet.view.Fleet {
		decided += c.Decisions
	}
	assert.Equal(t, int64(n), decided, "every decision counted once, with its final outcome (the blocked one refused)")
	for _, inst := range fleet.view.Instances {
		assert.NotEmpty(t, fleet.view.Counts[inst], "%s exported its counts", inst)
	}
	assert.Equal(t, fmt.Sprintf("%+v", single.view.Stats), fmt.Sprintf("%+v", fleet.view.Stats), "rates and disparities from the same counts")
	t.Logf("fleet fairness: demographic parity ratio %.4f over %d decisions",
		fleet.view.Stats.Disparities[fairness.DemographicParityRatio], decided)

	// Drift: the merged windows are the single replica's window.
	for _, f := range fleet.view.Drift.Features {
		assert.Equal(t, 3*window, f.Observations, f.Feature)
	}
	got := fmt.Sprintf("%+v %+v", fleet.view.Drift.Features, fleet.view.Drift.Dataset)
	assert.Equal(t, single.ownDrift, got, "the fleet's verdict is the single replica's")
	assert.Equal(t, single.ownDrift, fmt.Sprintf("%+v %+v", single.view.Drift.Features, single.view.Drift.Dataset))
	assert.True(t, fleet.view.Drift.Dataset.Drifted > 0, "the income shift is found: %+v", fleet.view.Drift.Dataset)

	// The audit report's counts: three ledgers, one ledger.
	fr, sr := fleet.report, single.report
	assert.Equal(t, sr.Decisions.Total, fr.Decisions.Total)
	assert.Equal(t, sr.Decisions.Adverse, fr.Decisions.Adverse)
	assert.Equal(t, sr.Decisions.Followups, fr.Decisions.Followups)
	assert.Equal(t, sr.Decisions.Halts, fr.Decisions.Halts)
	so, fo := sr.Oversight, fr.Oversight
	for _, c := range [][3]any{
		{"applied", so.Applied, fo.Applied}, {"held", so.Held, fo.Held}, {"blocked", so.Blocked, fo.Blocked},
		{"approved", so.Approved, fo.Approved}, {"rejected", so.Rejected, fo.Rejected}, {"overridden", so.Overridden, fo.Overridden},
		{"partial approvals", so.PartialApprovals, fo.PartialApprovals}, {"contest votes", so.ContestVotes, fo.ContestVotes}, {"contested", so.Contested, fo.Contested},
		{"contests upheld", so.ContestsUpheld, fo.ContestsUpheld}, {"halts", so.Halts, fo.Halts}, {"resumes", so.Resumes, fo.Resumes},
	} {
		assert.Equal(t, c[1], c[2], "report: %s", c[0])
	}
	assert.Equal(t, st.Held, fo.Held, "the report counts what the simulator saw held")
	require.Len(t, fr.Instances.Rows, 3)
	var held, resolved int
	for _, r := range fr.Instances.Rows {
		assert.Equal(t, auditreport.VerdictPass, r.Verdict, r.Name)
		held += r.Held
		resolved += r.Resolutions
	}
	assert.Equal(t, fo.Held, held)
	assert.Equal(t, fo.Approved+fo.Rejected+fo.Overridden, resolved)

	// The report's fairness of the whole fleet is the fleet view's: the
	// same summed counts, the same rates.
	var whole *auditreport.FairnessMonitor
	for i, m := range fr.Fairness.Monitors {
		if m.Fleet {
			whole = &fr.Fairness.Monitors[i]
		}
	}
	require.NotNil(t, whole, "the fleet report has a whole-system fairness view")
	assert.Equal(t, fleet.view.Instances, whole.Instances)
	require.Len(t, whole.Groups, len(fleet.view.Stats.Groups))
	for i, g := range whole.Groups {
		want := fleet.view.Stats.Groups[i]
		require.Equal(t, want.Name, g.Group)
		assert.Equal(t, float64(want.Decisions), *g.Decisions, g.Group)
		assert.Equal(t, want.SelectionRate, *g.SelectionRate, g.Group)
	}
	var printed bytes.Buffer
	fleet.view.print(&printed)
	t.Log(printed.String())
	assert.Contains(t, printed.String(), "fleet of 3 instances: replica-1, replica-2, replica-3")
	assert.Contains(t, printed.String(), "DRIFT")

	for _, m := range sr.Fairness.Monitors {
		assert.False(t, m.Fleet, "one replica has no fleet view")
	}
}

// runFleet runs replicas instances of the service against the schema dsn
// and a Collector of their own, drives n applications through them, and
// reads back what the Collector and the ledgers hold.
func runFleet(t *testing.T, root, name, dsn string, replicas, n, window int, contestKey []byte, vkey string) fleetRun {
	t.Helper()
	ctx := context.Background()
	col := otelcoltest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint)
	var reps []replica
	for i := range replicas {
		inst := "single"
		if replicas > 1 {
			inst = fmt.Sprintf("replica-%d", i+1)
		}
		cfg := config{
			dataDir: filepath.Join(root, name, inst), seed: 42, instance: inst,
			heartbeat: time.Hour, driftInterval: time.Hour, metricInterval: time.Hour, reviewDeadline: 10 * time.Minute,
			serviceToken: testServiceToken, oversightDSN: dsn, contestKey: contestKey, driftWindow: window,
		}
		svc, err := newService(ctx, cfg)
		require.NoError(t, err)
		srv := httptest.NewServer(svc.routes())
		reps = append(reps, replica{svc, srv.URL})
		defer srv.Close()
	}
	var out bytes.Buffer
	tally, err := simulateFleet(ctx, reps, n, 43, &out)
	require.NoError(t, err, out.String())
	t.Log(out.String())
	run := fleetRun{tally: tally}
	if replicas == 1 {
		svc := reps[0].svc
		run.own = svc.fair.CumulativeCounts()
		slices.SortFunc(run.own, func(a, b fairness.GroupCounts) int { return strings.Compare(a.Group, b.Group) })
		last := svc.drift.Last()
		run.ownDrift = fmt.Sprintf("%+v %+v", last.Features, last.Dataset)
	}
	for _, r := range reps {
		require.NoError(t, r.svc.Close(ctx))
	}
	col.Stop()
	run.view, err = readFleetView(ctx, col.OutDir, 42)
	require.NoError(t, err)
	in, err := auditreport.Load(ctx, auditreport.LoadOptions{LedgerDir: filepath.Join(root, name), OTelDir: col.OutDir, Key: vkey})
	require.NoError(t, err)
	run.report, err = auditreport.Build(in)
	require.NoError(t, err)
	return run
}

// freshSchema makes a PostgreSQL schema of its own for one run, dropped
// when the test ends, and returns a DSN whose search_path points at it.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, base)
	require.NoError(t, err)
	t.Cleanup(admin.Close)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "fleet_" + hex.EncodeToString(b[:])
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+name)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE") })
	u, err := url.Parse(base)
	require.NoError(t, err, "the test DSN must be a URL")
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
