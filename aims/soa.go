package aims

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// ImplementationStatus is how far an applicable control is implemented.
type ImplementationStatus string

// The implementation statuses an SoA entry can have.
const (
	// StatusImplemented: the control is in place and operating.
	StatusImplemented ImplementationStatus = "implemented"
	// StatusPartiallyImplemented: part of the control is in place.
	StatusPartiallyImplemented ImplementationStatus = "partially_implemented"
	// StatusPlanned: the control applies and its implementation is planned.
	StatusPlanned ImplementationStatus = "planned"
	// StatusNotImplemented: the control applies but nothing is in place
	// yet, a gap an auditor will ask about.
	StatusNotImplemented ImplementationStatus = "not_implemented"
)

func (s ImplementationStatus) valid() bool {
	switch s {
	case StatusImplemented, StatusPartiallyImplemented, StatusPlanned, StatusNotImplemented:
		return true
	}
	return false
}

// SoA is a Statement of Applicability (ISO/IEC 42001 clause 6.1.3): for
// every Annex A control, whether it applies, why, how far it is
// implemented, and where the evidence is. Organisations keep it as a JSON
// or YAML file in their repository; [ParseSoA] reads it and
// [SoA.Validate] checks it against the catalog.
type SoA struct {
	// Organization is the organisation the AIMS belongs to.
	Organization string `json:"organization" yaml:"organization"`
	// Scope is the scope of the AI management system.
	Scope string `json:"scope,omitempty" yaml:"scope,omitempty"`
	// Version is the document version, e.g. "3".
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// Date is the date of this version, YYYY-MM-DD.
	Date string `json:"date,omitempty" yaml:"date,omitempty"`
	// ApprovedBy names who approved this version.
	ApprovedBy string `json:"approved_by,omitempty" yaml:"approved_by,omitempty"`
	// Controls holds one entry per Annex A control.
	Controls []SoAEntry `json:"controls" yaml:"controls"`
}

