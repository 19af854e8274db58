package ledgerbench_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/aimskit/aimskit/aims/ledger"
)

// store is one way to append a record durably.
type store interface {
	// Append appends one record; concurrent calls are allowed.
	Append(ctx context.Context, rec []byte) error
	// Finish makes every appended record durable (timed: it is the
	// queued ledger's writer catching up).
	Finish(ctx context.Context) error
	// Close releases the store (untimed).
	Close(ctx context.Context) error
}

// impl opens a store of one kind in dir for callers concurrent callers,
// and counts the records a closed store holds (for the smoke test).
type impl struct {
	name  string
	open  func(dir string, callers int) (store, error)
	count func(dir string) (int64, error)
}

var impls = []impl{
	{"ledger-durable", openLedger(true), countLedger},
	{"ledger-queue", openLedger(false), countLedger},
	{"slog-fsync", openSlog, countLines},
	{"sqlite-wal", openSQLite, countRows},
}

// ---- aims/ledger ----

type ledgerStore struct{ l *ledger.Ledger }

func openLedger(waitDurable bool) func(string, int) (store, error) {
	return func(dir string, _ int) (store, error) {
		signer, _ := keys()
		// WithWaitDurable is always given, so the benchmark means the same
		// whatever the ledger's default; durability is the default
		// GroupCommit, as are the checkpoint interval and queue size.
		l, err := ledger.Open(context.Background(), filepath.Join(dir, "ledger"), "credit-scoring", "bench",
			signer, ledger.WithWaitDurable(waitDurable), ledger.WithDurability(ledger.GroupCommit))
		if err != nil {
			return nil, err
		}
		return ledgerStore{l}, nil
	}
}

func (s ledgerStore) Append(ctx context.Context, rec []byte) error { return s.l.Append(ctx, rec) }
func (s ledgerStore) Finish(ctx context.Context) error             { return s.l.Flush(ctx) }
func (s ledgerStore) Close(ctx context.Context) error              { return s.l.Close(ctx) }

func countLedger(dir string) (int64, error) {
	_, v := keys()
	rep, err := ledger.Verify(filepath.Join(dir, "ledger"), []note.Verifier{v}, ledger.VerifyOptions{})
	if err != nil {
		return 0, err
	}
	return rep.Records, nil
}

// ---- log/slog to a file, fsync per record ----

type slogStore struct {
	mu sync.Mutex
	f  *os.File
	h  slog.Handler
}

