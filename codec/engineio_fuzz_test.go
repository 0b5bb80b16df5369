package codec

import (
	"bytes"
	"errors"
	"testing"
)

// eioFuzzSeeds are interesting packet and payload inputs shared by the
// fuzz targets.
var eioFuzzSeeds = []string{
	"",
	"0",
	`0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
	"1", "2", "2probe", "3", "3probe", "4", "4hello", "5", "6",
	"7", "9", "/", ":", "a", "B", "\x00", "\xff",
	"b", "bAQID", "b/w==", "bAAE=", "b+/8=", "bAQI", "bA", "b====", "b!!", "bAQ\r\nID", "b/x==",
	"4héllo 😀", "4\xff\xfe",
	"\x1e", "\x1e\x1e", "4a\x1e", "\x1e4a", "4a\x1e4b", "4a\x1e\x1e4b", "4a\x1ebAQID\x1e4b",
	"4a\x1e7\x1e4b", "4a\x1eb!!", "2\x1e3\x1e6",
	`42["event",{"a":1}]`, `451-["bin",{"_placeholder":true,"num":0}]`,
}

// eioCheckPacket checks the invariants every successfully decoded packet
// must satisfy.
func eioCheckPacket(t *testing.T, in []byte, p Packet) {
	t.Helper()
	if p.Type > PacketNoop {
		t.Fatalf("DecodePacket(%q): type %d out of range", in, p.Type)
	}
	if p.Binary && p.Type != PacketMessage {
		t.Fatalf("DecodePacket(%q): binary packet of type %v", in, p.Type)
	}
}

// eioCheckReencode encodes p, checks EncodedLen, decodes the result and
// checks it gives p back. It returns the encoding.
func eioCheckReencode(t *testing.T, p Packet) []byte {
	t.Helper()
	enc := AppendPacket(nil, p)
	if n := EncodedLen(p); n != len(enc) {
		t.Fatalf("EncodedLen(%s) = %d, len(AppendPacket) = %d", eioFormat(p), n, len(enc))
	}
	q, err := DecodePacket(enc)
	if err != nil {
		t.Fatalf("DecodePacket(AppendPacket(%s) = %q): %v", eioFormat(p), enc, err)
	}
	if !eioPacketsEqual(p, q) {
		t.Fatalf("round trip: %s encodes to %q which decodes to %s", eioFormat(p), enc, eioFormat(q))
	}
	return enc
}

func FuzzDecodePacket(f *testing.F) {
	for _, s := range eioFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		p, err := DecodePacket(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("DecodePacket modified its input: %q -> %q", orig, in)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("DecodePacket(%q) error %v does not wrap ErrInvalidPacket", in, err)
			}
			if !eioPacketsEqual(p, Packet{}) {
				t.Fatalf("DecodePacket(%q) returned %s with error %v", in, eioFormat(p), err)
			}
			return
		}
		eioCheckPacket(t, in, p)
		enc := eioCheckReencode(t, p)
		// The text form is canonical: re-encoding gives the input back
		// exactly. The base64 form may not be (CR/LF, padding bits), but
		// its re-encoding must be a fixed point.
		if !p.Binary && !bytes.Equal(enc, in) {
			t.Fatalf("text packet %q re-encodes to %q", in, enc)
		}
		if p.Binary {
			q, _ := DecodePacket(enc)
			if again := AppendPacket(nil, q); !bytes.Equal(again, enc) {
				t.Fatalf("canonical base64 %q re-encodes to %q", enc, again)
			}
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range eioFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("4hello\x1e"), 20)[:20*7-1])
	f.Add(AppendPayload(nil, []Packet{{Type: PacketMessage, Data: []byte{0x1e, 0, 0xff}, Binary: true}, {Type: PacketPing}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		var pkts []Packet
		err := DecodePayload(in, func(p Packet) error {
			pkts = append(pkts, p)
			return nil
		})
		if !bytes.Equal(in, orig) {
			t.Fatalf("DecodePayload modified its input: %q -> %q", orig, in)
		}
		if n := bytes.Count(in, []byte{recordSeparator}) + 1; len(pkts) > n {
			t.Fatalf("DecodePayload(%q) delivered %d packets from %d segments", in, len(pkts), n)
		}
		allText := true
		for _, p := range pkts {
			eioCheckPacket(t, in, p)
			eioCheckReencode(t, p)
			if bytes.IndexByte(p.Data, recordSeparator) >= 0 && !p.Binary {
				t.Fatalf("DecodePayload(%q): text packet %s contains a record separator", in, eioFormat(p))
			}
			allText = allText && !p.Binary
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("DecodePayload(%q) error %v does not wrap ErrInvalidPacket", in, err)
			}
			// The packets delivered before the error are the payload's
			// first segments.
			if allText && len(pkts) > 0 {
				prefix := append(AppendPayload(nil, pkts), recordSeparator)
				if !bytes.HasPrefix(in, prefix) {
					t.Fatalf("DecodePayload(%q) failed with %v after delivering %s, which is not a prefix", in, err, eioFormatAll(pkts))
				}
			}
			return
		}
		if len(pkts) == 0 {
			t.Fatalf("DecodePayload(%q) succeeded with no packets", in)
		}
		enc := AppendPayload(nil, pkts)
		if n := PayloadLen(pkts); n != len(enc) {
			t.Fatalf("PayloadLen = %d, len(AppendPayload) = %d", n, len(enc))
		}
		var again []Packet
		if err := DecodePayload(enc, func(p Packet) error { again = append(again, p); return nil }); err != nil {
			t.Fatalf("DecodePayload(AppendPayload(...) = %q) from %q: %v", enc, in, err)
		}
		if len(again) != len(pkts) {
			t.Fatalf("round trip of %q: %d packets, then %d", in, len(pkts), len(again))
		}
		for i := range pkts {
			if !eioPacketsEqual(pkts[i], again[i]) {
				t.Fatalf("round trip of %q: packet %d %s became %s", in, i, eioFormat(pkts[i]), eioFormat(again[i]))
			}
		}
		if allText && !bytes.Equal(enc, in) {
			t.Fatalf("text-only payload %q re-encodes to %q", in, enc)
		}
	})
}
