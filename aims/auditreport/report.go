package auditreport

import (
	"time"
)

// Report is the computed content of an audit report, ready to render. Every
// section says whether its inputs were available (Available) and, when not,
// why (Note), so a report built from partial inputs is still honest.
type Report struct {
	// Title is the report's heading.
	Title string
	// Organization and Scope come from the Statement of Applicability;
	// both are empty without one.
	Organization, Scope string
	// GeneratedAt is when the report was generated (UTC).
	GeneratedAt time.Time
	// Sources lists each input, where it came from and whether it was read.
	Sources []Source
	// Missing repeats Input.Missing: what the report could not see.
	Missing []string

	// Summary is the headline: counts and findings drawn from the sections
	// below.
	Summary Summary
	// Inventory lists the AI systems known to the collector.
	Inventory InventorySection
	// Coverage is the Annex A coverage with evidence counts per control.
	Coverage CoverageSection
	// Decisions is decision volumes and outcomes over time.
	Decisions DecisionSection
	// Oversight is what gates and human reviewers did with the decisions.
	Oversight OversightSection
	// Incidents is the incidents and their corrective actions, from the
	// ledger's incident records.
	Incidents IncidentSection
	// Management is the other management-system records of the ledger:
	// impact assessments, deployment authorisations, changes and risks.
	Management ManagementSection
	// Fairness is the fairness monitor's latest state per system and group,
	// and its threshold crossings.
	Fairness FairnessSection
	// Drift is the drift monitor's scores and events.
	Drift DriftSection
	// Ledger is the decision ledger's verification status.
	Ledger LedgerSection
	// Instances breaks the ledger's numbers down by instance ledger.
	Instances InstanceSection
	// GenAI is the generative-AI evidence of the ledger: interactions,
	// guardrail outcomes, held and reviewed responses, reports and
	// incidents, evaluations and token usage.
	GenAI GenAISection
}

// Source is one input of the report, listed so the reader knows exactly
// what the report rests on.
type Source struct {
	// Name says which input this is: "Decision ledger", "Ledger
	// verification", "Collector logs", "Collector metrics" or "Statement of
	// Applicability".
	Name string
	// Path is the file or folder the input was read from; empty when none
	// was given.
	Path string
	// Status says in words what came of it: "read: 120 log records",
	// "missing", "not verified", "FAILED: …".
	Status string
	// OK is true when the input was available and read. A ledger whose
	// verification failed is still OK (it was checked); Status says FAILED.
	OK bool
	// SHA256 is the hex SHA-256 of the file read, empty for folders and
	// files that could not be opened.
	SHA256 string
}

// Verdict is a traffic-light state shown next to findings.
type Verdict string

// The verdicts a finding can have.
const (
	VerdictPass    Verdict = "pass"
	VerdictFail    Verdict = "fail"
	VerdictWarn    Verdict = "warning"      // needs the auditor's attention, not a failure
	VerdictUnknown Verdict = "not assessed" // the inputs hold too little to judge
	VerdictInfo    Verdict = "info"         // indicators for the auditor to judge; no pass or fail is claimed
)

