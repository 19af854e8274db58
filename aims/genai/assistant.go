package genai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
)

// Holder holds a generated response for human review: it submits the
// turn's decision record (output HeldOutput) and returns the review
// ticket's ID. An adapter around oversight.Gate.Submit is the usual
// implementation (the gate then records the decision, and reviewers use
// its tickets, console and four-eyes rules); aims/genai does not import
// oversight, so that the dependency points from oversight to aims only.
// The decision names the response and conversation in its attributes
// (HoldAttrResponseID, HoldAttrConversationID), and Hold gets the turn's
// context. A Holder may refuse a hold (a bound on a client's pending
// holds, say) by returning an error: the turn is then blocked, never
// delivered unreviewed, and the record says so in its fallbacks.
// The decision is recorded (by the gate, in the ledger and the
// telemetry), so it carries the response's text only when the content
// policy lets records keep it (CaptureRedacted); a Holder that also
// implements ReviewTextHolder gets the text beside the decision, for its
// reviewers.
type Holder interface {
	Hold(ctx context.Context, d aims.Decision) (ticketID string, err error)
}

// ReviewTextHolder is a Holder that is also given the held response's
// text, for its reviewers: they cannot review a digest. The Assistant
// calls HoldForReview instead of Hold when its Holder implements it.
// text is the response as it would be delivered on approval
// (TurnResult.Held). Keep it where reviewers read it (the service's
// store of held responses, behind the reviewers' authentication), never
// in the decision or anything else that is recorded: under
// CaptureDigests the records keep none of the text.
type ReviewTextHolder interface {
	Holder
	HoldForReview(ctx context.Context, d aims.Decision, text string) (ticketID string, err error)
}

// The attributes of the decision a held response is submitted as that
// name what it is about, for a Holder that keeps or bounds holds per
// response or conversation. The decision also carries the response's
// digest, and, under CaptureRedacted only, its redacted text
// (HoldAttrRedacted).
const (
	// HoldAttrResponseID is the held response's ResponseID.
	HoldAttrResponseID = "genai.response_id"
	// HoldAttrConversationID is its conversation's ID.
	HoldAttrConversationID = "genai.conversation_id"
	// HoldAttrRedacted is the held response after Redact, set only under
	// CaptureRedacted: the decision is recorded.
	HoldAttrRedacted = "genai.response.redacted"
)

// HeldOutput is the Output of the decision a held response is submitted
// as: the proposal to deliver it. A reviewer's approval delivers it; a
// rejection withholds it.
const HeldOutput = "deliver"

// WithHolder sets where responses held by a guardrail go for review.
// Required when a guardrail's action is hold.
func WithHolder(h Holder) Option { return optionFunc(func(c *config) { c.holder = h }) }

// DefaultMaxPromptBytes bounds a message (16 KiB).
const DefaultMaxPromptBytes = 16 << 10

// WithMaxPromptBytes bounds the person's message in bytes (default 16 KiB);
// a longer one is refused with ErrPromptTooLarge before anything runs.
func WithMaxPromptBytes(n int) Option { return optionFunc(func(c *config) { c.maxPrompt = n }) }

// DefaultNotice is the interaction notice used without WithNotice.
const DefaultNotice = "You are chatting with an AI system, not a person. Its answers can be wrong; ask for a member of staff at any time."

// WithNotice sets the human-readable interaction notice (EU AI Act
// Art. 50(1)) given once per conversation: with the first turn result
// returned without error when there is a NoticeTracker
// (WithNoticeTracker), on turn 1 otherwise.
func WithNotice(text string) Option { return optionFunc(func(c *config) { c.notice = text }) }

// WithIncidentBook makes problem reports of harmful or false output open
// incidents in book (Feedback).
func WithIncidentBook(book *aims.IncidentBook) Option {
	return optionFunc(func(c *config) { c.incidents = book })
}

// The texts a person gets instead of the model's when a turn does not
// deliver it.
const (
	RefusalText = "I can't help with that request."
	HoldingText = "A member of staff is checking this answer before it is shown to you."
	FailureText = "Sorry, I can't answer right now. Please try again later."
)

