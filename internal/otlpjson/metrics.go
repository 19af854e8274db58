package otlpjson

import (
	"fmt"
	"io"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// Point is one metric data point with its metric, resource and scope
// flattened in. Value holds gauge and sum values; Count, Sum, Bounds and
// BucketCounts hold histograms.
type Point struct {
	Resource     map[string]any
	Scope        string
	Metric       string
	Unit         string
	Kind         string    // "gauge", "sum" or "histogram"
	Time         time.Time // the zero time when the point has none
	Attributes   map[string]any
	Value        float64
	Count        uint64
	Sum          float64
	Bounds       []float64
	BucketCounts []uint64
	Line         int

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

// EachPoint calls f for every gauge, sum and histogram data point in r, one
// input line at a time. An error from f stops the reading and is returned
// as it is.
func EachPoint(r io.Reader, f func(Point) error, opts ...Option) error {
	return eachRequest(r, opts, "metrics", func() *colmetricspb.ExportMetricsServiceRequest { return &colmetricspb.ExportMetricsServiceRequest{} },
		func(line int, req *colmetricspb.ExportMetricsServiceRequest) error {
			for ri, rm := range req.GetResourceMetrics() {
				res := attrMap(rm.GetResource().GetAttributes())
				for si, sm := range rm.GetScopeMetrics() {
					for mi, m := range sm.GetMetrics() {
						base := Point{Resource: res, Scope: sm.GetScope().GetName(), Metric: m.GetName(), Unit: m.GetUnit(),
							Line: line, res: ri, scope: si, metric: mi}
						if err := eachPointOf(m, base, f); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
}

func eachPointOf(m *metricspb.Metric, base Point, f func(Point) error) error {
	number := func(kind string, dps []*metricspb.NumberDataPoint) error {
		for i, dp := range dps {
			p := base
			p.Kind, p.item = kind, i
			p.Attributes = attrMap(dp.GetAttributes())
			var err error
			if p.Time, err = unixNano("timeUnixNano", dp.GetTimeUnixNano()); err != nil {
				return p.bad(err)
			}
			switch v := dp.GetValue().(type) {
			case *metricspb.NumberDataPoint_AsDouble:
				p.Value = v.AsDouble
			case *metricspb.NumberDataPoint_AsInt:
				p.Value = float64(v.AsInt)
			}
			if err := f(p); err != nil {
				return err
			}
		}
		return nil
	}
	switch d := m.GetData().(type) {
	case *metricspb.Metric_Gauge:
		return number("gauge", d.Gauge.GetDataPoints())
	case *metricspb.Metric_Sum:
		return number("sum", d.Sum.GetDataPoints())
	case *metricspb.Metric_Histogram:
		for i, dp := range d.Histogram.GetDataPoints() {
			p := base
			p.Kind, p.item = "histogram", i
			p.Attributes = attrMap(dp.GetAttributes())
			var err error
			if p.Time, err = unixNano("timeUnixNano", dp.GetTimeUnixNano()); err != nil {
				return p.bad(err)
			}
			p.Count, p.Sum, p.Bounds, p.BucketCounts = dp.GetCount(), dp.GetSum(), dp.GetExplicitBounds(), dp.GetBucketCounts()
			if err := f(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p Point) bad(err error) error {
	return &recordError{path: fmt.Sprintf("resourceMetrics[%d].scopeMetrics[%d].metrics[%d].%s.dataPoints[%d]", p.res, p.scope, p.metric, p.Kind, p.item), err: err}
}
