package inventory

import (
	"github.com/aimskit/aimskit/aims"

	"fmt"
	"strings"
)

// Domain is the area of activity a use case belongs to. The named domains
// are the eight areas of EU AI Act Annex III; anything else is DomainOther.
type Domain string

// The Annex III areas and the catch-all.
const (
	DomainOther                  Domain = "other"
	DomainBiometrics             Domain = "biometrics"              // Annex III point 1
	DomainCriticalInfrastructure Domain = "critical_infrastructure" // Annex III point 2
	DomainEducation              Domain = "education"               // Annex III point 3
	DomainEmployment             Domain = "employment"              // Annex III point 4 (includes the workplace)
	DomainEssentialServices      Domain = "essential_services"      // Annex III point 5
	DomainLawEnforcement         Domain = "law_enforcement"         // Annex III point 6
	DomainMigration              Domain = "migration"               // Annex III point 7
	DomainJustice                Domain = "justice_democracy"       // Annex III point 8
)

var domainArea = map[Domain]int{
	"": 0, DomainOther: 0,
	DomainBiometrics: 1, DomainCriticalInfrastructure: 2, DomainEducation: 3, DomainEmployment: 4,
	DomainEssentialServices: 5, DomainLawEnforcement: 6, DomainMigration: 7, DomainJustice: 8,
}

// Function is what the AI system does in its domain. The named functions
// are the practices of EU AI Act Art. 5(1), the use cases listed in Annex
// III, and the uses Annex III explicitly excludes; FunctionOther is anything
// else.
type Function string

// Functions. The comment names the provision each one maps to.
const (
	FunctionOther Function = "other"

	// Art. 5(1) prohibited practices.
	FunctionManipulation                   Function = "manipulative_techniques"            // Art. 5(1)(a)
	FunctionExploitVulnerabilities         Function = "exploit_vulnerabilities"            // Art. 5(1)(b)
	FunctionSocialScoring                  Function = "social_scoring"                     // Art. 5(1)(c)
	FunctionCrimePredictionByProfiling     Function = "crime_prediction_by_profiling"      // Art. 5(1)(d)
	FunctionFacialImageScraping            Function = "facial_image_scraping"              // Art. 5(1)(e)
	FunctionEmotionRecognition             Function = "emotion_recognition"                // Art. 5(1)(f) at work or in education, else Annex III 1(c)
	FunctionSensitiveBiometricCategorising Function = "biometric_categorisation_sensitive" // Art. 5(1)(g)
	FunctionRealTimeRemoteBiometricID      Function = "realtime_remote_biometric_identification"

	// Annex III point 1: biometrics.
	FunctionRemoteBiometricID       Function = "remote_biometric_identification" // 1(a)
	FunctionBiometricCategorisation Function = "biometric_categorisation"        // 1(b)
	FunctionBiometricVerification   Function = "biometric_verification"          // excluded by 1(a)

	// Annex III point 2: critical infrastructure.
	FunctionCriticalInfrastructureSafety Function = "critical_infrastructure_safety" // 2

	// Annex III point 3: education and vocational training.
	FunctionEducationAdmission Function = "education_admission"         // 3(a)
	FunctionLearningEvaluation Function = "learning_outcome_evaluation" // 3(b)
	FunctionEducationLevel     Function = "education_level_assessment"  // 3(c)
	FunctionExamMonitoring     Function = "exam_monitoring"             // 3(d)

	// Annex III point 4: employment, workers' management, self-employment.
	FunctionRecruitment    Function = "recruitment"     // 4(a)
	FunctionWorkManagement Function = "work_management" // 4(b)

	// Annex III point 5: essential private and public services and benefits.
	FunctionPublicBenefits   Function = "public_benefits_eligibility"   // 5(a)
	FunctionCreditworthiness Function = "creditworthiness"              // 5(b)
	FunctionFraudDetection   Function = "fraud_detection"               // excluded by 5(b)
	FunctionInsurancePricing Function = "life_health_insurance_pricing" // 5(c)
	FunctionEmergencyTriage  Function = "emergency_triage"              // 5(d)

	// Annex III point 6: law enforcement.
	FunctionVictimRisk           Function = "victim_risk_assessment"    // 6(a)
	FunctionPolygraph            Function = "law_enforcement_polygraph" // 6(b)
	FunctionEvidenceReliability  Function = "evidence_reliability"      // 6(c)
	FunctionOffendingRisk        Function = "offending_risk_assessment" // 6(d)
	FunctionCriminalProfiling    Function = "criminal_profiling"        // 6(e)
	FunctionMigrationPolygraph   Function = "migration_polygraph"       // 7(a)
	FunctionMigrationRisk        Function = "migration_risk_assessment" // 7(b)
	FunctionAsylumVisaExam       Function = "asylum_visa_examination"   // 7(c)
	FunctionMigrationIdentify    Function = "migration_identification"  // 7(d)
	FunctionTravelDocumentVerify Function = "travel_document_verification"
	FunctionJudicialAssistance   Function = "judicial_assistance" // 8(a)
	FunctionElectionInfluence    Function = "election_influence"  // 8(b)
	FunctionCampaignLogistics    Function = "campaign_logistics"  // excluded by 8(b)
)

