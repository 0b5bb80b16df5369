package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sioFuzzSeeds are Socket.IO packets (text part) for the fuzz corpus.
var sioFuzzSeeds = []string{
	``, `0`, `0/admin,`, `0/admin`, `0{"token":"abc"}`, `0/admin,{"sid":"x"}`, `0[1]`, `0"x"`,
	`1`, `1/admin,`, `1{}`,
	`2["foo"]`, `2/admin,["bar"]`, `212["foo"]`, `2[42,"x"]`, `2[]`, `2["connect"]`, `2{"a":1}`,
	`2["a",{"_placeholder":true,"num":0}]`, `2["a",1,"b",{"c":[true,null,1.5e300]}]`, `2 [ "a" ]`,
	`3/admin,13["bar"]`, `30[]`, `3[`, `31{}`,
	`4{"message":"Not authorized"}`, `4"x"`, `4abc`,
	`51-["baz",{"_placeholder":true,"num":0}]`,
	`52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
	`61-15["bar",{"_placeholder":true,"num":0}]`,
	`51-["a",{"_placeholder":true,"num":1}]`, `51-["a",{"_placeholder":true,"num":-1}]`,
	`51-["a",{"_placeholder":true,"num":0.5}]`, `51-["a",{"_placeholder":true,"num":"0"}]`,
	`51-["a",{"_placeholder":true}]`, `51-["a",[{"x":{"_placeholder":true,"num":0}}]]`,
	`50-["a"]`, `511-["a"]`, `5["a"]`, `5-["a"]`, `59999-["a"]`,
	`21234567890123456["a"]`, `2999999999999999["a"]`,
	"2[\"\xff\xfe\"]", `2["\ud800"]`, `2["a",` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]`,
}

// FuzzSocketDecode feeds a text packet, then binary messages, then the
// text packet again to one decoder. The decoder must never panic; every
// packet it returns must be well formed; every argument must decode into
// any (and the other generic targets) without panicking; and an event
// decoded without error must survive an encode/decode round trip.
func FuzzSocketDecode(f *testing.F) {
	for _, s := range sioFuzzSeeds {
		f.Add(s, []byte(nil), uint8(0))
		f.Add(s, []byte{1, 2, 3}, uint8(1))
		f.Add(s, []byte{1, 2, 3, 4}, uint8(2))
	}
	f.Fuzz(func(t *testing.T, text string, bin []byte, nbin uint8) {
		d := JSONParser{}.NewDecoder(DecoderLimits{})
		msgs := []Packet{{Type: PacketMessage, Data: []byte(text)}}
		// Split bin into nbin%12 attachments.
		n := int(nbin % 12)
		for i := 0; i < n; i++ {
			lo, hi := len(bin)*i/n, len(bin)*(i+1)/n
			msgs = append(msgs, Packet{Type: PacketMessage, Data: bin[lo:hi:hi], Binary: true})
		}
		msgs = append(msgs, Packet{Type: PacketMessage, Data: []byte(text)})
		for _, m := range msgs {
			p, err := d.Add(m)
			if err != nil {
				if !errors.Is(err, ErrInvalidSocketPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidSocketPacket", err)
				}
				if p != nil {
					t.Fatalf("packet returned with error %v", err)
				}
				return // the connection is closed after an error
			}
			if p != nil {
				sioCheckDecoded(t, p)
				if p.Type == Event {
					checkEventName(t, text, p.Event)
				}
			}
		}
	})
}

// checkEventName compares a text EVENT's decoded name with what
// encoding/json reads from the message's array, when it is a string: the
// decoder's own scan and the shared name table (internName) must agree
// with it.
func checkEventName(t *testing.T, text, name string) {
	t.Helper()
	rest := text[1:]
	if strings.HasPrefix(rest, "/") { // a namespace may hold a '['
		rest = rest[strings.IndexByte(rest, ',')+1:]
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(rest[strings.IndexByte(rest, '['):]), &elems); err != nil || len(elems) == 0 {
		t.Fatalf("decoded EVENT %q whose array encoding/json refuses: %v", text, err)
	}
	var want string
	if json.Unmarshal(elems[0], &want) == nil && name != want {
		t.Fatalf("event name %q, encoding/json reads %q from %q", name, want, text)
	}
}

func sioCheckDecoded(t *testing.T, p *SocketPacket) {
	t.Helper()
	if p.Type > BinaryAck {
		t.Fatalf("type %d", p.Type)
	}
	if !strings.HasPrefix(p.Nsp, "/") {
		t.Fatalf("namespace %q does not start with /", p.Nsp)
	}
	if p.HasID && p.ID > 999999999999999 {
		t.Fatalf("ack id %d is not exact in JS", p.ID)
	}
	switch p.Type {
	case Event, BinaryEvent:
		if IsReservedEvent(p.Event) {
			t.Fatalf("reserved event %q decoded", p.Event)
		}
		if p.Event == "" && p.Args == nil {
			t.Fatal("event without name and args")
		}
	case Disconnect:
		return
	}
	if p.Args == nil {
		t.Fatalf("%v packet without Args", p.Type)
	}
	if (p.Type == Connect || p.Type == ConnectError) && p.Args.Len() > 1 {
		t.Fatalf("%v with %d arguments", p.Type, p.Args.Len())
	}
	generic := make([]any, p.Args.Len())
	genericOK := true
	for i := 0; i < p.Args.Len(); i++ {
		var v any
		if err := p.Args.Decode(i, &v); err != nil {
			genericOK = false
		}
		generic[i] = v
		_ = p.Args.Decode(i, new([]byte))
		_ = p.Args.Decode(i, new(string))
		_ = p.Args.Decode(i, new(map[string]any))
		_ = p.Args.Decode(i, new([]any))
		_ = p.Args.Decode(i, new(sioInner))
		var raw json.RawMessage
		if err := p.Args.Decode(i, &raw); err != nil || !json.Valid(raw) {
			t.Fatalf("argument %d as RawMessage: %q, %v", i, raw, err)
		}
	}
	if err := p.Args.Decode(p.Args.Len(), new(any)); !errors.Is(err, ErrNoArgument) {
		t.Fatalf("Decode past the end: %v", err)
	}
	if !genericOK || (p.Type != Event && p.Type != BinaryEvent) {
		return
	}
	// Round trip: what was decoded, encoded again, decodes the same.
	out, err := JSONParser{}.Encode(nil, &SocketPacket{Type: Event, Nsp: p.Nsp, ID: p.ID, HasID: p.HasID, Data: append([]any{p.Event}, generic...)})
	if err != nil {
		t.Fatalf("re-encoding %q %v: %v", p.Event, generic, err)
	}
	d := JSONParser{}.NewDecoder(DecoderLimits{MaxAttachments: len(out)})
	var q *SocketPacket
	for _, m := range out {
		if q, err = d.Add(m); err != nil {
			t.Fatalf("decoding the re-encoded %q: %v", out[0].Data, err)
		}
	}
	if q == nil {
		t.Fatalf("re-encoded %q is incomplete", out[0].Data)
	}
	if q.Event != p.Event || q.Nsp != p.Nsp || q.HasID != p.HasID || q.ID != p.ID || q.Args.Len() != len(generic) {
		t.Fatalf("round trip: %q %q %v %d (%d args) != %q %q %v %d (%d args)",
			q.Event, q.Nsp, q.HasID, q.ID, q.Args.Len(), p.Event, p.Nsp, p.HasID, p.ID, len(generic))
	}
	for i, want := range generic {
		var got any
		if err := q.Args.Decode(i, &got); err != nil {
			t.Fatalf("round trip argument %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) && !sioEqualJSON(got, want) {
			t.Fatalf("round trip argument %d: %#v != %#v", i, got, want)
		}
	}
}

// sioEqualJSON compares values that hold no NaN but may differ in empty
// vs nil []byte.
func sioEqualJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
