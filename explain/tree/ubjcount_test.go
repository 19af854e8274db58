package tree

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// The UBJSON decoder must not let a container's count, which the input
// claims but need not back, decide how much it allocates or decodes.

// ubjNestedCounts is a UBJSON document of size bytes: maxUBJSONDepth-1
// nested arrays, each with a count of size-600 elements (no more than the
// bytes left after it), then no-op markers up to size and no element: the
// innermost array's first element is truncated.
func ubjNestedCounts(size int) []byte {
	var b bytes.Buffer
	b.WriteString("{U\x01a")
	for range maxUBJSONDepth - 1 {
		b.WriteString("[#l")
		_ = binary.Write(&b, binary.BigEndian, int32(size-600))
	}
	for b.Len() < size {
		b.WriteByte('N')
	}
	return b.Bytes()
}

// ubjAllocated returns the fewest bytes the decoder of
// LoadXGBoostUBJSON allocated on data in three runs (the least disturbed
// by anything else running), and the error it returned. Reading the input
// (a copy) is left out, so a document that fails early allocates next to
// nothing.
func ubjAllocated(data []byte) (uint64, error) {
	least := ^uint64(0)
	var err error
	for range 3 {
		least = min(least, allocatedBytes(func() {
			d := ubjDecoder{data: data}
			_, err = d.value(0)
		}))
	}
	return least, err
}

// Each of 63 nested arrays claiming ~1 MB of elements used to be allocated
// at its claimed size before the first element failed to decode: 1010
// bytes per input byte, 1 GB for this 1 MB document. Now memory follows
// what is decoded (here nothing: a few hundred bytes for the error).
func TestLoadXGBoostUBJSONNestedCounts(t *testing.T) {
	data := ubjNestedCounts(1 << 20)
	got, err := ubjAllocated(data)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v, want truncated input", err)
	}
	if limit := uint64(64 << 10); got > limit {
		t.Errorf("a %d-byte document of nested counted arrays allocated %d bytes (%d per input byte), want at most %d", len(data), got, got/uint64(len(data)), limit)
	}
}

// A count that the bytes left cannot hold (each element taking at least
// its type's size, an object's entry at least a key) is refused at once,
// before anything is sized from it or decoded; a typed array of nulls
// claiming more elements than the document has bytes likewise. Before,
// a typed array of float32s claiming as many elements as the document has
// bytes was allocated (16 bytes per claimed element) and filled until the
// input ran out, and an array of nulls decoded up to len(data) values.
func TestLoadXGBoostUBJSONUnbackedCounts(t *testing.T) {
	const size = 1 << 20
	// doc is a container opened by head with a count, then elements
	// (elem repeated) up to size bytes: fewer than the count claims.
	doc := func(head string, count int32, elem string) []byte {
		var b bytes.Buffer
		b.WriteString("{U\x01a" + head)
		_ = binary.Write(&b, binary.BigEndian, count)
		for b.Len() < size {
			b.WriteString(elem)
		}
		return b.Bytes()
	}
	const f32 = "\x3f\x80\x00\x00" // float32 1
	// nullsAll sets the count of a typed array of nulls to the document's
	// length: within the range of a length, one more value than the
	// document may hold with the object and the array.
	nullsAll := func(b []byte) []byte {
		binary.BigEndian.PutUint32(b[len("{U\x01a[$Z#l"):], uint32(len(b)))
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"float32 array", doc("[$d#l", size-100, f32), "needs at least"},
		{"int64 array", doc("[$L#l", size/4, f32+f32), "needs at least"},
		{"untyped array", doc("[#l", size-5, "Z"), "needs at least"},
		{"object", doc("{#l", size/2, "U\x00Z"), "needs at least"},
		{"array of nulls", nullsAll(doc("[$Z#l", 0, f32)), "more values than bytes"},
		{"object of booleans", doc("{$T#l", size/2+100, "U\x00"), "needs at least"},
	} {
		got, err := ubjAllocated(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if limit := uint64(64 << 10); got > limit {
			t.Errorf("%s: allocated %d bytes for a %d-byte document, want at most %d", c.name, got, len(c.data), limit)
		}
	}
	// Counts the input can hold still decode: the arrays of the real and
	// re-encoded models elsewhere, and these at their exact minimum size.
	for _, ok := range [][]byte{
		[]byte("{U\x01a[$d#U\x01\x3f\x80\x00\x00}"),
		[]byte("{U\x01a[$Z#U\x02}"),
		[]byte("{U\x01a{$Z#U\x01U\x00}"),
		[]byte("{U\x01a[#U\x02ZZ}"),
		[]byte("{U\x01a[$[#U\x02]]}"),
	} {
		if _, err := LoadXGBoostUBJSON(bytes.NewReader(ok)); err == nil || !strings.Contains(err.Error(), "learner") {
			t.Errorf("%q: %v, want it decoded (and refused as a model without a learner)", ok, err)
		}
	}
}