// Derogation is one of the conditions of EU AI Act Art. 6(3) under which an
// Annex III system is not high-risk because it does not materially influence
// the outcome of decision making.
type Derogation string

// The Art. 6(3) conditions.
const (
	DerogationNone              Derogation = ""
	DerogationNarrowProcedural  Derogation = "narrow_procedural_task"  // Art. 6(3)(a)
	DerogationImprovesHumanWork Derogation = "improves_human_activity" // Art. 6(3)(b)
	DerogationDetectsPatterns   Derogation = "detects_patterns"        // Art. 6(3)(c)
	DerogationPreparatoryTask   Derogation = "preparatory_task"        // Art. 6(3)(d)
)

var derogationRef = map[Derogation]struct{ ref, text string }{
	DerogationNarrowProcedural:  {"Art. 6(3)(a)", "performs a narrow procedural task"},
	DerogationImprovesHumanWork: {"Art. 6(3)(b)", "improves the result of a previously completed human activity"},
	DerogationDetectsPatterns:   {"Art. 6(3)(c)", "detects decision-making patterns or deviations without replacing or influencing the previously completed human assessment without proper human review"},
	DerogationPreparatoryTask:   {"Art. 6(3)(d)", "performs a preparatory task to an assessment relevant for the Annex III use cases"},
}

// UseCase is the structured description of what an AI system is used for,
// from which [Classify] derives the EU AI Act tier.
type UseCase struct {
	// Domain is the area of activity (an Annex III area or other).
	Domain Domain `json:"domain,omitempty"`
	// Function is what the system does there.
	Function Function `json:"function,omitempty"`
	// AffectedPersons says who is affected by the system's outputs.
	AffectedPersons string `json:"affectedPersons,omitempty"`
	// Profiling is set when the system profiles natural persons in the
	// sense of GDPR Art. 4(4): automated evaluation of personal aspects.
	// [Classify] treats the Annex III use case of criminal profiling
	// (point 6(e)) as profiling even when it is not set.
	Profiling bool `json:"profiling,omitempty"`
	// InteractsWithPeople is set when natural persons interact directly
	// with the system (Art. 50(1)).
	InteractsWithPeople bool `json:"interactsWithPeople,omitempty"`
	// GeneratesContent is set when the system generates synthetic audio,
	// image, video or text content (Art. 50(2)).
	GeneratesContent bool `json:"generatesContent,omitempty"`
	// DeepFake is set when the generated content is a deep fake (Art. 50(4)).
	DeepFake bool `json:"deepFake,omitempty"`
	// PublicInterestText is set when generated text is published to inform
	// the public on matters of public interest (Art. 50(4)).
	PublicInterestText bool `json:"publicInterestText,omitempty"`
	// SafetyComponent is set when the system is a safety component of a
	// product, or is itself a product, covered by the Union harmonisation
	// legislation of Annex I (Art. 6(1)(a)).
	SafetyComponent bool `json:"safetyComponent,omitempty"`
	// ThirdPartyConformityAssessment is set when that product must undergo
	// a third-party conformity assessment under Annex I legislation
	// (Art. 6(1)(b)).
	ThirdPartyConformityAssessment bool `json:"thirdPartyConformityAssessment,omitempty"`
	// Derogation claims one of the Art. 6(3) conditions for an Annex III
	// use case. It never applies when the system profiles natural persons:
	// when Profiling is set, or when the use case is profiling by
	// definition (Annex III point 6(e)).
	Derogation Derogation `json:"derogation,omitempty"`
	// MedicalOrSafety is set when emotion recognition at work or in
	// education is intended for medical or safety reasons (Art. 5(1)(f)).
	MedicalOrSafety bool `json:"medicalOrSafety,omitempty"`
	// PubliclyAccessibleSpace is set when remote biometric identification
	// operates in publicly accessible spaces (Art. 3(44), Art. 5(1)(h)).
	PubliclyAccessibleSpace bool `json:"publiclyAccessibleSpace,omitempty"`
	// LawEnforcementPurpose is set when the system is used for the
	// purposes of law enforcement (Art. 3(46): the prevention,
	// investigation, detection or prosecution of criminal offences or the
	// execution of criminal penalties, including safeguarding against
	// threats to public security), whatever Domain it is described under.
	// Art. 5(1)(h) prohibits real-time remote biometric identification in
	// publicly accessible spaces by its purpose, not by the area of
	// activity: a system described under Annex III area 1 (biometrics)
	// and used for law enforcement is prohibited just as one described
	// under area 6. Domain law_enforcement implies it.
	LawEnforcementPurpose bool `json:"lawEnforcementPurpose,omitempty"`
	// LawEnforcementException is set when real-time remote biometric
	// identification for law enforcement is strictly necessary for one of
	// the objectives of Art. 5(1)(h)(i)–(iii) and authorised under Art. 5(2)–(7).
	// It applies whether the law-enforcement purpose comes from Domain or
	// from LawEnforcementPurpose.
	LawEnforcementException bool `json:"lawEnforcementException,omitempty"`
}

