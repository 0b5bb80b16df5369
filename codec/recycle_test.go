package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// snapshot is what a packet says, copied out of it.
func snapshot(p *SocketPacket) string {
	if p == nil {
		return "<nil>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%v nsp=%q id=%d/%v event=%q atts=%d", p.Type, p.Nsp, p.ID, p.HasID, p.Event, len(p.Attachments))
	if p.Args != nil {
		for i := 0; i < p.Args.Len(); i++ {
			var raw json.RawMessage
			err := p.Args.Decode(i, &raw)
			fmt.Fprintf(&b, " [%d]%s/%v", i, raw, err)
		}
	}
	return b.String()
}

func TestJSONDecoderRecycle(t *testing.T) {
	dec := JSONParser{}.NewDecoder(DecoderLimits{})
	r, ok := dec.(Recycler)
	if !ok {
		t.Fatal("the JSON decoder is no Recycler")
	}
	add := func(text string) *SocketPacket {
		t.Helper()
		p, err := dec.Add(Packet{Type: PacketMessage, Data: []byte(text)})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return p
	}
	first := add(`2/chat,7["a",1,2,3,4,5]`)
	if got := snapshot(first); !strings.Contains(got, `nsp="/chat" id=7/true event="a"`) || !strings.Contains(got, "[4]5/") {
		t.Fatalf("first: %s", got)
	}
	r.Recycle(first)

	// The next text packet reuses the memory, with nothing left of the
	// first: no namespace, no id, fewer arguments.
	second := add(`2["b","x"]`)
	if second != first {
		t.Error("the recycled packet's memory was not reused")
	}
	if got, want := snapshot(second), `EVENT nsp="/" id=0/false event="b" atts=0 [0]"x"/<nil>`; got != want {
		t.Errorf("second: %s, want %s", got, want)
	}

	// Only the packet returned last is taken back.
	third := add(`2["c"]`)
	r.Recycle(second)
	if fourth := add(`2["d"]`); fourth == second || fourth == third {
		t.Error("a packet other than the last one was recycled")
	}
	if got := snapshot(third); got != `EVENT nsp="/" id=0/false event="c" atts=0` {
		t.Errorf("third after a refused Recycle: %s", got)
	}

	// A binary packet is not recycled: its memory is not the decoder's
	// last text packet.
	bin := add(`51-["e",{"_placeholder":true,"num":0}]`)
	if bin != nil {
		t.Fatal("binary packet returned before its attachment")
	}
	bin, err := dec.Add(Packet{Type: PacketMessage, Data: []byte{1, 2}, Binary: true})
	if err != nil || bin == nil {
		t.Fatalf("attachment: %v, %v", bin, err)
	}
	r.Recycle(bin)
	before := snapshot(bin)
	if next := add(`2["f"]`); next == bin {
		t.Error("a binary packet was recycled")
	}
	if got := snapshot(bin); got != before {
		t.Errorf("the binary packet changed: %s, was %s", got, before)
	}

	// A recycled packet followed by a bad one: an error, no packet.
	last := add(`2["g"]`)
	r.Recycle(last)
	if p, err := dec.Add(Packet{Type: PacketMessage, Data: []byte(`2["connect"]`)}); p != nil || !errors.Is(err, ErrInvalidSocketPacket) {
		t.Errorf("bad packet after Recycle: %v, %v", p, err)
	}
}

// FuzzSocketDecodeRecycle decodes a sequence of messages twice: once
// keeping every packet, once recycling each one after reading it. Both
// must read the same; and the kept packets must still read the same at
// the end, whatever the recycling decoder did meanwhile.
func FuzzSocketDecodeRecycle(f *testing.F) {
	for i, s := range sioFuzzSeeds {
		f.Add(s + "\n" + sioFuzzSeeds[(i+7)%len(sioFuzzSeeds)] + "\n" + s)
	}
	f.Add("2[\"a\",1,2,3,4,5,6]\n2[\"b\"]\n2/x,9[\"c\",{}]\n3[1]\n2[\"d\",\"e\"]")
	f.Fuzz(func(t *testing.T, seq string) {
		keep := JSONParser{}.NewDecoder(DecoderLimits{})
		reuse := JSONParser{}.NewDecoder(DecoderLimits{})
		var kept []*SocketPacket
		var read []string
		for _, text := range strings.Split(seq, "\n") {
			msg := Packet{Type: PacketMessage, Data: []byte(text)}
			p, errKeep := keep.Add(msg)
			q, errReuse := reuse.Add(Packet{Type: PacketMessage, Data: []byte(text)})
			if (errKeep == nil) != (errReuse == nil) {
				t.Fatalf("%q: errors %v and %v", text, errKeep, errReuse)
			}
			if errKeep != nil {
				return // the connection ends
			}
			a, b := snapshot(p), snapshot(q)
			if a != b {
				t.Fatalf("%q: kept %s, recycling %s", text, a, b)
			}
			if q != nil {
				reuse.(Recycler).Recycle(q)
			}
			if p != nil {
				kept = append(kept, p)
				read = append(read, a)
			}
		}
		for i, p := range kept {
			if got := snapshot(p); got != read[i] {
				t.Fatalf("kept packet %d now reads %s, read %s", i, got, read[i])
			}
		}
	})
}
