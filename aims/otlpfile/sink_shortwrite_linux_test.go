package otlpfile

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/internal/childtest"
)

const sinkFsizeDirEnv = "AIMS_OTLPFILE_FSIZE_DIR"

// TestSinkShortWriteChild is the child of TestSinkShortWriteLosesNoBatch:
// with a file size limit (RLIMIT_FSIZE, which makes the kernel cut a write
// short exactly as a full disk does) the second batch is written only in
// part and refused; the limit is lifted, as when space is freed, and the
// exporter sends the batch again.
func TestSinkShortWriteChild(t *testing.T) {
	dir := os.Getenv(sinkFsizeDirEnv)
	if dir == "" {
		t.Skip("only run as the child of TestSinkShortWriteLosesNoBatch")
	}
	s, err := Start(dir)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, postLogs(t, s, logsRequest(t, "first", 10)))
	st, err := os.Stat(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)

	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old))
	lim := old
	lim.Cur = uint64(st.Size()) + 40
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim))
	second := logsRequest(t, "second", 500)
	code := postLogs(t, s, second)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old))
	require.Equal(t, http.StatusInternalServerError, code, "a batch written in part is refused")
	require.Equal(t, http.StatusOK, postLogs(t, s, second), "the retried batch is taken")
	require.NoError(t, s.Close(context.Background()))
}

// TestSinkShortWriteLosesNoBatch: a batch the disk could take only in part
// is refused, and when the exporter sends it again it is read back whole:
// the part written of the refused attempt does not run into it.
func TestSinkShortWriteLosesNoBatch(t *testing.T) {
	if os.Getenv(sinkFsizeDirEnv) != "" {
		t.Skip("child")
	}
	dir := t.TempDir()
	stderr := childtest.Run(t, "TestSinkShortWriteChild", []string{sinkFsizeDirEnv + "=" + dir}, func(string) bool { return false })
	if strings.Contains(stderr, "FAIL") {
		t.Fatalf("child failed:\n%s", stderr)
	}
	f, err := os.Open(filepath.Join(dir, "logs.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var sk Skipped
	recs, err := ReadLogs(f, WithName("logs.jsonl"), WithSkipBadLines(&sk))
	require.NoError(t, err)
	var names []string
	for _, r := range recs {
		names = append(names, r.EventName)
	}
	assert.Equal(t, []string{"first", "second"}, names, "both acknowledged batches are read back")
	assert.Zero(t, sk.Lines, "no line is damaged: %v", sk.First)
}
