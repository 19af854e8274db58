package oversight_test

import (
	"testing"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) oversight.Store { return oversight.NewMemoryStore() })
}
