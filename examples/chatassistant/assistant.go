package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/inventory"
)

const (
	modelName    = "tiny-faq-1"
	providerName = "example.local"
)

// assistant is the chat service: a fake model behind two disclosers, one
// for the interaction (the person is talking to an AI) and one for the
// generated text.
type assistant struct {
	interaction *aims.Discloser
	generated   *aims.Discloser
	reg         *inventory.Registration
	tracer      trace.Tracer
	model       fakeModel
}

func newAssistant(ctx context.Context, opts ...aims.SystemOption) (*assistant, error) {
	// The registration is the system handle; the disclosers are made from it.
	reg, err := inventory.Register(ctx, inventory.System{
		ID: "support-chat", Name: "Customer support assistant", Version: "0.3.0",
		Purpose:         "Answer customers' questions about opening hours, fees and branches.",
		IntendedUse:     "Customer self-service on the website; hands over to staff on request.",
		Owner:           "Customer Service",
		ValueChainRoles: []inventory.ValueChainRole{inventory.RoleDeployer},
		Models:          []inventory.Model{{Name: modelName, Version: "1", Type: "retrieval FAQ model", Provider: providerName}},
		UseCase:         &inventory.UseCase{Domain: inventory.DomainOther, Function: inventory.FunctionOther, InteractsWithPeople: true, GeneratesContent: true},
		Lifecycle:       inventory.StageDeployed,
	}, inventory.WithRegistry(inventory.NewRegistry()), inventory.WithHeartbeatInterval(0),
		inventory.WithSystemOptions(opts...))
	if err != nil {
		return nil, err
	}
	interaction, err := reg.NewDiscloser(aims.Disclosure{
		Kind: aims.DisclosureInteraction, Model: modelName, Provider: providerName,
		Statement: "You are chatting with an AI assistant, not a person. Ask for a human at any time.",
	})
	if err != nil {
		return nil, errors.Join(err, reg.Close(ctx))
	}
	generated, err := reg.NewDiscloser(aims.Disclosure{Kind: aims.DisclosureGeneratedContent, Model: modelName, Provider: providerName})
	if err != nil {
		return nil, errors.Join(err, reg.Close(ctx))
	}
	return &assistant{
		interaction: interaction, generated: generated, reg: reg,
		tracer: reg.TracerProvider().Tracer("github.com/aimskit/aimskit/examples/chatassistant"),
	}, nil
}

// Close stops the inventory registration.
func (a *assistant) Close(ctx context.Context) error { return a.reg.Close(ctx) }

func (a *assistant) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/chat", a.interaction.Middleware(http.HandlerFunc(a.chat)))
	return mux
}

type chatRequest struct {
	ConversationID string `json:"conversation_id"`
	Message        string `json:"message"`
}

type chatResponse struct {
	ResponseID string `json:"response_id"`
	Reply      string `json:"reply"`
	Model      string `json:"model"`
}

func (a *assistant) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<14)).Decode(&req); err != nil || strings.TrimSpace(req.Message) == "" {
		http.Error(w, `send {"conversation_id": "...", "message": "..."}`, http.StatusBadRequest)
		return
	}
	ctx, span := a.tracer.Start(r.Context(), "chat "+modelName, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			semconv.GenAIOperationName.String("chat"),
			semconv.GenAIProviderName.String(providerName),
			semconv.GenAIRequestModel.String(modelName),
			semconv.GenAIConversationID.String(req.ConversationID),
		))
	defer span.End()
	reply := a.model.Reply(req.Message)
	id := uuid.NewString()
	span.SetAttributes(semconv.GenAIResponseModel.String(modelName), semconv.GenAIResponseID.String(id),
		semconv.AimsSystemID.String(a.reg.ID()))

	// Generated text carries its own marking wherever it is copied to.
	marked := a.generated.MarkText(ctx, reply)
	body, err := json.Marshal(chatResponse{ResponseID: id, Reply: marked, Model: modelName})
	if err == nil {
		body, err = a.generated.AttachJSON(ctx, body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// fakeModel answers from a small FAQ; it stands in for a hosted LLM.
type fakeModel struct{}

var faq = []struct{ keywords, answer string }{
	{"hour open close", "Our branches are open Monday to Friday, 9:00 to 17:00."},
	{"fee cost charge price", "Account management is free; transfers abroad cost EUR 2."},
	{"loan credit borrow", "You can apply for a loan online; a credit officer reviews every refusal."},
	{"human person staff agent", "I will connect you with a member of staff."},
}

// Reply returns the FAQ answer sharing the most keywords with message.
func (fakeModel) Reply(message string) string {
	words := strings.Fields(strings.ToLower(message))
	best, bestScore := "I am not sure. Would you like to talk to a member of staff?", 0
	for _, f := range faq {
		score := 0
		for _, w := range words {
			w = strings.Trim(w, "?!.,")
			for _, k := range strings.Fields(f.keywords) {
				if strings.HasPrefix(w, k) {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = f.answer, score
		}
	}
	return fmt.Sprint(best)
}
