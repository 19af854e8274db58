package semconv

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the drift package.
const (
	// AimsDriftFeature names the monitored feature (or "prediction").
	AimsDriftFeature = attribute.Key("aims.drift.feature")
	// AimsDriftMethod names the test that produced a score, e.g. "ks".
	AimsDriftMethod = attribute.Key("aims.drift.method")
	// AimsDriftScore is the score compared with the threshold: a p-value
	// for statistical tests, a distance for PSI, Wasserstein, JS.
	AimsDriftScore = attribute.Key("aims.drift.score")
	// AimsDriftStatistic is the test statistic or distance.
	AimsDriftStatistic = attribute.Key("aims.drift.statistic")
	// AimsDriftPValue is the p-value of the test, when it has one.
	AimsDriftPValue = attribute.Key("aims.drift.p_value")
	// AimsDriftThreshold is the threshold the score was compared with.
	AimsDriftThreshold = attribute.Key("aims.drift.threshold")
	// AimsDriftState is "drift" when drift starts and "recovered" when it ends.
	AimsDriftState = attribute.Key("aims.drift.state")
	// AimsDriftWindowObservations is the number of observations tested.
	AimsDriftWindowObservations = attribute.Key("aims.drift.window.observations")
	// AimsDriftShare is the share of drifted features in the dataset.
	AimsDriftShare = attribute.Key("aims.drift.share")
	// AimsDriftCorrection is the multiple-testing correction used.
	AimsDriftCorrection = attribute.Key("aims.drift.correction")
	// AimsDriftDetector names a streaming change detector, e.g. "ddm".
	AimsDriftDetector = attribute.Key("aims.drift.detector")
)

// Event names of the drift package.
const (
	// EventDriftFeature is emitted when a feature starts or stops drifting.
	EventDriftFeature = "aims.drift.feature"
	// EventDriftDataset is emitted when the dataset starts or stops drifting.
	EventDriftDataset = "aims.drift.dataset"
	// EventDriftChange is emitted when a streaming detector on the outcome
	// (error) stream signals a change.
	EventDriftChange = "aims.drift.change"
	// EventDriftWindow carries the window one evaluation tested, for one
	// feature, as the JSON of a drift.Profiles (drift.WithWindowExport):
	// the windows of several replicas merge into the fleet's.
	EventDriftWindow = "aims.drift.window"
)

// Metric names of the drift package.
const (
	// MetricDriftScore is the latest drift score per feature.
	MetricDriftScore = "aims.drift.score"
	// MetricDriftPValue is the latest p-value per feature (tests with one).
	MetricDriftPValue = "aims.drift.p_value"
	// MetricDriftDatasetShare is the latest share of drifted features.
	MetricDriftDatasetShare = "aims.drift.dataset.share"
	// MetricDriftWindowObservations is the current window size per feature.
	MetricDriftWindowObservations = "aims.drift.window.observations"
	// MetricDriftDropped counts non-finite values dropped per feature.
	MetricDriftDropped = "aims.drift.dropped"
	// MetricDriftErrorRate is the error rate in the outcome window.
	MetricDriftErrorRate = "aims.drift.outcome.error_rate"
	// MetricDriftOutcomeState is the outcome detector's signal after the
	// latest outcome: 0 none, 1 warning, 2 drift (attribute
	// aims.drift.detector).
	MetricDriftOutcomeState = "aims.drift.outcome.state"
	// MetricDriftOutcomeChanges counts the changes in the error rate the
	// outcome detector signalled (attribute aims.drift.detector).
	MetricDriftOutcomeChanges = "aims.drift.outcome.changes"
)

// ControlDriftMonitoring is the Annex A control drift evidence supports:
// A.6.2.6, AI system operation and monitoring.
const ControlDriftMonitoring = "A.6.2.6"

var _ = register(
	Entry{Name: string(AimsDriftFeature), Kind: KindAttribute, Type: "string", Package: "drift", Brief: "monitored feature, or prediction"},
	Entry{Name: string(AimsDriftMethod), Kind: KindAttribute, Type: "string", Package: "drift", Brief: "drift test: ks, wasserstein_normed, psi, chisquare, z, jensenshannon, …"},
	Entry{Name: string(AimsDriftScore), Kind: KindAttribute, Type: "double", Package: "drift", Brief: "score compared with the threshold (p-value or distance)"},
	Entry{Name: string(AimsDriftStatistic), Kind: KindAttribute, Type: "double", Package: "drift", Brief: "test statistic or distance"},
	Entry{Name: string(AimsDriftPValue), Kind: KindAttribute, Type: "double", Package: "drift", Brief: "p-value of the test, when defined"},
	Entry{Name: string(AimsDriftThreshold), Kind: KindAttribute, Type: "double", Package: "drift", Brief: "threshold the score was compared with"},
	Entry{Name: string(AimsDriftState), Kind: KindAttribute, Type: "string", Package: "drift", Brief: "drift or recovered"},
	Entry{Name: string(AimsDriftWindowObservations), Kind: KindAttribute, Type: "int", Package: "drift", Brief: "observations in the tested window"},
	Entry{Name: string(AimsDriftShare), Kind: KindAttribute, Type: "double", Package: "drift", Brief: "share of drifted features"},
	Entry{Name: string(AimsDriftCorrection), Kind: KindAttribute, Type: "string", Package: "drift", Brief: "multiple-testing correction: none, bonferroni, benjamini_hochberg"},
	Entry{Name: string(AimsDriftDetector), Kind: KindAttribute, Type: "string", Package: "drift", Brief: "streaming change detector, e.g. ddm"},
	Entry{Name: EventDriftFeature, Kind: KindEvent, Package: "drift", Brief: "a feature started or stopped drifting (A.6.2.6)"},
	Entry{Name: EventDriftDataset, Kind: KindEvent, Package: "drift", Brief: "the dataset started or stopped drifting (A.6.2.6)"},
	Entry{Name: EventDriftChange, Kind: KindEvent, Package: "drift", Brief: "a change detector on the outcome stream signalled drift (A.6.2.6)"},
	Entry{Name: EventDriftWindow, Kind: KindEvent, Package: "drift", Brief: "the window an evaluation tested, one feature, as mergeable profile JSON (WithWindowExport; A.6.2.6)"},
	Entry{Name: MetricDriftScore, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "drift", Brief: "latest drift score per feature"},
	Entry{Name: MetricDriftPValue, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "drift", Brief: "latest p-value per feature"},
	Entry{Name: MetricDriftDatasetShare, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "drift", Brief: "latest share of drifted features"},
	Entry{Name: MetricDriftWindowObservations, Kind: KindMetric, Type: "gauge", Unit: "{observation}", Package: "drift", Brief: "observations in each feature's window"},
	Entry{Name: MetricDriftDropped, Kind: KindMetric, Type: "counter", Unit: "{value}", Package: "drift", Brief: "non-finite values dropped per feature"},
	Entry{Name: MetricDriftErrorRate, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "drift", Brief: "error rate over the outcome window"},
	Entry{Name: MetricDriftOutcomeState, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "drift", Brief: "outcome detector's latest signal: 0 none, 1 warning, 2 drift"},
	Entry{Name: MetricDriftOutcomeChanges, Kind: KindMetric, Type: "counter", Unit: "{change}", Package: "drift", Brief: "error-rate changes the outcome detector signalled"},
)
