package auditreport

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Patterns of the OSCAL 1.1 JSON schema's datatypes.
var (
	oscalUUIDRe     = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)
	oscalTokenRe    = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)
	oscalStringRe   = regexp.MustCompile(`^\S(.*\S)?$`)
	oscalDateTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
)

func renderOSCAL(t *testing.T, r *Report) ([]byte, oscalDocument, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.RenderOSCAL(&buf))
	var doc oscalDocument
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &raw))
	return buf.Bytes(), doc, raw
}

// TestOSCALRequiredFields checks the document against the OSCAL 1.1
// assessment-results model's required fields and datatypes: every UUID
// is a version 4 or 5 UUID and unique, every reference resolves, times
// carry a zone, tokens and property values have the schema's form, and
// finding states are among the two OSCAL allows.
func TestOSCALRequiredFields(t *testing.T) {
	_, _, in := scenario(t)
	_, doc, raw := renderOSCAL(t, build(t, in))
	require.Len(t, raw, 1, "one root: assessment-results")
	ar := doc.AssessmentResults

	uuids := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "uuid" {
					s, _ := c.(string)
					assert.Regexp(t, oscalUUIDRe, s, path)
					if prev, dup := uuids[s]; dup {
						t.Errorf("uuid %s defined at %s and %s", s, prev, path)
					}
					uuids[s] = path
				}
				if k == "props" {
					for _, p := range c.([]any) {
						p := p.(map[string]any)
						assert.Regexp(t, oscalTokenRe, p["name"], path)
						assert.Regexp(t, oscalStringRe, p["value"], "%s prop %v", path, p["name"])
					}
				}
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"["+strconv.Itoa(i)+"]", c)
			}
		}
	}
	walk("", raw)

	md := ar.Metadata
	assert.NotEmpty(t, md.Title)
	assert.Regexp(t, oscalDateTimeRe, md.LastModified)
	assert.NotEmpty(t, md.Version)
	assert.Equal(t, "1.1.2", md.OSCALVersion)
	require.NotEmpty(t, ar.ImportAP.Href)
	assert.Contains(t, uuids, ar.ImportAP.Href[1:], "import-ap points at a back-matter resource")
	require.Len(t, ar.Results, 1)
	res := ar.Results[0]
	assert.NotEmpty(t, res.Title)
	assert.NotEmpty(t, res.Description)
	assert.Regexp(t, oscalDateTimeRe, res.Start)
	assert.Regexp(t, oscalDateTimeRe, res.End)
	require.NotEmpty(t, res.ReviewedControls.ControlSelections)
	for _, c := range res.ReviewedControls.ControlSelections[0].IncludeControls {
		assert.Regexp(t, oscalTokenRe, c.ControlID)
	}
	for _, o := range res.Observations {
		assert.NotEmpty(t, o.Description, o.Title)
		assert.Equal(t, []string{"EXAMINE"}, o.Methods)
		assert.Regexp(t, oscalDateTimeRe, o.Collected)
		require.NotEmpty(t, o.Subjects, o.Title)
		for _, s := range o.Subjects {
			assert.Equal(t, "resource", s.Type)
			assert.Contains(t, uuids, s.SubjectUUID)
		}
		for _, a := range o.Origins[0].Actors {
			assert.Equal(t, "tool", a.Type)
			assert.Contains(t, uuids, a.ActorUUID, "the tool is a component of the result")
		}
		for _, e := range o.RelevantEvidence {
			assert.NotEmpty(t, e.Description)
			assert.Contains(t, uuids, e.Href[1:])
		}
	}
	for _, f := range res.Findings {
		assert.NotEmpty(t, f.Title)
		assert.NotEmpty(t, f.Description, f.Title)
		assert.Contains(t, []string{"statement-id", "objective-id"}, f.Target.Type)
		assert.Regexp(t, oscalTokenRe, f.Target.TargetID)
		assert.Contains(t, []string{"satisfied", "not-satisfied"}, f.Target.Status.State)
		assert.Contains(t, []string{"pass", "fail", "other"}, f.Target.Status.Reason)
		for _, ro := range f.RelatedObservations {
			assert.Contains(t, uuids, ro.ObservationUUID)
		}
	}
	for _, r := range ar.BackMatter.Resources {
		for _, l := range r.Rlinks {
			assert.NotEmpty(t, l.Href)
			for _, h := range l.Hashes {
				assert.Equal(t, "SHA-256", h.Algorithm)
				assert.Len(t, h.Value, 64)
			}
		}
	}
}

