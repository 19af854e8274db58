// Package fairness measures group fairness of binary decisions: metrics
// disaggregated by (intersectional) sensitive groups with the numbers
// fairlearn 0.12 produces, disparities (demographic parity, equalized odds,
// equal opportunity, AIF360-style disparate impact against a privileged
// group, the four-fifths rule), bootstrap confidence intervals, a streaming
// Monitor for deployed models, and mitigation helpers (reweighing and
// post-processing thresholds).
//
// It serves ISO/IEC 42001 Annex A controls A.7.4 (data quality: bias
// examination of data), A.6.2.4 (verification and validation) and A.6.2.6
// (operation and monitoring), and the EU AI Act's Art. 10(2)(f) bias
// examination and Art. 13(3)(b)(v) performance on groups.
//
// # Frames
//
// NewFrame reads the rows once, accumulating (weighted) confusion counts
// per cell of control × sensitive levels, and derives every metric from
// those counts. Groups are the Cartesian product of the levels present in
// the data, in sorted order, as in fairlearn's MetricFrame. Besides the
// rates in Metrics(), F1() and FBeta(beta) give scikit-learn's f1_score and
// fbeta_score by group.
//
// Frame methods return per-group values (Cell.Value), the overall value,
// GroupMin/GroupMax, Difference and Ratio (BetweenGroups or ToOverall, as
// fairlearn's MetricFrame.difference/ratio), the standard disparities
// (demographic parity, equalized odds with WorstCase or Mean aggregation,
// equal opportunity), Privileged for an AIF360-style comparison with a
// declared privileged group (Undefined, with NaN values, when a side is
// missing from the data, as in a short monitoring window), and render as
// JSON (MarshalJSON) or Markdown.
//
// Bad input is an error, never a panic: a nil *Data (ErrNilData), rows of
// different lengths, labels outside the binary coding, negative or
// non-finite weights or weights whose sum overflows, and disparities of
// rows whose weights sum to zero (ErrZeroWeight).
// With control features every number exists per Stratum.
//
// # Confidence intervals
//
// Bootstrap recomputes a frame on seeded resamples in parallel and returns
// percentile intervals for every value, aggregate and disparity. Replicate
// r is seeded with (seed, r), so results do not depend on the number of
// workers.
//
// # Monitoring
//
// Monitor keeps per-group counts over a sliding count or time window,
// joins labels to decisions by ID (bounded pending set), exports
// observable gauges per group and per disparity, and emits an
// aims.fairness.threshold_crossed event with aims.control.id (A.6.2.6 by
// default) when a disparity crosses its threshold and when it recovers;
// WithAlarmHandler hands the same crossings to a function as an Alarm
// (aims.AlarmHandler turns them into incidents, one per ongoing violation).
// Observe does not allocate in the steady state.
//
// Group values usually come from requests, so they are bounded: declare
// each sensitive feature's levels (WithGroupLevels) and any other value is
// counted under OverflowLevel ("__other__"), which is reported like a
// group; without declared levels the first WithMaxLevels values are kept,
// values are truncated to WithMaxValueLength, and combinations beyond
// WithMaxGroups share the all-overflow group. Every limit reached is
// counted (aims.fairness.limit_reached, MonitorSnapshot.Limits); none is an
// error of Observe. ObserveFinal records the post-review outcome that
// labels are joined with. Groups below WithMinGroupDecisions are flagged
// (GroupStats.Small, aims.fairness.group.small), Monitor.Intervals
// bootstraps the window, and Close exports the final window with its
// intervals before it returns.
//
// # Many replicas
//
// Rates from several replicas cannot be added, counts can. Besides its
// window gauges, a Monitor exports each group's counts since it started
// as cumulative sums (aims.fairness.cumulative.decisions, .selected,
// .true_positives, .false_positives, .true_negatives, .false_negatives;
// Monitor.CumulativeCounts returns the same numbers). Summed per
// aims.fairness.group.name across replicas (SumGroupCounts, or a
// backend's sum by group), they are the counts of one monitor that saw
// every decision, and FleetStatsOf computes the fleet's rates and
// disparities from them with the monitor's own code. Declare the levels
// (WithGroupLevels) so the replicas name the groups alike, and send each
// decision's review and label to the replica that observed it.
//
// # Mitigation
//
// Reweigh computes Kamiran & Calders (2012) sample weights that make label
// and group independent; FitThresholdOptimizer fits per-group randomised
// thresholds after Hardt, Price & Srebro (2016) for demographic parity or
// equalized odds.
//
// # Undefined values
//
// fairlearn (through scikit-learn) reports 0.0 for a rate whose denominator
// is empty (TPR of a group without positive labels), NaN for an empty
// intersection of sensitive levels, NaN for a selection rate whose weights
// sum to zero, and raises for accuracy and Brier score when a non-empty
// group's weights sum to zero, and for ROC AUC when a group has a single
// class or only zero weights. This package returns the same numbers and
// makes each case
// explicit: Value.Defined, Value.Empty and Value.Small flag the cell, and
// Frame.Err returns the error of a metric fairlearn would refuse.
package fairness
