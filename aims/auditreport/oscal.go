package auditreport

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aimskit/aimskit/aims/semconv"
)

// OSCALVersion is the version of the NIST OSCAL assessment-results model
// RenderOSCAL writes.
const OSCALVersion = "1.1.2"

// OSCALNamespace qualifies the properties RenderOSCAL adds to OSCAL
// objects (record counts, record types, applicability), as OSCAL asks of
// names outside its own.
const OSCALNamespace = "https://github.com/aimskit/aimskit/ns/oscal"

// oscalIDs is the namespace of the name-based (version 5) UUIDs of the
// document, so the same report always gives the same UUIDs and the same
// subject (the aimsaudit tool, a control's observation) keeps its UUID
// within a document.
var oscalIDs = uuid.NewSHA1(uuid.NameSpaceURL, []byte(OSCALNamespace))

// The OSCAL assessment-results document, as much of it as RenderOSCAL
// fills. Field names and nesting follow the OSCAL 1.1 JSON format.
type (
	oscalDocument struct {
		AssessmentResults oscalAR `json:"assessment-results"`
	}
	oscalAR struct {
		UUID       string          `json:"uuid"`
		Metadata   oscalMetadata   `json:"metadata"`
		ImportAP   oscalImportAP   `json:"import-ap"`
		Results    []oscalResult   `json:"results"`
		BackMatter oscalBackMatter `json:"back-matter"`
	}
	oscalMetadata struct {
		Title        string       `json:"title"`
		Published    string       `json:"published"`
		LastModified string       `json:"last-modified"`
		Version      string       `json:"version"`
		OSCALVersion string       `json:"oscal-version"`
		Props        []oscalProp  `json:"props,omitempty"`
		Parties      []oscalParty `json:"parties,omitempty"`
		Remarks      string       `json:"remarks,omitempty"`
	}
	oscalParty struct {
		UUID string `json:"uuid"`
		Type string `json:"type"`
		Name string `json:"name"`
	}
	oscalProp struct {
		Name  string `json:"name"`
		NS    string `json:"ns,omitempty"`
		Value string `json:"value"`
	}
	oscalImportAP struct {
		Href    string `json:"href"`
		Remarks string `json:"remarks,omitempty"`
	}
	oscalResult struct {
		UUID             string             `json:"uuid"`
		Title            string             `json:"title"`
		Description      string             `json:"description"`
		Start            string             `json:"start"`
		End              string             `json:"end,omitempty"`
		Props            []oscalProp        `json:"props,omitempty"`
		LocalDefinitions *oscalLocalDefs    `json:"local-definitions,omitempty"`
		ReviewedControls oscalReviewed      `json:"reviewed-controls"`
		Observations     []oscalObservation `json:"observations,omitempty"`
		Findings         []oscalFinding     `json:"findings,omitempty"`
		Remarks          string             `json:"remarks,omitempty"`
	}
	oscalLocalDefs struct {
		Components []oscalComponent `json:"components,omitempty"`
	}
	oscalComponent struct {
		UUID        string      `json:"uuid"`
		Type        string      `json:"type"`
		Title       string      `json:"title"`
		Description string      `json:"description"`
		Props       []oscalProp `json:"props,omitempty"`
		Status      oscalState  `json:"status"`
	}
	oscalState struct {
		State string `json:"state"`
	}
	oscalReviewed struct {
		Description       string           `json:"description,omitempty"`
		ControlSelections []oscalSelection `json:"control-selections"`
	}
	oscalSelection struct {
		Description     string           `json:"description,omitempty"`
		IncludeAll      *struct{}        `json:"include-all,omitempty"`
		IncludeControls []oscalControlID `json:"include-controls,omitempty"`
		ExcludeControls []oscalControlID `json:"exclude-controls,omitempty"`
	}
	oscalControlID struct {
		ControlID string `json:"control-id"`
	}
	oscalObservation struct {
		UUID             string          `json:"uuid"`
		Title            string          `json:"title"`
		Description      string          `json:"description"`
		Props            []oscalProp     `json:"props,omitempty"`
		Methods          []string        `json:"methods"`
		Types            []string        `json:"types,omitempty"`
		Origins          []oscalOrigin   `json:"origins,omitempty"`
		Subjects         []oscalSubject  `json:"subjects,omitempty"`
		RelevantEvidence []oscalEvidence `json:"relevant-evidence,omitempty"`
		Collected        string          `json:"collected"`
		Remarks          string          `json:"remarks,omitempty"`
	}
	oscalOrigin struct {
		Actors []oscalActor `json:"actors"`
	}
	oscalActor struct {
		Type      string `json:"type"`
		ActorUUID string `json:"actor-uuid"`
	}
	oscalSubject struct {
		SubjectUUID string `json:"subject-uuid"`
		Type        string `json:"type"`
		Title       string `json:"title,omitempty"`
	}
	oscalEvidence struct {
		Href        string      `json:"href,omitempty"`
		Description string      `json:"description"`
		Props       []oscalProp `json:"props,omitempty"`
	}
	oscalFinding struct {
		UUID                string            `json:"uuid"`
		Title               string            `json:"title"`
		Description         string            `json:"description"`
		Props               []oscalProp       `json:"props,omitempty"`
		Origins             []oscalOrigin     `json:"origins,omitempty"`
		Target              oscalTarget       `json:"target"`
		RelatedObservations []oscalRelatedObs `json:"related-observations,omitempty"`
		Remarks             string            `json:"remarks,omitempty"`
	}
	oscalTarget struct {
		Type     string            `json:"type"`
		TargetID string            `json:"target-id"`
		Status   oscalTargetStatus `json:"status"`
	}
	oscalTargetStatus struct {
		State  string `json:"state"`
		Reason string `json:"reason,omitempty"`
	}
	oscalRelatedObs struct {
		ObservationUUID string `json:"observation-uuid"`
	}
	oscalBackMatter struct {
		Resources []oscalResource `json:"resources"`
	}
	oscalResource struct {
		UUID        string       `json:"uuid"`
		Title       string       `json:"title"`
		Description string       `json:"description,omitempty"`
		Props       []oscalProp  `json:"props,omitempty"`
		Rlinks      []oscalRlink `json:"rlinks,omitempty"`
		Remarks     string       `json:"remarks,omitempty"`
	}
	oscalRlink struct {
		Href   string      `json:"href"`
		Hashes []oscalHash `json:"hashes,omitempty"`
	}
	oscalHash struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"value"`
	}
)

// The status a finding gives its control, and why.
const (
	findingSatisfied    = "satisfied"
	findingNotSatisfied = "not-satisfied"
	reasonPass          = "pass"
	reasonFail          = "fail"
	reasonOther         = "other"
)

// RenderOSCAL writes the report's Annex A results as a NIST OSCAL
// assessment-results document (JSON, OSCAL 1.1.2), for governance, risk
// and compliance tools that import OSCAL.
//
// The document holds one result. Its reviewed controls are the controls
// the SoA declares applicable (every control without an SoA; excluded
// controls are listed as excluded). Each control with machine evidence
// gets one observation (method EXAMINE, made by the aimsaudit tool) whose
// record counts, record types and sample records are the coverage row's;
// its subjects and relevant evidence point at the inputs, listed with
// their SHA-256 in the back matter. Each reviewed control gets one finding:
//
//   - satisfied (reason pass): machine evidence shows the control
//     operating;
//   - not-satisfied (reason fail): machine evidence shows it failing (the
//     ledger failed verification, for A.6.2.8; an EU AI Act Art. 73 report
//     is overdue or was late, for A.8.4);
//   - not-satisfied (reason other): no machine evidence; the description
//     says whether the SoA declares evidence for the auditor to examine,
//     declares none (the report's gap), or there is no SoA.
//
// OSCAL allows no state but satisfied and not-satisfied; each finding's
// evidence-basis property (machine, contradicted, declared-only, none)
// and remarks say what the state rests on: what the inputs show, not a
// certification decision. There is no
// OSCAL assessment plan behind the results: import-ap points at a
// back-matter resource that says so and names the method.
func (r *Report) RenderOSCAL(w io.Writer) error {
	doc := r.oscal()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("auditreport: writing OSCAL: %w", err)
	}
	return nil
}

func oscalTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// oscalUUID is the version 5 UUID of the names, joined.
func oscalUUID(names ...string) string {
	return uuid.NewSHA1(oscalIDs, []byte(strings.Join(names, "\x00"))).String()
}

func aimsProp(name, value string) oscalProp {
	return oscalProp{Name: name, NS: OSCALNamespace, Value: value}
}

// fileHref turns a path into a URI reference.
func fileHref(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	return (&url.URL{Path: filepath.ToSlash(path)}).String()
}

func (r *Report) oscal() oscalDocument {
	// The document's identity: its time and the exact inputs.
	idParts := []string{"assessment-results", oscalTime(r.GeneratedAt), r.Organization}
	for _, s := range r.Sources {
		idParts = append(idParts, s.Name, s.Path, s.SHA256)
	}
	docID := oscalUUID(idParts...)
	resultID := oscalUUID(docID, "result")
	toolID := oscalUUID("aimsaudit")
	methodID := oscalUUID(docID, "method")

	ar := oscalAR{UUID: docID}
	title := "AI management system assessment results"
	if r.Organization != "" {
		title += " — " + r.Organization
	}
	ar.Metadata = oscalMetadata{
		Title: title, Published: oscalTime(r.GeneratedAt), LastModified: oscalTime(r.GeneratedAt),
		Version: oscalTime(r.GeneratedAt), OSCALVersion: OSCALVersion,
		Props: []oscalProp{aimsProp("generator", "aimskit aimsaudit "+semconv.Version)},
		Remarks: "Generated by aimskit's aimsaudit from the same inputs and computation as its audit report: the decision ledger, the " +
			"OpenTelemetry Collector's output and the Statement of Applicability. Control IDs are ISO/IEC 42001:2023 Annex A identifiers.",
	}
	if r.Organization != "" {
		ar.Metadata.Parties = []oscalParty{{UUID: oscalUUID("organization", r.Organization), Type: "organization", Name: r.Organization}}
	}

	// Back matter: the method, and each input with its digest.
	res := []oscalResource{{
		UUID: methodID, Title: "Assessment method: aimsaudit machine-evidence examination",
		Description: "No OSCAL assessment plan was used. aimsaudit reads every record of the inputs once and counts, per Annex A control, the " +
			"records that are evidence for it (collector records by aims.control.id and aims.control.ids, ledger records by what they record); " +
			"it verifies the ledger with the published key when one is given.",
	}}
	inputs := map[string]string{} // input name → resource UUID
	for _, s := range r.Sources {
		if !s.OK || s.Path == "" {
			continue
		}
		rid := oscalUUID(docID, "input", s.Name, s.Path)
		if _, dup := inputs[s.Name]; !dup {
			inputs[s.Name] = rid
		} else {
			continue
		}
		rl := oscalRlink{Href: fileHref(s.Path)}
		if s.SHA256 != "" {
			rl.Hashes = []oscalHash{{Algorithm: "SHA-256", Value: s.SHA256}}
		}
		res = append(res, oscalResource{UUID: rid, Title: s.Name, Description: s.Status, Rlinks: []oscalRlink{rl}})
	}
	ar.BackMatter = oscalBackMatter{Resources: res}
	ar.ImportAP = oscalImportAP{Href: "#" + methodID,
		Remarks: "There is no OSCAL assessment plan: the referenced resource describes the method."}

	result := oscalResult{
		UUID: resultID, Title: "ISO/IEC 42001 Annex A: machine evidence",
		Description: "Per Annex A control, the records in the inputs that are evidence for it, and what they show.",
		Start:       oscalTime(r.GeneratedAt), End: oscalTime(r.GeneratedAt),
		LocalDefinitions: &oscalLocalDefs{Components: []oscalComponent{{
			UUID: toolID, Type: "software", Title: "aimsaudit",
			Description: "The auditor's command of aimskit: verifies decision ledgers and builds the audit report.",
			Props:       []oscalProp{aimsProp("version", semconv.Version)},
			Status:      oscalState{State: "operational"},
		}}},
	}
	if !r.Coverage.First.IsZero() {
		// The evidence collection the results reflect: the records' times.
		result.Start, result.End = oscalTime(r.Coverage.First), oscalTime(r.Coverage.Last)
	}
	origin := []oscalOrigin{{Actors: []oscalActor{{Type: "tool", ActorUUID: toolID}}}}

	var include, exclude []oscalControlID
	for _, row := range r.Coverage.Rows {
		if row.Applicability == "excluded" {
			exclude = append(exclude, oscalControlID{row.ID})
			continue
		}
		include = append(include, oscalControlID{row.ID})
	}
	sel := oscalSelection{IncludeControls: include, ExcludeControls: exclude,
		Description: "The Annex A controls the Statement of Applicability declares applicable (all of them without one); excluded ones are listed as excluded."}
	result.ReviewedControls = oscalReviewed{ControlSelections: []oscalSelection{sel}}

	contradicted := r.contradictions()
	for _, row := range r.Coverage.Rows {
		if row.Applicability == "excluded" {
			continue
		}
		var obsID string
		if row.Evidence > 0 {
			o := r.observation(row, docID, inputs, origin)
			obsID = o.UUID
			result.Observations = append(result.Observations, o)
		}
		result.Findings = append(result.Findings, finding(row, docID, obsID, origin, contradicted[row.ID]))
	}
	ar.Results = []oscalResult{result}
	return oscalDocument{AssessmentResults: ar}
}

// contradictions are the report's failures that machine evidence shows for
// a control, by control ID.
func (r *Report) contradictions() map[string][]string {
	out := map[string][]string{}
	if r.Ledger.Verdict == VerdictFail {
		out[semconv.ControlEventLogs] = append(out[semconv.ControlEventLogs], verificationText(&r.Ledger))
	}
	for _, x := range r.Incidents.Incidents {
		switch x.Report {
		case ReportOverdue:
			out[semconv.ControlIncidentCommunication] = append(out[semconv.ControlIncidentCommunication],
				fmt.Sprintf("%s: the EU AI Act Art. 73 report was due %s and has not been reported.", incidentName(x), fmtTime(x.ReportDeadline)))
		case ReportLate:
			out[semconv.ControlIncidentCommunication] = append(out[semconv.ControlIncidentCommunication],
				fmt.Sprintf("%s: reported %s, after its EU AI Act Art. 73 deadline %s.", incidentName(x), fmtTime(x.ReportedAt), fmtTime(x.ReportDeadline)))
		}
	}
	return out
}

// inputOf names the report input a source of evidence was read from.
func inputOf(src EvidenceSource) string {
	switch src {
	case SourceLedger:
		return "Decision ledger"
	case SourceLog:
		return "Collector logs"
	default:
		return "Collector metrics"
	}
}

func (r *Report) observation(row ControlRow, docID string, inputs map[string]string, origin []oscalOrigin) oscalObservation {
	o := oscalObservation{
		UUID:  oscalUUID(docID, "observation", row.ID),
		Title: row.ID + " " + row.Title + ": machine evidence",
		Description: fmt.Sprintf("%s in the inputs are evidence for %s: %s, %s and %s.", plural(row.Evidence, "record", "records"), row.ID,
			plural(row.LedgerRecords, "ledger record", "ledger records"), plural(row.LogRecords, "log record", "log records"), plural(row.MetricPoints, "metric point", "metric points")),
		Props: []oscalProp{
			aimsProp("control", row.ID),
			aimsProp("records", strconv.Itoa(row.Evidence)),
			aimsProp("ledger-records", strconv.Itoa(row.LedgerRecords)),
			aimsProp("log-records", strconv.Itoa(row.LogRecords)),
			aimsProp("metric-points", strconv.Itoa(row.MetricPoints)),
		},
		Methods: []string{"EXAMINE"}, Types: []string{"control-objective"}, Origins: origin,
		Collected: oscalTime(r.GeneratedAt),
		Remarks:   "Counted automatically by aimsaudit; each record counts once for each control it is evidence for.",
	}
	seen := map[string]bool{}
	for _, src := range []EvidenceSource{SourceLedger, SourceLog, SourceMetric} {
		name := inputOf(src)
		id, ok := inputs[name]
		if !ok || seen[name] {
			continue
		}
		for _, t := range row.RecordTypes {
			if t.Source == src {
				seen[name] = true
				o.Subjects = append(o.Subjects, oscalSubject{SubjectUUID: id, Type: "resource", Title: name})
				break
			}
		}
	}
	for _, t := range row.RecordTypes {
		ev := oscalEvidence{Description: fmt.Sprintf("%s of type %s (%s).", plural(t.N, "record", "records"), t.Type, t.Source),
			Props: []oscalProp{aimsProp("source", string(t.Source)), aimsProp("record-type", t.Type), aimsProp("record-count", strconv.Itoa(t.N))}}
		if id, ok := inputs[inputOf(t.Source)]; ok {
			ev.Href = "#" + id
		}
		o.RelevantEvidence = append(o.RelevantEvidence, ev)
	}
	for _, s := range row.Samples {
		ev := oscalEvidence{Description: "Sample record: " + fmtSample(s) + ".",
			Props: []oscalProp{aimsProp("source", string(s.Source)), aimsProp("record-type", s.Type), aimsProp("sample", "true")}}
		if s.ID != "" {
			ev.Props = append(ev.Props, aimsProp("record-id", s.ID))
		}
		if s.Subject != "" {
			ev.Props = append(ev.Props, aimsProp("record-subject", s.Subject))
		}
		if !s.Time.IsZero() {
			ev.Props = append(ev.Props, aimsProp("record-time", oscalTime(s.Time)))
		}
		if id, ok := inputs[inputOf(s.Source)]; ok {
			ev.Href = "#" + id
		}
		o.RelevantEvidence = append(o.RelevantEvidence, ev)
	}
	return o
}

// finding states what the inputs show for one reviewed control.
func finding(row ControlRow, docID, obsID string, origin []oscalOrigin, contradicted []string) oscalFinding {
	f := oscalFinding{
		UUID: oscalUUID(docID, "finding", row.ID), Title: row.ID + " " + row.Title,
		Props:   []oscalProp{aimsProp("control", row.ID), aimsProp("applicability", strings.ReplaceAll(row.Applicability, " ", "-"))},
		Origins: origin,
		Target:  oscalTarget{Type: "objective-id", TargetID: row.ID},
		Remarks: "The state records only what the inputs show about the control; it is not a certification decision, which rests with the auditor.",
	}
	if row.Status != "" {
		f.Props = append(f.Props, aimsProp("implementation-status", strings.ReplaceAll(row.Status, " ", "-")))
	}
	basis := "none"
	switch {
	case len(contradicted) > 0:
		basis = "contradicted"
		f.Target.Status = oscalTargetStatus{State: findingNotSatisfied, Reason: reasonFail}
		f.Description = "Machine evidence shows the control failing: " + strings.Join(contradicted, " ")
	case row.Evidence > 0:
		basis = "machine"
		f.Target.Status = oscalTargetStatus{State: findingSatisfied, Reason: reasonPass}
		f.Description = fmt.Sprintf("%s in the inputs show the control operating.", plural(row.Evidence, "record", "records"))
	case row.DocumentsOnly:
		basis = "declared-only"
		f.Target.Status = oscalTargetStatus{State: findingNotSatisfied, Reason: reasonOther}
		f.Description = "No machine evidence; the Statement of Applicability declares evidence for the auditor to examine: " + strings.Join(row.SoAEvidence, "; ") + "."
	case row.Gap:
		f.Target.Status = oscalTargetStatus{State: findingNotSatisfied, Reason: reasonOther}
		f.Description = "The control is applicable, and neither the inputs hold machine evidence for it nor does the Statement of Applicability declare any."
	default:
		f.Target.Status = oscalTargetStatus{State: findingNotSatisfied, Reason: reasonOther}
		f.Description = "No machine evidence in the inputs, and no Statement of Applicability says whether the control applies or what evidences it."
	}
	f.Props = append(f.Props, aimsProp("evidence-basis", basis))
	if obsID != "" {
		f.RelatedObservations = []oscalRelatedObs{{ObservationUUID: obsID}}
	}
	return f
}
