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

// DeploymentAuthorisation is the approval to deploy one version of an AI
// system with given models (ISO/IEC 42001 A.6.2.5; EU AI Act Art. 9 and
// 17): which system version and which models (by version and digest), the
// impact assessment it relies on (by digest), who submitted it and the
// approvals. It needs two distinct approvers, neither of them the
// submitter: an approval by the submitter is never evidence of review.
//
// It is kept as a YAML or JSON file (field names as the json tags) and
// read with [ParseDeploymentAuthorisation]; inventory.Register checks a
// high-risk system against it before admitting it as deployed.
type DeploymentAuthorisation struct {
	// ID identifies the authorisation, e.g. "DA-credit-scoring-1.0.0".
	ID string `json:"id"`
	// SystemID is the system authorised.
	SystemID string `json:"system_id"`
	// SystemVersion is the system version authorised.
	SystemVersion string `json:"system_version"`
	// Models are the models authorised, each by version or digest or both.
	Models []AuthorisedModel `json:"models"`
	// ImpactAssessment names the approved impact assessment the
	// authorisation relies on, by digest.
	ImpactAssessment *AssessmentRef `json:"impact_assessment"`
	// SubmittedBy is the person who submitted the deployment for approval.
	SubmittedBy string `json:"submitted_by"`
	// SubmittedAt is when (optional); no approval may precede it.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	// Approvals are the approvals, by at least two people other than the
	// submitter.
	Approvals []Approval `json:"approvals"`

	pos  positions
	file string
}

// AuthorisedModel is a model as a deployment authorisation names it.
type AuthorisedModel struct {
	// Name of the model, as registered in the inventory.
	Name string `json:"name"`
	// Version of the model authorised.
	Version string `json:"version,omitempty"`
	// Digest of the model artefact authorised, e.g. "sha256:…".
	Digest string `json:"digest,omitempty"`
}

// Revision returns the model's version and digest.
func (m AuthorisedModel) Revision() ModelRevision {
	return ModelRevision{Version: m.Version, Digest: m.Digest}
}

// AssessmentRef names an impact assessment by ID, version and digest.
type AssessmentRef struct {
	// ID of the assessment.
	ID string `json:"id"`
	// Version of the assessment (optional).
	Version string `json:"version,omitempty"`
	// Digest is the assessment's [ImpactAssessment.Digest].
	Digest string `json:"digest"`
}

// ModelRevision is one state of a model: its version, its digest, or both.
type ModelRevision struct {
	// Version of the model.
	Version string `json:"version,omitempty"`
	// Digest of the model artefact, e.g. "sha256:…".
	Digest string `json:"digest,omitempty"`
}

// String formats the revision as "version 3, digest sha256:…".
func (r ModelRevision) String() string {
	var parts []string
	if r.Version != "" {
		parts = append(parts, "version "+r.Version)
	}
	if r.Digest != "" {
		parts = append(parts, "digest "+r.Digest)
	}
	if len(parts) == 0 {
		return "no version or digest"
	}
	return strings.Join(parts, ", ")
}

const kindDeploymentAuthorisation = "deployment authorisation"

// ParseDeploymentAuthorisation reads a deployment authorisation from YAML
// or JSON and validates it; errors are *[RecordFileError]s with line and
// field path, joined.
func ParseDeploymentAuthorisation(data []byte) (*DeploymentAuthorisation, error) {
	return parseDeploymentAuthorisation(data, "")
}

// LoadDeploymentAuthorisationFile reads and validates a deployment
// authorisation file, as [ParseDeploymentAuthorisation]; errors name the
// file.
func LoadDeploymentAuthorisationFile(path string) (*DeploymentAuthorisation, error) {
	return loadRecordFile(kindDeploymentAuthorisation, path, parseDeploymentAuthorisation)
}