// Errors for turns refused before anything runs. Nothing is recorded for
// them: there is no turn.
var (
	// ErrNoConversation: the turn (or feedback, or evaluation) has no
	// usable conversation ID: empty, or not a printable UTF-8 string of
	// at most MaxIDBytes bytes.
	ErrNoConversation = errors.New("genai: turn has no usable conversation ID")
	ErrEmptyMessage   = errors.New("genai: turn has an empty message")
	ErrInvalidUTF8    = errors.New("genai: message is not valid UTF-8")
	ErrPromptTooLarge = errors.New("genai: message is too large")
	// ErrTurnNumber: Turn.Number is negative, or not above the number
	// of the person's messages in Turn.History.
	ErrTurnNumber = errors.New("genai: turn number is inconsistent")
)

// Assistant runs conversation turns of one AI system under governance:
// guardrails, review holds, interaction records, the interaction notice.
// It is safe for concurrent use; it owns no goroutines beyond those of a
// running guardrail check.
type Assistant struct {
	sys          *aims.System
	client       *Client
	model        string
	systemPrompt string
	promptDigest string
	cfg          config
	tracer       trace.Tracer
	logger       log.Logger
	results      metric.Int64Counter
	// late counts, per guardrail rule (as in cfg.guardrails), the checks
	// still running after their time ran out (MaxLateChecks).
	late []atomic.Int64
}

// New returns an Assistant for sys that calls model through client with
// systemPrompt. Telemetry goes through sys's providers unless options
// choose others.
func New(sys *aims.System, client *Client, model, systemPrompt string, opts ...Option) (*Assistant, error) {
	if sys == nil || client == nil {
		return nil, errors.New("genai: New needs a System and a Client")
	}
	if model == "" {
		return nil, errors.New("genai: New needs the model name")
	}
	c := newConfig(opts)
	if !c.telSet[0] {
		c.tel.TP = sys.TracerProvider()
	}
	if !c.telSet[1] {
		c.tel.MP = sys.MeterProvider()
	}
	if !c.telSet[2] {
		c.tel.LP = sys.LoggerProvider()
	}
	if c.notice == "" {
		c.notice = DefaultNotice
	}
	if c.maxPrompt <= 0 {
		return nil, fmt.Errorf("genai: WithMaxPromptBytes(%d): the bound must be positive", c.maxPrompt)
	}
	if c.timeout <= 0 {
		return nil, fmt.Errorf("genai: WithGuardrailTimeout(%v): the bound must be positive", c.timeout)
	}
	if c.digestKey != nil && len(c.digestKey) < MinDigestKey {
		return nil, fmt.Errorf("genai: WithDigestKey: the key has %d bytes, at least %d are needed", len(c.digestKey), MinDigestKey)
	}
	if c.policy != CaptureDigests && c.policy != CaptureRedacted {
		return nil, fmt.Errorf("genai: unknown content policy %d", c.policy)
	}
	for _, r := range c.guardrails {
		if err := r.validate(); err != nil {
			return nil, err
		}
		if r.onFail == ActionHold && c.holder == nil {
			return nil, fmt.Errorf("genai: guardrail %s holds for review, but no Holder was given (WithHolder)", r.g.Name())
		}
	}
	results, err := c.tel.Meter(semconv.ScopeGenAI).Int64Counter(semconv.MetricGuardrailResults, metric.WithUnit("{check}"),
		metric.WithDescription("Guardrail checks by name, stage, verdict and action."))
	if err != nil {
		return nil, fmt.Errorf("genai: creating %s: %w", semconv.MetricGuardrailResults, err)
	}
	return &Assistant{
		sys: sys, client: client, model: model, systemPrompt: systemPrompt, promptDigest: Digest(systemPrompt),
		cfg: c, tracer: c.tel.Tracer(semconv.ScopeGenAI), logger: c.tel.Logger(semconv.ScopeGenAI), results: results,
		late: make([]atomic.Int64, len(c.guardrails)),
	}, nil
}

// Notice returns the interaction notice.
func (a *Assistant) Notice() string { return a.cfg.notice }

// SystemPromptDigest returns the digest of the system prompt, its version
// in every interaction record.
func (a *Assistant) SystemPromptDigest() string { return a.promptDigest }