// Summary is the first thing an auditor reads.
type Summary struct {
	// Verification is the ledger's verdict: pass, fail, or not assessed
	// when the ledger was not verified.
	Verification Verdict
	// VerificationText says the verification result in a sentence, with
	// the location of the first problem when it failed.
	VerificationText string
	// Decisions counts decision records in the ledger (without follow-up
	// oversight records or system halts and resumes); Followups counts the
	// follow-ups.
	Decisions, Followups int
	// Systems is the number of AI systems in the inventory.
	Systems int
	// Applicable, Excluded and NotAddressed count Annex A controls by
	// the SoA's statement; WithEvidence counts applicable controls (or all
	// controls without an SoA) with machine evidence: at least one log
	// record, metric point or ledger record (ControlRow.Evidence > 0).
	Applicable, Excluded, NotAddressed, WithEvidence int
	// Declared counts applicable controls for which the SoA names
	// evidence (records, documents), with or without machine evidence;
	// DeclaredOnly those of them without machine evidence
	// (ControlRow.DocumentsOnly), whose evidence the auditor has to check
	// by hand; NoEvidence the applicable controls with neither
	// (ControlRow.Gap). WithEvidence + DeclaredOnly + NoEvidence =
	// Applicable.
	Declared, DeclaredOnly, NoEvidence int
	// Controls is the number of Annex A controls in the catalogue.
	Controls int
	// HeldForReview and Overridden summarise human oversight; they are
	// OversightSection.Held and Overridden.
	HeldForReview, Overridden int
	// FailingGroups counts groups failing the four-fifths rule (verdict
	// fail; small groups below it are warnings and not counted).
	FailingGroups int
	// FairnessViolations counts the fairness monitor's threshold
	// violations of the systems (events with state "violated"): a
	// violation one instance reports while another instance of the same
	// system has the same threshold violated is the same one, counted
	// once (FairnessEvent.SameAsInstance).
	FairnessViolations int
	// FairnessAlerts counts distinct fairness alerts: the failing groups
	// plus the violations (as counted in FairnessViolations) that are not
	// about a failing group. A violation
	// of a selection-rate disparity (demographic_parity_*) whose lowest
	// group (GroupMin) is a failing group of the same system is the
	// disparity that group's failure already shows, so it is not counted
	// again; FairnessSection.Events marks it (SameAsFailingGroup).
	FairnessAlerts int
	// DriftAlerts counts drift events that started drift in the systems
	// (DriftSection.Alerts): one instance's start of drift while another
	// instance of the same system already drifts on the same feature (or
	// the dataset) is the same episode, counted once.
	DriftAlerts int
	// Incidents counts the incidents in the ledger (IncidentSection
	// .Incidents); OpenIncidents those not closed; OverdueReports those
	// whose EU AI Act Art. 73 report is overdue or was late.
	Incidents, OpenIncidents, OverdueReports int
	// Findings are one-line statements of what needs attention.
	Findings []Finding
}

// Finding is one line of the summary.
type Finding struct {
	// Verdict is the line's traffic light.
	Verdict Verdict
	// Text is the finding in a sentence.
	Text string
}

// Chart is one rendered chart: an SVG document drawn with gonum/plot, ready
// to be inlined, or the reason it could not be drawn. The zero Chart means
// there was nothing to draw.
type Chart struct {
	// Title is the chart's caption.
	Title string
	// SVG is an <svg> element (no XML prolog) to inline in HTML; its text
	// is already escaped. Empty when the chart was not drawn.
	SVG string
	// Err says why the chart could not be drawn; empty otherwise.
	Err string
}

// InventorySection lists the AI systems rebuilt from the collector's
// registration and heartbeat records.
type InventorySection struct {
	// Available is true when the inventory could be rebuilt from the
	// collector's logs.
	Available bool
	// Note says why the section is unavailable or empty.
	Note string
	// Systems lists the registered systems by ID, then the unregistered
	// ones.
	Systems []SystemRow
}

// SystemRow is one AI system of the inventory, as its latest registration
// describes it.
type SystemRow struct {
	// ID identifies the system (aims.system.id).
	ID string
	// Name is the system's human-readable name.
	Name string
	// Owner is the person or team accountable for the system.
	Owner string
	// Lifecycle is the lifecycle stage: design, development, deployed or
	// retired.
	Lifecycle string
	// Version is the latest registered version.
	Version string
	// Versions lists every version registered, oldest first.
	Versions []string
	// RiskLevel is the declared EU AI Act risk tier (an aims.RiskLevel);
	// empty when none was declared.
	RiskLevel string
	// Instances counts the replicas that registered or sent heartbeats.
	Instances int
	// LastHeartbeat is the latest heartbeat of any instance; zero if none.
	LastHeartbeat time.Time
	// LastSeen is the latest registration or heartbeat of any instance.
	LastSeen time.Time
	// Retired is true when the system was decommissioned and not
	// registered again since.
	Retired bool
	// RetiredAt is when it was decommissioned; zero unless Retired.
	RetiredAt time.Time
	// RetirementReason is the reason given for decommissioning.
	RetirementReason string
	// Unregistered marks a system seen only through heartbeats or
	// retirements, whose registration record is not in the input; only
	// its ID and version are known.
	Unregistered bool
}

