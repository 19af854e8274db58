package aims

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/aimskit/aimskit/aims/semconv"
)

// RiskRegister is an AI risk register (ISO/IEC 42001 Clauses 6.1.2 risk
// assessment, 6.1.3 risk treatment, 8.2 and 8.3 their operation): every
// risk with its owner, its inherent and residual rating (likelihood ×
// impact on the five-point scales of [Likelihood] and [Impact]), its
// treatment (mitigate, accept, transfer or avoid) linked to the Annex A
// controls that implement it, its acceptance by a named role, and its
// next review date.
//
// The register states its acceptance threshold, a score from 1 to 25: a
// risk whose residual score is above it, or whose treatment is "accept",
// needs a recorded acceptance (who, in which role, when).
//
// It is kept as a YAML or JSON file (field names as the json tags) and
// read with [ParseRiskRegister]. The methods only read the register: they
// are safe for concurrent use as long as nobody modifies it.
type RiskRegister struct {
	// SystemID is the AI system the register is for; empty for a register
	// of the whole AI management system.
	SystemID string `json:"system_id,omitempty"`
	// Version is the version of the register, e.g. "7".
	Version string `json:"version"`
	// Owner is the role that owns the register.
	Owner string `json:"owner"`
	// Date is the date of this version (optional).
	Date time.Time `json:"date,omitzero"`
	// AcceptanceThreshold is the highest residual score (1–25) a risk may
	// have without a recorded acceptance.
	AcceptanceThreshold RiskScore `json:"acceptance_threshold"`
	// Risks are the risks.
	Risks []Risk `json:"risks"`

	pos  positions
	file string
}

// Risk is one risk of the register.
type Risk struct {
	// ID identifies the risk (e.g. "R-07"); incidents that realise it
	// name it (Incident.Risks), and its records have it as subject.
	ID string `json:"id"`
	// Title is a one-line name.
	Title string `json:"title"`
	// Description says what could happen, and why.
	Description string `json:"description"`
	// Owner is the role accountable for the risk.
	Owner string `json:"owner"`
	// Inherent is the rating before treatment.
	Inherent RiskRating `json:"inherent"`
	// Residual is the rating after treatment; never above Inherent.
	Residual RiskRating `json:"residual"`
	// Treatment is how the risk is treated.
	Treatment Treatment `json:"treatment"`
	// Acceptance records the acceptance of the residual risk; required
	// when the residual score is above the register's threshold or the
	// treatment is "accept".
	Acceptance *RiskAcceptance `json:"acceptance,omitempty"`
	// LastReview is when the risk was last reviewed (optional).
	LastReview time.Time `json:"last_review,omitzero"`
	// NextReview is when the risk must be reviewed next: a date (the
	// review is overdue once that day has passed, in UTC) or a time.
	NextReview time.Time `json:"next_review"`
}

// TreatmentOption is a risk treatment option (Clause 6.1.3).
type TreatmentOption string

// The treatment options.
const (
	// TreatMitigate reduces the likelihood or the impact by controls.
	TreatMitigate TreatmentOption = "mitigate"
	// TreatAccept retains the risk, by an informed decision.
	TreatAccept TreatmentOption = "accept"
	// TreatTransfer shares the risk with another party (a supplier,
	// an insurer).
	TreatTransfer TreatmentOption = "transfer"
	// TreatAvoid removes the risk source (drops the feature, the use).
	TreatAvoid TreatmentOption = "avoid"
)

func (o TreatmentOption) valid() bool {
	switch o {
	case TreatMitigate, TreatAccept, TreatTransfer, TreatAvoid:
		return true
	}
	return false
}

// Treatment is how a risk is treated.
type Treatment struct {
	// Option is mitigate, accept, transfer or avoid.
	Option TreatmentOption `json:"option"`
	// Controls are the Annex A controls that implement the treatment (for
	// accept: those under which the retained risk is watched); at least
	// one, and unknown IDs are errors.
	Controls []string `json:"controls"`
	// Plan says what is done; required unless the risk is accepted.
	Plan string `json:"plan,omitempty"`
}

// RiskAcceptance is the acceptance of a residual risk by a named role.
type RiskAcceptance struct {
	// AcceptedBy names the person who accepted the risk.
	AcceptedBy string `json:"accepted_by"`
	// Role they accepted it in (the role the register gives the authority).
	Role string `json:"role"`
	// AcceptedAt is when.
	AcceptedAt time.Time `json:"accepted_at"`
}

const kindRiskRegister = "risk register"

// ParseRiskRegister reads a risk register from YAML or JSON and validates
// it; errors are *[RecordFileError]s with line and field path, joined.
func ParseRiskRegister(data []byte) (*RiskRegister, error) {
	return parseRiskRegister(data, "")
}

