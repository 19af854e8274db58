package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aimskit/aimskit/aims/genai"
)

// Bounds of what the service keeps per process, so that a client who opens
// conversation after conversation, or talks on in one forever, cannot
// exhaust its memory and degrade it for everyone else.
const (
	// maxConversations is how many conversations are kept; beyond it the
	// oldest is forgotten (if it resumes, its person sees the notice
	// again, which errs on the side of transparency).
	maxConversations = 10_000
	// maxHistory is how many recent messages of a conversation are kept
	// and passed to the model.
	maxHistory = 20
	// maxResponses is how many response IDs a conversation remembers for
	// feedback.
	maxResponses = 64
	// maxHeld is how many held responses may wait for review at once,
	// and how many reviewed ones are kept for delivery. A held response
	// is never forgotten while its ticket is open: beyond the bound, new
	// holds are refused (the turn is blocked), see held.go.
	maxHeld = 10_000
	// maxHeldPerConversation and maxHeldPerClient bound the held
	// responses waiting for review that one conversation and one client
	// may have, so that nobody fills the reviewers' queue and the store
	// for everyone else.
	maxHeldPerConversation = 3
	maxHeldPerClient       = 100
	// heldRetention is how long a reviewed held response stays to be
	// fetched after its ticket resolved or expired.
	heldRetention = 24 * time.Hour
	// maxOpenReports is how many problem reports may have an open incident
	// at once: people's reports must not crowd out the incidents staff and
	// monitors open.
	maxOpenReports = 200
	// maxOpenReportsPerClient is how many of them one client may have
	// open, so that nobody uses up maxOpenReports for everyone else.
	maxOpenReportsPerClient = 5
	// maxRatingsPerResponse is how many ratings an answer takes (a
	// person may change their mind); each is a ledger record, so one
	// client cannot write them without bound.
	maxRatingsPerResponse = 3
)

// conversation is what the service remembers of one conversation.
type conversation struct {
	// turns is the number of the last turn given out (nextTurn): the
	// turn number of the interaction records, which the history cannot
	// give once it is trimmed.
	turns   int
	history []genai.Message
	// noticed says the interaction notice went out in this conversation;
	// noticeClaim, when not nil, is closed when the turn that claimed the
	// notice confirms or releases it (genai.NoticeTracker).
	noticed     bool
	noticeClaim chan struct{}
	// responses are the responses given in it, in order, with the
	// incident a report about each opened ("" for none).
	responses []response
}

type response struct {
	id, incident string
	// ratings is how many ratings of it were taken (maxRatingsPerResponse).
	ratings int
}

// conversations holds the recent conversations and held responses within
// the bounds above, forgetting the oldest first.
type conversations struct {
	mu    sync.Mutex
	byID  map[string]*conversation
	order []string // conversation IDs, oldest first
	holds
}

func newConversations() *conversations {
	return &conversations{byID: map[string]*conversation{}, holds: newHolds()}
}

// history returns a copy of a conversation's recent messages.
func (c *conversations) history(id string) []genai.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv := c.byID[id]; cv != nil {
		return append([]genai.Message(nil), cv.history...)
	}
	return nil
}

// conversation returns the conversation id, starting it if it is not
// kept. It forgets none: a conversation started for a turn the assistant
// then refuses is dropped again (releaseTurn), and must not have cost
// another conversation its place; the bound is kept by add, once a turn
// is recorded. Until then the table may hold a few more than
// maxConversations, one per turn in flight. c.mu is held.
func (c *conversations) conversation(id string) *conversation {
	cv := c.byID[id]
	if cv == nil {
		cv = &conversation{}
		c.byID[id] = cv
		c.order = append(c.order, id)
	}
	return cv
}

// trim forgets the oldest conversations beyond maxConversations, except
// keep, the conversation a turn is being added to. c.mu is held.
func (c *conversations) trim(keep string) {
	for len(c.order) > maxConversations {
		i := 0
		if c.order[0] == keep {
			i = 1
		}
		if old := c.byID[c.order[i]]; old != nil && old.noticeClaim != nil {
			// Nobody waits for a forgotten conversation's claim.
			close(old.noticeClaim)
		}
		delete(c.byID, c.order[i])
		if i == 0 {
			c.order = c.order[1:]
		} else {
			c.order = slices.Delete(c.order, i, i+1)
		}
	}
}

// nextTurn gives out the number of a conversation's next turn, 1 for the
// first. A conversation forgotten beyond maxConversations starts at 1
// again (its person sees the notice again too).
func (c *conversations) nextTurn(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	cv := c.conversation(id)
	cv.turns++
	return cv.turns
}