// CoverageSection is Annex A coverage: one row per control.
type CoverageSection struct {
	// HaveSoA, HaveCollector and HaveLedger say which inputs the counts
	// rest on.
	HaveSoA, HaveCollector, HaveLedger bool
	// Note says which inputs were missing and what that leaves unknown.
	Note string
	// Rows holds every Annex A control in catalogue order, whatever the
	// inputs.
	Rows []ControlRow
	// SoAProblems lists what SoA validation found wrong.
	SoAProblems []string
	// First and Last are the earliest and latest time of a record counted
	// as machine evidence; zero when no record has a time.
	First, Last time.Time
}

// ControlRow is one Annex A control with its applicability and evidence.
type ControlRow struct {
	// ID is the control's Annex A identifier, e.g. "A.6.2.8".
	ID string
	// Title is the control's title in the standard.
	Title string
	// Objective is the ID of the objective the control belongs to, e.g.
	// "A.6".
	Objective string
	// Applicability is "applicable", "excluded", "not addressed" (the SoA
	// does not mention it) or "unknown" (no SoA).
	Applicability string
	// Status is the SoA's implementation status in words ("implemented",
	// "partially implemented", "planned", "not implemented"); empty unless
	// the control is applicable.
	Status string
	// Justification is the SoA's reason for including or excluding the
	// control.
	Justification string
	// Owner is the role or person the SoA makes accountable for the
	// control.
	Owner string
	// SoAEvidence is the evidence the SoA names for the control
	// (record types, documents, queries).
	SoAEvidence []string
	// LogRecords and MetricPoints count collector records naming the
	// control in aims.control.id or in aims.control.ids (a record naming
	// it in both counts once). LedgerRecords counts the ledger records
	// that are evidence for the control: every record for A.6.2.8 (event
	// logs); for A.9.2 the decisions a gate held or blocked and every
	// reviewer action, escalation, expiry, halt and resume; for A.8.3
	// every contest; for A.3.2 every four-eyes vote that did not resolve
	// its ticket; and every management-system record (incident, impact
	// assessment, deployment authorisation, change, risk) for each
	// control it names. One record can be evidence for several controls;
	// a control no record evidences has zero.
	LogRecords, MetricPoints, LedgerRecords int
	// Evidence is the machine evidence: the sum of the three counts.
	// Evidence named in the SoA (SoAEvidence) is declared, not machine,
	// evidence and is not counted here.
	Evidence int
	// RecordTypes breaks Evidence down by source and record type (ledger
	// records by what they record, collector records by event or metric
	// name), ledger first, then log records, then metric points, each
	// most frequent first; the counts add up to Evidence.
	RecordTypes []EvidenceCount
	// Samples are up to EvidenceSamples of the records counted, the first
	// of each type in the order of RecordTypes first, so an auditor can
	// look them up.
	Samples []EvidenceSample
	// DocumentsOnly marks an applicable control without machine evidence
	// for which the SoA names evidence (declared evidence: records,
	// documents): the auditor checks that evidence by hand.
	DocumentsOnly bool
	// Gap marks an applicable control without any evidence record and
	// without evidence named in the SoA: nothing in these inputs shows the
	// control is operating.
	Gap bool
}

// DecisionSection is decision volumes and outcomes over time.
type DecisionSection struct {
	// Available is true when the decision ledger was read.
	Available bool
	// Note says why the section is unavailable or what it leaves out.
	Note string
	// Total counts decision records; Adverse those marked adverse;
	// Followups the oversight records that act on an earlier decision;
	// Halts the system halt and resume records; Untimed the decisions
	// without a time (counted, not charted).
	Total, Adverse, Followups, Halts, Untimed int
	// First and Last are the earliest and latest decision times; zero when
	// no decision has a time.
	First, Last time.Time
	// Outcomes counts decisions by final outcome, most frequent first:
	// the resolving reviewer's output when a held decision was resolved
	// (an override's new output), the model's output when the decision
	// took effect without review, and OutcomeBlocked, OutcomeRejected,
	// OutcomeExpired or OutcomePending for decisions without an applied
	// output.
	Outcomes []Count
	// ModelOutputs counts decisions by the model's proposed output,
	// before any review.
	ModelOutputs []Count
	// Systems counts decisions by AI system.
	Systems []Count
	// DuplicateIDs counts decision IDs carried by more than one decision
	// record with different content (a broken ID generator, a ledger
	// copied and changed); Duplicates names the first few, each with the
	// instance ledgers holding it. Each such record is counted as a
	// decision of its own, and a follow-up record is linked to the
	// decision in its own instance ledger, else to the first one read.
	// The same decision recorded twice identically is not a duplicate.
	DuplicateIDs int
	// Duplicates names duplicate decision IDs (see DuplicateIDs), one
	// line each.
	Duplicates []string
	// NotLedgered counts the decisions the Collector output holds an
	// aims.decision log record of that no ledger record carries the ID
	// of: emitted, but not (or not yet) in the ledger, as when the ledger
	// refused the write (aims.ErrNotLedgered) and no retry wrote it
	// since. They are not in Total or any other count, which are the
	// ledger's. Records of instances whose ledger was not read, and,
	// when retention pruned the ledger, records older than its oldest
	// remaining record, are left out. Only with both the ledger and the
	// Collector logs.
	NotLedgered int
	// NotLedgeredIDs names the first few of them (see NotLedgered), and
	// how many more there are.
	NotLedgeredIDs []string
	// Bucket is the width of the time buckets of Series, chosen so the
	// span from First to Last fits in about 48 buckets.
	Bucket time.Duration
	// Series holds one row per time bucket.
	Series []Bucket
	// Chart stacks each bucket's decisions by outcome.
	Chart Chart
}

