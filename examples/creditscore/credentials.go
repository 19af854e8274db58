package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// ServiceTokenEnv names the environment variable holding the service
// credential that systems reporting loan outcomes (labels) present as a
// bearer token. When neither it nor -service-token is set, a token is made
// up at start and printed in the banner.
const ServiceTokenEnv = "CREDITSCORE_SERVICE_TOKEN"

// ContestKeyEnv names the environment variable holding the secret of the
// applicants' contest credentials, base64 (standard or URL alphabet) of at
// least 32 bytes. One replica makes one up when it is not set; the
// replicas of a fleet must share it, so it is required with
// -oversight-postgres.
const ContestKeyEnv = "CREDITSCORE_CONTEST_KEY"

// OversightDSNEnv names the environment variable holding the PostgreSQL
// DSN of a fleet's shared review queue (-oversight-postgres).
const OversightDSNEnv = "CREDITSCORE_OVERSIGHT_POSTGRES"

// contestKeyFromEnv reads $CREDITSCORE_CONTEST_KEY; nil when it is unset
// and not required.
func contestKeyFromEnv(required bool) ([]byte, error) {
	v := strings.TrimSpace(os.Getenv(ContestKeyEnv))
	if v == "" {
		if required {
			return nil, fmt.Errorf("$%s is not set: the replicas of a fleet share the contest credentials' secret (for example: head -c 32 /dev/urandom | base64)", ContestKeyEnv)
		}
		return nil, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if len(k) < 32 {
				return nil, fmt.Errorf("$%s holds %d bytes; at least 32 are needed", ContestKeyEnv, len(k))
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("$%s is not base64", ContestKeyEnv)
}

// credentials are the example's two kinds of API credential:
//
//   - a per-decision contest credential, handed to the applicant in the
//     decision response: HMAC-SHA256 of the decision ID under a service
//     secret, so only the person who received the decision can contest
//     it or look it up, and nothing per decision needs storing;
//   - a service credential (bearer token) for the systems that report loan
//     outcomes, whose labels feed the fairness and performance monitors.
//
// Both are compared in constant time.
type credentials struct {
	contestKey   []byte
	serviceToken string
	generated    bool // serviceToken was made up at start
}

func newCredentials(serviceToken string, contestKey []byte) (*credentials, error) {
	c := &credentials{contestKey: contestKey, serviceToken: serviceToken}
	if c.contestKey == nil {
		// A real service loads this key from its secret store
		// ($CREDITSCORE_CONTEST_KEY here), so that contest credentials
		// survive a restart and every replica accepts them; made up, they
		// last as long as the process.
		c.contestKey = make([]byte, 32)
		if _, err := rand.Read(c.contestKey); err != nil {
			return nil, err
		}
	} else if len(c.contestKey) < 32 {
		return nil, errors.New("the contest key must be at least 32 bytes")
	}
	if c.serviceToken == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		c.serviceToken, c.generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	return c, nil
}

// contestToken is the applicant's credential for decision id.
func (c *credentials) contestToken(decisionID string) string {
	m := hmac.New(sha256.New, c.contestKey)
	m.Write([]byte("creditscore-contest\x00" + decisionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var (
	errNoCredential  = errors.New("a bearer credential is required")
	errBadCredential = errors.New("the credential does not grant this")
)

// bearer returns the request's bearer token.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// checkContest accepts the decision's contest credential (the applicant)
// or the service credential.
func (c *credentials) checkContest(r *http.Request, decisionID string) error {
	tok, ok := bearer(r)
	if !ok {
		return errNoCredential
	}
	// Both comparisons run, so the timing does not tell which one matched.
	okContest := equalSecret(tok, c.contestToken(decisionID))
	okService := equalSecret(tok, c.serviceToken)
	if !okContest && !okService {
		return errBadCredential
	}
	return nil
}

// checkService accepts only the service credential.
func (c *credentials) checkService(r *http.Request) error {
	tok, ok := bearer(r)
	if !ok {
		return errNoCredential
	}
	if !equalSecret(tok, c.serviceToken) {
		return errBadCredential
	}
	return nil
}

// refuse answers a request whose credential check failed: 401 with a
// Bearer challenge when there was none, 403 when it does not grant access.
func refuse(w http.ResponseWriter, r *http.Request, realm string, err error) {
	if errors.Is(err, errNoCredential) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		writeProblem(w, r, newProblem(http.StatusUnauthorized, problemUnauthn, "Credential required", err.Error()))
		return
	}
	writeProblem(w, r, newProblem(http.StatusForbidden, problemForbidden, "Credential refused", err.Error()))
}
