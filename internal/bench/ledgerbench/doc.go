// Package ledgerbench holds benchmarks of the decision ledger
// (aims/ledger) against the ways a service would otherwise store a durable
// record, and of ledger verification at scale. It has no code of its own:
// everything is in its _test.go files, and its tests (a record check, a
// smoke run of every store with a handful of records and a small ledger
// written and verified as the big ones are) take well under a second
// (about a second with -race), so `go test ./...` stays fast. The first
// build compiles modernc.org/sqlite, which takes about a minute on two
// cores (more with -race); the build cache keeps it after that.
//
// # BenchmarkDurableAppend
//
// One op is one decision record (about 600 bytes of aims.Decision JSON,
// the same bytes for every store) appended durably by one of `callers`
// goroutines; b.N is split evenly across them. Sub-benchmarks are
// callers=1, 16, 64 × impl:
//
//   - ledger-durable: ledger.Append with WithWaitDurable(true) and the
//     default GroupCommit durability: Append returns once the record is
//     fsynced.
//   - ledger-queue: WithWaitDurable(false): Append returns once the record
//     is queued. The final Flush (which writes and fsyncs everything
//     queued) is inside the timed region, so the writer's work counts;
//     its per-call latencies are those of queueing only.
//   - slog-fsync: log/slog's JSON handler writing to a file, f.Sync after
//     every record, serialised by a mutex: what a service does naively
//     for a durable log line.
//   - sqlite-wal: modernc.org/sqlite (pure Go) with journal_mode=WAL and
//     synchronous=FULL, one INSERT per record in its own implicit
//     transaction, the database/sql pool sized to callers. SQLite
//     serialises writers (busy_timeout makes them wait for the lock).
//
// Reported: records/s (b.N over the elapsed time) and the per-append
// latency percentiles p50-µs and p99-µs (time.Since around every call,
// gathered per goroutine and merged after the timed region). The ledgers
// always pass WithWaitDurable explicitly, so the numbers mean the same
// whatever the ledger's default is. All files are in b.TempDir(), on one
// filesystem.
//
// # BenchmarkVerify
//
// Times ledger.Verify over a ledger of records=1e6 small (~150-byte)
// records, and records=1e7 (about 2.5 GB on disk) only when
// AIMSKIT_BENCH_BIG=1. Each ledger is written once per process outside
// the timer (NoSync, WithWaitDurable(false), a checkpoint every 100,000
// records, then every file fsynced so that no write-back competes with the
// first Verify), kept in a temporary directory for every iteration and
// removed by TestMain. Before each Verify the heap is collected twice
// (untimed; the second GC drops the writer's pooled buffers); during
// it a goroutine samples runtime/metrics every millisecond. Reported:
// records/s; peak-heap-MB, the highest /memory/classes/heap/objects:bytes
// (live plus not yet collected heap objects: what the process holds; a
// lower bound since it is sampled, and it moves with GC timing by up to a
// quarter from run to run); heap-B/record, that peak's growth over the
// post-GC baseline divided by the records; and peak-live-MB, the highest
// /gc/heap/live:bytes (the heap marked live by a GC cycle: what Verify
// retains, steady across runs, and the number that shows O(n) against
// O(log n) memory).
//
// # Running
//
//	go test -run '^$' -bench BenchmarkDurableAppend -benchmem -count 3 ./internal/bench/ledgerbench/
//	go test -run '^$' -bench BenchmarkVerify -benchmem -count 1 -timeout 60m ./internal/bench/ledgerbench/
//	AIMSKIT_BENCH_BIG=1 go test -run '^$' -bench BenchmarkVerify -benchmem -count 1 -timeout 60m ./internal/bench/ledgerbench/
//
// Compare runs with benchstat (golang.org/x/perf/cmd/benchstat). The
// append numbers depend on the disk's fsync latency far more than on the
// CPU, and both suites on the machine being otherwise idle (check the
// load average): compare runs from one machine, under the same load, only.
package ledgerbench
