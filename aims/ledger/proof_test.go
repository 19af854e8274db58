package ledger

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestProveAndCheck(t *testing.T) {
	keys := newKeys(t, "test")
	other := newKeys(t, "test")
	dir := t.TempDir()
	writeLedger(t, dir, keys, 13)
	for i := 0; i < 13; i++ {
		id := RecordID(record(i))
		p, err := Prove(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seq != int64(i) || p.TreeSize != 13 || p.Record != string(record(i)) {
			t.Fatalf("proof %+v", p)
		}
		cp, err := CheckProof(p, keys.verifier)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if cp.Size != 13 {
			t.Fatalf("checkpoint size %d", cp.Size)
		}
	}
	p, err := Prove(dir, RecordID(record(5)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckProof(p, other.verifier); err == nil || !strings.Contains(err.Error(), "not signed by the given key") {
		t.Fatalf("wrong key: %v", err)
	}
	bad := *p
	bad.Record = strings.Replace(bad.Record, "approve", "deny", 1)
	if _, err := CheckProof(&bad, keys.verifier); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Fatalf("altered record: %v", err)
	}
	bad = *p
	bad.Path = append([]string(nil), p.Path...)
	bad.Path[0], bad.Path[1] = bad.Path[1], bad.Path[0]
	if _, err := CheckProof(&bad, keys.verifier); err == nil || !strings.Contains(err.Error(), "audit path") {
		t.Fatalf("altered path: %v", err)
	}
	bad = *p
	bad.Seq = 6
	if _, err := CheckProof(&bad, keys.verifier); err == nil {
		t.Fatal("wrong seq accepted")
	}
	bad = *p
	bad.RecordID = RecordID(record(6))
	if _, err := CheckProof(&bad, keys.verifier); err == nil {
		t.Fatal("wrong id accepted")
	}
	if _, err := Prove(dir, "no-such-id"); err == nil {
		t.Fatal("proof for a missing record")
	}
}

func TestFindLedgers(t *testing.T) {
	keys := newKeys(t, "test")
	root := t.TempDir()
	writeLedger(t, filepath.Join(root, "pod-1"), keys, 2)
	writeLedger(t, filepath.Join(root, "pod-2"), keys, 2)
	got, err := FindLedgers(root)
	if err != nil || len(got) != 2 || filepath.Base(got[1]) != "pod-2" {
		t.Fatalf("%v %v", got, err)
	}
	got, err = FindLedgers(filepath.Join(root, "pod-1"))
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := FindLedgers(t.TempDir()); err == nil {
		t.Fatal("empty dir is not a ledger")
	}
}
