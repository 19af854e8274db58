package otlpfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTornLastLine(t *testing.T) {
	torn := logsLine[:len(logsLine)/2]
	var seen []int
	err := EachLog(strings.NewReader(logsLine+"\n"+logsLine+"\n"+torn), func(r LogRecord) error {
		seen = append(seen, r.Line)
		return nil
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrTornLine)
	assert.ErrorContains(t, err, "otlpfile: line 3 is torn: it has no newline at its end")
	var le *LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 3, le.Line)
	assert.Equal(t, []int{1, 2}, seen, "the complete lines before it were read")

	// The same bytes followed by a newline are not a write in progress
	// but a broken line.
	_, err = ReadLogs(strings.NewReader(logsLine + "\n" + torn + "\n" + logsLine + "\n"))
	assert.NotErrorIs(t, err, ErrTornLine)
	assert.ErrorContains(t, err, "otlpfile: line 2 is not OTLP/JSON logs data")

	// A complete last line whose newline is still missing is whole.
	recs, err := ReadLogs(strings.NewReader(logsLine + "\n" + logsLine))
	require.NoError(t, err)
	assert.Len(t, recs, 2)

	// So is complete JSON that is not OTLP: it is wrong, not torn.
	_, err = ReadLogs(strings.NewReader(`{"resourceLogs":{}}`))
	assert.NotErrorIs(t, err, ErrTornLine)
	assert.ErrorContains(t, err, "line 1 is not OTLP/JSON logs data")
}

func TestBlankLinesAndCRLF(t *testing.T) {
	recs, err := ReadLogs(strings.NewReader("\n  \r\n" + logsLine + "\r\n\t\n" + logsLine + "\r\n"))
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, 3, recs[0].Line)
	assert.Equal(t, 5, recs[1].Line)
	recs, err = ReadLogs(strings.NewReader(""))
	require.NoError(t, err)
	assert.Empty(t, recs)
}

func TestLongLines(t *testing.T) {
	// A line far longer than the read buffer, holding many records.
	many := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[` + strings.Repeat(`{"eventName":"e","body":{"stringValue":"`+strings.Repeat("x", 1000)+`"}},`, 400) + `{"eventName":"last"}]}]}]}`
	require.Greater(t, len(many), 300<<10)
	recs, err := ReadLogs(strings.NewReader(logsLine + "\n" + many + "\n" + logsLine + "\n"))
	require.NoError(t, err)
	require.Len(t, recs, 403)
	assert.Equal(t, "last", recs[401].EventName)
	assert.Equal(t, 2, recs[401].Line)
	assert.Equal(t, 3, recs[402].Line)
	assert.Equal(t, "line 2, resourceLogs[0].scopeLogs[0].logRecords[400]", recs[401].Where())

	// Over the bound, wherever the line stands.
	for name, input := range map[string]string{
		"in the middle": logsLine + "\n" + many + "\n" + logsLine + "\n",
		"last, torn":    logsLine + "\n" + many,
	} {
		t.Run(name, func(t *testing.T) {
			n := 0
			err := EachLog(strings.NewReader(input), func(LogRecord) error { n++; return nil }, WithMaxLineBytes(100<<10))
			assert.ErrorContains(t, err, "otlpfile: line 2 is longer than 102400 bytes")
			assert.Equal(t, 1, n)
		})
	}
	// The bound is on the line without its newline.
	_, err = ReadLogs(strings.NewReader(logsLine+"\n"), WithMaxLineBytes(len(logsLine)))
	assert.NoError(t, err)
	_, err = ReadLogs(strings.NewReader(logsLine+"\n"), WithMaxLineBytes(len(logsLine)-1))
	assert.ErrorContains(t, err, "line 1 is longer than")
}

func TestErrorsNameTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(logsLine+"\n{not json\n"), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = ReadLogs(f)
	assert.ErrorContains(t, err, "otlpfile: "+path+" line 2 is not OTLP/JSON logs data")
	var le *LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, path, le.Name)

	_, err = ReadMetrics(strings.NewReader("\n\n[]\n"), WithName("rotated/metrics-1.jsonl"))
	assert.ErrorContains(t, err, "otlpfile: rotated/metrics-1.jsonl line 3 is not OTLP/JSON metrics data")
}

func TestReadErrorNamesTheLine(t *testing.T) {
	boom := errors.New("disk gone")
	r := io.MultiReader(strings.NewReader(logsLine+"\n"), iotest.ErrReader(boom))
	n := 0
	err := EachLog(r, func(LogRecord) error { n++; return nil })
	assert.ErrorIs(t, err, boom)
	assert.ErrorContains(t, err, "otlpfile: line 2 could not be read: disk gone")
	assert.Equal(t, 1, n)
}

func TestBadOptions(t *testing.T) {
	called := false
	r := iotest.ErrReader(errors.New("must not be read"))
	err := EachLog(r, func(LogRecord) error { called = true; return nil }, WithMaxLineBytes(0), nil)
	assert.EqualError(t, err, "otlpfile: WithMaxLineBytes: 0 is not a positive number of bytes")
	assert.False(t, called)
	_, err = ReadSpans(r, WithMaxLineBytes(-1))
	assert.ErrorContains(t, err, "WithMaxLineBytes: -1")
}

func TestEachPointAndEachSpanStopOnCallbackError(t *testing.T) {
	stop := errors.New("enough")
	n := 0
	err := EachPoint(strings.NewReader(metricsLine+"\n"+metricsLine), func(Point) error { n++; return stop })
	assert.Same(t, stop, err, "returned as it is")
	assert.Equal(t, 1, n)
	err = EachSpan(strings.NewReader(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"},{"name":"b"}]}]}]}`), func(Span) error { return stop })
	assert.Same(t, stop, err)
}

func TestOrderWithManyWorkers(t *testing.T) {
	// Lines of very different sizes, so that workers finish out of order.
	var in strings.Builder
	var want []string
	for i := range 300 {
		in.WriteString(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[`)
		for j := range 1 + (i*7919)%60 {
			if j > 0 {
				in.WriteString(",")
			}
			name := fmt.Sprintf("l%d.r%d", i+1, j)
			in.WriteString(`{"eventName":"` + name + `"}`)
			want = append(want, name)
		}
		in.WriteString("]}]}]}\n")
	}
	input := in.String()
	badAt := strings.Replace(input, `{"eventName":"l200.r0"}`, `{"eventName":1}`, 1)
	for _, workers := range []int{1, 2, 7, 64} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			var got []string
			err := EachLog(strings.NewReader(input), func(r LogRecord) error {
				got = append(got, r.EventName)
				return nil
			}, withWorkers(workers))
			require.NoError(t, err)
			assert.Equal(t, want, got)

			// A bad line: every record before it, then its error, nothing after.
			got = got[:0]
			err = EachLog(strings.NewReader(badAt), func(r LogRecord) error {
				got = append(got, r.EventName)
				return nil
			}, withWorkers(workers))
			assert.ErrorContains(t, err, "otlpfile: line 200 is not OTLP/JSON logs data")
			require.NotEmpty(t, got)
			assert.Equal(t, "l199.", got[len(got)-1][:5])
			assert.Equal(t, want[:len(got)], got)

			// A callback error: f is not called again.
			stop := errors.New("enough")
			calls := 0
			err = EachLog(strings.NewReader(input), func(r LogRecord) error {
				calls++
				if r.EventName == "l100.r0" {
					return stop
				}
				return nil
			}, withWorkers(workers))
			assert.Same(t, stop, err)
			assert.Equal(t, slices.Index(want, "l100.r0")+1, calls)
		})
	}
}
