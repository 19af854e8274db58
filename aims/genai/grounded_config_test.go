package genai

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Grounded with a bound outside [0, 1] can never check anything: every
// check errors, so fail-open lets every answer through unchecked. Like a
// deny list that can never match, the rule is refused when it is
// configured, not discovered turn by turn.
func TestNewRefusesGroundednessBoundOutsideZeroOne(t *testing.T) {
	r := newRig(t)
	c, err := NewClient(replyWith("x"), "p")
	require.NoError(t, err)
	for _, bound := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		_, err := New(r.sys, c, "m", "", WithFailOpen(), WithGuardrail(Grounded(bound), StageOutput, ActionBlock))
		assert.Error(t, err, "Grounded(%v) was accepted", bound)
	}
	_, err = New(r.sys, c, "m", "", WithGuardrail(Grounded(0.5), StageOutput, ActionBlock))
	assert.NoError(t, err)
}
