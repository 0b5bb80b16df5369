package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gosio/socketio/codec"
)

// The expected encodings below were produced by the reference server's
// v3 parser (engine.io 6.6, build/parser-v3) from the same packets.
func TestAppendPayloadV3MatchesReference(t *testing.T) {
	tests := []struct {
		name     string
		pkts     []codec.Packet
		text     string
		binaryHx string // AppendBinaryPayloadV3, when the payload holds binary
	}{
		{"open", []codec.Packet{eioText(codec.PacketOpen, `{"sid":"abc"}`)}, `14:0{"sid":"abc"}`, ""},
		{"utf16 units", []codec.Packet{eioText(codec.PacketMessage, "hello"), eioText(codec.PacketMessage, "€")}, "6:4hello2:4€", ""},
		{"surrogate pair", []codec.Packet{eioText(codec.PacketMessage, "😀é"), eioText(codec.PacketPong, "")}, "4:4😀é1:3", ""},
		{"binary", []codec.Packet{eioBinary(1, 2, 3, 4)}, "10:b4AQIDBA==", "0105ff0401020304"},
		{"mixed", []codec.Packet{eioText(codec.PacketMessage, "4€"), eioBinary(1, 2, 3, 4), eioText(codec.PacketNoop, "")},
			"3:44€10:b4AQIDBA==1:6", "0005ff3434e282ac0105ff04010203040001ff36"},
		{"none", nil, "0:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendPayloadV3(nil, tt.pkts)
			if string(got) != tt.text {
				t.Errorf("AppendPayloadV3 = %q, want %q", got, tt.text)
			}
			if n := PayloadLenV3(tt.pkts); n < len(got) {
				t.Errorf("PayloadLenV3 = %d < %d", n, len(got))
			}
			if tt.binaryHx == "" {
				return
			}
			bin := AppendBinaryPayloadV3(nil, tt.pkts)
			if hex.EncodeToString(bin) != tt.binaryHx {
				t.Errorf("AppendBinaryPayloadV3 = %x, want %s", bin, tt.binaryHx)
			}
			if n := BinaryPayloadLenV3(tt.pkts); n != len(bin) {
				t.Errorf("BinaryPayloadLenV3 = %d, want %d", n, len(bin))
			}
		})
	}
}

func collectV3(decode func([]byte, func(codec.Packet) error) error, b []byte) ([]codec.Packet, error) {
	var got []codec.Packet
	err := decode(b, func(p codec.Packet) error {
		p.Data = append([]byte(nil), p.Data...)
		got = append(got, p)
		return nil
	})
	return got, err
}

func TestDecodePayloadV3(t *testing.T) {
	tests := []struct {
		in      string
		want    []codec.Packet
		wantErr error
	}{
		{"6:4hello2:4€", []codec.Packet{eioText(codec.PacketMessage, "hello"), eioText(codec.PacketMessage, "€")}, nil},
		{"0:", nil, nil},
		{"0:1:2", []codec.Packet{eioText(codec.PacketPing, "")}, nil},
		{"3:4😀", []codec.Packet{eioText(codec.PacketMessage, "😀")}, nil},
		{"10:b4AQIDBA==", []codec.Packet{eioBinary(1, 2, 3, 4)}, nil},
		{"2:b4", []codec.Packet{eioBinary()}, nil},
		{"6:2probe1:5", []codec.Packet{eioText(codec.PacketPing, "probe"), eioText(codec.PacketUpgrade, "")}, nil},

		{"", nil, errV3EmptyPayload},
		{"2:4😀", nil, errV3Surrogate},
		{"1:", nil, errV3Truncated},
		{"5:4ab", nil, errV3Truncated},
		{"2:4a3", []codec.Packet{eioText(codec.PacketMessage, "a")}, errV3Length},
		{"x:4", nil, errV3Length},
		{":4", nil, errV3Length},
		{"12345678901:4", nil, errV3Length},
		{"1:7", nil, errUnknownType},
		{"2:b2", nil, errV3BinaryType},
		{"1:b", nil, errUnknownType},
		{"4:b4!!", nil, errInvalidBase64},
		{"2:4a2:4b1:9", []codec.Packet{eioText(codec.PacketMessage, "a"), eioText(codec.PacketMessage, "b")}, errUnknownType},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := collectV3(DecodePayloadV3, []byte(tt.in))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr != nil && !errors.Is(err, codec.ErrInvalidPacket)) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			eioAssertPackets(t, got, tt.want)
		})
	}
}

