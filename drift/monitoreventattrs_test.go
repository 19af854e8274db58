package drift

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
	"go.opentelemetry.io/otel/attribute"
)

// The drift events carry the numbers an operator acts on: for a feature,
// the test's statistic and p-value on the window (here recomputed from the
// same values with the profile's own KS), the configured threshold and the
// window's size; for the dataset, the share of drifted features, the
// configured share threshold and the correction. newTelemetry checks the
// same records against the published table at the end.
func TestMonitorDriftEventAttributeValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	profiles := testProfiles(t, rng)
	const threshold, share, window = 0.01, 0.25, 400
	ks := func(p *NumericProfile, cur []float64) (Result, error) {
		r, err := p.KS(cur, WithKSThreshold(threshold))
		return r.Result, err
	}
	tel := newTelemetry(t)
	m, err := NewMonitor(profiles, WithMeterProvider(tel.mp), WithLoggerProvider(tel.lp), WithCountWindow(window),
		WithNumericTest(ks), WithDatasetShare(share), WithCorrection(CorrectionBonferroni))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	// Age shifted by one standard deviation (the reference is N(40, 10)).
	cur := make([]float64, window)
	for i := range cur {
		cur[i] = 50 + 10*rng.NormFloat64()
		if err := m.ObserveNumeric("age", cur[i]); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := m.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, err := profiles.Numeric[0].KS(cur, WithKSThreshold(threshold))
	if err != nil {
		t.Fatal(err)
	}
	if !want.Drift || !(want.PValue < threshold) {
		t.Fatalf("the shifted window does not drift by KS: %+v", want.Result)
	}
	var feature, dataset map[string]attribute.Value
	for _, r := range tel.logs.Records() {
		a := oteltest.Attrs(r)
		switch r.EventName() {
		case semconv.EventDriftFeature:
			if a[string(semconv.AimsDriftFeature)].AsString() == "age" {
				feature = a
			}
		case semconv.EventDriftDataset:
			dataset = a
		}
	}
	if feature == nil || dataset == nil {
		t.Fatalf("events: feature %v, dataset %v", feature, dataset)
	}
	if feature[string(semconv.AimsDriftState)].AsString() != "drift" ||
		feature[string(semconv.AimsDriftMethod)].AsString() != string(MethodKS) ||
		feature[string(semconv.AimsDriftStatistic)].AsFloat64() != want.Statistic ||
		feature[string(semconv.AimsDriftPValue)].AsFloat64() != want.PValue ||
		feature[string(semconv.AimsDriftScore)].AsFloat64() != want.PValue ||
		feature[string(semconv.AimsDriftThreshold)].AsFloat64() != threshold ||
		feature[string(semconv.AimsDriftWindowObservations)].AsInt64() != window {
		t.Errorf("age event %v; KS on the window gives statistic %v, p-value %v", feature, want.Statistic, want.PValue)
	}
	// Only age was observed, and it drifted: one drifted feature among those judged.
	if !rep.DatasetEvaluated || !rep.Dataset.Drift || rep.Dataset.Drifted != 1 || rep.Dataset.Share != 1.0/float64(len(rep.Dataset.Features)) {
		t.Fatalf("dataset %+v", rep.Dataset)
	}
	if dataset[string(semconv.AimsDriftState)].AsString() != "drift" ||
		dataset[string(semconv.AimsDriftShare)].AsFloat64() != rep.Dataset.Share || !(rep.Dataset.Share >= share) ||
		dataset[string(semconv.AimsDriftThreshold)].AsFloat64() != share ||
		dataset[string(semconv.AimsDriftCorrection)].AsString() != string(CorrectionBonferroni) {
		t.Errorf("dataset event %v; report share %v", dataset, rep.Dataset.Share)
	}
}
