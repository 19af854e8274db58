package fairness

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNewFrameNilData(t *testing.T) {
	if _, err := NewFrame(context.Background(), nil); !errors.Is(err, ErrNilData) {
		t.Fatalf("NewFrame(nil) error %v, want ErrNilData", err)
	}
}

func TestReweighNilData(t *testing.T) {
	if _, err := Reweigh(context.Background(), nil); !errors.Is(err, ErrNilData) {
		t.Fatalf("Reweigh(nil) error %v, want ErrNilData", err)
	}
}

func TestFitThresholdOptimizerNilData(t *testing.T) {
	if _, err := FitThresholdOptimizer(context.Background(), nil, DemographicParityConstraint); !errors.Is(err, ErrNilData) {
		t.Fatalf("FitThresholdOptimizer(nil) error %v, want ErrNilData", err)
	}
}

func TestBootstrapNilData(t *testing.T) {
	if _, err := Bootstrap(context.Background(), nil, BootstrapConfig{Replicates: 10}); !errors.Is(err, ErrNilData) {
		t.Fatalf("Bootstrap(nil) error %v, want ErrNilData", err)
	}
}

func zeroWeightData() *Data {
	return &Data{
		YTrue:        []int{0, 1, 1, 0, 1, 0},
		YPred:        []int{1, 1, 0, 0, 1, 1},
		SampleWeight: make([]float64, 6),
		Sensitive:    []Feature{NewFeature("g", []string{"a", "a", "a", "b", "b", "b"})},
	}
}

func TestDemographicParityRatioZeroWeights(t *testing.T) {
	f, err := NewFrame(context.Background(), zeroWeightData())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Method{BetweenGroups, ToOverall} {
		v, err := f.DemographicParityRatio(m)
		if !errors.Is(err, ErrZeroWeight) {
			t.Errorf("DemographicParityRatio(%v) = %v, %v; want ErrZeroWeight", m, v, err)
		}
	}
	checks := map[string]func() (float64, error){
		"DemographicParityDifference": func() (float64, error) { return f.DemographicParityDifference(BetweenGroups) },
		"EqualOpportunityRatio":       func() (float64, error) { return f.EqualOpportunityRatio(BetweenGroups) },
		"EqualizedOddsDifference":     func() (float64, error) { return f.EqualizedOddsDifference(BetweenGroups, WorstCase) },
	}
	for name, fn := range checks {
		if v, err := fn(); !errors.Is(err, ErrZeroWeight) {
			t.Errorf("%s = %v, %v; want ErrZeroWeight", name, v, err)
		}
	}
	if _, err := f.PassesFourFifths(); !errors.Is(err, ErrZeroWeight) {
		t.Errorf("PassesFourFifths error %v, want ErrZeroWeight", err)
	}
	// One zero-weight group among weighted ones is still a defined ratio
	// (that group is skipped, as in fairlearn).
	d := zeroWeightData()
	d.SampleWeight = []float64{1, 1, 1, 0, 0, 0}
	f, err = NewFrame(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := f.DemographicParityRatio(BetweenGroups); err != nil || math.IsNaN(v) {
		t.Errorf("partly zero weights: ratio %v, %v", v, err)
	}
}

func TestReweighYPredLength(t *testing.T) {
	d := &Data{
		YTrue:     []int{0, 1, 1, 0},
		YPred:     []int{0, 1, 1},
		Sensitive: []Feature{NewFeature("g", []string{"a", "a", "b", "b"})},
	}
	if _, err := Reweigh(context.Background(), d); err == nil || !strings.Contains(err.Error(), "y_true has 4 rows, y_pred 3") {
		t.Fatalf("Reweigh with short y_pred: error %v", err)
	}
	d.YPred = nil
	if _, err := Reweigh(context.Background(), d); err != nil {
		t.Fatalf("Reweigh without y_pred: %v", err)
	}
}
