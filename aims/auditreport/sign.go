package auditreport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// SignatureHeader is the first line of a report signature's body.
const SignatureHeader = "aimskit audit report signature v1"

// ErrReportSignature is returned (wrapped) by VerifyReport when the
// signature does not verify or does not match the report's bytes.
var ErrReportSignature = errors.New("auditreport: report signature does not verify")

// SignReport returns a detached signature of the exact bytes of a rendered
// report, as a signed note (golang.org/x/mod/sumdb/note, the format of the
// ledger's checkpoints). The note's body is three lines:
//
//	aimskit audit report signature v1
//	sha256 <hex SHA-256 of the report bytes>
//	size <number of bytes>
//
// followed by a blank line and one Ed25519 signature line per signer, so
// the signature covers the digest of every byte of the report. Sign with
// the ledger's key (ledger.NewSigner or ledger.LoadSigner); an auditor
// verifies with the published verifier key (VerifyReport, or aimsaudit
// verify-report).
func SignReport(report []byte, signer note.Signer) ([]byte, error) {
	if signer == nil {
		return nil, errors.New("auditreport: no signer")
	}
	return note.Sign(&note.Note{Text: signatureBody(report)}, signer)
}

func signatureBody(report []byte) string {
	sum := sha256.Sum256(report)
	return fmt.Sprintf("%s\nsha256 %s\nsize %d\n", SignatureHeader, hex.EncodeToString(sum[:]), len(report))
}

// VerifyReport checks a detached signature made by SignReport: the note
// must carry a valid signature by verifier, and its digest and size must
// be those of report. Any changed byte of the report or of the signature
// fails with an error wrapping ErrReportSignature.
func VerifyReport(report, sig []byte, verifier note.Verifier) error {
	if verifier == nil {
		return errors.New("auditreport: no verifier")
	}
	n, err := note.Open(sig, note.VerifierList(verifier))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrReportSignature, err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) != 3 || lines[0] != SignatureHeader || !strings.HasPrefix(lines[1], "sha256 ") || !strings.HasPrefix(lines[2], "size ") {
		return fmt.Errorf("%w: the signed note is not a report signature", ErrReportSignature)
	}
	want, err := hex.DecodeString(strings.TrimPrefix(lines[1], "sha256 "))
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("%w: malformed digest", ErrReportSignature)
	}
	size, err := strconv.Atoi(strings.TrimPrefix(lines[2], "size "))
	if err != nil {
		return fmt.Errorf("%w: malformed size", ErrReportSignature)
	}
	got := sha256.Sum256(report)
	if size != len(report) || !bytes.Equal(got[:], want) {
		return fmt.Errorf("%w: the report's bytes differ from the signed ones (signed %d bytes with SHA-256 %x; got %d bytes with SHA-256 %x)",
			ErrReportSignature, size, want, len(report), got)
	}
	return nil
}
