package aims

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aimskit/aimskit/aims/semconv"
)

// ImpactAssessment is an AI system impact assessment (ISO/IEC 42001
// Clause 6.1.4 and controls A.5.2–A.5.5; the fundamental rights impact
// assessment of EU AI Act Art. 27): what the system is for, how it could
// be misused, whom it affects (vulnerable groups marked), the harms it
// could do to them rated on the likelihood × severity scale with the
// fundamental rights at stake, its societal impacts, the mitigations
// (each linked to the Annex A controls that implement it and the monitors
// that watch it), the residual risk, who reviewed it and who approved it.
//
// An organisation keeps one file per system and version in its repository
// (YAML or JSON, field names as the json tags below) and reads it with
// [ParseImpactAssessment] or [LoadImpactAssessmentFile]. A new version of
// the assessment is a new version of the file; its [ImpactAssessment.Digest]
// identifies exactly what was approved, and a [DeploymentAuthorisation]
// names the digest it relies on.
//
// The methods only read the assessment: they are safe for concurrent use
// as long as nobody modifies it.
type ImpactAssessment struct {
	// ID identifies the assessment (e.g. "IA-credit-scoring"); every
	// record about it has it as subject.
	ID string `json:"id"`
	// SystemID is the AI system assessed.
	SystemID string `json:"system_id"`
	// Version is the version of the assessment, e.g. "3".
	Version string `json:"version"`
	// Date is when the assessment was carried out (optional).
	Date time.Time `json:"date,omitzero"`
	// IntendedPurpose is the use the system is intended for (Art. 3(12)).
	IntendedPurpose string `json:"intended_purpose"`
	// IntendedUse describes the intended users, context and conditions of
	// use, when stated (A.9.4).
	IntendedUse string `json:"intended_use,omitempty"`
	// ForeseeableMisuse lists reasonably foreseeable misuse (Art. 3(13)).
	ForeseeableMisuse []string `json:"foreseeable_misuse"`
	// AffectedGroups are the individuals and groups the system affects.
	AffectedGroups []AffectedGroup `json:"affected_groups"`
	// Harms are the potential harms to them.
	Harms []Harm `json:"harms"`
	// SocietalImpacts are the impacts on society beyond the affected
	// individuals (A.5.5); empty when they were not assessed.
	SocietalImpacts []SocietalImpact `json:"societal_impacts,omitempty"`
	// Mitigations are the measures taken against the harms.
	Mitigations []Mitigation `json:"mitigations"`
	// ResidualRisk is the risk that remains after the mitigations.
	ResidualRisk *ResidualRisk `json:"residual_risk"`
	// Reviewers are the people who reviewed the assessment.
	Reviewers []Reviewer `json:"reviewers"`
	// Approval is the approval of this version; nil for a draft.
	Approval *Approval `json:"approval,omitempty"`

	pos  positions // lines the fields were read from, nil when built in Go
	file string
}

// AffectedGroup is a group of individuals the system affects.
type AffectedGroup struct {
	// Name identifies the group within the assessment; harms refer to it.
	Name string `json:"name"`
	// Description says who belongs to it.
	Description string `json:"description,omitempty"`
	// Vulnerable marks a vulnerable group (children, people in financial
	// distress, people with disabilities, …).
	Vulnerable bool `json:"vulnerable,omitempty"`
	// Vulnerability says why the group is vulnerable; required when
	// Vulnerable is true.
	Vulnerability string `json:"vulnerability,omitempty"`
}

// Harm is one potential harm to an affected group.
type Harm struct {
	// ID identifies the harm within the assessment; mitigations refer to it.
	ID string `json:"id"`
	// Description says what could happen.
	Description string `json:"description"`
	// Group is the Name of the affected group that would suffer it.
	Group string `json:"group"`
	// Likelihood is how likely the harm is without the mitigations.
	Likelihood Likelihood `json:"likelihood"`
	// Severity is how severe it would be.
	Severity Impact `json:"severity"`
	// Rights lists the fundamental rights at stake, e.g.
	// "non-discrimination (Charter Art. 21)".
	Rights []string `json:"rights,omitempty"`
}

// Score returns Likelihood × Severity.
func (h Harm) Score() RiskScore { return RiskRating{h.Likelihood, h.Severity}.Score() }

