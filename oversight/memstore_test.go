package oversight_test

import (
	"context"

	"testing"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) oversight.Store { return oversight.NewMemoryStore() })
}

func TestMemoryStoreKeepsNoRawPersonalData(t *testing.T) {
	s := storetest.RunPrivacy(t, func(*testing.T) oversight.Store { return oversight.NewMemoryStore() })
	_ = s.Close(context.Background())
}