func parseDeploymentAuthorisation(data []byte, file string) (*DeploymentAuthorisation, error) {
	a := &DeploymentAuthorisation{file: file}
	if err := parseRecord(kindDeploymentAuthorisation, file, data, a, func(p positions) { a.pos = p }, a.problems); err != nil {
		return nil, err
	}
	return a, nil
}

// Validate checks the authorisation and returns every problem joined, each
// a *[RecordFileError] naming the field: missing id, system_id,
// system_version, models, impact_assessment (with its id and digest),
// submitted_by or approvals; a model without a name or without both
// version and digest, or named twice; a malformed digest; and approvals
// that are not by two distinct people other than the submitter, lack a
// name, role or time, or precede the submission.
func (a *DeploymentAuthorisation) Validate() error {
	return errors.Join(a.problems()...)
}

// problems returns every problem Validate reports.
func (a *DeploymentAuthorisation) problems() []error {
	v := &validator{kind: kindDeploymentAuthorisation, file: a.file, pos: a.pos}
	v.id("id", a.ID)
	v.id("system_id", a.SystemID)
	v.required("system_version", a.SystemVersion)
	if len(a.Models) == 0 {
		v.add("models", "is required: name the models authorised, each with its version or digest")
	}
	names := map[string]bool{}
	for i, m := range a.Models {
		p := fmt.Sprintf("models[%d]", i)
		if v.required(p+".name", m.Name) {
			if names[m.Name] {
				v.add(p+".name", "model %q is listed twice", m.Name)
			}
			names[m.Name] = true
		}
		if m.Version == "" && m.Digest == "" {
			v.add(p, "state the version or the digest authorised, or both")
		}
		v.digest(p+".digest", m.Digest)
	}
	if a.ImpactAssessment == nil {
		v.add("impact_assessment", "is required: the id and digest of the approved impact assessment the authorisation relies on")
	} else {
		v.id("impact_assessment.id", a.ImpactAssessment.ID)
		if v.required("impact_assessment.digest", a.ImpactAssessment.Digest) {
			v.digest("impact_assessment.digest", a.ImpactAssessment.Digest)
		}
	}
	v.required("submitted_by", a.SubmittedBy)
	checkFourEyes(v, "approvals", a.SubmittedBy, a.SubmittedAt, a.Approvals)
	return v.errs
}

// Model returns the authorised model of that name.
func (a *DeploymentAuthorisation) Model(name string) (AuthorisedModel, bool) {
	i := slices.IndexFunc(a.Models, func(m AuthorisedModel) bool { return m.Name == name })
	if i < 0 {
		return AuthorisedModel{}, false
	}
	return a.Models[i], true
}

func (a *DeploymentAuthorisation) canonical() DeploymentAuthorisation {
	c := *a
	c.pos, c.file = nil, ""
	c.SubmittedAt = utc(a.SubmittedAt)
	c.Approvals = utcApprovals(a.Approvals)
	return c
}

func utcApprovals(as []Approval) []Approval {
	out := slices.Clone(as)
	for i := range out {
		out[i].ApprovedAt = utc(out[i].ApprovedAt)
	}
	return out
}

// Digest returns "sha256:" and the hex SHA-256 of the authorisation's
// canonical JSON form, made as for [ImpactAssessment.Digest].
func (a *DeploymentAuthorisation) Digest() (string, error) {
	c := a.canonical()
	d, err := canonicalDigest(&c)
	if err != nil {
		return "", fmt.Errorf("aims: deployment authorisation %s: digest: %w", a.ID, err)
	}
	return d, nil
}

// approvers formats approvals as "A (role), B (role)".
func approvers(as []Approval) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%s (%s)", a.ApprovedBy, a.Role)
	}
	return strings.Join(parts, ", ")
}

// authorisationData is the data of a deployment_authorisation record.
type authorisationData struct {
	DeploymentAuthorisation
	Digest string `json:"digest"`
}

