package boltstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// TestKeepsNoRawPersonalData runs the privacy suite and then searches the
// database file itself, byte for byte, for the raw values.
func TestKeepsNoRawPersonalData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	s := storetest.RunPrivacy(t, func(t *testing.T) oversight.Store {
		s, err := boltstore.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("hs256:st:")) {
		t.Fatal("the database file holds no pseudonymised ticket; the search below would prove nothing")
	}
	for _, raw := range storetest.RawValues {
		if bytes.Contains(b, []byte(raw)) {
			t.Errorf("%s contains %s", path, raw)
		}
	}
}
