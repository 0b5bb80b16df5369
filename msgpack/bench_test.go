package msgpack

import (
	"bytes"
	"sync"
	"testing"

	"github.com/tinylib/msgp/msgp"
	vm "github.com/vmihailenco/msgpack/v5"

	"github.com/gosio/socketio/codec"
)

// The benchmarks behind the choice of library (see README.md for the
// figures and the command). Each typical packet is encoded and decoded by
//
//   - Ours: this parser (encoding/json's rules walked here, bytes written
//     and read with tinylib/msgp's append and read functions);
//   - Vmihailenco: github.com/vmihailenco/msgpack/v5 doing the whole
//     packet itself (its reflection encoder with json tags and compact
//     integers; decoding into a packet struct, then each argument into
//     its target). That is its best case: it honours neither
//     json.Marshaler nor json.RawMessage, nor notepack's extensions, so a
//     parser on it would cost at least this;
//   - MsgpIntf: tinylib/msgp's generic AppendIntf / ReadIntfBytes (generic
//     values only, no struct arguments: a lower bound for a
//     library-only encoder);
//   - JSON: the default JSON parser, for scale.

type benchUser struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Email  string   `json:"email"`
	Tags   []string `json:"tags"`
	Score  float64  `json:"score"`
	Active bool     `json:"active"`
}

var benchBlob = bytes.Repeat([]byte{0xab}, 1024)

type benchCase struct {
	name string
	p    codec.SocketPacket
	// decodeArgs decodes the arguments of the decoded packet into the
	// targets a handler would have.
	decodeArgs func(a codec.Args) error
	// vmArgs decodes the raw arguments with vmihailenco.
	vmArgs  func(raw []vm.RawMessage) error
	generic bool // no struct: MsgpIntf applies
}

