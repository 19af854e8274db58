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
	// SystemicRiskArguments is where the provider's arguments stand that
	// the model, although it meets the condition of Art. 51(1)(a), does
	// not present systemic risks (Art. 52(2)); empty when none were
	// presented. While they are presented or after they were rejected
	// (Art. 52(3)) the model has systemic risk; only once the Commission
	// accepted them may a model whose training compute is greater than
	// 10^25 be described without systemic risk.
	SystemicRiskArguments SystemicRiskArguments `json:"systemicRiskArguments,omitempty"`
	// OpenSource states that the model is released under a free and
	// open-source licence that allows for the access, usage, modification
	// and distribution of the model, and that its parameters, including
	// the weights, the information on the model architecture and the
	// information on model usage, are made publicly available. Without
	// systemic risk its provider is then exempt from Art. 53(1)(a) and (b)
	// (Art. 53(2)) and from appointing an authorised representative
	// (Art. 54(6)); with systemic risk neither exemption applies.
	OpenSource bool `json:"openSource,omitempty"`
	// ProviderOutsideUnion states that the model's provider is established
	// in a third country, so that it must appoint, by written mandate, an
	// authorised representative established in the Union before placing
	// the model on the Union market (Art. 54(1)).
	ProviderOutsideUnion bool `json:"providerOutsideUnion,omitempty"`
	// AuthorisedRepresentative names the representative appointed under
	// Art. 54(1); only with ProviderOutsideUnion.
	AuthorisedRepresentative string `json:"authorisedRepresentative,omitempty"`
}

// SystemicRiskArguments is where a provider's arguments of Art. 52(2)
// stand: that its model, although it meets the condition of
// Art. 51(1)(a), exceptionally does not present systemic risks due to its
// specific characteristics.
type SystemicRiskArguments string

// The states of the arguments of Art. 52(2).
const (
	// ArgumentsPresented: presented with the notification of Art. 52(1);
	// the Commission has not concluded. The model stays classified with
	// systemic risk meanwhile: the arguments do not lift the presumption,
	// only the Commission's acceptance does.
	ArgumentsPresented SystemicRiskArguments = "presented"
	// ArgumentsRejected: the Commission concluded that they are not
	// sufficiently substantiated; the model is a general-purpose AI model
	// with systemic risk (Art. 52(3)).
	ArgumentsRejected SystemicRiskArguments = "rejected"
	// ArgumentsAccepted: the Commission accepted them; the model is not
	// classified as a general-purpose AI model with systemic risk, unless
	// the Commission later designates it (Art. 52(4), Art. 51(1)(b)).
	ArgumentsAccepted SystemicRiskArguments = "accepted"
)

const systemicRiskArgumentsNames = "presented, rejected or accepted"

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
	if finite && c > SystemicRiskComputeThreshold && !g.SystemicRisk && g.SystemicRiskArguments != ArgumentsAccepted {
		add("systemicRisk", "is not set, but the training compute of %s FLOP is greater than 10^25, so the model is presumed to have high-impact capabilities and systemic risk (Art. 51(2)); a model may be declared stricter than the presumption, never more lenient, unless the Commission accepted the provider's arguments (Art. 52(2), systemicRiskArguments accepted)", formatFLOP(c))
	}
	errs = append(errs, g.validateArguments(field, finite && c > SystemicRiskComputeThreshold)...)
	if g.AuthorisedRepresentative != "" && !g.ProviderOutsideUnion {
		add("authorisedRepresentative", "is set, but providerOutsideUnion is not: Art. 54 concerns providers established in third countries")
	}
	return errs
}