// Turn is one message of a person in a conversation.
type Turn struct {
	// ConversationID identifies the conversation. Required.
	ConversationID string
	// Number is the turn's number in the conversation, 1 for the first,
	// as the service counts its turns (blocked ones too). It is recorded
	// as Interaction.Turn, and, without a NoticeTracker, turn 1 carries
	// the notice (with one, the tracker decides, whatever the number:
	// concurrent turns can finish out of order, and turn 1 can fail or
	// be refused). Give it: a
	// service that trims History or leaves blocked turns out of it cannot
	// have it counted from History. Zero means not given; the Assistant
	// then counts the person's messages in History and adds one (and
	// gives the notice when there are none: History is empty, or holds
	// only a greeting of the service's own), which stops counting once
	// History is trimmed. A negative number, or one not above the
	// person's messages in History, is refused with ErrTurnNumber.
	Number int
	// Message is the person's message: valid UTF-8, not empty, at most
	// the WithMaxPromptBytes bound.
	Message string
	// History is the conversation before this message, oldest first, as
	// the model may see it: it goes to the model as it is. The Assistant
	// checks only Message, so History must hold what earlier turns let
	// through, never the person's raw messages: append each earlier
	// turn's TurnResult.Messages (its Prompt, the message after input
	// redaction, and the reply; nothing for a turn blocked at input).
	// Without Number and without a NoticeTracker, no message of the
	// person's in it means this is the first turn, which carries the
	// notice.
	History []Message
	// Sources are documents the response should rest on (retrieved
	// passages), for groundedness checks.
	Sources []string
}

// TurnResult is what became of a turn.
type TurnResult struct {
	// ResponseID identifies the response; feedback refers to it. It is
	// aimskit's own ID, the interaction record's.
	ResponseID string
	// ProviderResponseID is the provider's ID of the model call's
	// completion (gen_ai.response.id), empty when the provider gave none
	// or no model call answered. Pass it with ResponseID in an Evaluation,
	// so that the evaluation event links to the model call.
	ProviderResponseID string
	// Text is what the person gets: the response (redacted if a
	// guardrail said so), a refusal, or the holding text.
	Text string
	// Prompt is the person's message as the model saw it: Turn.Message
	// after any input redaction. It is empty when the input stage blocked
	// the turn, so the model never saw the message. Keep this (or
	// Messages), never Turn.Message, in the History of later turns:
	// otherwise redacted or blocked input reaches the model on the next
	// turn. It is never recorded.
	Prompt string
	// Outcome is delivered, redacted, blocked, held or failed.
	Outcome Outcome
	// Notice is the interaction notice, given once per conversation,
	// empty otherwise. Show it to the person as it is, with Text. With a
	// NoticeTracker (WithNoticeTracker) it is on the first result of the
	// conversation returned without error, whatever the turn's number;
	// a result returned with an error (a failed model call) never
	// carries it. Without one it is on turn 1 (Turn.Number 1, or, when
	// Number is not given, no message of the person's in History).
	Notice string
	// Model is the model that answered.
	Model string
	// Held is the response waiting for review, for the service to keep
	// and deliver once a reviewer approves; empty unless Outcome is held.
	// It is never recorded.
	Held string
	// Record is the interaction record written.
	Record Record
}

// Messages returns what of this turn a service appends to the
// conversation's History for later turns: the person's message as the
// model saw it (Prompt) and the text the person got (Text). A turn
// blocked at input returns none: the model never saw its message, and a
// refusal on its own tells the model nothing. The result of a refused
// turn (an error and no ResponseID) returns none too.
func (r TurnResult) Messages() []Message {
	if r.Prompt == "" {
		return nil
	}
	return []Message{{Role: RoleUser, Content: r.Prompt}, {Role: RoleAssistant, Content: r.Text}}
}

// MaxIDBytes bounds the conversation and response IDs a client supplies:
// they go into every record, span and event of the turn.
const MaxIDBytes = 256

// checkID reports whether id is a usable identifier: not blank, valid
// UTF-8, no control characters, at most MaxIDBytes bytes.
func checkID(id string) bool {
	if strings.TrimSpace(id) == "" || len(id) > MaxIDBytes || !utf8.ValidString(id) {
		return false
	}
	return strings.IndexFunc(id, unicode.IsControl) < 0
}

