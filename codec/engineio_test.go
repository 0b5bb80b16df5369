package codec

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// eioPacketsEqual reports whether two packets are the same, treating nil
// and empty Data as equal.
func eioPacketsEqual(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

// eioFormat renders a packet for failure messages.
func eioFormat(p Packet) string {
	if p.Binary {
		return fmt.Sprintf("{%v binary %x}", p.Type, p.Data)
	}
	return fmt.Sprintf("{%v %q}", p.Type, p.Data)
}

func eioFormatAll(pkts []Packet) string {
	s := make([]string, len(pkts))
	for i, p := range pkts {
		s[i] = eioFormat(p)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func eioAssertPacket(t *testing.T, got, want Packet) {
	t.Helper()
	if !eioPacketsEqual(got, want) {
		t.Fatalf("packet = %s, want %s", eioFormat(got), eioFormat(want))
	}
}

func eioAssertPackets(t *testing.T, got, want []Packet) {
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

// eioAssertInvalid checks that err wraps ErrInvalidPacket and, when want is
// non-nil, is that specific decoding error.
func eioAssertInvalid(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", want)
	}
	if !errors.Is(err, ErrInvalidPacket) {
		t.Fatalf("err = %v, does not wrap ErrInvalidPacket", err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func TestPacketTypeString(t *testing.T) {
	tests := []struct {
		t    PacketType
		want string
	}{
		{PacketOpen, "open"},
		{PacketClose, "close"},
		{PacketPing, "ping"},
		{PacketPong, "pong"},
		{PacketMessage, "message"},
		{PacketUpgrade, "upgrade"},
		{PacketNoop, "noop"},
		{7, "PacketType(7)"},
		{255, "PacketType(255)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Errorf("PacketType(%d).String() = %q, want %q", byte(tt.t), got, tt.want)
			}
		})
	}
}

func TestDecodePacket(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
	}{
		{"open", `0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
			Packet{Type: PacketOpen, Data: []byte(`{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
		{"close", "1", Packet{Type: PacketClose}},
		{"ping", "2", Packet{Type: PacketPing}},
		{"ping probe", "2probe", Packet{Type: PacketPing, Data: []byte("probe")}},
		{"pong", "3", Packet{Type: PacketPong}},
		{"pong probe", "3probe", Packet{Type: PacketPong, Data: []byte("probe")}},
		{"message", "4hello", Packet{Type: PacketMessage, Data: []byte("hello")}},
		{"empty message", "4", Packet{Type: PacketMessage}},
		{"upgrade", "5", Packet{Type: PacketUpgrade}},
		{"noop", "6", Packet{Type: PacketNoop}},
		{"message with digits", "4123", Packet{Type: PacketMessage, Data: []byte("123")}},
		{"message with 'b'", "4bAQID", Packet{Type: PacketMessage, Data: []byte("bAQID")}},
		{"multibyte UTF-8", "4héllo wörld € 😀 日本語", Packet{Type: PacketMessage, Data: []byte("héllo wörld € 😀 日本語")}},
		{"invalid UTF-8 kept as is", "4\xff\xfe", Packet{Type: PacketMessage, Data: []byte("\xff\xfe")}},
		{"record separator inside a single packet", "4a\x1eb", Packet{Type: PacketMessage, Data: []byte("a\x1eb")}},
		{"NUL bytes", "4\x00\x00", Packet{Type: PacketMessage, Data: []byte{0, 0}}},
		{"binary", "bAQID", Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}},
		{"binary one byte", "b/w==", Packet{Type: PacketMessage, Data: []byte{0xff}, Binary: true}},
		{"binary two bytes", "bAAE=", Packet{Type: PacketMessage, Data: []byte{0, 1}, Binary: true}},
		{"binary text bytes", "baGVsbG8=", Packet{Type: PacketMessage, Data: []byte("hello"), Binary: true}},
		// "b" alone is an empty binary message, as in the reference parser
		// (Buffer.from("", "base64") is an empty buffer).
		{"b alone", "b", Packet{Type: PacketMessage, Data: []byte{}, Binary: true}},
		// Non-canonical but accepted: Go's StdEncoding skips CR and LF, and
		// does not insist on zero padding bits.
		{"binary with CRLF", "bAQ\r\nID", Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}},
		{"binary non-zero padding bits", "b/x==", Packet{Type: PacketMessage, Data: []byte{0xff}, Binary: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePacket([]byte(tt.in))
			if err != nil {
				t.Fatalf("DecodePacket(%q) error: %v", tt.in, err)
			}
			eioAssertPacket(t, got, tt.want)
		})
	}
}

func TestDecodePacketInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nil", "", errEmptyPacket},
		{"type 7", "7", errUnknownType},
		{"type 7 with data", "7hello", errUnknownType},
		{"type 8", "8", errUnknownType},
		{"type 9", "9x", errUnknownType},
		{"slash (just below '0')", "/", errUnknownType},
		{"colon (just above '9')", ":", errUnknownType},
		{"letter a", "a", errUnknownType},
		{"capital B", "BAQID", errUnknownType},
		{"space", " 4hello", errUnknownType},
		{"NUL", "\x00", errUnknownType},
		{"record separator", "\x1e", errUnknownType},
		{"0xff", "\xff", errUnknownType},
		{"multibyte first rune", "é", errUnknownType},
		{"JSON", `{"a":1}`, errUnknownType},
		{"base64 bad chars", "b!!!!", errInvalidBase64},
		{"base64 URL alphabet", "b-_-_", errInvalidBase64},
		{"base64 missing padding", "bAQI", errInvalidBase64},
		{"base64 one char", "bA", errInvalidBase64},
		{"base64 only padding", "b====", errInvalidBase64},
		{"base64 data after padding", "bAQ==AQ==", errInvalidBase64},
		{"base64 too much padding", "bAQ===", errInvalidBase64},
		{"base64 with space", "bAQ ID", errInvalidBase64},
		{"base64 with record separator", "bAQ\x1eID", errInvalidBase64},
		{"base64 multibyte", "bAQIé", errInvalidBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodePacket([]byte(tt.in))
			eioAssertInvalid(t, err, tt.want)
			if !eioPacketsEqual(p, Packet{}) {
				t.Errorf("DecodePacket(%q) returned %s with the error, want the zero Packet", tt.in, eioFormat(p))
			}
		})
	}
}

