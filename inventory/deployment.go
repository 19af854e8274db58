package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aimskit/aimskit/aims"
)

// deploymentConfig holds the management-system records a registration is
// checked against.
type deploymentConfig struct {
	assessment    *aims.ImpactAssessment
	authorisation *aims.DeploymentAuthorisation
	changes       []*aims.ChangeRecord
}

// WithImpactAssessment gives Register the system's impact assessment (see
// [aims.LoadImpactAssessmentFile]). A high-risk system registered as
// deployed needs an approved one; its ID and digest are bound into the
// registration (System.Deployment, and the attributes
// aims.impact_assessment.id and aims.impact_assessment.digest of the
// registration record), and it is written as an impact_assessment record
// through the System when Register succeeds.
func WithImpactAssessment(a *aims.ImpactAssessment) Option {
	return optionFunc(func(c *config) { c.deploy.assessment = a })
}

// WithDeploymentAuthorisation gives Register the deployment authorisation
// of this system version (see [aims.LoadDeploymentAuthorisationFile]). A
// high-risk system registered as deployed needs one, for its ID and
// version, relying on the digest of the assessment of
// [WithImpactAssessment], and naming its models: a registered model that
// differs from the authorised one needs an approved change record
// ([WithChanges]). It is written as a deployment_authorisation record
// when Register succeeds.
func WithDeploymentAuthorisation(a *aims.DeploymentAuthorisation) Option {
	return optionFunc(func(c *config) { c.deploy.authorisation = a })
}

// WithChanges gives Register the change records (see
// [aims.LoadChangeRecordFile]) that cover differences between the
// authorised models and the registered ones. Those that cover a
// difference are written as change records when Register succeeds; the
// others are only used to explain why a difference is not covered.
func WithChanges(changes ...*aims.ChangeRecord) Option {
	return optionFunc(func(c *config) { c.deploy.changes = append(c.deploy.changes, changes...) })
}

// DeploymentEvidence binds a registration to the management-system
// records it was admitted with. Register fills it in from
// [WithImpactAssessment], [WithDeploymentAuthorisation] and [WithChanges]
// and replaces any value the caller set; it is nil when none was given.
type DeploymentEvidence struct {
	// ImpactAssessmentID is the ID of the impact assessment.
	ImpactAssessmentID string `json:"impactAssessmentId,omitempty"`
	// ImpactAssessmentVersion is its version.
	ImpactAssessmentVersion string `json:"impactAssessmentVersion,omitempty"`
	// ImpactAssessmentDigest is its digest (aims.ImpactAssessment.Digest).
	ImpactAssessmentDigest string `json:"impactAssessmentDigest,omitempty"`
	// ImpactAssessmentState is "approved" or "draft".
	ImpactAssessmentState string `json:"impactAssessmentState,omitempty"`
	// AuthorisationID is the ID of the deployment authorisation.
	AuthorisationID string `json:"authorisationId,omitempty"`
	// AuthorisationDigest is its digest.
	AuthorisationDigest string `json:"authorisationDigest,omitempty"`
	// Approvers are the authorisation's approvers, as "name (role)".
	Approvers []string `json:"approvers,omitempty"`
	// Changes are the model changes since the authorisation.
	Changes []ChangeEvidence `json:"changes,omitempty"`
}

// ChangeEvidence is one model change a registration was admitted with.
type ChangeEvidence struct {
	// ID is the change record's ID, or "unrecorded-change:<model>" when
	// there was none.
	ID string `json:"id"`
	// Model is the model changed.
	Model string `json:"model"`
	// State is "approved", or "unapproved" for a change admitted without
	// approval (below high risk only).
	State string `json:"state"`
	// Warning says what was missing, for an unapproved change.
	Warning string `json:"warning,omitempty"`
}

func (e *DeploymentEvidence) clone() *DeploymentEvidence {
	if e == nil {
		return nil
	}
	c := *e
	c.Approvers = append([]string(nil), e.Approvers...)
	c.Changes = append([]ChangeEvidence(nil), e.Changes...)
	return &c
}

// recorder writes one management-system record through a system handle.
type recorder interface {
	Record(ctx context.Context, sys *aims.System) error
}

// deploymentPlan is what checkDeployment found: the evidence to bind into
// the registration and the records to write once it succeeds.
type deploymentPlan struct {
	evidence   *DeploymentEvidence
	records    []recorder
	unapproved int
}