// validateArguments checks SystemicRiskArguments; presumed says the
// training compute is greater than 10^25.
func (g *GeneralPurposeAI) validateArguments(field string, presumed bool) []error {
	a := g.SystemicRiskArguments
	if a == "" {
		return nil
	}
	problem := ""
	meets51a := g.SystemicRisk && (g.SystemicRiskBasis == SystemicRiskHighImpact || g.SystemicRiskBasis == SystemicRiskTrainingCompute)
	switch a {
	case ArgumentsPresented, ArgumentsRejected:
		// A missing claim above 10^25 is reported on systemicRisk.
		if !meets51a && !(presumed && !g.SystemicRisk) {
			problem = fmt.Sprintf("is %q, but the arguments of Art. 52(2) answer the condition of Art. 51(1)(a): systemicRisk must be set on the ground high_impact_capabilities or training_compute while they are %s", string(a), string(a))
		}
	case ArgumentsAccepted:
		switch {
		case g.SystemicRisk && g.SystemicRiskBasis != SystemicRiskCommissionDesignation:
			problem = "is accepted, so the model is not classified with systemic risk (Art. 52(2)); systemicRisk may then only be set on a later Commission designation (commission_designation)"
		case !g.SystemicRisk && !presumed:
			problem = "is accepted, but nothing shows the model meets the condition of Art. 51(1)(a): state its training compute (greater than 10^25 FLOP)"
		}
	default:
		problem = fmt.Sprintf("unknown state %q (want %s)", string(a), systemicRiskArgumentsNames)
	}
	if problem == "" {
		return nil
	}
	return []error{&FieldError{Field: field + ".systemicRiskArguments", Problem: problem}}
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
	// model (only its points (c) and (d) for an open-source one without
	// systemic risk, Art. 53(2)), Art. 54(1) for a provider established
	// outside the Union (unless Art. 54(6) exempts it), and Art. 55(1)
	// (with Art. 52(1) where the model meets Art. 51(1)(a)) in addition
	// for one with systemic risk.
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
	art52Notification    = "Art. 52(1): notify the Commission without delay, and in any event within two weeks after the Art. 51(1)(a) condition is met or it becomes known that it will be met"
	art54Representative  = "Art. 54(1): before placing the model on the Union market, appoint by written mandate an authorised representative established in the Union, and enable it to perform the tasks of its mandate (Art. 54(2)–(3))"
	art53OpenSourceFirst = 2 // Art. 53(1)(c) and (d) remain for open-source models (Art. 53(2))
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
//     model meets Art. 51(1)(a) (also a designated model trained with
//     more than 10^25 FLOP), must notify the Commission (Art. 52(1));
//   - arguments of the provider that the model, although it meets
//     Art. 51(1)(a), does not present systemic risks (Art. 52(2)) leave it
//     classified with systemic risk while presented and after they were
//     rejected (Art. 52(3)); once accepted, the model has the obligations
//     of Art. 53(1) only;
//   - a model released under a free and open-source licence with public
//     parameters (OpenSource) and without systemic risk is exempt from
//     Art. 53(1)(a) and (b) (Art. 53(2)); Art. 53(1)(c) and (d) remain;
//   - a provider established in a third country must appoint an
//     authorised representative in the Union (Art. 54(1)), unless the
//     model is open source without systemic risk (Art. 54(6)).
//
// These are obligations of the model's provider. An organisation that
// builds an AI system on a third party's model is a downstream provider
// (Art. 3(68)) or deployer of that system: the system keeps its own risk
// tier, from [Classify] of its use case, which the model's classification
// neither raises nor lowers.
//
// A model without GeneralPurpose is not a general-purpose AI model; an
// invalid GeneralPurpose is an error.
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
	// The exemptions for free and open-source models do not apply to
	// models with systemic risk (Art. 53(2), Art. 54(6)).
	exempt := g.OpenSource && !g.SystemicRisk

	who := "its provider, " + m.Provider + ","
	if m.Provider == "" {
		who = "the organisation, which develops it and is its provider (Art. 3(3)),"
	}
	why := "The model is a general-purpose AI model (Art. 3(63)), so " + who + " has the obligations of Art. 53(1)"
	if exempt {
		c.Obligations = append([]string(nil), art53Obligations[art53OpenSourceFirst:]...)
		c.References = append(c.References, "Art. 53(2)")
		why += "(c) and (d): released under a free and open-source licence with its parameters public and without systemic risk, it is exempt from Art. 53(1)(a) and (b) (Art. 53(2))."
	} else {
		c.Obligations = append([]string(nil), art53Obligations...)
		why += "."
		if g.OpenSource {
			why += " Its free and open-source release exempts it from nothing, since it has systemic risk (Art. 53(2), Art. 54(6))."
		}
	}
	if g.ProviderOutsideUnion {
		if exempt {
			c.References = append(c.References, "Art. 54(6)")
			why += " Its provider is established outside the Union, but needs no authorised representative for an open-source model without systemic risk (Art. 54(6))."
		} else {
			c.Obligations = append(c.Obligations, art54Representative)
			c.References = append(c.References, "Art. 54(1)")
			why += " Its provider is established outside the Union and must appoint an authorised representative in the Union (Art. 54(1))"
			if g.AuthorisedRepresentative != "" {
				why += "; the representative recorded is " + g.AuthorisedRepresentative
			}
			why += "."
		}
	}
	// validate has made sure a compute above the threshold comes with a
	// systemic-risk claim (unless the Commission accepted the provider's
	// arguments) and every claim with its basis.
	basis := g.SystemicRiskBasis
	switch {
	case g.SystemicRisk:
		r := systemicRiskRef[basis]
		c.SystemicRisk, c.Basis = true, basis
		c.References = append(c.References, "Art. 51(1)", r.ref)
		why += " It has systemic risk because " + r.text + " (" + r.ref + "), so the obligations of Art. 55(1) apply in addition."
		// Art. 52(1) binds the provider of a model that meets
		// Art. 51(1)(a), presumed above 10^25 FLOP, also when the
		// Commission designated it (a model "of which it has not been
		// notified", Art. 52(1)); a designation alone does not bind it.
		if basis != SystemicRiskCommissionDesignation || g.TrainingComputeFLOP > SystemicRiskComputeThreshold {
			c.Obligations = append(c.Obligations, art52Notification)
			c.References = append(c.References, "Art. 52(1)")
			if basis == SystemicRiskCommissionDesignation {
				why += fmt.Sprintf(" Its training compute (%s FLOP) is greater than 10^25, so it also meets the condition of Art. 51(1)(a) (Art. 51(2)) and its provider must notify the Commission (Art. 52(1)).", formatFLOP(g.TrainingComputeFLOP))
			}
		}
		switch g.SystemicRiskArguments {
		case ArgumentsPresented:
			c.References = append(c.References, "Art. 52(2)")
			why += " Its provider presented arguments that it does not present systemic risks (Art. 52(2)); until the Commission accepts them, the classification stands."
		case ArgumentsRejected:
			c.References = append(c.References, "Art. 52(2)", "Art. 52(3)")
			why += " The Commission rejected its provider's arguments that it does not present systemic risks (Art. 52(2)), so it is a model with systemic risk (Art. 52(3))."
		case ArgumentsAccepted:
			c.References = append(c.References, "Art. 52(2)")
			why += " The Commission had accepted its provider's arguments (Art. 52(2)) before designating it."
		}
		c.Obligations = append(c.Obligations, art55Obligations...)
		c.References = append(c.References, "Art. 55(1)")
	case g.SystemicRiskArguments == ArgumentsAccepted:
		c.References = append(c.References, "Art. 51(2)", "Art. 52(2)")
		why += fmt.Sprintf(" Its training compute (%s FLOP) is greater than 10^25, from which high-impact capabilities are presumed (Art. 51(2)), but the Commission accepted its provider's arguments that it does not present systemic risks (Art. 52(2)), so it is not a model with systemic risk.", formatFLOP(g.TrainingComputeFLOP))
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
