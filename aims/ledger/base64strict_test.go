package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/internal/notecodec"
)

// respell returns another spelling of the padded base64 s that a
// non-strict decoder reads as the same bytes: the last character before
// the padding with one of its unused low bits set.
func respell(t *testing.T, s string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(s, '=') - 1
	if i < 0 {
		t.Fatalf("%q has no padding", s)
	}
	out := s[:i] + string(alphabet[strings.IndexByte(alphabet, s[i])^1]) + s[i+1:]
	a, errA := base64.StdEncoding.DecodeString(s)
	b, errB := base64.StdEncoding.DecodeString(out)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("respelling %q as %q changes the bytes", s, out)
	}
	return out
}

// TestBase64IsStrict: C2SP tlog-checkpoint and signed-note spell the root
// hash, signatures and keys in standard base64, one spelling per value.
// A second spelling of the same bytes (non-zero padding bits, a CR the
// decoder skips) is refused, so a checkpoint, a cosignature or a key has
// one form that byte comparisons and deduplication can rely on.
func TestBase64IsStrict(t *testing.T) {
	root := sha256.Sum256([]byte("root"))
	c := Checkpoint{Origin: "aimskit.ledger/sys/pod", Size: 5, Root: root}
	text := c.Text()
	if _, err := ParseCheckpoint(text); err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(root[:])
	for name, bad := range map[string]string{
		"padding bits":    respell(t, enc),
		"carriage return": enc[:10] + "\r" + enc[10:],
	} {
		if got, err := ParseCheckpoint(strings.Replace(text, enc, bad, 1)); err == nil {
			t.Errorf("root hash with %s accepted: %+v", name, got)
		}
	}

	skey, vkey, err := GenerateKey("aimskit.ledger/sys/pod")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := SignCheckpoint(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(msg, v); err != nil {
		t.Fatal(err)
	}
	sigs := msg[bytes.Index(msg, []byte("\n\n"))+2:]
	sig := strings.TrimSuffix(string(sigs[strings.LastIndexByte(string(sigs[:len(sigs)-1]), ' ')+1:]), "\n")
	respelled := bytes.Replace(msg, []byte(sig), []byte(respell(t, sig)), 1)
	if got, err := OpenCheckpoint(respelled, v); err == nil {
		t.Errorf("signature with padding bits set accepted: %+v", got)
	}
	if err := notecodec.CheckSignatureLines(sigs); err != nil {
		t.Fatal(err)
	}
	if err := notecodec.CheckSignatureLines(bytes.Replace(sigs, []byte(sig), []byte(respell(t, sig)), 1)); err == nil {
		t.Error("cosignature line with padding bits set accepted")
	}

	// Ed25519 keys are 33 bytes, 44 characters without padding; the
	// decoder still skips a CR inside them.
	if _, err := NewVerifier(vkey[:len(vkey)-5] + "\r" + vkey[len(vkey)-5:]); err == nil {
		t.Error("verifier key with a CR inside accepted")
	}
	if _, err := NewSigner(skey[:len(skey)-5] + "\r" + skey[len(skey)-5:]); err == nil {
		t.Error("signing key with a CR inside accepted")
	}
}
