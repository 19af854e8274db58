package aims

import "testing"

// TestRecordTimeIsStrictRFC3339: RFC 3339 (section 5.6) writes the
// fraction of a second after a full stop and limits an offset's hours to
// 00–23. An offset of +24:00 moves an approval by a whole day; a time
// outside the grammar must be refused, not read.
func TestRecordTimeIsStrictRFC3339(t *testing.T) {
	for _, s := range []string{
		"2026-03-01T14:00:00+24:00",
		"2026-03-01T14:00:00-24:00",
		"2026-03-01T14:00:00+99:00",
		"2026-03-01T14:00:00,5Z",
	} {
		if got, err := parseRecordTime(s); err == nil {
			t.Errorf("%q read as %v; want an error", s, got)
		}
	}
	for _, s := range []string{"2026-03-01", "2026-03-01T14:00:00Z", "2026-03-01T14:00:00.5Z", "2026-03-01T14:00:00+23:59", "2026-03-01T14:00:00-00:00"} {
		if _, err := parseRecordTime(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}
