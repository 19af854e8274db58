package aims

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/ledger"
)

func TestSoACarriesLedgerKeys(t *testing.T) {
	s := loadExampleSoA(t)
	assert.Empty(t, s.LedgerKeys())
	skey, vkey, err := ledger.GenerateKey("soa.example")
	require.NoError(t, err)

	require.NoError(t, s.AddEvidence("6.2.8", LedgerKeyEvidence(vkey+"\n")))
	require.NoError(t, s.AddEvidence("A.6.2.8", LedgerKeyEvidence(vkey))) // already listed
	e, ok := s.Entry("A.6.2.8")
	require.True(t, ok)
	assert.Equal(t, 1, countPrefixed(e.Evidence, LedgerKeyEvidencePrefix), "evidence %q", e.Evidence)
	assert.Equal(t, []string{vkey}, s.LedgerKeys())
	require.NoError(t, s.Validate())

	var md bytes.Buffer
	require.NoError(t, s.RenderMarkdown(&md))
	assert.Contains(t, md.String(), "ledger checkpoints verifiable with key "+vkey)

	// The key survives the JSON form and a parse of it.
	b, err := json.Marshal(s)
	require.NoError(t, err)
	back, err := ParseSoA(b)
	require.NoError(t, err)
	assert.Equal(t, []string{vkey}, back.LedgerKeys())

	var se *SoAError
	err = s.AddEvidence("A.99.1", "x")
	require.True(t, errors.As(err, &se), "%v", err)

	// A private key or a malformed one is a problem of the SoA, and the
	// private key is not repeated in the error.
	bad := loadExampleSoA(t)
	require.NoError(t, bad.AddEvidence("A.6.2.8", LedgerKeyEvidence(skey), LedgerKeyEvidence("nonsense")))
	err = bad.Validate()
	probs := soaProblems(err)
	require.Len(t, probs, 2, "%v", err)
	assert.Contains(t, probs[0].Msg, "private signing key")
	assert.Contains(t, probs[1].Msg, "not a ledger verifier key")
	assert.Equal(t, "A.6.2.8", probs[0].Control)
	assert.NotContains(t, err.Error(), strings.TrimPrefix(skey, "PRIVATE+KEY+"))
}

func countPrefixed(items []string, prefix string) int {
	n := 0
	for _, it := range items {
		if strings.HasPrefix(it, prefix) {
			n++
		}
	}
	return n
}