// SocietalImpact is one impact on society (A.5.5).
type SocietalImpact struct {
	// Area names what is affected: "access to credit", "environment", …
	Area string `json:"area"`
	// Description says how.
	Description string `json:"description"`
}

// Mitigation is one measure against one or more harms.
type Mitigation struct {
	// Description says what is done.
	Description string `json:"description"`
	// Harms are the IDs of the harms it addresses.
	Harms []string `json:"harms"`
	// Controls are the Annex A controls that implement it; unknown IDs
	// are errors.
	Controls []string `json:"controls"`
	// Monitors name the monitors that watch it, as "<kind>:<name>", e.g.
	// "fairness:demographic_parity_ratio" or "drift:income".
	Monitors []string `json:"monitors,omitempty"`
	// Owner is the role responsible for it.
	Owner string `json:"owner,omitempty"`
}

// ResidualRisk is the risk that remains once the mitigations are in place.
type ResidualRisk struct {
	// Likelihood is the likelihood that remains.
	Likelihood Likelihood `json:"likelihood"`
	// Severity is the severity that remains.
	Severity Impact `json:"severity"`
	// Statement says why the remaining risk is what it is and why it is
	// acceptable (or not).
	Statement string `json:"statement"`
}

// Score returns Likelihood × Severity.
func (r ResidualRisk) Score() RiskScore { return RiskRating{r.Likelihood, r.Severity}.Score() }

// Reviewer is a person who reviewed an assessment.
type Reviewer struct {
	// Name of the reviewer.
	Name string `json:"name"`
	// Role they reviewed in.
	Role string `json:"role"`
	// ReviewedAt is when (optional).
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
}

const kindImpactAssessment = "impact assessment"

// ParseImpactAssessment reads an impact assessment from YAML or JSON and
// validates it. Every problem (unknown field, wrong type, missing section,
// unknown control, …) is a *[RecordFileError] naming the line and the
// field path; they are joined, so errors.As finds the first and the
// message lists all. The assessment is returned only when it is valid.
func ParseImpactAssessment(data []byte) (*ImpactAssessment, error) {
	return parseImpactAssessment(data, "")
}

// LoadImpactAssessmentFile reads and validates an impact assessment file,
// as [ParseImpactAssessment]; errors name the file.
func LoadImpactAssessmentFile(path string) (*ImpactAssessment, error) {
	return loadRecordFile(kindImpactAssessment, path, parseImpactAssessment)
}

func parseImpactAssessment(data []byte, file string) (*ImpactAssessment, error) {
	a := &ImpactAssessment{file: file}
	if err := parseRecord(kindImpactAssessment, file, data, a, func(p positions) { a.pos = p }, a.problems); err != nil {
		return nil, err
	}
	return a, nil
}

// Validate checks the assessment and returns every problem joined, each a
// *[RecordFileError] with the field path (and the line, when it was
// parsed): a missing required section (id, system_id, version,
// intended_purpose, foreseeable_misuse, affected_groups, harms,
// mitigations, residual_risk, reviewers), a harm of an unknown group or
// off the scale, a mitigation of an unknown harm, without controls, with
// an unknown Annex A control or a malformed monitor, a vulnerable group
// without the reason, an incomplete approval.
func (a *ImpactAssessment) Validate() error {
	return errors.Join(a.problems()...)
}