// NewRecord validates the authorisation and returns its
// deployment_authorisation record for sys (which must be the authorised
// system and, when it has a version, the authorised version): subject the
// authorisation ID, state "approved", controls A.6.2.5 (deployment) and
// A.3.2 (approvals by named roles), clauses EU AI Act Art. 9 and 17, and
// the authorisation with its digest as data.
func (a *DeploymentAuthorisation) NewRecord(sys *System) (ManagementRecord, error) {
	if err := a.Validate(); err != nil {
		return ManagementRecord{}, err
	}
	if a.SystemID != sys.ID() {
		return ManagementRecord{}, fmt.Errorf("aims: deployment authorisation %s is for system %q, not %q", a.ID, a.SystemID, sys.ID())
	}
	if sys.Version() != "" && sys.Version() != a.SystemVersion {
		return ManagementRecord{}, fmt.Errorf("aims: deployment authorisation %s is for version %q of %s, not %q", a.ID, a.SystemVersion, a.SystemID, sys.Version())
	}
	d, err := a.Digest()
	if err != nil {
		return ManagementRecord{}, err
	}
	data := authorisationData{DeploymentAuthorisation: a.canonical(), Digest: d}
	r, err := sys.NewManagementRecord(RecordDeploymentAuthorisation, a.ID, &data)
	if err != nil {
		return r, err
	}
	models := make([]string, len(a.Models))
	for i, m := range a.Models {
		models[i] = m.Name + " " + m.Revision().String()
	}
	r.State = "approved"
	r.Actor = approvers(a.Approvals)
	r.Controls = []string{semconv.ControlDeployment, semconv.ControlRoles}
	r.Clauses = []string{"EU AI Act Art. 9", "EU AI Act Art. 17"}
	r.Summary = fmt.Sprintf("deployment of %s %s (%s) authorised by %s, relying on impact assessment %s %s",
		a.SystemID, a.SystemVersion, strings.Join(models, "; "), r.Actor, a.ImpactAssessment.ID, a.ImpactAssessment.Digest)
	return r, nil
}

// Record writes the authorisation's deployment_authorisation record (see
// [DeploymentAuthorisation.NewRecord]) through sys.RecordManagement.
func (a *DeploymentAuthorisation) Record(ctx context.Context, sys *System) error {
	r, err := a.NewRecord(sys)
	if err != nil {
		return err
	}
	return sys.RecordManagement(ctx, r)
}

// ChangeStatus is the status of a change record.
type ChangeStatus string

// The statuses of a change. A change file holds pending, approved or
// refused; ChangeUnapproved is only ever the state of a change record that
// inventory.Register wrote for a change deployed without approval.
const (
	// ChangePending: submitted, not decided.
	ChangePending ChangeStatus = "pending"
	// ChangeApproved: approved by two people other than the submitter.
	ChangeApproved ChangeStatus = "approved"
	// ChangeRefused: refused; the change must not be deployed.
	ChangeRefused ChangeStatus = "refused"
	// ChangeUnapproved is the record state of a change that was deployed
	// without an approved change record covering it. Never valid in a file.
	ChangeUnapproved ChangeStatus = "unapproved"
)

