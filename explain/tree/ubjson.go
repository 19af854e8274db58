package tree

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// XGBoost's binary model format (Booster.save_model("model.ubj"), the
// default from XGBoost 2.0) is the same document as the JSON format,
// encoded as Universal Binary JSON (ubjson.org, draft 12): big-endian
// numbers, keys without a type marker, and typed, counted arrays
// ('[', '$', type, '#', count) for the per-node arrays. It is decoded into
// generic values and then read exactly like the JSON format. Floats are
// float32 ('d') in XGBoost's files; converting them to float64 and back is
// exact.

// maxUBJSONDepth bounds container nesting, so a hostile file cannot
// exhaust the stack.
const maxUBJSONDepth = 64

// LoadXGBoostUBJSON reads a model saved with Booster.save_model("model.ubj")
// (optionally gzipped). It supports what [LoadXGBoostJSON] supports.
func LoadXGBoostUBJSON(r io.Reader) (*Ensemble, error) {
	data, err := readMaybeGzip(r)
	if err != nil {
		return nil, err
	}
	d := ubjDecoder{data: data}
	v, err := d.value(0)
	if err != nil {
		return nil, fmt.Errorf("tree: xgboost ubjson model: %w", err)
	}
	if d.pos != len(d.data) {
		return nil, fmt.Errorf("tree: xgboost ubjson model: %d trailing bytes", len(d.data)-d.pos)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("tree: xgboost ubjson model: %w", err)
	}
	var f xgbFile
	if err := json.Unmarshal(js, &f); err != nil {
		return nil, fmt.Errorf("tree: xgboost ubjson model: %w", err)
	}
	return f.build()
}

type ubjDecoder struct {
	data   []byte
	pos    int
	values int // decoded so far, bounded by len(data)
}

var errUBJTruncated = errors.New("truncated input")