// Classification is the result of [Classify].
type Classification struct {
	// Level is the EU AI Act tier.
	Level aims.RiskLevel `json:"level"`
	// Rationale explains, in sentences, how the tier was reached.
	Rationale string `json:"rationale"`
	// References are the provisions relied on, e.g. "Art. 5(1)(c)" or
	// "Annex III point 4(a)". Art. 50 references also appear for
	// high-risk systems, whose transparency obligations come on top.
	References []string `json:"references"`
	// AnnexIIIArea is the Annex III area (1–8) the use case falls in, 0 if none.
	AnnexIIIArea int `json:"annexIIIArea,omitempty"`
	// Derogated is set when an Art. 6(3) condition took an Annex III use
	// case out of the high-risk tier; the provider must then document the
	// assessment (Art. 6(4)) and register the system (Art. 49(2)).
	Derogated bool `json:"derogated,omitempty"`
}

// prohibitedPractice is an Art. 5(1) practice that is prohibited as such.
var prohibitedPractice = map[Function]struct{ ref, text string }{
	FunctionManipulation:                   {"Art. 5(1)(a)", "deploys subliminal, purposefully manipulative or deceptive techniques that materially distort behaviour and cause significant harm"},
	FunctionExploitVulnerabilities:         {"Art. 5(1)(b)", "exploits vulnerabilities due to age, disability or a specific social or economic situation"},
	FunctionSocialScoring:                  {"Art. 5(1)(c)", "evaluates or classifies persons by social behaviour or personal characteristics with a social score leading to detrimental treatment"},
	FunctionCrimePredictionByProfiling:     {"Art. 5(1)(d)", "assesses the risk that a person commits a criminal offence based solely on profiling or personality traits"},
	FunctionFacialImageScraping:            {"Art. 5(1)(e)", "creates or expands facial recognition databases through untargeted scraping of facial images"},
	FunctionSensitiveBiometricCategorising: {"Art. 5(1)(g)", "categorises persons on their biometric data to infer race, political opinions, trade union membership, religious or philosophical beliefs, sex life or sexual orientation"},
}

// annexIIIUse is a use case listed in Annex III.
type annexIIIUse struct {
	area  int
	point string
	text  string
}

