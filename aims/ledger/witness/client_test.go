package witness

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/ledger"
)

// cosigner is a witness key for tests: it signs cosignature/v1.
type cosigner struct {
	name   string
	signer note.Signer
	vkey   string // cosignature/v1 verifier key, as litewitness prints it
}

func newCosigner(t testing.TB, name string) cosigner {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := fnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return cosigner{name: name, signer: s, vkey: cv}
}

// cosign returns c's cosignature line on the signed note msg.
func (c cosigner) cosign(t testing.TB, msg []byte) []byte {
	t.Helper()
	n, err := note.Open(msg, anyVerifier{})
	var unverified *note.UnverifiedNoteError
	if errors.As(err, &unverified) {
		n = unverified.Note
	} else if err != nil {
		t.Fatal(err)
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, c.signer)
	if err != nil {
		t.Fatal(err)
	}
	return signed[bytes.LastIndex(signed, []byte("\n\n"))+2:]
}

// anyVerifier knows no key: opening a note with it only parses it.
type anyVerifier struct{}

func (anyVerifier) Verifier(name string, hash uint32) (note.Verifier, error) {
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// testCheckpoint returns a checkpoint of the given size signed by a new
// ledger key.
func testCheckpoint(t testing.TB, size int64) []byte {
	t.Helper()
	skey, _, err := ledger.GenerateKey("aimskit.ledger/sys/pod")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "aimskit.ledger/sys/pod", Size: size,
		Root: tlog.RecordHash([]byte("root")), Time: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestClientRequestAndCosignature(t *testing.T) {
	w := newCosigner(t, "witness.example/w1")
	other := newCosigner(t, "witness.example/other")
	msg := testCheckpoint(t, 42)
	proof := tlog.TreeProof{tlog.RecordHash([]byte("a")), tlog.RecordHash([]byte("b"))}
	var gotBody []byte
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		gotPath = r.Method + " " + r.URL.Path
		gotBody, _ = io.ReadAll(r.Body)
		rw.Write(other.cosign(t, msg))
		rw.Write(w.cosign(t, msg))
	}))
	defer srv.Close()

	c, err := NewClient("w1", srv.URL+"/prefix/", WithCosignerKey(w.vkey))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "w1" || c.URL() != srv.URL+"/prefix/add-checkpoint" {
		t.Fatalf("name %q url %q", c.Name(), c.URL())
	}
	cosigs, err := c.AddCheckpoint(context.Background(), 17, proof, msg)
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "POST /prefix/add-checkpoint" {
		t.Fatalf("request %s", gotPath)
	}
	want := "old 17\n" + proof[0].String() + "\n" + proof[1].String() + "\n\n" + string(msg)
	if string(gotBody) != want {
		t.Fatalf("request body\n%q\nwant\n%q", gotBody, want)
	}
	// Only the cosignature by the witness's key comes back, and it
	// verifies.
	if bytes.Count(cosigs, []byte("\n")) != 1 || !bytes.HasPrefix(cosigs, []byte("— witness.example/w1 ")) {
		t.Fatalf("cosignatures %q", cosigs)
	}
	v, _ := fnote.NewVerifierForCosignatureV1(w.vkey)
	if _, err := note.Open(append(append([]byte(nil), msg...), cosigs...), note.VerifierList(v)); err != nil {
		t.Fatal(err)
	}

	// Without the key, every well-formed line comes back.
	c2, err := NewClient("w1", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cosigs, err = c2.AddCheckpoint(context.Background(), 0, nil, msg)
	if err != nil || bytes.Count(cosigs, []byte("\n")) != 2 {
		t.Fatalf("cosignatures %q, %v", cosigs, err)
	}
	if !strings.HasPrefix(string(gotBody), "old 0\n\n") {
		t.Fatalf("request body without proof %q", gotBody)
	}
}

