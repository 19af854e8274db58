package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aimskit/aimskit/internal/notecodec"
)

// closedExtension is the checkpoint extension line of a clean shutdown.
const closedExtension = "closed"

// OriginPrefix starts the origin line of every aimskit ledger checkpoint.
const OriginPrefix = "aimskit.ledger/"

// Origin returns the checkpoint origin line of the ledger written by one
// instance of one AI system. Both names must be non-empty printable ASCII
// without '/' or spaces, so the origin parses back unambiguously.
func Origin(system, instance string) (string, error) {
	if err := checkOriginPart("system", system); err != nil {
		return "", err
	}
	if err := checkOriginPart("instance", instance); err != nil {
		return "", err
	}
	return OriginPrefix + system + "/" + instance, nil
}

func checkOriginPart(what, s string) error {
	if s == "" {
		return fmt.Errorf("ledger: %s name is empty", what)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '/' || r == '+' {
			return fmt.Errorf("ledger: %s name %q must be printable ASCII without '/', '+' or spaces", what, s)
		}
	}
	return nil
}

// Checkpoint is the body of a signed checkpoint: the ledger's origin, the
// number of records it covers and the Merkle root hash over them, in the
// C2SP tlog-checkpoint format, with the signing time as an extension line.
type Checkpoint struct {
	// Origin names the ledger (system and instance, see Origin), so a
	// checkpoint cannot be passed off as another ledger's.
	Origin string
	// Size is the number of records the checkpoint covers (the tree size).
	Size int64
	// Root is the RFC 6962 Merkle tree hash (SHA-256) of the first Size
	// records.
	Root tlog.Hash
	// Time is when the checkpoint was signed (the "time" extension line).
	Time time.Time
	// Closed marks the checkpoint Close signs when the ledger is shut down
	// cleanly (the "closed" extension line). Records after a closed
	// checkpoint were not written by the ledger's own writer, so Open
	// refuses them unless told to adopt them (WithAdoption).
	Closed bool
}

// Text returns the checkpoint's note text.
func (c Checkpoint) Text() string {
	var b strings.Builder
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatInt(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Root[:]))
	b.WriteByte('\n')
	if !c.Time.IsZero() {
		b.WriteString("time ")
		b.WriteString(c.Time.UTC().Format(time.RFC3339Nano))
		b.WriteByte('\n')
	}
	if c.Closed {
		b.WriteString(closedExtension)
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseCheckpoint parses checkpoint note text (without signatures).
func ParseCheckpoint(text string) (Checkpoint, error) {
	var c Checkpoint
	if !strings.HasSuffix(text, "\n") {
		return c, errors.New("checkpoint text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return c, fmt.Errorf("checkpoint has %d lines, need origin, tree size and root hash", len(lines))
	}
	if lines[0] == "" {
		return c, errors.New("checkpoint origin is empty")
	}
	c.Origin = lines[0]
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return c, fmt.Errorf("checkpoint tree size %q is not a non-negative decimal", lines[1])
	}
	c.Size = n
	root, err := notecodec.DecodeBase64(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, fmt.Errorf("checkpoint root hash %q is not a base64 SHA-256 hash", lines[2])
	}
	copy(c.Root[:], root)
	for _, ext := range lines[3:] {
		if ext == closedExtension {
			c.Closed = true
			continue
		}
		if v, ok := strings.CutPrefix(ext, "time "); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return c, fmt.Errorf("checkpoint time %q: %v", v, err)
			}
			c.Time = t
		}
	}
	return c, nil
}

// SignCheckpoint signs c with signer and returns the signed note.
func SignCheckpoint(c Checkpoint, signer note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Text()}, signer)
	if err != nil {
		return nil, fmt.Errorf("ledger: signing checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint verifies the signed checkpoint msg with the given
// verifier keys and parses it. It fails when no signature is by a known
// key or a signature by a known key does not verify.
func OpenCheckpoint(msg []byte, verifiers ...note.Verifier) (Checkpoint, error) {
	if len(verifiers) == 0 {
		return Checkpoint{}, errors.New("ledger: no verifier key given")
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		var unknown *note.UnverifiedNoteError
		if errors.As(err, &unknown) {
			return Checkpoint{}, fmt.Errorf("checkpoint is not signed by the given key (signed by %s)", signerNames(unknown.Note))
		}
		return Checkpoint{}, fmt.Errorf("checkpoint signature does not verify: %v", err)
	}
	if err := checkSignatureEncoding(n); err != nil {
		return Checkpoint{}, err
	}
	return ParseCheckpoint(n.Text)
}

// checkSignatureEncoding refuses a note whose signature lines are not in
// canonical base64: note.Open decodes them leniently.
func checkSignatureEncoding(n *note.Note) error {
	for _, sigs := range [][]note.Signature{n.Sigs, n.UnverifiedSigs} {
		for _, s := range sigs {
			if _, err := notecodec.DecodeBase64(s.Base64); err != nil {
				return fmt.Errorf("checkpoint signature by %s+%08x is not canonical standard base64", s.Name, s.Hash)
			}
		}
	}
	return nil
}

func signerNames(n *note.Note) string {
	if n == nil || len(n.UnverifiedSigs) == 0 {
		return "no known key"
	}
	var names []string
	for _, s := range n.UnverifiedSigs {
		names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	return strings.Join(names, ", ")
}

// checkpointText returns the text part of a signed note without verifying
// it, for error messages about notes that fail to verify.
func checkpointText(msg []byte) string {
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		return ""
	}
	return string(msg[:i+1])
}
