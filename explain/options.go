package explain

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	itel "github.com/aimskit/aimskit/internal/telemetry"
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

// Option configures an explainer ([New], [NewExact], [NewKernel],
// [NewPermutation], [NewLinear]); the telemetry options also configure a
// counterfactual search ([Counterfactuals]).
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// telemetryOption is an Option that only chooses a provider, the one kind
// a counterfactual search accepts.
type telemetryOption func(*config)

func (f telemetryOption) apply(c *config) { f(c) }

type config struct {
	link        Link
	names       []string
	weights     []float64
	groups      []Group
	tel         itel.Providers
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
	errs        []error
}

func defaultConfig() config {
	return config{
		link:        LinkIdentity,
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

// newConfig applies opts over the defaults and returns the errors the
// options recorded, so a bad option fails before any work.
func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c, errors.Join(c.errs...)
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("explain: "+format, args...))
}

// WithLink sets the output transform the game is formed in. [LinkLogit]
// explains a probability model on its margin (log-odds) scale. Another
// link is an error.
func WithLink(l Link) Option {
	return optionFunc(func(c *config) {
		if l != LinkIdentity && l != LinkLogit {
			c.fail("WithLink: unknown link %q", string(l))
			return
		}
		c.link = l
	})
}

// WithFeatureNames names the features, one name per column; the default
// is x0, x1, ….
func WithFeatureNames(names ...string) Option {
	return optionFunc(func(c *config) { c.names = append([]string(nil), names...) })
}

// WithBackgroundWeights weights the background rows (for example the
// cluster sizes returned by [SummarizeBackground]), one non-negative
// weight per row. The default is uniform.
func WithBackgroundWeights(w []float64) Option {
	return optionFunc(func(c *config) { c.weights = append([]float64(nil), w...) })
}

// WithGroups declares feature groups that act as one player each. Features
// not listed in any group remain players of their own.
func WithGroups(groups ...Group) Option {
	return optionFunc(func(c *config) { c.groups = append([]Group(nil), groups...) })
}

// WithTracerProvider sets the provider of the per-explanation (or
// per-search) span; nil or no option means the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return telemetryOption(func(c *config) { c.tel.TP = tp })
}

// WithMeterProvider sets the provider of the explanation counter and
// duration histogram; nil or no option means the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return telemetryOption(func(c *config) { c.tel.MP = mp })
}

// WithWorkers bounds the goroutines that evaluate the model for one
// explanation (n >= 1); the default is GOMAXPROCS.
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.fail("WithWorkers: %d workers, need at least 1", n)
			return
		}
		c.workers = n
	})
}

// WithSeed seeds the random coalition and permutation sampling, so that
// sampled explanations are reproducible.
func WithSeed(seed uint64) Option { return optionFunc(func(c *config) { c.seed = seed }) }

// MaxSamples is the largest coalition budget WithSamples accepts: 2^24,
// the coalitions of 24 players, the exact explainer's default limit. The
// coalition plan, its weights and values are held in memory, one entry
// per coalition, and every coalition costs N model evaluations.
const MaxSamples = 1 << 24

// WithSamples sets Kernel SHAP's coalition budget (shap's nsamples). The
// default (or 0) is 2M+2048, capped at 2^M−2; a negative budget or one
// above [MaxSamples] is an error.
func WithSamples(n int) Option {
	return optionFunc(func(c *config) {
		if n < 0 {
			c.fail("WithSamples: sample budget %d is negative", n)
			return
		}
		if n > MaxSamples {
			c.fail("WithSamples: sample budget %d exceeds MaxSamples (%d)", n, MaxSamples)
			return
		}
		c.nsamples = n
	})
}

// MaxPermutations is the most antithetic permutation pairs
// WithPermutations accepts. Each pair costs 2(M−1) coalitions of N
// background rows, and the standard error falls only as 1/√pairs: a
// million pairs estimate a value a thousand times more finely than one
// pair, more than any explanation is read to.
const MaxPermutations = 1 << 20

// WithPermutations bounds the number of antithetic permutation pairs of the
// permutation explainer: at least min, at most max (defaults 16 and 2048);
// 1 <= min <= max <= [MaxPermutations].
func WithPermutations(min, max int) Option {
	return optionFunc(func(c *config) {
		if min < 1 || max < min {
			c.fail("WithPermutations: bounds min=%d max=%d are invalid (need 1 <= min <= max)", min, max)
			return
		}
		if max > MaxPermutations {
			c.fail("WithPermutations: max=%d exceeds MaxPermutations (%d)", max, MaxPermutations)
			return
		}
		c.minPerm, c.maxPerm = min, max
	})
}

// WithTolerance sets the permutation explainer's convergence target: it
// stops once every value's standard error is at most tol (a finite number
// >= 0). The default is 1% of |prediction − base value| (at least 1e-9).
func WithTolerance(tol float64) Option {
	return optionFunc(func(c *config) {
		if !(tol >= 0) || math.IsInf(tol, 1) {
			c.fail("WithTolerance: tolerance %v is not a finite number >= 0", tol)
			return
		}
		c.tolerance = tol
	})
}

// WithTopK sets how many of the most important feature names the
// explanation span carries (default 5, 0 for none; negative is an error).
func WithTopK(k int) Option {
	return optionFunc(func(c *config) {
		if k < 0 {
			c.fail("WithTopK: %d is negative", k)
			return
		}
		c.topK = k
	})
}

// WithMaxExactPlayers bounds the number of players the exact explainer
// accepts (default 24: 2^24 coalitions per row; at least 1, at most 30
// take effect).
func WithMaxExactPlayers(m int) Option {
	return optionFunc(func(c *config) {
		if m < 1 {
			c.fail("WithMaxExactPlayers: %d, need at least 1", m)
			return
		}
		c.maxExactM = m
	})
}

// MaxBootstrap is the most bootstrap resamples WithBootstrap accepts.
// Each resample refits the whole weighted least-squares problem (O(n·M²)
// for n coalitions and M features), so the count multiplies the cost of
// an explanation; and the standard error it estimates is itself only
// known to a relative precision of about 1/√(2B): 50 resamples (the
// default) give about 10%, 10,000 about 0.7%, far finer than anyone reads
// a standard error. More would only burn CPU.
const MaxBootstrap = 10_000

// WithBootstrap sets how many bootstrap resamples Kernel SHAP uses to
// estimate the standard error of sampled values (default 50; 0 disables;
// negative or more than [MaxBootstrap] is an error). Explain stops
// between, and within, resamples when its context ends.
func WithBootstrap(b int) Option {
	return optionFunc(func(c *config) {
		if b < 0 {
			c.fail("WithBootstrap: bootstrap count %d is negative", b)
			return
		}
		if b > MaxBootstrap {
			c.fail("WithBootstrap: bootstrap count %d exceeds MaxBootstrap (%d)", b, MaxBootstrap)
			return
		}
		c.bootstrap = b
	})
}

// WithRowsPerCall sets the minimum number of rows handed to the model per
// Predict call (default 64, at least 1); several coalitions share a call
// when the background is smaller than this. Raise it for models with a
// high cost per call (a remote or GPU model); one coalition per call lets
// a vectorised model exploit the columns that are constant in the call.
func WithRowsPerCall(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.fail("WithRowsPerCall: %d rows, need at least 1", n)
			return
		}
		c.rowsPerCall = n
	})
}

// validate checks what depends on the data: the number of names.
func (c *config) validate(d int) error {
	if c.names != nil && len(c.names) != d {
		return fmt.Errorf("explain: %d feature names for %d features", len(c.names), d)
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