// Count is a labelled count.
type Count struct {
	// Label is what was counted: an outcome, a system, a reviewer, an event
	// name.
	Label string
	// N is how many there were.
	N int
}

// Bucket is the decisions of one time bucket, by outcome (in the order of
// DecisionSection.Outcomes).
type Bucket struct {
	// Start is the bucket's start (UTC); it ends at Start plus
	// DecisionSection.Bucket.
	Start time.Time
	// Counts holds the bucket's decisions per outcome, indexed like
	// DecisionSection.Outcomes.
	Counts []int
	// Total is the sum of Counts.
	Total int
}

// OversightSection is human oversight of the decisions. The ledger is the
// source when it was read; otherwise the collector's oversight events are
// (Note says so), which give no Applied or Ungated counts.
type OversightSection struct {
	// Available is true when the ledger or the collector's logs were read.
	Available bool
	// Note says why the section is unavailable or which source it uses.
	Note string
	// Applied, Held and Blocked count decisions by the route their gate
	// gave them (let through, held for human review, blocked); Ungated
	// counts ledger decisions that passed no gate. A decision recorded
	// as applied and then, by its gate, as not applied (a follow-up with
	// action block: its record could not be written when it was to take
	// effect, package oversight) counts as Blocked, once.
	Applied, Held, Blocked, Ungated int
	// Approved, Rejected and Overridden count the reviewer actions that
	// resolved a held decision.
	Approved, Rejected, Overridden int
	// PartialApprovals counts reviewer votes that did not resolve their
	// ticket (the first of two required approvals or overrides under
	// four-eyes review); they are never counted as resolutions.
	PartialApprovals int
	// ContestVotes counts reviewer votes on contests that did not resolve
	// their contest (four-eyes review of a contest); like
	// PartialApprovals they are never counted as resolutions. The votes
	// that did not resolve a ticket are PartialApprovals + ContestVotes.
	ContestVotes int
	// Waiting counts open tickets (included in Open) that hold at least
	// one such vote and wait for another reviewer.
	Waiting int
	// Overrides lists each overridden decision with the model's output,
	// the reviewer's and who decided; len(Overrides) == Overridden when
	// the ledger is the source.
	Overrides []OverrideRow
	// RubberStamping is true when reviews are fast and almost always
	// agree with the model (thresholds RubberStampMedian,
	// RubberStampAgreement, RubberStampMinReviews): a warning of possible
	// automation bias, not a finding.
	RubberStamping bool
	// RubberStampingText states the indicator, its values and thresholds.
	RubberStampingText string
	// Contested counts contests: the person a decision affects asked for
	// it to be reviewed.
	Contested int
	// ContestsUpheld counts contests whose reviewer confirmed the decision;
	// ContestsChanged those whose reviewer overrode or rejected it (the
	// decision's final outcome is then the contest's). Neither is counted
	// in Approved, Rejected or Overridden, which are about held decisions.
	ContestsUpheld, ContestsChanged int
	// ContestsExpired counts contests whose deadline passed with no
	// reviewer resolution (the decision stays as it was);
	// ContestsEscalated counts escalations of contests to a further
	// reviewer level. Neither is counted in Expired or Escalated, which
	// are about held decisions.
	ContestsExpired, ContestsEscalated int
	// Expired counts held decisions whose final review deadline passed
	// with no reviewer resolution.
	Expired int
	// Escalated counts escalations of held decisions to a further
	// reviewer level.
	Escalated int
	// Halts and Resumes count stops and restarts of the whole system.
	Halts, Resumes int
	// WithoutDecision counts review records (resolutions, expiries,
	// votes, escalations) of held decisions that are not in the ledger:
	// deleted by retention (Ledger.Prune), or never there. They are in
	// none of the other counts, nor in Agreement or ReviewTimes; Note
	// says so, and when the ledger was pruned.
	WithoutDecision int
	// Open counts held decisions with no resolution in the ledger (from
	// events: held minus resolved). An expiry counts as a resolution, also
	// under the fail-safe "hold" where the decision stays held until a
	// reviewer acts (Expired shows those). Held = Approved + Rejected +
	// Overridden + Expired + Open: each held decision is counted once, by
	// its final state (a reviewer's resolution after an expiry under
	// "hold" counts as the resolution), from the ledger as from the
	// events (whose tickets the events name).
	Open int
	// Agreement is approvals / resolved human reviews, between 0 and 1.
	Agreement float64
	// AgreementDefined is false when there were no resolved reviews, so
	// Agreement is meaningless.
	AgreementDefined bool
	// ReviewTimes summarises time to review of resolved human reviews.
	ReviewTimes Distribution
	// Events counts oversight events in the collector's logs by name;
	// only when they are the source (no ledger), so that no count is
	// shown twice from two sources.
	Events []Count
	// Reviewers counts resolving actions per reviewer.
	Reviewers []Count
	// Chart is the histogram of ReviewTimes; zero when there are none.
	Chart Chart
}