// problems returns every problem Validate reports.
func (a *ImpactAssessment) problems() []error {
	v := &validator{kind: kindImpactAssessment, file: a.file, pos: a.pos}
	v.id("id", a.ID)
	v.id("system_id", a.SystemID)
	v.required("version", a.Version)
	v.required("intended_purpose", a.IntendedPurpose)
	if len(a.ForeseeableMisuse) == 0 {
		v.add("foreseeable_misuse", "is required: list the reasonably foreseeable misuse (Art. 3(13)), at least one")
	}
	for i, m := range a.ForeseeableMisuse {
		v.required(fmt.Sprintf("foreseeable_misuse[%d]", i), m)
	}
	if len(a.AffectedGroups) == 0 {
		v.add("affected_groups", "is required: list the individuals and groups the system affects, at least one")
	}
	groups := map[string]bool{}
	for i, g := range a.AffectedGroups {
		p := fmt.Sprintf("affected_groups[%d]", i)
		if v.required(p+".name", g.Name) {
			if groups[g.Name] {
				v.add(p+".name", "group %q is listed twice", g.Name)
			}
			groups[g.Name] = true
		}
		if g.Vulnerable {
			v.required(p+".vulnerability", g.Vulnerability)
		}
	}
	if len(a.Harms) == 0 {
		v.add("harms", "is required: list the potential harms, at least one")
	}
	harms := map[string]bool{}
	for i, h := range a.Harms {
		p := fmt.Sprintf("harms[%d]", i)
		v.id(p+".id", h.ID)
		if h.ID != "" {
			if harms[h.ID] {
				v.add(p+".id", "harm %q is listed twice", h.ID)
			}
			harms[h.ID] = true
		}
		v.required(p+".description", h.Description)
		if v.required(p+".group", h.Group) && !groups[h.Group] {
			v.add(p+".group", "%q is not one of affected_groups", h.Group)
		}
		if !h.Likelihood.Valid() {
			v.add(p+".likelihood", "is required (%s)", scaleList(likelihoodNames[:]))
		}
		if !h.Severity.Valid() {
			v.add(p+".severity", "is required (%s)", scaleList(impactNames[:]))
		}
		for j, r := range h.Rights {
			v.required(fmt.Sprintf("%s.rights[%d]", p, j), r)
		}
	}
	for i, s := range a.SocietalImpacts {
		p := fmt.Sprintf("societal_impacts[%d]", i)
		v.required(p+".area", s.Area)
		v.required(p+".description", s.Description)
	}
	if len(a.Mitigations) == 0 {
		v.add("mitigations", "is required: list the measures against the harms, at least one")
	}
	for i, m := range a.Mitigations {
		p := fmt.Sprintf("mitigations[%d]", i)
		v.required(p+".description", m.Description)
		if len(m.Harms) == 0 {
			v.add(p+".harms", "name the IDs of the harms it addresses, at least one")
		}
		for j, h := range m.Harms {
			if !harms[h] {
				v.add(fmt.Sprintf("%s.harms[%d]", p, j), "%q is not the ID of one of harms", h)
			}
		}
		v.controls(p+".controls", m.Controls, true)
		for j, mon := range m.Monitors {
			if !monitorPattern.MatchString(mon) {
				v.add(fmt.Sprintf("%s.monitors[%d]", p, j), "%q is not a monitor reference of the form <kind>:<name>, e.g. fairness:demographic_parity_ratio or drift:income", mon)
			}
		}
	}
	if a.ResidualRisk == nil {
		v.add("residual_risk", "is required: the likelihood, severity and a statement of the risk that remains")
	} else {
		if !a.ResidualRisk.Likelihood.Valid() {
			v.add("residual_risk.likelihood", "is required (%s)", scaleList(likelihoodNames[:]))
		}
		if !a.ResidualRisk.Severity.Valid() {
			v.add("residual_risk.severity", "is required (%s)", scaleList(impactNames[:]))
		}
		v.required("residual_risk.statement", a.ResidualRisk.Statement)
	}
	if len(a.Reviewers) == 0 {
		v.add("reviewers", "is required: name who reviewed the assessment, at least one")
	}
	for i, r := range a.Reviewers {
		p := fmt.Sprintf("reviewers[%d]", i)
		v.required(p+".name", r.Name)
		v.required(p+".role", r.Role)
	}
	if a.Approval != nil {
		a.Approval.check(v, "approval")
	}
	return v.errs
}

// Approved reports whether the assessment carries a complete approval.
func (a *ImpactAssessment) Approved() bool {
	return a.Approval != nil && strings.TrimSpace(a.Approval.ApprovedBy) != "" && !a.Approval.ApprovedAt.IsZero()
}

// State is "approved" for an approved assessment and "draft" otherwise.
func (a *ImpactAssessment) State() string {
	if a.Approved() {
		return "approved"
	}
	return "draft"
}

