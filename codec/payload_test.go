package codec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// eioCollectPayload decodes b and returns every packet passed to fn, along
// with DecodePayload's error. Data is copied so that later tests can modify
// b without affecting the result.
func eioCollectPayload(t *testing.T, b []byte) ([]Packet, error) {
	t.Helper()
	var got []Packet
	err := DecodePayload(b, func(p Packet) error {
		p.Data = append([]byte(nil), p.Data...)
		got = append(got, p)
		return nil
	})
	return got, err
}

func eioText(t PacketType, s string) Packet { return Packet{Type: t, Data: []byte(s)} }
func eioBinary(b ...byte) Packet            { return Packet{Type: PacketMessage, Data: b, Binary: true} }

func TestAppendPayload(t *testing.T) {
	tests := []struct {
		name string
		pkts []Packet
		want string
	}{
		{"none", nil, ""},
		{"empty slice", []Packet{}, ""},
		{"one", []Packet{eioText(PacketMessage, "hello")}, "4hello"},
		{"one empty", []Packet{eioText(PacketNoop, "")}, "6"},
		{"two", []Packet{eioText(PacketMessage, "a"), eioText(PacketMessage, "b")}, "4a\x1e4b"},
		{"mixed", []Packet{
			eioText(PacketOpen, `{"sid":"x"}`),
			eioText(PacketPing, ""),
			eioBinary(1, 2, 3),
			eioText(PacketMessage, "héllo"),
			eioBinary(),
			eioText(PacketClose, ""),
		}, "0{\"sid\":\"x\"}\x1e2\x1ebAQID\x1e4héllo\x1eb\x1e1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendPayload(nil, tt.pkts)
			if string(got) != tt.want {
				t.Errorf("AppendPayload = %q, want %q", got, tt.want)
			}
			if n := PayloadLen(tt.pkts); n != len(got) {
				t.Errorf("PayloadLen = %d, len(AppendPayload) = %d", n, len(got))
			}
			got = AppendPayload([]byte("xy"), tt.pkts)
			if string(got) != "xy"+tt.want {
				t.Errorf("AppendPayload(\"xy\", ...) = %q, want %q", got, "xy"+tt.want)
			}
			buf := make([]byte, 0, PayloadLen(tt.pkts))
			if allocs := testing.AllocsPerRun(10, func() { _ = AppendPayload(buf[:0], tt.pkts) }); allocs != 0 {
				t.Errorf("AppendPayload into a buffer of PayloadLen capacity allocates %v times", allocs)
			}
		})
	}
}

func TestPayloadLenMatchesAppendPayload(t *testing.T) {
	var pkts []Packet
	for n := 0; n < 40; n++ {
		data := bytes.Repeat([]byte{'z'}, n)
		if n%2 == 0 {
			pkts = append(pkts, Packet{Type: PacketMessage, Data: data, Binary: true})
		} else {
			pkts = append(pkts, Packet{Type: PacketType(n % 7), Data: data})
		}
		if got, want := PayloadLen(pkts), len(AppendPayload(nil, pkts)); got != want {
			t.Fatalf("%d packets: PayloadLen = %d, len(AppendPayload) = %d", len(pkts), got, want)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Packet // packets delivered to fn, including those before an error
		wantErr error    // nil for success
	}{
		{"single", "4hello", []Packet{eioText(PacketMessage, "hello")}, nil},
		{"single empty message", "4", []Packet{eioText(PacketMessage, "")}, nil},
		{"single binary", "bAQID", []Packet{eioBinary(1, 2, 3)}, nil},
		{"b alone", "b", []Packet{eioBinary()}, nil},
		{"several", "4a\x1e4b\x1e2\x1e1", []Packet{
			eioText(PacketMessage, "a"), eioText(PacketMessage, "b"), eioText(PacketPing, ""), eioText(PacketClose, ""),
		}, nil},
		{"with binary", "4a\x1ebAQID\x1e4b\x1eb/w==", []Packet{
			eioText(PacketMessage, "a"), eioBinary(1, 2, 3), eioText(PacketMessage, "b"), eioBinary(0xff),
		}, nil},
		{"every type", "0{}\x1e1\x1e2probe\x1e3probe\x1e4x\x1e5\x1e6", []Packet{
			eioText(PacketOpen, "{}"), eioText(PacketClose, ""), eioText(PacketPing, "probe"), eioText(PacketPong, "probe"),
			eioText(PacketMessage, "x"), eioText(PacketUpgrade, ""), eioText(PacketNoop, ""),
		}, nil},
		{"multibyte UTF-8", "4€\x1e4😀", []Packet{eioText(PacketMessage, "€"), eioText(PacketMessage, "😀")}, nil},
		// 0x1e is never part of a multibyte UTF-8 sequence, so splitting on
		// it is safe for text.
		{"unicode record separator char is data", "4\u241e", []Packet{eioText(PacketMessage, "\u241e")}, nil},

		{"empty body", "", nil, errEmptyPacket},
		{"separator only", "\x1e", nil, errEmptyPacket},
		{"leading separator", "\x1e4a", nil, errEmptyPacket},
		{"empty segment in the middle", "4a\x1e\x1e4b", []Packet{eioText(PacketMessage, "a")}, errEmptyPacket},
		{"trailing separator", "4a\x1e", []Packet{eioText(PacketMessage, "a")}, errEmptyPacket},
		{"unknown type first", "7\x1e4a", nil, errUnknownType},
		{"unknown type after two", "4a\x1e4b\x1e9c\x1e4d", []Packet{
			eioText(PacketMessage, "a"), eioText(PacketMessage, "b"),
		}, errUnknownType},
		{"bad base64 after one", "4a\x1eb!!\x1e4b", []Packet{eioText(PacketMessage, "a")}, errInvalidBase64},
		{"bad base64 last", "bAQID\x1ebAQI", []Packet{eioBinary(1, 2, 3)}, errInvalidBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eioCollectPayload(t, []byte(tt.in))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("DecodePayload(%q) error: %v", tt.in, err)
				}
			} else {
				eioAssertInvalid(t, err, tt.wantErr)
			}
			eioAssertPackets(t, got, tt.want)
		})
	}
}