func TestClientAnswers(t *testing.T) {
	w := newCosigner(t, "witness.example/w1")
	intruder := newCosigner(t, "witness.example/w1") // same name, other key
	msg := testCheckpoint(t, 42)
	for _, tc := range []struct {
		name   string
		status int
		ctype  string
		body   string
		check  func(error) bool
	}{
		{"size", 409, "text/x.tlog.size", "17\n", func(err error) bool {
			var se *ledger.WitnessSizeError
			return errors.As(err, &se) && se.Size == 17
		}},
		{"size with parameter", 409, "text/x.tlog.size; charset=utf-8", "0\n", func(err error) bool {
			var se *ledger.WitnessSizeError
			return errors.As(err, &se) && se.Size == 0
		}},
		{"size not decimal", 409, "text/x.tlog.size", "seventeen\n", is(ErrBadResponse)},
		{"size negative", 409, "text/x.tlog.size", "-1\n", is(ErrBadResponse)},
		{"root mismatch", 409, "text/plain", "different root\n", func(err error) bool {
			return errors.Is(err, ErrRootMismatch) && errors.Is(err, ledger.ErrWitnessConflict)
		}},
		{"bad proof", 422, "text/plain", "bad consistency proof\n", func(err error) bool {
			return errors.Is(err, ErrBadProof) && errors.Is(err, ledger.ErrWitnessConflict)
		}},
		{"bad request", 400, "text/plain", "invalid input\n", is(ErrBadRequest)},
		{"forbidden", 403, "text/plain", "unknown log\n", is(ErrForbidden)},
		{"unknown log", 404, "text/plain", "unknown log\n", is(ErrUnknownLog)},
		{"server error", 500, "text/plain", "database locked\n", func(err error) bool {
			return errors.Is(err, ErrBadResponse) && strings.Contains(err.Error(), "500") && strings.Contains(err.Error(), "database locked")
		}},
		{"empty 200", 200, "", "", is(ErrBadResponse)},
		{"not signature lines", 200, "text/plain", "hello\n", is(ErrBadResponse)},
		{"no final newline", 200, "", strings.TrimSuffix(string(w.cosign(t, msg)), "\n"), is(ErrBadResponse)},
		{"signature by another key", 200, "", string(intruder.cosign(t, msg)), is(ErrBadResponse)},
		{"oversized", 200, "", strings.Repeat(string(w.cosign(t, msg)), MaxResponseBytes/50), func(err error) bool {
			return errors.Is(err, ErrBadResponse) && strings.Contains(err.Error(), "longer than")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					rw.Header().Set("Content-Type", tc.ctype)
				}
				rw.WriteHeader(tc.status)
				io.WriteString(rw, tc.body)
			}))
			defer srv.Close()
			c, err := NewClient("w1", srv.URL, WithCosignerKey(w.vkey))
			if err != nil {
				t.Fatal(err)
			}
			cosigs, err := c.AddCheckpoint(context.Background(), 3, nil, msg)
			if err == nil || !tc.check(err) {
				t.Fatalf("got %q, %v", cosigs, err)
			}
			if !strings.Contains(err.Error(), "w1") && !errors.As(err, new(*ledger.WitnessSizeError)) {
				t.Errorf("error does not name the witness: %v", err)
			}
		})
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

// A request to a witness that never answers returns when its context
// ends, with the context's error. The context is cancelled only once the
// server holds the request, and the server answers only when the test
// ends, so the call can return only by honouring its context.
func TestClientContextAndConnection(t *testing.T) {
	msg := testCheckpoint(t, 1)
	hang := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	c, err := NewClient("slow", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	if _, err := c.AddCheckpoint(ctx, 0, nil, msg); !errors.Is(err, context.Canceled) {
		t.Fatalf("hanging witness: %v", err)
	}

	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	c, _ = NewClient("down", url)
	if _, err := c.AddCheckpoint(context.Background(), 0, nil, msg); err == nil || !strings.Contains(err.Error(), "down") {
		t.Fatalf("witness down: %v", err)
	}
	if _, err := c.AddCheckpoint(context.Background(), -1, nil, msg); err == nil {
		t.Fatal("negative old size accepted")
	}
}

func TestNewClientChecksArguments(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		opts      []ClientOption
	}{
		{"", "http://127.0.0.1:1", nil},
		{"w", "ftp://example.com", nil},
		{"w", "not a url", nil},
		{"w", "http://", nil},
		{"w", "http://127.0.0.1:1", []ClientOption{WithCosignerKey("not-a-key")}},
		{"w", "http://127.0.0.1:1", []ClientOption{WithHTTPClient(nil)}},
	} {
		if _, err := NewClient(tc.name, tc.url, tc.opts...); err == nil {
			t.Errorf("NewClient(%q, %q) accepted", tc.name, tc.url)
		}
	}
}
