package msgpack

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/codec"
)

type jsonTagged struct {
	A       string  `json:"a"`
	B       int     `json:"b,omitempty"`
	C       *int    `json:"c,omitempty"`
	D       float64 `json:"d,string"`
	E       bool    `json:",string"`
	Skip    string  `json:"-"`
	Dash    string  `json:"-,"` //lint:ignore SA5008 a field named "-", as encoding/json reads this tag
	private string
	Z       time.Time `json:"z,omitzero"`
	Untag   []string
	Ptr     *jsonTagged `json:"ptr,omitempty"`
	S       string      `json:"s,string"`
}

type Embedded struct {
	X int `json:"x"`
	Y int
}

type embedded2 struct {
	Y int
	W string `json:"w"`
}

type outer struct {
	Embedded
	*embedded2
	X string `json:"x"` // shadows Embedded.X
}

type ambiguous struct {
	Embedded
	embedded2 // Y at the same depth twice, untagged: dropped
}

type textKey struct{ a, b byte }

func (k textKey) MarshalText() ([]byte, error) { return []byte{k.a, '-', k.b}, nil }

type custom struct{ n int }

func (c custom) MarshalJSON() ([]byte, error) {
	return []byte(`{"n": ` + string(rune('0'+c.n)) + ` , "list":[1.5,"x\u00e9\n",null,true,{}], "big":12345678901234567890}`), nil
}

type ptrMarshaler struct{ v string }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("ptr:" + p.v) }

type withPtrMarshaler struct {
	Field ptrMarshaler // addressable through the pointer below: MarshalJSON applies
	Slice []ptrMarshaler
}

// TestEncodeMatchesJSON: what the encoder writes decodes to the same
// JavaScript-like value as the JSON encoding/json writes (and the JSON
// parser sends) for the same Go value.
func TestEncodeMatchesJSON(t *testing.T) {
	seven := 7
	values := []any{
		nil, true, "héllo <&>", 0, -1, 1 << 40, -(1 << 40), uint64(math.MaxUint64), 1.5, float32(0.1), 1e300, math.Copysign(0, -1), 3.0,
		int8(-5), uint16(300), []any{1, "a", nil}, []int{1, 2}, [2]string{"x", "y"}, []string(nil), map[string]int(nil),
		map[string]any{"b": 1, "a": []any{map[string]any{}}},
		map[int]string{2: "two", -1: "minus"}, map[uint8]bool{7: true},
		map[textKey]int{{'a', 'b'}: 1},
		jsonTagged{A: "a", C: &seven, D: 2.5, E: true, Skip: "no", Dash: "yes", private: "no", Untag: []string{"u"}, S: `q"<`},
		&jsonTagged{Ptr: &jsonTagged{A: "inner"}, Z: time.Unix(1, 0).UTC()},
		outer{Embedded: Embedded{X: 1, Y: 2}, embedded2: &embedded2{Y: 3, W: "w"}, X: "outer"},
		outer{Embedded: Embedded{X: 1, Y: 2}, X: "nil embedded pointer"},
		ambiguous{Embedded{1, 2}, embedded2{3, "w"}},
		custom{3}, []custom{{1}}, map[string]json.Marshaler{"c": custom{2}},
		json.RawMessage(`{"z":1,"a":[true,null],"s":"\ud83d\ude00"}`), json.Number("12.50"), json.Number("-3"),
		&withPtrMarshaler{Field: ptrMarshaler{"f"}, Slice: []ptrMarshaler{{"s"}}},
		withPtrMarshaler{Field: ptrMarshaler{"not addressable"}},
		time.Date(2024, 2, 3, 4, 5, 6, 7, time.UTC), big.NewInt(12345), netip.MustParseAddr("10.0.0.1"),
		struct {
			I any `json:"i"`
			J any `json:"j,omitempty"`
		}{I: &seven},
		[]*int{nil, &seven},
		errors.New("an error value is a struct with no exported fields"),
	}
	for _, v := range values {
		var jb bytes.Buffer
		enc := json.NewEncoder(&jb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("json %T: %v", v, err)
		}
		var want any
		if err := json.Unmarshal(jb.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		b, err := appendValue(nil, v, 0)
		if err != nil {
			t.Fatalf("appendValue(%#v): %v", v, err)
		}
		got, rest, err := readTree(b, 0)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%T: encoded % x does not decode: %v (%d bytes left)", v, b, err, len(rest))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T %+v:\n msgpack %#v\n json    %#v (%s)", v, v, got, want, strings.TrimSpace(jb.String()))
		}
	}
}

