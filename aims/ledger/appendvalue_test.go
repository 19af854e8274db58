package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// TestAppendValueWritesJSONMarshalBytes checks the fast path against the
// slow one: a value appended with AppendValue is stored as exactly the
// bytes json.Marshal gives (HTML-escaped, compact), the same bytes are
// handed back after dst, the ledger verifies, and values that cannot be
// a record are refused without writing anything.
func TestAppendValueWritesJSONMarshalBytes(t *testing.T) {
	ctx := context.Background()
	keys := newKeys(t, "test")
	dir := t.TempDir()
	l, err := Open(ctx, dir, "credit-scoring", "pod-1", keys.signer)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		ID    string            `json:"id"`
		Text  string            `json:"text"`
		Score float64           `json:"score"`
		Attrs map[string]string `json:"attrs"`
	}
	values := []rec{
		{ID: "a", Text: "line\nbreak <b>&</b> \u2028", Score: 0.25, Attrs: map[string]string{"z": "1", "a": "2"}},
		{ID: "b", Text: "ünïcødé \"quoted\"", Score: -1e-9},
	}
	var want [][]byte
	for _, v := range values {
		m, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
		got, err := l.AppendValue(ctx, v, []byte("prefix:"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append([]byte("prefix:"), m...)) {
			t.Errorf("returned %q, want prefix:%s", got, m)
		}
	}
	for name, v := range map[string]any{
		"array":     []int{1, 2},
		"string":    "x",
		"NaN":       map[string]float64{"x": math.NaN()},
		"func":      map[string]any{"f": func() {}},
		"too large": map[string]string{"x": string(make([]byte, maxRecordBytes))},
	} {
		got, err := l.AppendValue(ctx, v, nil)
		if err == nil || len(got) != 0 {
			t.Errorf("%s: AppendValue returned %q, %v; want nothing and an error", name, got, err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendValue(ctx, values[0], nil); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	var stored [][]byte
	if err := Scan(dir, func(r ScannedRecord) error {
		stored = append(stored, append([]byte(nil), r.Record...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(want) {
		t.Fatalf("%d records stored, want %d", len(stored), len(want))
	}
	for i := range want {
		if !bytes.Equal(stored[i], want[i]) {
			t.Errorf("record %d stored as %s, want %s", i, stored[i], want[i])
		}
	}
	if _, err := Verify(dir, []note.Verifier{keys.verifier}, VerifyOptions{}); err != nil {
		t.Errorf("the ledger does not verify: %v", err)
	}
}
