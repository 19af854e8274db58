package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// simulateTraffic drives n applications against the running service: the
// second half after an income shift (a drift episode), with credit officers
// reviewing held decisions (agreeing mostly, overriding some), a few
// applicants contesting refusals, a short halt of the system, and the real
// repayment outcomes reported back so the fairness monitor sees labels.
func simulateTraffic(ctx context.Context, svc *service, base string, n int, seed uint64, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pop := newPopulation(seed)
	client := &http.Client{Timeout: 30 * time.Second}

	reviewers := []oversight.Reviewer{
		{ID: "alice", Roles: []string{"credit-officer"}},
		{ID: "bob", Roles: []string{"credit-officer"}},
		{ID: "carol", Roles: []string{"senior-credit-officer"}},
		// More officers: a contest must be reviewed by two people (high
		// risk) who did not review the contested decision.
		{ID: "dave", Roles: []string{"credit-officer"}},
		{ID: "erin", Roles: []string{"credit-officer"}},
	}
	var wg sync.WaitGroup
	stats := &reviewStats{}
	for i, r := range reviewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reviewLoop(ctx, svc.gate, r, uint64(i)+seed, stats)
		}()
	}

	type sent struct {
		id            string
		repaid        bool
		modelApproved bool
	}
	var decided []sent
	var denied, held []string
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		if i == n/2 {
			pop.shift = -0.35 // the economy turns: incomes drop
		}
		if i == n/3 {
			// The stop button, pressed and released: both are recorded.
			if err := svc.gate.Halt(ctx, systemID, reviewers[2], "simulated incident: data feed check"); err != nil {
				return fmt.Errorf("halt: %w", err)
			}
		}
		a := pop.applicant(i)
		var resp decisionResponse
		if err := postJSON(ctx, client, base+"/v1/applications", a, &resp); err != nil {
			return fmt.Errorf("application %d: %w", i, err)
		}
		if i == n/3 {
			if err := svc.gate.Resume(ctx, systemID, reviewers[2], "data feed verified"); err != nil {
				return fmt.Errorf("resume: %w", err)
			}
		}
		counts[resp.Status]++
		decided = append(decided, sent{id: resp.DecisionID, repaid: pop.repaid(a), modelApproved: resp.Score >= threshold})
		if resp.Status == "pending_review" {
			held = append(held, resp.TicketID)
		}
	}
	waitForEmptyQueue(ctx, svc.gate, 20*time.Second)
	// Some refused applicants contest (GDPR Art. 22, AI Act Art. 86).
	for _, tid := range held {
		if len(denied) == 5 {
			break
		}
		out, err := svc.gate.Status(ctx, tid)
		if err != nil {
			return fmt.Errorf("ticket %s: %w", tid, err)
		}
		if out.Applied && out.Decision.Output == "deny" {
			denied = append(denied, out.Decision.ID)
		}
	}
	for _, id := range denied {
		var out map[string]any
		if err := postJSON(ctx, client, base+"/v1/decisions/"+id+"/contest",
			map[string]string{"grounds": "My income has increased since; please review."}, &out); err != nil {
			return fmt.Errorf("contest %s: %w", id, err)
		}
	}
	// Repayment outcomes arrive later.
	for _, d := range decided {
		body := map[string]bool{"repaid": d.repaid, "model_approved": d.modelApproved}
		if err := postJSON(ctx, client, base+"/v1/decisions/"+d.id+"/outcome", body, nil); err != nil {
			return fmt.Errorf("outcome %s: %w", d.id, err)
		}
	}
	// Let reviewers drain the queue, then give the monitors a last evaluation.
	waitForEmptyQueue(ctx, svc.gate, 20*time.Second)
	cancel()
	wg.Wait()
	if _, err := svc.drift.Evaluate(context.Background()); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("drift evaluation: %w", err)
	}
	fmt.Fprintf(stdout, "simulated %d applications: %v; reviews: %s; contests: %d\n", n, counts, stats, len(denied))
	return nil
}

type reviewStats struct {
	mu                                    sync.Mutex
	approved, rejected, overridden, other int
}

func (s *reviewStats) add(action string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch action {
	case "approve":
		s.approved++
	case "reject":
		s.rejected++
	case "override":
		s.overridden++
	default:
		s.other++
	}
}

func (s *reviewStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%d approvals, %d rejections, %d overrides", s.approved, s.rejected, s.overridden)
}

// reviewLoop is one credit officer working the queue: agree with the model
// most of the time, override a refusal close to the threshold now and then
// (with a reason, as the gate requires), and decide contests.
func reviewLoop(ctx context.Context, g *oversight.Gate, r oversight.Reviewer, seed uint64, stats *reviewStats) {
	n := seed
	for ctx.Err() == nil {
		t, err := g.Claim(ctx, r)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		n = n*6364136223846793005 + 1442695040888963407
		d := t.Decision
		score := 0.0
		if d.Score != nil {
			score = *d.Score
		}
		var actErr error
		switch {
		case t.Kind == oversight.KindContest:
			_, actErr = g.Approve(ctx, t.ID, r, "original decision confirmed after re-assessment")
			stats.add("approve")
		case d.Output == "deny" && score > threshold-band/2 && (n>>33)%4 == 0:
			_, actErr = g.Override(ctx, t.ID, r, "approve", "applicant documented additional income")
			stats.add("override")
		case d.Output == "approve" && (n>>33)%10 == 0:
			_, actErr = g.Reject(ctx, t.ID, r, "affordability check failed on manual review")
			stats.add("reject")
		default:
			_, actErr = g.Approve(ctx, t.ID, r, "agree with the model's proposal")
			stats.add("approve")
		}
		_ = actErr // a four-eyes or lease conflict just means another officer got there first
	}
}

func postJSON(ctx context.Context, c *http.Client, url string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return err
		}
	}
	return nil
}

func waitForEmptyQueue(ctx context.Context, g *oversight.Gate, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if q, err := g.Queue(ctx, 1); err != nil || len(q) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