func TestDecodeBinaryPayloadV3(t *testing.T) {
	mustHex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		want    []codec.Packet
		wantErr error
	}{
		{"reference", mustHex("0005ff3434e282ac0105ff04010203040001ff36"),
			[]codec.Packet{eioText(codec.PacketMessage, "4€"), eioBinary(1, 2, 3, 4), eioText(codec.PacketNoop, "")}, nil},
		{"empty", nil, nil, nil},
		{"base64 inside", append(mustHex("000100ff"), "b4AQIDBA=="...), []codec.Packet{eioBinary(1, 2, 3, 4)}, nil},
		{"bad kind", mustHex("0201ff34"), nil, errV3PartKind},
		{"digit over 9", mustHex("000aff34"), nil, errV3Length},
		{"no digits", mustHex("00ff34"), nil, errV3Length},
		{"no 255", mustHex("0001"), nil, errV3Length},
		{"too long", mustHex("0009ff34"), nil, errV3Truncated},
		{"binary not a message", mustHex("0102ff0201"), nil, errV3BinaryType},
		{"empty binary part", mustHex("0100ff"), nil, errEmptyPacket},
		{"invalid utf8", mustHex("0002ff34ff"), nil, errV3InvalidUTF8},
		{"many digits", mustHex("0001010101010101010101010101ff34"), nil, errV3Length},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectV3(DecodeBinaryPayloadV3, tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			eioAssertPackets(t, got, tt.want)
		})
	}
}

func TestPacketV3RoundTrip(t *testing.T) {
	for _, p := range []codec.Packet{eioText(codec.PacketMessage, "héllo"), eioText(codec.PacketPing, "probe"), eioBinary(0, 0xff), eioBinary()} {
		enc := AppendPacketV3(nil, p)
		if len(enc) != EncodedLenV3(p) {
			t.Errorf("EncodedLenV3(%v) = %d, want %d", p, EncodedLenV3(p), len(enc))
		}
		got, err := DecodePacketV3(enc)
		if err != nil || got.Type != p.Type || got.Binary != p.Binary || !bytes.Equal(got.Data, p.Data) {
			t.Errorf("DecodePacketV3(%q) = %v, %v; want %v", enc, got, err, p)
		}
	}
	if p, err := DecodeBinaryFrameV3([]byte{4, 1, 2}); err != nil || !p.Binary || !bytes.Equal(p.Data, []byte{1, 2}) {
		t.Errorf("DecodeBinaryFrameV3 = %v, %v", p, err)
	}
}

// The expected strings were produced by the reference server (engine.io
// 6.6's polling-jsonp.ts expressions and Node's querystring).
func TestJSONP(t *testing.T) {
	got := AppendJSONP(nil, "3", []byte("5:4a\"b\\c\n\u2028\u2029\u0001\u007f😀</script>"))
	want := "___eio[3](\"5:4a\\\"b\\\\c\\n\\u2028\\u2029\\u0001\u007f😀</script>\");"
	if string(got) != want {
		t.Errorf("AppendJSONP = %q\nwant          %q", got, want)
	}
	if got := JSONPIndex("1a2;alert(1)"); got != "121" {
		t.Errorf("JSONPIndex = %q", got)
	}
	for _, tt := range []struct{ in, want string }{
		{`a\nb`, "a\nb"},
		{`a\\nb`, `a\nb`},
		{`a\\\nb`, `a\\nb`},
		{`\\\\n`, `\\\n`},
		{`x\n\\n\`, "x\n\\n\\"},
	} {
		got, err := DecodeJSONPForm([]byte("d=" + tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("DecodeJSONPForm(d=%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if got, err := DecodeJSONPForm([]byte("d=a+b%20c%zz%41&x=1")); err != nil || string(got) != "a b c%zzA" {
		t.Errorf("form decoding = %q, %v", got, err)
	}
	for _, bad := range []string{"", "x=1", "d=1&d=2", "%64=1&d=2"} {
		if _, err := DecodeJSONPForm([]byte(bad)); !errors.Is(err, codec.ErrInvalidPacket) {
			t.Errorf("DecodeJSONPForm(%q): err = %v, want invalid", bad, err)
		}
	}
}
