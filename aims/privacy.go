package aims

import (
	"errors"
	"fmt"
	"maps"
)

// AttributionPolicy says which parts of an explanation may enter a decision
// record. Attributions are personal data in disguise: for a linear model,
// contribution = weight × (input − mean), so a recorded attribution gives
// the input back to anyone who knows the model. The default therefore
// treats explanation values like the inputs they are computed from.
type AttributionPolicy int

const (
	// AttributionsOfAllowedInputs keeps attributions, reason-code
	// contributions and counterfactual feature values only for features on
	// the input allow-list. Reason codes of other features (or of no named
	// feature) keep their code, description and direction (what the
	// person is told) but lose their contribution; counterfactual changes
	// of other features are dropped.
	// It is the default.
	AttributionsOfAllowedInputs AttributionPolicy = iota
	// AttributionsAll keeps every attribution, whatever the allow-list
	// says. Choose it only when attributions cannot reveal inputs (the
	// organisation's privacy assessment says so).
	AttributionsAll
	// AttributionsNone keeps no attributions, no reason-code contributions
	// and no counterfactual feature values, only the method, the reason
	// codes' texts and the counterfactual summaries.
	AttributionsNone
)

// String returns the policy's name.
func (p AttributionPolicy) String() string {
	switch p {
	case AttributionsOfAllowedInputs:
		return "allowed-inputs"
	case AttributionsAll:
		return "all"
	case AttributionsNone:
		return "none"
	}
	return fmt.Sprintf("AttributionPolicy(%d)", int(p))
}

// PrivacyPolicy says what personal data may enter a decision record: how
// subjects are pseudonymised, which inputs are kept and which explanation
// values. A System applies it when a decision is created, so every
// component downstream (oversight gate, ticket stores, reviewer console,
// OpenTelemetry, ledger, audit report) only ever sees the clean record.
// The zero value is the strictest policy: no inputs, no attributions, and
// subjects must already be pseudonyms.
type PrivacyPolicy struct {
	// Pseudonymizer pseudonymises raw subject identifiers; it must come
	// from NewPseudonymizer. Without one, a subject that is not already a
	// pseudonym is refused.
	//
	// A subject that already is a pseudonym (IsPseudonym) is kept as it
	// is, whatever its key ID: after a key rotation, decisions made under
	// the previous key (found again for a contest, say) carry the previous
	// key ID, and hashing their pseudonym again would cut the link to the
	// person's earlier records. IsPseudonym accepts only the form a
	// Pseudonymizer writes, so no raw identifier passes as a pseudonym.
	Pseudonymizer *Pseudonymizer
	// Inputs are the input features that may be recorded.
	Inputs AllowList
	// Attributions says which explanation values may be recorded.
	Attributions AttributionPolicy
}

// errRawSubject does not repeat the subject: errors end up in logs.
var errRawSubject = errors.New("subject is not a pseudonym (hs256:…) and no Pseudonymizer is configured; pseudonymise it or give the system a Pseudonymizer")

// Clean applies the policy to d in place: it pseudonymises the subject,
// removes inputs that are not allow-listed (normalising the rest to the
// types a Decision carries) and removes explanation values the policy does
// not keep. It never modifies maps or slices d shares with the caller; it
// replaces them. It is idempotent: cleaning a clean decision changes
// nothing. A subject that already is a pseudonym, under any key ID, is
// kept (see PrivacyPolicy.Pseudonymizer). A subject that is not a
// pseudonym with no Pseudonymizer (or one without a key, not made by
// NewPseudonymizer), or an allowed input of an unsupported type or a
// non-finite value, is an error, and d is then left unchanged.
func (p *PrivacyPolicy) Clean(d *Decision) error {
	subject := d.Subject
	if subject != "" && !IsPseudonym(subject) {
		if p.Pseudonymizer == nil {
			return fmt.Errorf("aims: decision %s: %w", d.ID, errRawSubject)
		}
		if err := p.Pseudonymizer.checkKey(); err != nil {
			return fmt.Errorf("aims: decision %s: subject not pseudonymised: %w", d.ID, err)
		}
		subject = p.Pseudonymizer.Pseudonym(subject)
	}
	inputs := d.Inputs
	if len(inputs) > 0 && !p.inputsClean(inputs) {
		in, err := p.Inputs.Filter(inputs)
		if err != nil {
			return fmt.Errorf("aims: decision %s: %w", d.ID, err)
		}
		inputs = in
	}
	d.Subject, d.Inputs = subject, inputs
	if d.Explanation != nil {
		d.Explanation = p.cleanExplanation(d.Explanation)
	}
	return nil
}

// inputsClean reports whether every input is allow-listed and already of a
// type a Decision carries, so the map can be kept as it is.
func (p *PrivacyPolicy) inputsClean(in map[string]any) bool {
	for k, v := range in {
		if !p.Inputs.Allows(k) {
			return false
		}
		if checkInputValue(k, v) != nil {
			return false
		}
	}
	return true
}

// keeps reports whether explanation values of feature may be recorded.
func (p *PrivacyPolicy) keeps(feature string) bool {
	switch p.Attributions {
	case AttributionsAll:
		return true
	case AttributionsOfAllowedInputs:
		return p.Inputs.Allows(feature)
	}
	return false
}

// cleanExplanation returns e itself when the policy keeps all of it, and a
// cleaned copy otherwise, so the caller's explanation is never modified.
func (p *PrivacyPolicy) cleanExplanation(e *Explanation) *Explanation {
	if p.Attributions == AttributionsAll || p.explanationClean(e) {
		return e
	}
	out := *e
	out.Attributions = nil
	for _, a := range e.Attributions {
		if p.keeps(a.Feature) {
			out.Attributions = append(out.Attributions, a)
		}
	}
	out.ReasonCodes = make([]ReasonCode, len(e.ReasonCodes))
	for i, rc := range e.ReasonCodes {
		if !p.keeps(rc.Feature) {
			rc.Contribution = 0
		}
		out.ReasonCodes[i] = rc
	}
	if len(e.ReasonCodes) == 0 {
		out.ReasonCodes = nil
	}
	out.Counterfactuals = nil
	for _, c := range e.Counterfactuals {
		cc := c
		cc.Changes = nil
		for _, ch := range c.Changes {
			if p.keeps(ch.Feature) {
				cc.Changes = append(cc.Changes, ch)
			}
		}
		out.Counterfactuals = append(out.Counterfactuals, cc)
	}
	return &out
}

// explanationClean reports whether e holds nothing the policy removes.
func (p *PrivacyPolicy) explanationClean(e *Explanation) bool {
	for _, a := range e.Attributions {
		if !p.keeps(a.Feature) {
			return false
		}
	}
	for _, rc := range e.ReasonCodes {
		if rc.Contribution != 0 && !p.keeps(rc.Feature) {
			return false
		}
	}
	for _, c := range e.Counterfactuals {
		for _, ch := range c.Changes {
			if !p.keeps(ch.Feature) {
				return false
			}
		}
	}
	return true
}

// check reports a policy that cannot be applied: a Pseudonymizer without
// a key, whose hashes anyone could compute.
func (p *PrivacyPolicy) check() error {
	if p.Pseudonymizer != nil {
		if err := p.Pseudonymizer.checkKey(); err != nil {
			return fmt.Errorf("aims: privacy policy: %w", err)
		}
	}
	return nil
}

// clone returns a copy of p that shares nothing mutable with it.
func (p PrivacyPolicy) clone() PrivacyPolicy {
	p.Inputs = AllowList{names: maps.Clone(p.Inputs.names)}
	return p
}