// Distribution summarises durations. All values are zero when N is zero.
type Distribution struct {
	// N is the number of durations.
	N int
	// Min is the shortest duration.
	Min time.Duration
	// Median and P90 are nearest-rank percentiles (the smallest value with
	// at least half, or 90 %, of the values at or below it), so they are
	// always observed values.
	Median, P90 time.Duration
	// Max is the longest duration.
	Max time.Duration
	// Mean is the arithmetic mean.
	Mean time.Duration
	// Source names where the durations come from: "ledger" or "collector
	// events".
	Source string
	// Values are the durations, shortest first.
	Values []time.Duration
}

// FairnessSection is fairness by group from the fairness monitor's metrics
// and events.
type FairnessSection struct {
	// Available is true when the collector output holds fairness metrics
	// or events.
	Available bool
	// Note says why the section is unavailable.
	Note string
	// Monitors holds one monitor state per AI system, sorted by system.
	Monitors []FairnessMonitor
	// Events are the monitor's threshold crossings, oldest first.
	Events []FairnessEvent
}

// FairnessMonitor is the latest state of the groups of one system.
type FairnessMonitor struct {
	// System is the AI system monitored: the points' aims.system.id, else
	// the resource's, else its service.name.
	System string
	// Instance is set when the system has several instances: the latest
	// window gauges of this one instance (aims.system.instance). Rates of
	// instances do not add up; the whole system is the Fleet view.
	Instance string
	// Fleet is set for the whole system's view when it has several
	// instances: every decision since each instance's monitor started,
	// from the latest aims.fairness.cumulative.* counts of each instance
	// in Instances, added up group by group; rates and disparities are
	// computed from the sums by the fairness monitor's own code
	// (fairness.FleetStatsOf, groups of fewer than 30 decisions take no
	// part in disparities).
	Fleet bool
	// Instances are the instances whose counts the Fleet view adds up,
	// sorted; nil for the other views.
	Instances []string
	// Excluded are the instances the Fleet view leaves out, each with
	// the reason: their cumulative counts are ones no monitor produces
	// (negative, more selected or labelled than decided), or none were
	// read for them (they exported only window gauges, whose rates do
	// not add up). Nil when none. When no instance has counts, the Fleet
	// view has no groups and every instance is here.
	Excluded []string
	// AsOf is the time of the latest point used.
	AsOf time.Time
	// Groups holds one row per group, sorted by group name.
	Groups []GroupRow
	// Disparities holds the latest value of each monitored disparity,
	// sorted by name.
	Disparities []DisparityRow
	// Chart draws the latest selection rate per group against the
	// four-fifths line; zero without groups.
	Chart Chart
	// TimeChart plots selection rate per group over time; zero unless some
	// group has selection rates at two or more times.
	TimeChart Chart
}