func benchCases() []benchCase {
	user := benchUser{ID: 12345, Name: "Ada Lovelace", Email: "ada@example.com", Tags: []string{"admin", "math"}, Score: 97.5, Active: true}
	return []benchCase{
		{
			name: "SmallEvent",
			p:    codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"chat", "hello world"}},
			decodeArgs: func(a codec.Args) error {
				var s string
				return a.Decode(0, &s)
			},
			vmArgs: func(raw []vm.RawMessage) error {
				var s string
				return vm.Unmarshal(raw[0], &s)
			},
			generic: true,
		},
		{
			name: "StructEvent",
			p:    codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"update", user}},
			decodeArgs: func(a codec.Args) error {
				var u benchUser
				return a.Decode(0, &u)
			},
			vmArgs: func(raw []vm.RawMessage) error {
				var u benchUser
				return vm.Unmarshal(raw[0], &u)
			},
		},
		{
			name: "BinaryEvent",
			p:    codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"file", "name.bin", benchBlob}},
			decodeArgs: func(a codec.Args) error {
				var s string
				var b []byte
				if err := a.Decode(0, &s); err != nil {
					return err
				}
				return a.Decode(1, &b)
			},
			vmArgs: func(raw []vm.RawMessage) error {
				var s string
				var b []byte
				if err := vm.Unmarshal(raw[0], &s); err != nil {
					return err
				}
				return vm.Unmarshal(raw[1], &b)
			},
			generic: true,
		},
		{
			name: "Ack",
			p:    codec.SocketPacket{Type: codec.Ack, Nsp: "/", ID: 42, HasID: true, Data: []any{"ok", 1}},
			decodeArgs: func(a codec.Args) error {
				var s string
				var n int
				if err := a.Decode(0, &s); err != nil {
					return err
				}
				return a.Decode(1, &n)
			},
			vmArgs: func(raw []vm.RawMessage) error {
				var s string
				var n int
				if err := vm.Unmarshal(raw[0], &s); err != nil {
					return err
				}
				return vm.Unmarshal(raw[1], &n)
			},
			generic: true,
		},
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name+"/Ours", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				q := c.p
				if _, err := (Parser{}).Encode(nil, &q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/Vmihailenco", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := vmEncode(&c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
		if c.generic {
			b.Run(c.name+"/MsgpIntf", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := msgpIntfEncode(&c.p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(c.name+"/JSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				q := c.p
				if _, err := (codec.JSONParser{}).Encode(nil, &q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range benchCases() {
		q := c.p
		pkts, err := Parser{}.Encode(nil, &q)
		if err != nil {
			b.Fatal(err)
		}
		msg := pkts[0]
		b.Run(c.name+"/Ours", func(b *testing.B) {
			b.ReportAllocs()
			dec := Parser{}.NewDecoder(codec.DecoderLimits{})
			for b.Loop() {
				p, err := dec.Add(msg)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.decodeArgs(p.Args); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/Vmihailenco", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := vmDecode(msg.Data, c.vmArgs); err != nil {
					b.Fatal(err)
				}
			}
		})
		if c.generic {
			b.Run(c.name+"/MsgpIntf", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := msgp.ReadIntfBytes(msg.Data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		jpkts, err := codec.JSONParser{}.Encode(nil, &q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/JSON", func(b *testing.B) {
			b.ReportAllocs()
			dec := codec.JSONParser{}.NewDecoder(codec.DecoderLimits{})
			for b.Loop() {
				var p *codec.SocketPacket
				for _, m := range jpkts {
					if p, err = dec.Add(m); err != nil {
						b.Fatal(err)
					}
				}
				if err := c.decodeArgs(p.Args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// vmPacket is the packet as vmihailenco encodes and decodes it.
type vmPacket struct {
	Type int     `json:"type"`
	Nsp  string  `json:"nsp"`
	Data any     `json:"data,omitempty"`
	ID   *uint64 `json:"id,omitempty"`
}

type vmInPacket struct {
	Type int             `json:"type"`
	Nsp  string          `json:"nsp"`
	Data []vm.RawMessage `json:"data"`
	ID   *uint64         `json:"id"`
}

type vmEnc struct {
	buf bytes.Buffer
	enc *vm.Encoder
}

var vmEncoders = sync.Pool{New: func() any {
	e := &vmEnc{}
	e.enc = vm.NewEncoder(&e.buf)
	e.enc.SetCustomStructTag("json")
	e.enc.UseCompactInts(true)
	return e
}}

func vmEncode(p *codec.SocketPacket) ([]byte, error) {
	e := vmEncoders.Get().(*vmEnc)
	defer vmEncoders.Put(e)
	e.buf.Reset()
	vp := vmPacket{Type: int(p.Type), Nsp: p.Nsp, Data: p.Data}
	if p.HasID {
		id := p.ID
		vp.ID = &id
	}
	if err := e.enc.Encode(&vp); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

type vmDec struct {
	r   bytes.Reader
	dec *vm.Decoder
}

var vmDecoders = sync.Pool{New: func() any {
	d := &vmDec{}
	d.dec = vm.NewDecoder(&d.r)
	d.dec.SetCustomStructTag("json")
	return d
}}

func vmDecode(b []byte, args func([]vm.RawMessage) error) error {
	d := vmDecoders.Get().(*vmDec)
	defer vmDecoders.Put(d)
	d.r.Reset(b)
	d.dec.Reset(&d.r)
	d.dec.SetCustomStructTag("json")
	var p vmInPacket
	if err := d.dec.Decode(&p); err != nil {
		return err
	}
	raw := p.Data
	if p.Type == int(codec.Event) {
		var name string
		if err := vm.Unmarshal(raw[0], &name); err != nil {
			return err
		}
		raw = raw[1:]
	}
	return args(raw)
}

func msgpIntfEncode(p *codec.SocketPacket) ([]byte, error) {
	m := map[string]any{"type": int(p.Type), "nsp": p.Nsp, "data": p.Data}
	if p.HasID {
		m["id"] = p.ID
	}
	b, err := msgp.AppendIntf(make([]byte, 0, 64), m)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// TestBenchCandidatesAgree: the candidates measured produce packets our
// decoder reads as the same packet (so the benchmarks compare like with
// like).
func TestBenchCandidatesAgree(t *testing.T) {
	for _, c := range benchCases() {
		encs := map[string]func(*codec.SocketPacket) ([]byte, error){"vmihailenco": vmEncode}
		if c.generic {
			encs["msgp"] = msgpIntfEncode
		}
		q := c.p
		ours, err := Parser{}.Encode(nil, &q)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := readTree(ours[0].Data, 0)
		for name, enc := range encs {
			b, err := enc(&c.p)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, name, err)
			}
			got, _, err := readTree(b, 0)
			if err != nil || !bothNaN(got, want) {
				t.Errorf("%s %s: %#v (%v), ours %#v", c.name, name, got, err, want)
			}
			if err := vmDecode(ours[0].Data, c.vmArgs); err != nil {
				t.Errorf("%s: vmihailenco decoding ours: %v", c.name, err)
			}
		}
	}
}
