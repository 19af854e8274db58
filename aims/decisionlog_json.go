package aims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

// appendDecisionJSON appends to dst the JSON encoding of d that goes into
// the ledger and the body of the aims.decision log record: exactly what
// encoding/json.Marshal(d) gives (HTML-safe escaping included), so an
// auditor who decodes an entry and marshals it again gets the same bytes.
// A number that is NaN or infinite, or an input of another type than
// string, float64 or bool, is refused with an error that names it, before
// anything is encoded.
func appendDecisionJSON(dst []byte, d *Decision) ([]byte, error) {
	if err := checkEncodable(d); err != nil {
		return dst, err
	}
	e := encoderPool.Get().(*decisionEncoder)
	defer e.release()
	e.buf.Reset()
	// Encoding a copy keeps d itself from escaping to the heap (the
	// encoder takes an interface), which saves the caller an allocation.
	e.d = *d
	err := e.enc.Encode(&e.d)
	e.d = Decision{} // drop references to the caller's maps and slices
	if err != nil {
		return dst, err
	}
	b := e.buf.Bytes()
	return append(dst, b[:len(b)-1]...), nil // without the newline Encode adds
}

// decisionEncoder is a reusable encoder for appendDecisionJSON. It saves
// the copy of the output that json.Marshal makes on every call.
type decisionEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
	d   Decision
}

var encoderPool = sync.Pool{New: func() any {
	e := new(decisionEncoder)
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// release returns e to the pool, unless an unusually large decision grew
// its buffer: the pool would keep that memory alive.
func (e *decisionEncoder) release() {
	if e.buf.Cap() <= 64<<10 {
		encoderPool.Put(e)
	}
}

// checkEncodable reports the first value of d that a decision record
// cannot hold: a float that JSON cannot express (encoding/json refuses
// those too, but its error does not say which field was at fault) or an
// input that is not a string, float64 or bool.
func checkEncodable(d *Decision) error {
	if d.Score != nil && !finite(*d.Score) {
		return fmt.Errorf("aims: score is %v, not a finite number", *d.Score)
	}
	if d.Threshold != nil && !finite(*d.Threshold) {
		return fmt.Errorf("aims: threshold is %v, not a finite number", *d.Threshold)
	}
	for k, v := range d.Inputs {
		if err := checkInputValue(k, v); err != nil {
			return fmt.Errorf("aims: %w", err)
		}
	}
	e := d.Explanation
	if e == nil {
		return nil
	}
	if !finite(e.BaseValue) {
		return fmt.Errorf("aims: explanation base value is %v, not a finite number", e.BaseValue)
	}
	if !finite(e.Prediction) {
		return fmt.Errorf("aims: explanation prediction is %v, not a finite number", e.Prediction)
	}
	for _, a := range e.Attributions {
		if !finite(a.Contribution) {
			return fmt.Errorf("aims: attribution of %q is %v, not a finite number", a.Feature, a.Contribution)
		}
	}
	for _, r := range e.ReasonCodes {
		if !finite(r.Contribution) {
			return fmt.Errorf("aims: contribution of reason code %q is %v, not a finite number", r.Code, r.Contribution)
		}
	}
	for _, c := range e.Counterfactuals {
		for _, ch := range c.Changes {
			// Only the end at fault is given: the other is the
			// person's input value or the value suggested to them.
			if !finite(ch.From) {
				return fmt.Errorf("aims: counterfactual change of %q: from is %v, not a finite number", ch.Feature, ch.From)
			}
			if !finite(ch.To) {
				return fmt.Errorf("aims: counterfactual change of %q: to is %v, not a finite number", ch.Feature, ch.To)
			}
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