// GroupRow is the latest values of one group. A nil pointer means the
// monitor exported no value for it.
type GroupRow struct {
	// Group names the group as feature=level pairs, e.g. "sex=F".
	Group string
	// Decisions and Labeled count the group's decisions, and those with a
	// known true outcome, in the monitor's window.
	Decisions, Labeled *float64
	// SelectionRate is the share of the group's decisions with the positive
	// outcome; TPR, FPR and Accuracy are the true positive rate, false
	// positive rate and accuracy over its labelled decisions. All are
	// between 0 and 1.
	SelectionRate, TPR, FPR, Accuracy *float64
	// ImpactRatio is SelectionRate / highest SelectionRate of the groups
	// with decisions in the window; nil for a group without a selection
	// rate or without decisions, and when no group has a positive rate.
	ImpactRatio *float64
	// FourFifths is pass when ImpactRatio ≥ 0.8 (the EEOC four-fifths
	// rule of thumb, 29 CFR 1607.4(D)), fail below, not assessed when
	// ImpactRatio is nil; a group with fewer than MinGroupDecisions
	// decisions below 0.8 is a warning, not a failure (SmallGroup).
	FourFifths Verdict
	// ImpactLow and ImpactHigh bound the 95 % bootstrap confidence
	// interval of ImpactRatio (fairness.Bootstrap, seeded); nil for the
	// reference group and when the decision counts are not exported.
	ImpactLow, ImpactHigh *float64
	// SmallGroup marks a group with fewer than MinGroupDecisions
	// decisions in the window.
	SmallGroup bool
	// FourFifthsNote states n when small and the interval.
	FourFifthsNote string
}

// DisparityRow is the latest value of one monitored disparity.
type DisparityRow struct {
	// Name is the disparity measure, e.g. "demographic_parity_ratio".
	Name string
	// Value is its latest exported value.
	Value float64
	// Time is when that value was exported.
	Time time.Time
}

// FairnessEvent is one threshold crossing of the fairness monitor.
type FairnessEvent struct {
	// Time is when the monitor emitted the event.
	Time time.Time
	// System is the AI system monitored.
	System string
	// Instance is the instance that reported the event
	// (aims.system.instance of its resource); empty when absent.
	Instance string
	// Disparity names the disparity measure that crossed its threshold.
	Disparity string
	// State is "violated" when the threshold was crossed and "recovered"
	// when the disparity came back.
	State string
	// Value is the disparity's value at the crossing; nil when absent.
	Value *float64
	// Threshold is the configured threshold; nil when absent.
	Threshold *float64
	// Comparison is "below" (alarm when Value falls below Threshold) or
	// "above".
	Comparison string
	// GroupMin and GroupMax are the groups with the smallest and largest
	// metric value.
	GroupMin, GroupMax string
	// Control is the Annex A control the event is evidence for
	// (aims.control.id, normalised); empty when absent.
	Control string
	// SameAsFailingGroup is true for a violation of a selection-rate
	// disparity (demographic_parity_*) whose GroupMin fails the
	// four-fifths rule in the same system's latest state: the same
	// disparity as that failing group, counted as one alert with it.
	SameAsFailingGroup bool
	// SameAsInstance, on a violation, names another instance of the same
	// system that already reported the same threshold (disparity,
	// comparison, limit) violated with no recovery since: each instance
	// watches its own window, so the fleet's replicas report one
	// violation of the system several times. Such a violation is not
	// counted again in the summary. An instance without
	// aims.system.instance is named "(no aims.system.instance)".
	SameAsInstance string
}

// DriftSection is drift scores over time and the drift events.
type DriftSection struct {
	// Available is true when the collector output holds drift metrics or
	// events.
	Available bool
	// Note says why the section is unavailable.
	Note string
	// Features has the latest value per system, feature, method and metric.
	Features []DriftFeature
	// Events are the drift monitor's events, oldest first.
	Events []DriftEvent
	// Charts plot drift scores over time: distances and p-values apart.
	Charts []Chart
}

