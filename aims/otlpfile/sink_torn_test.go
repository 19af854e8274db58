package otlpfile

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
)

// logsRequest is an OTLP/HTTP protobuf logs request holding one record
// with the given event name and a body of pad bytes.
func logsRequest(t testing.TB, event string, pad int) []byte {
	t.Helper()
	req := &collogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{
			EventName: event,
			Body:      &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("x", pad)}},
		}}}},
	}}}
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postLogs(t testing.TB, s *Sink, body []byte) int {
	t.Helper()
	resp, err := http.Post(s.Endpoint()+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSinkStartAfterTornLine: a last line an earlier run left cut short
// (a machine crash over unsynced data, a full disk) does not swallow the
// first batch of the next run; the cut line stays in the file, reported
// as a bad line.
func TestSinkStartAfterTornLine(t *testing.T) {
	dir := t.TempDir()
	torn := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"cut`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logs.jsonl"), []byte(logsLine+"\n"+torn), 0o644))
	s, err := Start(dir)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, postLogs(t, s, logsRequest(t, "after-restart", 10)))
	require.NoError(t, s.Close(context.Background()))

	f, err := os.Open(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var sk Skipped
	recs, err := ReadLogs(f, WithName("logs.jsonl"), WithSkipBadLines(&sk))
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	assert.Equal(t, "after-restart", recs[len(recs)-1].EventName, "the new run's batch is read")
	assert.Equal(t, 1, sk.Lines, "the cut line is reported")
}
