package oversight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
)

// A reviewer ID that mixes scripts within a word, such as "dave" with a
// Cyrillic "а" (U+0430), looks like "dave" to everyone who reads the
// evidence. Four-eyes must not count it as a second person: the Gate
// refuses such an identity (ErrInvalidID), so a high-risk decision dave
// approved stays pending until someone else approves.
func TestFourEyesRefusesMixedScriptLookalike(t *testing.T) {
	h := newHarness(t, oversight.WithPolicy(oversight.RiskAtLeast(aims.RiskHigh)))
	ctx := context.Background()
	out, err := h.gate.Submit(ctx, decision(t, "hiring", "invite", 0.8, 0.5, false))
	if err != nil {
		t.Fatal(err)
	}
	dave := oversight.Reviewer{ID: "dave", Roles: []string{"reviewer"}}
	lookalike := oversight.Reviewer{ID: "d\u0430ve", Roles: []string{"reviewer"}}
	if _, err := h.gate.Approve(ctx, out.Ticket.ID, dave, "ok"); err != nil {
		t.Fatal(err)
	}
	o, err := h.gate.Approve(ctx, out.Ticket.ID, lookalike, "ok")
	if !errors.Is(err, oversight.ErrInvalidID) {
		t.Fatalf("approval by %q (Cyrillic а) after dave: %+v, %v; want ErrInvalidID", lookalike.ID, o, err)
	}
	st, err := h.gate.Status(ctx, out.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Pending() || st.Applied {
		t.Fatalf("one person's approval under two spellings resolved the ticket: %+v", st)
	}
	if _, err := oversight.NormalizeID("d\u0430ve"); !errors.Is(err, oversight.ErrInvalidID) {
		t.Errorf("NormalizeID of a mixed-script identity: %v", err)
	}
	// Identities in one script, or words in different scripts, are fine.
	for _, id := range []string{"\u0438\u0432\u0430\u043d", "user:\u0438\u0432\u0430\u043d", "\u5c71\u7530\u305f\u308d\u3046"} {
		if _, err := oversight.NormalizeID(id); err != nil {
			t.Errorf("NormalizeID(%q): %v", id, err)
		}
	}
}
