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
	// Organization and Scope come from the Statement of Applicability.
	Organization, Scope string
	// GeneratedAt is when the report was generated (UTC).
	GeneratedAt time.Time
	// Sources lists each input, where it came from and whether it was read.
	Sources []Source
	// Missing repeats Input.Missing: what the report could not see.
	Missing []string

	Summary   Summary
	Inventory InventorySection
	Coverage  CoverageSection
	Decisions DecisionSection
	Oversight OversightSection
	Fairness  FairnessSection
	Drift     DriftSection
	Ledger    LedgerSection
}

// Source is one input of the report.
type Source struct {
	Name   string // "Decision ledger", "Collector logs", …
	Path   string
	Status string // "read: 120 records", "missing"
	OK     bool
	// SHA256 is the hex SHA-256 of the file read, empty for folders and
	// files not read.
	SHA256 string
}

// Verdict is a traffic-light state shown next to findings.
type Verdict string

// The verdicts a finding can have.
const (
	VerdictPass    Verdict = "pass"
	VerdictFail    Verdict = "fail"
	VerdictWarn    Verdict = "warning"
	VerdictUnknown Verdict = "not assessed"
)

// Summary is the first thing an auditor reads.
type Summary struct {
	// Verification is pass, fail or not assessed; VerificationText says
	// it in a sentence.
	Verification     Verdict
	VerificationText string
	// Decisions counts decision records in the ledger (without follow-up
	// oversight records); Followups counts those.
	Decisions, Followups int
	// Systems is the number of AI systems in the inventory.
	Systems int
	// Applicable, Excluded and NotAddressed count Annex A controls by
	// the SoA's statement; WithEvidence counts applicable controls (or all
	// controls without an SoA) with at least one evidence record.
	Applicable, Excluded, NotAddressed, WithEvidence, Controls int
	// HeldForReview and Overridden summarise human oversight.
	HeldForReview, Overridden int
	// FairnessAlerts counts groups failing the four-fifths rule plus
	// threshold violations reported by the fairness monitor.
	FairnessAlerts int
	// DriftAlerts counts drift events.
	DriftAlerts int
	// Findings are one-line statements of what needs attention.
	Findings []Finding
}

// Finding is one line of the summary.
type Finding struct {
	Verdict Verdict
	Text    string
}

// Chart is one rendered chart: an SVG document drawn with gonum/plot, ready
// to be inlined, or the reason it could not be drawn.
type Chart struct {
	Title string
	SVG   string
	Err   string
}

// InventorySection lists the AI systems rebuilt from the collector's
// registration and heartbeat records.
type InventorySection struct {
	Available bool
	Note      string
	Systems   []SystemRow
}

// SystemRow is one AI system of the inventory.
type SystemRow struct {
	ID, Name, Owner, Lifecycle string
	Version                    string
	Versions                   []string
	RiskLevel                  string
	Instances                  int
	LastHeartbeat, LastSeen    time.Time
	Retired                    bool
	RetiredAt                  time.Time
	RetirementReason           string
	// Unregistered marks a system seen only through heartbeats or
	// retirements, whose registration record is not in the input.
	Unregistered bool
}

// CoverageSection is Annex A coverage: one row per control.
type CoverageSection struct {
	// HaveSoA and HaveCollector say which inputs the counts rest on.
	HaveSoA, HaveCollector, HaveLedger bool
	Note                               string
	Rows                               []ControlRow
	// SoAProblems lists what SoA validation found wrong.
	SoAProblems []string
}

// ControlRow is one Annex A control with its applicability and evidence.
type ControlRow struct {
	ID, Title, Objective string
	// Applicability is "applicable", "excluded", "not addressed" (the SoA
	// does not mention it) or "unknown" (no SoA).
	Applicability string
	Status        string
	Justification string
	Owner         string
	// SoAEvidence is the evidence the SoA names for the control
	// (documents, queries, features).
	SoAEvidence []string
	// LogRecords and MetricPoints count collector records carrying
	// aims.control.id equal to ID; LedgerRecords counts ledger records
	// (evidence for A.6.2.8 event logs).
	LogRecords, MetricPoints, LedgerRecords int
	// Evidence is the sum of the three counts.
	Evidence int
	// DocumentsOnly marks an applicable control without telemetry or
	// ledger records for which the SoA names other evidence (documents):
	// the auditor checks those documents.
	DocumentsOnly bool
	// Gap marks an applicable control without any evidence record; many
	// and without evidence named in the SoA: nothing in these inputs shows
	// the control is operating.
	Gap bool
}

// DecisionSection is decision volumes and outcomes over time.
type DecisionSection struct {
	Available bool
	Note      string
	// Total counts decision records; Adverse those marked adverse;
	// Untimed those without a time (counted, not charted).
	Total, Adverse, Followups, Halts, Untimed int
	First, Last                               time.Time
	// Outcomes counts decisions by output, most frequent first.
	Outcomes []Count
	// Systems counts decisions by AI system.
	Systems []Count
	// Bucket is the width of the time buckets of Series.
	Bucket time.Duration
	// Series holds one row per time bucket.
	Series []Bucket
	Chart  Chart
}

