package codec

import (
	"encoding/json"
	"reflect"
)

// ArgsOf returns the Args of values, as if they had been received: a
// cluster adapter passes the ack answers and server-side events it decoded
// from another node (msgpack or JSON values, []byte for binary) to the
// code that expects Args. Each value is encoded to JSON once, []byte
// values becoming attachments, so Decode behaves as for a packet from a
// client: into typed targets as encoding/json would, []byte into []byte
// (or any). It fails when a value cannot be encoded to JSON.
func ArgsOf(values ...any) (Args, error) {
	a := &jsonArgs{raw: make([]json.RawMessage, len(values))}
	for i, v := range values {
		if rv := reflect.ValueOf(v); rv.IsValid() && holdsBinary(rv) {
			// Placeholders are numbered across all values, as in a packet.
			v = replaceBinary(rv, &a.atts)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		a.raw[i] = raw
	}
	return a, nil
}
