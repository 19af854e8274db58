package semconv

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the inventory package. The system itself is identified
// with the shared keys AimsSystemID, AimsSystemVersion, AimsSystemInstance
// and AimsRiskLevel.
const (
	// AimsInventorySchemaVersion is the schema version of the system
	// description carried in the body of a registration record.
	AimsInventorySchemaVersion = attribute.Key("aims.inventory.schema_version")
	// AimsInventorySystemName is the human-readable name of the AI system.
	AimsInventorySystemName = attribute.Key("aims.inventory.system_name")
	// AimsInventoryLifecycleStage is the lifecycle stage of the AI system:
	// design, development, deployed or retired.
	AimsInventoryLifecycleStage = attribute.Key("aims.inventory.lifecycle_stage")
	// AimsInventoryHeartbeatInterval is the configured heartbeat interval in seconds.
	AimsInventoryHeartbeatInterval = attribute.Key("aims.inventory.heartbeat.interval")
	// AimsInventoryRetirementReason is the reason given when a system is decommissioned.
	AimsInventoryRetirementReason = attribute.Key("aims.inventory.retirement.reason")
)

// Event names of the inventory package.
const (
	// EventInventoryRegistration carries the whole description of a
	// registered AI system in its body.
	EventInventoryRegistration = "aims.inventory.registration"
	// EventInventoryHeartbeat says that one instance of a registered AI
	// system is still alive.
	EventInventoryHeartbeat = "aims.inventory.heartbeat"
	// EventInventoryRetirement records the decommissioning of an AI system.
	EventInventoryRetirement = "aims.inventory.retirement"
)

var _ = register(
	Entry{Name: string(AimsInventorySchemaVersion), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "schema version of the system description in the registration body"},
	Entry{Name: string(AimsInventorySystemName), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "human-readable name of the AI system"},
	Entry{Name: string(AimsInventoryLifecycleStage), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "lifecycle stage: design, development, deployed, retired"},
	Entry{Name: string(AimsInventoryHeartbeatInterval), Kind: KindAttribute, Type: "double", Package: "inventory", Brief: "configured heartbeat interval in seconds"},
	Entry{Name: string(AimsInventoryRetirementReason), Kind: KindAttribute, Type: "string", Package: "inventory", Brief: "reason given for decommissioning the system"},

	Entry{Name: EventInventoryRegistration, Kind: KindEvent, Package: "inventory", Brief: "registration of an AI system; body holds the whole description (A.4.2)"},
	Entry{Name: EventInventoryHeartbeat, Kind: KindEvent, Package: "inventory", Brief: "an instance of a registered AI system is alive (A.6.2.6)"},
	Entry{Name: EventInventoryRetirement, Kind: KindEvent, Package: "inventory", Brief: "decommissioning of an AI system (A.6.2.6)"},
)
