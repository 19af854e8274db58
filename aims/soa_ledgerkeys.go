package aims

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aimskit/aimskit/aims/ledger"
)

// LedgerKeyEvidencePrefix starts an SoA evidence item that publishes a
// public verifier key of a decision ledger, conventionally in the entry of
// A.6.2.8 (event logs): "ledger checkpoints verifiable with key
// NAME+HASH+BASE64". The SoA is approved and kept under version control
// away from the service's host, so a key listed there, like one in the
// inventory registration, is one auditors can trust; a key file beside
// the ledger is not. [SoA.Validate] checks such items, and
// [SoA.LedgerKeys] reads them back.
const LedgerKeyEvidencePrefix = "ledger checkpoints verifiable with key "

// LedgerKeyEvidence returns the evidence item that publishes vkey, a public
// verifier key (see [LedgerKeyEvidencePrefix]).
func LedgerKeyEvidence(vkey string) string {
	return LedgerKeyEvidencePrefix + strings.TrimSpace(vkey)
}

// LedgerKeys returns the ledger verifier keys the SoA's evidence items
// publish (items made by [LedgerKeyEvidence]), in document order, each
// once.
func (s *SoA) LedgerKeys() []string {
	var keys []string
	for _, e := range s.Controls {
		for _, ev := range e.Evidence {
			if k, ok := strings.CutPrefix(strings.TrimSpace(ev), LedgerKeyEvidencePrefix); ok {
				if k = strings.TrimSpace(k); !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

// AddEvidence appends evidence items to the entry of the control with the
// given ID, skipping items the entry already lists. It fails when the SoA
// has no entry for the control; it does not create one, since whether a
// control applies is the SoA owner's statement.
func (s *SoA) AddEvidence(id string, evidence ...string) error {
	id = NormalizeControlID(id)
	for i := range s.Controls {
		e := &s.Controls[i]
		if NormalizeControlID(e.Control) != id {
			continue
		}
		for _, ev := range evidence {
			if ev = strings.TrimSpace(ev); ev != "" && !slices.Contains(e.Evidence, ev) {
				e.Evidence = append(e.Evidence, ev)
			}
		}
		return nil
	}
	return &SoAError{Control: id, Msg: "the SoA has no entry for this control"}
}

// checkLedgerKeyEvidence returns the problem with an evidence item that
// publishes a ledger key, or "" when it is fine or is not such an item.
func checkLedgerKeyEvidence(ev string) string {
	k, ok := strings.CutPrefix(strings.TrimSpace(ev), LedgerKeyEvidencePrefix)
	if !ok {
		return ""
	}
	k = strings.TrimSpace(k)
	if strings.HasPrefix(k, "PRIVATE+KEY+") {
		return "lists a private signing key; publish only the public verifier key and keep the private key secret"
	}
	if _, err := ledger.NewVerifier(k); err != nil {
		return fmt.Sprintf("%q is not a ledger verifier key (name+hash+base64): %s", k, strings.TrimPrefix(err.Error(), "ledger: "))
	}
	return ""
}
