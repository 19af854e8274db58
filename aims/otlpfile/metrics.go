package otlpfile

import (
	"fmt"
	"io"
	"math"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// Point is one metric data point with its metric, resource and scope
// flattened in. Value holds gauge and sum values; Count, Sum, Bounds and
// BucketCounts hold histograms.
type Point struct {
	Resource map[string]any // attributes of the emitting resource; read-only, shared
	Scope    string         // instrumentation scope name
	Metric   string         // metric name, e.g. aims.decisions
	Unit     string         // UCUM unit of the metric, "" when none
	Kind     string         // "gauge", "sum" or "histogram"
	Time     time.Time      // the zero time when the point has none
	// Start is the start of a cumulative series (startTimeUnixNano): a
	// counter whose process restarted starts a new series at a new start
	// time; the zero time when the point has none.
	Start time.Time
	// Temporality is the aggregation temporality of a sum or histogram:
	// "cumulative" (each point is the total since Start) or "delta" (each
	// point is the change from Start to Time); "" for a gauge or when
	// unspecified.
	Temporality string
	// Monotonic is set for a sum that only goes up (a counter); an
	// up-down counter's sum, whose deltas may be negative, is not.
	Monotonic    bool
	Attributes   map[string]any // the data point's attributes
	Value        float64        // gauge or sum value (integers converted)
	Count        uint64         // histogram: number of measurements
	Sum          float64        // histogram: sum of the measurements
	Bounds       []float64      // histogram: explicit bucket upper bounds
	BucketCounts []uint64       // histogram: counts per bucket, len(Bounds)+1
	Line         int            // line of the input the point came from
	// NoRecordedValue is set when the point carries the OTLP flag
	// FLAG_NO_RECORDED_VALUE (metrics.proto DataPointFlags): an explicit
	// "no value" marker, such as a staleness marker, whose value fields
	// mean nothing. Value is then NaN, so a reader that skips non-finite
	// values never takes it for a measured 0.
	NoRecordedValue bool

	res, scope, metric, item int // indexes within the line's request, for Where
}

// Where locates the point in its input: the line and the point's path in
// the request on that line.
func (p Point) Where() string {
	return fmt.Sprintf("line %d, resourceMetrics[%d].scopeMetrics[%d].metrics[%d].%s.dataPoints[%d]", p.Line, p.res, p.scope, p.metric, p.Kind, p.item)
}

// ReadMetrics reads every gauge, sum and histogram data point from r.
// Exponential histograms and summaries are skipped: nothing in this module
// emits them.
func ReadMetrics(r io.Reader, opts ...Option) ([]Point, error) {
	var out []Point
	err := EachPoint(r, func(p Point) error {
		out = append(out, p)
		return nil
	}, opts...)
	return out, err
}

// EachPoint calls f for every gauge, sum and histogram data point in r, in
// input order, reading a line at a time. An error from f stops the reading
// and is returned as it is.
func EachPoint(r io.Reader, f func(Point) error, opts ...Option) error {
	return eachRecord(r, opts, decodeMetrics, f)
}

func decodeMetrics(line []byte, n int, terminated, _ bool) ([]Point, error) {
	var req colmetricspb.ExportMetricsServiceRequest
	if err := unmarshalLine(line, terminated, "metrics", &req); err != nil {
		return nil, err
	}
	var out []Point
	for ri, rm := range req.GetResourceMetrics() {
		res := attrMap(rm.GetResource().GetAttributes())
		for si, sm := range rm.GetScopeMetrics() {
			for mi, m := range sm.GetMetrics() {
				base := Point{Resource: res, Scope: sm.GetScope().GetName(), Metric: m.GetName(), Unit: m.GetUnit(),
					Line: n, res: ri, scope: si, metric: mi}
				var err error
				if out, err = appendPoints(out, m, base); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// appendPoints appends the gauge, sum or histogram points of m to out.
func appendPoints(out []Point, m *metricspb.Metric, base Point) ([]Point, error) {
	number := func(kind string, dps []*metricspb.NumberDataPoint) error {
		for i, dp := range dps {
			p := base
			p.Kind, p.item = kind, i
			p.Attributes = attrMap(dp.GetAttributes())
			var err error
			if p.Time, err = unixNano("timeUnixNano", dp.GetTimeUnixNano()); err != nil {
				return p.bad(err)
			}
			if p.Start, err = unixNano("startTimeUnixNano", dp.GetStartTimeUnixNano()); err != nil {
				return p.bad(err)
			}
			switch v := dp.GetValue().(type) {
			case *metricspb.NumberDataPoint_AsDouble:
				p.Value = v.AsDouble
			case *metricspb.NumberDataPoint_AsInt:
				p.Value = float64(v.AsInt)
			}
			if noRecordedValue(dp.GetFlags()) {
				p.NoRecordedValue, p.Value = true, math.NaN()
			}
			out = append(out, p)
		}
		return nil
	}
	var err error
	switch d := m.GetData().(type) {
	case *metricspb.Metric_Gauge:
		err = number("gauge", d.Gauge.GetDataPoints())
	case *metricspb.Metric_Sum:
		base.Temporality, base.Monotonic = temporality(d.Sum.GetAggregationTemporality()), d.Sum.GetIsMonotonic()
		err = number("sum", d.Sum.GetDataPoints())
	case *metricspb.Metric_Histogram:
		base.Temporality = temporality(d.Histogram.GetAggregationTemporality())
		for i, dp := range d.Histogram.GetDataPoints() {
			p := base
			p.Kind, p.item = "histogram", i
			p.Attributes = attrMap(dp.GetAttributes())
			if p.Time, err = unixNano("timeUnixNano", dp.GetTimeUnixNano()); err != nil {
				return nil, p.bad(err)
			}
			if p.Start, err = unixNano("startTimeUnixNano", dp.GetStartTimeUnixNano()); err != nil {
				return nil, p.bad(err)
			}
			p.Count, p.Sum, p.Bounds, p.BucketCounts = dp.GetCount(), dp.GetSum(), dp.GetExplicitBounds(), dp.GetBucketCounts()
			p.NoRecordedValue = noRecordedValue(dp.GetFlags())
			out = append(out, p)
		}
	}
	return out, err
}

// temporality names an aggregation temporality as Point.Temporality does.
func temporality(t metricspb.AggregationTemporality) string {
	switch t {
	case metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE:
		return "cumulative"
	case metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA:
		return "delta"
	}
	return ""
}

// noRecordedValue reports whether a data point's flags mark it as having
// no recorded value (DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK).
func noRecordedValue(flags uint32) bool {
	return flags&uint32(metricspb.DataPointFlags_DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0
}

func (p Point) bad(err error) error {
	return &recordError{path: fmt.Sprintf("resourceMetrics[%d].scopeMetrics[%d].metrics[%d].%s.dataPoints[%d]", p.res, p.scope, p.metric, p.Kind, p.item), err: err}
}
