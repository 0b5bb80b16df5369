package codec

import (
	"bytes"
	"encoding/json"
	"math"
)

// checkPlaceholders validates the placeholders of a complete binary packet
// with n attachments, as the reference parser does while reconstructing
// it: every object whose "_placeholder" is true must carry a "num" that
// designates one of the attachments, or the packet is a parse error (the
// connection is closed) rather than an argument a handler fails to decode
// later. A num is valid when it is a JSON number of integral value in
// [0, n), written in any notation ("1", "1.0", "1e0"), as the reference
// accepts any number in range; a fractional num, which the reference lets
// through as undefined, is refused here. An attachment that no
// placeholder designates is accepted, as the reference does (it is
// dropped); its size is bounded by MaxPayload like any message.
func checkPlaceholders(raw []json.RawMessage, n int) error {
	for _, r := range raw {
		if !mayHoldPlaceholder(r) {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		var tree any
		if err := dec.Decode(&tree); err != nil {
			return socketErr("invalid payload")
		}
		if !validPlaceholders(tree, n) {
			return socketErr("illegal attachments")
		}
	}
	return nil
}

var unicodeEscape = []byte(`\u`)

// mayHoldPlaceholder reports whether the JSON text raw may hold a
// "_placeholder" key: written plainly, or with some of its letters
// escaped as \uXXXX, which decodes to the same key.
func mayHoldPlaceholder(raw []byte) bool {
	return bytes.Contains(raw, placeholderKey) || bytes.Contains(raw, unicodeEscape)
}

// validPlaceholders reports whether every placeholder in the decoded
// tree v designates one of n attachments. A placeholder's own fields are
// not searched further, as the reference replaces the whole object.
func validPlaceholders(v any, n int) bool {
	switch t := v.(type) {
	case map[string]any:
		if isPH, _ := t["_placeholder"].(bool); isPH {
			_, ok := placeholderIndex(t["num"], n)
			return ok
		}
		for _, e := range t {
			if !validPlaceholders(e, n) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !validPlaceholders(e, n) {
				return false
			}
		}
	}
	return true
}

// placeholderIndex returns the attachment a placeholder's "num" (as
// encoding/json decoded it: float64, or json.Number with UseNumber)
// designates among n, and whether it designates one.
func placeholderIndex(num any, n int) (int, bool) {
	var f float64
	switch x := num.(type) {
	case float64:
		f = x
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f < 0 || f >= float64(n) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}
