package inventory

import (
	"slices"
	"strings"
	"testing"
)

// The obligations of a general-purpose AI model's provider against the
// text of Regulation (EU) 2024/1689:
//
//   - Art. 53(2): "The obligations set out in paragraph 1, points (a) and
//     (b), shall not apply to providers of AI models that are released
//     under a free and open-source licence that allows for the access,
//     usage, modification, and distribution of the model, and whose
//     parameters, including the weights, the information on the model
//     architecture, and the information on model usage, are made publicly
//     available. This exception shall not apply to general-purpose AI
//     models with systemic risks."
//   - Art. 54(1): "Prior to placing a general-purpose AI model on the
//     Union market, providers established in third countries shall, by
//     written mandate, appoint an authorised representative which is
//     established in the Union." Art. 54(6) exempts the same free and
//     open-source models "unless the general-purpose AI models present
//     systemic risks".
//   - Art. 52(1)–(3): the provider of a model meeting Art. 51(1)(a)
//     notifies the Commission within two weeks and "may present, with its
//     notification, sufficiently substantiated arguments" that it does not
//     present systemic risks; rejected arguments leave it a model with
//     systemic risk (52(3)); until the Commission accepts them, the
//     presumption stands.
func TestGeneralPurposeObligationsFollowTheArticles(t *testing.T) {
	ab := []string{"Art. 53(1)(a)", "Art. 53(1)(b)"}
	cd := []string{"Art. 53(1)(c)", "Art. 53(1)(d)"}
	art53 := append(slices.Clone(ab), cd...)
	art55 := []string{"Art. 55(1)(a)", "Art. 55(1)(b)", "Art. 55(1)(c)", "Art. 55(1)(d)"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	presumed := GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute}
	with := func(g GeneralPurposeAI, f func(*GeneralPurposeAI)) GeneralPurposeAI { f(&g); return g }
	cases := []struct {
		name     string
		g        GeneralPurposeAI
		systemic bool
		want     []string // obligations, by article
		refs     []string // references that must be listed
	}{
		{"open source without systemic risk: Art. 53(2)", GeneralPurposeAI{OpenSource: true, TrainingComputeFLOP: 1e24},
			false, cd, []string{"Art. 53(2)"}},
		{"open source with systemic risk: no exception", with(presumed, func(g *GeneralPurposeAI) { g.OpenSource = true }),
			true, cat(art53, []string{"Art. 52(1)"}, art55), nil},
		{"provider in a third country: Art. 54(1)", GeneralPurposeAI{ProviderOutsideUnion: true},
			false, cat(art53, []string{"Art. 54(1)"}), []string{"Art. 54(1)"}},
		{"third country, open source, no systemic risk: Art. 54(6)", GeneralPurposeAI{ProviderOutsideUnion: true, OpenSource: true},
			false, cd, []string{"Art. 53(2)", "Art. 54(6)"}},
		{"third country, open source, systemic risk", with(presumed, func(g *GeneralPurposeAI) { g.ProviderOutsideUnion, g.OpenSource = true, true }),
			true, cat(art53, []string{"Art. 54(1)", "Art. 52(1)"}, art55), []string{"Art. 54(1)"}},
		{"arguments presented: the presumption stands", with(presumed, func(g *GeneralPurposeAI) { g.SystemicRiskArguments = ArgumentsPresented }),
			true, cat(art53, []string{"Art. 52(1)"}, art55), []string{"Art. 52(2)"}},
		{"arguments rejected: Art. 52(3)", with(presumed, func(g *GeneralPurposeAI) { g.SystemicRiskArguments = ArgumentsRejected }),
			true, cat(art53, []string{"Art. 52(1)"}, art55), []string{"Art. 52(2)", "Art. 52(3)"}},
		{"arguments accepted: no systemic risk above 10^25", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRiskArguments: ArgumentsAccepted},
			false, art53, []string{"Art. 52(2)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			m := gpaiSystem(&g).Models[0]
			if err := gpaiSystem(&g).Validate(); err != nil {
				t.Fatalf("valid description refused: %v", err)
			}
			c, err := ClassifyGeneralPurposeModel(m)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range c.Obligations {
				got = append(got, o[:strings.Index(o, ":")])
			}
			if c.SystemicRisk != tc.systemic || !slices.Equal(got, tc.want) {
				t.Errorf("systemic risk %v, obligations %q; want %v, %q", c.SystemicRisk, got, tc.systemic, tc.want)
			}
			for _, r := range tc.refs {
				if !slices.Contains(c.References, r) || !strings.Contains(c.Rationale, r) {
					t.Errorf("references %q or rationale %q lack %s", c.References, c.Rationale, r)
				}
			}
		})
	}
}