// SoAEntry is the SoA's statement about one control.
type SoAEntry struct {
	// Control is the Annex A control ID, e.g. "A.6.2.8".
	Control string `json:"control" yaml:"control"`
	// Applicable says whether the control is included in the AIMS.
	Applicable bool `json:"applicable" yaml:"applicable"`
	// Justification says why the control is included or excluded: for an
	// included control, the risk it treats or the obligation it meets; for
	// an excluded one, why it does not apply. It is required for every
	// entry, as ISO/IEC 42001:2023 clause 6.1.3 asks the SoA to "provide
	// justification for inclusion and exclusion of controls".
	Justification string `json:"justification,omitempty" yaml:"justification,omitempty"`
	// Status is the implementation status of an applicable control.
	Status ImplementationStatus `json:"status,omitempty" yaml:"status,omitempty"`
	// Evidence lists references to evidence: documents, telemetry queries,
	// ledger paths, aimskit features, and the public keys the ledger's
	// checkpoints verify with ([LedgerKeyEvidence]).
	Evidence []string `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	// Owner is the role or person accountable for the control.
	Owner string `json:"owner,omitempty" yaml:"owner,omitempty"`
	// Notes holds anything else an auditor should know.
	Notes string `json:"notes,omitempty" yaml:"notes,omitempty"`

	line int // source line of the entry, 0 when built from Go values
}

// SoAError is one problem found in a Statement of Applicability, located by
// source line (when parsed from a file) and field path.
type SoAError struct {
	Line    int    // 1-based source line; 0 when unknown
	Field   string // field path such as "controls[3].justification"
	Control string // control ID concerned, if any
	Msg     string // what is wrong, for people
}

// Error formats e as "aims: soa: line N: field (control): message",
// leaving out the parts that are unknown.
func (e *SoAError) Error() string {
	var b strings.Builder
	b.WriteString("aims: soa: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.Control != "" {
			fmt.Fprintf(&b, " (%s)", e.Control)
		}
		b.WriteString(": ")
	} else if e.Control != "" {
		fmt.Fprintf(&b, "%s: ", e.Control)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadSoAFile reads and parses a Statement of Applicability from a JSON or
// YAML file. It does not validate it; call Validate.
func LoadSoAFile(path string) (*SoA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aims: soa: %w", err)
	}
	s, err := ParseSoA(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return s, nil
}

// Validate checks the SoA against the Annex A catalog and returns every
// problem found, joined: unknown or duplicate control IDs, controls left
// unaddressed, entries without a justification (clause 6.1.3 requires one
// for inclusion and for exclusion), applicable controls without a valid
// status, a malformed date, evidence items that publish a
// ledger key ([LedgerKeyEvidence]) but hold no valid public verifier key
// (a private key among them is refused), and evidence items that name a
// Go identifier ("oversight.Gate") instead of the records or documents an
// auditor can inspect. Each problem is a *SoAError (use errors.As on the
// joined error's parts).
func (s *SoA) Validate() error {
	var errs []error
	add := func(line int, field, control, format string, args ...any) {
		errs = append(errs, &SoAError{Line: line, Field: field, Control: control, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(s.Organization) == "" {
		add(0, "organization", "", "is required")
	}
	if s.Date != "" {
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			add(0, "date", "", "%q is not a date in YYYY-MM-DD form", s.Date)
		}
	}
	seen := map[string]int{}
	for i, e := range s.Controls {
		field := fmt.Sprintf("controls[%d]", i)
		id := NormalizeControlID(e.Control)
		if id == "" {
			add(e.line, field+".control", "", "is required")
			continue
		}
		if _, ok := LookupControl(id); !ok {
			add(e.line, field+".control", e.Control, "unknown Annex A control ID %q", e.Control)
			continue
		}
		if prev, dup := seen[id]; dup {
			add(e.line, field+".control", id, "control is already addressed by controls[%d]", prev)
			continue
		}
		seen[id] = i
		for j, ev := range e.Evidence {
			if p := checkLedgerKeyEvidence(ev); p != "" {
				add(e.line, fmt.Sprintf("%s.evidence[%d]", field, j), id, "%s", p)
			} else if p := checkEvidenceNamesRecords(ev); p != "" {
				add(e.line, fmt.Sprintf("%s.evidence[%d]", field, j), id, "%s", p)
			}
		}
		if strings.TrimSpace(e.Justification) == "" {
			if e.Applicable {
				add(e.line, field+".justification", id, "control %s is included without a justification; say which risk it treats or which obligation it meets (ISO/IEC 42001 clause 6.1.3 requires justification for inclusion and exclusion)", id)
			} else {
				add(e.line, field+".justification", id, "control %s is excluded without a justification; say why it does not apply (ISO/IEC 42001 clause 6.1.3 requires justification for inclusion and exclusion)", id)
			}
		}
		if !e.Applicable {
			continue
		}
		if e.Status == "" {
			add(e.line, field+".status", id, "an applicable control needs a status (%s)", statusList())
		} else if !e.Status.valid() {
			add(e.line, field+".status", id, "unknown status %q; want one of %s", e.Status, statusList())
		}
	}
	for _, c := range controls {
		if _, ok := seen[c.ID]; !ok {
			add(0, "controls", c.ID, "control %q (%s) is not addressed; every Annex A control must be declared applicable or excluded", c.ID, c.Title)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("aims: soa has %d problem(s):\n%w", len(errs), errors.Join(errs...))
}

func statusList() string {
	return strings.Join([]string{string(StatusImplemented), string(StatusPartiallyImplemented), string(StatusPlanned), string(StatusNotImplemented)}, ", ")
}

// Entry returns the SoA's entry for a control ID and whether there is one.
func (s *SoA) Entry(id string) (SoAEntry, bool) {
	id = NormalizeControlID(id)
	for _, e := range s.Controls {
		if NormalizeControlID(e.Control) == id {
			return e, true
		}
	}
	return SoAEntry{}, false
}

// soaDocument is the JSON rendering: the SoA with each entry enriched by
// the catalog's title and objective, and summary counts, so a reader needs
// no second document.
type soaDocument struct {
	Organization string           `json:"organization"`
	Scope        string           `json:"scope,omitempty"`
	Version      string           `json:"version,omitempty"`
	Date         string           `json:"date,omitempty"`
	ApprovedBy   string           `json:"approved_by,omitempty"`
	Standard     string           `json:"standard"`
	Summary      SoASummary       `json:"summary"`
	Controls     []soaDocumentRow `json:"controls"`
}

type soaDocumentRow struct {
	SoAEntry
	Title     string `json:"title"`
	Objective string `json:"objective"`
}

// SoASummary counts the Annex A controls the SoA addresses by
// applicability and status.
type SoASummary struct {
	// Controls is the number of Annex A controls the SoA addresses; at
	// most the size of the catalog.
	Controls int `json:"controls"`
	// Applicable counts the addressed controls that apply.
	Applicable int `json:"applicable"`
	// Excluded counts the addressed controls that do not apply; with
	// Applicable it adds up to Controls.
	Excluded int `json:"excluded"`
	// ByStatus counts the applicable controls by implementation status.
	ByStatus map[ImplementationStatus]int `json:"by_status"`
}

// Summary counts the Annex A controls the SoA addresses by applicability
// and implementation status, each control by its first entry, as the
// renderings show it ([SoA.Entry]). Entries that name no catalog control,
// and further entries for a control already addressed (both errors for
// [SoA.Validate]), are not counted, so the summary never contradicts the
// tables of a rendering.
func (s *SoA) Summary() SoASummary {
	sum := SoASummary{ByStatus: map[ImplementationStatus]int{}}
	for _, r := range s.ordered() {
		if !r.found {
			continue
		}
		sum.Controls++
		if r.entry.Applicable {
			sum.Applicable++
			sum.ByStatus[r.entry.Status]++
		} else {
			sum.Excluded++
		}
	}
	return sum
}

// RenderJSON renders the SoA as indented JSON in catalog order, each entry
// carrying the control's title and objective.
func (s *SoA) RenderJSON() ([]byte, error) {
	doc := soaDocument{
		Organization: s.Organization, Scope: s.Scope, Version: s.Version, Date: s.Date,
		ApprovedBy: s.ApprovedBy, Standard: "ISO/IEC 42001:2023 Annex A", Summary: s.Summary(),
	}
	for _, row := range s.ordered() {
		doc.Controls = append(doc.Controls, soaDocumentRow{SoAEntry: row.entry, Title: row.control.Title, Objective: row.control.Objective})
	}
	return json.MarshalIndent(doc, "", "  ")
}

type soaRow struct {
	control Control
	entry   SoAEntry
	found   bool
}

// ordered pairs every catalog control with its entry, in catalog order.
func (s *SoA) ordered() []soaRow {
	rows := make([]soaRow, 0, len(controls))
	for _, c := range controls {
		e, ok := s.Entry(c.ID)
		if ok {
			e.Control = c.ID
		}
		rows = append(rows, soaRow{control: c, entry: e, found: ok})
	}
	return rows
}

// goIdentifier matches a package-qualified Go identifier in an evidence
// item, such as "oversight.Gate" or "aims.SoA": a lower-case package name,
// a dot, and an exported name in mixed case. Record and event names
// ("aims.decision", "aims.management.incident") are lower case and do not
// match, nor do upper-case file extensions ("policy.PDF").
var goIdentifier = regexp.MustCompile(`(?:^|[\s(\[,;"'])([a-z][a-z0-9]*\.[A-Z][a-z][A-Za-z0-9]*)\b`)

// checkEvidenceNamesRecords returns the problem with an evidence item that
// names a Go identifier, or "" when it names none. An auditor cannot
// inspect a type or a function; the SoA names the records it produces
// ("gate routing records (aims.oversight.routed)") or the documents.
func checkEvidenceNamesRecords(ev string) string {
	m := goIdentifier.FindStringSubmatch(ev)
	if m == nil {
		return ""
	}
	return fmt.Sprintf("%q names the Go identifier %s; name the records or documents an auditor can inspect instead, e.g. \"decision ledger records (aims.decision)\"", ev, m[1])
}
