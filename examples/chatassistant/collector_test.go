package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/internal/otelcoltest"
)

// TestGenAIThroughACollector runs the simulation against a real
// OpenTelemetry Collector (.ci/collector.sh; skipped without
// AIMSKIT_OTELCOL): the GenAI client spans with their token usage, the
// guardrail and interaction events and the token-usage histogram reach
// the Collector's files, decoded as OTLP, and none of the planted
// personal data does.
func TestGenAIThroughACollector(t *testing.T) {
	col := otelcoltest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint)
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	var out bytes.Buffer
	tally, err := simulate(ctx, s, 16, &out)
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))
	col.Stop()

	read := func(name string) []byte {
		b, err := os.ReadFile(col.File(name))
		require.NoError(t, err)
		for _, p := range planted {
			assert.NotContains(t, string(b), p, "the collector's %s holds planted personal data", name)
		}
		return b
	}
	spans, err := otlpfile.ReadSpans(bytes.NewReader(read("traces.jsonl")))
	require.NoError(t, err)
	chats := 0
	for _, sp := range spans {
		if sp.Name != "chat "+modelName {
			continue
		}
		chats++
		_, in := otlpfile.Float(sp.Attributes, "gen_ai.usage.input_tokens")
		_, outTok := otlpfile.Float(sp.Attributes, "gen_ai.usage.output_tokens")
		assert.True(t, in && outTok, "chat span without token usage: %v", sp.Attributes)
		assert.Equal(t, "chat", otlpfile.String(sp.Attributes, "gen_ai.operation.name"))
	}
	assert.Positive(t, chats, "no GenAI client span reached the collector")

	logs, err := otlpfile.ReadLogs(bytes.NewReader(read("logs.jsonl")))
	require.NoError(t, err)
	events := map[string]int{}
	for _, l := range logs {
		events[l.EventName]++
	}
	assert.Equal(t, tally.Turns, events["aims.genai.interaction"], "one interaction event per turn")
	assert.Positive(t, events["aims.guardrail.result"])
	assert.Positive(t, events["gen_ai.evaluation.result"])

	points, err := otlpfile.ReadMetrics(bytes.NewReader(read("metrics.jsonl")))
	require.NoError(t, err)
	var usage uint64
	for _, p := range points {
		if p.Metric == "gen_ai.client.token.usage" {
			usage += p.Count
		}
	}
	assert.Positive(t, usage, "token-usage histogram: %d measurements", usage)
	assert.True(t, strings.Contains(out.String(), "simulated 16 turns"), out.String())
}