// ChangeRecord is a change to a deployed AI system's model, and its
// approval or refusal (A.6.2.5; A.6.1.3, A.6.2.3; EU AI Act Art. 9, 17):
// which model changes from which revision to which (From nil: the model is
// added; To nil: it is removed), why, the assessment of the risk it
// brings, who submitted it, and who approved (two people other than the
// submitter, as for a [DeploymentAuthorisation]) or refused it.
//
// It is kept as a YAML or JSON file and read with [ParseChangeRecord].
// inventory.Register admits a registration whose model differs from the
// authorised one only with an approved change covering the difference
// ([ChangeRecord.Covers]).
type ChangeRecord struct {
	// ID identifies the change, e.g. "CH-2026-014".
	ID string `json:"id"`
	// SystemID is the system changed.
	SystemID string `json:"system_id"`
	// Authorisation is the ID of the deployment authorisation the change
	// amends (optional); a change against another authorisation is stale.
	Authorisation string `json:"authorisation,omitempty"`
	// Model is the name of the model changed.
	Model string `json:"model"`
	// From is the revision changed from; nil when the model is added.
	From *ModelRevision `json:"from,omitempty"`
	// To is the revision changed to; nil when the model is removed.
	To *ModelRevision `json:"to,omitempty"`
	// Reason says why the change is made.
	Reason string `json:"reason"`
	// RiskAssessment is the assessment of the risk the change brings.
	RiskAssessment string `json:"risk_assessment"`
	// Risks are the IDs of register risks the assessment refers to.
	Risks []string `json:"risks,omitempty"`
	// SubmittedBy is the person who submitted the change.
	SubmittedBy string `json:"submitted_by"`
	// SubmittedAt is when (optional); no approval may precede it.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	// Status is pending, approved or refused.
	Status ChangeStatus `json:"status"`
	// Approvals are the approvals; an approved change needs two people
	// other than the submitter.
	Approvals []Approval `json:"approvals,omitempty"`
	// Refusal is who refused the change, and why; required when refused.
	Refusal *Refusal `json:"refusal,omitempty"`

	pos  positions
	file string
}

// Refusal is the refusal of a change.
type Refusal struct {
	// RefusedBy names the person who refused.
	RefusedBy string `json:"refused_by"`
	// Role they refused in.
	Role string `json:"role"`
	// RefusedAt is when.
	RefusedAt time.Time `json:"refused_at"`
	// Reason says why.
	Reason string `json:"reason"`
}

const kindChange = "change record"

// ParseChangeRecord reads a change record from YAML or JSON and validates
// it; errors are *[RecordFileError]s with line and field path, joined.
func ParseChangeRecord(data []byte) (*ChangeRecord, error) {
	return parseChangeRecord(data, "")
}

// LoadChangeRecordFile reads and validates a change record file, as
// [ParseChangeRecord]; errors name the file.
func LoadChangeRecordFile(path string) (*ChangeRecord, error) {
	return loadRecordFile(kindChange, path, parseChangeRecord)
}

