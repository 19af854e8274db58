package witness

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/aimskit/aimskit/aims/ledger"
	"github.com/aimskit/aimskit/internal/notecodec"
)

// Policy says which witnesses an auditor trusts and how many of them must
// have cosigned a checkpoint. It is read from a policy file in the line
// format of Sigsum and Tessera policies (ParsePolicy). A Policy is
// immutable and safe for concurrent use; it implements
// ledger.WitnessPolicy.
type Policy struct {
	witnesses []*policyWitness // in file order
	logs      []note.Verifier
	quorum    *component // nil: "quorum none"
	quorumRaw string
}

// policyWitness is one "witness" line.
type policyWitness struct {
	name     string
	vkey     string
	url      string
	verifier note.Verifier
}

// component is a witness or a group of the policy.
type component struct {
	name    string
	w       *policyWitness // a witness; nil for a group
	k       int            // a group's threshold
	members []*component
}

// Cosignature is one valid cosignature of a witness of the policy.
type Cosignature struct {
	// Witness is the witness's name in the policy.
	Witness string
	// Time is when the witness cosigned, from the cosignature/v1
	// signature (whole seconds).
	Time time.Time
}

// ParsePolicy parses a witness policy. Each line is one of
//
//	log VKEY [URL]
//	witness NAME VKEY [URL]
//	group NAME K|any|all MEMBER...
//	quorum NAME|none
//
// with "#" starting a comment. A witness line names a witness and its
// public key (a signed-note verifier key, Ed25519 or cosignature/v1, as
// litewitness prints it); the URL, its submission prefix, is needed only
// by Clients. A group is satisfied when K of its members are (any = 1,
// all = every member); members are witnesses or groups defined on earlier
// lines. Exactly one quorum line names the witness or group that must be
// satisfied ("none" requires no cosignature). Log lines are optional:
// with them, a checkpoint must also carry a valid signature by one of the
// log keys. Names are unique across witnesses and groups. An error names
// the line it is about.
func ParsePolicy(data []byte) (*Policy, error) {
	p := &Policy{}
	byName := map[string]*component{}
	keys := map[string]string{} // "name+hash" of every key -> where defined
	quorumLine := 0
	for i, raw := range strings.Split(string(data), "\n") {
		lineNo := i + 1
		line := raw
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("witness policy line %d: "+format, append([]any{lineNo}, args...)...)
		}
		addKey := func(v note.Verifier, what string) error {
			id := fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())
			if prev, ok := keys[id]; ok {
				return bad("key %s of %s is also the key of %s", id, what, prev)
			}
			keys[id] = what
			return nil
		}
		newName := func(name string) error {
			if name == "none" {
				return bad(`"none" is reserved for "quorum none"`)
			}
			if _, ok := byName[name]; ok {
				return bad("%q is already defined", name)
			}
			return nil
		}
		switch f[0] {
		case "log":
			if len(f) != 2 && len(f) != 3 {
				return nil, bad("want: log VKEY [URL]")
			}
			v, err := note.NewVerifier(f[1])
			if err == nil {
				err = notecodec.CheckKeyEncoding(f[1])
			}
			if err != nil {
				return nil, bad("log key %q: %v", f[1], err)
			}
			if len(f) == 3 {
				if err := checkURL(f[2]); err != nil {
					return nil, bad("log URL: %v", err)
				}
			}
			if err := addKey(v, fmt.Sprintf("the log on line %d", lineNo)); err != nil {
				return nil, err
			}
			p.logs = append(p.logs, v)
		case "witness":
			if len(f) != 3 && len(f) != 4 {
				return nil, bad("want: witness NAME VKEY [URL]")
			}
			name, vkey := f[1], f[2]
			if err := newName(name); err != nil {
				return nil, err
			}
			v, err := fnote.NewVerifierForCosignatureV1(vkey)
			if err == nil {
				err = notecodec.CheckKeyEncoding(vkey)
			}
			if err != nil {
				return nil, bad("witness %s: key %q: %v", name, vkey, err)
			}
			w := &policyWitness{name: name, vkey: vkey, verifier: v}
			if len(f) == 4 {
				if err := checkURL(f[3]); err != nil {
					return nil, bad("witness %s: %v", name, err)
				}
				w.url = f[3]
			}
			if err := addKey(v, "witness "+name); err != nil {
				return nil, err
			}
			p.witnesses = append(p.witnesses, w)
			byName[name] = &component{name: name, w: w}
		case "group":
			if len(f) < 4 {
				return nil, bad("want: group NAME K|any|all MEMBER...")
			}
			name, threshold, members := f[1], f[2], f[3:]
			if err := newName(name); err != nil {
				return nil, err
			}
			g := &component{name: name}
			seen := map[string]bool{}
			for _, m := range members {
				c, ok := byName[m]
				switch {
				case m == name:
					return nil, bad("group %s lists itself", name)
				case !ok:
					return nil, bad("group %s: member %q is not a witness or group defined above", name, m)
				case seen[m]:
					return nil, bad("group %s lists %s twice", name, m)
				}
				seen[m] = true
				g.members = append(g.members, c)
			}
			switch threshold {
			case "any":
				g.k = 1
			case "all":
				g.k = len(members)
			default:
				k, err := strconv.Atoi(threshold)
				if err != nil {
					return nil, bad("group %s: threshold %q is not a number, any or all", name, threshold)
				}
				if k < 1 || k > len(members) {
					return nil, bad("group %s: threshold %d is not between 1 and its %d members", name, k, len(members))
				}
				g.k = k
			}
			byName[name] = g
		case "quorum":
			if len(f) != 2 {
				return nil, bad("want: quorum NAME|none")
			}
			if quorumLine != 0 {
				return nil, bad("a second quorum line (the first is line %d)", quorumLine)
			}
			quorumLine = lineNo
			p.quorumRaw = f[1]
		default:
			return nil, bad("unknown keyword %q (want log, witness, group or quorum)", f[0])
		}
	}
	if quorumLine == 0 {
		return nil, errors.New("witness policy: no quorum line")
	}
	if p.quorumRaw != "none" {
		q, ok := byName[p.quorumRaw]
		if !ok {
			return nil, fmt.Errorf("witness policy line %d: quorum %q is not a witness or group", quorumLine, p.quorumRaw)
		}
		p.quorum = q
	}
	return p, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// Cosignatures returns the valid cosignatures of the policy's witnesses
