package auditreport

import (
	"errors"
	"testing"

	"github.com/aimskit/aimskit/aims/ledger"
)

func TestSignReportRoundTripAndTamper(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("report-signer")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	report := []byte("<!DOCTYPE html>\n<p>\t42 decisions\r\n</p>")
	sig, err := SignReport(report, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyReport(report, sig, verifier); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	for i := range report {
		bad := append([]byte(nil), report...)
		bad[i] ^= 1
		if err := VerifyReport(bad, sig, verifier); !errors.Is(err, ErrReportSignature) {
			t.Fatalf("byte %d flipped: err = %v, want ErrReportSignature", i, err)
		}
	}
	if err := VerifyReport(append(report, ' '), sig, verifier); !errors.Is(err, ErrReportSignature) {
		t.Fatalf("appended byte: err = %v", err)
	}
	badSig := append([]byte(nil), sig...)
	badSig[len(badSig)-5] ^= 1
	if err := VerifyReport(report, badSig, verifier); !errors.Is(err, ErrReportSignature) {
		t.Fatalf("tampered signature: err = %v", err)
	}
	_, other, _ := ledger.GenerateKey("report-signer")
	ov, _ := ledger.NewVerifier(other)
	if err := VerifyReport(report, sig, ov); !errors.Is(err, ErrReportSignature) {
		t.Fatalf("other key: err = %v", err)
	}
}
