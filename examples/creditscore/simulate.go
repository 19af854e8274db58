package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aimskit/aimskit/oversight"
)

// Tally is the simulator's own account of everything it did, kept
// independently of the service: what the ledger and the telemetry must
// show, exactly. It is safe for concurrent use while the simulation runs;
// read it after simulateTraffic returns.
type Tally struct {
	mu sync.Mutex
	// Applications is every application the service took a decision on;
	// Refused, the invalid ones it refused (4xx) without deciding.
	Applications, Refused int
	// ByGroup counts applications by "sex=…,region=…" (the fairness monitor's
	// group names), BySex and ByRegion by each sensitive feature.
	ByGroup, BySex, ByRegion map[string]int
	// Statuses counts the first answers (decided, pending_review,
	// not_applied:block).
	Statuses map[string]int
	// Held is how many decisions were held for review (tickets), of which
	// OutOfIntendedUse for being outside the intended use.
	Held, OutOfIntendedUse int
	// Votes counts the reviewer actions the gate accepted ("approve",
	// "reject", "override"), each a record of its own; Resolutions counts
	// the votes that resolved a ticket, by "<ticket kind>:<action>".
	Votes, Resolutions map[string]int
	// Overrides counts the override votes by "<original>-><new output>".
	Overrides map[string]int
	// Contests lists the decisions contested, Halts and Resumes the stop
	// button presses.
	Contests       []string
	Halts, Resumes int
	// Final counts the decisions by their final outcome as the applicant
	// sees it after every review ("approve", "deny", "not_applied:…"), and
	// FinalByGroup the final approvals by group.
	Final, FinalApprovedByGroup map[string]int
	// Labels is how many repayment outcomes the service accepted, Repaid
	// how many of them were repaid, LabelsByGroup the labels by group.
	Labels, Repaid int
	LabelsByGroup  map[string]int
	// IncidentsClosed counts the incidents the simulated validator took
	// through the whole life cycle to closed, by source; EpisodeDecisions
	// is how many decisions of the drift episode she linked to each drift
	// incident.
	IncidentsClosed  map[string]int
	EpisodeDecisions int
	// UserReports lists the decisions an applicant reported a problem
	// with (each reported twice).
	UserReports []string
}

func newTally() *Tally {
	return &Tally{ByGroup: map[string]int{}, BySex: map[string]int{}, ByRegion: map[string]int{},
		Statuses: map[string]int{}, Votes: map[string]int{}, Resolutions: map[string]int{}, Overrides: map[string]int{},
		Final: map[string]int{}, FinalApprovedByGroup: map[string]int{}, LabelsByGroup: map[string]int{},
		IncidentsClosed: map[string]int{}}
}

func (t *Tally) with(f func(t *Tally)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(t)
}

// String prints the tally, one line per kind of count, maps sorted.
func (t *Tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "tally of the simulation (ground truth):\n")
	fmt.Fprintf(&b, "  applications decided: %d (refused as invalid: %d)\n", t.Applications, t.Refused)
	fmt.Fprintf(&b, "  by group: %s; by sex: %s; by region: %s\n", sortedMap(t.ByGroup), sortedMap(t.BySex), sortedMap(t.ByRegion))
	fmt.Fprintf(&b, "  first answers: %s; held for review: %d (outside the intended use: %d)\n", sortedMap(t.Statuses), t.Held, t.OutOfIntendedUse)
	fmt.Fprintf(&b, "  votes: %s; resolutions: %s; overrides: %s\n", sortedMap(t.Votes), sortedMap(t.Resolutions), sortedMap(t.Overrides))
	fmt.Fprintf(&b, "  contests: %d; halts: %d; resumes: %d\n", len(t.Contests), t.Halts, t.Resumes)
	fmt.Fprintf(&b, "  final outcomes: %s; final approvals by group: %s\n", sortedMap(t.Final), sortedMap(t.FinalApprovedByGroup))
	fmt.Fprintf(&b, "  repayment outcomes reported: %d (repaid: %d); by group: %s\n", t.Labels, t.Repaid, sortedMap(t.LabelsByGroup))
	fmt.Fprintf(&b, "  problem reports: %d; incidents closed after a corrective action: %s (drift episode decisions linked: %d)\n",
		len(t.UserReports), sortedMap(t.IncidentsClosed), t.EpisodeDecisions)
	return b.String()
}

