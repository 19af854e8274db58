package semconv

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the fairness package.
const (
	// AimsFairnessGroup names a sensitive group as feature=level pairs
	// joined by commas, e.g. "sex=F,race=A".
	AimsFairnessGroup = attribute.Key("aims.fairness.group.name")
	// AimsFairnessDisparity names a disparity measure, e.g.
	// "demographic_parity_ratio".
	AimsFairnessDisparity = attribute.Key("aims.fairness.disparity")
	// AimsFairnessValue is the value of a disparity when an event was emitted.
	AimsFairnessValue = attribute.Key("aims.fairness.value")
	// AimsFairnessThreshold is the configured threshold of a disparity.
	AimsFairnessThreshold = attribute.Key("aims.fairness.threshold")
	// AimsFairnessComparison says how the threshold is applied: "below"
	// (alarm when the value falls below it) or "above".
	AimsFairnessComparison = attribute.Key("aims.fairness.comparison")
	// AimsFairnessState is "violated" when a disparity crossed its
	// threshold and "recovered" when it came back.
	AimsFairnessState = attribute.Key("aims.fairness.state")
	// AimsFairnessGroupMin is the group with the smallest metric value.
	AimsFairnessGroupMin = attribute.Key("aims.fairness.group.min")
	// AimsFairnessGroupMax is the group with the largest metric value.
	AimsFairnessGroupMax = attribute.Key("aims.fairness.group.max")
	// AimsFairnessWindowDecisions is the number of decisions in the window
	// when an event was emitted.
	AimsFairnessWindowDecisions = attribute.Key("aims.fairness.window.decisions")
	// AimsFairnessLimit names the monitor bound a decision reached:
	// "levels" (a value that is not a declared or learnt level),
	// "groups" (a combination beyond the group bound) or "value_length"
	// (a value truncated to the length limit).
	AimsFairnessLimit = attribute.Key("aims.fairness.limit")
	// AimsFairnessRate names the group rate an interval is about:
	// "selection_rate", "true_positive_rate", "false_positive_rate" or
	// "accuracy".
	AimsFairnessRate = attribute.Key("aims.fairness.rate")
)

// Event names of the fairness package.
const (
	// EventFairnessThreshold is emitted when a monitored disparity crosses
	// its threshold (and when it recovers).
	EventFairnessThreshold = "aims.fairness.threshold_crossed"
)

// Metric names of the fairness package.
const (
	// MetricFairnessSelectionRate is the selection rate of each group in
	// the monitor's window.
	MetricFairnessSelectionRate = "aims.fairness.group.selection_rate"
	// MetricFairnessTPR is the true positive rate of each group over the
	// labelled decisions in the window.
	MetricFairnessTPR = "aims.fairness.group.true_positive_rate"
	// MetricFairnessFPR is the false positive rate of each group over the
	// labelled decisions in the window.
	MetricFairnessFPR = "aims.fairness.group.false_positive_rate"
	// MetricFairnessAccuracy is the accuracy of each group over the
	// labelled decisions in the window.
	MetricFairnessAccuracy = "aims.fairness.group.accuracy"
	// MetricFairnessGroupDecisions is the number of decisions of each
	// group in the window.
	MetricFairnessGroupDecisions = "aims.fairness.group.decisions"
	// MetricFairnessGroupLabeled is the number of labelled decisions of
	// each group in the window.
	MetricFairnessGroupLabeled = "aims.fairness.group.labeled"
	// MetricFairnessDisparity is the current value of each monitored
	// disparity (attribute aims.fairness.disparity).
	MetricFairnessDisparity = "aims.fairness.disparity"
	// MetricFairnessPendingLabels is the number of decisions waiting for
	// their label.
	MetricFairnessPendingLabels = "aims.fairness.pending_labels"
	// MetricFairnessUnmatchedLabels counts labels whose decision was
	// unknown or already evicted from the pending set.
	MetricFairnessUnmatchedLabels = "aims.fairness.unmatched_labels"
	// MetricFairnessLimitReached counts decisions that reached a group
	// bound of the monitor (attribute aims.fairness.limit); they are
	// counted under the overflow level, never rejected.
	MetricFairnessLimitReached = "aims.fairness.limit_reached"
	// MetricFairnessGroupSmall is 1 when a group has fewer decisions, or
	// fewer labelled decisions, in the window than the monitor's minimum
	// group size (its rates are then not used in disparities), else 0.
	MetricFairnessGroupSmall = "aims.fairness.group.small"
	// MetricFairnessIntervalLower is the lower bound of the 95% percentile
	// bootstrap interval of a group rate (attributes
	// aims.fairness.group.name, aims.fairness.rate) or of a disparity
	// (aims.fairness.disparity) over the monitor's final window, exported
	// once, by the monitor's Close.
	MetricFairnessIntervalLower = "aims.fairness.interval.lower"
	// MetricFairnessIntervalUpper is the upper bound of that interval.
	MetricFairnessIntervalUpper = "aims.fairness.interval.upper"

	// MetricFairnessCumulativeDecisions counts each group's decisions
	// since the monitor started (a monotonic cumulative sum, not
	// windowed): unlike the window gauges, the points of several replicas
	// add up to the fleet's count.
	MetricFairnessCumulativeDecisions = "aims.fairness.cumulative.decisions"
	// MetricFairnessCumulativeSelected is the number of each group's
	// decisions since the monitor started whose final outcome is positive
	// (the model's prediction, or the outcome after human review). It is
	// a non-monotonic cumulative sum: a review that turns a selection into
	// a refusal lowers it, so no decision is counted twice; replicas add
	// up all the same.
	MetricFairnessCumulativeSelected = "aims.fairness.cumulative.selected"
	// MetricFairnessCumulativeTruePositives counts each group's labelled
	// decisions since the monitor started whose final outcome and label
	// are both positive (a monotonic cumulative sum).
	MetricFairnessCumulativeTruePositives = "aims.fairness.cumulative.true_positives"
	// MetricFairnessCumulativeFalsePositives counts labelled decisions
	// with a positive final outcome and a negative label.
	MetricFairnessCumulativeFalsePositives = "aims.fairness.cumulative.false_positives"
	// MetricFairnessCumulativeTrueNegatives counts labelled decisions
	// whose final outcome and label are both negative.
	MetricFairnessCumulativeTrueNegatives = "aims.fairness.cumulative.true_negatives"
	// MetricFairnessCumulativeFalseNegatives counts labelled decisions
	// with a negative final outcome and a positive label.
	MetricFairnessCumulativeFalseNegatives = "aims.fairness.cumulative.false_negatives"
)