// LoadRiskRegisterFile reads and validates a risk register file, as
// [ParseRiskRegister]; errors name the file.
func LoadRiskRegisterFile(path string) (*RiskRegister, error) {
	return loadRecordFile(kindRiskRegister, path, parseRiskRegister)
}

func parseRiskRegister(data []byte, file string) (*RiskRegister, error) {
	rr := &RiskRegister{file: file}
	if err := parseRecord(kindRiskRegister, file, data, rr, func(p positions) { rr.pos = p }, rr.problems); err != nil {
		return nil, err
	}
	return rr, nil
}

// Validate checks the register and returns every problem joined, each a
// *[RecordFileError] naming the field: missing version, owner,
// acceptance_threshold (1–25) or risks; a risk without id (or a duplicate
// one), title, description, owner, inherent or residual rating,
// treatment option, treatment controls (unknown Annex A IDs are errors),
// plan (unless accepted) or next_review; a residual score above the
// inherent one; a missing or incomplete acceptance where one is required.
func (rr *RiskRegister) Validate() error {
	return errors.Join(rr.problems()...)
}

// problems returns every problem Validate reports.
func (rr *RiskRegister) problems() []error {
	v := &validator{kind: kindRiskRegister, file: rr.file, pos: rr.pos}
	if rr.SystemID != "" {
		v.id("system_id", rr.SystemID)
	}
	v.required("version", rr.Version)
	v.required("owner", rr.Owner)
	if rr.AcceptanceThreshold < 1 || rr.AcceptanceThreshold > 25 {
		v.add("acceptance_threshold", "is required: the highest residual score (1–25) a risk may have without a recorded acceptance")
	}
	if len(rr.Risks) == 0 {
		v.add("risks", "is required: list the risks, at least one")
	}
	ids := map[string]int{}
	for i, r := range rr.Risks {
		p := fmt.Sprintf("risks[%d]", i)
		v.id(p+".id", r.ID)
		if r.ID != "" {
			if j, dup := ids[r.ID]; dup {
				v.add(p+".id", "risk %q is already risks[%d]", r.ID, j)
			}
			ids[r.ID] = i
		}
		v.required(p+".title", r.Title)
		v.required(p+".description", r.Description)
		v.required(p+".owner", r.Owner)
		r.Inherent.check(v, p+".inherent")
		r.Residual.check(v, p+".residual")
		if in, res := r.Inherent.Score(), r.Residual.Score(); in > 0 && res > in {
			v.add(p+".residual", "score %d (%s) is above the inherent score %d (%s); treatment does not raise a risk", res, res.Band(), in, in.Band())
		}
		t := r.Treatment
		switch {
		case t.Option == "":
			v.add(p+".treatment.option", "is required (mitigate, accept, transfer or avoid)")
		case !t.Option.valid():
			v.add(p+".treatment.option", "unknown option %q (want mitigate, accept, transfer or avoid)", t.Option)
		}
		v.controls(p+".treatment.controls", t.Controls, true)
		if t.Option != TreatAccept && t.Option.valid() {
			v.required(p+".treatment.plan", t.Plan)
		}
		if why := rr.acceptanceReason(r); why != "" && r.Acceptance == nil {
			v.add(p+".acceptance", "is required: %s; record accepted_by, role and accepted_at", why)
		}
		if a := r.Acceptance; a != nil {
			v.required(p+".acceptance.accepted_by", a.AcceptedBy)
			v.required(p+".acceptance.role", a.Role)
			if a.AcceptedAt.IsZero() {
				v.add(p+".acceptance.accepted_at", "is required")
			}
		}
		if r.NextReview.IsZero() {
			v.add(p+".next_review", "is required: the date the risk is reviewed next")
		}
	}
	return v.errs
}

// acceptanceReason says why r needs an acceptance, or "" if it does not.
func (rr *RiskRegister) acceptanceReason(r Risk) string {
	if r.Treatment.Option == TreatAccept {
		return "the treatment is accept"
	}
	if s := r.Residual.Score(); rr.AcceptanceThreshold > 0 && s > rr.AcceptanceThreshold {
		return fmt.Sprintf("the residual score %d (%s) is above the acceptance threshold %d", s, s.Band(), rr.AcceptanceThreshold)
	}
	return ""
}

// AcceptanceRequired reports whether r needs a recorded acceptance under
// this register: its treatment is accept, or its residual score is above
// the acceptance threshold.
func (rr *RiskRegister) AcceptanceRequired(r Risk) bool { return rr.acceptanceReason(r) != "" }

