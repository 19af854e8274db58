package aims

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/dunglas/httpsfv"
)

// DisclosureKind is what a person is told about the AI involved.
type DisclosureKind string

// The kinds of AI disclosure (EU AI Act Art. 50 and Art. 86; ISO/IEC 42001
// A.8.2).
const (
	// DisclosureInteraction: the person is interacting with an AI system
	// (Art. 50(1)), e.g. a chat assistant.
	DisclosureInteraction DisclosureKind = "interaction"
	// DisclosureAutomatedDecision: a decision about the person was made or
	// prepared by an AI system (Art. 86, GDPR Art. 22).
	DisclosureAutomatedDecision DisclosureKind = "automated-decision"
	// DisclosureGeneratedContent: the content was generated or manipulated
	// by an AI system (Art. 50(2) and (4)).
	DisclosureGeneratedContent DisclosureKind = "generated-content"
	// DisclosureEmotionRecognition: the person is exposed to an emotion
	// recognition system, which the deployer must tell them is in
	// operation (Art. 50(3)).
	DisclosureEmotionRecognition DisclosureKind = "emotion-recognition"
	// DisclosureBiometricCategorisation: the person is exposed to a
	// biometric categorisation system, which the deployer must tell them
	// is in operation (Art. 50(3)).
	DisclosureBiometricCategorisation DisclosureKind = "biometric-categorisation"
)

// valid reports whether k is one of the kinds above.
func (k DisclosureKind) valid() bool {
	switch k {
	case DisclosureInteraction, DisclosureAutomatedDecision, DisclosureGeneratedContent,
		DisclosureEmotionRecognition, DisclosureBiometricCategorisation:
		return true
	}
	return false
}

// ContentMode is the degree of AI involvement in a response, using the
// mode vocabulary of the AI-Disclosure HTTP header Internet-Draft
// (draft-abaris-aicdh).
type ContentMode string

// The content modes of draft-abaris-aicdh.
const (
	// ModeNone: no AI was involved.
	ModeNone ContentMode = "none"
	// ModeAIModified: content made by people was changed with AI.
	ModeAIModified ContentMode = "ai-modified"
	// ModeAIOriginated: AI produced the content, which people may have
	// edited since.
	ModeAIOriginated ContentMode = "ai-originated"
	// ModeMachineGenerated: AI produced the content or decision without a
	// person shaping it.
	ModeMachineGenerated ContentMode = "machine-generated"
)

// DisclosureHeader is the HTTP response header field that carries a
// disclosure. Its name and its core keys (mode, model, provider,
// reviewed-by, date) follow the Internet-Draft "AI Content Disclosure
// Header" (draft-abaris-aicdh-01): an RFC 9651 Structured Fields
// Dictionary. aimskit adds three keys of its own, which parsers of the
// draft ignore as unknown dictionary members: kind (a token:
// interaction, automated-decision, generated-content, emotion-recognition
// or biometric-categorisation), system (the
// AI system's inventory ID) and info (a URL where the person learns more or
// contests the decision).
const DisclosureHeader = "AI-Disclosure"

// Disclosure describes what is disclosed to a person about the AI behind a
// response.
type Disclosure struct {
	// Kind is what is disclosed. Required.
	Kind DisclosureKind `json:"kind"`
	// SystemID is the AI system's inventory ID.
	SystemID string `json:"system_id,omitempty"`
	// Mode is the degree of AI involvement; when empty it is derived from
	// Kind: machine-generated for automated decisions, emotion recognition
	// and biometric categorisation (the AI's inference about the person),
	// ai-originated for interactions and generated content.
	Mode ContentMode `json:"mode,omitempty"`
	// Model names the model behind the response.
	Model string `json:"model,omitempty"`
	// Provider names who provides the model.
	Provider string `json:"provider,omitempty"`
	// ReviewedBy names who reviewed the content or decision, if anyone.
	ReviewedBy string `json:"reviewed_by,omitempty"`
	// Date is when the content was generated or the decision made; zero
	// means the time of the response.
	Date time.Time `json:"date,omitzero"`
	// Statement is the sentence shown to people, e.g. "You are chatting
	// with an AI assistant." A default is used when empty.
	Statement string `json:"statement,omitempty"`
	// InfoURL is where the person can learn more or contest the decision.
	InfoURL string `json:"info_url,omitempty"`
}

// Validate reports what is wrong with d: a missing or unknown kind or mode,
// or a value that cannot be carried in an HTTP structured field (only
// printable ASCII is allowed there).
func (d Disclosure) Validate() error {
	switch {
	case d.Kind == "":
		return errors.New("aims: disclosure has no kind")
	case !d.Kind.valid():
		return fmt.Errorf("aims: unknown disclosure kind %q (want interaction, automated-decision, generated-content, emotion-recognition or biometric-categorisation)", d.Kind)
	}
	switch d.Mode {
	case "", ModeNone, ModeAIModified, ModeAIOriginated, ModeMachineGenerated:
	default:
		return fmt.Errorf("aims: unknown disclosure mode %q", d.Mode)
	}
	for _, f := range []struct{ name, v string }{{"system_id", d.SystemID}, {"model", d.Model}, {"provider", d.Provider}, {"reviewed_by", d.ReviewedBy}, {"info_url", d.InfoURL}} {
		for i := 0; i < len(f.v); i++ {
			if f.v[i] < 0x20 || f.v[i] > 0x7e {
				return fmt.Errorf("aims: disclosure %s %q has a character that an HTTP structured field cannot carry (printable ASCII only)", f.name, f.v)
			}
		}
	}
	if d.InfoURL != "" {
		if u, err := url.Parse(d.InfoURL); err != nil || !u.IsAbs() {
			return fmt.Errorf("aims: disclosure info_url %q is not an absolute URL", d.InfoURL)
		}
	}
	return nil
}

