package genai

import "context"

// Model is the one method aimskit needs of a language-model client. A
// service adapts its vendor SDK (or a local model) to it; aimskit depends
// on no vendor.
type Model interface {
	Generate(ctx context.Context, req Request) (Response, error)
}

// ModelFunc adapts a function to Model.
type ModelFunc func(ctx context.Context, req Request) (Response, error)

// Generate calls f.
func (f ModelFunc) Generate(ctx context.Context, req Request) (Response, error) { return f(ctx, req) }

// Role says who wrote a message.
type Role string

// The message roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one message of a conversation.
type Message struct {
	// Role says who wrote it.
	Role Role
	// Content is the text.
	Content string
}

// Request is one model operation.
type Request struct {
	// Operation is the gen_ai.operation.name: chat (the default),
	// text_completion, generate_content, embeddings, …
	Operation string
	// Model is the model requested (gen_ai.request.model). Required.
	Model string
	// SystemPrompt is the system instruction the operation runs with.
	SystemPrompt string
	// Messages is the conversation so far, the newest last.
	Messages []Message
	// MaxTokens bounds the response, 0 for the model's default.
	MaxTokens int
	// ConversationID identifies the conversation (gen_ai.conversation.id).
	ConversationID string
}

// Response is what the model returned.
type Response struct {
	// ID is the provider's response ID (gen_ai.response.id), if any.
	ID string
	// Model is the model that answered (gen_ai.response.model); empty
	// means the one requested.
	Model string
	// Text is the generated text.
	Text string
	// FinishReasons says why generation stopped, one per choice ("stop",
	// "length", "content_filter", "tool_calls").
	FinishReasons []string
	// Usage is the token usage, nil when the client does not report it
	// (then no token metric is recorded, as the conventions require).
	Usage *Usage
	// ToolCalls are the tools the model called while answering.
	ToolCalls []ToolCall
}

// Usage is a model operation's token usage, billable tokens where the
// provider reports both.
type Usage struct {
	// InputTokens is gen_ai.usage.input_tokens.
	InputTokens int `json:"input_tokens"`
	// OutputTokens is gen_ai.usage.output_tokens.
	OutputTokens int `json:"output_tokens"`
}

// ToolCall is one tool the model called.
type ToolCall struct {
	// Name is the tool's name. The interaction record lists it (tool_calls);
	// no span carries it, since the GenAI conventions put gen_ai.tool.name
	// on the execute_tool span of the code that runs the tool.
	Name string
	// ID is the provider's call ID, if any.
	ID string
}
