package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/boltstore"
	"github.com/aimskit/aimskit/oversight/storetest"
)

// heldCommit opens a store whose first grouped commit waits until release
// is closed, so that the Creates started meanwhile queue behind it; it
// returns the sizes of the groups committed.
func heldCommit(t *testing.T, path string) (s *boltstore.Store, entered, release chan struct{}, sizes func() []int) {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []int
	entered, release = make(chan struct{}), make(chan struct{})
	first := true
	boltstore.SetCommitHook(s, func(n int) {
		mu.Lock()
		got = append(got, n)
		wait := first
		first = false
		mu.Unlock()
		if wait {
			close(entered)
			<-release
		}
	})
	return s, entered, release, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), got...)
	}
}

// waitQueued waits until n Creates wait for the next commit.
func waitQueued(t *testing.T, s *boltstore.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a hang detector, not a timing assertion
	for boltstore.WaitingCreates(s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d Creates queued, want %d", boltstore.WaitingCreates(s), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCreatesArrivingDuringACommitShareTheNext: 31 held tickets created
// while one commit is under way are committed together by the next
// transaction, and every one is in the file after a restart.
func TestCreatesArrivingDuringACommitShareTheNext(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	s, entered, release, sizes := heldCommit(t, path)
	const n = 32
	tickets := make([]oversight.Ticket, n)
	for i := range tickets {
		tickets[i] = storetest.NewTicket(t, i, time.Duration(i)*time.Second)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); errs[0] = s.Create(ctx, tickets[0]) }()
	<-entered
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Create(ctx, tickets[i]) }()
	}
	waitQueued(t, s, n-1)
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if got := sizes(); len(got) != 2 || got[0] != 1 || got[1] != n-1 {
		t.Errorf("groups committed %v, want [1 %d]", got, n-1)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	for _, tk := range tickets {
		if _, err := s2.Get(ctx, tk.ID); err != nil {
			t.Errorf("ticket %s after restart: %v", tk.ID, err)
		}
	}
}

// TestGroupedCreatesOfOneIDGiveOneTicket: two Creates of one ID in the same
// group end as they would one after the other: one ticket, one
// ErrTicketExists, and the group's other tickets committed.
func TestGroupedCreatesOfOneIDGiveOneTicket(t *testing.T) {
	ctx := context.Background()
	s, entered, release, sizes := heldCommit(t, filepath.Join(t.TempDir(), "tickets.db"))
	defer s.Close(ctx)
	first, dup, other := storetest.NewTicket(t, 1, 0), storetest.NewTicket(t, 2, time.Second), storetest.NewTicket(t, 3, 2*time.Second)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.Create(ctx, first); err != nil {
			t.Errorf("first: %v", err)
		}
	}()
	<-entered
	errs := make([]error, 3)
	for i, tk := range []oversight.Ticket{dup, other, dup} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Create(ctx, tk) }()
		waitQueued(t, s, i+1)
	}
	close(release)
	wg.Wait()
	if errs[1] != nil {
		t.Errorf("other ticket: %v", errs[1])
	}
	exists := 0
	for _, err := range []error{errs[0], errs[2]} {
		switch {
		case err == nil:
		case errors.Is(err, oversight.ErrTicketExists):
			exists++
		default:
			t.Errorf("duplicate create: %v", err)
		}
	}
	if exists != 1 {
		t.Errorf("%d of the two Creates of one ID were refused, want 1 (%v)", exists, errs)
	}
	for _, tk := range []oversight.Ticket{first, dup, other} {
		if _, err := s.Get(ctx, tk.ID); err != nil {
			t.Errorf("ticket %s: %v", tk.ID, err)
		}
	}
	if got := sizes(); len(got) != 3 || got[1] != 3 || got[2] != 2 {
		t.Errorf("groups committed %v, want [1 3 2] (the failed group again without its failing Create)", got)
	}
}

// TestCreatesRacingCloseAllReturn: Creates racing Close each return, none
// hangs, and every Create that succeeded is in the file when it is opened
// again.
func TestCreatesRacingCloseAllReturn(t *testing.T) {
	ctx := context.Background()
	acknowledged := 0
	for round := 0; round < 5; round++ {
		path := filepath.Join(t.TempDir(), "tickets.db")
		s, err := boltstore.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		const n = 64
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Create(ctx, storetest.NewTicket(t, round*n+i, time.Duration(i)*time.Second))
			}()
			if i == n/2 {
				wg.Add(1)
				go func() { defer wg.Done(); _ = s.Close(ctx) }()
			}
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Creates racing Close did not all return")
		}
		_ = s.Close(ctx)
		s2, err := boltstore.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if err != nil {
				continue
			}
			acknowledged++
			id := storetest.NewTicket(t, round*n+i, 0).ID
			if _, err := s2.Get(ctx, id); err != nil {
				t.Errorf("round %d: ticket %s was acknowledged but is not in the file: %v", round, id, err)
			}
		}
		if err := s2.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if acknowledged == 0 {
		t.Error("no Create succeeded before Close: the test checked nothing")
	}
}
