package msgpack

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/tinylib/msgp/msgp"
)

// JSON text to msgpack: how a json.RawMessage or the output of a
// json.Marshaler is sent, as the JavaScript value JSON.parse would give
// (object keys in their order, integral numbers as integers).

var errInvalidJSON = errors.New("msgpack: invalid JSON from json.RawMessage or MarshalJSON")

// appendJSON appends the msgpack form of the JSON text.
func appendJSON(b []byte, text []byte, depth int) ([]byte, error) {
	if !json.Valid(text) {
		return b, errInvalidJSON
	}
	c := jsonConv{text: text}
	c.space()
	b, err := c.value(b, depth)
	if err != nil {
		return b, err
	}
	return b, nil
}

// jsonConv walks valid JSON text (json.Valid has checked it), so it only
// has to find where values end.
type jsonConv struct {
	text []byte
	i    int
}

func (c *jsonConv) space() {
	for c.i < len(c.text) {
		switch c.text[c.i] {
		case ' ', '\t', '\r', '\n':
			c.i++
		default:
			return
		}
	}
}

func (c *jsonConv) value(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errTooDeep
	}
	switch c.text[c.i] {
	case '{':
		return c.container(b, depth, '}', true)
	case '[':
		return c.container(b, depth, ']', false)
	case '"':
		s, err := c.str()
		if err != nil {
			return b, err
		}
		return msgp.AppendString(b, s), nil
	case 't':
		c.i += 4
		return msgp.AppendBool(b, true), nil
	case 'f':
		c.i += 5
		return msgp.AppendBool(b, false), nil
	case 'n':
		c.i += 4
		return msgp.AppendNil(b), nil
	}
	start := c.i
	for c.i < len(c.text) {
		switch ch := c.text[c.i]; {
		case ch >= '0' && ch <= '9', ch == '-', ch == '+', ch == '.', ch == 'e', ch == 'E':
			c.i++
			continue
		}
		break
	}
	return appendJSONNumber(b, string(c.text[start:c.i])), nil
}

// container converts an object or array. Its element count is known only
// at its end: the elements are written after room for the largest header
// (5 bytes), which is then filled in, the elements moved down when the
// header is shorter.
func (c *jsonConv) container(b []byte, depth int, end byte, object bool) ([]byte, error) {
	c.i++ // the opening bracket
	at := len(b)
	b = append(b, 0, 0, 0, 0, 0)
	n := 0
	var err error
	for {
		c.space()
		if c.text[c.i] == end {
			c.i++
			break
		}
		if c.text[c.i] == ',' {
			c.i++
			c.space()
		}
		if object {
			var key string
			if key, err = c.str(); err != nil {
				return b, err
			}
			b = msgp.AppendString(b, key)
			c.space()
			c.i++ // the colon
			c.space()
		}
		if b, err = c.value(b, depth+1); err != nil {
			return b, err
		}
		n++
	}
	var hdr []byte
	if object {
		hdr = msgp.AppendMapHeader(make([]byte, 0, 5), uint32(n))
	} else {
		hdr = msgp.AppendArrayHeader(make([]byte, 0, 5), uint32(n))
	}
	copy(b[at:], hdr)
	if len(hdr) < 5 {
		copy(b[at+len(hdr):], b[at+5:])
		b = b[:len(b)-(5-len(hdr))]
	}
	return b, nil
}

// str reads a string literal.
func (c *jsonConv) str() (string, error) {
	start := c.i
	c.i++
	escaped := false
	for c.text[c.i] != '"' {
		if c.text[c.i] == '\\' {
			escaped = true
			c.i++
		}
		c.i++
	}
	c.i++
	lit := c.text[start:c.i]
	if !escaped {
		return string(lit[1 : len(lit)-1]), nil
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", errInvalidJSON
	}
	return s, nil
}

// appendJSONNumber writes a valid JSON number: an integer literal that
// fits 64 bits as an integer, anything else as the float64 JSON.parse
// gives (itself written as an integer when integral).
func appendJSONNumber(b []byte, s string) []byte {
	integer := true
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'e' || s[i] == 'E' {
			integer = false
			break
		}
	}
	if integer {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return appendInt(b, i)
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return msgp.AppendUint64(b, u)
		}
	}
	f, _ := strconv.ParseFloat(s, 64) // out of range: ±Inf, as JSON.parse
	return appendFloat(b, f)
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