// checkDeployment checks the registration against the records given. A
// high-risk (or stricter) system registered as deployed needs an approved
// impact assessment and a deployment authorisation of its ID and version
// that relies on that assessment's digest, and every difference between
// the authorised models and the registered ones needs an approved change
// record covering it; anything missing is an error naming it, and the
// registration is refused. Below high risk nothing is required, the
// records given are checked for consistency the same way, and a model
// difference that no approved change covers is admitted and recorded as
// an unapproved change with a warning.
func checkDeployment(sys System, d deploymentConfig) (*deploymentPlan, error) {
	gated := sys.RiskLevel.AtLeast(aims.RiskHigh) && sys.Lifecycle == StageDeployed
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	plan := &deploymentPlan{}
	ev := &DeploymentEvidence{}

	ia, auth := d.assessment, d.authorisation
	var iaDigest string
	if ia != nil {
		if err := ia.Validate(); err != nil {
			add("impactAssessment", "is invalid:\n%v", err)
		} else if ia.SystemID != sys.ID {
			add("impactAssessment", "%s assesses system %q, not %q", ia.ID, ia.SystemID, sys.ID)
		} else if dg, err := ia.Digest(); err != nil {
			add("impactAssessment", "%v", err)
		} else {
			iaDigest = dg
			ev.ImpactAssessmentID, ev.ImpactAssessmentVersion, ev.ImpactAssessmentDigest = ia.ID, ia.Version, dg
			ev.ImpactAssessmentState = ia.State()
			plan.records = append(plan.records, ia)
		}
		if gated && !ia.Approved() {
			add("impactAssessment", "%s version %s is a draft; a high-risk system registered as deployed needs an approved impact assessment", ia.ID, ia.Version)
		}
	} else if gated {
		add("impactAssessment", "is missing: a high-risk system registered as deployed needs an approved impact assessment (inventory.WithImpactAssessment)")
	}

	authOK := false
	if auth != nil {
		switch err := auth.Validate(); {
		case err != nil:
			add("deploymentAuthorisation", "is invalid:\n%v", err)
		case auth.SystemID != sys.ID:
			add("deploymentAuthorisation", "%s authorises system %q, not %q", auth.ID, auth.SystemID, sys.ID)
		case auth.SystemVersion != sys.Version:
			add("deploymentAuthorisation", "%s authorises version %q of %s, but version %q is registered; a new version needs its own authorisation", auth.ID, auth.SystemVersion, sys.ID, sys.Version)
		default:
			authOK = true
		}
		if authOK && ia != nil && iaDigest != "" {
			switch {
			case auth.ImpactAssessment.ID != ia.ID:
				add("deploymentAuthorisation", "%s relies on impact assessment %s, not %s", auth.ID, auth.ImpactAssessment.ID, ia.ID)
				authOK = false
			case auth.ImpactAssessment.Digest != iaDigest:
				add("deploymentAuthorisation", "%s relies on impact assessment %s with digest %s, but the assessment given has digest %s (changed since it was authorised?)", auth.ID, ia.ID, auth.ImpactAssessment.Digest, iaDigest)
				authOK = false
			case !ia.Approved():
				add("deploymentAuthorisation", "%s relies on impact assessment %s, which is not approved", auth.ID, ia.ID)
				authOK = false
			}
		}
		if authOK {
			dg, err := auth.Digest()
			if err != nil {
				add("deploymentAuthorisation", "%v", err)
			}
			ev.AuthorisationID, ev.AuthorisationDigest = auth.ID, dg
			for _, a := range auth.Approvals {
				ev.Approvers = append(ev.Approvers, fmt.Sprintf("%s (%s)", a.ApprovedBy, a.Role))
			}
			plan.records = append(plan.records, auth)
		}
	} else if gated {
		add("deploymentAuthorisation", "is missing: a high-risk system registered as deployed needs a deployment authorisation approved by two people other than the submitter (inventory.WithDeploymentAuthorisation)")
	}

	changesOK := true
	for i, c := range d.changes {
		if c == nil {
			add(fmt.Sprintf("changes[%d]", i), "is nil")
			changesOK = false
			continue
		}
		if err := c.Validate(); err != nil {
			add(fmt.Sprintf("changes[%d]", i), "%s is invalid:\n%v", c.ID, err)
			changesOK = false
		} else if c.SystemID != sys.ID {
			add(fmt.Sprintf("changes[%d]", i), "%s changes system %q, not %q", c.ID, c.SystemID, sys.ID)
			changesOK = false
		}
	}

	if authOK && changesOK {
		for _, dev := range modelDeviations(sys, auth) {
			covering, why := coveringChange(d.changes, auth.ID, dev)
			if covering != nil {
				plan.records = append(plan.records, covering)
				ev.Changes = append(ev.Changes, ChangeEvidence{ID: covering.ID, Model: dev.model, State: string(aims.ChangeApproved)})
				continue
			}
			if gated {
				add(dev.field, "%s; an approved change record covering it is required (inventory.WithChanges): %s", dev, why)
				continue
			}
			u := &aims.UnapprovedChange{SystemID: sys.ID, Model: dev.model, From: dev.from, To: dev.to,
				Authorisation: auth.ID, Change: candidateChange(d.changes, dev.model), Warning: dev.String() + ": " + why}
			plan.records = append(plan.records, u)
			plan.unapproved++
			ev.Changes = append(ev.Changes, ChangeEvidence{ID: u.Subject(), Model: dev.model, State: string(aims.ChangeUnapproved), Warning: u.Warning})
		}
	}
	if len(errs) > 0 {
		if gated {
			errs = append([]error{fmt.Errorf("inventory: system %q version %q is high-risk and cannot be registered as deployed", sys.ID, sys.Version)}, errs...)
		}
		return nil, errors.Join(errs...)
	}
	if ia != nil || auth != nil {
		plan.evidence = ev
	}
	return plan, nil
}

