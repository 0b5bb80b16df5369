package msgpack

import (
	"strconv"
	"unicode/utf8"
)

// readTree decodes the value at the start of b (checked by skipValue)
// into the types an any target receives (see the package doc):
// map[string]any, []any, float64, string, []byte, bool, nil, time.Time,
// and []any{type, []byte} for an unknown extension.
func readTree(b []byte, depth int) (any, []byte, error) {
	if depth > maxDepth {
		return nil, b, errDeep
	}
	tok, rest, err := readToken(b)
	if err != nil {
		return nil, b, err
	}
	switch tok.kind {
	case kindNil, kindUndefined:
		return nil, rest, nil
	case kindBool:
		return tok.b, rest, nil
	case kindInt:
		return float64(tok.i), rest, nil
	case kindUint:
		return float64(tok.u), rest, nil
	case kindFloat:
		return tok.f, rest, nil
	case kindStr:
		return validString(tok.data), rest, nil
	case kindBin:
		return tok.data, rest, nil
	case kindTime:
		return tok.time(), rest, nil
	case kindExt:
		return []any{float64(tok.ext), tok.data}, rest, nil
	case kindArray:
		out := make([]any, tok.n)
		for i := range out {
			if out[i], rest, err = readTree(rest, depth+1); err != nil {
				return nil, b, err
			}
		}
		return out, rest, nil
	}
	// kindMap
	m := make(map[string]any, tok.n)
	for range tok.n {
		var k string
		if k, rest, err = readKey(rest); err != nil {
			return nil, b, err
		}
		var v any
		if v, rest, err = readTree(rest, depth+1); err != nil {
			return nil, b, err
		}
		m[k] = v // a repeated key: the last wins, as in JavaScript
	}
	return m, rest, nil
}

// readKey reads a map key as the string JavaScript makes of it.
func readKey(b []byte) (string, []byte, error) {
	tok, rest, err := readToken(b)
	if err != nil {
		return "", b, err
	}
	switch tok.kind {
	case kindStr, kindBin:
		return validString(tok.data), rest, nil
	case kindInt:
		return strconv.FormatInt(tok.i, 10), rest, nil
	case kindUint:
		// JavaScript's String() of that number (a float64, below 1e21).
		return strconv.FormatFloat(float64(tok.u), 'f', -1, 64), rest, nil
	}
	return "", b, errBadKey
}

// validString returns b as a string, each byte that is not part of valid
// UTF-8 replaced by U+FFFD, as encoding/json does for the JSON parser.
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return string(out)
}