func sortedMap(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// simulateTraffic drives n applications against the running service: the
// second half after an income shift (a drift episode), some outside the
// intended use (amounts above EUR 30,000), a few invalid requests, with
// credit officers reviewing held decisions (agreeing mostly, overriding
// some), a few applicants contesting refusals with their contest
// credential, a short halt of the system, and the real repayment outcomes
// reported back with the service credential, so the monitors see labels.
// It returns its own tally of all of it.
func simulateTraffic(ctx context.Context, svc *service, base string, n int, seed uint64, stdout io.Writer) (*Tally, error) {
	return simulateFleet(ctx, []replica{{svc, base}}, n, seed, stdout)
}

// replica is one running instance of the service and its base URL.
type replica struct {
	svc  *service
	base string
}

// simulateFleet is simulateTraffic against the replicas of a fleet, as a
// load balancer would spread it: application i goes to replica i mod N,
// and what an applicant or the servicing system later asks about a
// decision goes to the replica that made it (its decision book, in
// memory, holds the applicant's groups for the fairness monitor). The
// credit officers work the shared queue from different replicas, the halt
// is pressed on the first replica and released on the last. What it does
// depends only on the seed, not on decision IDs or timing, so a fleet and
// one replica given the same seed see the same traffic and take the same
// decisions (fleet_test.go). The incident work at the end (closing drift
// and halt incidents) runs for one replica only: in a fleet each
// replica's monitors raise their own alarms.
func simulateFleet(ctx context.Context, replicas []replica, n int, seed uint64, stdout io.Writer) (*Tally, error) {
	svc, base := replicas[0].svc, replicas[0].base
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pop := newPopulation(seed)
	client := &http.Client{Timeout: 30 * time.Second}
	tally := newTally()

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
	for i, r := range reviewers {
		g := replicas[i%len(replicas)].svc.gate // each officer logged in to one replica
		wg.Add(1)
		go func() {
			defer wg.Done()
			reviewLoop(ctx, g, r, tally)
		}()
	}

	// A few requests a strict service must refuse without deciding.
	for _, bad := range []string{
		`{"customer_id":"x","age":35,"income":42000,"debt":0,"term_months":36,"amount":12000,"years_employed":4,"late_payments":0,"region":"north","sex":"female"} {"again":1}`,
		`{"customer_id":"x","age":35,"income":42000,"debt":0,"term_months":36,"amount":1e308,"years_employed":4,"late_payments":0,"region":"north","sex":"female","vip":true}`,
	} {
		status, _, err := do(ctx, client, http.MethodPost, base+"/v1/applications", "", []byte(bad))
		if err != nil {
			return tally, err
		}
		if status < 400 || status >= 500 {
			return tally, fmt.Errorf("invalid application answered %d, want a 4xx refusal", status)
		}
		tally.with(func(t *Tally) { t.Refused++ })
	}

	type sent struct {
		id, token, group string
		repaid           bool
		at               replica // the replica that made the decision
	}
	// A halt pressed on one replica stops the others at their next
	// decision after their halt refresh (1 s by default); the fleet's
	// simulation waits that long, so the same application is refused.
	haltWait := time.Duration(0)
	if len(replicas) > 1 {
		haltWait = max(svc.cfg.haltRefresh, time.Second) + 200*time.Millisecond
	}
	var decided []sent
	for i := 0; i < n; i++ {
		if i == n/2 {
			pop.shift = -0.35 // the economy turns: incomes drop
		}
		if i == n/3 {
			// The stop button, pressed and released: both are recorded.
			if err := svc.gate.Halt(ctx, systemID, reviewers[2], "simulated incident: data feed check"); err != nil {
				return tally, fmt.Errorf("halt: %w", err)
			}
			tally.with(func(t *Tally) { t.Halts++ })
			time.Sleep(haltWait)
		}
		at := replicas[i%len(replicas)]
		a := pop.applicant(i)
		if i%40 == 7 {
			a.Amount = 45000 // above the intended use: a person decides
		}
		var resp decisionResponse
		if err := postJSON(ctx, client, at.base+"/v1/applications", "", a, &resp); err != nil {
			return tally, fmt.Errorf("application %d: %w", i, err)
		}
		if i == n/3 {
			last := replicas[len(replicas)-1].svc.gate
			if err := last.Resume(ctx, systemID, reviewers[2], "data feed verified"); err != nil {
				return tally, fmt.Errorf("resume: %w", err)
			}
			tally.with(func(t *Tally) { t.Resumes++ })
			time.Sleep(haltWait)
		}
		group := "sex=" + a.Sex + ",region=" + a.Region
		tally.with(func(t *Tally) {
			t.Applications++
			t.ByGroup[group]++
			t.BySex[a.Sex]++
			t.ByRegion[a.Region]++
			t.Statuses[resp.Status]++
			if resp.Status == "pending_review" {
				t.Held++
				if len(resp.OutsideIntendedUse) > 0 {
					t.OutOfIntendedUse++
				}
			}
		})
		decided = append(decided, sent{id: resp.DecisionID, token: resp.ContestToken, group: group, repaid: pop.repaid(a), at: at})
	}
	waitForEmptyQueue(ctx, svc.gate, 20*time.Second)

	// Some refused applicants contest (GDPR Art. 22, AI Act Art. 86), with
	// the credential their decision response gave them; they look their
	// decision up by its ID first.
	for _, d := range decided {
		if len(tally.Contests) == 5 {
			break
		}
		var st decisionResponse
		if err := getJSON(ctx, client, d.at.base+"/v1/decisions/"+d.id, d.token, &st); err != nil {
			return tally, fmt.Errorf("decision %s: %w", d.id, err)
		}
		if st.Status != "decided" || st.Decision != "deny" {
			continue
		}
		var out map[string]any
		if err := postJSON(ctx, client, d.at.base+"/v1/decisions/"+d.id+"/contest", d.token,
			map[string]string{"grounds": "My income has increased since; please review."}, &out); err != nil {
			return tally, fmt.Errorf("contest %s: %w", d.id, err)
		}
		tally.with(func(t *Tally) { t.Contests = append(t.Contests, d.id) })
	}
	waitForEmptyQueue(ctx, svc.gate, 20*time.Second)

	// One contesting applicant also reports a problem with the decision,
	// and, impatient, reports it again: one incident either way.
	if len(tally.Contests) > 0 {
		id := tally.Contests[0]
		var token, at string
		for _, d := range decided {
			if d.id == id {
				token, at = d.token, d.at.base
			}
		}
		for range 2 {
			if err := postJSON(ctx, client, at+"/v1/decisions/"+id+"/report", token,
				map[string]string{"problem": "The reasons given do not match my situation."}, nil); err != nil {
				return tally, fmt.Errorf("report %s: %w", id, err)
			}
		}
		tally.with(func(t *Tally) { t.UserReports = append(t.UserReports, id) })
	}

	// Where every decision ended up, as its applicant sees it.
	finals := make([]string, len(decided))
	for i, d := range decided {
		var st decisionResponse
		if err := getJSON(ctx, client, d.at.base+"/v1/decisions/"+d.id, d.token, &st); err != nil {
			return tally, fmt.Errorf("decision %s: %w", d.id, err)
		}
		final := st.Status
		if st.Status == "decided" {
			final = st.Decision
		}
		finals[i] = final
		tally.with(func(t *Tally) {
			t.Final[final]++
			if final == "approve" {
				t.FinalApprovedByGroup[d.group]++
			}
		})
	}

	// Repayment outcomes arrive later, from the servicing system, for
	// every decision that is final.
	for i, d := range decided {
		if finals[i] == "pending_review" {
			continue
		}
		body := map[string]bool{"repaid": d.repaid}
		if err := postJSON(ctx, client, d.at.base+"/v1/decisions/"+d.id+"/outcome", d.at.svc.creds.serviceToken, body, nil); err != nil {
			return tally, fmt.Errorf("outcome %s: %w", d.id, err)
		}
		tally.with(func(t *Tally) {
			t.Labels++
			t.LabelsByGroup[d.group]++
			if d.repaid {
				t.Repaid++
			}
		})
	}
	cancel()
	wg.Wait()
	for _, r := range replicas {
		if _, err := r.svc.drift.Evaluate(context.Background()); err != nil && !errors.Is(err, context.Canceled) {
			return tally, fmt.Errorf("drift evaluation: %w", err)
		}
	}
	if len(replicas) > 1 {
		fmt.Fprintf(stdout, "simulated %d applications on %d replicas\n%s", n, len(replicas), tally)
		return tally, nil
	}
	// The drift episode's decisions, for the incidents it opened.
	var episode []string
	for _, d := range decided[n/2:] {
		episode = append(episode, d.id)
	}
	closed, err := incidentWork(context.Background(), svc, client, base, episode)
	if err != nil {
		return tally, fmt.Errorf("incident handling: %w", err)
	}
	tally.with(func(t *Tally) {
		for src, k := range closed {
			t.IncidentsClosed[string(src)] += k
		}
		t.EpisodeDecisions = len(episode)
	})
	fmt.Fprintf(stdout, "simulated %d applications\n%s", n, tally)
	return tally, nil
}

// reviewLoop is one credit officer working the queue: agree with the model
// most of the time, override a refusal close to the threshold now and then
// (with a reason, as the gate requires), and decide contests. What to do
// with a ticket follows from its decision, so the two officers that
// four-eyes review needs agree.
func reviewLoop(ctx context.Context, g *oversight.Gate, r oversight.Reviewer, tally *Tally) {
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
		d := t.Decision
		score := 0.0
		if d.Score != nil {
			score = *d.Score
		}
		// What to do follows from the application (its score), not from
		// the decision's random ID, so the same traffic is reviewed the
		// same way in every run.
		h := fnv.New64a()
		h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(score)))
		n := h.Sum64()
		var (
			out    oversight.Outcome
			actErr error
			action = "approve"
			output = d.Output
		)
		switch {
		case t.Kind == oversight.KindContest:
			out, actErr = g.Approve(ctx, t.ID, r, "original decision confirmed after re-assessment")
		case d.Output == "deny" && score > threshold-band/2 && n%4 == 0:
			action, output = "override", "approve"
			out, actErr = g.Override(ctx, t.ID, r, "approve", "applicant documented additional income")
		case d.Output == "approve" && n%10 == 0:
			action = "reject"
			out, actErr = g.Reject(ctx, t.ID, r, "affordability check failed on manual review")
		default:
			out, actErr = g.Approve(ctx, t.ID, r, "agree with the model's proposal")
		}
		if errors.Is(actErr, oversight.ErrHalted) {
			// The system is halted: the claim was given back; try again
			// after a pause, when it may be resumed.
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		if actErr != nil {
			continue // a four-eyes or lease conflict: another officer got there first
		}
		tally.with(func(tl *Tally) {
			tl.Votes[action]++
			if action == "override" {
				tl.Overrides[d.Output+"->"+output]++
			}
			if !out.Pending() {
				tl.Resolutions[string(t.Kind)+":"+action]++
			}
		})
	}
}

func getJSON(ctx context.Context, c *http.Client, url, token string, out any) error {
	status, raw, err := do(ctx, c, http.MethodGet, url, token, nil)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("%d: %s", status, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, out)
}

func do(ctx context.Context, c *http.Client, method, url, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func postJSON(ctx context.Context, c *http.Client, url, token string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	status, raw, err := do(ctx, c, http.MethodPost, url, token, body)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("%d: %s", status, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
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