// Risk returns the risk with the given ID, so that links to risks (an
// incident's Risks, a change's Risks) can be resolved and checked.
func (rr *RiskRegister) Risk(id string) (Risk, bool) {
	i := slices.IndexFunc(rr.Risks, func(r Risk) bool { return r.ID == id })
	if i < 0 {
		return Risk{}, false
	}
	return rr.Risks[i], true
}

// CheckRisks returns an error naming every ID in ids that is not a risk of
// the register (the field is named "risks[i]"), or nil.
func (rr *RiskRegister) CheckRisks(ids []string) error {
	var unknown []string
	for i, id := range ids {
		if _, ok := rr.Risk(id); !ok {
			unknown = append(unknown, fmt.Sprintf("risks[%d] %q", i, id))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return fmt.Errorf("aims: not in risk register version %s: %s", rr.Version, strings.Join(unknown, ", "))
}

// reviewDeadline is the moment a review due at due becomes overdue: the
// end of the day for a date (midnight UTC), the time itself otherwise.
func reviewDeadline(due time.Time) time.Time {
	due = due.UTC()
	if due.Equal(due.Truncate(24 * time.Hour)) {
		return due.Add(24 * time.Hour)
	}
	return due
}

// ReviewOverdue reports whether r's review is overdue at now: its
// next_review date has passed (a date is due until the end of that day,
// UTC).
func (r Risk) ReviewOverdue(now time.Time) bool {
	return !r.NextReview.IsZero() && !now.Before(reviewDeadline(r.NextReview))
}

// CheckReviews returns the risks whose review is overdue at now, in
// register order, and emits one aims.risk.review_overdue log record
// (severity WARN) for each through sys's LoggerProvider, carrying
// aims.risk.id, aims.risk.review_due, aims.risk.days_overdue and the
// treatment's controls in aims.control.id(s). now is a parameter so that
// a scheduler (or a test) decides the clock; call it daily, say. With a
// nil sys it only returns the overdue risks. A register of another system
// than sys is an error.
func (rr *RiskRegister) CheckReviews(ctx context.Context, sys *System, now time.Time) ([]Risk, error) {
	if sys != nil && rr.SystemID != "" && rr.SystemID != sys.ID() {
		return nil, fmt.Errorf("aims: risk register version %s is for system %q, not %q", rr.Version, rr.SystemID, sys.ID())
	}
	var overdue []Risk
	for _, r := range rr.Risks {
		if r.ReviewOverdue(now) {
			overdue = append(overdue, r)
		}
	}
	if sys == nil || len(overdue) == 0 {
		return overdue, nil
	}
	logger := sys.tel.logger()
	if !logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityWarn, EventName: semconv.EventRiskReviewOverdue}) {
		return overdue, nil
	}
	for _, r := range overdue {
		due := r.NextReview.UTC()
		days := int(now.Sub(due) / (24 * time.Hour))
		controls := normalizeControls(r.Treatment.Controls)
		var rec log.Record
		rec.SetEventName(semconv.EventRiskReviewOverdue)
		rec.SetTimestamp(now)
		rec.SetSeverity(log.SeverityWarn)
		rec.SetSeverityText("WARN")
		rec.SetBody(attribute.StringValue(fmt.Sprintf("review of risk %s (%s) was due %s; owner %s", r.ID, r.Title, formatRecordTime(due), r.Owner)))
		rec.AddAttributes(
			semconv.AimsSystemID.String(sys.ID()),
			semconv.AimsRiskID.String(r.ID),
			semconv.AimsRiskReviewDue.String(formatRecordTime(due)),
			semconv.AimsRiskDaysOverdue.Int(days),
		)
		if len(controls) > 0 {
			rec.AddAttributes(semconv.AimsControlID.String(controls[0]), semconv.AimsControlIDs.StringSlice(controls))
		}
		if sys.Version() != "" {
			rec.AddAttributes(semconv.AimsSystemVersion.String(sys.Version()))
		}
		if sys.Instance() != "" {
			rec.AddAttributes(semconv.AimsSystemInstance.String(sys.Instance()))
		}
		logger.Emit(ctx, rec)
	}
	return overdue, nil
}

func (rr *RiskRegister) canonical() RiskRegister {
	c := *rr
	c.pos, c.file = nil, ""
	c.Date = utc(rr.Date)
	c.Risks = slices.Clone(rr.Risks)
	for i := range c.Risks {
		c.Risks[i] = canonicalRisk(c.Risks[i])
	}
	return c
}

func canonicalRisk(r Risk) Risk {
	r.Treatment.Controls = normalizeControls(r.Treatment.Controls)
	r.NextReview, r.LastReview = utc(r.NextReview), utc(r.LastReview)
	if r.Acceptance != nil {
		a := *r.Acceptance
		a.AcceptedAt = utc(a.AcceptedAt)
		r.Acceptance = &a
	}
	return r
}

