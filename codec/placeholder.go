package codec

import (
	"bytes"
	"encoding/json"
)

// checkPlaceholders validates the placeholders of a complete binary packet
// with n attachments, as the reference parser does while reconstructing
// it: every object whose "_placeholder" is true must carry a "num" that
// designates one of the attachments, or the packet is a parse error (the
// connection is closed) rather than an argument a handler fails to decode
// later. num must be an integer here; the reference indexes its array
// with any number in range, so a fractional num there yields undefined.
func checkPlaceholders(raw []json.RawMessage, n int) error {
	for _, r := range raw {
		if !bytes.Contains(r, placeholderKey) {
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

func validPlaceholders(v any, n int) bool {
	switch t := v.(type) {
	case map[string]any:
		if isPH, _ := t["_placeholder"].(bool); isPH {
			num, ok := t["num"].(json.Number)
			if !ok {
				return false
			}
			i, err := num.Int64()
			return err == nil && i >= 0 && i < int64(n)
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
