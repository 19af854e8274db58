package drift

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/aimskit/aimskit/aims/semconv"
)

// MaxCategoryLength bounds the categorical values a [Monitor] keeps in its
// windows, so that its memory is bounded by the count window whatever
// clients send. A value that is not a category of the feature's profile
// and is longer than this (or than the profile's longest category, if
// that is longer) is kept as its first bytes up to that length (cut at a
// UTF-8 boundary), "…" and the 16 hex digits of the 64-bit FNV-1a hash
// of the whole value: still a category the reference never had, distinct
// from other long values, and named alike by every replica.
const MaxCategoryLength = 256

func newCatFeature(p *CategoricalProfile, window int) *catFeature {
	f := &catFeature{profile: p, win: newRing[string](window), known: make(map[string]string, len(p.Counts)),
		attrs: metric.WithAttributeSet(attribute.NewSet(semconv.AimsDriftFeature.String(p.Feature))), limit: MaxCategoryLength}
	for c := range p.Counts {
		f.known[c] = c
		f.limit = max(f.limit, len(c))
	}
	return f
}

// keep returns what the window keeps of v: the profile's copy of a known
// category (so no caller memory is held, and no allocation), a copy of a
// short unknown value, or a shortened, hashed form of a long one, which
// is longer than every category of the profile and so never mistaken for
// one.
func (f *catFeature) keep(v string) string {
	if c, ok := f.known[v]; ok {
		return c
	}
	if len(v) <= f.limit {
		return strings.Clone(v)
	}
	n := f.limit
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	sum := strconv.FormatUint(fnv1a64(v), 16)
	var b strings.Builder
	b.Grow(n + len("…") + 16)
	b.WriteString(v[:n])
	b.WriteString("…")
	b.WriteString(strings.Repeat("0", 16-len(sum)))
	b.WriteString(sum)
	return b.String()
}

// fnv1a64 is the 64-bit FNV-1a hash of s (Fowler, Noll and Vo; the
// offset basis and prime of the IETF draft draft-eastlake-fnv), computed
// over the string without copying it.
func fnv1a64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
