package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"slices"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/genai"
)

// noticeChannel is the disclosure channel of the notice shown in the chat.
const noticeChannel = "chat_notice"

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	// The Middleware puts the AI-Disclosure header (kind generated-content)
	// on every response that carries generated text; handlers say when one
	// does not (a refusal, a holding message).
	mux.Handle("POST /v1/chat", s.generated.Middleware(http.HandlerFunc(s.chat)))
	mux.Handle("GET /v1/responses/{id}", s.generated.Middleware(http.HandlerFunc(s.response)))
	mux.HandleFunc("POST /v1/feedback", s.feedback)
	mux.Handle("/review/", s.console)
	mux.HandleFunc("GET /review/held/{ticket}", s.heldText)
	// One trace per request: the turn, the model call, the guardrail
	// events and the gate's submission are children of the server span.
	// Its metrics take server.address and server.port from the client's
	// Host header; the telemetry's httpServerMetricsView drops them, so
	// made-up hosts cannot make series.
	return otelhttp.NewHandler(mux, "chatassistant", otelhttp.WithTracerProvider(s.tel.tp), otelhttp.WithMeterProvider(s.tel.mp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}))
}

type chatRequest struct {
	ConversationID string `json:"conversation_id"`
	Message        string `json:"message"`
}

// chatResponse is the reply. Notice is the human-readable interaction
// notice, with the conversation's first reply only (the first the
// assistant gives out, whatever the turn numbers); the machine-readable marking is in the
// AI-Disclosure header and the ai_disclosure member, never in Reply.
type chatResponse struct {
	ResponseID string `json:"response_id"`
	Reply      string `json:"reply"`
	Status     string `json:"status"`
	Notice     string `json:"notice,omitempty"`
	TicketID   string `json:"ticket_id,omitempty"`
}

func (s *service) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		aims.MarkAIOutput(r.Context(), false)
		http.Error(w, `send {"conversation_id": "...", "message": "..."}`, http.StatusBadRequest)
		return
	}
	// The service numbers the turns: the history it keeps is trimmed, so
	// the assistant cannot count them from it.
	number := s.convs.nextTurn(req.ConversationID)
	history := s.convs.history(req.ConversationID)
	info := &turnInfo{client: clientOf(r)}
	res, err := s.asst.Turn(context.WithValue(r.Context(), turnKey{}, info), genai.Turn{ConversationID: req.ConversationID, Number: number, Message: req.Message,
		History: history, Sources: sources(req.Message)})
	if res.ResponseID == "" {
		// Refused before anything was recorded: the number is not used.
		s.convs.releaseTurn(req.ConversationID, number)
	}
	switch {
	case errors.Is(err, genai.ErrPromptTooLarge):
		aims.MarkAIOutput(r.Context(), false)
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, genai.ErrNoConversation), errors.Is(err, genai.ErrInvalidUTF8), errors.Is(err, genai.ErrEmptyMessage):
		aims.MarkAIOutput(r.Context(), false)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case err != nil && res.ResponseID == "":
		aims.MarkAIOutput(r.Context(), false)
		http.Error(w, "the turn could not be recorded", http.StatusInternalServerError)
		return
	}
	var held *heldResponse
	if res.Outcome == genai.OutcomeHeld {
		held = &heldResponse{ticketID: res.Record.Interaction.Review.TicketID, text: res.Held}
	}
	// The history keeps the turn as the model saw it (res.Messages): the
	// message after input redaction, and nothing of a turn blocked at
	// input. Keeping req.Message would hand the model, on the next turn,
	// the personal data and the injections the input guardrails stopped.
	s.convs.add(req.ConversationID, res.Messages(), res.ResponseID, held)
	if res.Notice != "" {
		s.interaction.Record(r.Context(), noticeChannel)
	}
	out := chatResponse{ResponseID: res.ResponseID, Reply: res.Text, Status: string(res.Outcome), Notice: res.Notice}
	if info.refused != nil && res.Outcome == genai.OutcomeBlocked {
		// The answer needed review and too many are waiting: it was
		// blocked, not delivered unreviewed. Say why.
		out.Reply = tooManyHeldText
	}
	if rv := res.Record.Interaction.Review; rv != nil {
		out.TicketID = rv.TicketID
	}
	generated := res.Outcome == genai.OutcomeDelivered || res.Outcome == genai.OutcomeRedacted
	s.writeReply(w, r, out, generated)
}

