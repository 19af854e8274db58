package aims

import "strings"

// Control is one ISO/IEC 42001:2023 Annex A reference control, with an
// indicative crosswalk and the records and documents aimskit produces as
// evidence for it.
//
// Summaries are aimskit's own one-line paraphrases: the standard's text is
// copyrighted and must be read in the standard itself. The crosswalks to
// the EU AI Act (Regulation (EU) 2024/1689) and to the NIST AI RMF 1.0
// functions are an indicative mapping kept by aimskit, meant to help find
// related obligations, not an official or exhaustive correspondence.
type Control struct {
	// ID is the Annex A identifier, e.g. "A.6.2.8".
	ID string `json:"id"`
	// Title is the control's title in the standard.
	Title string `json:"title"`
	// Objective is the ID of the objective (clause) the control belongs to, e.g. "A.6".
	Objective string `json:"objective"`
	// Summary is aimskit's one-line paraphrase of what the control asks for.
	Summary string `json:"summary"`
	// EUAIAct lists related EU AI Act articles and annexes.
	EUAIAct []string `json:"eu_ai_act,omitempty"`
	// NISTAIRMF lists related NIST AI RMF 1.0 functions or categories.
	NISTAIRMF []string `json:"nist_ai_rmf,omitempty"`
	// Evidence names the records and documents aimskit produces as
	// evidence for the control, as an auditor finds them (record types,
	// event and metric names, generated documents); empty for
	// organisational controls the SDK cannot evidence.
	Evidence []string `json:"evidence,omitempty"`
}

// Objective is one of the nine Annex A control objectives A.2–A.10.
type Objective struct {
	// ID is the objective's clause number, "A.2" to "A.10".
	ID string `json:"id"`
	// Title is the objective's title as the standard names it.
	Title string `json:"title"`
}

// Objectives returns the nine Annex A objectives in order.
func Objectives() []Objective {
	return append([]Objective(nil), objectives...)
}

// Controls returns the 38 Annex A controls in the order of the standard.
// The returned slice is a copy; changing it changes nothing in the catalog.
func Controls() []Control {
	out := make([]Control, len(controls))
	for i, c := range controls {
		out[i] = c.clone()
	}
	return out
}

// LookupControl returns the control with the given ID ("A.6.2.8"; a
// missing "A." prefix and surrounding space are tolerated) and whether it
// exists.
func LookupControl(id string) (Control, bool) {
	id = NormalizeControlID(id)
	for _, c := range controls {
		if c.ID == id {
			return c.clone(), true
		}
	}
	return Control{}, false
}

// NormalizeControlID trims space and adds the "A." prefix when missing, so
// "6.2.8" and " A.6.2.8 " both name A.6.2.8.
func NormalizeControlID(id string) string {
	id = strings.TrimSpace(id)
	if id != "" && !strings.HasPrefix(id, "A.") && !strings.HasPrefix(id, "a.") {
		id = "A." + id
	}
	if strings.HasPrefix(id, "a.") {
		id = "A." + id[2:]
	}
	return id
}

func (c Control) clone() Control {
	c.EUAIAct = append([]string(nil), c.EUAIAct...)
	c.NISTAIRMF = append([]string(nil), c.NISTAIRMF...)
	c.Evidence = append([]string(nil), c.Evidence...)
	return c
}

var objectives = []Objective{
	{"A.2", "Policies related to AI"},
	{"A.3", "Internal organization"},
	{"A.4", "Resources for AI systems"},
	{"A.5", "Assessing impacts of AI systems"},
	{"A.6", "AI system life cycle"},
	{"A.7", "Data for AI systems"},
	{"A.8", "Information for interested parties of AI systems"},
	{"A.9", "Use of AI systems"},
	{"A.10", "Third-party and customer relationships"},
}

