package witness

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aimskit/aimskit/internal/notecodec"
)

// respell returns another spelling of the padded base64 s that a
// non-strict decoder reads as the same bytes.
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

// TestBase64IsStrict: a cosignature or a witness key in a second base64
// spelling of the same bytes is refused by the client and the policy.
func TestBase64IsStrict(t *testing.T) {
	w := newCosigner(t, "w.example/a")
	msg := testCheckpoint(t, 9)
	line := string(w.cosign(t, msg))
	sig := strings.TrimSuffix(line[strings.LastIndexByte(line, ' ')+1:], "\n")
	bad := strings.Replace(line, sig, respell(t, sig), 1)
	if err := notecodec.CheckSignatureLines([]byte(line)); err != nil {
		t.Fatal(err)
	}
	if err := notecodec.CheckSignatureLines([]byte(bad)); err == nil {
		t.Error("cosignature line with padding bits set accepted")
	}

	p, err := ParsePolicy([]byte("witness a " + w.vkey + "\nquorum a\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Satisfied(append(append([]byte(nil), msg...), line...)); err != nil {
		t.Fatal(err)
	}
	if err := p.Satisfied(append(append([]byte(nil), msg...), bad...)); err == nil {
		t.Error("policy satisfied by a cosignature with padding bits set")
	}

	crKey := w.vkey[:len(w.vkey)-5] + "\r" + w.vkey[len(w.vkey)-5:]
	if _, err := NewClient("a", "http://127.0.0.1:7001", WithCosignerKey(crKey)); err == nil {
		t.Error("cosigner key with a CR inside accepted")
	}
	// strings.Fields splits a policy line at a CR, so a CR cannot get
	// into a policy key; the key check is the same function.
	if err := notecodec.CheckKeyEncoding(crKey); err == nil {
		t.Error("checkKeyEncoding accepted a key with a CR inside")
	}
}
