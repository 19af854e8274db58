package aims

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogHas38ControlsAcrossNineObjectives(t *testing.T) {
	cs := Controls()
	require.Len(t, cs, 38)
	seen := map[string]bool{}
	perObjective := map[string]int{}
	idRe := regexp.MustCompile(`^A\.(\d+)\.\d+(\.\d+)?$`)
	for _, c := range cs {
		assert.False(t, seen[c.ID], "duplicate control %s", c.ID)
		seen[c.ID] = true
		m := idRe.FindStringSubmatch(c.ID)
		require.NotNil(t, m, "malformed ID %q", c.ID)
		assert.Equal(t, "A."+m[1], c.Objective, "control %s filed under the wrong objective", c.ID)
		assert.NotEmpty(t, c.Title, c.ID)
		assert.NotEmpty(t, c.Summary, c.ID)
		perObjective[c.Objective]++
	}
	want := map[string]int{"A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3}
	assert.Equal(t, want, perObjective)
	objs := Objectives()
	require.Len(t, objs, 9)
	for _, o := range objs {
		assert.Contains(t, want, o.ID)
	}
}

func TestLookupControl(t *testing.T) {
	c, ok := LookupControl("A.6.2.8")
	require.True(t, ok)
	assert.Equal(t, "AI system recording of event logs", c.Title)
	assert.Contains(t, c.EUAIAct, "Art. 12")
	assert.NotEmpty(t, c.Evidence)

	c2, ok := LookupControl(" 6.2.8 ")
	require.True(t, ok)
	assert.Equal(t, c.ID, c2.ID)

	_, ok = LookupControl("A.11.1")
	assert.False(t, ok)
	_, ok = LookupControl("")
	assert.False(t, ok)

	// The catalog is not mutable through returned values.
	c.Evidence[0] = "changed"
	again, _ := LookupControl("A.6.2.8")
	assert.NotEqual(t, "changed", again.Evidence[0])
}
