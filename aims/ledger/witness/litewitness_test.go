package witness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/aims/semconv"
	"github.com/aimskit/aimskit/internal/oteltest"
)

// These tests run real witnesses: litewitness from filippo.io/torchwood,
// on 127.0.0.1, with their keys in a throwaway ssh-agent. .ci/witness.sh
// installs litewitness and witnessctl and prints their directory:
//
//	export AIMSKIT_LITEWITNESS="$(bash .ci/witness.sh)"
//	go test ./aims/ledger/witness -run Litewitness -v
//
// Without the variable they skip; with it set, anything missing or broken
// fails them.

// liteEnv is a directory of litewitness binaries and an ssh-agent.
type liteEnv struct {
	bin  string
	tmp  string
	sock string
}

func newLiteEnv(t testing.TB) *liteEnv {
	t.Helper()
	bin := os.Getenv("AIMSKIT_LITEWITNESS")
	if bin == "" {
		t.Skip(`AIMSKIT_LITEWITNESS is not set: export AIMSKIT_LITEWITNESS="$(bash .ci/witness.sh)" to run the ledger against real litewitness instances (.ci/run does)`)
	}
	for _, b := range []string{"litewitness", "witnessctl"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			t.Fatalf("AIMSKIT_LITEWITNESS=%s: %v (rerun .ci/witness.sh)", bin, err)
		}
	}
	for _, tool := range []string{"ssh-agent", "ssh-add", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("AIMSKIT_LITEWITNESS is set but %s is missing (.ci/witness.sh installs openssh-client): %v", tool, err)
		}
	}
	// A short path: a Unix socket path must fit in 108 bytes.
	tmp, err := os.MkdirTemp("", "lw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	e := &liteEnv{bin: bin, tmp: tmp, sock: filepath.Join(tmp, "agent.sock")}
	agent := exec.Command("ssh-agent", "-D", "-a", e.sock)
	out := &lockedBuffer{}
	agent.Stdout, agent.Stderr = out, out
	if err := agent.Start(); err != nil {
		t.Fatalf("starting ssh-agent: %v", err)
	}
	t.Cleanup(func() {
		agent.Process.Kill()
		agent.Wait()
	})
	for i := 0; ; i++ {
		if _, err := os.Stat(e.sock); err == nil {
			break
		}
		if i == 200 {
			t.Fatalf("ssh-agent did not create %s: %s", e.sock, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e
}

func (e *liteEnv) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK="+e.sock)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// liteWitness is one running litewitness.
type liteWitness struct {
	e      *liteEnv
	name   string // its -name, the name in its cosignature lines
	db     string
	keyFP  string
	addr   string
	vkey   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
}

// startWitness creates a key and a database that trusts the log key
// logVkey for origin, and starts a litewitness on a free loopback port.
func (e *liteEnv) startWitness(t testing.TB, id, origin, logVkey string) *liteWitness {
	t.Helper()
	key := filepath.Join(e.tmp, id+".key")
	e.run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", id, "-f", key)
	e.run(t, "ssh-add", key)
	fp := strings.Fields(e.run(t, "ssh-keygen", "-lf", key+".pub"))
	if len(fp) < 2 || !strings.HasPrefix(fp[1], "SHA256:") {
		t.Fatalf("ssh-keygen -lf: %v", fp)
	}
	w := &liteWitness{e: e, name: "aimskit.test/" + id, db: filepath.Join(e.tmp, id+".db"), keyFP: fp[1]}
	e.run(t, filepath.Join(e.bin, "witnessctl"), "add-log", "-db", w.db, "-origin", origin)
	e.run(t, filepath.Join(e.bin, "witnessctl"), "add-key", "-db", w.db, "-origin", origin, "-key", logVkey)
	w.start(t, "")
	t.Cleanup(func() { w.stop(t) })
	return w
}

// start runs litewitness on addr, or on a free port when addr is empty.
func (w *liteWitness) start(t testing.TB, addr string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		a := addr
		if a == "" {
			a = freeAddr(t)
		}
		err := w.launch(a)
		if err == nil {
			w.addr = a
			return
		}
		if attempt == 2 || addr != "" {
			t.Fatalf("litewitness %s: %v", w.name, err)
		}
	}
}

func (w *liteWitness) launch(addr string) error {
	w.out = &lockedBuffer{}
	w.exited = make(chan struct{})
	w.cmd = exec.Command(filepath.Join(w.e.bin, "litewitness"), "-name", w.name, "-db", w.db,
		"-ssh-agent", w.e.sock, "-key", w.keyFP, "-listen", addr)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		return err
	}
	go func() { w.cmd.Wait(); close(w.exited) }()
	deadline := time.Now().Add(time.Minute) // a hang detector, not a timing assertion
	for time.Now().Before(deadline) {
		select {
		case <-w.exited:
			return fmt.Errorf("exited: %s", w.out.String())
		default:
		}
		if strings.Contains(w.out.String(), "msg=listening") {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				w.vkey = logValue(w.out.String(), "vkey")
				if w.vkey == "" {
					return fmt.Errorf("no verifier key in its log: %s", w.out.String())
				}
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.cmd.Process.Kill()
	<-w.exited
	return fmt.Errorf("not listening on %s after 10s: %s", addr, w.out.String())
}

// stop interrupts litewitness and waits for it.
func (w *liteWitness) stop(t testing.TB) {
	if w.cmd == nil {
		return
	}
	w.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-w.exited
	}
	w.cmd = nil
}

func (w *liteWitness) url() string { return "http://" + w.addr }

// size returns the size the witness holds for origin, from its database.
func (w *liteWitness) size(t testing.TB, origin string) int64 {
	t.Helper()
	out := w.e.run(t, filepath.Join(w.e.bin, "witnessctl"), "list-logs", "-db", w.db)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l struct {
			Origin string `json:"origin"`
			Size   int64  `json:"size"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Origin == origin {
			return l.Size
		}
	}
	t.Fatalf("witness %s does not list %s: %s", w.name, origin, out)
	return 0
}

// logValue returns the value of key=value in slog text output.
func logValue(out, key string) string {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ledgerKey is a ledger signing key named after the origin, as witnessctl
// expects.
type ledgerKey struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string
}

func newLedgerKey(t testing.TB, origin string) ledgerKey {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return ledgerKey{s, v, vkey}
}

// cosignedNotes returns the notes of the ledger's cosigned.jsonl.
func cosignedNotes(t testing.TB, dir string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cosigned.jsonl"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		var l struct {
			Note string `json:"note"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("cosigned.jsonl line %q: %v", line, err)
		}
		out = append(out, []byte(l.Note))
	}
	return out
}

// lastCosigned checks every cosigned checkpoint of dir (the ledger's
// signature, the policy) and returns the last one and its size.
func lastCosigned(t testing.TB, dir string, key ledgerKey, p *Policy) ([]byte, int64) {
	t.Helper()
	notes := cosignedNotes(t, dir)
	if len(notes) == 0 {
		t.Fatalf("%s: no cosigned checkpoint", dir)
	}
	var size int64
	for _, n := range notes {
		cp, err := ledger.OpenCheckpoint(n, key.verifier)
		if err != nil {
			t.Fatalf("cosigned checkpoint: ledger signature: %v\n%s", err, n)
		}
		if cp.Size < size {
			t.Fatalf("cosigned checkpoints go back from %d to %d", size, cp.Size)
		}
		size = cp.Size
		if err := p.Satisfied(n); err != nil {
			t.Fatalf("cosigned checkpoint of size %d: %v\n%s", cp.Size, err, n)
		}
	}
	return notes[len(notes)-1], size
}

const liteOrigin = "aimskit.ledger/credit-scoring/pod-1"

// startThree starts three litewitnesses for the ledger key and returns
// them with a 2-of-3 policy over them.
func startThree(t testing.TB, key ledgerKey) ([]*liteWitness, func() *Policy) {
	e := newLiteEnv(t)
	ws := []*liteWitness{
		e.startWitness(t, "w1", liteOrigin, key.vkey),
		e.startWitness(t, "w2", liteOrigin, key.vkey),
		e.startWitness(t, "w3", liteOrigin, key.vkey),
	}
	policy := func() *Policy {
		var b strings.Builder
		for i, w := range ws {
			fmt.Fprintf(&b, "witness w%d %s %s\n", i+1, w.vkey, w.url())
		}
		b.WriteString("group main 2 w1 w2 w3\nquorum main\n")
		p, err := ParsePolicy([]byte(b.String()))
		if err != nil {
			t.Fatalf("policy:\n%s\n%v", b.String(), err)
		}
		return p
	}
	return ws, policy
}

// openLedger opens the ledger in dir with the policy's witnesses and
// appends records [from, to) made by rec, then closes it; it returns the
// witness errors the ledger reported.
func runLedger(t testing.TB, dir string, key ledgerKey, p *Policy, from, to int, rec func(int) []byte) []string {
	t.Helper()
	ws, err := p.Clients()
	if err != nil {
		t.Fatal(err)
	}
	before := len(cosignedNotes(t, dir))
	logs := oteltest.NewLogs(t)
	ctx := context.Background()
	l, err := ledger.Open(ctx, dir, "credit-scoring", "pod-1", key.signer,
		ledger.WithWitnesses(ws...), ledger.WithCheckpointEvery(7, 0), ledger.WithSegmentLimits(2000, 0),
		ledger.WithWitnessTimeout(5*time.Second), ledger.WithLoggerProvider(logs.Provider))
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		if err := l.Append(ctx, rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := l.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkNoGoroutines(t)
	var errs []string
	for _, r := range logs.Events(semconv.EventLedgerWitnessError) {
		errs = append(errs, r.Body().AsString())
	}
	if n := len(logs.Events(semconv.EventLedgerCheckpointCosigned)); n != len(cosignedNotes(t, dir))-before {
		t.Fatalf("%d cosigned events for %d new cosigned.jsonl lines", n, len(cosignedNotes(t, dir))-before)
	}
	return errs
}

// checkNoGoroutines fails if witnessing goroutines outlive Close.
func checkNoGoroutines(t testing.TB) {
	t.Helper()
	var left []string
	for i := 0; i < 100; i++ {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = left[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "ledger.(*witnessing)") || strings.Contains(g, "witness.(*Client)") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("witnessing goroutines left after Close:\n%s", strings.Join(left, "\n\n"))
}

func genuine(i int) []byte {
	return fmt.Appendf(nil, `{"id":"dec-%04d","output":"approve","n":%d}`, i, i)
}

func TestLitewitnessCosignsLedger(t *testing.T) {
	key := newLedgerKey(t, liteOrigin)
	ws, policy := startThree(t, key)
	p := policy()
	dir := t.TempDir()

	if errs := runLedger(t, dir, key, p, 0, 50, genuine); len(errs) != 0 {
		t.Fatalf("witness errors: %v", errs)
	}
	last, size := lastCosigned(t, dir, key, p)
	if size != 50 {
		t.Fatalf("last cosigned size %d, want 50", size)
	}
	if cos, err := p.Cosignatures(last); err != nil || len(cos) != 3 {
		t.Fatalf("cosignatures %v, %v", cos, err)
	}
	for _, w := range ws {
		if got := w.size(t, liteOrigin); got != 50 {
			t.Fatalf("%s holds size %d, want 50", w.name, got)
		}
	}
	t.Logf("cosigned checkpoint:\n%s", last)

	// Restarted, the ledger proves consistency from the sizes it
	// persisted: every witness accepts at once.
	if errs := runLedger(t, dir, key, p, 50, 80, genuine); len(errs) != 0 {
		t.Fatalf("witness errors after the restart: %v", errs)
	}
	if _, size := lastCosigned(t, dir, key, p); size != 80 {
		t.Fatalf("last cosigned size %d, want 80", size)
	}

	// One witness down: the other two still satisfy 2 of 3, the ledger
	// works, the failure is reported.
	ws[2].stop(t)
	errs := runLedger(t, dir, key, p, 80, 90, genuine)
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "w3") {
		t.Fatalf("witness down, errors %v", errs)
	}
	t.Logf("witness down: %s", errs[0])
	last, size = lastCosigned(t, dir, key, p)
	if cos, _ := p.Cosignatures(last); size != 90 || len(cos) != 2 {
		t.Fatalf("last cosigned size %d with %d cosignatures, want 90 with 2", size, len(cos))
	}

	// Back up, and the ledger without witnesses.json: each witness
	// answers 409 with its size (90, or 80 for the one that was down), the
	// ledger rebuilds those trees from its records and proves from there.
	ws[2].start(t, ws[2].addr)
	if err := os.Remove(filepath.Join(dir, "witnesses.json")); err != nil {
		t.Fatal(err)
	}
	if errs := runLedger(t, dir, key, p, 90, 97, genuine); len(errs) != 0 {
		t.Fatalf("witness errors after losing witnesses.json: %v", errs)
	}
	last, size = lastCosigned(t, dir, key, p)
	if cos, _ := p.Cosignatures(last); size != 97 || len(cos) != 3 {
		t.Fatalf("last cosigned size %d with %d cosignatures, want 97 with 3", size, len(cos))
	}
	for _, w := range ws {
		if got := w.size(t, liteOrigin); got != 97 {
			t.Fatalf("%s holds size %d, want 97", w.name, got)
		}
	}
	if _, err := ledger.Verify(dir, []note.Verifier{key.verifier}, ledger.VerifyOptions{}); err != nil {
		t.Fatalf("ledger does not verify: %v", err)
	}
	// The auditor's view: with the 2-of-3 policy every record is covered
	// by a witnessed checkpoint.
	rep, err := ledger.Verify(dir, []note.Verifier{key.verifier}, ledger.VerifyOptions{Witnesses: p})
	if err != nil || rep.Witnessed != rep.Latest.Size {
		t.Fatalf("Verify with the witness policy: %+v %v", rep, err)
	}
}

// A second ledger directory with the same origin and key but other records
// (a fork, or the ledger rebuilt from scratch) gets no cosignature from
// witnesses that saw the genuine one: smaller, equal or larger.
func TestLitewitnessRefusesFork(t *testing.T) {
	key := newLedgerKey(t, liteOrigin)
	ws, policy := startThree(t, key)
	p := policy()
	real := t.TempDir()
	if errs := runLedger(t, real, key, p, 0, 40, genuine); len(errs) != 0 {
		t.Fatalf("witness errors: %v", errs)
	}
	realNote, _ := lastCosigned(t, real, key, p)
	if err := p.Satisfied(realNote); err != nil {
		t.Fatal(err)
	}
	if rep, err := ledger.Verify(real, []note.Verifier{key.verifier}, ledger.VerifyOptions{Witnesses: p}); err != nil || rep.Witnessed != 40 {
		t.Fatalf("the genuine ledger with the witness policy: %+v %v", rep, err)
	}
	forged := func(i int) []byte { return fmt.Appendf(nil, `{"id":"dec-%04d","output":"deny","n":%d}`, i, i) }
	for _, n := range []int{25, 40, 60} {
		fork := t.TempDir()
		errs := runLedger(t, fork, key, p, 0, n, forged)
		if notes := cosignedNotes(t, fork); len(notes) != 0 {
			t.Fatalf("fork of %d records was cosigned:\n%s", n, notes[len(notes)-1])
		}
		if !strings.Contains(strings.Join(errs, "\n"), ledger.ErrWitnessConflict.Error()) {
			t.Fatalf("fork of %d records: errors %v do not report the conflict", n, errs)
		}
		t.Logf("fork of %d records, first witness error: %s", n, errs[0])
		// From the witness's size on (40), the fork proves consistency
		// from its own tree of 40 records, and litewitness finds that it
		// does not lead from the root it holds (422).
		if last := errs[len(errs)-1]; n >= 40 && !strings.Contains(last, ErrBadProof.Error()) {
			t.Fatalf("fork of %d records: last error %q is not a failed consistency proof", n, last)
		} else {
			t.Logf("fork of %d records, last witness error: %s", n, last)
		}
		cp, err := os.ReadFile(filepath.Join(fork, "checkpoint"))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Satisfied(cp); err == nil {
			t.Fatalf("fork's checkpoint satisfies the policy")
		}
		// The fork is self-consistent and signed with the service key:
		// Verify alone passes it, Verify with the k-of-n policy does not.
		if _, err := ledger.Verify(fork, []note.Verifier{key.verifier}, ledger.VerifyOptions{}); err != nil {
			t.Fatalf("fork of %d records fails Verify alone (it should be self-consistent): %v", n, err)
		}
		if _, err := ledger.Verify(fork, []note.Verifier{key.verifier}, ledger.VerifyOptions{Witnesses: p}); err == nil || !strings.Contains(err.Error(), "witness policy") {
			t.Fatalf("fork of %d records passes Verify with the witness policy: %v", n, err)
		}
		// Even handed the genuine cosigned checkpoints, Verify finds the
		// fork inconsistent with them.
		if _, err := ledger.Verify(fork, []note.Verifier{key.verifier}, ledger.VerifyOptions{Witnesses: p, External: cosignedNotes(t, real)}); err == nil {
			t.Fatalf("fork of %d records passes Verify given the genuine cosigned checkpoints", n)
		} else {
			t.Logf("fork of %d records, Verify: %v", n, err)
		}
		// Nor can the genuine cosignatures be moved onto it.
		sigs := realNote[bytes.Index(realNote, []byte("\n\n"))+2:]
		moved := append(append([]byte(nil), cp...), sigs...)
		if err := p.Satisfied(moved); err == nil {
			t.Fatalf("genuine cosignatures moved to the fork's checkpoint satisfy the policy")
		} else {
			t.Logf("fork of %d records: %v", n, err)
		}
	}
	for _, w := range ws {
		if got := w.size(t, liteOrigin); got != 40 {
			t.Fatalf("%s moved to size %d", w.name, got)
		}
	}
}

// BenchmarkLitewitnessRound measures one witnessing round on loopback: a
// checkpoint over 100 more records submitted to three litewitnesses
// (consistency proof from the previous checkpoint, three requests in
// parallel, each fsyncing its SQLite database), until the cosigned
// checkpoint is stored and emitted.
func BenchmarkLitewitnessRound(b *testing.B) {
	key := newLedgerKey(b, liteOrigin)
	_, policy := startThree(b, key)
	ws, err := policy().Clients()
	if err != nil {
		b.Fatal(err)
	}
	logs := oteltest.NewLogs(b)
	ctx := context.Background()
	l, err := ledger.Open(ctx, b.TempDir(), "credit-scoring", "pod-1", key.signer,
		ledger.WithWitnesses(ws...), ledger.WithCheckpointEvery(0, 0), ledger.WithLoggerProvider(logs.Provider))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(ctx)
	i := 0
	for b.Loop() {
		for j := 0; j < 100; j++ {
			if err := l.Append(ctx, genuine(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		want := len(logs.Events(semconv.EventLedgerCheckpointCosigned)) + 1
		if err := l.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
		for deadline := time.Now().Add(time.Minute); len(logs.Events(semconv.EventLedgerCheckpointCosigned)) < want; {
			if time.Now().After(deadline) {
				b.Fatalf("no cosigned checkpoint after a minute: %v", logs.Events(semconv.EventLedgerWitnessError))
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}
