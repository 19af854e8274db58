package genai

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// ContentPolicy says how much of prompts and responses enters records and
// telemetry. The zero value, CaptureDigests, keeps none of the text.
type ContentPolicy int

const (
	// CaptureDigests keeps a SHA-256 digest and the length of each text,
	// never the text: enough to prove later which text a record is about
	// (the service holds the text, or the person shows it), nothing to
	// leak. The default.
	CaptureDigests ContentPolicy = iota
	// CaptureRedacted also keeps the text after Redact has replaced
	// e-mail addresses, phone numbers, IBANs and card numbers. Opt in only
	// where the records' readers may see conversation content.
	CaptureRedacted
)

// WithContentPolicy sets what of prompts and responses an Assistant keeps
// in its records (default CaptureDigests).
func WithContentPolicy(p ContentPolicy) Option {
	return optionFunc(func(c *config) { c.policy = p })
}

// Content is what a record keeps of one text.
type Content struct {
	// Digest is "sha256:" and the hex SHA-256 of the text as the person
	// sent it or the model returned it, before any redaction.
	Digest string `json:"digest"`
	// Length is the text's length in characters (runes).
	Length int `json:"length"`
	// Redacted is the text after Redact, only under CaptureRedacted.
	Redacted string `json:"redacted,omitempty"`
	// Redactions counts what Redact replaced, only under CaptureRedacted.
	Redactions *Redactions `json:"redactions,omitempty"`
}

// Capture returns what policy p keeps of text.
func (p ContentPolicy) Capture(text string) Content {
	c := Content{Digest: Digest(text), Length: utf8.RuneCountInString(text)}
	if p == CaptureRedacted {
		red, n := Redact(text)
		c.Redacted = red
		if n.Total() > 0 {
			c.Redactions = &n
		}
	}
	return c
}

// Digest returns "sha256:" and the hex SHA-256 of s, the form digests
// take in aimskit's records.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
