package oversight

import "strings"

// DefaultRejectOutput is the output recorded for a rejected decision
// unless WithRejectOutput says otherwise: the model's decision is not
// applied and the affected person's case is referred for handling outside
// the automated system.
const DefaultRejectOutput = "referred"

// WithRejectOutput sets the output a rejected decision records: what the
// affected person gets when reviewers reject the model's decision (for
// example the system's declared fallback outcome, "refer" or "deny").
// When the Recorder declares outcomes (OutcomeChecker), New refuses a
// value it does not declare, and the record takes the declared outcome's
// Adverse flag. Default DefaultRejectOutput.
func WithRejectOutput(output string) Option {
	return optionFunc(func(c *config) {
		output = strings.TrimSpace(output)
		if output == "" {
			c.fail("oversight: WithRejectOutput needs an output")
			return
		}
		c.rejectOutput, c.rejectSet = output, true
	})
}

// WithSystems registers further systems (beyond the Recorder's own system
// and those given WithRiskLevel) that this Gate gates, so that Halt
// accepts their IDs without Force.
func WithSystems(systemIDs ...string) Option {
	return optionFunc(func(c *config) {
		for _, id := range systemIDs {
			if err := validSystemID(id); err != nil {
				c.fail("oversight: WithSystems: %v", err)
				continue
			}
			c.systems[id] = true
		}
	})
}

// WithDecisionIndex controls whether the Gate keeps every decision it
// applies or blocks without review in its Store, as an already resolved
// ticket of kind KindRouted, so that Contest and Decision find it by its
// decision ID with no DecisionFinder. It is on by default and costs one
// Store write per such decision (PurgeResolved removes old ones); with it
// off, Contest falls back to the DecisionFinder for those decisions.
func WithDecisionIndex(enabled bool) Option {
	return optionFunc(func(c *config) { c.noIndex = !enabled })
}
