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

// EventManagementPrefix starts the event name of every management-system
// record: aims.management.<type>, e.g. aims.management.incident.
const EventManagementPrefix = "aims.management."

var _ = register(
	Entry{Name: string(AimsRecordType), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "type of a management-system record (incident, impact_assessment, …)"},
	Entry{Name: string(AimsRecordID), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "UUIDv7 of a management-system record"},
	Entry{Name: string(AimsRecordSubject), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "the incident, assessment, change or risk a management-system record is about"},
	Entry{Name: string(AimsControlIDs), Kind: KindAttribute, Type: "string[]", Package: "aims", Brief: "every Annex A control a record is evidence for"},
	Entry{Name: string(AimsRecordActor), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "person or role who made the recorded change"},
	Entry{Name: string(AimsRecordState), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "state of the record's subject after the change"},
	Entry{Name: EventManagementPrefix + "<type>", Kind: KindEvent, Package: "aims", Brief: "a management-system record (incident, impact assessment, deployment authorisation, change, risk); the record's JSON as body"},
)