// EffectiveMode returns Mode, or the mode implied by Kind when Mode is empty.
func (d Disclosure) EffectiveMode() ContentMode {
	if d.Mode != "" {
		return d.Mode
	}
	switch d.Kind {
	case DisclosureAutomatedDecision, DisclosureEmotionRecognition, DisclosureBiometricCategorisation:
		return ModeMachineGenerated
	}
	return ModeAIOriginated
}

// EffectiveStatement returns Statement, or a default sentence for Kind.
func (d Disclosure) EffectiveStatement() string {
	if d.Statement != "" {
		return d.Statement
	}
	switch d.Kind {
	case DisclosureInteraction:
		return "You are interacting with an AI system."
	case DisclosureAutomatedDecision:
		return "This decision was made with the help of an AI system. You can ask for human review and an explanation."
	case DisclosureEmotionRecognition:
		return "An emotion recognition system is in operation: an AI system infers emotions or intentions from your biometric data."
	case DisclosureBiometricCategorisation:
		return "A biometric categorisation system is in operation: an AI system assigns people to categories on the basis of their biometric data."
	default:
		return "This content was generated by an AI system."
	}
}

// HeaderValue serialises d as the AI-Disclosure header value, an RFC 9651
// Dictionary, with the date of the response when d.Date is zero. It fails
// when d holds a value that a structured field cannot carry; Validate
// names the field.
func (d Disclosure) HeaderValue(now time.Time) (string, error) {
	date := d.Date
	if date.IsZero() {
		date = now
	}
	dict := httpsfv.NewDictionary()
	add := func(key string, v any) {
		if v != "" {
			dict.Add(key, httpsfv.NewItem(v))
		}
	}
	add("mode", httpsfv.Token(d.EffectiveMode()))
	add("model", d.Model)
	add("provider", d.Provider)
	add("reviewed-by", d.ReviewedBy)
	add("date", date)
	add("kind", httpsfv.Token(d.Kind))
	add("system", d.SystemID)
	add("info", d.InfoURL)
	v, err := httpsfv.Marshal(dict)
	if err != nil {
		return "", fmt.Errorf("aims: disclosure cannot be written as an %s header: %w", DisclosureHeader, err)
	}
	return v, nil
}

// ParseDisclosureHeader parses an AI-Disclosure header value as written by
// HeaderValue: an RFC 9651 Dictionary whose known members are tokens,
// strings and a date (an integer date is accepted too). Unknown members
// and all parameters are ignored, as RFC 9651 asks of dictionary
// consumers; a known member of the wrong type is an error. It is meant for
// clients and tests.
func ParseDisclosureHeader(v string) (Disclosure, error) {
	dict, err := httpsfv.UnmarshalDictionary([]string{v})
	if err != nil {
		return Disclosure{}, fmt.Errorf("aims: %s header %q: %w", DisclosureHeader, v, err)
	}
	if len(dict.Names()) == 0 {
		return Disclosure{}, fmt.Errorf("aims: %s header is empty", DisclosureHeader)
	}
	var d Disclosure
	var mode, kind string
	for _, m := range []struct {
		key string
		dst *string
	}{{"mode", &mode}, {"kind", &kind}, {"model", &d.Model}, {"provider", &d.Provider},
		{"reviewed-by", &d.ReviewedBy}, {"system", &d.SystemID}, {"info", &d.InfoURL}} {
		if *m.dst, err = sfText(dict, m.key); err != nil {
			return Disclosure{}, err
		}
	}
	d.Mode, d.Kind = ContentMode(mode), DisclosureKind(kind)
	if m, ok := dict.Get("date"); ok {
		it, _ := m.(httpsfv.Item)
		switch t := it.Value.(type) {
		case time.Time:
			d.Date = t.UTC()
		case int64:
			d.Date = time.Unix(t, 0).UTC()
		default:
			return Disclosure{}, fmt.Errorf("aims: %s member date is not a date", DisclosureHeader)
		}
	}
	if d.Kind == "" {
		// A header from a producer that follows only the draft: content disclosure.
		d.Kind = DisclosureGeneratedContent
	}
	return d, nil
}

// sfText returns the dictionary member key, which must be a token or a
// string, or "" when the dictionary has no such member.
func sfText(dict *httpsfv.Dictionary, key string) (string, error) {
	m, ok := dict.Get(key)
	if !ok {
		return "", nil
	}
	if it, ok := m.(httpsfv.Item); ok {
		switch v := it.Value.(type) {
		case httpsfv.Token:
			return string(v), nil
		case string:
			return v, nil
		}
	}
	return "", fmt.Errorf("aims: %s member %s is not a token or a string", DisclosureHeader, key)
}
