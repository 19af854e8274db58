package inventory

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// GeneralPurposeAI marks a [Model] as a general-purpose AI model (EU AI Act
// Art. 3(63)): an AI model that displays significant generality, is capable
// of competently performing a wide range of distinct tasks and can be
// integrated into a variety of downstream systems or applications — large
// language models typically. Models used only for research, development or
// prototyping before being placed on the market are not covered. The
// model's provider is [Model].Provider; empty means the organisation
// develops the model itself and is its provider.
//
// [ClassifyGeneralPurposeModel] derives from it whether the model has
// systemic risk (Art. 51) and which obligations of Chapter V follow.
type GeneralPurposeAI struct {
	// TrainingComputeFLOP is the cumulative amount of computation used to
	// train the model, in floating-point operations; 0 when not known. It
	// must be finite and non-negative. Above 10^25 the model is presumed
	// to have high-impact capabilities (Art. 51(2)), so SystemicRisk must
	// then be set.
	TrainingComputeFLOP float64 `json:"trainingComputeFLOP,omitempty"`
	// SystemicRisk states that the model is a general-purpose AI model
	// with systemic risk (Art. 51(1)). SystemicRiskBasis must then say on
	// what ground.
	SystemicRisk bool `json:"systemicRisk,omitempty"`
	// SystemicRiskBasis is the ground of the systemic-risk classification;
	// it is required when SystemicRisk is set and refused otherwise.
	SystemicRiskBasis SystemicRiskBasis `json:"systemicRiskBasis,omitempty"`
}

// SystemicRiskBasis is the ground on which a general-purpose AI model is
// classified as having systemic risk (EU AI Act Art. 51).
type SystemicRiskBasis string

// The grounds of Art. 51(1) and the presumption of Art. 51(2).
const (
	// SystemicRiskHighImpact: the model has high-impact capabilities,
	// evaluated with appropriate technical tools and methodologies,
	// including indicators and benchmarks (Art. 51(1)(a)).
	SystemicRiskHighImpact SystemicRiskBasis = "high_impact_capabilities"
	// SystemicRiskTrainingCompute: the model is presumed to have
	// high-impact capabilities because the cumulative computation used for
	// its training is greater than 10^25 floating-point operations
	// (Art. 51(2)); TrainingComputeFLOP must show it.
	SystemicRiskTrainingCompute SystemicRiskBasis = "training_compute"
	// SystemicRiskCommissionDesignation: a decision of the Commission, ex
	// officio or following a qualified alert from the scientific panel,
	// found capabilities or an impact equivalent to high-impact
	// capabilities, having regard to the criteria of Annex XIII
	// (Art. 51(1)(b)).
	SystemicRiskCommissionDesignation SystemicRiskBasis = "commission_designation"
)

// SystemicRiskComputeThreshold is the training compute, in floating-point
// operations, above which a general-purpose AI model is presumed to have
// high-impact capabilities: Art. 51(2) says "greater than 10^25", so a
// model trained with exactly 10^25 is not presumed. The Commission may
// amend it by delegated act (Art. 51(3)).
const SystemicRiskComputeThreshold = 1e25

var systemicRiskRef = map[SystemicRiskBasis]struct{ ref, text string }{
	SystemicRiskHighImpact:            {"Art. 51(1)(a)", "it has high-impact capabilities"},
	SystemicRiskTrainingCompute:       {"Art. 51(2)", "the cumulative computation used for its training is greater than 10^25 floating-point operations, from which high-impact capabilities (Art. 51(1)(a)) are presumed"},
	SystemicRiskCommissionDesignation: {"Art. 51(1)(b)", "the Commission has designated it, having regard to the criteria of Annex XIII"},
}

const systemicRiskBasisNames = "high_impact_capabilities, training_compute or commission_designation"

