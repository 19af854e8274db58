package postgres_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aimskit/aimskit/aims"
	"github.com/aimskit/aimskit/oversight"
	"github.com/aimskit/aimskit/oversight/postgres"
)

// The environment of a replica process (TestReplicaProcess).
const (
	envReplicaSchema  = "AIMSKIT_TEST_REPLICA_SCHEMA"       // the schema to open; set only in replicas
	envReplicaRefresh = "AIMSKIT_TEST_REPLICA_HALT_REFRESH" // WithHaltRefresh, a time.Duration; empty = default
	replicaLine       = "replica: "                         // prefix of the replica's answers on stdout
)

// replicaCmd is one command to a replica process.
type replicaCmd struct {
	Op       string `json:"op"` // submit, halt, resume, contest, claim, approve, ticket, decision
	Output   string `json:"output,omitempty"`
	Subject  string `json:"subject,omitempty"`
	ID       string `json:"id,omitempty"` // a decision or ticket ID
	Reviewer string `json:"reviewer,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// replicaAnswer is a replica's answer to one command.
type replicaAnswer struct {
	Err        string `json:"err,omitempty"`
	Action     string `json:"action,omitempty"`
	Applied    bool   `json:"applied,omitempty"`
	Policy     string `json:"policy,omitempty"`
	DecisionID string `json:"decision_id,omitempty"`
	TicketID   string `json:"ticket_id,omitempty"`
	Kind       string `json:"kind,omitempty"`
	State      string `json:"state,omitempty"`
	Resolution string `json:"resolution,omitempty"` // the resolution's action
	ResolvedBy string `json:"resolved_by,omitempty"`
	PID        int    `json:"pid,omitempty"`
}

// nopRecorder checks and drops decision records.
type nopRecorder struct{}

func (nopRecorder) Record(_ context.Context, d aims.Decision) error { return d.Validate() }

// TestReplicaProcess is not a test of its own: TestFleetInSeparateProcesses
// runs the test binary again with this test only and envReplicaSchema
// set, and the process is then one replica of the service. It opens its
// own pool and Gate on the schema and serves replicaCmds read from stdin
// as JSON lines, answering each on stdout after replicaLine, until stdin
// closes.
func TestReplicaProcess(t *testing.T) {
	name := os.Getenv(envReplicaSchema)
	if name == "" {
		t.Skip("run by TestFleetInSeparateProcesses as a replica process")
	}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = name
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := postgres.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	opts := []oversight.Option{oversight.WithStore(s), oversight.WithSweepInterval(0),
		oversight.WithPolicy(oversight.Always(oversight.RouteApply, "test")),
		oversight.WithRiskLevel("credit", aims.RiskLimited)}
	if v := os.Getenv(envReplicaRefresh); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, oversight.WithHaltRefresh(d))
	}
	g, err := oversight.New(ctx, nopRecorder{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	enc := json.NewEncoder(os.Stdout)
	answer := func(a replicaAnswer) {
		fmt.Print(replicaLine)
		if err := enc.Encode(a); err != nil {
			t.Fatal(err)
		}
	}
	answer(replicaAnswer{PID: os.Getpid()}) // ready
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var c replicaCmd
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		answer(serveReplica(ctx, g, c))
	}
}

// serveReplica carries out one command on a replica's Gate.
func serveReplica(ctx context.Context, g *oversight.Gate, c replicaCmd) replicaAnswer {
	var a replicaAnswer
	fail := func(err error) replicaAnswer { a.Err = err.Error(); return a }
	ticket := func(tk oversight.Ticket) {
		a.TicketID, a.Kind, a.State = tk.ID, string(tk.Kind), string(tk.State)
		if tk.Resolution != nil {
			a.Resolution, a.ResolvedBy = string(tk.Resolution.Action), tk.Resolution.Decision.Oversight.Reviewer
		}
	}
	outcome := func(o oversight.Outcome) {
		a.Action, a.Applied, a.DecisionID = string(o.Action), o.Applied, o.Decision.ID
		if o.Decision.Oversight != nil {
			a.Policy = o.Decision.Oversight.Policy
		}
		if o.Ticket != nil {
			ticket(*o.Ticket)
		}
	}
	me := oversight.Reviewer{ID: c.Reviewer, Roles: []string{"reviewer"}}
	switch c.Op {
	case "submit":
		d, err := aims.NewDecision(ctx, "credit")
		if err != nil {
			return fail(err)
		}
		d.Output, d.Subject = c.Output, c.Subject
		o, err := g.Submit(ctx, d)
		if err != nil {
			return fail(err)
		}
		outcome(o)
	case "halt", "resume":
		f := g.Halt
		if c.Op == "resume" {
			f = func(ctx context.Context, id string, r oversight.Reviewer, reason string, _ ...oversight.HaltOption) error {
				return g.Resume(ctx, id, r, reason)
			}
		}
		if err := f(ctx, "credit", me, c.Reason); err != nil {
			return fail(err)
		}
	case "contest":
		tk, err := g.Contest(ctx, c.ID, c.Reason)
		if err != nil {
			return fail(err)
		}
		ticket(tk)
	case "claim":
		tk, err := g.Claim(ctx, me)
		if err != nil {
			return fail(err)
		}
		ticket(tk)
	case "approve":
		o, err := g.Approve(ctx, c.ID, me, c.Reason)
		if err != nil {
			return fail(err)
		}
		outcome(o)
	case "ticket":
		tk, err := g.Ticket(ctx, c.ID)
		if err != nil {
			return fail(err)
		}
		ticket(tk)
	case "decision":
		o, err := g.Decision(ctx, c.ID)
		if err != nil {
			return fail(err)
		}
		outcome(o)
	default:
		return fail(fmt.Errorf("unknown command %q", c.Op))
	}
	return a
}

// replica is the test's handle on one replica process.
type replica struct {
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	pid  int
}

// startReplica starts a replica process on schema, with the given
// WithHaltRefresh ("" for the default), and waits until it is ready.
func startReplica(t *testing.T, name, schema, refresh string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envReplicaSchema+"="+schema, envReplicaRefresh+"="+refresh)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() {
		_ = in.Close() // the replica closes its Gate and pool and exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("replica %s exited: %v\n%s", name, err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("replica %s did not exit within 30s of its stdin closing", name)
		}
	})
	ready := r.read(t)
	if ready.PID == 0 || ready.PID == os.Getpid() {
		t.Fatalf("replica %s: ready with pid %d (test pid %d)", name, ready.PID, os.Getpid())
	}
	r.pid = ready.PID
	return r
}

// read returns the replica's next answer, skipping the test framework's
// own output.
func (r *replica) read(t *testing.T) replicaAnswer {
	t.Helper()
	for r.out.Scan() {
		line, ok := strings.CutPrefix(r.out.Text(), replicaLine)
		if !ok {
			continue
		}
		var a replicaAnswer
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("replica %s: %q: %v", r.name, line, err)
		}
		return a
	}
	t.Fatalf("replica %s ended without answering: %v", r.name, r.out.Err())
	return replicaAnswer{}
}

// do sends c and returns the answer; an error answer fails the test.
func (r *replica) do(t *testing.T, c replicaCmd) replicaAnswer {
	t.Helper()
	a := r.try(t, c)
	if a.Err != "" {
		t.Fatalf("replica %s: %s: %s", r.name, c.Op, a.Err)
	}
	return a
}

// try sends c and returns the answer, errors included.
func (r *replica) try(t *testing.T, c replicaCmd) replicaAnswer {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.in.Write(append(b, '\n')); err != nil {
		t.Fatalf("replica %s: %v", r.name, err)
	}
	return r.read(t)
}

// TestFleetInSeparateProcesses runs three replicas of a service as three
// processes, each with its own pool and Gate on one PostgreSQL schema,
// and checks that a halt, a resume, a contest and its review pressed on
// one replica act on all of them. Replicas A and B read the shared halts
// on every Submit (WithHaltRefresh(0)), so a halt or resume reaches them
// at once; C keeps the default 1s refresh, so it must follow within that
// bound.
func TestFleetInSeparateProcesses(t *testing.T) {
	if os.Getenv(envReplicaSchema) != "" {
		t.Skip("this is a replica process")
	}
	name, _ := newSchema(t)
	a := startReplica(t, "A", name, "0s")
	b := startReplica(t, "B", name, "0s")
	c := startReplica(t, "C", name, "")
	if a.pid == b.pid || b.pid == c.pid || a.pid == c.pid {
		t.Fatalf("replicas share a process: %d %d %d", a.pid, b.pid, c.pid)
	}
	submit := replicaCmd{Op: "submit", Output: "approve", Subject: "hs256:k1:0123456789abcdef0123456789abcdef"}
	applies := func(r *replica) bool {
		t.Helper()
		got := r.do(t, submit)
		switch {
		case got.Applied && got.Action == string(aims.ActionApply) && got.Policy == "always":
			return true
		case !got.Applied && got.Action == string(aims.ActionBlock) && got.Policy == "halt":
			return false
		}
		t.Fatalf("replica %s: submit answered %+v, want applied by the policy or blocked by the halt", r.name, got)
		return false
	}
	for _, r := range []*replica{a, b, c} {
		if !applies(r) {
			t.Fatalf("replica %s blocks before any halt", r.name)
		}
	}
	// C's halt copy is fresh from its Submit just now: the halt below must
	// reach it through the refresh, not through a first read.

	// A halt pressed on A: A and B block at once, C on its first Submit
	// once its 1s refresh has passed. The refresh runs on C's monotonic
	// clock, which is the machine's: sleeping the refresh here steps it by
	// at least that much, however loaded the machine, so nothing is
	// asserted about how fast the halt travels.
	a.do(t, replicaCmd{Op: "halt", Reviewer: "alice", Reason: "incident 42"})
	for _, r := range []*replica{a, b} {
		if applies(r) {
			t.Fatalf("replica %s still applies right after the halt on A", r.name)
		}
	}
	const refresh = time.Second // C's WithHaltRefresh (the default)
	time.Sleep(refresh)
	if applies(c) {
		t.Fatalf("replica C still applies once its %v refresh passed since the halt on A", refresh)
	}
	if applies(a) || applies(b) {
		t.Fatal("a replica applies again while halted")
	}
	// A resume on C lifts it for everybody, at once for A and B.
	c.do(t, replicaCmd{Op: "resume", Reviewer: "bob", Reason: "fixed"})
	for _, r := range []*replica{c, a, b} {
		if !applies(r) {
			t.Fatalf("replica %s still blocks right after the resume on C", r.name)
		}
	}
	if got := b.try(t, replicaCmd{Op: "resume", Reviewer: "bob", Reason: "again"}); !strings.Contains(got.Err, "not halted") {
		t.Fatalf("a second resume on B: %+v, want refused: not halted", got)
	}

	// A decision made on A, contested through B, reviewed on C: A sees the
	// resolution.
	made := a.do(t, replicaCmd{Op: "submit", Output: "deny", Subject: "hs256:k1:fedcba9876543210fedcba9876543210"})
	if !made.Applied || made.DecisionID == "" {
		t.Fatalf("decision on A: %+v", made)
	}
	contest := b.do(t, replicaCmd{Op: "contest", ID: made.DecisionID, Reason: "my income was misread"})
	if contest.Kind != string(oversight.KindContest) || contest.State != string(oversight.StatePending) {
		t.Fatalf("contest through B: %+v", contest)
	}
	if got := a.try(t, replicaCmd{Op: "contest", ID: made.DecisionID, Reason: "again"}); !strings.Contains(got.Err, oversight.ErrAlreadyContested.Error()) {
		t.Fatalf("a second contest through A while B's is open: %+v, want %v", got, oversight.ErrAlreadyContested)
	}
	claimed := c.do(t, replicaCmd{Op: "claim", Reviewer: "carol"})
	if claimed.TicketID != contest.TicketID {
		t.Fatalf("C claimed %+v, want the contest %s", claimed, contest.TicketID)
	}
	if got := a.try(t, replicaCmd{Op: "approve", ID: contest.TicketID, Reviewer: "dave", Reason: "looks fine"}); !strings.Contains(got.Err, oversight.ErrClaimed.Error()) {
		t.Fatalf("approving on A the contest C's reviewer holds: %+v, want %v", got, oversight.ErrClaimed)
	}
	approved := c.do(t, replicaCmd{Op: "approve", ID: contest.TicketID, Reviewer: "carol", Reason: "income checked, decision stands"})
	if approved.Action != string(aims.ActionApprove) || approved.State != string(oversight.StateResolved) {
		t.Fatalf("approval on C: %+v", approved)
	}
	seen := a.do(t, replicaCmd{Op: "ticket", ID: contest.TicketID})
	if seen.State != string(oversight.StateResolved) || seen.Resolution != string(aims.ActionApprove) || seen.ResolvedBy != "carol" {
		t.Fatalf("A sees the contest as %+v, want resolved: approve by carol", seen)
	}
	standing := a.do(t, replicaCmd{Op: "decision", ID: made.DecisionID})
	if standing.TicketID != contest.TicketID || standing.Action != string(aims.ActionApprove) || !standing.Applied {
		t.Fatalf("A sees decision %s as %+v, want upheld by the contest %s", made.DecisionID, standing, contest.TicketID)
	}
}
