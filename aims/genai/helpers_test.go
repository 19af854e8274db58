package genai

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// rig is a system on a real ledger with in-memory telemetry.
type rig struct {
	sys     *aims.System
	dir     string
	logs    *oteltest.Logs
	metrics *oteltest.Metrics
	traces  *oteltest.Traces
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{dir: t.TempDir(), logs: oteltest.NewLogs(t), metrics: oteltest.NewMetrics(t), traces: oteltest.NewTraces(t)}
	skey, _, err := ledger.GenerateKey("chat-test")
	require.NoError(t, err)
	signer, err := ledger.NewSigner(skey)
	require.NoError(t, err)
	led, err := ledger.Open(context.Background(), r.dir, "chat", "test", signer)
	require.NoError(t, err)
	r.sys, err = aims.NewSystem("chat", aims.WithVersion("1.0.0"), aims.WithLedger(led),
		aims.WithLoggerProvider(r.logs.Provider), aims.WithMeterProvider(r.metrics.Provider),
		aims.WithTracerProvider(r.traces.Provider))
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.sys.Close(context.Background()) })
	return r
}

// records closes the system and reads its aims/genai records back from
// the ledger.
func (r *rig) records(t *testing.T) []Record {
	t.Helper()
	require.NoError(t, r.sys.Close(context.Background()))
	var out []Record
	require.NoError(t, ledger.Scan(r.dir, func(sr ledger.ScannedRecord) error {
		rec, err := ParseRecord(sr.Record)
		if errors.Is(err, ErrNotGenAIRecord) {
			return nil
		}
		require.NoError(t, err)
		out = append(out, rec)
		return nil
	}))
	return out
}

// echoModel answers with a fixed text (or the reply function's) and
// counts its calls.
type echoModel struct {
	mu    sync.Mutex
	calls int
	reply func(req Request) (Response, error)
}

func (m *echoModel) Generate(_ context.Context, req Request) (Response, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	return m.reply(req)
}

func (m *echoModel) Calls() int { m.mu.Lock(); defer m.mu.Unlock(); return m.calls }

func replyWith(text string) *echoModel {
	return &echoModel{reply: func(req Request) (Response, error) {
		last := req.Messages[len(req.Messages)-1].Content
		return Response{ID: "resp-1", Text: text, FinishReasons: []string{"stop"},
			Usage: &Usage{InputTokens: len(strings.Fields(last)), OutputTokens: len(strings.Fields(text))}}, nil
	}}
}

// fakeHolder opens numbered tickets.
type fakeHolder struct {
	mu   sync.Mutex
	held []aims.Decision
	err  error
}

func (h *fakeHolder) Hold(_ context.Context, d aims.Decision) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return "", h.err
	}
	h.held = append(h.held, d)
	return "ticket-" + d.ID, nil
}

// guardrailFunc adapts a function to Guardrail.
type guardrailFunc struct {
	name string
	fn   func(ctx context.Context, in CheckInput) (Finding, error)
}

func (g guardrailFunc) Name() string { return g.name }
func (g guardrailFunc) Check(ctx context.Context, in CheckInput) (Finding, error) {
	return g.fn(ctx, in)
}
