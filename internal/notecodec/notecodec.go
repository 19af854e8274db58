// Package notecodec checks the base64 of signed notes (golang.org/x/mod/sumdb/note:
// signature lines and keys) for their one canonical spelling, which the
// note package does not: it decodes leniently, so one signature or key
// could be written several ways, and a log or witness would then hold
// different bytes for the same thing.
package notecodec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// DecodeBase64 decodes s as standard padded base64 (RFC 4648 §4), the
// encoding of signed-note signatures and keys and of checkpoint root
// hashes (C2SP tlog-checkpoint), and accepts only its canonical spelling:
// the strict decoder refuses non-zero padding bits, and the round trip
// refuses the CR and LF it would still skip.
func DecodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("not canonical standard base64")
	}
	return b, nil
}

// CheckKeyEncoding refuses a signed-note key ("name+hash+base64") whose
// key part is not canonical base64: note.NewVerifier and note.NewSigner
// decode it leniently.
func CheckKeyEncoding(key string) error {
	// The name has no '+' and the hash is hex; the key's base64 may
	// hold '+'.
	_, rest, ok := strings.Cut(key, "+")
	_, key64, ok2 := strings.Cut(rest, "+")
	if !ok || !ok2 {
		return errors.New("no key part")
	}
	if _, err := DecodeBase64(key64); err != nil {
		return fmt.Errorf("key part is not canonical standard base64: %v", err)
	}
	return nil
}

// CheckSignatureLines checks that b is one or more signed-note signature
// lines, "— name base64\n", each signature in canonical base64 and long
// enough to hold the 4-byte key hash and a signature: the form of a
// witness's cosignatures (C2SP tlog-cosignature).
func CheckSignatureLines(b []byte) error {
	if len(b) == 0 {
		return errors.New("no signature line")
	}
	if b[len(b)-1] != '\n' {
		return errors.New("signature lines that do not end with a newline")
	}
	for i, line := range strings.Split(string(b[:len(b)-1]), "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		name, sig, ok2 := strings.Cut(rest, " ")
		raw, err := DecodeBase64(sig)
		if !ok || !ok2 || name == "" || strings.ContainsAny(name, "+ \t") || err != nil || len(raw) < 5 {
			return fmt.Errorf("line %d is not a signature line: %.80q", i+1, line)
		}
	}
	return nil
}
