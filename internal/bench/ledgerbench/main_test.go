package ledgerbench_test

import (
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/ledger"
)

// The test binary's temporary directories that outlive one benchmark
// function (the cached ledgers of BenchmarkVerify), removed by TestMain.
var (
	tempMu   sync.Mutex
	tempDirs []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	tempMu.Lock()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	tempMu.Unlock()
	os.Exit(code)
}

// keys is the one signing key pair of the test binary.
var keys = sync.OnceValues(func() (note.Signer, note.Verifier) {
	skey, vkey, err := ledger.GenerateKey("ledgerbench")
	if err != nil {
		panic(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		panic(err)
	}
	return s, v
})

// decisionRecord is the record every store appends in
// BenchmarkDurableAppend: an aims.Decision as a credit-scoring service
// writes it (ids, system, model, pseudonymous subject, allow-listed
// inputs, output and score, the explanation's reason code, trace ID),
// encoded once with encoding/json, about 600 bytes.
var decisionRecord = sync.OnceValue(func() []byte {
	score := 0.3127
	d := aims.Decision{
		SchemaVersion: aims.DecisionSchemaVersion,
		ID:            "01936f8e-1b2c-7d3e-8f40-123456789abc",
		Time:          time.Date(2026, 11, 23, 17, 4, 5, 123456789, time.UTC),
		SystemID:      "credit-scoring",
		Model:         aims.ModelRef{Name: "gbm-credit", Version: "7.1.0"},
		Subject:       "hs256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Inputs:        map[string]any{"income": 52000.0, "region": "north", "term_months": 36.0},
		Output:        "deny",
		Score:         &score,
		Adverse:       true,
		Explanation: &aims.Explanation{
			Method: "tree", BaseValue: 0.42, Prediction: score,
			ReasonCodes: []aims.ReasonCode{
				{Rank: 1, Code: "R01", Feature: "income", Description: "Income too low", Contribution: -0.0912},
			},
		},
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736",
	}
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return b
})

// smallRecord appends to dst a ~150-byte decision-like record whose id
// carries i, for the ledgers of BenchmarkVerify.
func smallRecord(dst []byte, i int64) []byte {
	dst = append(dst, `{"schema_version":"aims.decision/v1","id":"01936f8e-1b2c-7d3e-8f40-`...)
	var digits [12]byte
	for k := len(digits) - 1; k >= 0; k-- {
		digits[k] = byte('0' + i%10)
		i /= 10
	}
	dst = append(dst, digits[:]...)
	return append(dst, `","system_id":"credit-scoring","output":"deny","score":0.3127,"adverse":true}`...)
}

func TestRecords(t *testing.T) {
	rec := decisionRecord()
	t.Logf("decision record: %d bytes", len(rec))
	if n := len(rec); n < 550 || n > 650 {
		t.Errorf("decision record has %d bytes, want about 600: %s", n, rec)
	}
	var d aims.Decision
	if err := json.Unmarshal(rec, &d); err != nil || d.SystemID != "credit-scoring" {
		t.Errorf("decision record does not decode as an aims.Decision (%v): %s", err, rec)
	}
	small := smallRecord(nil, 1234567)
	if n := len(small); n < 130 || n > 170 || !json.Valid(small) {
		t.Errorf("small record (%d bytes) is not a ~150-byte JSON object: %s", n, small)
	}
}

// percentile returns the q-quantile (0 < q < 1) of sorted samples, by the
// nearest-rank method.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func TestPercentile(t *testing.T) {
	s := make([]time.Duration, 100)
	for i := range s {
		s[i] = time.Duration(i + 1)
	}
	slices.Sort(s)
	if p := percentile(s, 0.5); p != 50 {
		t.Errorf("p50 = %d, want 50", p)
	}
	if p := percentile(s, 0.99); p != 99 {
		t.Errorf("p99 = %d, want 99", p)
	}
	if p := percentile(s[:1], 0.99); p != 1 {
		t.Errorf("p99 of one sample = %d, want 1", p)
	}
}
