package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"errors"
	"slices"
	"strings"
	"testing"
)

func TestClassifyAnnexIII(t *testing.T) {
	cases := []struct {
		domain Domain
		fn     Function
		area   int
		point  string
	}{
		{DomainBiometrics, FunctionRemoteBiometricID, 1, "Annex III point 1(a)"},
		{DomainBiometrics, FunctionRealTimeRemoteBiometricID, 1, "Annex III point 1(a)"},
		{DomainBiometrics, FunctionBiometricCategorisation, 1, "Annex III point 1(b)"},
		{DomainBiometrics, FunctionEmotionRecognition, 1, "Annex III point 1(c)"},
		{DomainCriticalInfrastructure, FunctionCriticalInfrastructureSafety, 2, "Annex III point 2"},
		{DomainEducation, FunctionEducationAdmission, 3, "Annex III point 3(a)"},
		{DomainEducation, FunctionLearningEvaluation, 3, "Annex III point 3(b)"},
		{DomainEducation, FunctionEducationLevel, 3, "Annex III point 3(c)"},
		{DomainEducation, FunctionExamMonitoring, 3, "Annex III point 3(d)"},
		{DomainEmployment, FunctionRecruitment, 4, "Annex III point 4(a)"},
		{DomainEmployment, FunctionWorkManagement, 4, "Annex III point 4(b)"},
		{DomainEssentialServices, FunctionPublicBenefits, 5, "Annex III point 5(a)"},
		{DomainEssentialServices, FunctionCreditworthiness, 5, "Annex III point 5(b)"},
		{DomainEssentialServices, FunctionInsurancePricing, 5, "Annex III point 5(c)"},
		{DomainEssentialServices, FunctionEmergencyTriage, 5, "Annex III point 5(d)"},
		{DomainLawEnforcement, FunctionVictimRisk, 6, "Annex III point 6(a)"},
		{DomainLawEnforcement, FunctionPolygraph, 6, "Annex III point 6(b)"},
		{DomainLawEnforcement, FunctionEvidenceReliability, 6, "Annex III point 6(c)"},
		{DomainLawEnforcement, FunctionOffendingRisk, 6, "Annex III point 6(d)"},
		{DomainLawEnforcement, FunctionCriminalProfiling, 6, "Annex III point 6(e)"},
		{DomainMigration, FunctionMigrationPolygraph, 7, "Annex III point 7(a)"},
		{DomainMigration, FunctionMigrationRisk, 7, "Annex III point 7(b)"},
		{DomainMigration, FunctionAsylumVisaExam, 7, "Annex III point 7(c)"},
		{DomainMigration, FunctionMigrationIdentify, 7, "Annex III point 7(d)"},
		{DomainJustice, FunctionJudicialAssistance, 8, "Annex III point 8(a)"},
		{DomainJustice, FunctionElectionInfluence, 8, "Annex III point 8(b)"},
	}
	seenArea := map[int]bool{}
	for _, tc := range cases {
		t.Run(string(tc.fn), func(t *testing.T) {
			c, err := Classify(UseCase{Domain: tc.domain, Function: tc.fn})
			if err != nil {
				t.Fatal(err)
			}
			if c.Level != aims.RiskHigh {
				t.Errorf("level = %q, want high (%s)", c.Level, c.Rationale)
			}
			if c.AnnexIIIArea != tc.area {
				t.Errorf("area = %d, want %d", c.AnnexIIIArea, tc.area)
			}
			for _, want := range []string{"Art. 6(2)", tc.point} {
				if !slices.Contains(c.References, want) {
					t.Errorf("references %v lack %q", c.References, want)
				}
			}
			if c.Derogated {
				t.Error("derogated without a derogation")
			}
		})
		seenArea[tc.area] = true
	}
	for a := 1; a <= 8; a++ {
		if !seenArea[a] {
			t.Errorf("Annex III area %d has no test case", a)
		}
	}
	// Every Annex III function in the table is covered by the cases above.
	for fn := range annexIII {
		if !slices.ContainsFunc(cases, func(c struct {
			domain Domain
			fn     Function
			area   int
			point  string
		}) bool {
			return c.fn == fn
		}) {
			t.Errorf("Annex III function %q has no test case", fn)
		}
	}
}