var _ = register(
	Entry{Name: string(AimsFairnessGroup), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "sensitive group as feature=level pairs, e.g. sex=F,race=A"},
	Entry{Name: string(AimsFairnessDisparity), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "disparity measure, e.g. demographic_parity_ratio"},
	Entry{Name: string(AimsFairnessValue), Kind: KindAttribute, Type: "double", Package: "fairness", Brief: "disparity value at the time of the event"},
	Entry{Name: string(AimsFairnessThreshold), Kind: KindAttribute, Type: "double", Package: "fairness", Brief: "configured disparity threshold"},
	Entry{Name: string(AimsFairnessComparison), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "threshold direction: below or above"},
	Entry{Name: string(AimsFairnessState), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "violated or recovered"},
	Entry{Name: string(AimsFairnessGroupMin), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "group with the smallest metric value"},
	Entry{Name: string(AimsFairnessGroupMax), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "group with the largest metric value"},
	Entry{Name: string(AimsFairnessWindowDecisions), Kind: KindAttribute, Type: "int", Package: "fairness", Brief: "decisions in the monitoring window"},
	Entry{Name: string(AimsFairnessRate), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "group rate of an interval: selection_rate, true_positive_rate, false_positive_rate or accuracy"},
	Entry{Name: string(AimsFairnessLimit), Kind: KindAttribute, Type: "string", Package: "fairness", Brief: "monitor bound reached: levels, groups or value_length"},

	Entry{Name: EventFairnessThreshold, Kind: KindEvent, Package: "fairness", Brief: "a monitored disparity crossed its threshold or recovered (A.6.2.6)"},

	Entry{Name: MetricFairnessSelectionRate, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "selection rate per group in the window"},
	Entry{Name: MetricFairnessTPR, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "true positive rate per group over labelled decisions"},
	Entry{Name: MetricFairnessFPR, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "false positive rate per group over labelled decisions"},
	Entry{Name: MetricFairnessAccuracy, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "accuracy per group over labelled decisions"},
	Entry{Name: MetricFairnessGroupDecisions, Kind: KindMetric, Type: "gauge", Unit: "{decision}", Package: "fairness", Brief: "decisions per group in the window"},
	Entry{Name: MetricFairnessGroupLabeled, Kind: KindMetric, Type: "gauge", Unit: "{decision}", Package: "fairness", Brief: "labelled decisions per group in the window"},
	Entry{Name: MetricFairnessDisparity, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "current value of each monitored disparity"},
	Entry{Name: MetricFairnessPendingLabels, Kind: KindMetric, Type: "gauge", Unit: "{decision}", Package: "fairness", Brief: "decisions waiting for their label"},
	Entry{Name: MetricFairnessIntervalLower, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "lower bound of the 95% bootstrap interval of a group rate or disparity (final window)"},
	Entry{Name: MetricFairnessIntervalUpper, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "upper bound of the 95% bootstrap interval of a group rate or disparity (final window)"},
	Entry{Name: MetricFairnessGroupSmall, Kind: KindMetric, Type: "gauge", Unit: "1", Package: "fairness", Brief: "1 when a group is below the minimum group size in the window"},
	Entry{Name: MetricFairnessLimitReached, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "decisions that reached a group bound (counted under __other__, never rejected)"},
	Entry{Name: MetricFairnessCumulativeDecisions, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "decisions per group since the monitor started; replicas sum to the fleet"},
	Entry{Name: MetricFairnessCumulativeSelected, Kind: KindMetric, Type: "updowncounter", Unit: "{decision}", Package: "fairness", Brief: "decisions per group since the monitor started whose final outcome is positive (lowered when a review overturns a selection)"},
	Entry{Name: MetricFairnessCumulativeTruePositives, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "labelled decisions per group since start: final outcome 1, label 1"},
	Entry{Name: MetricFairnessCumulativeFalsePositives, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "labelled decisions per group since start: final outcome 1, label 0"},
	Entry{Name: MetricFairnessCumulativeTrueNegatives, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "labelled decisions per group since start: final outcome 0, label 0"},
	Entry{Name: MetricFairnessCumulativeFalseNegatives, Kind: KindMetric, Type: "counter", Unit: "{decision}", Package: "fairness", Brief: "labelled decisions per group since start: final outcome 0, label 1"},
	Entry{Name: MetricFairnessUnmatchedLabels, Kind: KindMetric, Type: "counter", Unit: "{label}", Package: "fairness", Brief: "labels whose decision was unknown or evicted"},
)
