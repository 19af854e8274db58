package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/notecodec"
)

// This is a small client of our own: sigsum-go's witness client refuses
// checkpoints with extension lines (aimskit checkpoints carry a "time"
// line), and the clients of torchwood and tessera are internal packages.

// MaxResponseBytes bounds the body of a witness's answer that Client
// reads; a cosignature line is about a hundred bytes.
const MaxResponseBytes = 64 << 10

// Errors of AddCheckpoint, for errors.Is. A witness that answers 409 with
// its known size gives a *ledger.WitnessSizeError instead; 409 without it
// (another root hash at the same size) and 422 (the consistency proof
// fails) also match ledger.ErrWitnessConflict, as they are what a fork or a
// rollback looks like to a witness.
var (
	// ErrBadRequest is a 400 answer: the request is malformed, or its old
	// size is larger than the checkpoint's.
	ErrBadRequest = errors.New("witness: bad request")
	// ErrForbidden is a 403 answer: no signature on the checkpoint
	// verifies with a key the witness trusts for its origin (litewitness
	// also answers 403 for an origin it does not know).
	ErrForbidden = errors.New("witness: checkpoint not signed by a key the witness trusts for its origin")
	// ErrUnknownLog is a 404 answer: the witness does not know the origin.
	ErrUnknownLog = errors.New("witness: the witness does not know the checkpoint's origin")
	// ErrRootMismatch is a 409 answer without a size: the witness cosigned
	// a checkpoint of the same size with another root hash.
	ErrRootMismatch = errors.New("witness: the witness holds another root hash for this size")
	// ErrBadProof is a 422 answer: the consistency proof does not lead from
	// the witness's tree to the checkpoint's.
	ErrBadProof = errors.New("witness: the consistency proof does not verify")
	// ErrBadResponse is an answer that is not what the protocol says: an
	// unexpected status, a body too large, or cosignatures that do not
	// parse or verify.
	ErrBadResponse = errors.New("witness: bad response")
)

// Client submits checkpoints to one witness with the C2SP tlog-witness
// add-checkpoint request. It implements ledger.Witness and is safe for
// concurrent use.
type Client struct {
	name     string
	endpoint string
	hc       *http.Client
	verifier note.Verifier // nil: answers are only checked for form
	maxBody  int64
}

// ClientOption configures a Client.
type ClientOption func(*Client) error

// WithHTTPClient sets the HTTP client (default http.DefaultClient). Give it
// the transport, TLS and proxy settings the witness needs; AddCheckpoint's
// context bounds each request.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("witness: WithHTTPClient: client is nil")
		}
		c.hc = hc
		return nil
	}
}

// WithCosignerKey makes the client verify the witness's answer with its
// public key (a signed-note verifier key, Ed25519 or cosignature/v1) and
// return only the cosignature by that key. Without it, answers are
// checked only for form.
func WithCosignerKey(vkey string) ClientOption {
	return func(c *Client) error {
		v, err := fnote.NewVerifierForCosignatureV1(vkey)
		if err == nil {
			err = notecodec.CheckKeyEncoding(vkey)
		}
		if err != nil {
			return fmt.Errorf("witness: WithCosignerKey: %q: %v", vkey, err)
		}
		c.verifier = v
		return nil
	}
}