// TestOSCALCountsEqualTheReport checks that the OSCAL results say what
// the report's coverage says: one observation per reviewed control with
// machine evidence, carrying the row's counts, record types and samples,
// and one finding per reviewed control whose state follows from the row.
func TestOSCALCountsEqualTheReport(t *testing.T) {
	_, want, in := scenario(t)
	r := build(t, in)
	out, doc, _ := renderOSCAL(t, r)
	res := doc.AssessmentResults.Results[0]

	obs := map[string]oscalObservation{}
	for _, o := range res.Observations {
		obs[propOf(o.Props, "control")] = o
	}
	finds := map[string]oscalFinding{}
	for _, f := range res.Findings {
		finds[f.Target.TargetID] = f
	}
	reviewed, excluded, withEvidence := 0, 0, 0
	for _, row := range r.Coverage.Rows {
		if row.Applicability == "excluded" {
			excluded++
			assert.NotContains(t, finds, row.ID)
			assert.NotContains(t, obs, row.ID)
			continue
		}
		reviewed++
		f, ok := finds[row.ID]
		require.True(t, ok, "finding for %s", row.ID)
		if row.Evidence == 0 {
			assert.NotContains(t, obs, row.ID)
			assert.Empty(t, f.RelatedObservations)
			// Without machine evidence the inputs show nothing either way.
			assert.Equal(t, oscalTargetStatus{"not-satisfied", "other"}, f.Target.Status, row.ID)
			basis := map[bool]string{true: "none", false: "declared-only"}[row.Gap]
			assert.Equal(t, basis, propOf(f.Props, "evidence-basis"), row.ID)
			continue
		}
		withEvidence++
		o, ok := obs[row.ID]
		require.True(t, ok, "observation for %s", row.ID)
		assert.Equal(t, strconv.Itoa(row.Evidence), propOf(o.Props, "records"), row.ID)
		assert.Equal(t, strconv.Itoa(row.LedgerRecords), propOf(o.Props, "ledger-records"), row.ID)
		assert.Equal(t, strconv.Itoa(row.LogRecords), propOf(o.Props, "log-records"), row.ID)
		assert.Equal(t, strconv.Itoa(row.MetricPoints), propOf(o.Props, "metric-points"), row.ID)
		var counts []EvidenceCount
		var sampleIDs []string
		for _, e := range o.RelevantEvidence {
			if propOf(e.Props, "sample") == "true" {
				sampleIDs = append(sampleIDs, propOf(e.Props, "record-id"))
				continue
			}
			n, err := strconv.Atoi(propOf(e.Props, "record-count"))
			require.NoError(t, err)
			counts = append(counts, EvidenceCount{Source: EvidenceSource(propOf(e.Props, "source")), Type: propOf(e.Props, "record-type"), N: n})
		}
		assert.Equal(t, row.RecordTypes, counts, row.ID)
		var rowIDs []string
		for _, s := range row.Samples {
			rowIDs = append(rowIDs, s.ID)
		}
		assert.Equal(t, rowIDs, sampleIDs, row.ID)
		require.Len(t, f.RelatedObservations, 1)
		assert.Equal(t, o.UUID, f.RelatedObservations[0].ObservationUUID)
		if row.ID == "A.8.4" {
			// INC-2's Art. 73 report is overdue: the evidence shows the
			// control failing.
			assert.Equal(t, oscalTargetStatus{"not-satisfied", "fail"}, f.Target.Status)
			assert.Contains(t, f.Description, "INC-2")
		} else {
			assert.Equal(t, oscalTargetStatus{"satisfied", "pass"}, f.Target.Status, row.ID)
		}
	}
	assert.Equal(t, want.Applicable, reviewed)
	assert.Equal(t, want.Excluded, excluded)
	assert.Equal(t, want.WithMachineEvidence, withEvidence)
	assert.Equal(t, r.Summary.WithEvidence, len(res.Observations))
	sel := res.ReviewedControls.ControlSelections[0]
	assert.Len(t, sel.IncludeControls, want.Applicable)
	assert.Len(t, sel.ExcludeControls, want.Excluded)
	assert.Equal(t, oscalTime(r.Coverage.First), res.Start)

	// The same report gives the same document.
	again, _, _ := renderOSCAL(t, r)
	assert.Equal(t, out, again)
}

// TestOSCALFailedLedgerFailsA628 checks that a ledger that failed
// verification makes A.6.2.8's finding not satisfied, whatever the
// record counts.
func TestOSCALFailedLedgerFailsA628(t *testing.T) {
	_, _, in := scenario(t)
	r := build(t, in)
	r.Ledger.Verdict = VerdictFail
	r.Ledger.Ledgers[0].Verification.OK = false
	r.Ledger.Ledgers[0].Verification.Problem = "record 7: leaf hash mismatch"
	_, doc, _ := renderOSCAL(t, r)
	for _, f := range doc.AssessmentResults.Results[0].Findings {
		if f.Target.TargetID == "A.6.2.8" {
			assert.Equal(t, oscalTargetStatus{"not-satisfied", "fail"}, f.Target.Status)
			assert.Contains(t, f.Description, "leaf hash mismatch")
			assert.Equal(t, "contradicted", propOf(f.Props, "evidence-basis"))
		}
	}
}

// TestOSCALWithoutInputs checks that a report built from nothing still
// gives a valid document: every control reviewed, none satisfied.
func TestOSCALWithoutInputs(t *testing.T) {
	r := build(t, &Input{GeneratedAt: generatedAt})
	_, doc, _ := renderOSCAL(t, r)
	res := doc.AssessmentResults.Results[0]
	assert.Empty(t, res.Observations)
	require.Len(t, res.Findings, 38)
	for _, f := range res.Findings {
		assert.Equal(t, oscalTargetStatus{"not-satisfied", "other"}, f.Target.Status, f.Target.TargetID)
	}
	assert.Equal(t, oscalTime(generatedAt), res.Start)
	require.Len(t, doc.AssessmentResults.BackMatter.Resources, 1, "only the method")
}

func propOf(ps []oscalProp, name string) string {
	for _, p := range ps {
		if p.Name == name && p.NS == OSCALNamespace {
			return p.Value
		}
	}
	return ""
}
