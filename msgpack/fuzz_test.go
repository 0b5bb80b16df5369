package msgpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/gosio/socketio/codec"
)

// fuzzSeeds are msgpack messages (hex) for the fuzz corpora.
var fuzzSeeds = []string{
	readmeVector,
	"82 a4 74797065 00 a3 6e7370 a1 2f",
	"83 a4 74797065 00 a3 6e7370 a1 2f a4 64617461 d4 00 00",
	"83 a4 74797065 00 a3 6e7370 a6 2f61646d696e a4 64617461 81 a5 746f6b656e a1 78",
	"82 a4 74797065 01 a3 6e7370 a1 2f",
	"83 a4 74797065 04 a3 6e7370 a1 2f a4 64617461 81 a7 6d657373616765 a1 78",
	"84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 01 a2 6964 0c",
	"85 a4 64617461 91 a1 65 a7 6f7074696f6e73 81 a8 636f6d7072657373 c3 a2 6964 cd 0100 a3 6e7370 a1 2f a4 74797065 02",
	"84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 00 a4 64617461 91 c4 03 010203",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c7 02 00 0102",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d7 00 0000018bcfe5687b",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c7 0c ff 00000005 000000006553f100",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d5 07 0102",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 98 a1 65 d4 00 00 c0 ff d0 80 cf ffffffffffffffff ca 3fc00000 cb 3ff8000000000000",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 82 01 c3 c4 01 61 c2",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 a2 ff61",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 dd ffffffff a1 65",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c6 7fffffff 00",
	"83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 93 a1 65 de 0002 a1 61 dc 0001 ca 7fc00000 a1 62 d3 8000000000000000 cb 8000000000000000",
}

// FuzzDecode: the decoder never panics and reports every failure as an
// invalid packet; what it accepts decodes into any target without
// panicking, re-encodes, decodes again to the same packet, and a second
// round trip writes the same bytes (encode∘decode is stable). The value
// decoder agrees with the msgp library wherever the library reads the
// input and it holds no extension (the quirks are ours).
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(mp(f, s))
	}
	f.Fuzz(checkDecode)
}

func checkDecode(t *testing.T, data []byte) {
	compareWithLibrary(t, data)
	p, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(bin(data))
	if err != nil {
		if !errors.Is(err, codec.ErrInvalidSocketPacket) {
			t.Fatalf("error %v does not wrap codec.ErrInvalidSocketPacket", err)
		}
		if p != nil {
			t.Fatal("packet returned with an error")
		}
		return
	}
	if p.Type > codec.ConnectError {
		t.Fatalf("type %v", p.Type)
	}
	if !strings.HasPrefix(p.Nsp, "/") {
		t.Fatalf("namespace %q", p.Nsp)
	}
	if p.HasID && p.ID > 1<<53-1 {
		t.Fatalf("id %d", p.ID)
	}
	e1 := reencode(t, p)
	p2, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(bin(e1))
	if err != nil {
		t.Fatalf("our own encoding % x of % x does not decode: %v", e1, data, err)
	}
	if p2.Type != p.Type || p2.Nsp != p.Nsp || p2.HasID != p.HasID || p2.ID != p.ID || p2.Event != p.Event {
		t.Fatalf("round trip changed the packet: %+v → %+v", p, p2)
	}
	if e2 := reencode(t, p2); !bytes.Equal(e1, e2) {
		t.Fatalf("encode∘decode not stable:\n% x\n% x", e1, e2)
	}
}

// reencode decodes every argument of p into every generic target and
// encodes the packet again from the any values.
func reencode(t *testing.T, p *codec.SocketPacket) []byte {
	t.Helper()
	var vals []any
	if p.Args != nil {
		for i := 0; i < p.Args.Len(); i++ {
			var v any
			if err := p.Args.Decode(i, &v); err != nil {
				t.Fatalf("argument %d into any: %v", i, err)
			}
			vals = append(vals, v)
			var raw json.RawMessage
			if err := p.Args.Decode(i, &raw); err != nil || !json.Valid(raw) {
				t.Fatalf("argument %d into json.RawMessage: %q %v", i, raw, err)
			}
			// Typed targets may refuse the value, but must not panic.
			var s struct {
				A any            `json:"a"`
				B []byte         `json:"b"`
				M map[string]any `json:"m"`
				L []any          `json:"l"`
				T time.Time      `json:"t"`
			}
			_ = p.Args.Decode(i, &s)
			var str string
			_ = p.Args.Decode(i, &str)
			var n int
			_ = p.Args.Decode(i, &n)
			var fl float64
			_ = p.Args.Decode(i, &fl)
			var l []any
			_ = p.Args.Decode(i, &l)
			var m map[string]any
			_ = p.Args.Decode(i, &m)
		}
	}
	q := codec.SocketPacket{Type: p.Type, Nsp: p.Nsp, ID: p.ID, HasID: p.HasID}
	switch p.Type {
	case codec.Event:
		q.Data = append([]any{p.Event}, vals...)
	case codec.Ack:
		q.Data = vals
	case codec.Connect, codec.ConnectError:
		if len(vals) > 0 {
			q.Data = vals[0]
		}
	}
	pkts, err := Parser{}.Encode(nil, &q)
	if err != nil {
		if strings.Contains(err.Error(), "Time.MarshalJSON") {
			// A Date of a year past 9999 (or before 0): time.Time cannot
			// write it as JSON, so it cannot be sent, with the JSON
			// parser either.
			t.Skip(err)
		}
		t.Fatalf("re-encoding %+v: %v", q, err)
	}
	return pkts[0].Data
}