// deviation is one difference between the authorised and the registered
// models.
type deviation struct {
	field    string // "models[i]" of the registration, or "deploymentAuthorisation"
	model    string
	from, to *aims.ModelRevision // authorised, registered; nil when absent
	authID   string
}

func (d deviation) String() string {
	switch {
	case d.from == nil:
		return fmt.Sprintf("model %s (%s) is registered but not authorised by %s", d.model, d.to, d.authID)
	case d.to == nil:
		return fmt.Sprintf("model %s (%s) is authorised by %s but not registered", d.model, d.from, d.authID)
	}
	return fmt.Sprintf("model %s is registered at %s, but %s authorises %s", d.model, d.to, d.authID, d.from)
}

// modelDeviations lists the authorised models that are not registered or
// registered at another version or digest, then the registered models the
// authorisation does not name.
func modelDeviations(sys System, auth *aims.DeploymentAuthorisation) []deviation {
	var out []deviation
	registered := map[string]int{}
	for i, m := range sys.Models {
		registered[m.Name] = i
	}
	for _, am := range auth.Models {
		from := am.Revision()
		i, ok := registered[am.Name]
		if !ok {
			out = append(out, deviation{field: "models", model: am.Name, from: &from, authID: auth.ID})
			continue
		}
		m := sys.Models[i]
		to := aims.ModelRevision{Version: m.Version, Digest: m.Digest}
		if (from.Version != "" && from.Version != to.Version) || (from.Digest != "" && from.Digest != to.Digest) {
			out = append(out, deviation{field: fmt.Sprintf("models[%d]", i), model: m.Name, from: &from, to: &to, authID: auth.ID})
		}
	}
	for i, m := range sys.Models {
		if _, ok := auth.Model(m.Name); !ok {
			to := aims.ModelRevision{Version: m.Version, Digest: m.Digest}
			out = append(out, deviation{field: fmt.Sprintf("models[%d]", i), model: m.Name, to: &to, authID: auth.ID})
		}
	}
	return out
}

// coveringChange returns the first approved change that covers dev, or nil
// and why none does.
func coveringChange(changes []*aims.ChangeRecord, authID string, dev deviation) (*aims.ChangeRecord, string) {
	var why []string
	for _, c := range changes {
		if c.Model != dev.model {
			continue
		}
		err := c.Covers(authID, dev.model, dev.from, dev.to)
		if err == nil {
			return c, ""
		}
		why = append(why, err.Error())
	}
	if len(why) == 0 {
		return nil, "no change record for model " + dev.model + " was given"
	}
	return nil, strings.Join(why, "; ")
}

// candidateChange is the change given for model, if any, that an
// unapproved change record refers to.
func candidateChange(changes []*aims.ChangeRecord, model string) *aims.ChangeRecord {
	for _, c := range changes {
		if c.Model == model {
			return c
		}
	}
	return nil
}
