package ledger

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/aimskit/aimskit/internal/telemetry"
)

// Durability says when written records reach stable storage.
type Durability int

const (
	// GroupCommit (the default) shares one fsync among every record that
	// arrived while the previous fsync ran: Append returns once its record
	// is on disk (see WithWaitDurable), and concurrent callers are batched
	// so throughput holds. With WithWaitDurable(false) the segment is
	// instead fsynced every group-commit interval (WithGroupCommitInterval).
	GroupCommit Durability = iota
	// SyncEveryRecord flushes and fsyncs after every record, one fsync per
	// record.
	SyncEveryRecord
	// NoSync hands records to the operating system every group-commit
	// interval and never fsyncs them, except before a checkpoint. A crash
	// of the process loses nothing written; a crash of the machine may.
	NoSync
)

// String returns the durability mode's name.
func (d Durability) String() string {
	switch d {
	case GroupCommit:
		return "group-commit"
	case SyncEveryRecord:
		return "sync-every-record"
	case NoSync:
		return "none"
	default:
		return "unknown"
	}
}

// Defaults of the ledger options.
const (
	DefaultGroupCommitInterval = 10 * time.Millisecond
	DefaultQueueSize           = 4096
	DefaultCheckpointRecords   = 10000
	DefaultCheckpointInterval  = 10 * time.Second
	DefaultSegmentMaxBytes     = 64 << 20
	DefaultSegmentMaxAge       = 24 * time.Hour
	// DefaultRetention is six months (183 days): EU AI Act Art. 19(1) and
	// 26(6) require deployers and providers to keep automatically generated
	// logs of high-risk systems for at least six months.
	DefaultRetention = 183 * 24 * time.Hour
)

type config struct {
	durability   Durability
	groupCommit  time.Duration
	waitDurable  bool
	queueSize    int
	dropWhenFull bool
	cpRecords    int64
	cpInterval   time.Duration
	segMaxBytes  int64
	segMaxAge    time.Duration
	retention    time.Duration
	now          func() time.Time
	tel          telemetry.Providers
	adoption     string  // WithAdoption's reason; empty when not given
	errs         []error // invalid option arguments, returned by Open

	witnesses      []Witness     // WithWitnesses (witness.go)
	witnessTimeout time.Duration // WithWitnessTimeout (witness.go); 0 means DefaultWitnessTimeout
}

func defaultConfig() config {
	return config{
		durability:  GroupCommit,
		waitDurable: true,
		groupCommit: DefaultGroupCommitInterval,
		queueSize:   DefaultQueueSize,
		cpRecords:   DefaultCheckpointRecords,
		cpInterval:  DefaultCheckpointInterval,
		segMaxBytes: DefaultSegmentMaxBytes,
		segMaxAge:   DefaultSegmentMaxAge,
		retention:   DefaultRetention,
		now:         time.Now,
	}
}

// Option configures a Ledger. An option given an invalid argument makes
// Open fail with an error that names it.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

func (c *config) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("ledger: "+format, args...))
}

// WithDurability sets when records reach stable storage (default GroupCommit).
func WithDurability(d Durability) Option {
	return optionFunc(func(c *config) {
		if d < GroupCommit || d > NoSync {
			c.invalid("WithDurability: unknown durability mode %d", int(d))
			return
		}
		c.durability = d
	})
}

// WithGroupCommitInterval sets how often group commit (and NoSync) flush
// the segment (default 10 ms). It must be positive.
func WithGroupCommitInterval(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid("WithGroupCommitInterval: interval %v must be positive", d)
			return
		}
		c.groupCommit = d
	})
}

// WithWaitDurable(false) selects the queue-only mode: Append returns as
// soon as the record is queued, before it is written. It is faster for a
// single caller, but a crash loses every record still queued or written
// since the last group commit (up to WithQueueSize records plus one
// group-commit interval), although Append returned nil for them, and a
// write error (a full disk) is reported only by later calls. Use it only
// where the record is not evidence a caller relies on.
//
// The default, WithWaitDurable(true), makes Append return only once the
// record is durable under the configured Durability (fsynced, or handed to
// the operating system for NoSync): nothing Append acknowledged is lost by
// a crash, and a write error reaches the caller whose record it concerns.
func WithWaitDurable(wait bool) Option {
	return optionFunc(func(c *config) { c.waitDurable = wait })
}

// WithAdoption lets Open adopt records that no signed checkpoint covers
// where it would otherwise refuse them: records appended after the ledger
// was closed cleanly (a closed ledger ends with a checkpoint, so someone
// else wrote them), or a ledger whose checkpoint history is missing. The
// adoption is never silent: Open writes an adoption entry into the ledger
// naming the range and reason, emits an aims.ledger.adoption log record,
// and Verify reports it. reason says who decided and why; it must not be
// empty. Records left uncovered by a crash are adopted without this
// option, with the same entry and event.
func WithAdoption(reason string) Option {
	return optionFunc(func(c *config) {
		if strings.TrimSpace(reason) == "" {
			c.invalid("WithAdoption: the reason is empty; say who decided to adopt the records and why")
			return
		}
		c.adoption = reason
	})
}

// WithQueueSize bounds the number of records waiting to be written
// (default 4096). It must be positive.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.invalid("WithQueueSize: queue size %d must be positive", n)
			return
		}
		c.queueSize = n
	})
}

// WithDropWhenFull makes Append drop a record and return ErrQueueFull when
// the queue is full, counting it in the dropped metric, instead of
// blocking until there is room (the default, which loses nothing).
func WithDropWhenFull(drop bool) Option {
	return optionFunc(func(c *config) { c.dropWhenFull = drop })
}

// WithCheckpointEvery signs a checkpoint after every n records and at
// least every d while records arrive (defaults 10000 and 10 s). Zero or
// negative values disable that trigger; Close always checkpoints.
func WithCheckpointEvery(n int64, d time.Duration) Option {
	return optionFunc(func(c *config) { c.cpRecords, c.cpInterval = n, d })
}

// WithSegmentLimits starts a new segment file when the current one reaches
// maxBytes or maxAge (defaults 64 MiB and 24 h). Zero or negative values
// disable that trigger.
func WithSegmentLimits(maxBytes int64, maxAge time.Duration) Option {
	return optionFunc(func(c *config) { c.segMaxBytes, c.segMaxAge = maxBytes, maxAge })
}

// WithRetention sets the minimum retention (default six months): Prune
// never deletes a segment whose records were checkpointed less than this
// long ago. It must not be negative.
func WithRetention(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.invalid("WithRetention: retention %v is negative", d)
			return
		}
		c.retention = d
	})
}

// WithClock sets the clock used for checkpoint times, segment ages and
// retention (default time.Now). It exists for tests.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now == nil {
			c.invalid("WithClock: clock is nil")
			return
		}
		c.now = now
	})
}

// WithMeterProvider sets the MeterProvider for the ledger's metrics; nil
// means the global one (otel.GetMeterProvider), as does leaving it out.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.tel.MP = mp })
}

// WithTracerProvider is accepted for uniformity with the other aimskit
// constructors; the ledger creates no spans (its work happens off the
// request path, on its own goroutine).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tel.TP = tp })
}

// WithLoggerProvider sets the LoggerProvider for the ledger's recovery
// events; nil means the global one (otel.GetLoggerProvider), as does
// leaving it out.
func WithLoggerProvider(lp log.LoggerProvider) Option {
	return optionFunc(func(c *config) { c.tel.LP = lp })
}

// newConfig applies opts (ignoring nil ones) over the defaults and returns
// every invalid argument as one error.
func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c, errors.Join(c.errs...)
}