// DriftFeature is the latest value of one drift gauge for one feature. For
// aims.drift.score the score is a p-value for statistical tests (lower
// means more drift) and a distance for PSI, Wasserstein or Jensen–Shannon
// (higher means more drift); Method says which.
type DriftFeature struct {
	// System is the AI system monitored.
	System string
	// Instance is set when the system has several instances: the series
	// of this one instance (aims.system.instance), whose window and
	// scores are its own.
	Instance string
	// Feature is the monitored feature, or a label in parentheses for
	// dataset-wide gauges such as the share of drifted features.
	Feature string
	// Method is the drift test (aims.drift.method), e.g. "ks" or "psi";
	// empty for gauges without one.
	Method string
	// Metric is the gauge's name, e.g. "aims.drift.score".
	Metric string
	// Latest is the newest value; Min and Max are the extremes of all Points.
	Latest, Min, Max float64
	// Points counts the finite values exported.
	Points int
	// AsOf is the time of the newest value.
	AsOf time.Time
}

// DriftEvent is one drift event from the collector's logs: a feature or
// the dataset starting or stopping to drift, or a change detector firing.
type DriftEvent struct {
	// Time is when the monitor emitted the event.
	Time time.Time
	// System is the AI system monitored.
	System string
	// Name is the event name: aims.drift.feature, aims.drift.dataset or
	// aims.drift.change.
	Name string
	// Feature is the feature concerned; empty for dataset and change
	// events.
	Feature string
	// State is "drift" when drift starts (also when a change detector
	// fires) and "recovered" when it ends; an event without a state counts
	// as an alert too.
	State string
	// Method is the drift test, or the change detector's name.
	Method string
	// Score is the drift score (for dataset events the share of drifted
	// features); nil when absent.
	Score *float64
	// Threshold is the threshold Score was compared with; nil when absent.
	Threshold *float64
	// Detail is the event's human-readable message (the log body).
	Detail string
	// Control is the Annex A control the event is evidence for
	// (aims.control.id, normalised); empty when absent.
	Control string
	// Instance is the instance that reported the event
	// (aims.system.instance of its resource); empty when absent.
	Instance string
	// SameAsInstance, on a feature or dataset event, names another
	// instance of the same system that reports the same feature (or the
	// dataset) drifting, with no recovery since: on a start of drift, the
	// episode is already under way there and is not counted again; on a
	// recovery, the system still drifts there. An instance without
	// aims.system.instance is named "(no aims.system.instance)".
	SameAsInstance string
}

// LedgerSection is the verification status of the decision ledger (one
// per instance) and its latest signed checkpoint.
type LedgerSection struct {
	// Available is true when the ledger was verified, whatever the result.
	Available bool
	// Note says why the ledger was not verified.
	Note string
	// Dir is the ledger folder as given.
	Dir string
	// Verdict is pass when every instance ledger verified, fail when any
	// did not.
	Verdict Verdict
	// Ledgers holds one status per instance ledger.
	Ledgers []LedgerStatus
	// OtherRecords counts ledger records that are neither decisions,
	// management-system records nor GenAI records (ledger entries such as
	// adoptions).
	OtherRecords int
	// Unreadable counts ledger records that could not be read (see
	// Input.Unreadable); the report's Missing names the first few.
	Unreadable int
	// Reproduce is the command an auditor runs to verify the ledger
	// independently of this report.
	Reproduce string
}

// LedgerStatus is the verification result of one instance ledger. The
// checkpoint fields are empty when no checkpoint could be read; after a
// failed verification they show the checkpoint file's claim, unverified.
type LedgerStatus struct {
	// Verdict is pass when the instance ledger verified, fail otherwise.
	Verdict Verdict
	// Verification is the full result, with the problem's location.
	Verification Verification
	// RootHash is the latest checkpoint's root in base64, as in the note.
	RootHash string
	// TreeSize is the number of records the latest checkpoint covers.
	TreeSize int64
	// CheckpointText is the checkpoint body; CheckpointNote the whole
	// signed note.
	CheckpointText, CheckpointNote string
	// Outside says what the checkpoints kept outside the host showed.
	Outside string
	// Adoptions describes each range of records adopted at a restart
	// without a checkpoint covering them when written.
	Adoptions []string
}
