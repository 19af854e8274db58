package main

import (
	"container/list"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aimskit/aimskit/aims"
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
	// Failed logins are rate-limited per client address and per user name
	// (byUser is keyed by userKey, never by the name itself).
	byClient, byUser *loginLimiter
}

// consoleRealm is the realm of the console's Basic login.
const consoleRealm = `Basic realm="creditscore reviewer console", charset="UTF-8"`

func newReviewerAccounts(now func() time.Time) (*reviewerAccounts, error) {
	a := &reviewerAccounts{
		reviewers: map[string]oversight.Reviewer{
			"alice": {ID: "alice", Roles: []string{"credit-officer"}},
			"bob":   {ID: "bob", Roles: []string{"credit-officer"}},
			"carol": {ID: "carol", Roles: []string{"senior-credit-officer"}},
		},
		passwords: map[string]string{},
		// Five failed attempts at once, then one every 12 seconds.
		byClient: newLoginLimiter(5, 12*time.Second, now),
	}
	// The accounts' buckets are never evicted: a flood of failed logins
	// under made-up names cannot reset the lock on a real user name.
	var accounts []string
	for name := range a.reviewers {
		accounts = append(accounts, userKey(name))
	}
	a.byUser = newLoginLimiter(5, 12*time.Second, now, accounts...)
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
	if !ok || !a.valid(user, pass) {
		return oversight.Reviewer{}, oversight.ErrUnauthenticated
	}
	return a.reviewers[user], nil
}

func (a *reviewerAccounts) valid(user, pass string) bool {
	want, known := a.passwords[user]
	if !known {
		want = "\x00unknown user" // compare anyway: the timing does not tell whether the user exists
	}
	return subtle.ConstantTimeCompare([]byte(pass), []byte(want)) == 1 && known
}

// challenge guards the console with the Basic login: a request without
// credentials or with wrong ones is answered 401 with a Basic challenge
// (so the browser asks again), and a client or user name with too many
// failed logins is answered 429 with Retry-After, even with the right
// password, until its bucket refills.
func (a *reviewerAccounts) challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", consoleRealm)
			http.Error(w, "log in as a reviewer", http.StatusUnauthorized)
			return
		}
		client, ukey := clientAddr(r), userKey(user)
		if wait := max(a.byClient.blocked(client), a.byUser.blocked(ukey)); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			http.Error(w, "too many failed logins; try again later", http.StatusTooManyRequests)
			return
		}
		if !a.valid(user, pass) {
			a.byClient.fail(client)
			a.byUser.fail(ukey)
			w.Header().Set("WWW-Authenticate", consoleRealm)
			http.Error(w, "wrong user name or password", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// userKey is byUser's key for a user name: its SHA-256 digest, for known
// and made-up names alike. The name comes from the client (up to the
// server's MaxHeaderBytes, 1 MB), so a bucket holds 32 bytes however long
// the name; and every name takes the same path, so how the limiter
// answers does not tell whether an account exists, until a flood of more
// than maxBuckets made-up names evicts their buckets and not the
// accounts'.
func userKey(user string) string {
	h := sha256.Sum256([]byte(user))
	return string(h[:])
}

// clientAddr is the client's IP address (the example is reached directly;
// behind a proxy, use the address the proxy vouches for).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter is a token bucket per key: each failed login takes a token;
// with none left, logins under that key are refused until one refills.
// It holds at most maxBuckets buckets: a new key past that evicts the
// least recently used bucket (O(1)), except the kept keys' buckets, which
// are never evicted.
type loginLimiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration // one token refills per every
	now     func() time.Time
	buckets map[string]*bucket
	lru     *list.List // of the evictable keys (string), least recently used at the back
	keep    map[string]bool
}

type bucket struct {
	tokens float64
	at     time.Time
	use    *list.Element // in lru; nil for a kept key
}

// maxBuckets bounds the limiter's memory. A client with many addresses
// (an IPv6 /64) or made-up user names can push an idle bucket out, locked
// or not; the kept keys' cannot be.
const maxBuckets = 10000

// newLoginLimiter makes a limiter whose keep keys' buckets are never
// evicted; there must be fewer of them than maxBuckets.
func newLoginLimiter(burst int, every time.Duration, now func() time.Time, keep ...string) *loginLimiter {
	l := &loginLimiter{burst: float64(burst), every: every, now: now, buckets: map[string]*bucket{},
		lru: list.New(), keep: map[string]bool{}}
	for _, k := range keep {
		l.keep[k] = true
	}
	return l
}

// refill brings b up to now; lock held.
func (l *loginLimiter) refill(b *bucket, now time.Time) {
	b.tokens = math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
}

// blocked returns how long key must wait before its next attempt, or 0.
func (l *loginLimiter) blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return 0
	}
	if b.use != nil {
		l.lru.MoveToFront(b.use)
	}
	now := l.now()
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(l.every))
}

// fail takes a token from key's bucket, making one (and, at maxBuckets,
// evicting the least recently used evictable one) if key has none.
func (l *loginLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	switch {
	case b == nil:
		if len(l.buckets) >= maxBuckets {
			if oldest := l.lru.Back(); oldest != nil {
				delete(l.buckets, l.lru.Remove(oldest).(string))
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		if !l.keep[key] {
			b.use = l.lru.PushFront(key)
		}
		l.buckets[key] = b
	case b.use != nil:
		l.lru.MoveToFront(b.use)
	}
	l.refill(b, now)
	b.tokens = math.Max(0, b.tokens-1)
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

// actorFromLogin records the logged-in user as the actor of whatever the
// request changes (aims.ContextWithActor): the incident book then takes the
// person from the login, not from a name in the request body. It runs after
// challenge, which has checked the password.
func actorFromLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, _, ok := r.BasicAuth(); ok {
			r = r.WithContext(aims.ContextWithActor(r.Context(), user))
		}
		next.ServeHTTP(w, r)
	})
}
