package semconv

import "go.opentelemetry.io/otel/attribute"

// Annex A controls that management-system records are evidence for, beside
// the decision-log and oversight controls named elsewhere in this package.
const (
	// ControlReportingConcerns is A.3.3, reporting of concerns: incidents
	// opened by people, user reports and upheld contests.
	ControlReportingConcerns = "A.3.3"
	// ControlImpactAssessmentProcess is A.5.2, the AI system impact
	// assessment process.
	ControlImpactAssessmentProcess = "A.5.2"
	// ControlImpactAssessmentDocs is A.5.3, documentation of AI system
	// impact assessments.
	ControlImpactAssessmentDocs = "A.5.3"
	// ControlImpactIndividuals is A.5.4, assessing impact on individuals
	// or groups of individuals.
	ControlImpactIndividuals = "A.5.4"
	// ControlSocietalImpact is A.5.5, assessing societal impacts.
	ControlSocietalImpact = "A.5.5"
	// ControlDeployment is A.6.2.5, AI system deployment: deployment
	// authorisations and change records.
	ControlDeployment = "A.6.2.5"
	// ControlIncidentCommunication is A.8.4, communication of incidents.
	ControlIncidentCommunication = "A.8.4"
	// ControlDevelopmentProcesses is A.6.1.3, processes for responsible AI
	// system design and development: change records follow the change
	// process.
	ControlDevelopmentProcesses = "A.6.1.3"
	// ControlDesignDocumentation is A.6.2.3, documentation of AI system
	// design and development: a change record documents the change.
	ControlDesignDocumentation = "A.6.2.3"
	// ControlIntendedUse is A.9.4, intended use of the AI system: an
	// impact assessment that states the intended use.
	ControlIntendedUse = "A.9.4"
)

// Attribute keys of management-system records (incidents and corrective
// actions, impact assessments, deployment authorisations, changes, risks).
const (
	// AimsRecordType is the type of a management-system record
	// (incident, impact_assessment, deployment_authorisation, change, risk).
	AimsRecordType = attribute.Key("aims.record.type")
	// AimsRecordID is the UUIDv7 of a management-system record.
	AimsRecordID = attribute.Key("aims.record.id")
	// AimsRecordSubject identifies what a management-system record is about:
	// the incident, assessment, change or risk ID that its records share.
	AimsRecordSubject = attribute.Key("aims.record.subject")
	// AimsControlIDs lists every Annex A control a record is evidence for
	// (aims.control.id carries the first).
	AimsControlIDs = attribute.Key("aims.control.ids")
	// AimsRecordActor is the person or role who made the change a
	// management-system record documents.
	AimsRecordActor = attribute.Key("aims.record.actor")
	// AimsRecordState is the state the record's subject is in after the
	// change (an incident's state, an assessment's or change's status).
	AimsRecordState = attribute.Key("aims.record.state")
)

// Attribute keys that bind a registration to the impact assessment and
// the deployment authorisation it was admitted with, and that identify a
// risk of the risk register.
const (
	// AimsImpactAssessmentID is the ID of the impact assessment a
	// registration relies on.
	AimsImpactAssessmentID = attribute.Key("aims.impact_assessment.id")
	// AimsImpactAssessmentDigest is the digest ("sha256:…") of the
	// approved impact assessment a registration relies on.
	AimsImpactAssessmentDigest = attribute.Key("aims.impact_assessment.digest")
	// AimsDeploymentAuthorisationID is the ID of the deployment
	// authorisation a registration was admitted with.
	AimsDeploymentAuthorisationID = attribute.Key("aims.deployment_authorisation.id")
	// AimsDeploymentAuthorisationDigest is the digest ("sha256:…") of that
	// deployment authorisation.
	AimsDeploymentAuthorisationDigest = attribute.Key("aims.deployment_authorisation.digest")
	// AimsChangeUnapproved counts the model changes a registration was
	// admitted with although no approved change record covered them
	// (only for systems below high risk).
	AimsChangeUnapproved = attribute.Key("aims.change.unapproved")
	// AimsRiskID is the ID of a risk in the risk register.
	AimsRiskID = attribute.Key("aims.risk.id")
	// AimsRiskReviewDue is the date (YYYY-MM-DD) a risk's next review was due.
	AimsRiskReviewDue = attribute.Key("aims.risk.review_due")
	// AimsRiskDaysOverdue is how many whole days a risk's review is overdue.
	AimsRiskDaysOverdue = attribute.Key("aims.risk.days_overdue")
)

// EventRiskReviewOverdue reports a risk of the risk register whose review
// date has passed (Clause 8.2: risk assessments at planned intervals).
const EventRiskReviewOverdue = "aims.risk.review_overdue"

// EventManagementPrefix starts the event name of every management-system
// record: aims.management.<type>, e.g. aims.management.incident.
const EventManagementPrefix = "aims.management."

var _ = register(
	Entry{Name: string(AimsRecordType), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "type of a management-system record (incident, impact_assessment, …)"},
	Entry{Name: string(AimsRecordID), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "UUIDv7 of a management-system record"},
	Entry{Name: string(AimsRecordSubject), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "the incident, assessment, change or risk a management-system record is about"},
	Entry{Name: string(AimsRecordActor), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "person or role who made the recorded change"},
	Entry{Name: string(AimsRecordState), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "state of the record's subject after the change"},
	Entry{Name: string(AimsImpactAssessmentID), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "ID of the impact assessment a registration relies on"},
	Entry{Name: string(AimsImpactAssessmentDigest), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "digest (sha256:…) of the approved impact assessment a registration relies on"},
	Entry{Name: string(AimsDeploymentAuthorisationID), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "ID of the deployment authorisation a registration was admitted with"},
	Entry{Name: string(AimsDeploymentAuthorisationDigest), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "digest (sha256:…) of that deployment authorisation"},
	Entry{Name: string(AimsChangeUnapproved), Kind: KindAttribute, Type: "int", Package: "inventory", Brief: "model changes registered without an approved change record (below high risk only)"},
	Entry{Name: string(AimsRiskID), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "ID of a risk in the risk register"},
	Entry{Name: string(AimsRiskReviewDue), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "date (YYYY-MM-DD) the risk's next review was due"},
	Entry{Name: string(AimsRiskDaysOverdue), Kind: KindAttribute, Type: "int", Package: "aims", Brief: "whole days the risk's review is overdue"},
	Entry{Name: EventRiskReviewOverdue, Kind: KindEvent, Package: "aims", Brief: "a risk's review date has passed (Clause 8.2); carries the risk's treatment controls"},
	Entry{Name: EventManagementPrefix + "<type>", Kind: KindEvent, Package: "aims", Brief: "a management-system record (incident, impact assessment, deployment authorisation, change, risk); the record's JSON as body"},
)

// aims.control.ids, which aims/genai and inventory put on their records
// too.
var _ = register(emittedBy(Entry{Name: string(AimsControlIDs), Kind: KindAttribute, Type: "string[]", Brief: "every Annex A control a record is evidence for"}, "aims", "aims/genai", "inventory")...)