// compareWithLibrary checks readTree against msgp.ReadIntfBytes on the
// whole input.
func compareWithLibrary(t *testing.T, data []byte) {
	lib, rest, libErr := msgp.ReadIntfBytes(data)
	libOK := libErr == nil && len(rest) == 0 && !holdsExtension(lib)
	restOurs, err := skipValue(data, 0)
	var ours any
	if err == nil && len(restOurs) == 0 {
		ours, _, err = readTree(data, 0)
	} else if err == nil {
		err = errors.New("trailing bytes")
	}
	if !libOK {
		return
	}
	if err != nil {
		if errors.Is(err, errDeep) {
			return // we bound nesting lower than the library
		}
		t.Fatalf("msgp reads % x as %#v; we fail: %v", data, lib, err)
	}
	want, ok := normalize(lib)
	if !ok {
		return // two keys the same once invalid UTF-8 is replaced: the order decides
	}
	if !reflect.DeepEqual(ours, want) && !bothNaN(ours, want) {
		t.Fatalf("% x:\n ours %#v\n msgp %#v", data, ours, want)
	}
}

// holdsExtension reports whether msgp decoded an extension somewhere
// (those are read our way: notepack's).
func holdsExtension(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if holdsExtension(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if holdsExtension(e) {
				return true
			}
		}
	case nil, bool, int64, uint64, float32, float64, string, []byte:
		return false
	default:
		return true // *msgp.RawExtension, time.Time, complex
	}
	return false
}

// normalize turns a value msgp decoded into what an any target gets; ok
// is false when two keys of a map become the same.
func normalize(v any) (_ any, ok bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case string:
		return validString([]byte(x)), true
	case []byte:
		if x == nil {
			return []byte{}, true // msgp reads an empty bin as nil
		}
	case []any:
		for i, e := range x {
			if x[i], ok = normalize(e); !ok {
				return nil, false
			}
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			k = validString([]byte(k)) // keys fixed as ours are
			if _, dup := out[k]; dup {
				return nil, false
			}
			if out[k], ok = normalize(e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, true
}

// bothNaN reports whether two trees differ only by NaN values (NaN !=
// NaN for reflect.DeepEqual).
func bothNaN(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !bothNaN(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !bothNaN(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// FuzzEncodeAgainstLibrary: values the msgp library decodes from the
// input are written by our encoder in a form the library reads back as
// the same values (numbers as JavaScript sees them).
func FuzzEncodeAgainstLibrary(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(mp(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, rest, err := msgp.ReadIntfBytes(data)
		if err != nil || len(rest) != 0 || holdsExtension(v) {
			return
		}
		v = emptyBins(v) // msgp reads an empty bin as nil, which we write as nil
		b, err := appendValue(nil, v, 0)
		if err != nil {
			if errors.Is(err, errTooDeep) {
				return
			}
			t.Fatalf("encoding %#v: %v", v, err)
		}
		back, rest, err := msgp.ReadIntfBytes(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("msgp cannot read our % x: %v", b, err)
		}
		want := jsNumbers(v)
		if got := jsNumbers(emptyBins(back)); !bothNaN(got, want) {
			t.Fatalf("% x:\n wrote % x\n  got %#v\n want %#v", data, b, got, want)
		}
	})
}

// jsNumbers maps every number to the float64 JavaScript holds (a float32
// as the shortest decimal that reads back as it, as encoding/json writes
// it).
func jsNumbers(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return float64(x)
		}
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsNumbers(e)
		}
		return out
	}
	return v
}

func emptyBins(v any) any {
	switch x := v.(type) {
	case []byte:
		if x == nil {
			return []byte{}
		}
	case []any:
		for i, e := range x {
			x[i] = emptyBins(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = emptyBins(e)
		}
	}
	return v
}

// FuzzJSONToMsgpack: a json.RawMessage (or MarshalJSON output) is sent
// as the value JSON.parse would give: the same tree as encoding/json
// decodes from it; invalid JSON is an error.
func FuzzJSONToMsgpack(f *testing.F) {
	for _, s := range []string{
		`{"z":1,"a":[true,null,false],"s":"\ud83d\ude00\n\"","n":-0.5e-3}`, `[]`, `{}`, `"x"`, `12345678901234567890`,
		`-9223372036854775808`, `1e400`, `[1,2`, `{"a" : [ 1 , { } ] }`, " \t\n[1]\n", `"\ud800"`, "\"\xff\"", `{"a":1,"a":2}`,
		strings.Repeat("[", 1001) + strings.Repeat("]", 1001),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		b, err := appendJSON(nil, []byte(text), 0)
		if !json.Valid([]byte(text)) {
			if err == nil {
				t.Fatalf("invalid JSON %q accepted", text)
			}
			return
		}
		if err != nil {
			if errors.Is(err, errTooDeep) {
				return
			}
			t.Fatalf("%q: %v", text, err)
		}
		got, rest, err := readTree(b, 0)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%q → % x does not decode: %v", text, b, err)
		}
		var want any
		if json.Unmarshal([]byte(text), &want) != nil {
			return // a number out of range: JSON.parse gives Infinity, as we do
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n msgpack %#v\n json    %#v", text, got, want)
		}
	})
}
