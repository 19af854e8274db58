package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/auditreport/reporttest"
)

// TestExportOSCAL runs export-oscal on the reporttest scenario and checks
// the document's required OSCAL fields, and that its observations and
// findings count what the report's coverage counts.
func TestExportOSCAL(t *testing.T) {
	p, want, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.json")
	code, stdout, stderr := runCmd(t, "export-oscal", "--ledger", p.Ledger, "--otel", p.OTel, "--soa", p.SoA, "--key", p.Key, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("warnings with every input present: %s", stderr)
	}
	if !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "one observation each") {
		t.Errorf("stdout: %s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AR struct {
			UUID     string `json:"uuid"`
			Metadata struct {
				Title, Version string
				LastModified   string `json:"last-modified"`
				OSCALVersion   string `json:"oscal-version"`
			} `json:"metadata"`
			ImportAP struct{ Href string } `json:"import-ap"`
			Results  []struct {
				UUID, Title, Description, Start string
				ReviewedControls                struct {
					ControlSelections []struct {
						IncludeControls []struct {
							ControlID string `json:"control-id"`
						} `json:"include-controls"`
					} `json:"control-selections"`
				} `json:"reviewed-controls"`
				Observations []struct {
					UUID, Description, Collected string
					Methods                      []string
					Props                        []struct{ Name, Value string }
				}
				Findings []struct {
					UUID, Title, Description string
					Target                   struct {
						Type     string
						TargetID string `json:"target-id"`
						Status   struct{ State, Reason string }
					}
				}
			}
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ar := doc.AR
	md := ar.Metadata
	if !uuidRe.MatchString(ar.UUID) || md.Title == "" || md.Version == "" || md.LastModified == "" || md.OSCALVersion != auditreport.OSCALVersion || ar.ImportAP.Href == "" {
		t.Fatalf("required top-level fields: %+v", ar)
	}
	if len(ar.Results) != 1 {
		t.Fatalf("%d results", len(ar.Results))
	}
	res := ar.Results[0]
	if !uuidRe.MatchString(res.UUID) || res.Title == "" || res.Description == "" || res.Start == "" || len(res.ReviewedControls.ControlSelections) == 0 {
		t.Fatalf("required result fields: %+v", res)
	}
	if n := len(res.ReviewedControls.ControlSelections[0].IncludeControls); n != want.Applicable {
		t.Errorf("%d reviewed controls, want %d applicable", n, want.Applicable)
	}

	// The counts equal the report's coverage, built from the same inputs.
	in, err := auditreport.Load(t.Context(), auditreport.LoadOptions{LedgerDir: p.Ledger, OTelDir: p.OTel, SoAPath: p.SoA, Key: p.Key})
	if err != nil {
		t.Fatal(err)
	}
	r, err := auditreport.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	evidence := map[string]int{}
	for _, row := range r.Coverage.Rows {
		if row.Applicability == "applicable" && row.Evidence > 0 {
			evidence[row.ID] = row.Evidence
		}
	}
	if len(res.Observations) != len(evidence) || len(evidence) != want.WithMachineEvidence {
		t.Errorf("%d observations, %d controls with machine evidence in the report, %d in the scenario", len(res.Observations), len(evidence), want.WithMachineEvidence)
	}
	for _, o := range res.Observations {
		var control string
		records := -1
		for _, pr := range o.Props {
			switch pr.Name {
			case "control":
				control = pr.Value
			case "records":
				records, _ = strconv.Atoi(pr.Value)
			}
		}
		if !uuidRe.MatchString(o.UUID) || o.Description == "" || len(o.Methods) == 0 || o.Collected == "" {
			t.Errorf("observation of %s lacks required fields: %+v", control, o)
		}
		if records != evidence[control] {
			t.Errorf("observation of %s: %d records, the report counts %d", control, records, evidence[control])
		}
	}
	if len(res.Findings) != want.Applicable {
		t.Errorf("%d findings, want one per applicable control (%d)", len(res.Findings), want.Applicable)
	}
	satisfied := 0
	for _, f := range res.Findings {
		if !uuidRe.MatchString(f.UUID) || f.Title == "" || f.Description == "" || f.Target.Type == "" || f.Target.TargetID == "" {
			t.Errorf("finding lacks required fields: %+v", f)
		}
		switch f.Target.Status.State {
		case "satisfied":
			satisfied++
		case "not-satisfied":
		default:
			t.Errorf("finding of %s: state %q", f.Target.TargetID, f.Target.Status.State)
		}
	}
	// Every control with machine evidence is satisfied except A.8.4, whose
	// evidence shows an overdue Art. 73 report.
	if satisfied != want.WithMachineEvidence-1 {
		t.Errorf("%d satisfied findings, want %d", satisfied, want.WithMachineEvidence-1)
	}
}

// TestExportOSCALToStdout checks that without --out the document goes to
// standard output alone, so it can be piped.
func TestExportOSCALToStdout(t *testing.T) {
	p, _, err := reporttest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "export-oscal", "--ledger", p.Ledger, "--key", p.Key)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader([]byte(stdout))).Decode(&v); err != nil || v["assessment-results"] == nil {
		t.Fatalf("stdout is not an OSCAL document: %v\n%.200s", err, stdout)
	}
	if !strings.Contains(stderr, "warning: collector output") {
		t.Errorf("missing inputs are warnings on stderr: %s", stderr)
	}
	if code, _, _ := runCmd(t, "export-oscal", "stray"); code != exitUsageErr {
		t.Errorf("positional argument: exit %d", code)
	}
}