func (a *Assistant) checkTurn(t *Turn) error {
	switch {
	case !checkID(t.ConversationID):
		return ErrNoConversation
	case !utf8.ValidString(t.Message):
		return ErrInvalidUTF8
	case len(t.Message) > a.cfg.maxPrompt:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrPromptTooLarge, len(t.Message), a.cfg.maxPrompt)
	case strings.TrimSpace(t.Message) == "":
		return ErrEmptyMessage
	case t.Number < 0:
		return fmt.Errorf("%w: %d is negative", ErrTurnNumber, t.Number)
	case t.Number > 0 && t.Number <= countTurns(t.History):
		return fmt.Errorf("%w: turn %d, but the history holds %d of the person's messages", ErrTurnNumber, t.Number, countTurns(t.History))
	}
	return nil
}

// number is the turn's number: Turn.Number when given, otherwise counted
// from the history.
func (t *Turn) number() int {
	if t.Number > 0 {
		return t.Number
	}
	return countTurns(t.History) + 1
}

// Turn runs one turn: input checks, the model call, output checks, the
// action of any failed check, and the interaction record. Refused input
// (ErrNoConversation, ErrInvalidUTF8, ErrPromptTooLarge, ErrEmptyMessage,
// ErrTurnNumber) returns before anything runs or is recorded. A failed
// model call is recorded (outcome failed) and returned as an error with
// the result. If
// the record cannot be written, Turn returns the error: do not deliver a
// response without its record. The record is written also when ctx is
// cancelled once the turn has run (the person went away): the model was
// called, and the record says what came of it.
func (a *Assistant) Turn(ctx context.Context, t Turn) (TurnResult, error) {
	if err := a.checkTurn(&t); err != nil {
		return TurnResult{}, err
	}
	ctx, span := a.tracer.Start(ctx, semconv.SpanGenAITurn, trace.WithAttributes(
		semconv.AimsSystemID.String(a.sys.ID()), semconv.GenAIConversationID.String(t.ConversationID)))
	defer span.End()

	rec, err := a.newRecord(ctx, RecordInteraction, t.ConversationID)
	if err != nil {
		return TurnResult{}, err
	}
	in := &Interaction{
		Turn: t.number(), Operation: OperationChat, Provider: a.client.Provider(),
		RequestModel: a.model, SystemPromptDigest: a.promptDigest, Prompt: a.capture(t.Message),
	}
	rec.Interaction = in
	in.ResponseID = rec.ID
	res := TurnResult{ResponseID: rec.ID, Model: a.model}
	message := t.Message
	action := a.runChecks(ctx, CheckInput{Stage: StageInput, ConversationID: t.ConversationID}, in, &message)
	var modelErr error
	switch action {
	case ActionBlock:
		in.Outcome, res.Text = OutcomeBlocked, RefusalText
	default:
		if action == ActionRedact {
			in.Outcome = OutcomeRedacted
		}
		res.Prompt = message
		modelErr = a.generate(ctx, &t, message, in, &res)
	}
	span.SetAttributes(semconv.AimsGenAIOutcome.String(string(in.Outcome)))
	if in.Outcome != OutcomeDelivered {
		content := a.capture(res.Text)
		in.Delivered = &content
	}
	res.Outcome = in.Outcome
	claimed := a.claimNotice(ctx, &t, in, &res, modelErr)
	if err := a.write(ctx, &rec); err != nil {
		if claimed {
			a.cfg.notices.ReleaseNotice(t.ConversationID)
		}
		span.SetStatus(codes.Error, err.Error())
		return TurnResult{}, err
	}
	if claimed {
		a.cfg.notices.ConfirmNotice(t.ConversationID)
	}
	res.Record = rec
	if modelErr != nil {
		span.SetStatus(codes.Error, modelErr.Error())
		return res, fmt.Errorf("genai: model call failed (recorded as %s): %w", rec.ID, modelErr)
	}
	return res, nil
}

