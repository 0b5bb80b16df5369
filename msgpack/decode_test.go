package msgpack

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/gosio/socketio/codec"
)

// mp builds msgpack from hex, spaces allowed.
func mp(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bin(b []byte) codec.Packet {
	return codec.Packet{Type: codec.PacketMessage, Data: b, Binary: true}
}

func decode(t testing.TB, b []byte) *codec.SocketPacket {
	t.Helper()
	p, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(bin(b))
	if err != nil {
		t.Fatalf("Add(% x): %v", b, err)
	}
	return p
}

func argAny(t testing.TB, a codec.Args, i int) any {
	t.Helper()
	var v any
	if err := a.Decode(i, &v); err != nil {
		t.Fatalf("Decode(%d): %v", i, err)
	}
	return v
}

// readmeVector is the example of socket.io-msgpack-parser's README:
// {type: 2, nsp: "/", data: ["hello", "you"]}.
const readmeVector = "83 a4 74 79 70 65 02 a3 6e 73 70 a1 2f a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75"

func TestDecodeReadmeVector(t *testing.T) {
	p := decode(t, mp(t, readmeVector))
	if p.Type != codec.Event || p.Nsp != "/" || p.HasID || p.Event != "hello" || p.Args.Len() != 1 {
		t.Fatalf("got %+v", p)
	}
	if got := argAny(t, p.Args, 0); got != "you" {
		t.Fatalf("argument %#v, want \"you\"", got)
	}
}

func TestEncodeReadmeVector(t *testing.T) {
	pkts, err := Parser{}.Encode(nil, &codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"hello", "you"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != 1 || !pkts[0].Binary || pkts[0].Type != codec.PacketMessage {
		t.Fatalf("got %d messages %+v, want one binary message", len(pkts), pkts)
	}
	if want := mp(t, readmeVector); string(pkts[0].Data) != string(want) {
		t.Fatalf("got  % x\nwant % x", pkts[0].Data, want)
	}
}

// TestDecodeValid: packets the reference decoder accepts, with what they
// decode to.
func TestDecodeValid(t *testing.T) {
	type want struct {
		typ   codec.SocketPacketType
		nsp   string
		id    int64 // -1: none
		event string
		args  []any // as any targets get them; nil: no Args
	}
	date := time.UnixMilli(1700000000123).UTC()
	tests := []struct {
		name string
		hex  string
		want want
	}{
		{"connect, no data", "82 a4 74797065 00 a3 6e7370 a1 2f", want{codec.Connect, "/", -1, "", []any{}}},
		{"connect, data undefined (notepack 2)", "83 a4 74797065 00 a3 6e7370 a1 2f a4 64617461 d4 00 00", want{codec.Connect, "/", -1, "", []any{}}},
		{"connect, auth", "83 a4 74797065 00 a3 6e7370 a6 2f61646d696e a4 64617461 81 a5 746f6b656e a1 78",
			want{codec.Connect, "/admin", -1, "", []any{map[string]any{"token": "x"}}}},
		{"disconnect", "82 a4 74797065 01 a3 6e7370 a1 2f", want{codec.Disconnect, "/", -1, "", nil}},
		{"connect_error string", "83 a4 74797065 04 a3 6e7370 a1 2f a4 64617461 a1 78", want{codec.ConnectError, "/", -1, "", []any{"x"}}},
		{"event with id", "84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 01 a2 6964 0c",
			want{codec.Event, "/", 12, "e", []any{1.0}}},
		{"event, id undefined", "84 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 91 a1 65 a2 6964 d4 00 00",
			want{codec.Event, "/", -1, "e", []any{}}},
		{"keys in another order, and the client's options key", "85 a4 64617461 91 a1 65 a7 6f7074696f6e73 81 a8 636f6d7072657373 c3 a2 6964 cd 0100 a3 6e7370 a1 2f a4 74797065 02",
			want{codec.Event, "/", 256, "e", []any{}}},
		{"type as a float without fraction", "83 a4 74797065 cb 4008000000000000 a3 6e7370 a1 2f a4 64617461 90", want{codec.Ack, "/", -1, "", []any{}}},
		{"ack with bin", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 00 a4 64617461 91 c4 03 010203",
			want{codec.Ack, "/", 0, "", []any{[]byte{1, 2, 3}}}},
		{"ArrayBuffer from Node (ext 8 type 0)", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c7 02 00 0102",
			want{codec.Event, "/", -1, "e", []any{[]byte{1, 2}}}},
		{"Date (fixext 8 type 0)", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d7 00 0000018bcfe5687b",
			want{codec.Event, "/", -1, "e", []any{date}}},
		{"timestamp 32 (ext -1)", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d6 ff 6553f100",
			want{codec.Event, "/", -1, "e", []any{time.Unix(1700000000, 0).UTC()}}},
		{"timestamp 96 (ext -1)", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c7 0c ff 00000005 000000006553f100",
			want{codec.Event, "/", -1, "e", []any{time.Unix(1700000000, 5).UTC()}}},
		{"other extension: [type, bytes]", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d5 07 0102",
			want{codec.Event, "/", -1, "e", []any{[]any{7.0, []byte{1, 2}}}}},
		{"undefined in an array, numbers of every form", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 98 a1 65 d4 00 00 c0 ff d0 80 cf ffffffffffffffff ca 3fc00000 cb 3ff8000000000000",
			want{codec.Event, "/", -1, "e", []any{nil, nil, -1.0, -128.0, 18446744073709551615.0, 1.5, 1.5}}},
		{"integer and bin map keys", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 82 01 c3 c4 01 61 c2",
			want{codec.Event, "/", -1, "e", []any{map[string]any{"1": true, "a": false}}}},
		{"repeated key: the last wins", "84 a4 74797065 01 a3 6e7370 a1 2f a4 74797065 02 a4 64617461 91 a1 65",
			want{codec.Event, "/", -1, "e", []any{}}},
		{"invalid UTF-8 replaced", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 a2 ff61",
			want{codec.Event, "/", -1, "e", []any{"\ufffda"}}},
		{"largest id", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 cf 001fffffffffffff a4 64617461 90",
			want{codec.Ack, "/", 1<<53 - 1, "", []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decode(t, mp(t, tt.hex))
			w := tt.want
			if p.Type != w.typ || p.Nsp != w.nsp || p.Event != w.event {
				t.Fatalf("got type %v nsp %q event %q, want %v %q %q", p.Type, p.Nsp, p.Event, w.typ, w.nsp, w.event)
			}
			if (w.id >= 0) != p.HasID || p.HasID && p.ID != uint64(w.id) {
				t.Fatalf("got id %d (%v), want %d", p.ID, p.HasID, w.id)
			}
			if w.args == nil {
				if p.Args != nil {
					t.Fatalf("got Args %v, want none", p.Args)
				}
				return
			}
			got := []any{}
			for i := 0; i < p.Args.Len(); i++ {
				got = append(got, argAny(t, p.Args, i))
			}
			if !reflect.DeepEqual(got, w.args) {
				t.Fatalf("got args %#v\nwant %#v", got, w.args)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct{ name, hex string }{
		{"empty", ""},
		{"not a map", "92 01 02"},
		{"nil", "c0"},
		{"no type", "81 a3 6e7370 a1 2f"},
		{"type 5 (no binary types in msgpack)", "83 a4 74797065 05 a3 6e7370 a1 2f a4 64617461 91 a1 65"},
		{"type -1", "82 a4 74797065 ff a3 6e7370 a1 2f"},
		{"type as a string", "82 a4 74797065 a1 30 a3 6e7370 a1 2f"},
		{"type 1.5", "82 a4 74797065 cb 3ff8000000000000 a3 6e7370 a1 2f"},
		{"no nsp", "81 a4 74797065 00"},
		{"nsp a number", "82 a4 74797065 00 a3 6e7370 01"},
		{"nsp undefined", "82 a4 74797065 00 a3 6e7370 d4 00 00"},
		{"nsp empty", "82 a4 74797065 00 a3 6e7370 a0"},
		{"nsp not a path", "82 a4 74797065 00 a3 6e7370 a1 61"},
		{"connect data null", "83 a4 74797065 00 a3 6e7370 a1 2f a4 64617461 c0"},
		{"connect data an array", "83 a4 74797065 00 a3 6e7370 a1 2f a4 64617461 90"},
		{"connect data a string", "83 a4 74797065 00 a3 6e7370 a1 2f a4 64617461 a1 78"},
		{"disconnect with data", "83 a4 74797065 01 a3 6e7370 a1 2f a4 64617461 80"},
		{"disconnect data null", "83 a4 74797065 01 a3 6e7370 a1 2f a4 64617461 c0"},
		{"connect_error without data", "82 a4 74797065 04 a3 6e7370 a1 2f"},
		{"connect_error a number", "83 a4 74797065 04 a3 6e7370 a1 2f a4 64617461 01"},
		{"event without data", "82 a4 74797065 02 a3 6e7370 a1 2f"},
		{"event data a map", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 80"},
		{"event empty", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 90"},
		{"event name a number", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 91 01"},
		{"event name reserved", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 91 a7 636f6e6e656374"},
		{"ack data a string", "83 a4 74797065 03 a3 6e7370 a1 2f a4 64617461 a1 78"},
		{"id negative", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 ff a4 64617461 90"},
		{"id 1.5", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 cb 3ff8000000000000 a4 64617461 90"},
		{"id a string", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 a1 31 a4 64617461 90"},
		{"id null", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 c0 a4 64617461 90"},
		{"id past 2^53-1", "84 a4 74797065 03 a3 6e7370 a1 2f a2 6964 cf 0020000000000000 a4 64617461 90"},
		{"trailing bytes", readmeVector + " 00"},
		{"truncated", strings.TrimSuffix(readmeVector, " 75")},
		{"never-used byte c1", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c1"},
		{"array of 2^32-1 elements in 20 bytes", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 dd ffffffff a1 65"},
		{"map of 2^32-1 pairs", "df ffffffff a4 74797065 02"},
		{"string longer than the input", "82 a4 74797065 00 a3 6e7370 db ffffffff 2f"},
		{"bin longer than the input", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c6 7fffffff 00"},
		{"ext longer than the input", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 c9 7fffffff 00 00"},
		{"fixext 8 truncated", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d7 00 0000"},
		{"timestamp with bad nanoseconds", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 d7 ff ffffffff00000000"},
		{"map whose first value takes the rest", "82 a1 61 94 00 00 00 00"},
		{"nested map whose first value takes the rest", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 82 a1 61 94 00 00 00 00"},
		{"map key an array", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 81 90 c0"},
		{"nested too deeply", "83 a4 74797065 02 a3 6e7370 a1 2f a4 64617461 92 a1 65 " + strings.Repeat("91 ", maxDepth+1) + "c0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(bin(mp(t, tt.hex)))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !errors.Is(err, codec.ErrInvalidSocketPacket) {
				t.Fatalf("error %v does not wrap codec.ErrInvalidSocketPacket", err)
			}
			if p != nil {
				t.Fatalf("packet %+v returned with the error", p)
			}
		})
	}
	t.Run("text message", func(t *testing.T) {
		_, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(codec.Packet{Type: codec.PacketMessage, Data: []byte(`2["a"]`)})
		if !errors.Is(err, codec.ErrInvalidSocketPacket) {
			t.Fatalf("got %v, want an invalid packet error", err)
		}
	})
}

// TestDecodeTyped: Args.Decode into typed targets behaves as
// encoding/json on the JSON form of the value.
func TestDecodeTyped(t *testing.T) {
	type Inner struct {
		Blob []byte `json:"blob"`
		Any  any    `json:"any"`
	}
	type Msg struct {
		Name    string            `json:"name"`
		Count   int               `json:"count"`
		Big     uint64            `json:"big"`
		Ratio   float32           `json:"ratio"`
		Tags    []string          `json:"tags"`
		When    time.Time         `json:"when"`
		Inner   Inner             `json:"inner"`
		List    []any             `json:"list"`
		ByKey   map[string]any    `json:"byKey"`
		Raw     json.RawMessage   `json:"raw"`
		Ignored string            `json:"-"`
		Quoted  int               `json:"quoted,string"`
		Embed   map[string][]byte `json:"embed"`
	}
	date := time.UnixMilli(1700000000123).UTC()
	arg := map[string]any{
		"name": "n", "count": 3, "big": uint64(1<<63 + 1), "ratio": 0.5, "tags": []any{"a", "b"},
		"when": msgpDate(1700000000123),
		"inner": map[string]any{
			"blob": []byte{1, 2}, "any": []byte{3},
		},
		"list":   []any{[]byte{4}, "x", map[string]any{"deep": []byte{5}}},
		"byKey":  map[string]any{"b": []byte{6}, "n": 1},
		"raw":    []any{true, map[string]any{"z": 1}},
		"-":      "no",
		"quoted": "42",
		"EMBED":  map[string]any{"k": []byte{7}},
	}
	p := decodeEvent(t, arg)
	var m Msg
	if err := p.Args.Decode(0, &m); err != nil {
		t.Fatal(err)
	}
	want := Msg{
		Name: "n", Count: 3, Big: 1<<63 + 1, Ratio: 0.5, Tags: []string{"a", "b"}, When: date,
		Inner:  Inner{Blob: []byte{1, 2}, Any: []byte{3}},
		List:   []any{[]byte{4}, "x", map[string]any{"deep": []byte{5}}},
		ByKey:  map[string]any{"b": []byte{6}, "n": 1.0},
		Raw:    json.RawMessage(`[true,{"z":1}]`),
		Quoted: 42,
		Embed:  map[string][]byte{"k": {7}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got  %#v\nwant %#v", m, want)
	}

	// The fast paths agree with encoding/json on null and mismatches.
	p = decodeEvent(t, nil, "s", 1.5, 7, true, []byte{1})
	s := "keep"
	if err := p.Args.Decode(0, &s); err != nil || s != "keep" {
		t.Fatalf("null into string: %q %v", s, err)
	}
	var i int
	if err := p.Args.Decode(2, &i); err == nil {
		t.Fatalf("1.5 into int: %d, no error", i)
	}
	if err := p.Args.Decode(3, &i); err != nil || i != 7 {
		t.Fatalf("7 into int: %d %v", i, err)
	}
	var f float64
	if err := p.Args.Decode(3, &f); err != nil || f != 7 {
		t.Fatalf("7 into float64: %v %v", f, err)
	}
	var b []byte
	if err := p.Args.Decode(5, &b); err != nil || string(b) != "\x01" {
		t.Fatalf("bin into []byte: %v %v", b, err)
	}
	if err := p.Args.Decode(1, &b); err == nil {
		t.Fatalf("\"s\" into []byte: %v, no error (not base64)", b)
	}
	if err := p.Args.Decode(6, &b); !errors.Is(err, codec.ErrNoArgument) {
		t.Fatalf("Decode past the end: %v", err)
	}
	var raw json.RawMessage
	if err := p.Args.Decode(5, &raw); err != nil || string(raw) != `"AQ=="` {
		t.Fatalf("bin into json.RawMessage: %s %v", raw, err)
	}
}

// msgpDate is a Date as notepack 2 writes it.
type msgpDate int64

func (d msgpDate) MarshalJSON() ([]byte, error) { return nil, errors.New("not used") }

// decodeEvent encodes an EVENT "e" with args by hand-rolled msgpack (Date
// values as notepack writes them) and decodes it.
func decodeEvent(t testing.TB, args ...any) *codec.SocketPacket {
	t.Helper()
	b := msgp.AppendMapHeader(nil, 3)
	b = msgp.AppendString(b, "type")
	b = msgp.AppendInt(b, 2)
	b = msgp.AppendString(b, "nsp")
	b = msgp.AppendString(b, "/")
	b = msgp.AppendString(b, "data")
	b = msgp.AppendArrayHeader(b, uint32(len(args)+1))
	b = msgp.AppendString(b, "e")
	for _, a := range args {
		b = appendTestValue(t, b, a)
	}
	return decode(t, b)
}

func appendTestValue(t testing.TB, b []byte, v any) []byte {
	switch x := v.(type) {
	case msgpDate:
		b = append(b, 0xd7, 0)
		return append(b, byte(x>>56), byte(x>>48), byte(x>>40), byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
	case map[string]any:
		b = msgp.AppendMapHeader(b, uint32(len(x)))
		for k, e := range x {
			b = msgp.AppendString(b, k)
			b = appendTestValue(t, b, e)
		}
		return b
	case []any:
		b = msgp.AppendArrayHeader(b, uint32(len(x)))
		for _, e := range x {
			b = appendTestValue(t, b, e)
		}
		return b
	}
	b, err := msgp.AppendIntf(b, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