// on signedCheckpoint, in policy order. Signatures by keys the policy does
// not know are ignored; a signature by a key it knows that does not verify
// is an error, as is a note that does not parse.
func (p *Policy) Cosignatures(signedCheckpoint []byte) ([]Cosignature, error) {
	n, err := p.open(signedCheckpoint)
	if err != nil || n == nil {
		return nil, err
	}
	var out []Cosignature
	for _, w := range p.witnesses {
		for _, s := range n.Sigs {
			if s.Name != w.verifier.Name() || s.Hash != w.verifier.KeyHash() {
				continue
			}
			t, err := fnote.CoSigV1Timestamp(s)
			if err != nil {
				return nil, fmt.Errorf("witness policy: cosignature of %s: %v", w.name, err)
			}
			out = append(out, Cosignature{Witness: w.name, Time: t.UTC()})
		}
	}
	return out, nil
}

// open verifies the signatures of the note by keys of the policy; a note
// without any returns nil and no error.
func (p *Policy) open(msg []byte) (*note.Note, error) {
	vs := make([]note.Verifier, 0, len(p.witnesses)+len(p.logs))
	for _, w := range p.witnesses {
		vs = append(vs, w.verifier)
	}
	vs = append(vs, p.logs...)
	if len(vs) == 0 {
		return nil, nil
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return nil, nil
	case errors.As(err, &invalid):
		return nil, fmt.Errorf("witness policy: the signature by %s+%08x does not verify: %s", invalid.Name, invalid.Hash, p.keyOwner(invalid.Name, invalid.Hash))
	case err != nil:
		return nil, fmt.Errorf("witness policy: the checkpoint is not a valid signed note: %v", err)
	}
	for _, s := range n.Sigs {
		if _, err := notecodec.DecodeBase64(s.Base64); err != nil {
			return nil, fmt.Errorf("witness policy: the signature by %s+%08x is not canonical standard base64: %s", s.Name, s.Hash, p.keyOwner(s.Name, s.Hash))
		}
	}
	return n, nil
}

func (p *Policy) keyOwner(name string, hash uint32) string {
	for _, w := range p.witnesses {
		if w.verifier.Name() == name && w.verifier.KeyHash() == hash {
			return "it is witness " + w.name + "'s key"
		}
	}
	return "it is a log key"
}

