package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	lognoop "go.opentelemetry.io/otel/log/noop"
	metricnoop "go.opentelemetry.io/otel/metric/noop"

	"github.com/aimskit/aimskit/aims/auditreport"
	"github.com/aimskit/aimskit/aims/otlpfile"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/drift"
	"github.com/aimskit/aimskit/fairness"
)

// fleetView is the whole fleet's fairness and drift, computed from what
// every replica sent to the Collector, by the code one replica runs:
//
//   - fairness: each replica's latest aims.fairness.cumulative.* counts,
//     added up group by group (fairness.SumGroupCounts) and turned into
//     rates and disparities by fairness.FleetStatsOf, the monitor's own
//     code. Counts add up exactly; rates of replicas would not.
//   - drift: each replica's latest window of each feature (the
//     aims.drift.window events of drift.WithWindowExport), merged
//     (drift.MergeProfiles) and tested by a monitor built with the
//     service's reference profiles and tests (Monitor.EvaluateProfiles).
//     The windows are exact, so the verdict is that of one monitor whose
//     window held every replica's values: a fleet of N replicas with
//     window W judges the last N×W decisions.
type fleetView struct {
	// Instances are the replicas found, by aims.system.instance.
	Instances []string
	// Counts are each instance's latest cumulative counts, by instance;
	// Fleet their sum, Stats its rates and disparities.
	Counts map[string][]fairness.GroupCounts
	Fleet  []fairness.GroupCounts
	Stats  fairness.FleetStats
	// Drift is the verdict on the union of each instance's latest windows.
	Drift drift.Report
}

// readFleetView reads the Collector's file-exporter output in otelDir
// (metrics.jsonl, logs.jsonl) for this system's replicas and computes the
// fleet's fairness and drift; seed names the training data of the drift
// reference (the replicas' -seed).
func readFleetView(ctx context.Context, otelDir string, seed uint64) (fleetView, error) {
	v := fleetView{Counts: map[string][]fairness.GroupCounts{}}
	instances := map[string]bool{}

	// Each replica's cumulative fairness counts, as the audit report
	// reads them (every series of a replica that restarted adds up).
	mf, err := os.Open(filepath.Join(otelDir, "metrics.jsonl"))
	if err != nil {
		return v, err
	}
	defer mf.Close()
	points, err := otlpfile.ReadMetrics(mf, otlpfile.WithName("metrics.jsonl"))
	if err != nil {
		return v, err
	}
	ic := auditreport.CumulativeCounts(points)[systemID]
	for inst, err := range ic.Refused {
		return v, fmt.Errorf("instance %s: counts refused: %w", inst, err)
	}
	for i, inst := range ic.Instances {
		instances[inst] = true
		v.Counts[inst] = ic.Counts[i]
	}

	type window struct {
		t time.Time
		p drift.Profiles
	}
	windows := map[[2]string]window{} // instance, feature
	lf, err := os.Open(filepath.Join(otelDir, "logs.jsonl"))
	if err != nil {
		return v, err
	}
	defer lf.Close()
	err = otlpfile.EachLog(lf, func(l otlpfile.LogRecord) error {
		if l.EventName != semconv.EventDriftWindow || otlpfile.String(l.Resource, string(semconv.AimsSystemID)) != systemID {
			return nil
		}
		k := [2]string{otlpfile.String(l.Resource, string(semconv.AimsSystemInstance)), otlpfile.String(l.Attributes, string(semconv.AimsDriftFeature))}
		if cur, ok := windows[k]; ok && l.Time.Before(cur.t) {
			return nil
		}
		body, _ := l.Body.(string)
		p, err := drift.ParseWindowEvent(body)
		if err != nil {
			return fmt.Errorf("%s: %w", l.Where(), err)
		}
		windows[k] = window{l.Time, p}
		return nil
	}, otlpfile.WithName("logs.jsonl"))
	if err != nil {
		return v, err
	}
	var parts []drift.Profiles
	for k, w := range windows {
		instances[k[0]] = true
		parts = append(parts, w.p)
	}

	for inst := range instances {
		v.Instances = append(v.Instances, inst)
	}
	sort.Strings(v.Instances)
	if v.Fleet, err = fairness.SumGroupCounts(ic.Counts...); err != nil {
		return v, err
	}
	sort.Slice(v.Fleet, func(i, j int) bool { return v.Fleet[i].Group < v.Fleet[j].Group })
	if v.Stats, err = fairness.FleetStatsOf(v.Fleet, fairnessMinGroup); err != nil {
		return v, err
	}

	// The drift reference is rebuilt from the seed: the replicas trained
	// the same model on the same data.
	tr, err := trainModel(seed)
	if err != nil {
		return v, err
	}
	ref, err := trainingProfiles(tr.apps[:tr.cut], tr.model)
	if err != nil {
		return v, err
	}
	// Its own window is never used: EvaluateProfiles tests the windows it
	// is given. It exports nothing.
	judge, err := drift.NewMonitor(ref, append(driftTests(300),
		drift.WithMeterProvider(metricnoop.NewMeterProvider()), drift.WithLoggerProvider(lognoop.NewLoggerProvider()))...)
	if err != nil {
		return v, err
	}
	defer judge.Close(ctx)
	merged, err := drift.MergeProfiles(parts...)
	if err != nil {
		return v, err
	}
	v.Drift, err = judge.EvaluateProfiles(ctx, merged)
	return v, err
}

// print writes the view for an operator: per group the fleet's counts and
// rates, the disparities, and the drift verdict per feature.
func (v fleetView) print(w io.Writer) {
	fmt.Fprintf(w, "fleet of %d instances: %s\n\nfairness, every decision since each monitor started (cumulative counts summed):\n", len(v.Instances), strings.Join(v.Instances, ", "))
	fmt.Fprintf(w, "  %-28s %9s %9s %9s %9s\n", "group", "decisions", "selected", "rate", "labelled")
	for i, c := range v.Fleet {
		fmt.Fprintf(w, "  %-28s %9d %9d %9.4f %9d\n", c.Group, c.Decisions, c.Selected, v.Stats.Groups[i].SelectionRate, c.Labeled())
	}
	names := make([]string, 0, len(v.Stats.Disparities))
	for d := range v.Stats.Disparities {
		names = append(names, string(d))
	}
	sort.Strings(names)
	for _, d := range names {
		fmt.Fprintf(w, "  %-28s %.4f\n", d, v.Stats.Disparities[fairness.Disparity(d)])
	}
	fmt.Fprintf(w, "\ndrift, on the replicas' latest windows merged:\n")
	for _, f := range v.Drift.Features {
		verdict := "no drift"
		switch {
		case !f.Evaluated:
			verdict = "not evaluated: " + f.Error
		case f.Drift:
			verdict = "DRIFT"
		}
		fmt.Fprintf(w, "  %-16s %5d values  %-12s score %-12.4g %s\n", f.Feature, f.Observations, f.Result.Method, f.Result.Score, verdict)
	}
	if v.Drift.DatasetEvaluated {
		fmt.Fprintf(w, "  dataset: %d of %d features drifted (share %.2f, threshold %.2f): drift %v\n",
			v.Drift.Dataset.Drifted, len(v.Drift.Dataset.Features), v.Drift.Dataset.Share, v.Drift.Dataset.ShareThreshold, v.Drift.Dataset.Drift)
	}
}