// validate checks the general-purpose AI part of models[i] (field is its
// JSON path).
func (g *GeneralPurposeAI) validate(field string) []error {
	if g == nil {
		return nil
	}
	var errs []error
	add := func(f, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field + "." + f, Problem: fmt.Sprintf(format, args...)})
	}
	c := g.TrainingComputeFLOP
	finite := !math.IsNaN(c) && !math.IsInf(c, 0)
	if !finite || c < 0 {
		add("trainingComputeFLOP", "is %v; the training compute must be a finite, non-negative number of floating-point operations", c)
	}
	_, known := systemicRiskRef[g.SystemicRiskBasis]
	switch {
	case g.SystemicRiskBasis != "" && !known:
		add("systemicRiskBasis", "unknown basis %q (want %s)", string(g.SystemicRiskBasis), systemicRiskBasisNames)
	case g.SystemicRisk && g.SystemicRiskBasis == "":
		add("systemicRiskBasis", "is required when systemicRisk is set: state the ground of Art. 51 (%s)", systemicRiskBasisNames)
	case !g.SystemicRisk && g.SystemicRiskBasis != "":
		add("systemicRiskBasis", "is %q but systemicRisk is not set", string(g.SystemicRiskBasis))
	case g.SystemicRiskBasis == SystemicRiskTrainingCompute && finite && c <= SystemicRiskComputeThreshold:
		add("systemicRiskBasis", "training_compute needs a training compute greater than 10^25 FLOP (Art. 51(2)); trainingComputeFLOP is %s", formatFLOP(c))
	}
	if finite && c > SystemicRiskComputeThreshold && !g.SystemicRisk {
		add("systemicRisk", "is not set, but the training compute of %s FLOP is greater than 10^25, so the model is presumed to have high-impact capabilities and systemic risk (Art. 51(2)); a model may be declared stricter than the presumption, never more lenient", formatFLOP(c))
	}
	return errs
}