func TestDecodePacketErrorMessage(t *testing.T) {
	_, err := DecodePacket([]byte("7"))
	if got, want := err.Error(), "engine.io: invalid packet: unknown packet type"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Text packet Data aliases the input (documented); base64 packet Data does not.
func TestDecodePacketAliasing(t *testing.T) {
	t.Run("text aliases input", func(t *testing.T) {
		in := []byte("4hello")
		p, err := DecodePacket(in)
		if err != nil {
			t.Fatal(err)
		}
		in[1] = 'j'
		if string(p.Data) != "jello" {
			t.Errorf("Data = %q after modifying the input, want it to alias the input", p.Data)
		}
	})
	t.Run("base64 is a fresh slice", func(t *testing.T) {
		in := []byte("baGVsbG8=")
		p, err := DecodePacket(in)
		if err != nil {
			t.Fatal(err)
		}
		for i := range in {
			in[i] = 0
		}
		if string(p.Data) != "hello" {
			t.Errorf("Data = %q after clearing the input, want %q", p.Data, "hello")
		}
	})
}

func TestDecodeBinaryFrame(t *testing.T) {
	for _, data := range [][]byte{nil, {}, {0}, {1, 2, 3}, []byte("4hello"), []byte("bAQID")} {
		t.Run(fmt.Sprintf("%x", data), func(t *testing.T) {
			p := DecodeBinaryFrame(data)
			eioAssertPacket(t, p, Packet{Type: PacketMessage, Data: data, Binary: true})
		})
	}
}

func TestAppendPacket(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"open", Packet{Type: PacketOpen, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`},
		{"close", Packet{Type: PacketClose}, "1"},
		{"ping probe", Packet{Type: PacketPing, Data: []byte("probe")}, "2probe"},
		{"pong", Packet{Type: PacketPong}, "3"},
		{"message", Packet{Type: PacketMessage, Data: []byte("hello")}, "4hello"},
		{"empty message", Packet{Type: PacketMessage, Data: []byte{}}, "4"},
		{"upgrade", Packet{Type: PacketUpgrade}, "5"},
		{"noop", Packet{Type: PacketNoop}, "6"},
		{"multibyte", Packet{Type: PacketMessage, Data: []byte("€😀")}, "4€😀"},
		{"binary empty", Packet{Type: PacketMessage, Binary: true}, "b"},
		{"binary 1 byte", Packet{Type: PacketMessage, Data: []byte{0xff}, Binary: true}, "b/w=="},
		{"binary 2 bytes", Packet{Type: PacketMessage, Data: []byte{0, 1}, Binary: true}, "bAAE="},
		{"binary 3 bytes", Packet{Type: PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, "bAQID"},
		{"binary 4 bytes", Packet{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		{"binary uses + and /", Packet{Type: PacketMessage, Data: []byte{0xfb, 0xff}, Binary: true}, "b+/8="},
		// Binary ignores Type: only messages can be binary.
		{"binary with other type", Packet{Type: PacketPing, Data: []byte{1, 2, 3}, Binary: true}, "bAQID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendPacket(nil, tt.p)
			if string(got) != tt.want {
				t.Errorf("AppendPacket(nil, %s) = %q, want %q", eioFormat(tt.p), got, tt.want)
			}
			if n := EncodedLen(tt.p); n != len(got) {
				t.Errorf("EncodedLen = %d, len(AppendPacket) = %d", n, len(got))
			}

			// Appending keeps the existing contents of dst.
			prefix := []byte("prefix\x1e")
			dst := append(make([]byte, 0, 1), prefix...)
			got = AppendPacket(dst, tt.p)
			if string(got) != string(prefix)+tt.want {
				t.Errorf("AppendPacket(%q, ...) = %q, want %q", prefix, got, string(prefix)+tt.want)
			}

			// With enough capacity, no allocation.
			buf := make([]byte, 0, EncodedLen(tt.p))
			if allocs := testing.AllocsPerRun(10, func() { _ = AppendPacket(buf[:0], tt.p) }); allocs != 0 {
				t.Errorf("AppendPacket into a buffer of EncodedLen capacity allocates %v times", allocs)
			}
		})
	}
}

// EncodedLen matches AppendPacket for every binary length modulo 3 and a
// range of sizes, including sizes that straddle base64 block boundaries.
func TestEncodedLenMatchesAppendPacket(t *testing.T) {
	for n := 0; n <= 70; n++ {
		data := bytes.Repeat([]byte{0xa5}, n)
		for _, p := range []Packet{
			{Type: PacketMessage, Data: data},
			{Type: PacketMessage, Data: data, Binary: true},
			{Type: PacketOpen, Data: data},
		} {
			if got, want := EncodedLen(p), len(AppendPacket(nil, p)); got != want {
				t.Errorf("n=%d binary=%v: EncodedLen = %d, len(AppendPacket) = %d", n, p.Binary, got, want)
			}
		}
	}
}

func TestPacketRoundTrip(t *testing.T) {
	pkts := []Packet{
		{Type: PacketOpen, Data: []byte(`{"sid":"x"}`)},
		{Type: PacketClose},
		{Type: PacketPing, Data: []byte("probe")},
		{Type: PacketPong, Data: []byte("probe")},
		{Type: PacketMessage, Data: []byte("hello")},
		{Type: PacketMessage, Data: []byte("héllo 😀")},
		{Type: PacketMessage},
		{Type: PacketUpgrade},
		{Type: PacketNoop},
		{Type: PacketMessage, Binary: true},
		{Type: PacketMessage, Data: []byte{0}, Binary: true},
		{Type: PacketMessage, Data: []byte{0xde, 0xad}, Binary: true},
		{Type: PacketMessage, Data: []byte{0xde, 0xad, 0xbe}, Binary: true},
		{Type: PacketMessage, Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000), Binary: true},
	}
	for _, p := range pkts {
		t.Run(eioFormat(p), func(t *testing.T) {
			enc := AppendPacket(nil, p)
			got, err := DecodePacket(enc)
			if err != nil {
				t.Fatalf("DecodePacket(%q): %v", enc, err)
			}
			eioAssertPacket(t, got, p)
		})
	}
}
