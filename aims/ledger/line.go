package ledger

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// A record line is
//
//	{"seq":<decimal>,"leaf":"<64 hex digits>","record":<JSON value>}\n
//
// written and parsed byte-exactly: the leaf hash covers the exact bytes of
// the record value, so the parser must not re-encode it. Any other
// spelling of the envelope (reformatted whitespace, reordered keys) is
// treated as a modification.
var (
	linePrefix = []byte(`{"seq":`)
	leafKey    = []byte(`,"leaf":"`)
	recordKey  = []byte(`","record":`)
)

// maxRecordBytes bounds one record, so a corrupt file cannot make the
// reader allocate without limit.
const maxRecordBytes = 16 << 20

// Line is one parsed ledger line.
type Line struct {
	// Seq is the record's index in the log (its Merkle leaf index).
	Seq int64
	// Leaf is the leaf hash stored in the line; it is not checked by
	// ParseLine (see Line.Check).
	Leaf tlog.Hash
	// Record is the exact bytes of the record value.
	Record []byte
}

// appendLine appends the encoded line for record seq with the given leaf
// hash to dst.
func appendLine(dst []byte, seq int64, leaf tlog.Hash, record []byte) []byte {
	dst = append(dst, linePrefix...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, leafKey...)
	dst = hex.AppendEncode(dst, leaf[:])
	dst = append(dst, recordKey...)
	dst = append(dst, record...)
	dst = append(dst, '}', '\n')
	return dst
}

// ParseLine parses one ledger line, with or without its trailing newline.
// It checks the envelope and that the record is one valid JSON object; it
// does not check the leaf hash (see Line.Check). The returned Record
// aliases b.
func ParseLine(b []byte) (Line, error) {
	var l Line
	b = bytes.TrimSuffix(b, []byte{'\n'})
	if !bytes.HasPrefix(b, linePrefix) {
		return l, errors.New(`line does not start with the {"seq" envelope`)
	}
	rest := b[len(linePrefix):]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 {
		return l, errors.New("seq is not a decimal number")
	}
	if i > 1 && rest[0] == '0' {
		return l, errors.New("seq has a leading zero")
	}
	seq, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil {
		return l, fmt.Errorf("seq: %v", err)
	}
	rest = rest[i:]
	if !bytes.HasPrefix(rest, leafKey) {
		return l, errors.New(`"leaf" does not follow "seq"`)
	}
	rest = rest[len(leafKey):]
	if len(rest) < 2*tlog.HashSize {
		return l, errors.New("leaf hash is too short")
	}
	if _, err := hex.Decode(l.Leaf[:], rest[:2*tlog.HashSize]); err != nil {
		return l, fmt.Errorf("leaf hash: %v", err)
	}
	for _, c := range rest[:2*tlog.HashSize] {
		if c >= 'A' && c <= 'F' {
			return l, errors.New("leaf hash is not lower-case hex")
		}
	}
	rest = rest[2*tlog.HashSize:]
	if !bytes.HasPrefix(rest, recordKey) {
		return l, errors.New(`"record" does not follow "leaf"`)
	}
	rest = rest[len(recordKey):]
	if len(rest) < 3 || rest[len(rest)-1] != '}' {
		return l, errors.New("line does not end with }")
	}
	rec := rest[:len(rest)-1]
	if len(rec) > maxRecordBytes {
		return l, fmt.Errorf("record has %d bytes, more than the limit of %d", len(rec), maxRecordBytes)
	}
	if rec[0] != '{' || !json.Valid(rec) {
		return l, errors.New("record is not a valid JSON object")
	}
	l.Seq = seq
	l.Record = rec
	return l, nil
}

// Check reports whether the stored leaf hash matches the record bytes.
func (l Line) Check() error {
	if h := tlog.RecordHash(l.Record); h != l.Leaf {
		return fmt.Errorf("leaf hash %x does not match the record (hash of the record is %x): the record was modified", l.Leaf[:4], h[:4])
	}
	return nil
}

// RecordID returns the "id" member of a record, or "" when it has none.
func RecordID(record []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(record, &v) != nil {
		return ""
	}
	return v.ID
}
