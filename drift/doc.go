// Package drift detects when the data a model sees in operation has moved
// away from the data it was validated on, as ISO/IEC 42001 Annex A.6.2.6
// (AI system operation and monitoring) and EU AI Act Art. 72 (post-market
// monitoring) ask.
//
// It has three layers:
//
//   - Batch two-sample tests (reference sample vs current sample) that all
//     return one [Result]: [KS] (Kolmogorov–Smirnov with scipy's exact and
//     asymptotic p-values), [Wasserstein] and [WassersteinNormed],
//     [AndersonDarling] (k-sample), [CramerVonMises], [PSI], [KLDivergence],
//     [JensenShannon] on Evidently's binning or on quantile bins,
//     [ChiSquareGoF], [ChiSquareContingency], [ZTestProportions] and the
//     categorical variants. [AutoTest] picks a test as Evidently does by
//     default, and [DatasetDrift] combines per-feature results with a
//     Bonferroni or Benjamini–Hochberg correction.
//   - Streaming change detectors behind [Detector]: [PageHinkley], [DDM],
//     [EDDM] (bit-compatible with river), [ADWIN] and [KSWIN] (drift at
//     river's indices; KSWIN samples with a Go transcription of CPython's
//     random module, so the same seed draws the same positions).
//   - Reference profiles ([NumericProfile], [CategoricalProfile]) built once
//     from training data and shipped with the model, and a [Monitor] that
//     keeps a bounded window per feature, evaluates it against the profiles
//     and exports the results as OpenTelemetry gauges and events; with
//     [WithAlarmHandler] every verdict change is also handed to a function
//     as an [Alarm] (aims.AlarmHandler turns them into incidents, one per
//     drift episode). [Monitor.WindowProfiles] returns the windows as
//     exact profiles, which [MergeProfiles] brings together across
//     replicas: testing the merged window gives exactly the result of one
//     monitor that saw every replica's values. [WithWindowExport] sends
//     each evaluation's windows with the telemetry (aims.drift.window
//     events, [ParseWindowEvent]), and [Monitor.EvaluateProfiles] tests the
//     merged windows with the monitor's own tests and correction: the
//     fleet's verdict, from the Collector's output, by the same code.
//
// # Non-finite values
//
// The batch tests refuse NaN and ±Inf with an error naming the sample and
// the first bad index ([ErrNonFinite]); call [DropNonFinite] first to drop
// them explicitly and learn how many were dropped. The [Monitor] applies that
// drop policy itself and counts what it dropped per feature.
//
// # Reference implementations
//
// Test vectors computed by scipy 1.10.1 and river's detectors are checked in
// under testdata/vectors and verified to 1e-9 relative (indices exactly).
package drift
