package codec

import (
	"bytes"
	"testing"
)

type sioBenchMsg struct {
	User string `json:"user"`
	Text string `json:"text"`
	TS   int64  `json:"ts"`
}

var sioBenchEvents = []struct {
	name string
	data []any
}{
	{"small", []any{"chat", sioBenchMsg{User: "alice", Text: "hello, world", TS: 1700000000000}}},
	{"binary1KB", []any{"upload", "file.bin", bytes.Repeat([]byte{0xab}, 1024)}},
}

// BenchmarkEncodeEvent measures JSONParser.Encode of one EVENT: a small
// text event, and one with a 1 KB binary attachment.
func BenchmarkEncodeEvent(b *testing.B) {
	for _, ev := range sioBenchEvents {
		b.Run(ev.name, func(b *testing.B) {
			p := &SocketPacket{Type: Event, Nsp: "/chat", Data: ev.data}
			dst := make([]Packet, 0, 4)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = (JSONParser{}).Encode(dst[:0], p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeEvent measures decoding the same events and decoding
// their arguments into typed values, as a handler would.
func BenchmarkDecodeEvent(b *testing.B) {
	for _, ev := range sioBenchEvents {
		b.Run(ev.name, func(b *testing.B) {
			msgs, err := JSONParser{}.Encode(nil, &SocketPacket{Type: Event, Nsp: "/chat", Data: ev.data})
			if err != nil {
				b.Fatal(err)
			}
			d := JSONParser{}.NewDecoder(DecoderLimits{})
			b.ReportAllocs()
			var n int
			for b.Loop() {
				var p *SocketPacket
				for _, m := range msgs {
					if p, err = d.Add(m); err != nil {
						b.Fatal(err)
					}
				}
				if ev.name == "small" {
					var m sioBenchMsg
					if err := p.Args.Decode(0, &m); err != nil {
						b.Fatal(err)
					}
					n += len(m.Text)
				} else {
					var name string
					var data []byte
					if err := p.Args.Decode(0, &name); err != nil {
						b.Fatal(err)
					}
					if err := p.Args.Decode(1, &data); err != nil {
						b.Fatal(err)
					}
					n += len(data)
				}
			}
			if n == 0 {
				b.Fatal("nothing decoded")
			}
		})
	}
}

// BenchmarkDecodePing decodes the small EVENT of the 1,000-client ack
// benchmark (bench/) and recycles it, as the server does after a handler
// that takes copies: the check, split and name of every event.
func BenchmarkDecodePing(b *testing.B) {
	msg := Packet{Type: PacketMessage, Data: []byte(`2123["ping","0123456789abcdef"]`)}
	d := JSONParser{}.NewDecoder(DecoderLimits{})
	b.ReportAllocs()
	for b.Loop() {
		p, err := d.Add(msg)
		if err != nil || p.Event != "ping" {
			b.Fatal(p, err)
		}
		d.(Recycler).Recycle(p)
	}
}