func TestClassifyProhibited(t *testing.T) {
	cases := []struct {
		name string
		u    UseCase
		ref  string
	}{
		{"manipulation", UseCase{Function: FunctionManipulation}, "Art. 5(1)(a)"},
		{"vulnerabilities", UseCase{Function: FunctionExploitVulnerabilities}, "Art. 5(1)(b)"},
		{"social scoring", UseCase{Domain: DomainEssentialServices, Function: FunctionSocialScoring}, "Art. 5(1)(c)"},
		{"crime prediction by profiling", UseCase{Domain: DomainLawEnforcement, Function: FunctionCrimePredictionByProfiling, Profiling: true}, "Art. 5(1)(d)"},
		{"facial scraping", UseCase{Function: FunctionFacialImageScraping}, "Art. 5(1)(e)"},
		{"emotion recognition at work", UseCase{Domain: DomainEmployment, Function: FunctionEmotionRecognition}, "Art. 5(1)(f)"},
		{"emotion recognition in education", UseCase{Domain: DomainEducation, Function: FunctionEmotionRecognition}, "Art. 5(1)(f)"},
		{"sensitive biometric categorisation", UseCase{Domain: DomainBiometrics, Function: FunctionSensitiveBiometricCategorising}, "Art. 5(1)(g)"},
		{"real-time RBI for law enforcement", UseCase{Domain: DomainLawEnforcement, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true}, "Art. 5(1)(h)"},
		// Art. 5(1)(h) prohibits the use by its purpose: described under
		// Annex III area 1 it is as prohibited as under area 6.
		{"real-time RBI in the biometrics area for law enforcement", UseCase{Domain: DomainBiometrics, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true, LawEnforcementPurpose: true}, "Art. 5(1)(h)"},
		{"real-time RBI in another area for law enforcement", UseCase{Domain: DomainOther, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true, LawEnforcementPurpose: true}, "Art. 5(1)(h)"},
		// A derogation or a transparency flag never rescues a prohibited practice.
		{"derogation ignored", UseCase{Function: FunctionSocialScoring, Derogation: DerogationNarrowProcedural, InteractsWithPeople: true}, "Art. 5(1)(c)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Classify(tc.u)
			if err != nil {
				t.Fatal(err)
			}
			if c.Level != aims.RiskProhibited {
				t.Fatalf("level = %q, want prohibited (%s)", c.Level, c.Rationale)
			}
			if !slices.Contains(c.References, tc.ref) {
				t.Errorf("references %v lack %q", c.References, tc.ref)
			}
			if !strings.Contains(c.Rationale, tc.ref) {
				t.Errorf("rationale %q does not cite %s", c.Rationale, tc.ref)
			}
		})
	}
	for fn, p := range prohibitedPractice {
		if !slices.ContainsFunc(cases, func(c struct {
			name string
			u    UseCase
			ref  string
		}) bool {
			return c.u.Function == fn && c.ref == p.ref
		}) {
			t.Errorf("Art. 5 practice %q has no test case", fn)
		}
	}
}

