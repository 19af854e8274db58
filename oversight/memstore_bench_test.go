package oversight_test

import (
	"testing"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func openMemory(*testing.B) oversight.Store { return oversight.NewMemoryStore() }

// BenchmarkClaim claims (and releases) the oldest ticket of queues of
// 100, 10,000 and 100,000 open tickets in a MemoryStore.
func BenchmarkClaim(b *testing.B) { storetest.BenchClaim(b, openMemory, nil) }

// BenchmarkCreate adds tickets to a MemoryStore.
func BenchmarkCreate(b *testing.B) { storetest.BenchCreate(b, openMemory) }

// BenchmarkCountOpen counts a full queue (DefaultMaxOpenTickets open
// tickets) in a MemoryStore, as the Gate does before each held decision.
func BenchmarkCountOpen(b *testing.B) { storetest.BenchCountOpen(b, openMemory, nil, 0) }
