package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func openBench(b *testing.B) oversight.Store {
	s, err := boltstore.Open(context.Background(), filepath.Join(b.TempDir(), "tickets.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func fillBench(b *testing.B, s oversight.Store, ts []oversight.Ticket) {
	if err := boltstore.CreateMany(s.(*boltstore.Store), ts); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkClaim claims (and releases) the oldest ticket of queues of
// 100, 10,000 and 100,000 open tickets in a bbolt file (each claim and
// release is a committed, fsynced transaction).
func BenchmarkClaim(b *testing.B) { storetest.BenchClaim(b, openBench, fillBench) }

// BenchmarkCreate adds tickets to a bbolt file, one transaction each.
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openBench) }
