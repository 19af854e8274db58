package auditreport_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/otlpfile"
)

// TestReportNamesDecisionsEmittedButNotLedgered: the decision log of
// instance pod-1 records three decisions, its telemetry going through the
// OpenTelemetry SDK into the OTLP/JSON file writer. The first is an
// ordinary decision; the second a reviewer's override of it, whose reason,
// a person's words, the decision log keeps in the ledger only; the third
// the ledger refused (aims.ErrNotLedgered): it was emitted and left the
// host, but the ledger does not hold it. The report over the ledger and
// the Collector's output says that the third decision was emitted but is
// not in the ledger, naming it, and says nothing of the kind of the other
// two.
func TestReportNamesDecisionsEmittedButNotLedgered(t *testing.T) {
	ctx := context.Background()
	otelDir := t.TempDir()
	sink, err := otlpfile.Start(otelDir)
	require.NoError(t, err)
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(sink.Endpoint()+"/v1/logs"))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))

	skey, vkey, err := ledger.GenerateKey("notledgered")
	require.NoError(t, err)
	open := func(dir string) *ledger.Ledger {
		signer, err := ledger.NewSigner(skey)
		require.NoError(t, err)
		l, err := ledger.Open(ctx, dir, "s", "pod-1", signer)
		require.NoError(t, err)
		return l
	}
	ledgerDir := filepath.Join(t.TempDir(), "ledger")
	good := open(ledgerDir)
	refusing := open(filepath.Join(t.TempDir(), "refusing"))
	require.NoError(t, refusing.Close(ctx))
	newLog := func(l *ledger.Ledger) *aims.DecisionLog {
		dl, err := aims.NewDecisionLog(aims.WithLedger(l), aims.WithInstance("pod-1"), aims.WithLoggerProvider(lp))
		require.NoError(t, err)
		return dl
	}
	dl, broken := newLog(good), newLog(refusing)
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	decide := func(output string, o *aims.OversightOutcome) aims.Decision {
		d, err := aims.NewDecision(ctx, "s")
		require.NoError(t, err)
		d.Time, d.Output, d.Oversight = at, output, o
		at = at.Add(time.Minute)
		return d
	}
	d1 := decide("approve", nil)
	require.NoError(t, dl.Record(ctx, d1))
	d2 := decide("deny", &aims.OversightOutcome{Action: aims.ActionOverride, Reviewer: "alice",
		Reason: "income verified by phone", OriginalOutput: "approve", Time: at, RelatedDecisionID: d1.ID})
	require.NoError(t, dl.Record(ctx, d2))
	d3 := decide("approve", nil)
	err = broken.Record(ctx, d3)
	require.True(t, errors.Is(err, aims.ErrNotLedgered), "ground truth: the third decision was emitted, not ledgered: %v", err)
	require.NoError(t, dl.Close(ctx))
	require.NoError(t, lp.Shutdown(ctx))
	require.NoError(t, sink.Close(ctx))

	in, err := auditreport.Load(ctx, auditreport.LoadOptions{LedgerDir: ledgerDir, OTelDir: otelDir, Key: vkey,
		Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r, err := auditreport.Build(in)
	require.NoError(t, err)
	require.Equal(t, auditreport.VerdictPass, r.Ledger.Verdict)
	require.Equal(t, 1, r.Decisions.Total, "the ledger holds one decision")
	require.Equal(t, 1, r.Decisions.Followups, "and one follow-up")

	var named []string
	for _, f := range r.Summary.Findings {
		if strings.Contains(f.Text, d3.ID) {
			named = append(named, string(f.Verdict)+" "+f.Text)
			assert.NotEqual(t, auditreport.VerdictPass, f.Verdict, "a decision missing from the ledger is no pass")
		}
		assert.NotContains(t, f.Text, d1.ID)
		assert.NotContains(t, f.Text, d2.ID, "the override's Collector copy lacks only its reason: the same decision")
	}
	assert.NotEmpty(t, named, "no finding names the decision emitted to the Collector but not in the ledger; findings: %+v", r.Summary.Findings)
	var md bytes.Buffer
	require.NoError(t, r.RenderMarkdown(&md))
	assert.Contains(t, md.String(), d3.ID, "the Markdown report names the decision not in the ledger")
	var page bytes.Buffer
	require.NoError(t, r.RenderHTML(&page))
	assert.Contains(t, page.String(), d3.ID, "the HTML report names the decision not in the ledger")
	assert.Equal(t, 1, r.Decisions.NotLedgered)
}