func TestEncodeForms(t *testing.T) {
	tests := []struct {
		v    any
		want string // hex
	}{
		{[]byte{1, 2}, "c4 02 0102"},
		{[]byte(nil), "c0"},
		{struct {
			B []byte `json:"b"`
		}{[]byte{9}}, "81 a1 62 c4 01 09"},
		{map[string]any{"k": []byte{}}, "81 a1 6b c4 00"},
		{200, "cc c8"}, // unsigned forms for positive integers, as notepack writes them
		{-200, "d1 ff38"},
		{3.0, "03"}, // an integral float is an integer, as in JavaScript
		{1.5, "cb 3ff8000000000000"},
		{math.Inf(1), "cb 7ff0000000000000"},
		{math.Copysign(0, -1), "cb 8000000000000000"},
		{json.RawMessage(`{"z":1,"a":2}`), "82 a1 7a 01 a1 61 02"}, // key order kept
		{json.RawMessage(`[` + strings.Repeat("1,", 20) + `1]`), "dc 0015" + strings.Repeat("01", 21)},
		{json.RawMessage(`1e3`), "cd 03e8"},
		{json.RawMessage(nil), "c0"},
	}
	for _, tt := range tests {
		b, err := appendValue(nil, tt.v, 0)
		if err != nil {
			t.Fatalf("%#v: %v", tt.v, err)
		}
		if want := mp(t, tt.want); !bytes.Equal(b, want) {
			t.Errorf("%#v:\n got % x\nwant % x", tt.v, b, want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	type cyclic struct {
		Next *cyclic `json:"next"`
	}
	c := &cyclic{}
	c.Next = c
	for _, v := range []any{
		make(chan int), func() {}, complex(1, 2), map[[2]int]int{{1, 2}: 3}, c,
		json.RawMessage(`{"a":`), json.Number("1x"), []any{custom{}, failing{}},
	} {
		if b, err := appendValue(nil, v, 0); err == nil {
			t.Errorf("%T encoded without error: % x", v, b)
		}
	}
	pkts, err := Parser{}.Encode(nil, &codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"e", make(chan int)}})
	if err == nil || len(pkts) != 0 {
		t.Fatalf("Encode of a channel: %v, %d messages", err, len(pkts))
	}
}

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("refused") }

func TestEncodePackets(t *testing.T) {
	tests := []struct {
		name string
		p    codec.SocketPacket
		want map[string]any
	}{
		{"connect reply", codec.SocketPacket{Type: codec.Connect, Nsp: "/admin", Data: struct {
			SID string `json:"sid"`
			PID string `json:"pid,omitempty"`
		}{SID: "abc"}}, map[string]any{"type": 0.0, "nsp": "/admin", "data": map[string]any{"sid": "abc"}}},
		{"connect without data", codec.SocketPacket{Type: codec.Connect}, map[string]any{"type": 0.0, "nsp": "/"}},
		{"disconnect", codec.SocketPacket{Type: codec.Disconnect, Nsp: "/"}, map[string]any{"type": 1.0, "nsp": "/"}},
		{"event with id", codec.SocketPacket{Type: codec.Event, Nsp: "/", ID: 9, HasID: true, Data: []any{"e", []byte{1}}},
			map[string]any{"type": 2.0, "nsp": "/", "id": 9.0, "data": []any{"e", []byte{1}}}},
		{"binary event type is an event", codec.SocketPacket{Type: codec.BinaryEvent, Nsp: "/", Data: []any{"e"}},
			map[string]any{"type": 2.0, "nsp": "/", "data": []any{"e"}}},
		{"ack without args", codec.SocketPacket{Type: codec.Ack, Nsp: "/", ID: 0, HasID: true},
			map[string]any{"type": 3.0, "nsp": "/", "id": 0.0, "data": []any{}}},
		{"binary ack", codec.SocketPacket{Type: codec.BinaryAck, Nsp: "/", ID: 1, HasID: true, Data: []any{[]byte{}}},
			map[string]any{"type": 3.0, "nsp": "/", "id": 1.0, "data": []any{[]byte{}}}},
		{"connect error", codec.SocketPacket{Type: codec.ConnectError, Nsp: "/", Data: map[string]any{"message": "no", "data": map[string]any{"code": 4}}},
			map[string]any{"type": 4.0, "nsp": "/", "data": map[string]any{"message": "no", "data": map[string]any{"code": 4.0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []codec.Packet{{Type: codec.PacketNoop}}
			pkts, err := Parser{}.Encode(dst, &tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != 2 || pkts[0].Type != codec.PacketNoop || !pkts[1].Binary {
				t.Fatalf("got %+v, want dst and one binary message", pkts)
			}
			got, _, err := readTree(pkts[1].Data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
			// What the server sends, its own decoder (a Go client's) reads.
			if tt.p.Type != codec.Connect && tt.p.Type != codec.ConnectError {
				if _, err := (Parser{}).NewDecoder(codec.DecoderLimits{}).Add(pkts[1]); err != nil {
					t.Fatalf("decoding our own packet: %v", err)
				}
			}
		})
	}
	if _, err := (Parser{}).Encode(nil, &codec.SocketPacket{Type: 7}); err == nil {
		t.Fatal("type 7 encoded")
	}
}

// TestRoundTripArgs: arguments sent by Encode come back through Decode
// into the same typed values.
func TestRoundTripArgs(t *testing.T) {
	type Payload struct {
		ID    int64             `json:"id"`
		Name  string            `json:"name,omitempty"`
		Data  []byte            `json:"data"`
		Meta  map[string]string `json:"meta"`
		Inner *Payload          `json:"inner,omitempty"`
		When  time.Time         `json:"when"`
	}
	in := Payload{ID: 1<<62 + 3, Data: []byte{0, 255}, Meta: map[string]string{"k": "v"}, Inner: &Payload{Name: "x"}, When: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	pkts, err := Parser{}.Encode(nil, &codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"e", in, "tail"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parser{}.NewDecoder(codec.DecoderLimits{}).Add(pkts[0])
	if err != nil {
		t.Fatal(err)
	}
	var out Payload
	var tail string
	if err := p.Args.Decode(0, &out); err != nil {
		t.Fatal(err)
	}
	if err := p.Args.Decode(1, &tail); err != nil || tail != "tail" {
		t.Fatalf("tail %q %v", tail, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("got  %+v\nwant %+v", out, in)
	}
}
