package wire

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/gosio/socketio/codec"
)

var v3FuzzSeeds = []string{
	"", "0:", "6:4hello2:4€", "3:4😀", "2:4😀", "10:b4AQIDBA==", "1:", "x:4", "2:4a3", "2:b4", "1:b",
	"\x00\x05\xff\x34\x34\xe2\x82\xac\x01\x05\xff\x04\x01\x02\x03\x04", "\x00\x01\xff", "\x01\x00\xff",
}

// FuzzDecodePayloadV3: never panics; every packet it yields re-encodes to
// a payload that decodes to the same packet.
func FuzzDecodePayloadV3(f *testing.F) {
	for _, s := range v3FuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := utf8.Valid(b)
		_ = DecodePayloadV3(b, func(p codec.Packet) error {
			eioCheckPacket(t, b, p)
			if !valid {
				return nil
			}
			enc := AppendPayloadV3(nil, []codec.Packet{p})
			var back []codec.Packet
			if err := DecodePayloadV3(enc, func(q codec.Packet) error { back = append(back, q); return nil }); err != nil {
				t.Fatalf("re-encoded %q: %v", enc, err)
			}
			if len(back) != 1 || back[0].Type != p.Type || back[0].Binary != p.Binary || !bytes.Equal(back[0].Data, p.Data) {
				t.Fatalf("round trip of %v gave %v", p, back)
			}
			return nil
		})
	})
}

// FuzzDecodeBinaryPayloadV3: never panics; what it yields survives a
// round trip through AppendBinaryPayloadV3.
func FuzzDecodeBinaryPayloadV3(f *testing.F) {
	for _, s := range v3FuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pkts []codec.Packet
		if err := DecodeBinaryPayloadV3(b, func(p codec.Packet) error {
			eioCheckPacket(t, b, p)
			pkts = append(pkts, p)
			return nil
		}); err != nil {
			return
		}
		enc := AppendBinaryPayloadV3(nil, pkts)
		if len(enc) != BinaryPayloadLenV3(pkts) {
			t.Fatalf("BinaryPayloadLenV3 = %d, len = %d", BinaryPayloadLenV3(pkts), len(enc))
		}
		i := 0
		if err := DecodeBinaryPayloadV3(enc, func(q codec.Packet) error {
			p := pkts[i]
			i++
			if q.Type != p.Type || q.Binary != p.Binary || !bytes.Equal(q.Data, p.Data) {
				t.Fatalf("round trip of %v gave %v", p, q)
			}
			return nil
		}); err != nil || i != len(pkts) {
			t.Fatalf("re-encoded %x: %v (%d of %d)", enc, err, i, len(pkts))
		}
	})
}

// FuzzDecodePacketV3 covers WebSocket text and binary frames.
func FuzzDecodePacketV3(f *testing.F) {
	for _, s := range append(v3FuzzSeeds, eioFuzzSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodePacketV3(b); err == nil {
			eioCheckPacket(t, b, p)
			if q, err := DecodePacketV3(AppendPacketV3(nil, p)); err != nil || q.Type != p.Type || !bytes.Equal(q.Data, p.Data) {
				t.Fatalf("round trip of %q: %v, %v", b, q, err)
			}
		}
		if p, err := DecodeBinaryFrameV3(b); err == nil {
			eioCheckPacket(t, b, p)
		}
	})
}

// FuzzJSONP: the form decoder never panics, and the script encoder's
// output parses back (as JSON) to the payload it was given.
func FuzzJSONP(f *testing.F) {
	for _, s := range []string{"d=a%5Cnb", "d=1&d=2", "d=%zz+", `d=\\\n`, "x=1&d=4%E2%80%A8"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeJSONPForm(b)
		if err != nil {
			return
		}
		d = ToValidUTF8(d)
		js := AppendJSONP(nil, "0", d)
		lit := js[len("___eio[0](") : len(js)-2]
		if bytes.Contains(lit, []byte("\u2028")) || bytes.Contains(lit, []byte("\u2029")) || bytes.ContainsAny(lit, "\n\r") {
			t.Fatalf("line terminator left in %q", lit)
		}
		var back string
		if err := jsonUnmarshalString(lit, &back); err != nil || back != string(d) {
			t.Fatalf("AppendJSONP(%q) = %s: back %q, %v", d, js, back, err)
		}
	})
}

func jsonUnmarshalString(b []byte, v *string) error { return json.Unmarshal(b, v) }
