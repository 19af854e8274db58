package genai

import "context"

// NoticeTracker remembers, per conversation, whether the interaction
// notice (EU AI Act Art. 50(1): people are told they interact with an AI
// system at the latest at the first interaction) was given. With one
// (WithNoticeTracker) the Assistant gives the notice with the first turn
// result of a conversation it returns without error, exactly once however
// many turns of the conversation run at once, and whatever their numbers:
// a turn refused before anything runs, one whose model call fails, or one
// whose record cannot be written does not use it up, so the next answer
// the person gets carries it.
//
// The protocol is a claim: when a turn's result is ready, before its
// record is written, the Assistant calls ClaimNotice; if it returns true
// the turn carries the notice (and its record says NoticeShown), and the
// Assistant calls ConfirmNotice once the record is written or
// ReleaseNotice if it could not be. Implementations must be safe for
// concurrent use, and keep what they remember bounded: forgetting a
// conversation means its person sees the notice again, which errs on the
// side of transparency.
type NoticeTracker interface {
	// ClaimNotice reports whether the turn is to carry the notice: true
	// when the notice was not given in the conversation and no other
	// turn holds a claim on it, and the claim is then this turn's until
	// ConfirmNotice or ReleaseNotice. While another turn holds a claim it
	// waits for that claim to end (or ctx to be done, returning its
	// error): that turn may yet fail, and then this one carries the
	// notice. On an error the Assistant gives the notice anyway and
	// notes the fallback in the record.
	ClaimNotice(ctx context.Context, conversationID string) (bool, error)
	// ConfirmNotice notes that the claiming turn's result, with the
	// notice, was recorded and returned: the conversation has had it.
	ConfirmNotice(conversationID string)
	// ReleaseNotice gives the claim back: the claiming turn did not go
	// out, and the next turn claims the notice again.
	ReleaseNotice(conversationID string)
}

// WithNoticeTracker makes the Assistant decide the interaction notice
// from whether t says it was given in the conversation (see
// NoticeTracker), instead of from Turn.Number (or the History),
// which concurrent turns, refused turns and failed turns make wrong: turn
// 2 can be answered before turn 1, and turn 1 can fail. Services that run
// a conversation's turns concurrently need one.
func WithNoticeTracker(t NoticeTracker) Option {
	return optionFunc(func(c *config) { c.notices = t })
}

// claimNotice decides whether the turn carries the notice, for a turn
// whose result is ready; modelErr is the model call's error. It returns
// whether the turn holds a claim it must confirm or release.
func (a *Assistant) claimNotice(ctx context.Context, t *Turn, in *Interaction, res *TurnResult, modelErr error) (claimed bool) {
	tr := a.cfg.notices
	if tr == nil {
		// Without a tracker the number decides: turn 1, given or
		// counted (no message of the person's in the history; a
		// greeting of the service's own may be there).
		if t.number() == 1 {
			res.Notice, in.NoticeShown = a.cfg.notice, true
		}
		return false
	}
	if modelErr != nil {
		// A failed model call answers nothing and is returned as an
		// error: the next answer the person gets carries the notice.
		return false
	}
	ok, err := tr.ClaimNotice(ctx, t.ConversationID)
	if err != nil {
		in.Fallbacks = append(in.Fallbacks, "notice tracker failed ("+errorType(err)+"); notice given")
		res.Notice, in.NoticeShown = a.cfg.notice, true
		return false
	}
	if ok {
		res.Notice, in.NoticeShown = a.cfg.notice, true
	}
	return ok
}