// Evidence the catalog names, as an auditor finds it: the records the SDK
// emits (log event, metric or span names, and the ledger's record
// schemas) and the documents it generates. Each item names only what some
// package of this module emits or generates for the control; controls the
// SDK cannot evidence (organisational ones) name none.
const (
	evLedger       = "decision ledger records (aims.decision/v1 and aims.management/v1), signed checkpoints verifiable with the published key"
	evDecisionLog  = "decision log records (aims.decision) and the decision counter (aims.decisions)"
	evCheckpoints  = "ledger checkpoints kept outside the host (aims.ledger.checkpoint)"
	evAudit        = "aimsaudit verify and prove results"
	evDisclosure   = "AI disclosure records (aims.disclosure)"
	evRegistration = "inventory registration records (aims.inventory.registration)"
	evHeartbeat    = "inventory heartbeat and retirement records (aims.inventory.heartbeat, aims.inventory.retirement)"
	evRiskClass    = "EU AI Act risk classification in the inventory registration (aims.risk.level)"
	evModelCard    = "model card and Annex IV technical-documentation skeleton generated from the inventory registration"
	evMLBOM        = "CycloneDX ML-BOM generated from the inventory registration (models, datasets, licences)"
	evEvaluations  = "model evaluation results in the inventory registration"
	evDataSources  = "data sources and their provenance in the inventory registration"
	evRoles        = "accountable and value-chain roles in the inventory registration"
	evIntendedUse  = "intended use and foreseeable misuse in the inventory registration"
	evFairEvents   = "fairness threshold events (aims.fairness.threshold_crossed)"
	evFairMetrics  = "fairness metrics by group (aims.fairness.group.*, aims.fairness.disparity)"
	evDriftEvents  = "drift events (aims.drift.feature, aims.drift.dataset, aims.drift.change)"
	evDriftScores  = "drift scores against the reference data (aims.drift.score)"
	evExplanations = "explanations in decision records and explanation spans (aims.explain)"
	evCounterfact  = "counterfactual spans (aims.explain.counterfactuals)"
	evRouted       = "gate routing records (aims.oversight.routed; held and blocked decisions in the decision ledger)"
	evReviewed     = "reviewer actions (aims.oversight.reviewed; review records in the decision ledger)"
	evEscalation   = "escalations and expiries (aims.oversight.escalated, aims.oversight.expired)"
	evHalt         = "halt and resume records (aims.oversight.halted, aims.oversight.resumed)"
	evContest      = "contests (aims.oversight.contested; contest records in the decision ledger)"
	evRefused      = "refused reviewer actions (aims.oversight.refused)"
	evFourEyes     = "four-eyes review votes in the decision ledger"
	evIncident     = "incident records (aims.management.incident)"
	evImpact       = "impact assessment records (aims.management.impact_assessment)"
	evDeployAuth   = "deployment authorisation records (aims.management.deployment_authorisation)"
	evChange       = "change records (aims.management.change)"
)