// canonical returns a copy in canonical form: control IDs normalised and
// times in UTC.
func (a *ImpactAssessment) canonical() ImpactAssessment {
	c := *a
	c.pos, c.file = nil, ""
	c.Date = utc(a.Date)
	c.Mitigations = slices.Clone(a.Mitigations)
	for i := range c.Mitigations {
		c.Mitigations[i].Controls = normalizeControls(c.Mitigations[i].Controls)
	}
	c.Reviewers = slices.Clone(a.Reviewers)
	for i := range c.Reviewers {
		c.Reviewers[i].ReviewedAt = utc(c.Reviewers[i].ReviewedAt)
	}
	if a.Approval != nil {
		ap := *a.Approval
		ap.ApprovedAt = utc(ap.ApprovedAt)
		c.Approval = &ap
	}
	return c
}

// Digest returns "sha256:" and the hex SHA-256 of the assessment's
// canonical JSON form, which identifies exactly what was assessed and
// approved. The canonical form is the JSON object of the fields in the
// order documented on [ImpactAssessment], with the file's field names,
// empty optional fields left out, control IDs normalised ("5.2" is
// "A.5.2"), likelihood and severity by name, times in UTC (RFC 3339), and
// no insignificant white space or HTML escaping. It therefore does not
// change with the file's formatting: YAML or JSON, key order, quoting,
// comments, indentation, a date written as 2026-03-01 or
// "2026-03-01T00:00:00Z". It changes with any change of content,
// including white space inside a text and the approval.
func (a *ImpactAssessment) Digest() (string, error) {
	c := a.canonical()
	d, err := canonicalDigest(&c)
	if err != nil {
		return "", fmt.Errorf("aims: impact assessment %s: digest: %w", a.ID, err)
	}
	return d, nil
}