// generate calls the model and runs the output checks, filling in and res.
func (a *Assistant) generate(ctx context.Context, t *Turn, message string, in *Interaction, res *TurnResult) error {
	msgs := make([]Message, 0, len(t.History)+1)
	msgs = append(append(msgs, t.History...), Message{Role: RoleUser, Content: message})
	resp, err := a.client.Generate(ctx, Request{Model: a.model, SystemPrompt: a.systemPrompt, Messages: msgs, ConversationID: t.ConversationID})
	if err != nil {
		in.Outcome, in.ErrorType, res.Text = OutcomeFailed, errorType(err), FailureText
		return err
	}
	res.Model = resp.Model
	if checkID(resp.ID) {
		res.ProviderResponseID, in.ProviderResponseID = resp.ID, resp.ID
	} else if resp.ID != "" {
		in.Fallbacks = append(in.Fallbacks, "the provider's response ID is not a usable ID; not recorded")
	}
	in.ResponseModel, in.FinishReasons, in.Usage = resp.Model, resp.FinishReasons, resp.Usage
	for _, tc := range resp.ToolCalls {
		in.ToolCalls = append(in.ToolCalls, tc.Name)
	}
	content := a.capture(resp.Text)
	in.Response = &content
	text := resp.Text
	action := a.runChecks(ctx, CheckInput{Stage: StageOutput, ConversationID: t.ConversationID,
		Prompt: message, Sources: t.Sources}, in, &text)
	switch action {
	case ActionBlock:
		in.Outcome, res.Text = OutcomeBlocked, RefusalText
	case ActionHold:
		review, err := a.hold(ctx, t.ConversationID, in, text)
		if err != nil {
			// Fail closed: a response that should be reviewed and cannot
			// be is not delivered.
			in.Fallbacks = append(in.Fallbacks, "hold for review failed ("+errorType(err)+"); blocked instead")
			in.Outcome, res.Text = OutcomeBlocked, RefusalText
			return nil
		}
		in.Review, in.Outcome, res.Text, res.Held = review, OutcomeHeld, HoldingText, text
	case ActionRedact:
		in.Outcome, res.Text = OutcomeRedacted, text
	default:
		if in.Outcome == "" {
			in.Outcome = OutcomeDelivered
		}
		res.Text = text
	}
	return nil
}

// hold submits the held response as a decision through the Holder. The
// decision carries the response's digest (keyed with WithDigestKey, like
// every digest of the conversation: the gate records the decision), and
// its redacted text only under CaptureRedacted: the decision reaches the
// ledger and the telemetry, which under CaptureDigests keep none of the
// text. Reviewers get the text from a ReviewTextHolder, beside the
// decision.
func (a *Assistant) hold(ctx context.Context, conversationID string, in *Interaction, text string) (*Review, error) {
	var failed []string
	for _, g := range in.Guardrails {
		if g.Action == ActionHold {
			failed = append(failed, g.Name)
		}
	}
	attrs := map[string]string{
		HoldAttrResponseID:      in.ResponseID,
		HoldAttrConversationID:  conversationID,
		"genai.response.digest": keyedDigest(a.cfg.digestKey, text),
		"genai.guardrails.hold": strings.Join(failed, ","),
		"genai.system_prompt":   a.promptDigest,
		"genai.request_model":   in.RequestModel,
	}
	if a.cfg.policy == CaptureRedacted {
		attrs[HoldAttrRedacted], _ = Redact(text)
	}
	d, err := a.sys.NewDecision(ctx, aims.Draft{Output: HeldOutput, Attributes: attrs})
	if err != nil {
		return nil, err
	}
	var ticket string
	if rh, ok := a.cfg.holder.(ReviewTextHolder); ok {
		ticket, err = rh.HoldForReview(ctx, d, text)
	} else {
		ticket, err = a.cfg.holder.Hold(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	if ticket == "" {
		return nil, errors.New("genai: the Holder returned no ticket")
	}
	return &Review{TicketID: ticket, DecisionID: d.ID}, nil
}

// capture is what the content policy keeps of text, digested with the
// digest key if there is one.
func (a *Assistant) capture(text string) Content { return a.cfg.policy.capture(a.cfg.digestKey, text) }

// countTurns counts the person's messages in history.
func countTurns(history []Message) int {
	n := 0
	for _, m := range history {
		if m.Role == RoleUser {
			n++
		}
	}
	return n
}