func TestDecodePayloadCallbackError(t *testing.T) {
	stop := errors.New("stop")
	tests := []struct {
		name   string
		in     string
		stopAt int // 1-based index of the packet for which fn fails
		calls  int
	}{
		{"first", "4a\x1e4b\x1e4c", 1, 1},
		{"second", "4a\x1e4b\x1e4c", 2, 2},
		{"last", "4a\x1e4b\x1e4c", 3, 3},
		// fn's error wins over a malformed packet that comes later.
		{"before a malformed packet", "4a\x1e7\x1e4c", 1, 1},
		{"single", "bAQID", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := DecodePayload([]byte(tt.in), func(Packet) error {
				calls++
				if calls == tt.stopAt {
					return stop
				}
				return nil
			})
			if err != stop {
				t.Errorf("err = %v, want fn's error returned unwrapped", err)
			}
			if calls != tt.calls {
				t.Errorf("fn called %d times, want %d", calls, tt.calls)
			}
		})
	}
}

// Text packets handed to fn alias the payload (documented).
func TestDecodePayloadAliasing(t *testing.T) {
	in := []byte("4abc\x1e4def")
	var datas [][]byte
	if err := DecodePayload(in, func(p Packet) error { datas = append(datas, p.Data); return nil }); err != nil {
		t.Fatal(err)
	}
	in[1], in[6] = 'X', 'Y'
	if string(datas[0]) != "Xbc" || string(datas[1]) != "Yef" {
		t.Errorf("Data = %q, %q; want them to alias the payload", datas[0], datas[1])
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{0, 1, 2, 0x1e, 0xff}, 1000) // contains 0x1e: fine in base64
	tests := []struct {
		name string
		pkts []Packet
	}{
		{"one text", []Packet{eioText(PacketMessage, "hello")}},
		{"one empty binary", []Packet{eioBinary()}},
		{"handshake", []Packet{eioText(PacketOpen, `{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
		{"mixed", []Packet{
			eioText(PacketPing, ""), eioText(PacketMessage, "héllo 😀"), eioBinary(1, 2, 3), eioBinary(0xff),
			eioText(PacketMessage, ""), {Type: PacketMessage, Data: big, Binary: true}, eioText(PacketNoop, ""),
		}},
		{"many", func() []Packet {
			var p []Packet
			for i := 0; i < 100; i++ {
				p = append(p, eioText(PacketMessage, strings.Repeat("x", i)))
			}
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := AppendPayload(nil, tt.pkts)
			got, err := eioCollectPayload(t, enc)
			if err != nil {
				t.Fatalf("DecodePayload(%q): %v", enc, err)
			}
			eioAssertPackets(t, got, tt.pkts)
			// And back again: the text form is canonical.
			if again := AppendPayload(nil, got); !bytes.Equal(again, enc) {
				t.Errorf("re-encoding differs:\n got %q\nwant %q", again, enc)
			}
		})
	}
}