var annexIII = map[Function]annexIIIUse{
	FunctionRemoteBiometricID:            {1, "1(a)", "remote biometric identification"},
	FunctionRealTimeRemoteBiometricID:    {1, "1(a)", "remote biometric identification (real-time)"},
	FunctionBiometricCategorisation:      {1, "1(b)", "biometric categorisation according to sensitive or protected attributes"},
	FunctionEmotionRecognition:           {1, "1(c)", "emotion recognition"},
	FunctionCriticalInfrastructureSafety: {2, "2", "safety component in the management and operation of critical digital infrastructure, road traffic, or the supply of water, gas, heating or electricity"},
	FunctionEducationAdmission:           {3, "3(a)", "determining access or admission to, or assigning persons to, education and vocational training institutions"},
	FunctionLearningEvaluation:           {3, "3(b)", "evaluating learning outcomes"},
	FunctionEducationLevel:               {3, "3(c)", "assessing the appropriate level of education a person will receive or be able to access"},
	FunctionExamMonitoring:               {3, "3(d)", "monitoring and detecting prohibited behaviour of students during tests"},
	FunctionRecruitment:                  {4, "4(a)", "recruitment or selection of natural persons"},
	FunctionWorkManagement:               {4, "4(b)", "decisions on terms of work relationships, promotion, termination, task allocation, or monitoring and evaluating performance and behaviour"},
	FunctionPublicBenefits:               {5, "5(a)", "evaluating eligibility for essential public assistance benefits and services"},
	FunctionCreditworthiness:             {5, "5(b)", "evaluating creditworthiness or establishing a credit score"},
	FunctionInsurancePricing:             {5, "5(c)", "risk assessment and pricing in life and health insurance"},
	FunctionEmergencyTriage:              {5, "5(d)", "evaluating and classifying emergency calls, dispatching emergency first response, or emergency patient triage"},
	FunctionVictimRisk:                   {6, "6(a)", "assessing the risk of a natural person becoming the victim of criminal offences"},
	FunctionPolygraph:                    {6, "6(b)", "polygraphs or similar tools used by law enforcement"},
	FunctionEvidenceReliability:          {6, "6(c)", "evaluating the reliability of evidence in criminal investigations or prosecutions"},
	FunctionOffendingRisk:                {6, "6(d)", "assessing the risk of offending or re-offending not solely on the basis of profiling, or assessing personality traits or past criminal behaviour"},
	FunctionCriminalProfiling:            {6, "6(e)", "profiling of natural persons in the detection, investigation or prosecution of criminal offences"},
	FunctionMigrationPolygraph:           {7, "7(a)", "polygraphs or similar tools used in migration, asylum and border control"},
	FunctionMigrationRisk:                {7, "7(b)", "assessing a security, irregular-migration or health risk posed by a person entering a Member State"},
	FunctionAsylumVisaExam:               {7, "7(c)", "examining applications for asylum, visa or residence permits and related complaints"},
	FunctionMigrationIdentify:            {7, "7(d)", "detecting, recognising or identifying natural persons in migration, asylum and border control"},
	FunctionJudicialAssistance:           {8, "8(a)", "assisting a judicial authority in researching and interpreting facts and the law and applying the law, or alternative dispute resolution"},
	FunctionElectionInfluence:            {8, "8(b)", "influencing the outcome of an election or referendum or the voting behaviour of natural persons"},
}

// profilingByDefinition holds the Annex III use cases that, as Annex III
// words them, are themselves profiling of natural persons, so that every
// system in them "performs profiling of natural persons" and the Art. 6(3)
// derogations never apply (Art. 6(3), third subparagraph), whatever
// UseCase.Profiling says. Only point 6(e) is worded so: "profiling of
// natural persons as referred to in Article 3(4) of Directive (EU)
// 2016/680".
//
// Point 6(d) is adjacent but not profiling by definition: its first limb
// covers risk assessment "not solely on the basis of the profiling of
// natural persons", and its second the assessment of "personality traits
// and characteristics or past criminal behaviour of natural persons or
// groups", which may concern groups rather than a natural person. Whether
// a 6(d) system profiles depends on the system, as for points 4(b) and
// 5(b), so there the caller sets UseCase.Profiling.
var profilingByDefinition = map[Function]bool{
	FunctionCriminalProfiling: true,
}

// excludedUse is a use Annex III names explicitly as not covered.
var excludedUse = map[Function]struct{ ref, text string }{
	FunctionBiometricVerification: {"Annex III point 1(a)", "biometric verification whose sole purpose is to confirm that a person is who they claim to be is excluded from Annex III point 1(a)"},
	FunctionFraudDetection:        {"Annex III point 5(b)", "detecting financial fraud is excluded from Annex III point 5(b)"},
	FunctionTravelDocumentVerify:  {"Annex III point 7(d)", "verifying travel documents is excluded from Annex III point 7(d)"},
	FunctionCampaignLogistics:     {"Annex III point 8(b)", "tools to organise, optimise or structure political campaigns from an administrative or logistical point of view are excluded from Annex III point 8(b)"},
}