func parseChangeRecord(data []byte, file string) (*ChangeRecord, error) {
	c := &ChangeRecord{file: file}
	if err := parseRecord(kindChange, file, data, c, func(p positions) { c.pos = p }, c.problems); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the change and returns every problem joined, each a
// *[RecordFileError] naming the field: missing id, system_id, model,
// reason, risk_assessment, submitted_by or status; neither from nor to, a
// revision with neither version nor digest, from equal to to; an
// approved change without two approvers other than the submitter; a
// refused change without its refusal, a refusal on a change that is not
// refused.
func (c *ChangeRecord) Validate() error {
	return errors.Join(c.problems()...)
}

// problems returns every problem Validate reports.
func (c *ChangeRecord) problems() []error {
	v := &validator{kind: kindChange, file: c.file, pos: c.pos}
	v.id("id", c.ID)
	v.id("system_id", c.SystemID)
	if c.Authorisation != "" {
		v.id("authorisation", c.Authorisation)
	}
	v.required("model", c.Model)
	if c.From == nil && c.To == nil {
		v.add("from", "state from (the revision changed from) or to (the revision changed to), or both")
	}
	for _, r := range []struct {
		path string
		rev  *ModelRevision
	}{{"from", c.From}, {"to", c.To}} {
		if r.rev == nil {
			continue
		}
		if r.rev.Version == "" && r.rev.Digest == "" {
			v.add(r.path, "state the version or the digest, or both")
		}
		v.digest(r.path+".digest", r.rev.Digest)
	}
	if c.From != nil && c.To != nil && *c.From == *c.To {
		v.add("to", "is the same as from (%s); a change changes something", c.From)
	}
	v.required("reason", c.Reason)
	v.required("risk_assessment", c.RiskAssessment)
	v.required("submitted_by", c.SubmittedBy)
	switch c.Status {
	case "":
		v.add("status", "is required (pending, approved or refused)")
	case ChangeApproved:
		checkFourEyes(v, "approvals", c.SubmittedBy, c.SubmittedAt, c.Approvals)
	case ChangePending:
		for i, a := range c.Approvals {
			a.check(v, fmt.Sprintf("approvals[%d]", i))
		}
	case ChangeRefused:
		for i, a := range c.Approvals {
			a.check(v, fmt.Sprintf("approvals[%d]", i))
		}
		if c.Refusal == nil {
			v.add("refusal", "is required for a refused change: refused_by, role, refused_at and reason")
		}
	default:
		v.add("status", "unknown status %q (want pending, approved or refused)", c.Status)
	}
	if c.Refusal != nil {
		if c.Status != ChangeRefused {
			v.add("refusal", "is given but status is %q, not refused", c.Status)
		}
		v.required("refusal.refused_by", c.Refusal.RefusedBy)
		v.required("refusal.role", c.Refusal.Role)
		if c.Refusal.RefusedAt.IsZero() {
			v.add("refusal.refused_at", "is required")
		}
		v.required("refusal.reason", c.Refusal.Reason)
	}
	return v.errs
}

// Covers reports whether c is an approved change that takes model from the
// revision authorised by the authorisation authorisationID (nil: the
// model was not authorised) to the registered revision (nil: the model
// is no longer registered). It returns nil when it does, and otherwise an
// error saying why not: another model, stale (made against another
// authorisation, or from another revision than the authorised one), to
// another revision than the registered one, or not approved.
//
// Every field c states in From must equal the authorised revision's, and
// every field c states in To the registered revision's; To must state
// each field the authorisation pins (states) and the registration
// changes. A digest the authorisation pins cannot be covered by a
// registration that states none.
func (c *ChangeRecord) Covers(authorisationID, model string, authorised, registered *ModelRevision) error {
	switch {
	case c.Model != model:
		return fmt.Errorf("change %s is about model %q, not %q", c.ID, c.Model, model)
	case c.Authorisation != "" && c.Authorisation != authorisationID:
		return fmt.Errorf("change %s is stale: it amends authorisation %s, not %s", c.ID, c.Authorisation, authorisationID)
	case authorised == nil && c.From != nil:
		return fmt.Errorf("change %s changes model %s from %s, but that model was not authorised", c.ID, model, c.From)
	case authorised != nil && c.From == nil:
		return fmt.Errorf("change %s adds model %s, but it was authorised (%s)", c.ID, model, authorised)
	case authorised != nil && !revisionMatches(*c.From, *authorised):
		return fmt.Errorf("change %s is stale: it changes model %s from %s, but the authorisation is for %s", c.ID, model, c.From, authorised)
	case registered == nil && c.To != nil:
		return fmt.Errorf("change %s changes model %s to %s, but that model is not registered", c.ID, model, c.To)
	case registered != nil && c.To == nil:
		return fmt.Errorf("change %s removes model %s, but it is registered (%s)", c.ID, model, registered)
	case registered != nil && !revisionMatches(*c.To, *registered):
		return fmt.Errorf("change %s changes model %s to %s, but %s is registered", c.ID, model, c.To, registered)
	}
	if authorised != nil && registered != nil {
		if authorised.Version != "" && authorised.Version != registered.Version && c.To.Version == "" {
			return fmt.Errorf("change %s does not state the version model %s changes to (%s is registered)", c.ID, model, registered)
		}
		if authorised.Digest != "" && authorised.Digest != registered.Digest && c.To.Digest == "" {
			if registered.Digest == "" {
				return fmt.Errorf("model %s is registered without a digest, but the authorisation pins %s; change %s cannot cover an unknown digest", model, authorised.Digest, c.ID)
			}
			return fmt.Errorf("change %s does not state the digest model %s changes to (%s is registered)", c.ID, model, registered.Digest)
		}
	}
	switch c.Status {
	case ChangeApproved:
		return nil
	case ChangeRefused:
		by := ""
		if c.Refusal != nil {
			by = " by " + c.Refusal.RefusedBy
		}
		return fmt.Errorf("change %s was refused%s", c.ID, by)
	default:
		return fmt.Errorf("change %s is %s, not approved", c.ID, c.Status)
	}
}

// revisionMatches reports whether every field stated in stated equals the
// field of actual.
func revisionMatches(stated, actual ModelRevision) bool {
	return (stated.Version == "" || stated.Version == actual.Version) &&
		(stated.Digest == "" || stated.Digest == actual.Digest)
}

func (c *ChangeRecord) canonical() ChangeRecord {
	cc := *c
	cc.pos, cc.file = nil, ""
	cc.SubmittedAt = utc(c.SubmittedAt)
	cc.Approvals = utcApprovals(c.Approvals)
	if c.Refusal != nil {
		r := *c.Refusal
		r.RefusedAt = utc(r.RefusedAt)
		cc.Refusal = &r
	}
	return cc
}

// Digest returns "sha256:" and the hex SHA-256 of the change's canonical
// JSON form, made as for [ImpactAssessment.Digest].
func (c *ChangeRecord) Digest() (string, error) {
	cc := c.canonical()
	d, err := canonicalDigest(&cc)
	if err != nil {
		return "", fmt.Errorf("aims: change record %s: digest: %w", c.ID, err)
	}
	return d, nil
}

// changeControls are the controls a change record evidences: A.6.2.5
// deployment, A.6.1.3 the change follows the process, A.6.2.3 the change
// is documented.
func changeControls() []string {
	return []string{semconv.ControlDeployment, semconv.ControlDevelopmentProcesses, semconv.ControlDesignDocumentation}
}

var changeClauses = []string{"6.3", "EU AI Act Art. 9", "EU AI Act Art. 17"}

// changeData is the data of a change record.
type changeData struct {
	ChangeRecord
	Digest string `json:"digest"`
}

// NewRecord validates the change and returns its change record for sys
// (which must be the changed system): subject the change ID, state its
// status, controls A.6.2.5, A.6.1.3 and A.6.2.3, clauses 6.3 (planning of
// changes) and EU AI Act Art. 9 and 17, and the change with its digest as
// data.
func (c *ChangeRecord) NewRecord(sys *System) (ManagementRecord, error) {
	if err := c.Validate(); err != nil {
		return ManagementRecord{}, err
	}
	if c.SystemID != sys.ID() {
		return ManagementRecord{}, fmt.Errorf("aims: change record %s is for system %q, not %q", c.ID, c.SystemID, sys.ID())
	}
	d, err := c.Digest()
	if err != nil {
		return ManagementRecord{}, err
	}
	r, err := sys.NewManagementRecord(RecordChange, c.ID, &changeData{ChangeRecord: c.canonical(), Digest: d})
	if err != nil {
		return r, err
	}
	r.State = string(c.Status)
	r.Controls, r.Clauses = changeControls(), slices.Clone(changeClauses)
	r.Actor = c.SubmittedBy
	switch c.Status {
	case ChangeApproved:
		r.Actor = approvers(c.Approvals)
		r.Summary = fmt.Sprintf("change %s of model %s %s approved by %s", c.ID, c.Model, fromTo(c.From, c.To), r.Actor)
	case ChangeRefused:
		r.Actor = c.Refusal.RefusedBy
		r.Summary = fmt.Sprintf("change %s of model %s %s refused by %s: %s", c.ID, c.Model, fromTo(c.From, c.To), c.Refusal.RefusedBy, c.Refusal.Reason)
	default:
		r.Summary = fmt.Sprintf("change %s of model %s %s submitted by %s, pending", c.ID, c.Model, fromTo(c.From, c.To), c.SubmittedBy)
	}
	return r, nil
}

// Record writes the change's change record (see [ChangeRecord.NewRecord])
// through sys.RecordManagement.
func (c *ChangeRecord) Record(ctx context.Context, sys *System) error {
	r, err := c.NewRecord(sys)
	if err != nil {
		return err
	}
	return sys.RecordManagement(ctx, r)
}

// fromTo formats a change's revisions as "from version 3 to version 4".
func fromTo(from, to *ModelRevision) string {
	switch {
	case from == nil && to != nil:
		return "added at " + to.String()
	case to == nil && from != nil:
		return "removed (was " + from.String() + ")"
	case from != nil && to != nil:
		return "from " + from.String() + " to " + to.String()
	}
	return ""
}

// UnapprovedChange documents a model change that was deployed although no
// approved change record covered it: inventory.Register writes one for a
// system below high risk (a high-risk system is refused instead). It is
// recorded as a change record in state "unapproved" with the warning in
// its summary and data, so the gap is evidence, not silence.
type UnapprovedChange struct {
	// SystemID is the system changed.
	SystemID string `json:"system_id"`
	// Model is the model that changed.
	Model string `json:"model"`
	// From is the authorised revision; nil when the model was not authorised.
	From *ModelRevision `json:"from,omitempty"`
	// To is the registered revision; nil when the model is not registered.
	To *ModelRevision `json:"to,omitempty"`
	// Authorisation is the ID of the deployment authorisation deviated from.
	Authorisation string `json:"authorisation,omitempty"`
	// Change is the change record given for the change, if one was (stale,
	// pending or refused); nil when there was none.
	Change *ChangeRecord `json:"change,omitempty"`
	// Warning says what is missing, e.g. "change CH-7 was refused".
	Warning string `json:"warning"`
}

// Subject returns the change record's subject: the ID of the change given,
// or "unrecorded-change:<model>" when there was none.
func (u *UnapprovedChange) Subject() string {
	if u.Change != nil && u.Change.ID != "" {
		return u.Change.ID
	}
	return "unrecorded-change:" + u.Model
}

// NewRecord returns the change record of the unapproved change for sys:
// state "unapproved", the controls and clauses of a [ChangeRecord], the
// warning in the summary and the data.
func (u *UnapprovedChange) NewRecord(sys *System) (ManagementRecord, error) {
	switch {
	case u.SystemID != sys.ID():
		return ManagementRecord{}, fmt.Errorf("aims: unapproved change of %s is for system %q, not %q", u.Model, u.SystemID, sys.ID())
	case strings.TrimSpace(u.Model) == "":
		return ManagementRecord{}, fmt.Errorf("aims: unapproved change: model is required")
	case strings.TrimSpace(u.Warning) == "":
		return ManagementRecord{}, fmt.Errorf("aims: unapproved change of %s: warning is required", u.Model)
	}
	data := *u
	if u.Change != nil {
		c := u.Change.canonical()
		data.Change = &c
	}
	r, err := sys.NewManagementRecord(RecordChange, u.Subject(), &data)
	if err != nil {
		return r, err
	}
	r.State = string(ChangeUnapproved)
	if u.Change != nil {
		r.Actor = u.Change.SubmittedBy
	}
	r.Controls, r.Clauses = changeControls(), slices.Clone(changeClauses)
	r.Summary = fmt.Sprintf("WARNING: model %s deployed %s without an approved change: %s", u.Model, fromTo(u.From, u.To), u.Warning)
	return r, nil
}

// Record writes the unapproved change's record through sys.RecordManagement.
func (u *UnapprovedChange) Record(ctx context.Context, sys *System) error {
	r, err := u.NewRecord(sys)
	if err != nil {
		return err
	}
	return sys.RecordManagement(ctx, r)
}
