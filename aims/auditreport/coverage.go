package auditreport

import (
	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// ledgerControls returns the Annex A controls a ledger record is machine
// evidence for. Every record is A.6.2.8 (event logs). The record of an
// oversight action is also evidence for the control the oversight package
// tags the same action's event with: A.9.2 (responsible use) for a
// decision a gate held or blocked, a reviewer's approval, rejection or
// override, an escalation, an expiry, a halt or a resume; A.8.3 (external
// reporting) for a contest. A reviewer's vote that did not resolve its
// ticket (four-eyes, marked aims.oversight.approvals) is in addition A.3.2
// (roles): the record that a second reviewer was required. A decision let
// through by a gate, or that passed none, is A.6.2.8 only.
func ledgerControls(d *aims.Decision) []string {
	out := []string{semconv.ControlEventLogs}
	if d.Oversight == nil {
		return out
	}
	switch d.Oversight.Action {
	case aims.ActionReview, aims.ActionBlock:
		if kindOf(d) == kindDecision {
			out = append(out, semconv.ControlResponsibleUse)
		}
	case aims.ActionApprove, aims.ActionReject, aims.ActionOverride:
		out = append(out, semconv.ControlResponsibleUse)
		if isVote(d) {
			out = append(out, semconv.ControlRoles)
		}
	case aims.ActionEscalate, aims.ActionExpire, aims.ActionHalt, aims.ActionResume:
		out = append(out, semconv.ControlResponsibleUse)
	case aims.ActionContest:
		out = append(out, semconv.ControlExternalReporting)
	}
	return out
}

// ledgerEvidence counts the ledger's records per control they are evidence
// for (ledgerControls); records that are not decisions (in.OtherRecords)
// count for A.6.2.8 only.
func ledgerEvidence(in *Input) map[string]int {
	out := map[string]int{}
	if in.Decisions == nil {
		return out
	}
	for i := range in.Decisions {
		for _, c := range ledgerControls(&in.Decisions[i]) {
			out[c]++
		}
	}
	out[semconv.ControlEventLogs] += in.OtherRecords
	return out
}