func (d *ubjDecoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, errUBJTruncated
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

func (d *ubjDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.data)-d.pos {
		return nil, errUBJTruncated
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

// scalar decodes the payload of a value of type t (not a container).
func (d *ubjDecoder) scalar(t byte) (any, error) {
	switch t {
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i', 'U', 'I', 'l', 'L':
		n, err := d.integer(t)
		return float64(n), err
	case 'd':
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		v := float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		return finiteFloat(v), nil
	case 'D':
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return finiteFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case 'C':
		b, err := d.byte()
		return string(rune(b)), err
	case 'S', 'H':
		s, err := d.str()
		if t == 'H' && err == nil {
			return json.Number(s), nil
		}
		return s, err
	}
	return nil, fmt.Errorf("unknown type marker %q at byte %d", t, d.pos-1)
}

// finiteFloat turns NaN and ±Inf, which JSON cannot carry, into null.
// XGBoost writes NaN as the split condition of a categorical node; the
// model's float arrays read null as NaN, and NaN where a finite number is
// needed (leaf value, numerical threshold, cover) is rejected when the
// ensemble is built.
func finiteFloat(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func (d *ubjDecoder) integer(t byte) (int64, error) {
	var n int
	switch t {
	case 'i', 'U':
		n = 1
	case 'I':
		n = 2
	case 'l':
		n = 4
	case 'L':
		n = 8
	default:
		return 0, fmt.Errorf("expected an integer type, got %q at byte %d", t, d.pos-1)
	}
	b, err := d.take(n)
	if err != nil {
		return 0, err
	}
	switch t {
	case 'i':
		return int64(int8(b[0])), nil
	case 'U':
		return int64(b[0]), nil
	case 'I':
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case 'l':
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// length reads a typed integer used as a count or string length.
func (d *ubjDecoder) length() (int, error) {
	t, err := d.byte()
	if err != nil {
		return 0, err
	}
	n, err := d.integer(t)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > int64(len(d.data)) {
		return 0, fmt.Errorf("length %d out of range at byte %d", n, d.pos)
	}
	return int(n), nil
}

func (d *ubjDecoder) str() (string, error) {
	n, err := d.length()
	if err != nil {
		return "", err
	}
	b, err := d.take(n)
	return string(b), err
}

func (d *ubjDecoder) value(depth int) (any, error) {
	t, err := d.byte()
	if err != nil {
		return nil, err
	}
	for t == 'N' { // no-op padding
		if t, err = d.byte(); err != nil {
			return nil, err
		}
	}
	return d.typed(t, depth)
}

func (d *ubjDecoder) typed(t byte, depth int) (any, error) {
	// Every value of a real file takes at least one byte, but the elements
	// of a typed container of null or booleans ('$Z#', '$T#', '$F#') take
	// none: nested ones would decode (len(data))² values from a few
	// kilobytes (24 KB took 14 s and 2.5 GB).
	if d.values++; d.values > len(d.data) {
		return nil, fmt.Errorf("more values than bytes at byte %d (typed containers of empty elements)", d.pos)
	}
	switch t {
	case '[', '{':
		if depth >= maxUBJSONDepth {
			return nil, errors.New("nesting too deep")
		}
		return d.container(t, depth+1)
	}
	return d.scalar(t)
}

// container decodes an array or object after its opening marker, in the
// plain form (…]) or the optimised forms with '$' type and/or '#' count.
func (d *ubjDecoder) container(open byte, depth int) (any, error) {
	var elemType byte
	count := -1
	if d.pos < len(d.data) && d.data[d.pos] == '$' {
		d.pos++
		var err error
		if elemType, err = d.byte(); err != nil {
			return nil, err
		}
		if d.pos >= len(d.data) || d.data[d.pos] != '#' {
			return nil, fmt.Errorf("typed container without a count at byte %d", d.pos)
		}
	}
	if d.pos < len(d.data) && d.data[d.pos] == '#' {
		d.pos++
		n, err := d.length()
		if err != nil {
			return nil, err
		}
		if err := d.checkCount(open, elemType, n); err != nil {
			return nil, err
		}
		count = n
	}
	elem := func() (any, error) {
		if elemType != 0 {
			return d.typed(elemType, depth)
		}
		return d.value(depth)
	}
	end := func() (bool, error) {
		if count >= 0 {
			return false, nil
		}
		for d.pos < len(d.data) && d.data[d.pos] == 'N' {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return false, errUBJTruncated
		}
		closer := byte(']')
		if open == '{' {
			closer = '}'
		}
		if d.data[d.pos] == closer {
			d.pos++
			return true, nil
		}
		return false, nil
	}
	if open == '[' {
		// Only a typed array of scalars is sized from its count, which
		// checkCount has bounded by the bytes left. An array that may hold
		// containers grows as its elements are read: the count of each of
		// up to maxUBJSONDepth nested arrays may claim all the bytes left,
		// and sizing each from it allocated 1 KB per input byte (1 GB for a
		// 1 MB file) before the first element failed to decode.
		var out []any
		if count > 0 && elemType != 0 && elemType != '[' && elemType != '{' {
			out = make([]any, 0, count)
		}
		for i := 0; count < 0 || i < count; i++ {
			done, err := end()
			if err != nil {
				return nil, err
			}
			if done {
				break
			}
			v, err := elem()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	out := map[string]any{}
	for i := 0; count < 0 || i < count; i++ {
		done, err := end()
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		v, err := elem()
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// checkCount refuses, before anything is allocated or decoded, a count of
// elements that the rest of the input cannot hold: every element takes at
// least minElemBytes bytes, and the elements of a typed container of null
// or booleans, which take none, count towards the values-per-byte bound
// of [ubjDecoder.typed]. Either way the document would fail later, after
// work and memory proportional to the claimed count.
func (d *ubjDecoder) checkCount(open, elemType byte, n int) error {
	per := minElemBytes(open, elemType)
	if per == 0 {
		if n > len(d.data)-d.values {
			return fmt.Errorf("more values than bytes at byte %d (a typed container of %d empty elements)", d.pos, n)
		}
		return nil
	}
	if left := len(d.data) - d.pos; n > left/per {
		return fmt.Errorf("count %d at byte %d needs at least %d bytes, %d are left", n, d.pos, n*per, left)
	}
	return nil
}

// minElemBytes is the fewest bytes one element of a container opened by
// open ('[' or '{') with element type elemType (0 if untyped) takes. An
// untyped element takes at least its marker; a typed one its payload (a
// number its size, a string its length's marker and one length byte, a
// container at least one byte, null and booleans nothing); an object's
// entry also a key of at least two bytes.
func minElemBytes(open, elemType byte) int {
	n := 1 // untyped: the marker; unknown types fail at the first element
	switch elemType {
	case 'Z', 'T', 'F':
		n = 0
	case 'I', 'S', 'H':
		n = 2
	case 'l', 'd':
		n = 4
	case 'L', 'D':
		n = 8
	}
	if open == '{' {
		n += 2
	}
	return n
}