// NewClient returns a client for the witness whose submission prefix is
// submissionURL: requests go to submissionURL + "/add-checkpoint". name
// identifies the witness to the ledger (its state, metrics and records).
func NewClient(name, submissionURL string, opts ...ClientOption) (*Client, error) {
	if name == "" {
		return nil, errors.New("witness: client name is empty")
	}
	u, err := url.Parse(submissionURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("witness: %s: submission URL %q is not an http(s) URL", name, submissionURL)
	}
	c := &Client{
		name:     name,
		endpoint: strings.TrimSuffix(submissionURL, "/") + "/add-checkpoint",
		hc:       http.DefaultClient,
		maxBody:  MaxResponseBytes,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Name returns the witness's name given to NewClient.
func (c *Client) Name() string { return c.name }

// URL returns the add-checkpoint endpoint requests are sent to.
func (c *Client) URL() string { return c.endpoint }

// AddCheckpoint asks the witness to cosign signedCheckpoint, given the
// size of the checkpoint it last cosigned for that origin (0 if none) and
// the consistency proof from that size. It returns the witness's
// cosignature lines. A 409 answer with the witness's size is a
// *ledger.WitnessSizeError; the other refusals match the Err* values of
// this package.
func (c *Client) AddCheckpoint(ctx context.Context, oldSize int64, proof tlog.TreeProof, signedCheckpoint []byte) ([]byte, error) {
	if oldSize < 0 {
		return nil, fmt.Errorf("witness %s: old size %d is negative", c.name, oldSize)
	}
	var body bytes.Buffer
	body.WriteString("old ")
	body.WriteString(strconv.FormatInt(oldSize, 10))
	body.WriteByte('\n')
	for _, h := range proof {
		body.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		body.WriteByte('\n')
	}
	body.WriteByte('\n')
	body.Write(signedCheckpoint)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, &body)
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w", c.name, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w", c.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("witness %s: reading the answer: %w", c.name, err)
	}
	if int64(len(b)) > c.maxBody {
		return nil, fmt.Errorf("witness %s: %w: answer (status %d) longer than %d bytes", c.name, ErrBadResponse, resp.StatusCode, c.maxBody)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return c.cosignatures(signedCheckpoint, b)
	case http.StatusConflict:
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/x.tlog.size" {
			s := strings.TrimSuffix(string(b), "\n")
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
				return nil, fmt.Errorf("witness %s: %w: 409 with a size that is not a decimal: %.40q", c.name, ErrBadResponse, b)
			}
			return nil, &ledger.WitnessSizeError{Size: n}
		}
		return nil, c.refusal(resp.StatusCode, b, ErrRootMismatch, ledger.ErrWitnessConflict)
	case http.StatusBadRequest:
		return nil, c.refusal(resp.StatusCode, b, ErrBadRequest)
	case http.StatusForbidden:
		return nil, c.refusal(resp.StatusCode, b, ErrForbidden)
	case http.StatusNotFound:
		return nil, c.refusal(resp.StatusCode, b, ErrUnknownLog)
	case http.StatusUnprocessableEntity:
		return nil, c.refusal(resp.StatusCode, b, ErrBadProof, ledger.ErrWitnessConflict)
	default:
		return nil, c.refusal(resp.StatusCode, b, ErrBadResponse)
	}
}

// refusal is the error for a non-200 answer, quoting the start of the
// witness's message.
func (c *Client) refusal(status int, body []byte, errs ...error) error {
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	var err error = errs[0]
	if len(errs) > 1 {
		err = fmt.Errorf("%w (%w)", errs[0], errs[1])
	}
	return fmt.Errorf("witness %s: %w: HTTP %d %q", c.name, err, status, msg)
}

// cosignatures checks a 200 answer: signature lines, and with a cosigner
// key, a valid cosignature by it, which is then all that is returned.
func (c *Client) cosignatures(signedCheckpoint, body []byte) ([]byte, error) {
	if err := notecodec.CheckSignatureLines(body); err != nil {
		return nil, fmt.Errorf("witness %s: %w: %v", c.name, ErrBadResponse, err)
	}
	if c.verifier == nil {
		return body, nil
	}
	msg := append(append([]byte(nil), signedCheckpoint...), body...)
	n, err := note.Open(msg, note.VerifierList(c.verifier))
	if err != nil {
		return nil, fmt.Errorf("witness %s: %w: its cosignature does not verify with its key %s+%08x: %v", c.name, ErrBadResponse, c.verifier.Name(), c.verifier.KeyHash(), err)
	}
	for _, s := range n.Sigs {
		if s.Name == c.verifier.Name() && s.Hash == c.verifier.KeyHash() {
			return []byte("— " + s.Name + " " + s.Base64 + "\n"), nil
		}
	}
	return nil, fmt.Errorf("witness %s: %w: no cosignature by its key", c.name, ErrBadResponse)
}
