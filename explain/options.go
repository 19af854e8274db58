package explain

import (
	"fmt"
	"math"
	"runtime"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Group makes several features one player of the game: a one-hot encoded
// categorical variable is one player, so its columns are switched in and
// out together and it receives one value.
type Group struct {
	// Name is the player's name in [Explanation.FeatureNames].
	Name string
	// Features lists the feature (column) indices of the group.
	Features []int
}

// Option configures an explainer.
type Option func(*config)

type config struct {
	link        Link
	names       []string
	weights     []float64
	groups      []Group
	tp          trace.TracerProvider
	mp          metric.MeterProvider
	workers     int
	seed        uint64
	nsamples    int
	minPerm     int
	maxPerm     int
	tolerance   float64
	topK        int
	maxExactM   int
	bootstrap   int
	rowsPerCall int
}

func defaultConfig() config {
	return config{
		link:        LinkIdentity,
		tp:          otel.GetTracerProvider(),
		mp:          otel.GetMeterProvider(),
		workers:     runtime.GOMAXPROCS(0),
		seed:        1,
		minPerm:     16,
		maxPerm:     2048,
		tolerance:   -1,
		topK:        5,
		maxExactM:   24,
		bootstrap:   50,
		rowsPerCall: 64,
	}
}

// WithLink sets the output transform the game is formed in. [LinkLogit]
// explains a probability model on its margin (log-odds) scale.
func WithLink(l Link) Option { return func(c *config) { c.link = l } }

// WithFeatureNames names the features; the default is x0, x1, ….
func WithFeatureNames(names ...string) Option {
	return func(c *config) { c.names = append([]string(nil), names...) }
}

// WithBackgroundWeights weights the background rows (for example the
// cluster sizes returned by [SummarizeBackground]). The default is uniform.
func WithBackgroundWeights(w []float64) Option {
	return func(c *config) { c.weights = append([]float64(nil), w...) }
}

// WithGroups declares feature groups that act as one player each. Features
// not listed in any group remain players of their own.
func WithGroups(groups ...Group) Option {
	return func(c *config) { c.groups = append([]Group(nil), groups...) }
}

// WithTracerProvider sets the provider of the per-explanation span; the
// default is otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider sets the provider of the explanation counter and
// duration histogram; the default is otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// WithWorkers bounds the goroutines that evaluate the model for one
// explanation; the default is GOMAXPROCS.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithSeed seeds the random coalition and permutation sampling, so that
// sampled explanations are reproducible.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithSamples sets Kernel SHAP's coalition budget (shap's nsamples). The
// default is 2M+2048, capped at 2^M−2.
func WithSamples(n int) Option { return func(c *config) { c.nsamples = n } }

// WithPermutations bounds the number of antithetic permutation pairs of the
// permutation explainer: at least min, at most max (defaults 16 and 2048).
func WithPermutations(min, max int) Option {
	return func(c *config) { c.minPerm, c.maxPerm = min, max }
}

// WithTolerance sets the permutation explainer's convergence target: it
// stops once every value's standard error is at most tol. The default is
// 1% of |prediction − base value| (at least 1e-9).
func WithTolerance(tol float64) Option { return func(c *config) { c.tolerance = tol } }

// WithTopK sets how many of the most important feature names the
// explanation span carries (default 5, 0 for none).
func WithTopK(k int) Option { return func(c *config) { c.topK = k } }

// WithMaxExactPlayers bounds the number of players the exact explainer
// accepts (default 24: 2^24 coalitions per row).
func WithMaxExactPlayers(m int) Option { return func(c *config) { c.maxExactM = m } }

// WithBootstrap sets how many bootstrap resamples Kernel SHAP uses to
// estimate the standard error of sampled values (default 50; 0 disables).
func WithBootstrap(b int) Option { return func(c *config) { c.bootstrap = b } }

// WithRowsPerCall sets the minimum number of rows handed to the model per
// Predict call (default 64); several coalitions share a call when the
// background is smaller than this. Raise it for models with a high cost
// per call (a remote or GPU model); one coalition per call lets a
// vectorised model exploit the columns that are constant in the call.
func WithRowsPerCall(n int) Option { return func(c *config) { c.rowsPerCall = n } }

func (c *config) validate(d int) error {
	if c.link != LinkIdentity && c.link != LinkLogit {
		return fmt.Errorf("explain: unknown link %q", string(c.link))
	}
	if c.names != nil && len(c.names) != d {
		return fmt.Errorf("explain: %d feature names for %d features", len(c.names), d)
	}
	if c.workers <= 0 {
		c.workers = 1
	}
	if c.nsamples < 0 {
		return fmt.Errorf("explain: sample budget %d is negative", c.nsamples)
	}
	if c.minPerm < 1 || c.maxPerm < c.minPerm {
		return fmt.Errorf("explain: permutation bounds min=%d max=%d are invalid", c.minPerm, c.maxPerm)
	}
	if math.IsNaN(c.tolerance) || math.IsInf(c.tolerance, 0) {
		return fmt.Errorf("explain: tolerance %v is not finite", c.tolerance)
	}
	if c.rowsPerCall <= 0 {
		c.rowsPerCall = 1
	}
	if c.bootstrap < 0 {
		return fmt.Errorf("explain: bootstrap count %d is negative", c.bootstrap)
	}
	return nil
}

// featureNames returns the configured names or x0..x{d-1}.
func (c *config) featureNames(d int) []string {
	if c.names != nil {
		return c.names
	}
	out := make([]string, d)
	for i := range out {
		out[i] = fmt.Sprintf("x%d", i)
	}
	return out
}

// players resolves groups into the player → columns map and player names.
// Every feature belongs to exactly one player.
func (c *config) players(d int) ([][]int, []string, error) {
	names := c.featureNames(d)
	owner := make([]int, d)
	for i := range owner {
		owner[i] = -1
	}
	for gi, g := range c.groups {
		if len(g.Features) == 0 {
			return nil, nil, fmt.Errorf("explain: group %d (%q) has no features", gi, g.Name)
		}
		for _, f := range g.Features {
			if f < 0 || f >= d {
				return nil, nil, fmt.Errorf("explain: group %q names feature %d, rows have %d features", g.Name, f, d)
			}
			if owner[f] >= 0 {
				return nil, nil, fmt.Errorf("explain: feature %d (%s) is in two groups", f, names[f])
			}
			owner[f] = gi
		}
	}
	// Players appear in the order of their first column, so an ungrouped
	// explanation lists features in column order.
	var players [][]int
	var pnames []string
	emitted := make([]bool, len(c.groups))
	for f := 0; f < d; f++ {
		gi := owner[f]
		if gi < 0 {
			players = append(players, []int{f})
			pnames = append(pnames, names[f])
			continue
		}
		if emitted[gi] {
			continue
		}
		emitted[gi] = true
		g := c.groups[gi]
		name := g.Name
		if name == "" {
			name = fmt.Sprintf("group%d", gi)
		}
		players = append(players, append([]int(nil), g.Features...))
		pnames = append(pnames, name)
	}
	return players, pnames, nil
}
