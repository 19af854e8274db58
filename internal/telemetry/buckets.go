package telemetry

// ExplanationDurationBuckets returns the bucket boundaries, in seconds, of
// the aims.explain.duration histogram, which packages explain and
// explain/tree both record. Explanations take from microseconds (a tree
// explanation) to minutes (KernelSHAP of a remote model); the SDK's default
// boundaries (0, 5, 10, 25, … 10000) are meant for milliseconds and would
// put every explanation under 5 s into one bucket. These follow the
// 1-2.5-5 steps of the OpenTelemetry HTTP duration advice
// (semantic-conventions, docs/http/http-metrics.md), extended down to
// 0.5 ms and up to 5 minutes. Both packages use the same boundaries, so a
// Collector can merge their points.
func ExplanationDurationBuckets() []float64 {
	return []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}
}
