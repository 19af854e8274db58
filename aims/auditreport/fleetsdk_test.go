package auditreport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	lognoop "go.opentelemetry.io/otel/log/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/fairness"
)

// TestFleetCountsThroughTheSDKEqualOneMonitor runs the fairness monitor
// behind the OpenTelemetry SDK and its OTLP/HTTP exporter into the OTLP/JSON
// file writer: replica i1 reloads its monitor mid-run (same meter
// provider), replica i2 restarts (a new provider: new start time, counts
// from 0) and exports with delta temporality for every instrument, so the
// selected count's deltas go negative when a review refuses a selection.
// The counts read back from the file, added up over the instances, equal
// those of one monitor fed every decision.
func TestFleetCountsThroughTheSDKEqualOneMonitor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sink, err := otlpfile.Start(dir)
	require.NoError(t, err)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", sink.Endpoint())

	allDelta := func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }
	provider := func(inst string, delta bool) *sdkmetric.MeterProvider {
		var opts []otlpmetrichttp.Option
		if delta {
			opts = append(opts, otlpmetrichttp.WithTemporalitySelector(allDelta))
		}
		exp, err := otlpmetrichttp.New(ctx, opts...)
		require.NoError(t, err)
		res := resource.NewSchemaless(attribute.String(string(semconv.AimsSystemID), "s"), attribute.String(string(semconv.AimsSystemInstance), inst))
		return sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))), sdkmetric.WithResource(res))
	}
	newMonitor := func(mp *sdkmetric.MeterProvider) *fairness.Monitor {
		opts := []fairness.MonitorOption{fairness.WithGroupLevels("sex", "f", "m"), fairness.WithLoggerProvider(lognoop.NewLoggerProvider())}
		if mp != nil {
			opts = append(opts, fairness.WithMeterProvider(mp))
		}
		m, err := fairness.NewMonitor([]string{"sex"}, opts...)
		require.NoError(t, err)
		return m
	}
	one := newMonitor(nil) // the single process fed everything
	n := 0
	var later []string // selections a review refuses after the next export
	// feed sends k decisions to m (and to one): alternating groups and
	// predictions, every third selection refused on review after the
	// next export, the others labelled every other time.
	feed := func(m *fairness.Monitor, k int) {
		for range k {
			n++
			id, g, pred := fmt.Sprint("d", n), []string{[]string{"f", "m"}[n%2]}, n%3%2
			for _, x := range []*fairness.Monitor{m, one} {
				require.NoError(t, x.Observe(id, g, pred))
			}
			switch {
			case pred == 1 && n%4 == 1:
				later = append(later, id)
			case n%2 == 0:
				for _, x := range []*fairness.Monitor{m, one} {
					require.NoError(t, x.ObserveLabel(id, n%5%2))
				}
			}
		}
	}
	// review refuses the selections put aside, on m (and one).
	review := func(m *fairness.Monitor) {
		require.NotEmpty(t, later)
		for _, id := range later {
			for _, x := range []*fairness.Monitor{m, one} {
				require.NoError(t, x.ObserveFinal(id, 0))
			}
		}
		later = nil
	}

	p1 := provider("i1", false)
	a := newMonitor(p1)
	feed(a, 40)
	require.NoError(t, p1.ForceFlush(ctx))
	review(a)
	require.NoError(t, a.Close(ctx)) // configuration reload
	b := newMonitor(p1)
	feed(b, 25)
	require.NoError(t, p1.ForceFlush(ctx))
	review(b)
	feed(b, 10)
	review(b)

	p2 := provider("i2", true)
	c := newMonitor(p2)
	feed(c, 30)
	require.NoError(t, p2.ForceFlush(ctx))
	review(c) // an interval whose selected delta is negative
	require.NoError(t, p2.ForceFlush(ctx))
	feed(c, 12)
	require.NoError(t, c.Close(ctx))
	require.NoError(t, p2.Shutdown(ctx)) // the process stops
	p2 = provider("i2", true)            // and starts again
	d := newMonitor(p2)
	feed(d, 33)

	require.NoError(t, b.Close(ctx))
	require.NoError(t, d.Close(ctx))
	require.NoError(t, p1.Shutdown(ctx))
	require.NoError(t, p2.Shutdown(ctx))
	require.NoError(t, sink.Close(ctx))

	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	pts, err := otlpfile.ReadMetrics(f)
	require.NoError(t, err)
	ic := CumulativeCounts(pts)["s"]
	require.Equal(t, []string{"i1", "i2"}, ic.Instances)
	got, err := fairness.SumGroupCounts(ic.Counts...)
	require.NoError(t, err)
	want := one.CumulativeCounts()
	for _, s := range [][]fairness.GroupCounts{got, want} {
		sort.Slice(s, func(i, j int) bool { return s[i].Group < s[j].Group })
	}
	require.Equal(t, want, got)
	require.NoError(t, one.Close(ctx))
}
