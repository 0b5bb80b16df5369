package codec

import "encoding/json"

// Checking and splitting an array in one pass.
//
// Every EVENT and ACK payload is a JSON array that must be valid JSON
// before its elements are handed out. json.Valid then splitArrayInto read
// it twice, the first time through encoding/json's scanner, which calls a
// state function per byte. scanArray does both in one pass over the bytes,
// and accepts exactly what json.Valid accepts (FuzzScanArray checks it
// against json.Valid and encoding/json's own split) for arrays nested at
// most scanMaxDepth deep; deeper input is left to the two-pass path,
// which has encoding/json's own nesting limit. The state is a depth and
// one bit per level, so the pass allocates nothing and needs no stack
// beyond its frame, whatever the input.

// scanMaxDepth is how deeply scanArray follows nested arrays and objects
// (the payload's own array is depth 0): one bit of a uint64 per level.
const scanMaxDepth = 63

// What scanArray expects next.
const (
	scanValue = iota // a value
	scanAfter        // a value has just ended: a comma or its container's end
	scanKey          // an object's key (after '{' or a comma inside an object)
)

// scanArray checks that b is one JSON array, with only white space around
// it, and appends its elements to out, white space trimmed, as slices of
// b. ok is false for anything json.Valid rejects, or that is not an array;
// deep is true, with ok false, when b nests more than scanMaxDepth levels
// before any error: the caller must then decide with json.Valid.
func scanArray(out []json.RawMessage, b []byte) (_ []json.RawMessage, ok, deep bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '[' {
		return out, false, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, skipSpace(b, i+1) == len(b), false
	}
	var objects uint64 // bit d: the container at depth d is an object
	depth := 0         // of the container being read; 0 is b's array
	start := i         // where the array's current element began
	state := scanValue
	for {
		switch state {
		case scanValue:
			if i == len(b) {
				return out, false, false
			}
			if depth == 0 {
				start = i
			}
			switch c := b[i]; c {
			case '[', '{':
				if depth == scanMaxDepth {
					return out, false, true
				}
				depth++
				closer := byte(']')
				if c == '{' {
					objects |= 1 << depth
					closer = '}'
				} else {
					objects &^= 1 << depth
				}
				i = skipSpace(b, i+1)
				switch {
				case i < len(b) && b[i] == closer:
					i++
					depth--
					state = scanAfter
				case c == '{':
					state = scanKey
				}
				continue
			case '"':
				i = scanString(b, i)
			case 't':
				i = scanLiteral(b, i, "true")
			case 'f':
				i = scanLiteral(b, i, "false")
			case 'n':
				i = scanLiteral(b, i, "null")
			default:
				i = scanNumber(b, i)
			}
			if i < 0 {
				return out, false, false
			}
			state = scanAfter
		case scanAfter:
			if depth == 0 {
				out = append(out, json.RawMessage(b[start:i:i]))
			}
			i = skipSpace(b, i)
			if i == len(b) {
				return out, false, false
			}
			object := objects&(1<<depth) != 0
			switch c := b[i]; {
			case c == ',':
				i = skipSpace(b, i+1)
				state = scanValue
				if object {
					state = scanKey
				}
			case c == ']' && !object, c == '}' && object:
				i++
				if depth == 0 {
					return out, skipSpace(b, i) == len(b), false
				}
				depth-- // the container was a value: scanAfter again
			default:
				return out, false, false
			}
		case scanKey:
			if i == len(b) || b[i] != '"' {
				return out, false, false
			}
			if i = scanString(b, i); i < 0 {
				return out, false, false
			}
			i = skipSpace(b, i)
			if i == len(b) || b[i] != ':' {
				return out, false, false
			}
			i = skipSpace(b, i+1)
			state = scanValue
		}
	}
}

// skipSpace returns the index of the first byte of b from i that is not
// JSON white space, or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString returns the index just past the string starting at b[i] (a
// quote), or -1 if it is not a valid JSON string. As encoding/json, it
// accepts any byte from 0x20 up, invalid UTF-8 included.
func scanString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		case c < 0x20:
			return -1
		}
	}
	return -1
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber returns the index just past the number starting at b[i], or
// -1 if none starts there: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i == len(b):
		return -1
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		i = skipDigits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// scanLiteral returns the index just past lit at b[i], or -1.
func scanLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
