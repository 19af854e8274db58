package inventory

import (
	"fmt"

	"github.com/aimskit/aimskit/aims"
)

// Annex A controls the inventory's records are evidence for (attribute
// aims.control.id).
const (
	// ControlRegistration: A.4.2 resource documentation — the registration
	// record documents the system, its models and data.
	ControlRegistration = "A.4.2"
	// ControlHeartbeat: A.6.2.6 AI system operation and monitoring — the
	// heartbeat shows which systems are running.
	ControlHeartbeat = "A.6.2.6"
	// ControlRetirement: A.6.2.6 AI system operation and monitoring — the
	// retirement record closes the system's operation.
	ControlRetirement = "A.6.2.6"
)

// checkControl reports an error when id is not a control of the ISO/IEC
// 42001 Annex A catalog kept by package aims.
func checkControl(id string) error {
	if _, ok := aims.LookupControl(id); !ok {
		return fmt.Errorf("%q is not in the ISO/IEC 42001 Annex A control catalog", id)
	}
	return nil
}
