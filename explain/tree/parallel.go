package tree

import (
	"context"
	"runtime"
	"sync"
)

// rowChunk is the number of rows a worker takes at a time: big enough to
// amortise the hand-off, small enough to balance uneven rows.
const rowChunk = 16

// forRows runs fn over the rows [0,n) in chunks on up to workers
// goroutines. Each worker gets its own index w in [0,workers) so that it can
// use private scratch. It stops early and returns ctx.Err() when the context
// is cancelled, and returns the first error fn reports. All goroutines have
// finished when it returns.
func forRows(ctx context.Context, n, workers int, fn func(w, lo, hi int) error) error {
	return forChunks(ctx, n, workers, rowChunk, fn)
}

// forChunks is forRows with chunks of the given number of rows.
func forChunks(ctx context.Context, n, workers, rowChunk int, fn func(w, lo, hi int) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if maxW := (n + rowChunk - 1) / rowChunk; workers > maxW {
		workers = maxW
	}
	if workers <= 1 {
		for lo := 0; lo < n; lo += rowChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(0, lo, min(lo+rowChunk, n)); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next >= n {
			return 0, false
		}
		if err := ctx.Err(); err != nil {
			firstErr = err
			return 0, false
		}
		lo := next
		next += rowChunk
		return lo, true
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				lo, ok := take()
				if !ok {
					return
				}
				if err := fn(w, lo, min(lo+rowChunk, n)); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return firstErr
}

func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// cacheLinePad separates the scratch of different workers: scratch
// structs end with a pad and per-worker buffers are allocated separately
// with slack, so two workers never write to the same cache line (false
// sharing makes parallel runs slower than serial ones).
type cacheLinePad [128]byte

// padded returns a fresh slice of n elements followed by unused slack.
func padded[T any](n int) []T { return make([]T, n, n+32) }
