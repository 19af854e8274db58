package auditreport

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetReplicasWhoseCountsOverflowAreNamed: two honest replicas
// (A 100/50, B 100/45: ratio 0.9) and four replicas each claiming 2^62
// decisions of group B, none selected. Each hostile replica is consistent
// on its own, but their total, 2^64, is no int64: added with wrapping it
// vanishes and the fleet reads as the honest replicas' counts, hiding that
// counts were refused. The whole system's sums must leave the replicas out
// that made the total overflow, and name them.
func TestFleetReplicasWhoseCountsOverflowAreNamed(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	for _, inst := range []string{"i1", "i2"} {
		f.cum(inst, "A", 100, 50)
		f.cum(inst, "B", 100, 45)
	}
	for _, inst := range []string{"h1", "h2", "h3", "h4"} {
		f.cum(inst, "B", 1<<62, 0)
	}
	s := buildFairness(&f.in)
	require.NotEmpty(t, s.Monitors)
	m := s.Monitors[0]
	require.True(t, m.Fleet, "monitors: %v", titles(s))
	assert.NotEmpty(t, m.Excluded, "replicas whose counts overflow the sum are named; instances: %v", m.Instances)
	for _, inst := range m.Instances {
		for _, ex := range m.Excluded {
			assert.False(t, strings.HasPrefix(ex, inst+" "), "%s is both summed and left out", inst)
		}
	}
}

// TestFleetReplicaCountsOverflowWithinOneInstance: one replica restarted
// five times (five series, five start times): four claim 2^62 decisions of
// group B, the fifth 100 with 90 selected. Added with wrapping, its total
// reads as a plausible 100/90, which turns the fleet's B rate from 0.45 to
// 0.6. The replica's counts cannot be added up exactly: it is left out and
// named.
func TestFleetReplicaCountsOverflowWithinOneInstance(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	for _, inst := range []string{"i1", "i2"} {
		f.cum(inst, "A", 100, 50)
		f.cum(inst, "B", 100, 45)
	}
	f.cum("bad", "A", 100, 50)
	for i := range 5 {
		f.start = generatedAt.Add(-time.Duration(i+2) * time.Hour)
		if i < 4 {
			f.cum("bad", "B", 1<<62, 0)
		} else {
			f.cum("bad", "B", 100, 90)
		}
	}
	s := buildFairness(&f.in)
	require.NotEmpty(t, s.Monitors)
	m := s.Monitors[0]
	require.True(t, m.Fleet, "monitors: %v", titles(s))
	assert.Equal(t, []string{"i1", "i2"}, m.Instances)
	require.Len(t, m.Excluded, 1)
	assert.True(t, strings.HasPrefix(m.Excluded[0], "bad ("), "%q", m.Excluded[0])
}

// TestFleetTotalBeyondInt64LeavesAReplicaOut: 1024 replicas each claim
// 2^53 decisions of group B (the most a double holds exactly, so none is
// refused on its own); their total, 2^63, is no int64. The replica whose
// counts take the total beyond it is left out and named; the sums of the
// others are exact, never wrapped around.
func TestFleetTotalBeyondInt64LeavesAReplicaOut(t *testing.T) {
	f := &fleetInput{start: generatedAt.Add(-time.Hour)}
	for _, inst := range []string{"i1", "i2"} {
		f.cum(inst, "B", 100, 45)
	}
	for i := range 1024 {
		f.cum(fmt.Sprintf("h%04d", i), "B", 1<<53, 0)
	}
	ic := CumulativeCounts(f.in.Metrics)["s"]
	require.Empty(t, ic.Refused)
	require.Len(t, ic.Instances, 1026)
	s := buildFairness(&f.in)
	require.NotEmpty(t, s.Monitors)
	m := s.Monitors[0]
	require.True(t, m.Fleet, "monitors: %v", titles(s)[:1])
	require.Len(t, m.Excluded, 1)
	assert.Contains(t, m.Excluded[0], "beyond an int64")
	assert.Len(t, m.Instances, 1025)
	assert.Contains(t, m.Instances, "i1")
	assert.Contains(t, m.Instances, "i2")
}