// Digest returns "sha256:" and the hex SHA-256 of the register's
// canonical JSON form, made as for [ImpactAssessment.Digest]. Every risk
// record carries it, so the records of one register version can be told
// from those of another.
func (rr *RiskRegister) Digest() (string, error) {
	c := rr.canonical()
	d, err := canonicalDigest(&c)
	if err != nil {
		return "", fmt.Errorf("aims: risk register version %s: digest: %w", rr.Version, err)
	}
	return d, nil
}

// RiskRecordData is the data of a risk record: the risk, and what the
// register says about it.
type RiskRecordData struct {
	Risk
	// RegisterVersion is the version of the register the risk is from.
	RegisterVersion string `json:"register_version"`
	// RegisterDigest is the register's [RiskRegister.Digest].
	RegisterDigest string `json:"register_digest"`
	// AcceptanceThreshold is the register's threshold.
	AcceptanceThreshold RiskScore `json:"acceptance_threshold"`
	// InherentScore is Inherent.Score().
	InherentScore RiskScore `json:"inherent_score"`
	// InherentBand is its band.
	InherentBand string `json:"inherent_band"`
	// ResidualScore is Residual.Score().
	ResidualScore RiskScore `json:"residual_score"`
	// ResidualBand is its band.
	ResidualBand string `json:"residual_band"`
	// AcceptanceRequired says whether the risk needs an acceptance.
	AcceptanceRequired bool `json:"acceptance_required"`
}

// riskClauses are the clauses a risk record evidences.
var riskClauses = []string{"6.1.2", "6.1.3", "8.2", "8.3"}

// NewRecords validates the register and returns one risk record per risk
// for sys, in register order: subject the risk ID, state the treatment
// option, actor the risk owner, clauses 6.1.2, 6.1.3, 8.2 and 8.3, and
// the [RiskRecordData] (with the register's version and digest) as data.
//
// The controls of a risk record are exactly the Annex A controls of its
// treatment: Annex A has no risk-management control of its own (risk
// assessment and treatment are Clauses 6.1.2 and 6.1.3 of the standard's
// body, carried in Clauses), and A.5.2 is the impact assessment process,
// which a risk entry is not evidence of. A risk record is evidence that
// its treatment's controls are applied to that risk, which is what the
// comparison with Annex A in Clause 6.1.3 asks for.
func (rr *RiskRegister) NewRecords(sys *System) ([]ManagementRecord, error) {
	if err := rr.Validate(); err != nil {
		return nil, err
	}
	if rr.SystemID != "" && rr.SystemID != sys.ID() {
		return nil, fmt.Errorf("aims: risk register version %s is for system %q, not %q", rr.Version, rr.SystemID, sys.ID())
	}
	digest, err := rr.Digest()
	if err != nil {
		return nil, err
	}
	out := make([]ManagementRecord, 0, len(rr.Risks))
	for _, r := range rr.Risks {
		data := RiskRecordData{
			Risk: canonicalRisk(r), RegisterVersion: rr.Version, RegisterDigest: digest, AcceptanceThreshold: rr.AcceptanceThreshold,
			InherentScore: r.Inherent.Score(), InherentBand: r.Inherent.Score().Band(),
			ResidualScore: r.Residual.Score(), ResidualBand: r.Residual.Score().Band(),
			AcceptanceRequired: rr.AcceptanceRequired(r),
		}
		rec, err := sys.NewManagementRecord(RecordRisk, r.ID, &data)
		if err != nil {
			return nil, err
		}
		rec.State = string(r.Treatment.Option)
		rec.Actor = r.Owner
		rec.Controls = slices.Clone(data.Treatment.Controls)
		rec.Clauses = slices.Clone(riskClauses)
		accepted := ""
		if r.Acceptance != nil {
			accepted = fmt.Sprintf(", accepted by %s (%s)", r.Acceptance.AcceptedBy, r.Acceptance.Role)
		}
		rec.Summary = fmt.Sprintf("risk %s %q: inherent %d (%s), residual %d (%s), treatment %s%s; next review %s",
			r.ID, r.Title, int(data.InherentScore), data.InherentBand, int(data.ResidualScore), data.ResidualBand,
			r.Treatment.Option, accepted, formatRecordTime(r.NextReview))
		out = append(out, rec)
	}
	return out, nil
}

// Record writes one risk record per risk (see [RiskRegister.NewRecords])
// through sys.RecordManagement. Nothing is written when the register is
// invalid; it stops at the first record that fails.
func (rr *RiskRegister) Record(ctx context.Context, sys *System) error {
	recs, err := rr.NewRecords(sys)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := sys.RecordManagement(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
