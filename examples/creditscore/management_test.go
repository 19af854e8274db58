package main

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims"
)

// checkManagementAgainstTally checks the management-system records of a
// run against what the service was deployed with and what the simulated
// validator did: the assessment, authorisation, change and risks it was
// registered under, and every incident the run opened, by its own records,
// with the ones the simulator closed taken through the whole life cycle.
func checkManagementAgainstTally(t *testing.T, run *simulationRun) {
	tl := run.tally
	ia, auth, change, risks, err := governanceRecords()
	require.NoError(t, err)
	byType := map[aims.RecordType][]aims.ManagementRecord{}
	for _, m := range run.management {
		byType[m.Type] = append(byType[m.Type], m)
	}

	// Deployment: the approved assessment by digest, the authorisation by
	// two distinct approvers, the approved change, one record per risk.
	require.Len(t, byType[aims.RecordImpactAssessment], 1)
	var summary struct {
		Digest string `json:"digest"`
	}
	require.NoError(t, byType[aims.RecordImpactAssessment][0].DecodeData(&summary))
	digest, err := ia.Digest()
	require.NoError(t, err)
	assert.Equal(t, digest, summary.Digest, "the ledger names the assessment the deployment relies on")
	require.Len(t, byType[aims.RecordDeploymentAuthorisation], 1)
	da := byType[aims.RecordDeploymentAuthorisation][0]
	assert.Equal(t, auth.ID, da.Subject)
	assert.Equal(t, "approved", da.State)
	var recorded aims.DeploymentAuthorisation // the record's data embeds the authorisation
	require.NoError(t, da.DecodeData(&recorded))
	var approvers []string
	for _, a := range recorded.Approvals {
		approvers = append(approvers, a.ApprovedBy)
		assert.NotEqual(t, recorded.SubmittedBy, a.ApprovedBy, "the submitter does not approve")
	}
	slices.Sort(approvers)
	assert.Len(t, slices.Compact(approvers), 2, "the ledger names two distinct approvers")
	require.Len(t, byType[aims.RecordChange], 1)
	assert.Equal(t, change.ID, byType[aims.RecordChange][0].Subject)
	assert.Equal(t, "approved", byType[aims.RecordChange][0].State)
	require.Len(t, byType[aims.RecordRisk], len(risks.Risks))

	// Incidents, folded from their records: the last record is the state.
	incidents := map[string]*incidentHistory{}
	var order []string
	for _, m := range byType[aims.RecordIncident] {
		var in aims.Incident
		require.NoError(t, m.DecodeData(&in))
		h, ok := incidents[m.Subject]
		if !ok {
			h = &incidentHistory{}
			incidents[m.Subject] = h
			order = append(order, m.Subject)
		}
		if len(h.states) == 0 || h.states[len(h.states)-1] != m.State {
			h.states = append(h.states, m.State)
		}
		h.last = in
		h.decisions = len(m.Decisions)
	}
	closedBySource := map[string]int{}
	full := []string{"open", "investigating", "corrective_action", "verified", "closed"}
	for _, id := range order {
		h := incidents[id]
		assert.Equal(t, "open", h.states[0], "incident %s starts open", id)
		if h.last.State != aims.IncidentClosed {
			continue
		}
		closedBySource[string(h.last.Source)]++
		assert.Equal(t, full, h.states, "incident %s went through every state", id)
		assert.NotEmpty(t, h.last.RootCause)
		assert.NotEmpty(t, h.last.CorrectiveAction)
		assert.NotEmpty(t, h.last.Verification)
		if h.last.Source == aims.SourceDriftAlarm {
			assert.Equal(t, tl.EpisodeDecisions, len(h.last.Decisions), "the episode's decisions are linked")
			assert.Equal(t, tl.EpisodeDecisions, h.decisions, "and named in the record envelope")
			assert.Equal(t, []string{"R-02"}, h.last.Risks)
		}
	}
	assert.Equal(t, tl.IncidentsClosed, closedBySource, "the ledger's closed incidents are the ones the validator closed")
	assert.Positive(t, closedBySource[string(aims.SourceDriftAlarm)], "the drift episode opened an incident, and it was closed")
	halts := 0
	for _, h := range incidents {
		if h.last.Source == aims.SourceHalt {
			halts++
		}
	}
	assert.Equal(t, tl.Halts, halts, "one incident per halt")
	var reported []string
	for _, id := range order {
		if h := incidents[id]; h.last.Source == aims.SourceUserReport {
			reported = append(reported, h.last.Decisions...)
		}
	}
	assert.Equal(t, tl.UserReports, reported, "one incident per reported decision, linked to it, however often it was reported")

	// One incident per alarm, not one per evaluation: no alarm key has two
	// incidents open at once, and every drift incident has its own key.
	keys := map[string]int{}
	for _, h := range incidents {
		if h.last.AlarmKey != "" {
			keys[h.last.AlarmKey]++
		}
	}
	for k, n := range keys {
		assert.Equal(t, 1, n, "alarm %s opened %d incidents in one run", k, n)
	}
}

// incidentHistory is one incident as its ledger records tell it.
type incidentHistory struct {
	states    []string      // the states it passed through, in order
	last      aims.Incident // its data in the last record
	decisions int           // decision IDs named by the last record's envelope
}
