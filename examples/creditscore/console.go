package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"

	"github.com/aimskit/aimskit/oversight"
)

// reviewerAccounts are the example's credit officers. A real deployment
// authenticates reviewers with its SSO (oversight.TrustedHeader behind an
// authenticating proxy, or its own oversight.Authenticator); the example
// uses HTTP Basic authentication with passwords made up at start-up, so a
// browser can log in without any set-up.
type reviewerAccounts struct {
	reviewers map[string]oversight.Reviewer
	passwords map[string]string
}

func newReviewerAccounts() (*reviewerAccounts, error) {
	a := &reviewerAccounts{
		reviewers: map[string]oversight.Reviewer{
			"alice": {ID: "alice", Roles: []string{"credit-officer"}},
			"bob":   {ID: "bob", Roles: []string{"credit-officer"}},
			"carol": {ID: "carol", Roles: []string{"senior-credit-officer"}},
		},
		passwords: map[string]string{},
	}
	for name := range a.reviewers {
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		a.passwords[name] = hex.EncodeToString(b)
	}
	return a, nil
}

// Authenticate implements oversight.Authenticator with HTTP Basic credentials.
func (a *reviewerAccounts) Authenticate(r *http.Request) (oversight.Reviewer, error) {
	user, pass, ok := r.BasicAuth()
	want, known := a.passwords[user]
	if !ok || !known || subtle.ConstantTimeCompare([]byte(pass), []byte(want)) != 1 {
		return oversight.Reviewer{}, oversight.ErrUnauthenticated
	}
	return a.reviewers[user], nil
}

// challenge makes browsers ask for the Basic credentials instead of showing
// a bare 401.
func (a *reviewerAccounts) challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="creditscore reviewer console", charset="UTF-8"`)
			http.Error(w, "log in as a reviewer", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logins lists the reviewers' user names and passwords for the start-up banner.
func (a *reviewerAccounts) logins() string {
	out := ""
	for _, name := range []string{"alice", "bob", "carol"} {
		if out != "" {
			out += ", "
		}
		out += name + "/" + a.passwords[name]
	}
	return out
}
