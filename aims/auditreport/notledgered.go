package auditreport

import (
	"fmt"
	"slices"
	"time"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
)

// maxNotLedgeredListed is how many decisions emitted but not in the
// ledger are named.
const maxNotLedgeredListed = 5

// notLedgeredText explains what a record in the Collector output whose
// decision the ledger does not hold means.
const notLedgeredText = "The decision log emits a decision's record even when the ledger refuses to write it (aims.ErrNotLedgered), so that it leaves the host; until a retry writes it (the oversight gate's Sweep), or for good when nothing retries it, the Collector holds a decision the ledger lacks. Records of the Collector output that differ from the ledger's copy only by a reason a person wrote (kept in the ledger only) are not counted here."

// notLedgered finds the aims.decision log records of the Collector output
// whose decision ID no record of the ledgers has: decisions that were
// emitted but are not in the ledger. It is only asked with both the
// ledger and the Collector logs. Records of instances whose ledger was not
// read (named by aims.system.instance, as the instance ledgers are) are
// left out, and so, when retention pruned the ledger, are records older
// than its oldest remaining record. It returns how many decisions, and
// the first few IDs, in Collector order.
func notLedgered(in *Input) (int, []string) {
	if in.Decisions == nil || in.Logs == nil {
		return 0, nil
	}
	held := make(map[string]bool, len(in.Decisions))
	var oldest time.Time
	for i := range in.Decisions {
		d := &in.Decisions[i]
		held[d.ID] = true
		if !d.Time.IsZero() && (oldest.IsZero() || d.Time.Before(oldest)) {
			oldest = d.Time
		}
	}
	var instances []string
	for _, il := range in.Instances {
		instances = append(instances, il.Name)
	}
	pruned := prunedRecords(in) > 0
	seen := map[string]bool{}
	var ids []string
	for _, l := range in.Logs {
		if l.EventName != semconv.EventDecision && otlpfile.String(l.Attributes, "event.name") != semconv.EventDecision {
			continue
		}
		id := otlpfile.String(l.Attributes, string(semconv.AimsDecisionID))
		if id == "" || held[id] || seen[id] {
			continue
		}
		inst := otlpfile.String(l.Attributes, string(semconv.AimsSystemInstance))
		if inst == "" {
			inst = otlpfile.String(l.Resource, string(semconv.AimsSystemInstance))
		}
		if inst != "" && len(instances) > 0 && !slices.Contains(instances, inst) {
			continue // another instance's: its ledger was not given
		}
		if pruned && (oldest.IsZero() || l.Time.Before(oldest)) {
			continue // retention may have deleted it
		}
		seen[id] = true
		ids = append(ids, id)
	}
	n := len(ids)
	if n > maxNotLedgeredListed {
		ids = append(ids[:maxNotLedgeredListed:maxNotLedgeredListed], fmt.Sprintf("and %d more", n-maxNotLedgeredListed))
	}
	return n, ids
}
