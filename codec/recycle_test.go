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

// The JSON decoder's Recycle: a text EVENT or ACK is taken, zeroed and
// reused, and the packets decoded after it read right whether or not they
// got its memory; anything else is left as it is.
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
	if first.Event != "" || first.Args != nil || first.HasID {
		t.Errorf("a recycled packet still reads %s", snapshot(first))
	}
	// Whatever memory it gets, nothing is left of the first: no
	// namespace, no id, fewer arguments.
	for range 3 {
		second := add(`2["b","x"]`)
		if got, want := snapshot(second), `EVENT nsp="/" id=0/false event="b" atts=0 [0]"x"/<nil>`; got != want {
			t.Errorf("second: %s, want %s", got, want)
		}
		r.Recycle(second)
	}
	// Reuse: sync.Pool promises none (the race detector drops a quarter
	// of what is put, and a goroutine may move to another P between Put
	// and Get), but over a hundred rounds some must come back.
	reused := 0
	for range 100 {
		p := add(`2["c"]`)
		r.Recycle(p)
		if q := add(`2["c"]`); q == p {
			reused++
		}
	}
	if reused == 0 {
		t.Error("no recycled packet's memory was reused in 100 rounds")
	}
	ack := add(`3/chat,9[1,2]`)
	r.Recycle(ack)
	if ack.Args != nil {
		t.Error("a text ACK was not taken")
	}

	// Left alone: a CONNECT, a binary event, a packet made elsewhere.
	keep := map[*SocketPacket]string{}
	conn := add(`0/chat,{"token":"t"}`)
	keep[conn] = snapshot(conn)
	if add(`51-["e",{"_placeholder":true,"num":0}]`) != nil {
		t.Fatal("binary packet returned before its attachment")
	}
	bin, err := dec.Add(Packet{Type: PacketMessage, Data: []byte{1, 2}, Binary: true})
	if err != nil || bin == nil {
		t.Fatalf("attachment: %v, %v", bin, err)
	}
	keep[bin] = snapshot(bin)
	made := &SocketPacket{Type: Event, Event: "x", Args: &jsonArgs{raw: []json.RawMessage{json.RawMessage(`1`)}}}
	keep[made] = snapshot(made)
	for p := range keep {
		r.Recycle(p)
	}
	r.Recycle(nil)
	for range 4 {
		add(`2["f",{"g":[1,2,3]},"h","i","j"]`)
	}
	for p, before := range keep {
		if got := snapshot(p); got != before {
			t.Errorf("a packet Recycle must leave alone changed: %s, was %s", got, before)
		}
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
