package witness

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
)

func TestPolicySatisfied(t *testing.T) {
	a, b, c := newCosigner(t, "w.example/a"), newCosigner(t, "w.example/b"), newCosigner(t, "w.example/c")
	eu1, eu2 := newCosigner(t, "eu.example/1"), newCosigner(t, "eu.example/2")
	policy := fmt.Sprintf(`# three witnesses, two must cosign, plus one of the EU pair
witness a %s http://127.0.0.1:7001
witness b %s http://127.0.0.1:7002
witness c %s
witness eu1 %s
witness eu2 %s  # no URL: only for verifying
group main 2 a b c
group eu any eu1 eu2
group both all main eu
quorum both
`, a.vkey, b.vkey, c.vkey, eu1.vkey, eu2.vkey)
	p, err := ParsePolicy([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Witnesses(), " "); got != "a b c eu1 eu2" {
		t.Fatalf("witnesses %s", got)
	}
	msg := testCheckpoint(t, 9)
	with := func(cs ...cosigner) []byte {
		out := append([]byte(nil), msg...)
		for _, c := range cs {
			out = append(out, c.cosign(t, msg)...)
		}
		return out
	}
	for _, tc := range []struct {
		cs      []cosigner
		ok      bool
		missing string
	}{
		{[]cosigner{a, b, eu1}, true, ""},
		{[]cosigner{c, a, eu2}, true, ""},
		{[]cosigner{a, b, c, eu1, eu2}, true, ""},
		{[]cosigner{a, eu1}, false, "group main needs 2 of a, b, c, has 1; cosigned by a, eu1; no valid cosignature from b, c"},
		{[]cosigner{a, b}, false, "group eu needs 1 of eu1, eu2, has 0; cosigned by a, b; no valid cosignature from eu1, eu2"},
		{nil, false, "cosigned by no witness of the policy"},
	} {
		err := p.Satisfied(with(tc.cs...))
		if tc.ok != (err == nil) {
			t.Fatalf("cosigned by %d: %v", len(tc.cs), err)
		}
		if err != nil && !strings.Contains(err.Error(), tc.missing) {
			t.Fatalf("error %q does not say %q", err, tc.missing)
		}
	}
	// A cosignature's time is the signer's clock, in whole seconds, when
	// it signed: between the instants taken around the signing.
	before := time.Now().Truncate(time.Second)
	cosigned := with(eu2, a)
	after := time.Now()
	cos, err := p.Cosignatures(cosigned)
	if err != nil || len(cos) != 2 || cos[0].Witness != "a" || cos[1].Witness != "eu2" {
		t.Fatalf("cosignatures %v, %v", cos, err)
	}
	if at := cos[0].Time; at.Before(before) || at.After(after) {
		t.Fatalf("cosignature time %v, want between %v and %v", at, before, after)
	}

	// A cosignature by a policy key that does not verify (here: on
	// another checkpoint) is an error, not ignored.
	forged := append(append([]byte(nil), msg...), a.cosign(t, testCheckpoint(t, 10))...)
	if err := p.Satisfied(forged); err == nil || !strings.Contains(err.Error(), "witness a's key") {
		t.Fatalf("forged cosignature: %v", err)
	}
	if err := p.Satisfied([]byte("not a note")); err == nil {
		t.Fatal("garbage satisfied the policy")
	}

	ws, err := p.Clients()
	if err != nil || len(ws) != 2 || ws[0].Name() != "a" || ws[1].(*Client).URL() != "http://127.0.0.1:7002/add-checkpoint" {
		t.Fatalf("clients %v, %v", ws, err)
	}
	var _ ledger.WitnessPolicy = p
}

func TestPolicyLogKeyAndQuorumNone(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("aimskit.ledger/sys/pod")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ledger.NewSigner(skey)
	msg, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "aimskit.ledger/sys/pod", Size: 3}, s)
	if err != nil {
		t.Fatal(err)
	}
	w := newCosigner(t, "w.example/a")
	p, err := ParsePolicy([]byte("log " + vkey + "\nwitness a " + w.vkey + "\nquorum a\n"))
	if err != nil {
		t.Fatal(err)
	}
	cosigned := append(append([]byte(nil), msg...), w.cosign(t, msg)...)
	if err := p.Satisfied(cosigned); err != nil {
		t.Fatal(err)
	}
	// The same cosignature on a checkpoint the log did not sign fails.
	other := testCheckpoint(t, 3)
	if err := p.Satisfied(append(append([]byte(nil), other...), w.cosign(t, other)...)); err == nil || !strings.Contains(err.Error(), "log key") {
		t.Fatalf("checkpoint without the log's signature: %v", err)
	}
	none, err := ParsePolicy([]byte("witness a " + w.vkey + "\nquorum none\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := none.Satisfied(msg); err != nil {
		t.Fatalf("quorum none: %v", err)
	}
	if _, err := none.Clients(); err == nil {
		t.Fatal("clients without URLs")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	a, b := newCosigner(t, "w.example/a"), newCosigner(t, "w.example/b")
	_, logVkey, _ := note.GenerateKey(rand.Reader, "log")
	head := "witness a " + a.vkey + "\nwitness b " + b.vkey + "\n"
	for _, tc := range []struct {
		policy string
		want   string
	}{
		{head + "group g 3 a b\nquorum g\n", "line 3: group g: threshold 3 is not between 1 and its 2 members"},
		{head + "group g 0 a b\nquorum g\n", "line 3: group g: threshold 0"},
		{head + "group g most a b\nquorum g\n", "line 3: group g: threshold \"most\""},
		{head + "group g 1 a c\nquorum g\n", "line 3: group g: member \"c\" is not a witness or group defined above"},
		{head + "group g 1 a a\nquorum g\n", "line 3: group g lists a twice"},
		{head + "group g 1 g a\nquorum g\n", "line 3: group g lists itself"},
		{head + "group g 1\nquorum g\n", "line 3: want: group NAME K|any|all MEMBER..."},
		{head + "quorum g\n", "line 3: quorum \"g\" is not a witness or group"},
		{head, "no quorum line"},
		{head + "quorum a\nquorum b\n", "line 4: a second quorum line (the first is line 3)"},
		{head + "witness a " + b.vkey + "\nquorum a\n", "line 3: \"a\" is already defined"},
		{head + "witness c " + a.vkey + "\nquorum a\n", "line 3: key w.example/a+"},
		{"witness a not+a+key\nquorum a\n", "line 1: witness a: key"},
		{"witness a\nquorum a\n", "line 1: want: witness NAME VKEY [URL]"},
		{"witness a " + a.vkey + " ftp://x\nquorum a\n", "line 1: witness a: \"ftp://x\" is not an http(s) URL"},
		{"witness none " + a.vkey + "\nquorum none\n", "line 1: \"none\" is reserved"},
		{"\n# comment\n  witnesses a " + a.vkey + "\nquorum a\n", "line 3: unknown keyword \"witnesses\""},
		{"log " + logVkey + " extra words\nquorum none\n", "line 1: want: log VKEY [URL]"},
		{"log PRIVATE+KEY\nquorum none\n", "line 1: log key"},
	} {
		_, err := ParsePolicy([]byte(tc.policy))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("policy\n%s\nerror %v, want it to say %q", tc.policy, err, tc.want)
		}
	}
}

func TestPolicyNestedGroupsExplainWhatIsMissing(t *testing.T) {
	ws := make([]cosigner, 4)
	var b bytes.Buffer
	for i := range ws {
		ws[i] = newCosigner(t, fmt.Sprintf("w.example/%d", i))
		fmt.Fprintf(&b, "witness w%d %s\n", i, ws[i].vkey)
	}
	b.WriteString("group left all w0 w1\ngroup right any w2 w3\ngroup top 2 left right\nquorum top\n")
	p, err := ParsePolicy(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	msg := testCheckpoint(t, 5)
	cosigned := append(append(append([]byte(nil), msg...), ws[0].cosign(t, msg)...), ws[2].cosign(t, msg)...)
	err = p.Satisfied(cosigned)
	if err == nil {
		t.Fatal("satisfied without w1")
	}
	for _, want := range []string{"group top needs 2 of left, right, has 1", "group left needs 2 of w0, w1, has 1", "no valid cosignature from w1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := p.Satisfied(append(cosigned, ws[1].cosign(t, msg)...)); err != nil {
		t.Fatal(err)
	}
}