var controls = []Control{
	// A.2 Policies related to AI
	{ID: "A.2.2", Objective: "A.2", Title: "AI policy",
		Summary: "Keep a documented policy for how the organisation develops and uses AI systems.",
		EUAIAct: []string{"Art. 17"}, NISTAIRMF: []string{"GOVERN 1"}},
	{ID: "A.2.3", Objective: "A.2", Title: "Alignment with other organizational policies",
		Summary: "Work out where other policies (security, privacy, quality) touch or are affected by the AI objectives.",
		EUAIAct: []string{"Art. 17"}, NISTAIRMF: []string{"GOVERN 1"}},
	{ID: "A.2.4", Objective: "A.2", Title: "Review of the AI policy",
		Summary: "Review the AI policy at planned intervals and when things change, so it stays adequate.",
		EUAIAct: []string{"Art. 17"}, NISTAIRMF: []string{"GOVERN 1.5"}},

	// A.3 Internal organization
	{ID: "A.3.2", Objective: "A.3", Title: "AI roles and responsibilities",
		Summary: "Define and assign who is responsible for what across the AI system's life.",
		EUAIAct: []string{"Art. 14(4)", "Art. 26(2)"}, NISTAIRMF: []string{"GOVERN 2"},
		Evidence: []string{evRoles, evFourEyes, evRefused, evDeployAuth}},
	{ID: "A.3.3", Objective: "A.3", Title: "Reporting of concerns",
		Summary: "Give people a way to raise concerns about the organisation's AI systems.",
		EUAIAct: []string{"Art. 87"}, NISTAIRMF: []string{"GOVERN 4.3"},
		Evidence: []string{evIncident, evContest}},

	// A.4 Resources for AI systems
	{ID: "A.4.2", Objective: "A.4", Title: "Resource documentation",
		Summary: "Identify and document the resources each AI system depends on.",
		EUAIAct: []string{"Art. 11", "Annex IV"}, NISTAIRMF: []string{"GOVERN 1.6", "MAP 4"},
		Evidence: []string{evRegistration, evMLBOM}},
	{ID: "A.4.3", Objective: "A.4", Title: "Data resources",
		Summary: "Document the data resources used by the AI system.",
		EUAIAct: []string{"Art. 10"}, NISTAIRMF: []string{"MAP 2"},
		Evidence: []string{evDataSources, evMLBOM}},
	{ID: "A.4.4", Objective: "A.4", Title: "Tooling resources",
		Summary: "Document the tools used to build and run the AI system.",
		EUAIAct: []string{"Annex IV(2)"}, NISTAIRMF: []string{"MAP 2"}},
	{ID: "A.4.5", Objective: "A.4", Title: "System and computing resources",
		Summary: "Document the system and computing resources the AI system uses.",
		EUAIAct: []string{"Annex IV(2)"}, NISTAIRMF: []string{"MAP 2"},
		Evidence: []string{evRegistration, evHeartbeat}},
	{ID: "A.4.6", Objective: "A.4", Title: "Human resources",
		Summary: "Document the people and competences needed across the AI system's life.",
		EUAIAct: []string{"Art. 4", "Art. 26(2)"}, NISTAIRMF: []string{"GOVERN 2.2", "MAP 3.4"}},

	// A.5 Assessing impacts of AI systems
	{ID: "A.5.2", Objective: "A.5", Title: "AI system impact assessment process",
		Summary: "Have a process to assess the consequences an AI system can have for people and society.",
		EUAIAct: []string{"Art. 9", "Art. 27"}, NISTAIRMF: []string{"MAP 1", "MAP 5"},
		Evidence: []string{evImpact, evRiskClass}},
	{ID: "A.5.3", Objective: "A.5", Title: "Documentation of AI system impact assessments",
		Summary: "Record the results of impact assessments and keep them for a defined period.",
		EUAIAct: []string{"Art. 27"}, NISTAIRMF: []string{"MAP 5"},
		Evidence: []string{evImpact, evRiskClass}},
	{ID: "A.5.4", Objective: "A.5", Title: "Assessing AI system impact on individuals or groups of individuals",
		Summary: "Assess how the AI system can affect individuals and groups, including fairness effects.",
		EUAIAct: []string{"Art. 9(2)", "Art. 27", "Art. 10(2)(f)"}, NISTAIRMF: []string{"MAP 5.1", "MEASURE 2.11"},
		Evidence: []string{evImpact, evFairMetrics, evFairEvents}},
	{ID: "A.5.5", Objective: "A.5", Title: "Assessing societal impacts of AI systems",
		Summary: "Assess the wider societal effects of the AI system across its life.",
		EUAIAct: []string{"Art. 9"}, NISTAIRMF: []string{"MAP 5"},
		Evidence: []string{evImpact}},

	// A.6 AI system life cycle
	{ID: "A.6.1.2", Objective: "A.6", Title: "Objectives for responsible development of AI system",
		Summary: "Set objectives for responsible development and build measures for them into the life cycle.",
		EUAIAct: []string{"Art. 8", "Art. 15"}, NISTAIRMF: []string{"MAP 1"}},
	{ID: "A.6.1.3", Objective: "A.6", Title: "Processes for responsible AI system design and development",
		Summary: "Define the processes for designing and developing AI systems responsibly.",
		EUAIAct: []string{"Art. 17"}, NISTAIRMF: []string{"GOVERN 1", "MAP 1"},
		Evidence: []string{evChange}},
	{ID: "A.6.2.2", Objective: "A.6", Title: "AI system requirements and specification",
		Summary: "Specify the requirements for new AI systems or material changes to existing ones.",
		EUAIAct: []string{"Art. 8", "Art. 9"}, NISTAIRMF: []string{"MAP 1.6", "MAP 3"}},
	{ID: "A.6.2.3", Objective: "A.6", Title: "Documentation of AI system design and development",
		Summary: "Document the design and development of the AI system against its requirements.",
		EUAIAct: []string{"Art. 11", "Annex IV(2)"}, NISTAIRMF: []string{"MAP 2"},
		Evidence: []string{evModelCard, evChange}},
	{ID: "A.6.2.4", Objective: "A.6", Title: "AI system verification and validation",
		Summary: "Verify and validate the AI system against defined criteria, bias included, before release.",
		EUAIAct: []string{"Art. 9(6)-(8)", "Art. 10(2)(f)", "Art. 15"}, NISTAIRMF: []string{"MEASURE 2"},
		Evidence: []string{evEvaluations}},
	{ID: "A.6.2.5", Objective: "A.6", Title: "AI system deployment",
		Summary: "Plan and document deployment and the requirements to meet before it.",
		EUAIAct: []string{"Art. 16", "Art. 43", "Art. 49"}, NISTAIRMF: []string{"MANAGE 1"},
		Evidence: []string{evDeployAuth, evChange, evRegistration}},
	{ID: "A.6.2.6", Objective: "A.6", Title: "AI system operation and monitoring",
		Summary: "Monitor the AI system in operation: performance, errors, drift and the need for repair.",
		EUAIAct: []string{"Art. 26(5)", "Art. 72"}, NISTAIRMF: []string{"MEASURE 3", "MANAGE 4"},
		Evidence: []string{evDriftEvents, evFairEvents, evHeartbeat}},
	{ID: "A.6.2.7", Objective: "A.6", Title: "AI system technical documentation",
		Summary: "Keep the technical documentation each audience (users, partners, authorities) needs.",
		EUAIAct: []string{"Art. 11", "Annex IV"}, NISTAIRMF: []string{"MAP 2", "GOVERN 1.6"},
		Evidence: []string{evModelCard, evMLBOM}},
	{ID: "A.6.2.8", Objective: "A.6", Title: "AI system recording of event logs",
		Summary: "Decide at which life-cycle stages event logs are kept and keep them, at least while in use.",
		EUAIAct: []string{"Art. 12", "Art. 19", "Art. 26(6)"}, NISTAIRMF: []string{"MANAGE 4.1", "MEASURE 3.1"},
		Evidence: []string{evLedger, evDecisionLog, evCheckpoints, evAudit}},

	// A.7 Data for AI systems
	{ID: "A.7.2", Objective: "A.7", Title: "Data for development and enhancement of AI system",
		Summary: "Define and run data management for developing and improving AI systems.",
		EUAIAct: []string{"Art. 10"}, NISTAIRMF: []string{"MAP 2", "MEASURE 2.1"}},
	{ID: "A.7.3", Objective: "A.7", Title: "Acquisition of data",
		Summary: "Document how data for AI systems is obtained and chosen.",
		EUAIAct: []string{"Art. 10(2)(b)"}, NISTAIRMF: []string{"MAP 4"},
		Evidence: []string{evDataSources}},
	{ID: "A.7.4", Objective: "A.7", Title: "Quality of data for AI systems",
		Summary: "Define data-quality requirements, bias and representativeness included, and check data meets them.",
		EUAIAct: []string{"Art. 10(2)(f)", "Art. 10(3)"}, NISTAIRMF: []string{"MEASURE 2.11", "MAP 2.3"},
		Evidence: []string{evDriftScores, evFairMetrics}},
	{ID: "A.7.5", Objective: "A.7", Title: "Data provenance",
		Summary: "Record where the data came from and what happened to it along the way.",
		EUAIAct: []string{"Art. 10(2)(b)"}, NISTAIRMF: []string{"MAP 4.1"},
		Evidence: []string{evDataSources, evMLBOM}},
	{ID: "A.7.6", Objective: "A.7", Title: "Data preparation",
		Summary: "Define the criteria and methods for preparing data.",
		EUAIAct: []string{"Art. 10(2)(c)"}, NISTAIRMF: []string{"MAP 2"}},

	// A.8 Information for interested parties of AI systems
	{ID: "A.8.2", Objective: "A.8", Title: "System documentation and information for users",
		Summary: "Give users the information they need about the AI system, including that they deal with AI.",
		EUAIAct: []string{"Art. 13", "Art. 50"}, NISTAIRMF: []string{"GOVERN 4", "MEASURE 2.9"},
		Evidence: []string{evDisclosure, evExplanations, evModelCard}},
	{ID: "A.8.3", Objective: "A.8", Title: "External reporting",
		Summary: "Let interested parties report adverse impacts of the AI system.",
		EUAIAct: []string{"Art. 73", "Art. 86"}, NISTAIRMF: []string{"GOVERN 5.1", "MANAGE 4.1"},
		Evidence: []string{evContest}},
	{ID: "A.8.4", Objective: "A.8", Title: "Communication of incidents",
		Summary: "Plan how incidents are communicated to users and others concerned.",
		EUAIAct: []string{"Art. 73"}, NISTAIRMF: []string{"MANAGE 4.3"},
		Evidence: []string{evIncident, evHalt}},
	{ID: "A.8.5", Objective: "A.8", Title: "Information for interested parties",
		Summary: "Decide what information about the AI system goes to which interested parties, and provide it.",
		EUAIAct: []string{"Art. 13", "Art. 86"}, NISTAIRMF: []string{"GOVERN 5"},
		Evidence: []string{evExplanations, evCounterfact, evMLBOM}},

	// A.9 Use of AI systems
	{ID: "A.9.2", Objective: "A.9", Title: "Processes for responsible use of AI systems",
		Summary: "Define processes for using AI systems responsibly, human oversight included.",
		EUAIAct: []string{"Art. 14", "Art. 26"}, NISTAIRMF: []string{"MANAGE 1", "GOVERN 3.2"},
		Evidence: []string{evRouted, evReviewed, evEscalation, evHalt}},
	{ID: "A.9.3", Objective: "A.9", Title: "Objectives for responsible use of AI system",
		Summary: "Set objectives for responsible use and the means to meet them.",
		EUAIAct: []string{"Art. 14(4)", "Art. 26(1)"}, NISTAIRMF: []string{"MANAGE 1"},
		Evidence: []string{evFairEvents, evRouted, evHalt}},
	{ID: "A.9.4", Objective: "A.9", Title: "Intended use of the AI system",
		Summary: "Use the AI system as intended and in line with its documentation.",
		EUAIAct: []string{"Art. 13(3)(b)", "Art. 26(1)"}, NISTAIRMF: []string{"MAP 1.1"},
		Evidence: []string{evIntendedUse, evRouted, evImpact}},

	// A.10 Third-party and customer relationships
	{ID: "A.10.2", Objective: "A.10", Title: "Allocating responsibilities",
		Summary: "Share out responsibilities between the organisation, its partners, suppliers and customers.",
		EUAIAct: []string{"Art. 25"}, NISTAIRMF: []string{"GOVERN 6"},
		Evidence: []string{evRoles}},
	{ID: "A.10.3", Objective: "A.10", Title: "Suppliers",
		Summary: "Make sure suppliers' services, products and materials fit the organisation's responsible approach to AI.",
		EUAIAct: []string{"Art. 25(4)"}, NISTAIRMF: []string{"GOVERN 6.1", "MAP 4.1"},
		Evidence: []string{evMLBOM}},
	{ID: "A.10.4", Objective: "A.10", Title: "Customers",
		Summary: "Take customers' expectations and needs into account in the responsible approach to AI.",
		EUAIAct: []string{"Art. 13", "Art. 26"}, NISTAIRMF: []string{"GOVERN 5"},
		Evidence: []string{evDisclosure}},
}
