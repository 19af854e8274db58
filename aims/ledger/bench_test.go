package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchRecord returns a realistic decision record of about size bytes: the
// fields aims.DecisionLog writes (identity, model, pseudonymous subject,
// allow-listed inputs, score, reason codes, attributions, oversight, trace
// context), with more reason codes and attributions for larger sizes.
func benchRecord(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"schema_version":"aims.decision/v1","id":"01936f8e-1b2c-7d3e-8f40-123456789abc","time":"2026-11-23T17:04:05.123456789Z",`)
	b.WriteString(`"system_id":"credit-scoring","system_version":"2.3.1","model":{"name":"gbm-credit","version":"7.1.0"},`)
	b.WriteString(`"subject":"hs256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",`)
	b.WriteString(`"inputs":{"income":52000,"region":"north","term_months":36,"amount":12500.5,"employment":"salaried"},`)
	b.WriteString(`"output":"deny","score":0.3127,"adverse":true,"explanation":{"method":"tree_shap","base_value":0.42,"prediction":0.3127,"reason_codes":[`)
	for i := 0; b.Len() < size*6/10; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"rank":%d,"code":"R%02d","description":"Debt-to-income ratio above the policy threshold \u2013 see notice %d","contribution":-0.%04d}`, i+1, i+1, i, 1234+i*7)
	}
	b.WriteString(`],"attributions":{`)
	for i := 0; b.Len() < size-260; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"feature_%d":%.6e`, i, -0.0123*float64(i+1))
	}
	b.WriteString(`}},"oversight":{"action":"apply","policy":"auto-below-0.5","reviewer":null,"ticket_id":""},`)
	b.WriteString(`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","disclosed":true}`)
	return []byte(b.String())
}

func TestBenchRecordIsValid(t *testing.T) {
	for _, size := range []int{1024, 2048} {
		rec := benchRecord(size)
		if !json.Valid(rec) || checkRecord(rec) != nil {
			t.Fatalf("benchRecord(%d) is not a valid record: %s", size, rec)
		}
		if n := len(rec); n < size*8/10 || n > size*12/10 {
			t.Fatalf("benchRecord(%d) has %d bytes", size, n)
		}
	}
}

// BenchmarkAppend measures the caller's side of Append (validate, copy,
// queue) with realistic records; the writer goroutine hashes and writes
// them, and Flush at the end keeps the timed region honest.
func BenchmarkAppend(b *testing.B) {
	keys := newKeys(b, "bench")
	for _, size := range []int{1024, 2048} {
		rec := benchRecord(size)
		b.Run(fmt.Sprintf("%dB", len(rec)), func(b *testing.B) {
			l, err := Open(context.Background(), b.TempDir(), "sys", "pod", keys.signer)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Append(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := l.Close(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
