package semconv

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of incident events (the incident records themselves are
// aims.management.incident records and carry the aims.record.* keys).
const (
	// AimsIncidentID identifies an incident (a UUIDv7; the subject of its
	// management-system records).
	AimsIncidentID = attribute.Key("aims.incident.id")
	// AimsIncidentSerious is the EU AI Act Art. 73 kind of a serious
	// incident: other, death or widespread_or_critical_infrastructure.
	AimsIncidentSerious = attribute.Key("aims.incident.serious")
	// AimsIncidentReportDeadline is the Art. 73 reporting deadline of a
	// serious incident, as an RFC 3339 timestamp.
	AimsIncidentReportDeadline = attribute.Key("aims.incident.report_deadline")
	// AimsIncidentDeadlineState says where an unreported serious incident
	// stands against its deadline: approaching or passed.
	AimsIncidentDeadlineState = attribute.Key("aims.incident.deadline.state")
)

// EventIncidentDeadline is emitted once when the Art. 73 reporting deadline
// of an unreported serious incident approaches (within the configured lead
// time) and once when it passes; aims.control.id is A.8.4.
const EventIncidentDeadline = "aims.incident.deadline"

var _ = register(
	Entry{Name: string(AimsIncidentID), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "UUIDv7 of an incident (the subject of its records)"},
	Entry{Name: string(AimsIncidentSerious), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "EU AI Act Art. 73 kind of a serious incident (other, death, widespread_or_critical_infrastructure)"},
	Entry{Name: string(AimsIncidentReportDeadline), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "Art. 73 reporting deadline of a serious incident (RFC 3339)"},
	Entry{Name: string(AimsIncidentDeadlineState), Kind: KindAttribute, Type: "string", Package: "aims", Brief: "approaching or passed: an unreported serious incident against its deadline"},
	Entry{Name: EventIncidentDeadline, Kind: KindEvent, Package: "aims", Brief: "the Art. 73 reporting deadline of an unreported serious incident approaches or has passed (A.8.4)"},
)
