package aims

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/semconv"
)

// TestSoAValidateFlagsGoIdentifiers checks that evidence naming a Go
// identifier is a validation problem naming the field, and that record,
// event and document names are not.
func TestSoAValidateFlagsGoIdentifiers(t *testing.T) {
	for ev, bad := range map[string]string{
		"oversight.Gate":                              "oversight.Gate",
		"aims.SoA":                                    "aims.SoA",
		"aims.DecisionLog (ledger)":                   "aims.DecisionLog",
		"features of explain.Counterfactuals":         "explain.Counterfactuals",
		"(inventory.Register)":                        "inventory.Register",
		"decision ledger records (aims.decision)":     "",
		"incident records (aims.management.incident)": "",
		"AI policy AIP-01, docs/ai-policy.PDF":        "",
		"fairness metrics (aims.fairness.group.*)":    "",
		"aimsaudit verify and prove results":          "",
		"Model card v2.3.1":                           "",
	} {
		p := checkEvidenceNamesRecords(ev)
		if bad == "" {
			assert.Empty(t, p, ev)
			continue
		}
		assert.Contains(t, p, "names the Go identifier "+bad, ev)
	}

	s := loadExampleSoA(t)
	for i := range s.Controls {
		if s.Controls[i].Control == "A.9.2" {
			s.Controls[i].Evidence = append(s.Controls[i].Evidence, "oversight.Gate")
		}
	}
	err := s.Validate()
	require.Error(t, err)
	probs := soaProblems(err)
	require.Len(t, probs, 1, "%v", err)
	assert.Equal(t, "A.9.2", probs[0].Control)
	assert.Regexp(t, `^controls\[\d+\]\.evidence\[4\]$`, probs[0].Field)
	assert.Contains(t, probs[0].Msg, `"oversight.Gate" names the Go identifier oversight.Gate`)
}

// TestCatalogEvidenceNamesWhatIsEmitted checks that the catalog's
// evidence, and the example SoA's, names no Go identifier, and that every
// record, event, metric or span name it gives is one the SDK emits: a
// name in the conventions catalog (a trailing .* standing for the names
// under it), a span name, a ledger schema, or aims.management.<type> for
// a record type.
func TestCatalogEvidenceNamesWhatIsEmitted(t *testing.T) {
	for _, c := range Controls() {
		for _, ev := range c.Evidence {
			checkEvidenceItem(t, c.ID, ev)
		}
	}
	for _, e := range loadExampleSoA(t).Controls {
		for _, ev := range e.Evidence {
			checkEvidenceItem(t, e.Control, ev)
		}
	}
}

var emittedName = regexp.MustCompile(`aims\.[a-z0-9_.]+[a-z0-9_*](/v\d+)?`)

func checkEvidenceItem(t *testing.T, control, ev string) {
	t.Helper()
	known := map[string]bool{semconv.SpanExplain: true, semconv.SpanCounterfactuals: true}
	for _, e := range semconv.Catalog() {
		known[e.Name] = true
	}
	for _, rt := range RecordTypes() {
		known[semconv.EventManagementPrefix+string(rt)] = true
	}
	schemas := []string{DecisionSchemaVersion, ManagementSchemaVersion}
	assert.Empty(t, checkEvidenceNamesRecords(ev), "%s: %q", control, ev)
	for _, n := range emittedName.FindAllString(ev, -1) {
		switch {
		case slices.Contains(schemas, n), known[n]:
		case strings.HasSuffix(n, ".*"):
			prefix := strings.TrimSuffix(n, "*")
			found := false
			for k := range known {
				found = found || strings.HasPrefix(k, prefix)
			}
			assert.True(t, found, "%s: %q: nothing is emitted under %s", control, ev, n)
		default:
			t.Errorf("%s: %q names %s, which nothing in the SDK emits", control, ev, n)
		}
	}
}
