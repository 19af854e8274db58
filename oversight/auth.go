package oversight

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Authenticator tells the Console who is making a request. Authentication
// is the application's business (SSO middleware, mTLS, a proxy); the
// Console only reads the result through this interface.
type Authenticator interface {
	// Authenticate returns the reviewer behind r, or an error (normally
	// ErrUnauthenticated) if there is none.
	Authenticate(r *http.Request) (Reviewer, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(r *http.Request) (Reviewer, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Reviewer, error) { return f(r) }

// bearerTokens implements BearerTokens.
type bearerTokens struct {
	// keyed by SHA-256 of the token, so lookups do not leak timing about
	// token prefixes and the tokens themselves are not kept.
	byHash map[[32]byte]Reviewer
}

// BearerTokens authenticates "Authorization: Bearer <token>" against a
// fixed table of tokens, for service accounts and small deployments.
func BearerTokens(tokens map[string]Reviewer) Authenticator {
	b := bearerTokens{byHash: make(map[[32]byte]Reviewer, len(tokens))}
	for tok, r := range tokens {
		if tok != "" && r.ID != "" {
			b.byHash[sha256.Sum256([]byte(tok))] = r
		}
	}
	return b
}

func (b bearerTokens) Authenticate(r *http.Request) (Reviewer, error) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return Reviewer{}, ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(h[len(prefix):])))
	for k, rev := range b.byHash {
		if subtle.ConstantTimeCompare(k[:], sum[:]) == 1 {
			return rev, nil
		}
	}
	return Reviewer{}, ErrUnauthenticated
}

// trustedHeader implements TrustedHeader.
type trustedHeader struct{ user, roles string }

// TrustedHeader reads the reviewer from headers set by an authenticating
// reverse proxy in front of the service: userHeader carries the identity
// and rolesHeader a comma-separated list of roles. Use it only when the
// proxy strips these headers from incoming requests; anyone who can reach
// the service directly can set them.
func TrustedHeader(userHeader, rolesHeader string) Authenticator {
	return trustedHeader{user: userHeader, roles: rolesHeader}
}

func (t trustedHeader) Authenticate(r *http.Request) (Reviewer, error) {
	id := strings.TrimSpace(r.Header.Get(t.user))
	if id == "" {
		return Reviewer{}, ErrUnauthenticated
	}
	var roles []string
	for _, role := range strings.Split(r.Header.Get(t.roles), ",") {
		if role = strings.TrimSpace(role); role != "" {
			roles = append(roles, role)
		}
	}
	return Reviewer{ID: id, Roles: roles}, nil
}