// Classify maps a use case to its EU AI Act tier (Regulation (EU)
// 2024/1689), checking in order of severity:
//
//  1. prohibited practices, Art. 5(1)(a)–(h), including the emotion
//     recognition (f) and real-time biometric identification (h) exceptions;
//     (h) applies when the use is for law enforcement, that is in Domain
//     law_enforcement or with UseCase.LawEnforcementPurpose under any
//     other domain (biometrics, typically);
//  2. high-risk by Art. 6(1): a safety component of (or itself) a product
//     under Annex I legislation that needs third-party conformity assessment;
//  3. high-risk by Art. 6(2) and Annex III areas 1–8, unless an Art. 6(3)
//     condition applies — which it never does when the system profiles
//     natural persons (Art. 6(3), third subparagraph): when
//     UseCase.Profiling is set, or when the Annex III use case is itself
//     profiling (point 6(e), profiling of natural persons in criminal
//     matters);
//  4. limited: the transparency obligations of Art. 50(1)–(4);
//  5. minimal otherwise.
//
// Art. 50 obligations are listed for high-risk systems too. Unknown domain,
// function or derogation values are errors.
func Classify(u UseCase) (Classification, error) {
	if _, ok := domainArea[u.Domain]; !ok {
		return Classification{}, fmt.Errorf("inventory: unknown use case domain %q", string(u.Domain))
	}
	_, isAnnex := annexIII[u.Function]
	_, isProhibited := prohibitedPractice[u.Function]
	_, isExcluded := excludedUse[u.Function]
	isOther := u.Function == FunctionOther || u.Function == ""
	if !isAnnex && !isProhibited && !isExcluded && !isOther {
		return Classification{}, fmt.Errorf("inventory: unknown use case function %q", string(u.Function))
	}
	if _, ok := derogationRef[u.Derogation]; !ok && u.Derogation != DerogationNone {
		return Classification{}, fmt.Errorf("inventory: unknown Art. 6(3) derogation %q (want narrow_procedural_task, improves_human_activity, detects_patterns or preparatory_task)", string(u.Derogation))
	}

	var c Classification
	var why []string
	ref := func(r ...string) { c.References = append(c.References, r...) }

	// 1. Art. 5 prohibited practices.
	if p, ok := prohibitedPractice[u.Function]; ok {
		c.Level = aims.RiskProhibited
		ref(p.ref)
		why = append(why, "The system "+p.text+", a prohibited AI practice under "+p.ref+".")
	}
	if u.Function == FunctionEmotionRecognition && (u.Domain == DomainEmployment || u.Domain == DomainEducation) {
		if u.MedicalOrSafety {
			why = append(why, "Emotion recognition in the workplace or in education is prohibited by Art. 5(1)(f), but not when intended for medical or safety reasons, as stated here.")
		} else {
			c.Level = aims.RiskProhibited
			ref("Art. 5(1)(f)")
			why = append(why, "The system infers emotions of persons in the workplace or in education institutions, a prohibited AI practice under Art. 5(1)(f).")
		}
	}
	// Art. 5(1)(h) prohibits the use "for the purposes of law
	// enforcement", so the purpose decides, not the Annex III area the
	// use case is described under.
	lawEnforcement := u.Domain == DomainLawEnforcement || u.LawEnforcementPurpose
	if u.Function == FunctionRealTimeRemoteBiometricID && lawEnforcement && u.PubliclyAccessibleSpace {
		if u.LawEnforcementException {
			ref("Art. 5(2)")
			why = append(why, "Real-time remote biometric identification in publicly accessible spaces for law enforcement is prohibited by Art. 5(1)(h), except for the objectives of Art. 5(1)(h)(i)–(iii) under the authorisation of Art. 5(2)–(7), which is claimed here.")
		} else {
			c.Level = aims.RiskProhibited
			ref("Art. 5(1)(h)")
			why = append(why, "The system performs real-time remote biometric identification in publicly accessible spaces for law enforcement, a prohibited AI practice under Art. 5(1)(h).")
		}
	}
	if c.Level == aims.RiskProhibited {
		c.Rationale = strings.Join(why, " ")
		return c, nil
	}

	// 2. Art. 6(1): product safety.
	if u.SafetyComponent {
		if u.ThirdPartyConformityAssessment {
			c.Level = aims.RiskHigh
			ref("Art. 6(1)", "Annex I")
			why = append(why, "The system is a safety component of a product (or itself a product) covered by Annex I Union harmonisation legislation that requires a third-party conformity assessment, so it is high-risk under Art. 6(1).")
		} else {
			why = append(why, "The system is a safety component of an Annex I product, but without a required third-party conformity assessment Art. 6(1) does not apply.")
		}
	}

	// 3. Art. 6(2) and Annex III, with the Art. 6(3) derogations.
	if a, ok := annexIII[u.Function]; ok {
		c.AnnexIIIArea = a.area
		point := "Annex III point " + a.point
		// A use case that is profiling by definition profiles natural
		// persons whatever the caller declared.
		profiling := u.Profiling || profilingByDefinition[u.Function]
		profiles := "the system profiles natural persons"
		if profilingByDefinition[u.Function] {
			profiles = "the use case is itself profiling of natural persons"
		}
		switch {
		case c.Level == aims.RiskHigh:
			ref("Art. 6(2)", point)
			why = append(why, "It is also listed in "+point+" ("+a.text+").")
		case u.Derogation != DerogationNone && profiling:
			c.Level = aims.RiskHigh
			ref("Art. 6(2)", point, "Art. 6(3), third subparagraph")
			why = append(why, "The use case is listed in "+point+" ("+a.text+"). The Art. 6(3) derogation claimed does not apply because "+profiles+", so it is always high-risk (Art. 6(3), third subparagraph).")
		case u.Derogation != DerogationNone:
			d := derogationRef[u.Derogation]
			c.Derogated = true
			ref(point, d.ref, "Art. 6(4)", "Art. 49(2)")
			why = append(why, "The use case is listed in "+point+" ("+a.text+"), but the system "+d.text+" and does not profile natural persons, so it is not high-risk under "+d.ref+". The provider must document this assessment before placing the system on the market (Art. 6(4)) and register it (Art. 49(2)).")
		default:
			c.Level = aims.RiskHigh
			ref("Art. 6(2)", point)
			why = append(why, "The use case is listed in "+point+" ("+a.text+"), so the system is high-risk under Art. 6(2).")
			if profiling {
				ref("Art. 6(3), third subparagraph")
				if profilingByDefinition[u.Function] {
					why = append(why, "The use case is itself profiling of natural persons, so no Art. 6(3) derogation can apply.")
				} else {
					why = append(why, "It profiles natural persons, so no Art. 6(3) derogation can apply.")
				}
			}
		}
	} else if e, ok := excludedUse[u.Function]; ok {
		ref(e.ref)
		why = append(why, "The use is not high-risk: "+e.text+".")
	} else if area := domainArea[u.Domain]; area > 0 && c.Level != aims.RiskHigh {
		why = append(why, fmt.Sprintf("The domain is Annex III area %d, but the function is not one of the use cases listed there.", area))
	}
	if u.Derogation != DerogationNone && c.AnnexIIIArea == 0 {
		why = append(why, "The Art. 6(3) derogation claimed is irrelevant because the use case is not listed in Annex III.")
	}

	// 4. Art. 50 transparency obligations (on top of the high-risk ones).
	var transparency []string
	if u.InteractsWithPeople {
		transparency = append(transparency, "Art. 50(1)")
		why = append(why, "Persons interact directly with the system, so they must be informed that they are interacting with an AI system (Art. 50(1)).")
	}
	if u.GeneratesContent || u.DeepFake || u.PublicInterestText {
		transparency = append(transparency, "Art. 50(2)")
		why = append(why, "The system generates synthetic content, which must be marked in a machine-readable format as artificially generated (Art. 50(2)).")
	}
	if u.Function == FunctionEmotionRecognition || u.Function == FunctionBiometricCategorisation {
		transparency = append(transparency, "Art. 50(3)")
		why = append(why, "Persons exposed to emotion recognition or biometric categorisation must be informed of its operation (Art. 50(3)).")
	}
	if u.DeepFake || u.PublicInterestText {
		transparency = append(transparency, "Art. 50(4)")
		why = append(why, "Deep fakes, and text published to inform the public on matters of public interest, must be disclosed as artificially generated or manipulated (Art. 50(4)).")
	}
	ref(transparency...)

	switch {
	case c.Level == aims.RiskHigh:
	case len(transparency) > 0:
		c.Level = aims.RiskLimited
		why = append(why, "With transparency obligations only, the system is limited-risk.")
	default:
		c.Level = aims.RiskMinimal
		why = append(why, "No prohibition, high-risk rule or transparency obligation applies, so the system is minimal-risk.")
	}
	if u.AffectedPersons != "" {
		why = append(why, "Affected persons: "+u.AffectedPersons+".")
	}
	c.Rationale = strings.Join(why, " ")
	return c, nil
}