// releaseTurn gives back the number of a turn the assistant refused before
// recording anything (bad input), so that the recorded numbers have no
// gap; unless a later turn already took a later number. A conversation
// started only for the refused turn is forgotten again.
func (c *conversations) releaseTurn(id string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cv := c.byID[id]
	if cv == nil || cv.turns != n {
		return
	}
	cv.turns--
	if cv.turns == 0 && len(cv.history) == 0 && len(cv.responses) == 0 && !cv.noticed && cv.noticeClaim == nil {
		delete(c.byID, id)
		if i := slices.Index(c.order, id); i >= 0 {
			c.order = slices.Delete(c.order, i, i+1)
		}
	}
}

// add records a turn: its messages as the model saw them (none for a turn
// blocked at input), its response ID, and the text of its held response
// when there is one (the hold itself was reserved by reserveHold).
func (c *conversations) add(id string, msgs []genai.Message, responseID string, held *heldResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cv := c.conversation(id)
	c.trim(id)
	cv.history = append(cv.history, msgs...)
	if n := len(cv.history); n > maxHistory {
		cv.history = append([]genai.Message(nil), cv.history[n-maxHistory:]...)
	}
	cv.responses = append(cv.responses, response{id: responseID})
	if n := len(cv.responses); n > maxResponses {
		cv.responses = append([]response(nil), cv.responses[n-maxResponses:]...)
	}
	if held != nil {
		if h := c.held[responseID]; h != nil {
			h.ticketID, h.text = held.ticketID, held.text
		}
	}
}

// gave reports whether the conversation holds the response, and the
// incident a report about it opened ("" for none).
func (c *conversations) gave(convID, responseID string) (incident string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv := c.byID[convID]; cv != nil {
		for _, r := range cv.responses {
			if r.id == responseID {
				return r.incident, true
			}
		}
	}
	return "", false
}

// rate takes a place for a rating of the response, or reports that it
// has had maxRatingsPerResponse (or is not kept).
func (c *conversations) rate(convID, responseID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv := c.byID[convID]; cv != nil {
		for i := range cv.responses {
			if r := &cv.responses[i]; r.id == responseID && r.ratings < maxRatingsPerResponse {
				r.ratings++
				return true
			}
		}
	}
	return false
}

// unrate gives back the place of a rating that was not recorded.
func (c *conversations) unrate(convID, responseID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv := c.byID[convID]; cv != nil {
		for i := range cv.responses {
			if r := &cv.responses[i]; r.id == responseID && r.ratings > 0 {
				r.ratings--
			}
		}
	}
}

// reported notes the incident a report about the response opened.
func (c *conversations) reported(convID, responseID, incident string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv := c.byID[convID]; cv != nil {
		for i := range cv.responses {
			if cv.responses[i].id == responseID {
				cv.responses[i].incident = incident
			}
		}
	}
}

// ClaimNotice implements genai.NoticeTracker: the notice goes with the
// first answer of a conversation the assistant gives out, whatever the
// turn numbers of concurrent turns, and again only if that turn failed.
// A turn waits only for a claim of its own conversation, which its
// holder ends as soon as its record is written (or ctx is done), so one
// client's turns never wait for another's. It keeps nothing beyond the
// conversation's entry, within maxConversations.
func (c *conversations) ClaimNotice(ctx context.Context, id string) (bool, error) {
	for {
		c.mu.Lock()
		cv := c.conversation(id)
		if cv.noticed {
			c.mu.Unlock()
			return false, nil
		}
		claim := cv.noticeClaim
		if claim == nil {
			cv.noticeClaim = make(chan struct{})
			c.mu.Unlock()
			return true, nil
		}
		c.mu.Unlock()
		select {
		case <-claim:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// ConfirmNotice implements genai.NoticeTracker: the conversation has had
// the notice.
func (c *conversations) ConfirmNotice(id string) { c.endNoticeClaim(id, true) }

// ReleaseNotice implements genai.NoticeTracker: the claiming turn did not
// go out; the next one carries the notice.
func (c *conversations) ReleaseNotice(id string) { c.endNoticeClaim(id, false) }

func (c *conversations) endNoticeClaim(id string, given bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cv := c.byID[id]
	if cv == nil {
		return
	}
	if cv.noticeClaim != nil {
		close(cv.noticeClaim)
		cv.noticeClaim = nil
	}
	cv.noticed = cv.noticed || given
}