// writeReply writes v as JSON; generated replies carry the disclosure in
// the JSON metadata too.
func (s *service) writeReply(w http.ResponseWriter, r *http.Request, v any, generated bool) {
	aims.MarkAIOutput(r.Context(), generated)
	body, err := json.Marshal(v)
	if err == nil && generated {
		body, err = s.generated.AttachJSON(r.Context(), body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// response delivers a held response once a reviewer approved it. Only an
// applied outcome whose output is still the proposal to deliver
// (genai.HeldOutput) delivers the held text: a reviewer's override to the
// reject output ("withhold"), or to any other output, is applied too, and
// withholds it.
func (s *service) response(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h, ok := s.convs.heldResponse(id)
	if !ok || h.text == "" { // h.text is empty when the turn failed after the hold
		aims.MarkAIOutput(r.Context(), false)
		http.Error(w, "no held response with this ID", http.StatusNotFound)
		return
	}
	out, err := s.gate.Status(r.Context(), h.ticketID)
	if err != nil {
		aims.MarkAIOutput(r.Context(), false)
		log.Printf("held response %s: %v", id, err)
		http.Error(w, "the response could not be looked up", http.StatusInternalServerError)
		return
	}
	if !out.Pending() {
		s.convs.closeHold(h.decisionID, time.Now()) // the gate's callback does it too; once is enough
	}
	reply := chatResponse{ResponseID: id, TicketID: h.ticketID, Status: string(out.Action)}
	deliver := out.Applied && out.Decision.Output == genai.HeldOutput
	switch {
	case out.Pending():
		reply.Reply = genai.HoldingText
	case deliver:
		reply.Reply = h.text
	default:
		reply.Reply = withheldText
	}
	// Only delivered text is generated content; the holding and withheld
	// texts are the service's own.
	s.writeReply(w, r, reply, deliver)
}

// tooManyHeldText is the reply to a turn whose answer needed review when
// the conversation, the client or the service had as many answers waiting
// for review as it may (held.go).
const tooManyHeldText = "This answer needs checking by a member of staff before it can be shown, and too many answers are already waiting to be checked. Please wait for yours, or try again later."

// withheldText is the reply for a held response a reviewer did not let
// through (rejected, overridden to another output, or expired).
const withheldText = "A member of staff reviewed this answer and withheld it; they will contact you."

type feedbackRequest struct {
	ConversationID string `json:"conversation_id"`
	ResponseID     string `json:"response_id"`
	Kind           string `json:"kind"` // rating or report
	Rating         int    `json:"rating,omitempty"`
	Category       string `json:"category,omitempty"`
	Comment        string `json:"comment,omitempty"`
}

// feedback records a rating or a problem report; reports of harmful or
// false answers open incidents.
func (s *service) feedback(w http.ResponseWriter, r *http.Request) {
	var req feedbackRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		http.Error(w, "send {conversation_id, response_id, kind, rating | category, comment}", http.StatusBadRequest)
		return
	}
	report := genai.FeedbackKind(req.Kind) == genai.FeedbackReport
	if report {
		// Reports one at a time: one incident per response, however
		// often and however concurrently it is reported.
		s.reportMu.Lock()
		defer s.reportMu.Unlock()
	}
	// Feedback is about a response this service gave in that
	// conversation, so nobody records or reports what never happened.
	incident, ok := s.convs.gave(req.ConversationID, req.ResponseID)
	client := clientOf(r)
	if !ok {
		http.Error(w, "no such response in this conversation", http.StatusNotFound)
		return
	}
	if report {
		// A second report of the same answer adds nothing; and a bound on
		// open reports, so a flood of them cannot crowd out the incidents
		// staff and monitors open.
		if incident != "" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"incident_id": incident, "status": "already reported"})
			return
		}
		if open := s.openReports(); open >= maxOpenReports {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, fmt.Sprintf("%d problem reports are open; yours will be taken when some are closed", open), http.StatusServiceUnavailable)
			return
		}
		// And one client may have only a few of them open, so that one
		// who reports answer after answer cannot use up the bound for
		// everyone else.
		if s.openReportsOf(client) >= maxOpenReportsPerClient {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "your earlier problem reports are still open; please wait until staff have looked at them", http.StatusTooManyRequests)
			return
		}
	}
	// Every rating is a ledger record: an answer takes a few, so that
	// nobody writes records without bound by rating it again and again.
	rating := genai.FeedbackKind(req.Kind) == genai.FeedbackRating
	if rating && !s.convs.rate(req.ConversationID, req.ResponseID) {
		http.Error(w, "this answer has been rated as often as it can be", http.StatusTooManyRequests)
		return
	}
	rec, err := s.asst.Feedback(r.Context(), genai.FeedbackInput{ConversationID: req.ConversationID, ResponseID: req.ResponseID,
		Kind: genai.FeedbackKind(req.Kind), Rating: req.Rating, Category: req.Category, Comment: req.Comment})
	if err != nil && rating {
		s.convs.unrate(req.ConversationID, req.ResponseID)
	}
	switch {
	case errors.Is(err, genai.ErrInvalidFeedback):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case errors.Is(err, aims.ErrTooManyIncidents):
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "too many problem reports are open; try again later", http.StatusServiceUnavailable)
		return
	case err != nil:
		// The service's failure (the record or the incident could not be
		// written): its details are for the operator's log.
		log.Printf("feedback: %v", err)
		http.Error(w, "the feedback could not be recorded", http.StatusInternalServerError)
		return
	}
	if rec.Feedback.IncidentID != "" {
		s.convs.reported(req.ConversationID, req.ResponseID, rec.Feedback.IncidentID)
		s.reportsBy[client] = append(s.reportsBy[client], rec.Feedback.IncidentID)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"feedback_id": rec.ID, "incident_id": rec.Feedback.IncidentID})
}

