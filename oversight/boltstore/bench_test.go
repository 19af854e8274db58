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
	syncDisk()
}

// BenchmarkClaim claims (and releases) the oldest ticket of queues of
// 100, 10,000 and 100,000 open tickets in a bbolt file. Under fsync each
// claim and release is a committed, fsynced transaction, whose time is
// mostly the disk's; under nosync the commits skip fsync, which leaves
// the store's own cost (what grows, or not, with the queue).
func BenchmarkClaim(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { storetest.BenchClaim(b, openBench, fillBench) })
	b.Run("nosync", func(b *testing.B) {
		open := func(b *testing.B) oversight.Store {
			s := openBench(b)
			boltstore.SetNoSync(s.(*boltstore.Store), true)
			return s
		}
		storetest.BenchClaim(b, open, fillBench)
	})
}

// BenchmarkCreate adds tickets to a bbolt file, one transaction each.
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openBench) }

// BenchmarkCountOpen counts a full queue (DefaultMaxOpenTickets open
// tickets) in a bbolt file, as the Gate does before each held decision.
func BenchmarkCountOpen(b *testing.B) { storetest.BenchCountOpen(b, openBench, fillBench, 0) }