func TestClassifyArt5Exceptions(t *testing.T) {
	// Emotion recognition at work for safety reasons: not prohibited, but
	// still Annex III 1(c) high-risk and Art. 50(3).
	c, err := Classify(UseCase{Domain: DomainEmployment, Function: FunctionEmotionRecognition, MedicalOrSafety: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || !slices.Contains(c.References, "Annex III point 1(c)") || !slices.Contains(c.References, "Art. 50(3)") {
		t.Errorf("emotion recognition for safety: %+v", c)
	}
	// Real-time RBI under an authorised Art. 5(1)(h) objective: high-risk.
	c, err = Classify(UseCase{Domain: DomainLawEnforcement, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true, LawEnforcementException: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || !slices.Contains(c.References, "Art. 5(2)") {
		t.Errorf("authorised real-time RBI: %+v", c)
	}
	// The same exception when the use is described under the biometrics
	// area with a law-enforcement purpose.
	c, err = Classify(UseCase{Domain: DomainBiometrics, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true, LawEnforcementPurpose: true, LawEnforcementException: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || !slices.Contains(c.References, "Art. 5(2)") || !slices.Contains(c.References, "Annex III point 1(a)") || slices.Contains(c.References, "Art. 5(1)(h)") {
		t.Errorf("authorised real-time RBI in the biometrics area: %+v", c)
	}
	// In the biometrics area without a law-enforcement purpose, or outside
	// publicly accessible spaces: Annex III 1(a), not Art. 5.
	for _, u := range []UseCase{
		{Domain: DomainBiometrics, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true},
		{Domain: DomainBiometrics, Function: FunctionRealTimeRemoteBiometricID, LawEnforcementPurpose: true},
	} {
		c, err = Classify(u)
		if err != nil {
			t.Fatal(err)
		}
		if c.Level != aims.RiskHigh || slices.Contains(c.References, "Art. 5(1)(h)") {
			t.Errorf("%+v: %+v", u, c)
		}
	}
	// Real-time RBI outside law enforcement: Annex III 1(a), not Art. 5.
	c, err = Classify(UseCase{Domain: DomainOther, Function: FunctionRealTimeRemoteBiometricID, PubliclyAccessibleSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || slices.Contains(c.References, "Art. 5(1)(h)") {
		t.Errorf("real-time RBI outside law enforcement: %+v", c)
	}
}

func TestClassifyDerogations(t *testing.T) {
	for _, d := range []struct {
		d   Derogation
		ref string
	}{
		{DerogationNarrowProcedural, "Art. 6(3)(a)"},
		{DerogationImprovesHumanWork, "Art. 6(3)(b)"},
		{DerogationDetectsPatterns, "Art. 6(3)(c)"},
		{DerogationPreparatoryTask, "Art. 6(3)(d)"},
	} {
		t.Run(string(d.d), func(t *testing.T) {
			u := UseCase{Domain: DomainEmployment, Function: FunctionRecruitment, Derogation: d.d}
			c, err := Classify(u)
			if err != nil {
				t.Fatal(err)
			}
			if c.Level != aims.RiskMinimal || !c.Derogated {
				t.Errorf("level = %q derogated = %v, want minimal and derogated (%s)", c.Level, c.Derogated, c.Rationale)
			}
			for _, want := range []string{d.ref, "Art. 6(4)", "Art. 49(2)", "Annex III point 4(a)"} {
				if !slices.Contains(c.References, want) {
					t.Errorf("references %v lack %q", c.References, want)
				}
			}
			// A derogated system that talks to people is still limited-risk.
			u.InteractsWithPeople = true
			if c, _ := Classify(u); c.Level != aims.RiskLimited {
				t.Errorf("derogated chatbot: level %q, want limited", c.Level)
			}
			// Profiling overrides every derogation (Art. 6(3), third subparagraph).
			u.Profiling = true
			c, err = Classify(u)
			if err != nil {
				t.Fatal(err)
			}
			if c.Level != aims.RiskHigh || c.Derogated || !slices.Contains(c.References, "Art. 6(3), third subparagraph") {
				t.Errorf("profiling with derogation: %+v", c)
			}
		})
	}
	// Art. 6(1) is not subject to Art. 6(3).
	c, err := Classify(UseCase{Domain: DomainCriticalInfrastructure, Function: FunctionCriticalInfrastructureSafety, SafetyComponent: true, ThirdPartyConformityAssessment: true, Derogation: DerogationNarrowProcedural})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || c.Derogated || !slices.Contains(c.References, "Art. 6(1)") {
		t.Errorf("Art. 6(1) with derogation: %+v", c)
	}
}

// TestClassifyProfilingByDefinitionCannotBeDerogated checks Regulation
// (EU) 2024/1689, Art. 6(3), third subparagraph: "an AI system referred to
// in Annex III shall always be considered to be high-risk where the AI
// system performs profiling of natural persons". Annex III point 6(e) lists
// systems used "for the profiling of natural persons as referred to in
// Article 3(4) of Directive (EU) 2016/680": the use case is profiling, so no
// Art. 6(3) derogation takes it out of the high-risk tier even when
// UseCase.Profiling is left unset, and a system declaring it minimal-risk
// does not validate. Point 6(d), which is not profiling by definition,
// still follows the Profiling flag.
func TestClassifyProfilingByDefinitionCannotBeDerogated(t *testing.T) {
	for _, d := range []Derogation{DerogationNarrowProcedural, DerogationImprovesHumanWork, DerogationDetectsPatterns, DerogationPreparatoryTask} {
		c, err := Classify(UseCase{Domain: DomainLawEnforcement, Function: FunctionCriminalProfiling, Derogation: d})
		if err != nil {
			t.Fatal(err)
		}
		if c.Level != aims.RiskHigh || c.Derogated || !slices.Contains(c.References, "Art. 6(3), third subparagraph") {
			t.Errorf("Annex III 6(e) with derogation %q: level %q derogated=%v references %v; profiling is always high-risk (Art. 6(3), third subparagraph)",
				d, c.Level, c.Derogated, c.References)
		}
		if !strings.Contains(c.Rationale, "itself profiling") {
			t.Errorf("rationale does not say why the derogation fails: %s", c.Rationale)
		}
	}
	c, err := Classify(UseCase{Domain: DomainLawEnforcement, Function: FunctionCriminalProfiling})
	if err != nil {
		t.Fatal(err)
	}
	if c.Level != aims.RiskHigh || !slices.Contains(c.References, "Art. 6(3), third subparagraph") {
		t.Errorf("Annex III 6(e) without derogation: %+v", c)
	}

	// 6(d) depends on the system: derogable unless it profiles.
	u := UseCase{Domain: DomainLawEnforcement, Function: FunctionOffendingRisk, Derogation: DerogationPreparatoryTask}
	if c, err := Classify(u); err != nil || !c.Derogated {
		t.Errorf("Annex III 6(d), not profiling, with derogation: %+v, %v", c, err)
	}
	u.Profiling = true
	if c, err := Classify(u); err != nil || c.Derogated || c.Level != aims.RiskHigh {
		t.Errorf("Annex III 6(d), profiling, with derogation: %+v, %v", c, err)
	}

	s := creditSystem()
	s.UseCase = &UseCase{Domain: DomainLawEnforcement, Function: FunctionCriminalProfiling, Derogation: DerogationPreparatoryTask}
	s.RiskLevel = aims.RiskMinimal
	var fe *FieldError
	if err := s.Validate(); !errors.As(err, &fe) || fe.Field != "riskLevel" {
		t.Errorf("a criminal-profiling system (Annex III 6(e)) declared minimal-risk: Validate = %v, want a riskLevel error", err)
	}
	s.RiskLevel = aims.RiskHigh
	if err := s.Validate(); err != nil {
		t.Errorf("declared high: %v", err)
	}
}

func TestClassifySafetyComponentAndTransparency(t *testing.T) {
	cases := []struct {
		name string
		u    UseCase
		want aims.RiskLevel
		refs []string
		not  []string
	}{
		{"safety component with third-party assessment", UseCase{SafetyComponent: true, ThirdPartyConformityAssessment: true}, aims.RiskHigh, []string{"Art. 6(1)", "Annex I"}, nil},
		{"safety component without third-party assessment", UseCase{SafetyComponent: true}, aims.RiskMinimal, nil, []string{"Art. 6(1)"}},
		{"chatbot", UseCase{Function: FunctionOther, InteractsWithPeople: true}, aims.RiskLimited, []string{"Art. 50(1)"}, nil},
		{"content generator", UseCase{GeneratesContent: true}, aims.RiskLimited, []string{"Art. 50(2)"}, nil},
		{"deep fake", UseCase{GeneratesContent: true, DeepFake: true}, aims.RiskLimited, []string{"Art. 50(2)", "Art. 50(4)"}, nil},
		{"public-interest text", UseCase{PublicInterestText: true}, aims.RiskLimited, []string{"Art. 50(4)"}, nil},
		{"high-risk chatbot keeps Art. 50", UseCase{Domain: DomainEssentialServices, Function: FunctionCreditworthiness, InteractsWithPeople: true}, aims.RiskHigh, []string{"Annex III point 5(b)", "Art. 50(1)"}, nil},
		{"spam filter", UseCase{Domain: DomainOther, Function: FunctionOther}, aims.RiskMinimal, nil, nil},
		{"empty use case", UseCase{}, aims.RiskMinimal, nil, nil},
		{"unlisted function in an Annex III domain", UseCase{Domain: DomainEmployment, Function: FunctionOther}, aims.RiskMinimal, nil, nil},
		{"fraud detection", UseCase{Domain: DomainEssentialServices, Function: FunctionFraudDetection, Profiling: true}, aims.RiskMinimal, []string{"Annex III point 5(b)"}, []string{"Art. 6(2)"}},
		{"biometric verification", UseCase{Domain: DomainBiometrics, Function: FunctionBiometricVerification}, aims.RiskMinimal, []string{"Annex III point 1(a)"}, []string{"Art. 6(2)"}},
		{"travel document verification", UseCase{Domain: DomainMigration, Function: FunctionTravelDocumentVerify}, aims.RiskMinimal, []string{"Annex III point 7(d)"}, []string{"Art. 6(2)"}},
		{"campaign logistics", UseCase{Domain: DomainJustice, Function: FunctionCampaignLogistics}, aims.RiskMinimal, []string{"Annex III point 8(b)"}, []string{"Art. 6(2)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Classify(tc.u)
			if err != nil {
				t.Fatal(err)
			}
			if c.Level != tc.want {
				t.Errorf("level = %q, want %q (%s)", c.Level, tc.want, c.Rationale)
			}
			for _, r := range tc.refs {
				if !slices.Contains(c.References, r) {
					t.Errorf("references %v lack %q", c.References, r)
				}
			}
			for _, r := range tc.not {
				if slices.Contains(c.References, r) {
					t.Errorf("references %v must not contain %q", c.References, r)
				}
			}
			if c.Rationale == "" {
				t.Error("empty rationale")
			}
		})
	}
}

func TestClassifyRejectsUnknownValues(t *testing.T) {
	for _, tc := range []struct {
		u    UseCase
		want string
	}{
		{UseCase{Domain: "finance"}, `domain "finance"`},
		{UseCase{Function: "mind_reading"}, `function "mind_reading"`},
		{UseCase{Function: FunctionRecruitment, Derogation: "because"}, `derogation "because"`},
	} {
		_, err := Classify(tc.u)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Classify(%+v) error = %v, want one mentioning %s", tc.u, err, tc.want)
		}
	}
}