func TestGeneralPurposeProcedureValidation(t *testing.T) {
	const f = "models[0].generalPurpose."
	cases := []struct {
		name  string
		g     GeneralPurposeAI
		field string
	}{
		// Art. 52(2)-(3): arguments do not lift the presumption until the
		// Commission accepts them.
		{"presented arguments do not lift the presumption", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRiskArguments: ArgumentsPresented}, f + "systemicRisk"},
		{"rejected arguments leave systemic risk", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRiskArguments: ArgumentsRejected}, f + "systemicRisk"},
		{"accepted arguments contradict a systemic-risk claim", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute, SystemicRiskArguments: ArgumentsAccepted}, f + "systemicRiskArguments"},
		// Arguments answer the Art. 51(1)(a) condition, not a designation.
		{"arguments against a designation", GeneralPurposeAI{SystemicRisk: true, SystemicRiskBasis: SystemicRiskCommissionDesignation, SystemicRiskArguments: ArgumentsPresented}, f + "systemicRiskArguments"},
		{"arguments of a model below the condition", GeneralPurposeAI{TrainingComputeFLOP: 1e24, SystemicRiskArguments: ArgumentsAccepted}, f + "systemicRiskArguments"},
		{"unknown state of arguments", GeneralPurposeAI{TrainingComputeFLOP: 3e25, SystemicRisk: true, SystemicRiskBasis: SystemicRiskTrainingCompute, SystemicRiskArguments: "pending"}, f + "systemicRiskArguments"},
		{"representative of a provider in the Union", GeneralPurposeAI{AuthorisedRepresentative: "Rep GmbH"}, f + "authorisedRepresentative"},
		{"representative of a provider in a third country", GeneralPurposeAI{ProviderOutsideUnion: true, AuthorisedRepresentative: "Rep GmbH"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			probs := fieldProblems(gpaiSystem(&g).Validate())
			if tc.field == "" {
				if len(probs) != 0 {
					t.Fatalf("valid description refused: %v", probs)
				}
				return
			}
			if _, ok := probs[tc.field]; !ok || len(probs) != 1 {
				t.Fatalf("problems %v, want exactly one at %s", probs, tc.field)
			}
		})
	}
}

// Art. 52(1) binds the provider of a model that meets the condition of
// Art. 51(1)(a), presumed from a training compute greater than 10^25
// (Art. 51(2)), whatever else happened: a Commission designation
// (Art. 51(1)(b), Art. 52(1) last sentence: of a model "of which it has not
// been notified") does not lift the duty to notify. A designated model
// below the threshold has no Art. 52(1) duty.
func TestDesignatedModelAboveThresholdStillNotifies(t *testing.T) {
	for _, tc := range []struct {
		compute float64
		notify  bool
	}{{3e25, true}, {1e24, false}} {
		g := GeneralPurposeAI{TrainingComputeFLOP: tc.compute, SystemicRisk: true, SystemicRiskBasis: SystemicRiskCommissionDesignation}
		c, err := ClassifyGeneralPurposeModel(gpaiSystem(&g).Models[0])
		if err != nil {
			t.Fatal(err)
		}
		notifies := slices.ContainsFunc(c.Obligations, func(o string) bool { return strings.HasPrefix(o, "Art. 52(1):") })
		if notifies != tc.notify || slices.Contains(c.References, "Art. 52(1)") != tc.notify {
			t.Errorf("designated model trained with %g FLOP: Art. 52(1) listed %v, want %v (%q)", tc.compute, notifies, tc.notify, c.Obligations)
		}
	}
}
