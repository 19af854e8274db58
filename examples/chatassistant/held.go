package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/oversight"
)

// heldResponse is a response waiting for review, or reviewed and kept for
// delivery: the service keeps its text (the records keep its digest only,
// under the default content policy).
type heldResponse struct {
	conversationID, client, decisionID, ticketID, text string
	// reviewText is the text the reviewers read (GET /review/held/{ticket}),
	// given with the hold (genai.ReviewTextHolder). text is set only once
	// the turn is recorded: a turn that failed after its hold delivers
	// nothing.
	reviewText string
	// open says the ticket is still open: the response counts against
	// the bounds, and is never forgotten.
	open bool
	// closed is when the ticket resolved or expired.
	closed time.Time
}

// holds are the held responses by response ID, and what bounds them: the
// responses waiting for review, per conversation, per client and in all,
// and the reviewed ones, oldest first. They are part of conversations and
// guarded by its mutex.
type holds struct {
	held       map[string]*heldResponse // by response ID
	byDecision map[string]string        // decision ID -> response ID
	perConv    map[string]int           // open holds per conversation
	perClient  map[string]int           // open holds per client
	open       int
	reviewed   []string // response IDs of reviewed holds, oldest first
}

func newHolds() holds {
	return holds{held: map[string]*heldResponse{}, byDecision: map[string]string{},
		perConv: map[string]int{}, perClient: map[string]int{}}
}

// holdLimitError refuses a hold beyond a bound. The assistant then blocks
// the turn (a response that must be reviewed and cannot be is not
// delivered) and records the refusal as a fallback.
type holdLimitError struct {
	what  string
	limit int
}

func (e *holdLimitError) Error() string {
	return fmt.Sprintf("%s has %d answers waiting for review, the most it may have", e.what, e.limit)
}

// reserveHold takes a place for a held response before it is submitted
// for review, or refuses it when the conversation, the client or the
// service has as many waiting as it may. It never makes room by
// forgetting a response whose ticket is open: that response could not be
// delivered once a reviewer approved it.
func (c *conversations) reserveHold(h heldResponse, responseID string, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneReviewed(now)
	switch {
	case c.perConv[h.conversationID] >= maxHeldPerConversation:
		return &holdLimitError{"this conversation", maxHeldPerConversation}
	case h.client != "" && c.perClient[h.client] >= maxHeldPerClient:
		return &holdLimitError{"this client", maxHeldPerClient}
	case c.open >= maxHeld:
		return &holdLimitError{"the service", maxHeld}
	case c.held[responseID] != nil || c.byDecision[h.decisionID] != "":
		return fmt.Errorf("response %s is already held", responseID)
	}
	h.open = true
	c.held[responseID] = &h
	c.byDecision[h.decisionID] = responseID
	c.count(&h, +1)
	return nil
}

// count adds d to the open holds of h's conversation and client.
func (c *conversations) count(h *heldResponse, d int) {
	c.open += d
	c.perConv[h.conversationID] += d
	if c.perConv[h.conversationID] == 0 {
		delete(c.perConv, h.conversationID)
	}
	if h.client != "" {
		c.perClient[h.client] += d
		if c.perClient[h.client] == 0 {
			delete(c.perClient, h.client)
		}
	}
}

// releaseHold gives back the place of a hold that was not submitted.
func (c *conversations) releaseHold(decisionID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.byDecision[decisionID]
	if !ok {
		return
	}
	if h := c.held[id]; h != nil && h.open {
		c.count(h, -1)
	}
	delete(c.held, id)
	delete(c.byDecision, decisionID)
}

// closeHold notes that the ticket of a held response resolved or expired:
// the response no longer counts against the bounds, and is kept for
// heldRetention to be fetched.
func (c *conversations) closeHold(decisionID string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.held[c.byDecision[decisionID]]
	if h == nil || !h.open {
		return
	}
	h.open, h.closed = false, now
	c.count(h, -1)
	c.reviewed = append(c.reviewed, c.byDecision[decisionID])
	c.pruneReviewed(now)
}