// Satisfied returns nil when signedCheckpoint carries valid cosignatures
// of witnesses that satisfy the quorum (and a valid log signature, when
// the policy has log lines), and otherwise an error that names the groups
// not satisfied and the witnesses whose cosignatures are missing. It does
// not check the ledger's own signature unless the policy names the log
// key: the verifier checks that with the ledger's key.
func (p *Policy) Satisfied(signedCheckpoint []byte) error {
	n, err := p.open(signedCheckpoint)
	if err != nil {
		return err
	}
	have := map[*policyWitness]bool{}
	logSigned := false
	if n != nil {
		for _, s := range n.Sigs {
			for _, w := range p.witnesses {
				if s.Name == w.verifier.Name() && s.Hash == w.verifier.KeyHash() {
					have[w] = true
				}
			}
			for _, v := range p.logs {
				logSigned = logSigned || s.Name == v.Name() && s.Hash == v.KeyHash()
			}
		}
	}
	if len(p.logs) > 0 && !logSigned {
		return errors.New("witness policy: the checkpoint has no valid signature by a log key of the policy")
	}
	if p.quorum == nil || p.quorum.satisfied(have) {
		return nil
	}
	var unmet []string
	p.quorum.unmet(have, &unmet)
	var missing []string
	p.quorum.missing(have, map[*policyWitness]bool{}, &missing)
	var got []string
	for _, w := range p.witnesses {
		if have[w] {
			got = append(got, w.name)
		}
	}
	cosigned := "no witness of the policy"
	if len(got) > 0 {
		cosigned = strings.Join(got, ", ")
	}
	return fmt.Errorf("witness policy: quorum %s not satisfied: %s; cosigned by %s; no valid cosignature from %s",
		p.quorumRaw, strings.Join(unmet, "; "), cosigned, strings.Join(missing, ", "))
}

func (c *component) satisfied(have map[*policyWitness]bool) bool {
	if c.w != nil {
		return have[c.w]
	}
	n := 0
	for _, m := range c.members {
		if m.satisfied(have) {
			n++
		}
	}
	return n >= c.k
}

// unmet describes the groups not satisfied, outermost first.
func (c *component) unmet(have map[*policyWitness]bool, out *[]string) {
	if c.w != nil {
		if !have[c.w] {
			*out = append(*out, "witness "+c.name+" has not cosigned")
		}
		return
	}
	if c.satisfied(have) {
		return
	}
	n := 0
	var names []string
	for _, m := range c.members {
		names = append(names, m.name)
		if m.satisfied(have) {
			n++
		}
	}
	*out = append(*out, fmt.Sprintf("group %s needs %d of %s, has %d", c.name, c.k, strings.Join(names, ", "), n))
	for _, m := range c.members {
		if m.w == nil {
			m.unmet(have, out)
		}
	}
}

// missing lists the witnesses without a valid cosignature under the
// parts of c that are not satisfied.
func (c *component) missing(have, seen map[*policyWitness]bool, out *[]string) {
	if c.satisfied(have) {
		return
	}
	if c.w != nil {
		if !have[c.w] && !seen[c.w] {
			seen[c.w] = true
			*out = append(*out, c.name)
		}
		return
	}
	for _, m := range c.members {
		m.missing(have, seen, out)
	}
}

// Clients returns a Client for every witness of the policy that has a
// URL, in policy order, each checking the witness's answers with its key
// from the policy; opts are added to every client (WithHTTPClient, say).
// Pass them to ledger.WithWitnesses.
func (p *Policy) Clients(opts ...ClientOption) ([]ledger.Witness, error) {
	var out []ledger.Witness
	for _, w := range p.witnesses {
		if w.url == "" {
			continue
		}
		c, err := NewClient(w.name, w.url, append([]ClientOption{WithCosignerKey(w.vkey)}, opts...)...)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("witness policy: no witness has a URL")
	}
	return out, nil
}

// Witnesses returns the names of the policy's witnesses, in policy order.
func (p *Policy) Witnesses() []string {
	out := make([]string, len(p.witnesses))
	for i, w := range p.witnesses {
		out[i] = w.name
	}
	return out
}

var _ ledger.WitnessPolicy = (*Policy)(nil)
var _ ledger.Witness = (*Client)(nil)
