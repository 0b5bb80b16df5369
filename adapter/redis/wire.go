package redis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// Request and response types of @socket.io/redis-adapter 8.x.
const (
	reqSockets = iota
	reqAllRooms
	reqRemoteJoin
	reqRemoteLeave
	reqRemoteDisconnect
	reqRemoteFetch
	reqServerSideEmit
	reqBroadcast
	reqBroadcastClientCount
	reqBroadcastAck
)

// wireOpts is BroadcastOptions as the Node.js adapter writes them.
type wireOpts struct {
	Rooms  []any          `json:"rooms" msgpack:"rooms"`
	Except []any          `json:"except" msgpack:"except"`
	Flags  map[string]any `json:"flags,omitempty" msgpack:"flags,omitempty"`
}

func toWireOpts(o socketio.BroadcastOptions, withFlags bool) wireOpts {
	w := wireOpts{Rooms: make([]any, len(o.Rooms)), Except: make([]any, len(o.Except))}
	for i, r := range o.Rooms {
		w.Rooms[i] = r
	}
	for i, r := range o.Except {
		w.Except[i] = r
	}
	if withFlags {
		w.Flags = map[string]any{}
		f := o.Flags
		if f.Volatile {
			w.Flags["volatile"] = true
		}
		if f.NoCompress {
			w.Flags["compress"] = false // Node writes the flag only when set
		}
		if f.Timeout > 0 {
			w.Flags["timeout"] = f.Timeout.Milliseconds()
		}
		if f.ExpectSingleResponse {
			w.Flags["expectSingleResponse"] = true
		}
	}
	return w
}

// fromWireOpts reads options from another node; room names that are
// numbers in JavaScript arrive as numbers.
func fromWireOpts(rooms, except []any, flags map[string]any) socketio.BroadcastOptions {
	o := socketio.BroadcastOptions{Rooms: roomNames(rooms), Except: roomNames(except)}
	o.Flags.Local = true // applied here only
	if v, _ := flags["volatile"].(bool); v {
		o.Flags.Volatile = true
	}
	if v, ok := flags["compress"].(bool); ok && !v {
		o.Flags.NoCompress = true
	}
	if ms, ok := number(flags["timeout"]); ok && ms > 0 {
		o.Flags.Timeout = time.Duration(ms * float64(time.Millisecond))
	}
	if v, _ := flags["expectSingleResponse"].(bool); v {
		o.Flags.ExpectSingleResponse = true
	}
	return o
}

func roomNames(rs []any) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		switch t := r.(type) {
		case string:
			out = append(out, t)
		case nil:
		default:
			if f, ok := number(t); ok {
				out = append(out, fmt.Sprint(f))
			}
		}
	}
	return out
}

// number reads any numeric value decoded from msgpack or JSON.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint64:
		return float64(t), true
	case int:
		return float64(t), true
	case int8:
		return float64(t), true
	case int16:
		return float64(t), true
	case int32:
		return float64(t), true
	case uint8:
		return float64(t), true
	case uint16:
		return float64(t), true
	case uint32:
		return float64(t), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

// wireValues turns emitted Go values into what JavaScript would hold once
// decoded: the JSON form of each value (struct tags honoured), []byte
// kept as binary, integral numbers as integers. msgpack then writes them
// as notepack does for the same JavaScript values.
func wireValues(values []any) ([]any, error) {
	args, err := codec.ArgsOf(values...)
	if err != nil {
		return nil, err
	}
	out := make([]any, args.Len())
	for i := range out {
		var v any
		if err := args.Decode(i, &v); err != nil {
			return nil, err
		}
		out[i] = integral(v)
	}
	return out, nil
}

func integral(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= 1<<53 {
			return int64(t)
		}
	case []any:
		for i, e := range t {
			t[i] = integral(e)
		}
	case map[string]any:
		for k, e := range t {
			t[k] = integral(e)
		}
	}
	return v
}

func encodeMsgpack(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	enc.SetCustomStructTag("msgpack")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeMessage reads a request or response: JSON when it starts with
// '{', msgpack otherwise, as the Node.js adapter decides.
func decodeMessage(b []byte) (map[string]any, error) {
	var m map[string]any
	if len(b) > 0 && b[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		return m, nil
	}
	// Default interface decoding: binary stays []byte (the loose mode
	// would turn it into a string); number reads every integer type.
	if !validMsgpack(b) {
		return nil, errMalformed
	}
	if err := msgpack.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeMsgpackArray(b []byte) ([]any, error) {
	if !validMsgpack(b) {
		return nil, errMalformed
	}
	var a []any
	err := msgpack.Unmarshal(b, &a)
	return a, err
}

// errMalformed refuses a msgpack message whose lengths do not fit it.
var errMalformed = errors.New("malformed msgpack")

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
