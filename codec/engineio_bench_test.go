package codec

import (
	"bytes"
	"strconv"
	"testing"
)

// eioBenchText is ten 100-byte text messages.
func eioBenchText() []Packet {
	pkts := make([]Packet, 10)
	for i := range pkts {
		pkts[i] = Packet{Type: PacketMessage, Data: bytes.Repeat([]byte{'a' + byte(i)}, 100)}
	}
	return pkts
}

// eioBenchBinary is one 4 KB binary message between two short text ones.
func eioBenchBinary() []Packet {
	bin := make([]byte, 4096)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	return []Packet{
		{Type: PacketMessage, Data: []byte(`451-["upload",{"_placeholder":true,"num":0}]`)},
		{Type: PacketMessage, Data: bin, Binary: true},
		{Type: PacketPing},
	}
}

func eioBenchPayloads() []struct {
	name string
	pkts []Packet
} {
	return []struct {
		name string
		pkts []Packet
	}{
		{"10x100B-text", eioBenchText()},
		{"4KB-binary", eioBenchBinary()},
	}
}

var eioSinkBytes []byte

func BenchmarkAppendPayload(b *testing.B) {
	for _, bc := range eioBenchPayloads() {
		b.Run(bc.name, func(b *testing.B) {
			// Reusing the buffer: the steady state of a polling writer.
			buf := make([]byte, 0, PayloadLen(bc.pkts))
			b.SetBytes(int64(cap(buf)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				buf = AppendPayload(buf[:0], bc.pkts)
			}
			eioSinkBytes = buf
		})
		b.Run(bc.name+"/alloc", func(b *testing.B) {
			// Sizing a fresh buffer with PayloadLen, as WritePayload does.
			b.SetBytes(int64(PayloadLen(bc.pkts)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				eioSinkBytes = AppendPayload(make([]byte, 0, PayloadLen(bc.pkts)), bc.pkts)
			}
		})
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	for _, bc := range eioBenchPayloads() {
		b.Run(bc.name, func(b *testing.B) {
			in := AppendPayload(nil, bc.pkts)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			n := 0
			fn := func(p Packet) error { n += len(p.Data); return nil }
			for i := 0; i < b.N; i++ {
				if err := DecodePayload(in, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodePacket(b *testing.B) {
	bin := make([]byte, 4096)
	cases := []struct {
		name string
		in   []byte
	}{
		{"ping", []byte("2")},
		{"text-100B", append([]byte{'4'}, bytes.Repeat([]byte{'x'}, 100)...)},
		{"text-4KB", append([]byte{'4'}, bytes.Repeat([]byte{'x'}, 4096)...)},
		{"base64-100B", AppendPacket(nil, Packet{Type: PacketMessage, Data: bin[:100], Binary: true})},
		{"base64-4KB", AppendPacket(nil, Packet{Type: PacketMessage, Data: bin, Binary: true})},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p, err := DecodePacket(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				eioSinkBytes = p.Data
			}
		})
	}
}

func BenchmarkAppendPacket(b *testing.B) {
	for _, size := range []int{0, 100, 4096} {
		data := bytes.Repeat([]byte{0xab}, size)
		for _, binary := range []bool{false, true} {
			p := Packet{Type: PacketMessage, Data: data, Binary: binary}
			name := "text-" + strconv.Itoa(size) + "B"
			if binary {
				name = "binary-" + strconv.Itoa(size) + "B"
			}
			b.Run(name, func(b *testing.B) {
				buf := make([]byte, 0, EncodedLen(p))
				b.SetBytes(int64(cap(buf)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					buf = AppendPacket(buf[:0], p)
				}
				eioSinkBytes = buf
			})
		}
	}
}
