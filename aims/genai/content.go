package genai

import (
	"crypto/hmac"
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
	// sent it or the model returned it, before any redaction; with
	// WithDigestKey, "hmac-sha256:" and the keyed digest.
	Digest string `json:"digest"`
	// Length is the text's length in characters (runes).
	Length int `json:"length"`
	// Redacted is the text after Redact, only under CaptureRedacted.
	Redacted string `json:"redacted,omitempty"`
	// Redactions counts what Redact replaced, only under CaptureRedacted.
	Redactions *Redactions `json:"redactions,omitempty"`
}

// Capture returns what policy p keeps of text, with an unkeyed digest.
func (p ContentPolicy) Capture(text string) Content { return p.capture(nil, text) }

// capture is Capture with the digest keyed by key when key is set.
func (p ContentPolicy) capture(key []byte, text string) Content {
	c := Content{Digest: keyedDigest(key, text), Length: utf8.RuneCountInString(text)}
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

// MinDigestKey is the shortest key WithDigestKey accepts (128 bits).
const MinDigestKey = 16

// WithDigestKey makes the digests of prompts, responses and comments
// keyed: "hmac-sha256:" and the hex HMAC-SHA-256 under key. An unkeyed
// digest of a short, guessable text (a card number alone, "yes") can be
// confirmed by anyone who reads the records and guesses the text; a keyed
// one only by who holds the key. The system prompt's digest stays
// unkeyed: it names a version, not a person's words. Keep the key in the
// service's secret store, beside the pseudonymisation key.
func WithDigestKey(key []byte) Option {
	return optionFunc(func(c *config) { c.digestKey = append([]byte(nil), key...) })
}

// keyedDigest is Digest without key, an HMAC-SHA-256 digest with one.
func keyedDigest(key []byte, s string) string {
	if key == nil {
		return Digest(s)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}
