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

// registrationControls returns the Annex A controls a registration record
// is evidence for, judged by what the description actually documents:
// A.4.2 (resources) always; A.4.3 (data resources) with data sources, and
// A.7.5 (data provenance) when one of them states its provenance; A.6.2.4
// (verification and validation) when a model carries evaluation results;
// A.10.2 (allocating responsibilities) when the organisation's roles in
// the AI value chain are stated. The record carries them in
// aims.control.ids, A.4.2 first.
func registrationControls(sys *System) []string {
	out := []string{ControlRegistration}
	if len(sys.DataSources) > 0 {
		out = append(out, "A.4.3")
		for _, d := range sys.DataSources {
			if d.Provenance != "" {
				out = append(out, "A.7.5")
				break
			}
		}
	}
	for _, m := range sys.Models {
		if len(m.Evaluations) > 0 {
			out = append(out, "A.6.2.4")
			break
		}
	}
	if len(sys.ValueChainRoles) > 0 {
		out = append(out, "A.10.2")
	}
	return out
}

// checkControl reports an error when id is not a control of the ISO/IEC
// 42001 Annex A catalog kept by package aims.
func checkControl(id string) error {
	if _, ok := aims.LookupControl(id); !ok {
		return fmt.Errorf("%q is not in the ISO/IEC 42001 Annex A control catalog", id)
	}
	return nil
}