// openReports counts the incidents problem reports opened that are not
// closed yet.
func (s *service) openReports() int {
	return len(s.incidents.List(aims.IncidentFilter{Source: aims.SourceUserReport,
		States: []aims.IncidentState{aims.IncidentOpen, aims.IncidentInvestigating, aims.IncidentCorrectiveAction, aims.IncidentVerified}}))
}

// openReportsOf counts the incidents client's problem reports opened that
// are not closed yet, and forgets closed ones: of every client once more
// are remembered than can be open, so what is kept stays within a few
// times maxOpenReports. s.reportMu is held.
func (s *service) openReportsOf(client string) int {
	total := 0
	for _, ids := range s.reportsBy {
		total += len(ids)
	}
	for c, ids := range s.reportsBy {
		if c != client && total <= 2*maxOpenReports {
			continue
		}
		open := ids[:0]
		for _, id := range ids {
			if inc, ok := s.incidents.Get(id); ok && inc.State != aims.IncidentClosed {
				open = append(open, id)
			}
		}
		if len(open) == 0 {
			delete(s.reportsBy, c)
		} else {
			s.reportsBy[c] = open
		}
	}
	return len(s.reportsBy[client])
}

// sources returns the FAQ passage retrieved for message: what the answer
// must rest on (groundedness).
func sources(message string) []string {
	if e := retrieve(message); e != nil {
		return []string{e.passage}
	}
	return nil
}

// heldText gives a reviewer the text of the response held in a ticket.
// The gate records the ticket's decision in the ledger and the telemetry,
// which keep only the response's digest (genai.CaptureDigests): reviewers
// read the text here, behind their authentication, from the service's
// store of held responses.
func (s *service) heldText(w http.ResponseWriter, r *http.Request) {
	rev, err := s.reviewers.Authenticate(r)
	if err != nil || !slices.Contains(rev.Roles, "reviewer") {
		http.Error(w, "reviewers only", http.StatusUnauthorized)
		return
	}
	ticket := r.PathValue("ticket")
	h, responseID, ok := s.convs.heldByTicket(ticket)
	if !ok || h.reviewText == "" {
		http.Error(w, "no held response in this ticket", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(heldTextReply{TicketID: ticket, ResponseID: responseID, Text: h.reviewText})
}

// heldTextReply is what a reviewer reads of a held response.
type heldTextReply struct {
	TicketID   string `json:"ticket_id"`
	ResponseID string `json:"response_id"`
	Text       string `json:"text"`
}