func openSlog(dir string, _ int) (store, error) {
	f, err := os.OpenFile(filepath.Join(dir, "decisions.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	return &slogStore{f: f, h: slog.NewJSONHandler(f, nil)}, nil
}

// Append logs the record as the "decision" attribute of one JSON log line
// and fsyncs the file before the next caller may write. It calls the
// handler itself so that write errors are not dropped as Logger drops
// them.
func (s *slogStore) Append(ctx context.Context, rec []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "decision", 0)
	r.AddAttrs(slog.Any("decision", json.RawMessage(rec)))
	if err := s.h.Handle(ctx, r); err != nil {
		return err
	}
	return s.f.Sync()
}

func (s *slogStore) Finish(context.Context) error { return nil }
func (s *slogStore) Close(context.Context) error  { return s.f.Close() }

func countLines(dir string) (int64, error) {
	f, err := os.Open(filepath.Join(dir, "decisions.jsonl"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) || !bytes.Contains(sc.Bytes(), []byte(`"decision":{`)) {
			return n, fmt.Errorf("line %d is not a decision log line: %s", n+1, sc.Bytes())
		}
		n++
	}
	return n, sc.Err()
}

// ---- SQLite (modernc.org/sqlite), WAL, synchronous=FULL ----

type sqliteStore struct {
	db   *sql.DB
	stmt *sql.Stmt
}

// sqliteDSN sets the pragmas on every connection of the pool: WAL,
// synchronous=FULL (fsync the WAL at every commit) and a busy timeout so
// that writers wait for SQLite's single write lock instead of failing.
func sqliteDSN(dir string) string {
	return "file:" + filepath.Join(dir, "decisions.db") +
		"?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
}

func openSQLite(dir string, callers int) (store, error) {
	db, err := sql.Open("sqlite", sqliteDSN(dir))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(callers)
	db.SetMaxIdleConns(callers)
	ctx := context.Background()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("sqlite journal_mode is %q, want wal (%v)", mode, err)
	}
	var sync int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		db.Close()
		return nil, fmt.Errorf("sqlite synchronous is %d, want 2 (FULL) (%v)", sync, err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE decisions (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		db.Close()
		return nil, err
	}
	stmt, err := db.PrepareContext(ctx, "INSERT INTO decisions (body) VALUES (?)")
	if err != nil {
		db.Close()
		return nil, err
	}
	return &sqliteStore{db, stmt}, nil
}

// Append inserts the record in its own implicit transaction: the INSERT
// returns once the WAL is fsynced.
func (s *sqliteStore) Append(ctx context.Context, rec []byte) error {
	_, err := s.stmt.ExecContext(ctx, string(rec))
	return err
}

func (s *sqliteStore) Finish(context.Context) error { return nil }

func (s *sqliteStore) Close(context.Context) error {
	return errors.Join(s.stmt.Close(), s.db.Close())
}

func countRows(dir string) (int64, error) {
	db, err := sql.Open("sqlite", sqliteDSN(dir))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRow("SELECT count(*) FROM decisions WHERE json_valid(body)").Scan(&n)
	return n, err
}

// ---- the harness ----

// appendAll appends rec n times from callers goroutines (n split evenly;
// every goroutine is started before the timer is reset, and waits for
// the others), then calls Finish. It returns each call's latency. With a
// *testing.B the timed region is exactly the appends and Finish.
func appendAll(tb testing.TB, s store, rec []byte, callers, n int) ([]time.Duration, error) {
	ctx := context.Background()
	lat := make([][]time.Duration, callers)
	for i := range lat {
		lat[i] = make([]time.Duration, 0, n/callers+1)
	}
	errs := make([]error, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		ops := n / callers
		if i < n%callers {
			ops++
		}
		if ops == 0 {
			continue
		}
		wg.Go(func() {
			<-start
			for range ops {
				t0 := time.Now()
				err := s.Append(ctx, rec)
				d := time.Since(t0)
				if err != nil {
					errs[i] = err
					return
				}
				lat[i] = append(lat[i], d)
			}
		})
	}
	b, _ := tb.(*testing.B)
	if b != nil {
		b.ResetTimer()
	}
	close(start)
	wg.Wait()
	errs = append(errs, s.Finish(ctx))
	if b != nil {
		b.StopTimer()
	}
	return slices.Concat(lat...), errors.Join(errs...)
}

// BenchmarkDurableAppend compares a durable append of one decision record
// by one of 1, 16 or 64 concurrent callers across the ledger (waiting for
// the fsync, or only for the queue with the final flush timed), slog with
// fsync per record and SQLite in WAL mode. See the package doc.
func BenchmarkDurableAppend(b *testing.B) {
	rec := decisionRecord()
	for _, callers := range []int{1, 16, 64} {
		for _, im := range impls {
			b.Run(fmt.Sprintf("callers=%d/impl=%s", callers, im.name), func(b *testing.B) {
				settle()
				s, err := im.open(b.TempDir(), callers)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(rec)))
				b.ReportAllocs()
				lat, err := appendAll(b, s, rec, callers, b.N)
				if cerr := s.Close(context.Background()); err == nil {
					err = cerr
				}
				if err != nil {
					b.Fatal(err)
				}
				slices.Sort(lat)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(micros(percentile(lat, 0.50)), "p50-µs")
				b.ReportMetric(micros(percentile(lat, 0.99)), "p99-µs")
			})
		}
	}
}

// TestStores runs every store of BenchmarkDurableAppend with a few
// records from a few callers and checks that each holds them all, so the
// benchmark's peers stay correct although CI never runs benchmarks.
func TestStores(t *testing.T) {
	const callers, n = 3, 7
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := im.open(dir, callers)
			if err != nil {
				t.Fatal(err)
			}
			lat, err := appendAll(t, s, decisionRecord(), callers, n)
			if cerr := s.Close(context.Background()); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(lat) != n {
				t.Errorf("%d latencies, want %d", len(lat), n)
			}
			got, err := im.count(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Errorf("store holds %d records, want %d", got, n)
			}
		})
	}
}
