package auditreport

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeptLinesBlanksTheOthers(t *testing.T) {
	long := strings.Repeat("x", 200<<10) // longer than the read buffer
	for name, tc := range map[string]struct {
		in, want string
		keep     map[int]bool
	}{
		"short lines":             {"a\nb\nc\n", "\nb\n\n", map[int]bool{2: true}},
		"long lines kept":         {"a\n" + long + "\nc\n", "\n" + long + "\n\n", map[int]bool{2: true}},
		"long lines dropped":      {"a\n" + long + "\nc\n", "a\n\nc\n", map[int]bool{1: true, 3: true}},
		"last line kept, torn":    {"a\nb", "\nb", map[int]bool{2: true}},
		"last line dropped, torn": {"a\n" + long, "a\n", map[int]bool{1: true}},
		"nothing kept":            {"a\nb\n", "\n\n", nil},
		"empty":                   {"", "", map[int]bool{1: true}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), LogsFile)
			require.NoError(t, os.WriteFile(path, []byte(tc.in), 0o600))
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			k := onlyLines(f, tc.keep)
			got, err := io.ReadAll(k)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, path, k.Name())
		})
	}
}

// The inventory's own reading sees only the lines holding inventory
// records, yet what it reports names the file's real line: a record it
// refuses is named in Missing, and the rest of the inventory is built.
func TestInventoryErrorNamesTheFileLine(t *testing.T) {
	p, _, _ := scenario(t)
	logs := filepath.Join(p.OTel, LogsFile)
	f, err := os.OpenFile(logs, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	// Valid OTLP/JSON, but a registration without its description.
	_, err = f.WriteString(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"aims.decision"},{"eventName":"aims.inventory.registration","attributes":[{"key":"aims.system.id","value":{"stringValue":"ghost"}}]}]}]}]}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	in, err := Load(context.Background(), LoadOptions{OTelDir: p.OTel, Now: generatedAt})
	require.NoError(t, err)
	assert.NotNil(t, in.Logs, "the logs themselves are fine")
	require.NotNil(t, in.Inventory, "one faulty record must not cost the whole inventory")
	assert.NotEmpty(t, in.Inventory.Entries())
	_, ghost := in.Inventory.Entry("ghost")
	assert.False(t, ghost)
	assert.Contains(t, strings.Join(in.Missing, "\n"),
		`inventory: system "ghost" refused (1 in all), the latest at `+logs+" line 8, resourceLogs[0].scopeLogs[0].logRecords[1]: registration record has no body")

	// A line that is not OTLP/JSON is skipped by the report's reading of
	// the logs, and named as skipped; the inventory is rebuilt from the
	// lines that were read.
	f, err = os.OpenFile(logs, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"aims.inventory.heartbeat","timeUnixNano":"yesterday"}]}]}]}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	in, err = Load(context.Background(), LoadOptions{OTelDir: p.OTel, Now: generatedAt})
	require.NoError(t, err)
	require.NotNil(t, in.Inventory, "a skipped line must not cost the inventory")
	assert.NotEmpty(t, in.Inventory.Entries())
	assert.Equal(t, 1, in.SkippedLogLines)
	assert.Contains(t, strings.Join(in.Missing, "\n"), "collector logs: a line could not be read and was skipped: otlpfile: "+logs+" line 9 is not OTLP/JSON")
	assert.NotContains(t, strings.Join(in.Missing, "\n"), "inventory: rebuilding it from the collector logs failed")
}
