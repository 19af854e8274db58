package oteltest

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Points returns the points of the named metric in rm as a map from the
// value of the attribute key (empty when absent) to the point's value, for
// gauges and sums of int64 or float64.
func Points(rm metricdata.ResourceMetrics, name string, key attribute.Key) (map[string]float64, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			out := map[string]float64{}
			label := func(s attribute.Set) string {
				v, _ := s.Value(key)
				return v.String()
			}
			switch d := m.Data.(type) {
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out[label(p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[label(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out[label(p.Attributes)] = p.Value
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[label(p.Attributes)] = float64(p.Value)
				}
			}
			return out, true
		}
	}
	return nil, false
}