// Count is a labelled count.
type Count struct {
	Label string
	N     int
}

// Bucket is the decisions of one time bucket, by outcome (in the order of
// DecisionSection.Outcomes).
type Bucket struct {
	Start  time.Time
	Counts []int
	Total  int
}

// OversightSection is human oversight of the decisions.
type OversightSection struct {
	Available bool
	Note      string
	// From the ledger: how gates routed decisions and what reviewers did.
	Applied, Held, Blocked, Ungated                  int
	Approved, Rejected, Overridden, PartialApprovals int
	Contested, Expired, Escalated, Halts, Resumes    int
	// Open counts held decisions with no resolution in the ledger. An
	// expiry counts as a resolution, also under the fail-safe "hold" where
	// the decision stays held until a reviewer acts (Expired shows those).
	Open int
	// Agreement is approvals / resolved human reviews; AgreementDefined
	// is false when there were no resolved reviews.
	Agreement        float64
	AgreementDefined bool
	// ReviewTimes summarises time to review of resolved human reviews.
	ReviewTimes Distribution
	// Events counts oversight events in the collector's logs by name.
	Events []Count
	// Reviewers counts resolving actions per reviewer.
	Reviewers []Count
	Chart     Chart
}

// Distribution summarises durations.
type Distribution struct {
	N                           int
	Min, Median, P90, Max, Mean time.Duration
	Source                      string // "ledger" or "collector events"
	Values                      []time.Duration
}

// FairnessSection is fairness by group from the fairness monitor's metrics
// and events.
type FairnessSection struct {
	Available bool
	Note      string
	Monitors  []FairnessMonitor
	// Events are the monitor's threshold crossings.
	Events []FairnessEvent
}

// FairnessMonitor is the latest state of the groups of one system.
type FairnessMonitor struct {
	System string
	// AsOf is the time of the latest point used.
	AsOf        time.Time
	Groups      []GroupRow
	Disparities []DisparityRow
	Chart       Chart
	// TimeChart plots selection rate per group over time.
	TimeChart Chart
}

// GroupRow is the latest values of one group. A nil pointer means the
// monitor exported no value for it.
type GroupRow struct {
	Group                             string
	Decisions, Labeled                *float64
	SelectionRate, TPR, FPR, Accuracy *float64
	// ImpactRatio is SelectionRate / highest SelectionRate of the groups.
	ImpactRatio *float64
	// FourFifths is pass when ImpactRatio ≥ 0.8 (the EEOC four-fifths
	// rule of thumb, 29 CFR 1607.4(D)), fail below, not assessed without
	// a selection rate.
	FourFifths Verdict
}

// DisparityRow is the latest value of one monitored disparity.
type DisparityRow struct {
	Name  string
	Value float64
	Time  time.Time
}

// FairnessEvent is one threshold crossing of the fairness monitor.
type FairnessEvent struct {
	Time               time.Time
	System             string
	Disparity, State   string
	Value, Threshold   *float64
	Comparison         string
	GroupMin, GroupMax string
	Control            string
}

// DriftSection is drift scores over time and the drift events.
type DriftSection struct {
	Available bool
	Note      string
	// Features has the latest value per feature, method and metric.
	Features []DriftFeature
	Events   []DriftEvent
	// Charts plot drift scores over time: distances and p-values apart.
	Charts []Chart
}

// DriftFeature is the latest value of one drift gauge for one feature. For
// aims.drift.score the score is a p-value for statistical tests (lower
// means more drift) and a distance for PSI, Wasserstein or Jensen–Shannon
// (higher means more drift); Method says which.
type DriftFeature struct {
	System, Feature, Method, Metric string
	Latest, Min, Max                float64
	Points                          int
	AsOf                            time.Time
}

// DriftEvent is one drift event from the collector's logs: a feature or
// the dataset starting or stopping to drift, or a change detector firing.
type DriftEvent struct {
	Time                   time.Time
	System, Name           string
	Feature, State, Method string
	Score, Threshold       *float64
	Detail                 string
	Control                string
}

// LedgerSection is the verification status of the decision ledger (one
// per instance) and its latest signed checkpoint.
type LedgerSection struct {
	Available bool
	Note      string
	Dir       string
	// Verdict is pass when every instance ledger verified, fail when any
	// did not.
	Verdict      Verdict
	Ledgers      []LedgerStatus
	OtherRecords int
	// Reproduce is the command an auditor runs to verify the ledger
	// independently of this report.
	Reproduce string
}

// LedgerStatus is the verification result of one instance ledger.
type LedgerStatus struct {
	Verdict      Verdict
	Verification Verification
	// RootHash is the latest checkpoint's root in base64, as in the note.
	RootHash string
	TreeSize int64
	// CheckpointText is the checkpoint body; CheckpointNote the whole
	// signed note.
	CheckpointText, CheckpointNote string
}
