package aims

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
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
)

// ContentMode is the degree of AI involvement in a response, using the
// mode vocabulary of the AI-Disclosure HTTP header Internet-Draft
// (draft-abaris-aicdh).
type ContentMode string

// The content modes of draft-abaris-aicdh.
const (
	ModeNone             ContentMode = "none"
	ModeAIModified       ContentMode = "ai-modified"
	ModeAIOriginated     ContentMode = "ai-originated"
	ModeMachineGenerated ContentMode = "machine-generated"
)

// DisclosureHeader is the HTTP response header field that carries a
// disclosure. Its name and its core keys (mode, model, provider,
// reviewed-by, date) follow the Internet-Draft "AI Content Disclosure
// Header" (draft-abaris-aicdh-01): an RFC 9651 Structured Fields
// Dictionary. aimskit adds three keys of its own, which parsers of the
// draft ignore as unknown dictionary members: kind (a token:
// interaction, automated-decision or generated-content), system (the
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
	// Kind (generated content: ai-originated; otherwise machine-generated
	// for automated decisions and ai-originated for interactions).
	Mode ContentMode `json:"mode,omitempty"`
	// Model and Provider name the model and who provides it.
	Model    string `json:"model,omitempty"`
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
	switch d.Kind {
	case DisclosureInteraction, DisclosureAutomatedDecision, DisclosureGeneratedContent:
	case "":
		return errors.New("aims: disclosure has no kind")
	default:
		return fmt.Errorf("aims: unknown disclosure kind %q", d.Kind)
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
	if d.Kind == DisclosureAutomatedDecision {
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
	default:
		return "This content was generated by an AI system."
	}
}

// HeaderValue serialises d as the AI-Disclosure header value, an RFC 9651
// Dictionary, with the date of the response when d.Date is zero.
func (d Disclosure) HeaderValue(now time.Time) string {
	var b strings.Builder
	b.WriteString("mode=")
	b.WriteString(string(d.EffectiveMode()))
	writeSFString(&b, "model", d.Model)
	writeSFString(&b, "provider", d.Provider)
	writeSFString(&b, "reviewed-by", d.ReviewedBy)
	date := d.Date
	if date.IsZero() {
		date = now
	}
	b.WriteString(", date=@")
	b.WriteString(strconv.FormatInt(date.Unix(), 10))
	b.WriteString(", kind=")
	b.WriteString(string(d.Kind))
	writeSFString(&b, "system", d.SystemID)
	writeSFString(&b, "info", d.InfoURL)
	return b.String()
}

// writeSFString appends `, key="value"` as an RFC 9651 sf-string
// (section 4.1.6: backslash and DQUOTE escaped), skipping empty values.
func writeSFString(b *strings.Builder, key, v string) {
	if v == "" {
		return
	}
	b.WriteString(", ")
	b.WriteString(key)
	b.WriteString(`="`)
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// ParseDisclosureHeader parses an AI-Disclosure header value as written by
// HeaderValue: an RFC 9651 Dictionary of tokens, strings, dates and
// integers. Unknown keys and parameters are ignored, as RFC 9651 asks of
// dictionary consumers. It is meant for clients and tests.
func ParseDisclosureHeader(v string) (Disclosure, error) {
	var d Disclosure
	p := sfParser{s: v}
	seen := false
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		key, err := p.key()
		if err != nil {
			return Disclosure{}, err
		}
		var val sfItem
		if p.peek() == '=' {
			p.i++
			if val, err = p.item(); err != nil {
				return Disclosure{}, fmt.Errorf("aims: AI-Disclosure member %q: %w", key, err)
			}
		} else {
			val = sfItem{kind: 'b', b: true}
		}
		p.skipParams()
		seen = true
		switch key {
		case "mode":
			d.Mode = ContentMode(val.str)
		case "kind":
			d.Kind = DisclosureKind(val.str)
		case "model":
			d.Model = val.str
		case "provider":
			d.Provider = val.str
		case "reviewed-by":
			d.ReviewedBy = val.str
		case "system":
			d.SystemID = val.str
		case "info":
			d.InfoURL = val.str
		case "date":
			if val.kind != '@' && val.kind != 'i' {
				return Disclosure{}, errors.New("aims: AI-Disclosure date is not a date")
			}
			d.Date = time.Unix(val.n, 0).UTC()
		}
		p.skipSpace()
		if p.done() {
			break
		}
		if p.peek() != ',' {
			return Disclosure{}, fmt.Errorf("aims: AI-Disclosure: expected ',' at offset %d", p.i)
		}
		p.i++
	}
	if !seen {
		return Disclosure{}, errors.New("aims: AI-Disclosure header is empty")
	}
	if d.Kind == "" {
		// A header from a producer that follows only the draft: content disclosure.
		d.Kind = DisclosureGeneratedContent
	}
	return d, nil
}

type sfItem struct {
	kind byte // 't' token, 's' string, 'i' integer, '@' date, 'b' boolean
	str  string
	n    int64
	b    bool
}

// sfParser is a small parser for the subset of RFC 9651 section 4.2 used
// by the AI-Disclosure dictionary.
type sfParser struct {
	s string
	i int
}

func (p *sfParser) done() bool { return p.i >= len(p.s) }
func (p *sfParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}
func (p *sfParser) skipSpace() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *sfParser) key() (string, error) {
	start := p.i
	c := p.peek()
	if !(c >= 'a' && c <= 'z') && c != '*' {
		return "", fmt.Errorf("aims: AI-Disclosure: bad key at offset %d", p.i)
	}
	for !p.done() {
		c := p.s[p.i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) item() (sfItem, error) {
	c := p.peek()
	switch {
	case c == '"':
		p.i++
		var b strings.Builder
		for !p.done() {
			c := p.s[p.i]
			p.i++
			switch {
			case c == '\\':
				if p.done() || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
					return sfItem{}, errors.New("bad escape in string")
				}
				b.WriteByte(p.s[p.i])
				p.i++
			case c == '"':
				return sfItem{kind: 's', str: b.String()}, nil
			case c < 0x20 || c > 0x7e:
				return sfItem{}, errors.New("non-printable character in string")
			default:
				b.WriteByte(c)
			}
		}
		return sfItem{}, errors.New("unterminated string")
	case c == '@' || c == '-' || (c >= '0' && c <= '9'):
		kind := byte('i')
		if c == '@' {
			kind = '@'
			p.i++
		}
		start := p.i
		if p.peek() == '-' {
			p.i++
		}
		for !p.done() && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil {
			return sfItem{}, fmt.Errorf("bad integer %q", p.s[start:p.i])
		}
		return sfItem{kind: kind, n: n}, nil
	case c == '?':
		p.i++
		switch p.peek() {
		case '0', '1':
			b := p.peek() == '1'
			p.i++
			return sfItem{kind: 'b', b: b}, nil
		}
		return sfItem{}, errors.New("bad boolean")
	case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*':
		start := p.i
		for !p.done() {
			c := p.s[p.i]
			if c == ',' || c == ';' || c == ' ' || c == '\t' || c == '"' || c == '=' {
				break
			}
			p.i++
		}
		return sfItem{kind: 't', str: p.s[start:p.i]}, nil
	}
	return sfItem{}, fmt.Errorf("unexpected %q", c)
}

// skipParams skips ";key=value" parameters, which aimskit does not use.
func (p *sfParser) skipParams() {
	for p.peek() == ';' {
		p.i++
		p.skipSpace()
		if _, err := p.key(); err != nil {
			return
		}
		if p.peek() == '=' {
			p.i++
			if _, err := p.item(); err != nil {
				return
			}
		}
	}
}
