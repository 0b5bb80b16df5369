package wire

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gosio/socketio/codec"
)

// Helpers as codec's tests have them, for the packets of this package.

// eioFuzzSeeds are Engine.IO v4 packet and payload inputs (codec's fuzz
// seeds): a v3 decoder must refuse or decode them without panicking.
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

func eioText(t codec.PacketType, s string) codec.Packet {
	return codec.Packet{Type: t, Data: []byte(s)}
}

func eioBinary(b ...byte) codec.Packet {
	return codec.Packet{Type: codec.PacketMessage, Data: b, Binary: true}
}

// eioCheckPacket checks the invariants every successfully decoded packet
// must satisfy.
func eioCheckPacket(t *testing.T, in []byte, p codec.Packet) {
	t.Helper()
	if p.Type > codec.PacketNoop {
		t.Fatalf("decoding %q: type %d out of range", in, p.Type)
	}
	if p.Binary && p.Type != codec.PacketMessage {
		t.Fatalf("decoding %q: binary packet of type %v", in, p.Type)
	}
}

func eioPacketsEqual(a, b codec.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func eioFormat(p codec.Packet) string {
	if p.Binary {
		return fmt.Sprintf("{%v binary %x}", p.Type, p.Data)
	}
	return fmt.Sprintf("{%v %q}", p.Type, p.Data)
}

func eioFormatAll(pkts []codec.Packet) string {
	s := make([]string, len(pkts))
	for i, p := range pkts {
		s[i] = eioFormat(p)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func eioAssertPackets(t *testing.T, got, want []codec.Packet) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d packets %s, want %d %s", len(got), eioFormatAll(got), len(want), eioFormatAll(want))
	}
	for i := range got {
		if !eioPacketsEqual(got[i], want[i]) {
			t.Fatalf("packet %d = %s, want %s (all: %s)", i, eioFormat(got[i]), eioFormat(want[i]), eioFormatAll(got))
		}
	}
}