// ImpactAssessmentSummary is the data of an impact_assessment record: the
// assessment's identity, digest and approval, and what it covers in
// counts and lists, so an auditor reads the record without the file (the
// digest then proves which file it was).
type ImpactAssessmentSummary struct {
	// ID of the assessment.
	ID string `json:"id"`
	// SystemID of the system assessed.
	SystemID string `json:"system_id"`
	// Version of the assessment.
	Version string `json:"version"`
	// Digest is [ImpactAssessment.Digest].
	Digest string `json:"digest"`
	// State is "approved" or "draft".
	State string `json:"state"`
	// IntendedPurpose of the system.
	IntendedPurpose string `json:"intended_purpose"`
	// AffectedGroups counts the affected groups.
	AffectedGroups int `json:"affected_groups"`
	// VulnerableGroups names the vulnerable ones.
	VulnerableGroups []string `json:"vulnerable_groups,omitempty"`
	// Harms counts the harms.
	Harms int `json:"harms"`
	// HighestHarmScore is the highest likelihood × severity of a harm.
	HighestHarmScore RiskScore `json:"highest_harm_score"`
	// Rights lists the fundamental rights at stake, each once.
	Rights []string `json:"rights,omitempty"`
	// SocietalImpacts counts the societal impacts assessed.
	SocietalImpacts int `json:"societal_impacts"`
	// Mitigations counts the mitigations.
	Mitigations int `json:"mitigations"`
	// Controls lists the Annex A controls of the mitigations, each once.
	Controls []string `json:"controls"`
	// Monitors lists the monitors watching the mitigations, each once.
	Monitors []string `json:"monitors,omitempty"`
	// ResidualScore is the residual likelihood × severity.
	ResidualScore RiskScore `json:"residual_score"`
	// ResidualBand is the band of ResidualScore.
	ResidualBand string `json:"residual_band"`
	// Reviewers names the reviewers.
	Reviewers []string `json:"reviewers"`
	// ApprovedBy names the approver of an approved assessment.
	ApprovedBy string `json:"approved_by,omitempty"`
	// ApprovedRole is the approver's role.
	ApprovedRole string `json:"approved_role,omitempty"`
	// ApprovedAt is when it was approved.
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

// Summary returns the record data of the assessment; the digest is
// computed.
func (a *ImpactAssessment) Summary() (ImpactAssessmentSummary, error) {
	d, err := a.Digest()
	if err != nil {
		return ImpactAssessmentSummary{}, err
	}
	s := ImpactAssessmentSummary{
		ID: a.ID, SystemID: a.SystemID, Version: a.Version, Digest: d, State: a.State(),
		IntendedPurpose: a.IntendedPurpose, AffectedGroups: len(a.AffectedGroups), Harms: len(a.Harms),
		SocietalImpacts: len(a.SocietalImpacts), Mitigations: len(a.Mitigations),
	}
	for _, g := range a.AffectedGroups {
		if g.Vulnerable {
			s.VulnerableGroups = append(s.VulnerableGroups, g.Name)
		}
	}
	for _, h := range a.Harms {
		s.HighestHarmScore = max(s.HighestHarmScore, h.Score())
		for _, r := range h.Rights {
			if !slices.Contains(s.Rights, r) {
				s.Rights = append(s.Rights, r)
			}
		}
	}
	for _, m := range a.Mitigations {
		s.Controls = unionControls(s.Controls, m.Controls)
		for _, mon := range m.Monitors {
			if !slices.Contains(s.Monitors, mon) {
				s.Monitors = append(s.Monitors, mon)
			}
		}
	}
	if a.ResidualRisk != nil {
		s.ResidualScore = a.ResidualRisk.Score()
	}
	s.ResidualBand = s.ResidualScore.Band()
	for _, r := range a.Reviewers {
		s.Reviewers = append(s.Reviewers, r.Name)
	}
	if a.Approved() {
		s.ApprovedBy, s.ApprovedRole, s.ApprovedAt = a.Approval.ApprovedBy, a.Approval.Role, utc(a.Approval.ApprovedAt)
	}
	return s, nil
}

// Controls returns the Annex A controls an impact_assessment record of
// this assessment evidences: A.5.2 (the assessment process), A.5.3 (its
// documentation), A.5.4 (impact on individuals and groups), A.5.5 when
// societal impacts were assessed, and A.9.4 when the intended use is
// stated.
func (a *ImpactAssessment) Controls() []string {
	c := []string{semconv.ControlImpactAssessmentProcess, semconv.ControlImpactAssessmentDocs, semconv.ControlImpactIndividuals}
	if len(a.SocietalImpacts) > 0 {
		c = append(c, semconv.ControlSocietalImpact)
	}
	if strings.TrimSpace(a.IntendedUse) != "" {
		c = append(c, semconv.ControlIntendedUse)
	}
	return c
}

// NewRecord validates the assessment and returns its impact_assessment
// record for sys (which must be the assessed system): subject the
// assessment ID, state "approved" or "draft", the controls of
// [ImpactAssessment.Controls], clauses 6.1.4 and EU AI Act Art. 27, and
// the [ImpactAssessmentSummary] with the digest as data.
func (a *ImpactAssessment) NewRecord(sys *System) (ManagementRecord, error) {
	if err := a.Validate(); err != nil {
		return ManagementRecord{}, err
	}
	if a.SystemID != sys.ID() {
		return ManagementRecord{}, fmt.Errorf("aims: impact assessment %s is for system %q, not %q", a.ID, a.SystemID, sys.ID())
	}
	sum, err := a.Summary()
	if err != nil {
		return ManagementRecord{}, err
	}
	r, err := sys.NewManagementRecord(RecordImpactAssessment, a.ID, &sum)
	if err != nil {
		return r, err
	}
	r.State = sum.State
	r.Actor = sum.ApprovedBy
	r.Controls = a.Controls()
	r.Clauses = []string{"6.1.4", "EU AI Act Art. 27"}
	r.Summary = fmt.Sprintf("impact assessment %s version %s (%s): %d harm(s), highest %d (%s), %d vulnerable group(s), residual %d (%s); %s",
		a.ID, a.Version, sum.State, sum.Harms, int(sum.HighestHarmScore), sum.HighestHarmScore.Band(),
		len(sum.VulnerableGroups), int(sum.ResidualScore), sum.ResidualBand, sum.Digest)
	return r, nil
}

// Record writes the assessment's impact_assessment record (see
// [ImpactAssessment.NewRecord]) through sys.RecordManagement: one ledger
// line and one aims.management.impact_assessment log record.
func (a *ImpactAssessment) Record(ctx context.Context, sys *System) error {
	r, err := a.NewRecord(sys)
	if err != nil {
		return err
	}
	return sys.RecordManagement(ctx, r)
}
