package aims

import (
	"slices"
	"testing"
)

// TestCatalogEvidenceMatchesRecordControls: the catalog's Evidence of a
// control names a management record type exactly when records of that
// type carry the control in aims.control.ids. Otherwise an auditor told
// that change records evidence a control finds none tagged with it, or
// finds records tagged with a control whose catalog entry says nothing
// of them.
func TestCatalogEvidenceMatchesRecordControls(t *testing.T) {
	ia, da, ch, _ := loadTestRecords(t)
	sys, err := NewSystem("credit-scoring", WithVersion("1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	full := *ia // every optional control of an impact assessment
	full.IntendedUse = "credit officers, for consumer loans"
	full.SocietalImpacts = []SocietalImpact{{Area: "access to credit", Description: "d"}}
	carried := map[string][]string{} // evidence item -> controls its records carry
	for _, c := range []struct {
		ev  string
		rec func() (ManagementRecord, error)
	}{
		{evImpact, func() (ManagementRecord, error) { return full.NewRecord(sys) }},
		{evDeployAuth, func() (ManagementRecord, error) { return da.NewRecord(sys) }},
		{evChange, func() (ManagementRecord, error) { return ch.NewRecord(sys) }},
	} {
		r, err := c.rec()
		if err != nil {
			t.Fatal(err)
		}
		carried[c.ev] = r.Controls
	}
	for ev, ids := range carried {
		for _, id := range ids {
			ctl, _ := LookupControl(id)
			if !slices.Contains(ctl.Evidence, ev) {
				t.Errorf("records %q carry %s, whose catalog evidence does not name them", ev, id)
			}
		}
		for _, ctl := range Controls() {
			if slices.Contains(ctl.Evidence, ev) && !slices.Contains(ids, ctl.ID) {
				t.Errorf("the catalog names %q as evidence of %s, but those records never carry it (they carry %v)", ev, ctl.ID, ids)
			}
		}
	}
}
