package otlpfile

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Sizes of the IDs in bytes (W3C Trace Context).
const (
	traceIDSize = 16
	spanIDSize  = 8
)

// hexID returns, as lowercase hex, a trace or span ID of size bytes as
// protojson decoded it from an OTLP/JSON line.
//
// OTLP/JSON writes IDs as hex strings (OTLP specification, "JSON Protobuf
// Encoding"), while protojson reads every bytes field as base64. Hex digits
// are all base64 characters and an ID's hex form (32 or 16 digits) is a
// multiple of 4 characters long, so protojson's base64 decoding of it loses
// nothing: it yields 3/4 of the digits' count in bytes (24 for a trace ID,
// 12 for a span ID), and encoding those bytes as base64 again gives back
// exactly the hex digits that were written. An ID that decoded to size
// bytes was written as base64 by a canonical protobuf JSON writer and is
// taken as it is; the two lengths never coincide, so both forms are read
// without rewriting the line before protojson sees it.
func hexID(field string, b []byte, size int) (string, error) {
	switch len(b) {
	case 0:
		return "", nil
	case size:
		return hex.EncodeToString(b), nil
	case size * 2 * 3 / 4:
		var digits [2 * traceIDSize]byte
		d := digits[:2*size]
		base64.StdEncoding.Encode(d, b)
		var raw [traceIDSize]byte
		if _, err := hex.Decode(raw[:size], d); err != nil {
			return "", fmt.Errorf("%s %q is not %d hex digits", field, d, 2*size)
		}
		return hex.EncodeToString(raw[:size]), nil
	}
	return "", fmt.Errorf("%s is neither %d hex digits nor the base64 of %d bytes", field, 2*size, size)
}