// pruneReviewed forgets reviewed held responses older than heldRetention,
// and the oldest beyond maxHeld. c.mu is held.
func (c *conversations) pruneReviewed(now time.Time) {
	n := 0
	for n < len(c.reviewed) {
		h := c.held[c.reviewed[n]]
		if h != nil && len(c.reviewed)-n <= maxHeld && now.Sub(h.closed) < heldRetention {
			break
		}
		if h != nil {
			delete(c.byDecision, h.decisionID)
		}
		delete(c.held, c.reviewed[n])
		n++
	}
	if n > 0 {
		c.reviewed = append([]string(nil), c.reviewed[n:]...)
	}
}

// heldResponse returns a held response by its response ID.
func (c *conversations) heldResponse(id string) (heldResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.held[id]; h != nil {
		return *h, true
	}
	return heldResponse{}, false
}

// turnKey carries a turn's turnInfo in its context, from the chat handler
// through the assistant to the gateHolder.
type turnKey struct{}

// turnInfo is what the gateHolder learns of the turn it holds a response
// of, and tells back.
type turnInfo struct {
	// client identifies who sent the turn: the remote IP address here. A
	// service behind a proxy, or with accounts, uses the client identity
	// it authenticated.
	client string
	// refused is why the gateHolder refused the hold, if it did.
	refused error
}

// clientOf is the client a request comes from: its remote IP address.
func clientOf(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// gateHolder submits held responses to the oversight gate: the adapter
// that keeps aims/genai free of an oversight import. It reserves a place
// for each first (reserveHold), so a hold beyond the bounds is refused
// before it reaches the reviewers' queue.
type gateHolder struct {
	g     *oversight.Gate
	convs *conversations
}

// Hold holds a response without its text; the Assistant calls
// HoldForReview.
func (h gateHolder) Hold(ctx context.Context, d aims.Decision) (string, error) {
	return h.HoldForReview(ctx, d, "")
}

// HoldForReview holds a response and keeps its text for the reviewers
// (genai.ReviewTextHolder): the decision the gate records carries only
// its digest.
func (h gateHolder) HoldForReview(ctx context.Context, d aims.Decision, text string) (string, error) {
	info, _ := ctx.Value(turnKey{}).(*turnInfo)
	held := heldResponse{conversationID: d.Attributes[genai.HoldAttrConversationID], decisionID: d.ID, reviewText: text}
	if info != nil {
		held.client = info.client
	}
	if err := h.convs.reserveHold(held, d.Attributes[genai.HoldAttrResponseID], time.Now()); err != nil {
		if info != nil {
			info.refused = err
		}
		return "", err
	}
	out, err := h.g.Submit(ctx, d)
	if err == nil && (!out.Pending() || out.Ticket == nil) {
		err = fmt.Errorf("the gate did not hold the response (action %s)", out.Action)
	}
	if err != nil {
		h.convs.releaseHold(d.ID)
		if info != nil && errors.Is(err, oversight.ErrQueueFull) {
			info.refused = err // the reviewers' queue is full: say why
		}
		return "", err
	}
	h.convs.setTicket(d.ID, out.Ticket.ID)
	return out.Ticket.ID, nil
}

// setTicket notes the ticket a held response waits in.
func (c *conversations) setTicket(decisionID, ticketID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.held[c.byDecision[decisionID]]; h != nil {
		h.ticketID = ticketID
	}
}

// heldByTicket returns the held response waiting (or reviewed) in a
// ticket, and its response ID.
func (c *conversations) heldByTicket(ticketID string) (heldResponse, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, h := range c.held {
		if h.ticketID == ticketID {
			return *h, id, true
		}
	}
	return heldResponse{}, "", false
}

// onResolved is the gate's callback (oversight.WithOnResolved): a held
// response whose ticket resolved or expired no longer counts against the
// bounds.
func (c *conversations) onResolved(o oversight.Outcome) {
	if o.Ticket != nil {
		c.closeHold(o.Ticket.Decision.ID, time.Now())
	}
}