func formatFLOP(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// GeneralPurposeClassification is the result of
// [ClassifyGeneralPurposeModel].
type GeneralPurposeClassification struct {
	// Model is the model's name.
	Model string `json:"model"`
	// GeneralPurpose is set when the model is a general-purpose AI model
	// (Art. 3(63)); the other fields are empty when it is not.
	GeneralPurpose bool `json:"generalPurpose"`
	// Provider is who provides the model and bears the obligations
	// listed: the model's third-party provider, or empty when the
	// organisation develops it itself and is its provider.
	Provider string `json:"provider,omitempty"`
	// SystemicRisk is set when the model is a general-purpose AI model
	// with systemic risk (Art. 51).
	SystemicRisk bool `json:"systemicRisk,omitempty"`
	// Basis is the Art. 51 ground of the systemic risk.
	Basis SystemicRiskBasis `json:"systemicRiskBasis,omitempty"`
	// Obligations are the obligations of the model's provider, each
	// starting with its article: Art. 53(1) for every general-purpose AI
	// model, and Art. 55(1) (with Art. 52(1) where the provider itself
	// established the systemic risk) in addition for one with systemic
	// risk.
	Obligations []string `json:"obligations,omitempty"`
	// References are the provisions relied on.
	References []string `json:"references,omitempty"`
	// Rationale explains, in sentences, how the result was reached and
	// what it means for a system built on the model.
	Rationale string `json:"rationale,omitempty"`
}

// The obligations of providers of general-purpose AI models (Art. 53(1))
// and, in addition, of those with systemic risk (Art. 55(1)).
var (
	art53Obligations = []string{
		"Art. 53(1)(a): draw up and keep up to date the technical documentation of the model, including its training and testing process and the results of its evaluation, with at least the information of Annex XI, and provide it to the AI Office and national competent authorities on request",
		"Art. 53(1)(b): draw up, keep up to date and make available to providers of AI systems who intend to integrate the model the information and documentation of Annex XII",
		"Art. 53(1)(c): put in place a policy to comply with Union copyright law, in particular to identify and comply with reservations of rights under Art. 4(3) of Directive (EU) 2019/790",
		"Art. 53(1)(d): draw up and make publicly available a sufficiently detailed summary of the content used for training the model, following the AI Office's template",
	}
	art55Obligations = []string{
		"Art. 55(1)(a): perform model evaluation with standardised protocols and tools reflecting the state of the art, including adversarial testing, to identify and mitigate systemic risks",
		"Art. 55(1)(b): assess and mitigate possible systemic risks at Union level, including their sources",
		"Art. 55(1)(c): keep track of, document and report without undue delay to the AI Office, and as appropriate to national competent authorities, serious incidents and possible corrective measures",
		"Art. 55(1)(d): ensure an adequate level of cybersecurity protection for the model and its physical infrastructure",
	}
	art52Notification = "Art. 52(1): notify the Commission without delay, and in any event within two weeks after the Art. 51(1)(a) condition is met or it becomes known that it will be met"
)

// ClassifyGeneralPurposeModel says whether a model is a general-purpose AI
// model (Regulation (EU) 2024/1689 Art. 3(63)), whether it has systemic
// risk, and which obligations follow for its provider:
//
//   - every provider of a general-purpose AI model has the obligations of
//     Art. 53(1)(a)–(d) (technical documentation per Annex XI, information
//     for downstream providers per Annex XII, a copyright policy, a public
//     summary of the training content);
//   - the model has systemic risk when it has high-impact capabilities
//     (Art. 51(1)(a)), which are presumed when its training compute is
//     greater than 10^25 FLOP (Art. 51(2)) — exactly 10^25 is not — or when
//     the Commission designated it (Art. 51(1)(b)); its provider then has
//     the obligations of Art. 55(1)(a)–(d) in addition, and, when the
//     ground is Art. 51(1)(a), must notify the Commission (Art. 52(1)).
//
// These are obligations of the model's provider. An organisation that
// builds an AI system on a third party's model is a downstream provider
// (Art. 3(68)) or deployer of that system: the system keeps its own risk
// tier, from [Classify] of its use case, which the model's classification
// neither raises nor lowers.
//
// The exemption of Art. 53(2) for models released under a free and
// open-source licence with public parameters (from Art. 53(1)(a) and (b),
// unless the model has systemic risk) and the authorised representative
// of Art. 54 are not modelled. A model without GeneralPurpose is not a
// general-purpose AI model; an invalid GeneralPurpose is an error.
func ClassifyGeneralPurposeModel(m Model) (GeneralPurposeClassification, error) {
	c := GeneralPurposeClassification{Model: m.Name}
	g := m.GeneralPurpose
	if g == nil {
		return c, nil
	}
	if err := errors.Join(g.validate("generalPurpose")...); err != nil {
		return GeneralPurposeClassification{}, err
	}
	c.GeneralPurpose = true
	c.Provider = m.Provider
	c.References = []string{"Art. 3(63)", "Art. 53(1)"}
	c.Obligations = append([]string(nil), art53Obligations...)

	who := "its provider, " + m.Provider + ","
	if m.Provider == "" {
		who = "the organisation, which develops it and is its provider (Art. 3(3)),"
	}
	why := "The model is a general-purpose AI model (Art. 3(63)), so " + who + " has the obligations of Art. 53(1)."
	// validate has made sure a compute above the threshold comes with a
	// systemic-risk claim and every claim with its basis.
	basis := g.SystemicRiskBasis
	switch {
	case g.SystemicRisk:
		r := systemicRiskRef[basis]
		c.SystemicRisk, c.Basis = true, basis
		c.References = append(c.References, "Art. 51(1)", r.ref)
		why += " It has systemic risk because " + r.text + " (" + r.ref + "), so the obligations of Art. 55(1) apply in addition."
		if basis != SystemicRiskCommissionDesignation {
			c.Obligations = append(c.Obligations, art52Notification)
			c.References = append(c.References, "Art. 52(1)")
		}
		c.Obligations = append(c.Obligations, art55Obligations...)
		c.References = append(c.References, "Art. 55(1)")
	case g.TrainingComputeFLOP == 0:
		why += " No systemic risk is claimed, and no training compute is stated from which to presume it (Art. 51(2))."
	default:
		why += fmt.Sprintf(" No systemic risk is claimed, and its training compute (%s FLOP) is not greater than 10^25, so it is not presumed to have high-impact capabilities (Art. 51(2)).", formatFLOP(g.TrainingComputeFLOP))
	}
	if m.Provider != "" {
		why += " An organisation integrating the model into an AI system is a downstream provider (Art. 3(68)) entitled to the information of Art. 53(1)(b) and Annex XII;"
	} else {
		why += " The organisation, integrating its own model into an AI system, is also that system's provider;"
	}
	why += " the system keeps its own risk tier, classified from its use case (Art. 5, Art. 6, Art. 50), which the model's classification neither raises nor lowers."
	c.Rationale = why
	return c, nil
}
