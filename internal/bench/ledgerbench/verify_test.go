package ledgerbench_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

// verifyCheckpointEvery is the checkpoint interval of the verified
// ledgers, in records.
const verifyCheckpointEvery = 100_000

// writeLedger writes a closed ledger of n small records into dir as fast
// as the ledger goes: no fsync but the checkpoints', Append returning
// once queued, a checkpoint every verifyCheckpointEvery records. (The
// records are the same but for their id; Verify's work does not depend
// on their content.)
func writeLedger(dir string, n int64) error {
	signer, _ := keys()
	ctx := context.Background()
	l, err := ledger.Open(ctx, dir, "credit-scoring", "bench", signer,
		ledger.WithDurability(ledger.NoSync),
		ledger.WithWaitDurable(false),
		ledger.WithCheckpointEvery(verifyCheckpointEvery, 0),
		ledger.WithQueueSize(1<<16))
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 256)
	for i := range n {
		buf = smallRecord(buf[:0], i)
		if err := l.Append(ctx, buf); err != nil {
			l.Close(ctx)
			return err
		}
	}
	return l.Close(ctx)
}

// verifyLedgers caches the ledgers of BenchmarkVerify by size for the
// whole test binary (so -count and the b.N ramp write each only once);
// TestMain removes them.
var (
	verifyMu      sync.Mutex
	verifyLedgers = map[int64]string{}
)

func cachedLedger(b *testing.B, n int64) string {
	verifyMu.Lock()
	defer verifyMu.Unlock()
	if dir, ok := verifyLedgers[n]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("ledgerbench-verify-%d-", n))
	if err != nil {
		b.Fatal(err)
	}
	tempMu.Lock()
	tempDirs = append(tempDirs, dir)
	tempMu.Unlock()
	t0 := time.Now()
	if err := writeLedger(dir, n); err != nil {
		b.Fatal(err)
	}
	// Write back the segments now, so that the first timed Verify does
	// not compete with the kernel writing hundreds of MB of dirty pages.
	if err := syncFiles(dir); err != nil {
		b.Fatal(err)
	}
	b.Logf("wrote a ledger of %d records (%.0f MB) in %v", n, float64(dirSize(dir))/1e6, time.Since(t0).Round(time.Millisecond))
	verifyLedgers[n] = dir
	return dir
}

// syncFiles fsyncs every file in dir.
func syncFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// The heap metrics sampled during Verify: the bytes of heap objects
// (live and not yet collected garbage, which is what the process holds),
// and the live heap as marked by the last GC cycle (what Verify retains,
// independent of when GC happens to run).
var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/gc/heap/live:bytes"}

type heapStats struct{ objects, live uint64 }

func (a heapStats) max(b heapStats) heapStats {
	return heapStats{max(a.objects, b.objects), max(a.live, b.live)}
}

func readHeap(s []metrics.Sample) heapStats {
	metrics.Read(s)
	return heapStats{s[0].Value.Uint64(), s[1].Value.Uint64()}
}

func heapSamples() []metrics.Sample {
	s := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		s[i].Name = name
	}
	return s
}

// heapSampler reads the heap metrics every millisecond until stopped,
// keeping the highest values.
type heapSampler struct {
	stop chan struct{}
	done chan heapStats
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan heapStats, 1)}
	go func() {
		s := heapSamples()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var peak heapStats
		for {
			peak = peak.max(readHeap(s))
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// Stop returns the peaks, including one last sample taken now.
func (h *heapSampler) Stop() heapStats {
	last := readHeap(heapSamples())
	close(h.stop)
	return last.max(<-h.done)
}

// BenchmarkVerify times ledger.Verify over a ledger of 1e6 records (and
// 1e7 with AIMSKIT_BENCH_BIG=1), written once outside the timer, and
// reports records/s and the peak heap. See the package doc.
func BenchmarkVerify(b *testing.B) {
	sizes := []int64{1_000_000}
	if os.Getenv("AIMSKIT_BENCH_BIG") == "1" {
		sizes = append(sizes, 10_000_000)
	}
	_, v := keys()
	verifiers := []note.Verifier{v}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("records=1e%d", len(fmt.Sprint(n))-1), func(b *testing.B) {
			dir := cachedLedger(b, n)
			b.ReportAllocs()
			var peak heapStats
			var growth uint64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				// Twice: the first GC only moves sync.Pool contents (the
				// ledger writer's record buffers) to the victim cache.
				runtime.GC()
				runtime.GC()
				base := readHeap(heapSamples())
				h := startHeapSampler()
				b.StartTimer()
				rep, err := ledger.Verify(dir, verifiers, ledger.VerifyOptions{})
				b.StopTimer()
				p := h.Stop()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Records != n {
					b.Fatalf("verified %d records, want %d", rep.Records, n)
				}
				peak = peak.max(p)
				if p.objects > base.objects {
					growth = max(growth, p.objects-base.objects)
				}
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(peak.objects)/1e6, "peak-heap-MB")
			b.ReportMetric(float64(growth)/float64(n), "heap-B/record")
			b.ReportMetric(float64(peak.live)/1e6, "peak-live-MB")
		})
	}
}

// TestWriteLedger writes and verifies a small ledger the way
// BenchmarkVerify writes its big ones.
func TestWriteLedger(t *testing.T) {
	const n = 2*verifyCheckpointEvery/100 + 7
	dir := t.TempDir()
	if err := writeLedger(dir, n); err != nil {
		t.Fatal(err)
	}
	_, v := keys()
	rep, err := ledger.Verify(dir, []note.Verifier{v}, ledger.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != n {
		t.Errorf("verified %d records, want %d", rep.Records, n)
	}
}
