package ledger

import (
	"encoding/json"
	"strings"
	"testing"
)

var validJSONCases = []string{
	`{}`, `[]`, `{"a":1}`, ` {"a" : [1, -2.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]} `,
	`{"a":{}}`, `[[[]]]`, `0`, `-0`, `01`, `1.`, `.5`, `1e`, `1e+`, `-`, `"abc`, `"a\x"`, `"\u12"`, `"\u12g4"`,
	`{"a"}`, `{"a":}`, `{,}`, `[1,]`, `{"a":1,}`, `[1 2]`, `tru`, `nul`, `{"a":1}}`, `{"a":1}x`, "\"a\x01\"", "\"\xff\"",
	`{"a":1]`, `[1}`, ``, ` `, `{"a":[1,{"b":null}],"c":"d"}`, `1E5`, `-1.0e-05`, "{\"a\":\n1}", `{1:2}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 9999) + "1" + strings.Repeat("}", 9999),
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range validJSONCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid = %v", c, got, want)
		}
	}
}

// FuzzValidJSON checks validJSON against encoding/json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		if len(c) < 200 {
			f.Add([]byte(c))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	rec := []byte(`{"schema_version":"aims.decision/v1","id":"01936f8e-1b2c-7d3e-8f40-123456789abc","time":"2026-11-23T17:04:05.123456789Z","system_id":"credit-scoring","inputs":{"income":52000,"region":"north"},"output":"approve","score":0.731,"explanation":{"method":"tree","base_value":0.2,"prediction":0.731,"reason_codes":[{"rank":1,"code":"R01","description":"Income too low","contribution":0.4}]}}`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		for i := 0; i < b.N; i++ {
			validJSON(rec)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		for i := 0; i < b.N; i++ {
			json.Valid(rec)
		}
	})
}
