package fairness

import (
	"context"
	"strings"
	"testing"
)

// Size parameters beyond their documented bounds are clear errors, before
// any allocation sized by them.
func TestSizeParametersBounded(t *testing.T) {
	d := synth(200, 3, false)
	for _, c := range []struct {
		cfg  BootstrapConfig
		want string
	}{
		{BootstrapConfig{Replicates: 1e9}, "replicates"},
		{BootstrapConfig{Replicates: 100, Workers: 1 << 20}, "workers"},
		{BootstrapConfig{Replicates: MaxBootstrapReplicates}, "values"},
	} {
		_, err := Bootstrap(context.Background(), d, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Bootstrap(%+v): %v, want an error about %s", c.cfg, err, c.want)
		}
	}
	if _, err := NewFrame(context.Background(), d, WithMetrics(CalibrationError(1e9))); err == nil || !strings.Contains(err.Error(), "bins") {
		t.Errorf("CalibrationError(1e9): %v", err)
	}
	if _, err := NewMonitor([]string{"g"}, WithTimeWindow(3600e9, 65536), WithMaxGroups(4096)); err == nil || !strings.Contains(err.Error(), "cells") {
		t.Errorf("time window of 65536 buckets × 4096 groups: %v", err)
	}
	if _, err := NewMonitor(make([]string, 1000)); err == nil {
		t.Error("1000 sensitive features accepted")
	}
}
