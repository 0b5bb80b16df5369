package transports

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// chunkConn is an in-memory net.Conn whose Read serves data in chunks of
// 1..maxChunk bytes (all of maxChunk when fixed, else sizes drawn from a
// seeded generator) and then returns io.EOF. It does not implement
// syscall.Conn, so a frameReader over it takes the conn.Read path.
type chunkConn struct {
	data     []byte
	maxChunk int
	fixed    bool
	rng      uint64
	reads    int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	c.reads++
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := c.maxChunk
	if !c.fixed {
		c.rng ^= c.rng << 13 // xorshift64
		c.rng ^= c.rng >> 7
		c.rng ^= c.rng << 17
		n = 1 + int(c.rng%uint64(c.maxChunk))
	}
	n = copy(p[:min(n, len(p))], c.data)
	c.data = c.data[n:]
	return n, nil
}

func (c *chunkConn) Write(p []byte) (int, error)        { return len(p), nil }
func (c *chunkConn) Close() error                       { return nil }
func (c *chunkConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *chunkConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *chunkConn) SetDeadline(t time.Time) error      { return nil }
func (c *chunkConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *chunkConn) SetWriteDeadline(t time.Time) error { return nil }

// refEvent is a data message (op text or binary) or a control frame (op
// ping or pong) in the order the reader must produce them.
type refEvent struct {
	op   byte
	data []byte
}

// refParse is a plain reference reader over the whole input at once: the
// events a frameReader with maxPayload must produce and the error that
// ends them. It checks each frame in the reader's order: the first two
// header bytes (RSV bits, mask), the rest of the header, the opcode
// against the message in progress, the length, MaxPayload, the payload;
// at the end of the input the error is the 1006 of a TCP end. With
// deflate (permessage-deflate negotiated), RSV1 on the first frame of a
// data message marks it compressed, and it is inflated by refInflate.
func refParse(in []byte, maxPayload int64, deflate bool) ([]refEvent, error) {
	var evs []refEvent
	var msg []byte
	var msgOp byte
	var msgRSV1 bool
	for {
		if len(in) < 2 {
			return evs, errPeerEOF
		}
		fin, rsv, op, masked := in[0]>>7 == 1, (in[0]>>4)&7, in[0]&0xf, in[1]>>7 == 1
		rsv1 := rsv == 4
		if (rsv != 0 && !rsv1) || (rsv1 && (!deflate || (op != opText && op != opBinary))) || !masked {
			return evs, errProtocol
		}
		var n uint64
		hl := 2
		switch l := in[1] & 0x7f; l {
		case 126:
			if len(in) < 4 {
				return evs, errPeerEOF
			}
			n, hl = uint64(in[2])<<8|uint64(in[3]), 4
		case 127:
			if len(in) < 10 {
				return evs, errPeerEOF
			}
			for _, b := range in[2:10] {
				n = n<<8 | uint64(b)
			}
			hl = 10
		default:
			n = uint64(l)
		}
		if len(in) < hl+4 {
			return evs, errPeerEOF
		}
		key := in[hl : hl+4]
		in = in[hl+4:]
		control := op >= 8
		switch op {
		case opPing, opPong, opClose:
			if !fin || n > 125 {
				return evs, errProtocol
			}
		case opText, opBinary:
			if msgOp != 0 {
				return evs, errProtocol
			}
		case opContinuation:
			if msgOp == 0 {
				return evs, errProtocol
			}
		default:
			return evs, errProtocol
		}
		if n > 1<<63-1 {
			return evs, errProtocol
		}
		if !control && maxPayload > 0 && uint64(len(msg))+n > uint64(maxPayload) {
			return evs, ErrMessageTooBig
		}
		if uint64(len(in)) < n {
			return evs, errPeerEOF
		}
		p := make([]byte, n)
		for i := range p {
			p[i] = in[i] ^ key[i%4]
		}
		in = in[n:]
		switch op {
		case opPing, opPong:
			evs = append(evs, refEvent{op, p})
			continue
		case opClose:
			switch {
			case n == 0:
				return evs, &websocket.CloseError{Code: websocket.CloseNoStatusReceived}
			case n == 1:
				return evs, errProtocol
			}
			// The close code policy (which codes a peer may send) is
			// TestWSReadProtocolErrors' and TestWSReadPeerCloseFrame's
			// business; the fuzzer checks the mechanics.
			code := int(p[0])<<8 | int(p[1])
			if !validCloseCode(code) || !utf8.Valid(p[2:]) {
				return evs, errProtocol
			}
			return evs, &websocket.CloseError{Code: code, Text: string(p[2:])}
		case opText, opBinary:
			msg, msgOp, msgRSV1 = p, op, rsv1
		default:
			msg = append(msg, p...)
		}
		if !fin {
			continue
		}
		if msgRSV1 {
			var err error
			if msg, err = refInflate(msg, maxPayload); err != nil {
				return evs, err
			}
		}
		if msgOp == opText && !utf8.Valid(msg) {
			return evs, errInvalidUTF8
		}
		evs = append(evs, refEvent{msgOp, msg})
		msg, msgOp = nil, 0
	}
}

// refInflate inflates a compressed message the plain way: the 00 00 ff ff
// the sender removed and an empty final block appended, read through a
// LimitReader of maxPayload+1 bytes. Output over the limit makes the
// message too big even if the data turns out corrupt further on.
func refInflate(msg []byte, maxPayload int64) ([]byte, error) {
	src := append(bytes.Clone(msg), 0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff)
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(src)), maxPayload+1))
	if int64(len(out)) > maxPayload {
		return nil, ErrMessageTooBig // whatever comes after
	}
	if err != nil {
		return nil, errDeflate
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

func sameReadError(a, b error) bool {
	var ca, cb *websocket.CloseError
	if errors.As(a, &ca) && errors.As(b, &cb) {
		return ca.Code == cb.Code && ca.Text == cb.Text
	}
	return a == b
}

// FuzzFrameReader feeds random bytes, in random chunks and with random
// buffer sizes, to a frameReader with MaxPayload 1<<16 until next fails.
// It must never panic, must terminate, must never return a message over
// MaxPayload or a text message that is not UTF-8, and must produce exactly
// the events and final error of refParse. Messages already returned must
// not change as the reader goes on (no aliasing of its buffer).
func FuzzFrameReader(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, uint64(1), uint16(0))
		f.Add(s, uint64(0x9e3779b97f4a7c15), uint16(14))
	}
	f.Add(concat(cframe(finBit|opText, bytes.Repeat([]byte("4"), 300)), cframe(finBit|opBinary, []byte{1})), uint64(7), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, bufSize uint16) {
		fuzzFrames(t, data, seed, bufSize, false)
	})
}

// FuzzInflatingFrameReader is FuzzFrameReader on a connection that
// negotiated permessage-deflate: compressed messages, whole or
// fragmented, must come out as refParse inflates them, bounded by
// MaxPayload once inflated (ErrMessageTooBig) and failing with errDeflate
// on data that does not inflate; RSV1 where it is not allowed stays a
// protocol error.
func FuzzInflatingFrameReader(f *testing.F) {
	for _, s := range append(fuzzSeeds(), deflateSeeds()...) {
		f.Add(s, uint64(1), uint16(0))
		f.Add(s, uint64(0x9e3779b97f4a7c15), uint16(14))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, bufSize uint16) {
		fuzzFrames(t, data, seed, bufSize, true)
	})
}

// fuzzFrames is the body of the frame reader fuzz targets.
func fuzzFrames(t *testing.T, data []byte, seed uint64, bufSize uint16, deflate bool) {
	const maxPayload = 1 << 16
	conn := &chunkConn{data: data, maxChunk: 1 + int(seed>>56)%300, rng: seed | 1}
	var events []refEvent
	fr := newFrameReader(conn, maxPayload, int(bufSize%5000), func(op byte, payload []byte) error {
		if op != opPing && op != opPong {
			t.Fatalf("control callback with opcode %#x", op)
		}
		if len(payload) > 125 {
			t.Fatalf("control callback with %d bytes", len(payload))
		}
		events = append(events, refEvent{op, bytes.Clone(payload)})
		return nil
	})
	if fr.own != nil {
		t.Fatal("raw reads on a chunkConn")
	}
	fr.inflate = deflate
	var returned [][]byte // the slices next returned, to check they stay intact
	var err error
	for calls := 0; ; calls++ {
		// Every successful call consumes a frame of 6 bytes or more.
		if calls > len(data)/6+1 {
			t.Fatalf("next still returning after %d calls on %d bytes", calls, len(data))
		}
		var op byte
		var msg []byte
		op, msg, err = fr.next()
		if err != nil {
			if msg != nil || op != 0 {
				t.Fatalf("next returned op %#x and %d bytes with error %v", op, len(msg), err)
			}
			break
		}
		if op != opText && op != opBinary {
			t.Fatalf("next returned opcode %#x", op)
		}
		if len(msg) > maxPayload {
			t.Fatalf("next returned %d bytes, over MaxPayload %d", len(msg), maxPayload)
		}
		if op == opText && !utf8.Valid(msg) {
			t.Fatalf("next returned invalid UTF-8 text %q", msg)
		}
		returned = append(returned, msg)
		events = append(events, refEvent{op, bytes.Clone(msg)})
	}
	switch err {
	case errProtocol, errInvalidUTF8, ErrMessageTooBig, errDeflate:
	default:
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("next failed with %v", err)
		}
	}
	if conn.reads > len(data)+2 {
		t.Fatalf("%d reads for %d bytes", conn.reads, len(data))
	}

	wantEvents, wantErr := refParse(data, maxPayload, deflate)
	if !sameReadError(err, wantErr) {
		t.Fatalf("final error %v, want %v", err, wantErr)
	}
	if len(events) != len(wantEvents) {
		t.Fatalf("%d events, want %d", len(events), len(wantEvents))
	}
	for i, e := range events {
		if e.op != wantEvents[i].op || !bytes.Equal(e.data, wantEvents[i].data) {
			t.Fatalf("event %d: op %#x %q, want %#x %q", i, e.op, trunc(e.data), wantEvents[i].op, trunc(wantEvents[i].data))
		}
	}
	j := 0
	for _, e := range wantEvents {
		if e.op == opText || e.op == opBinary {
			if !bytes.Equal(returned[j], e.data) {
				t.Fatalf("message %d changed after it was returned: %q, want %q", j, trunc(returned[j]), trunc(e.data))
			}
			j++
		}
	}
}

// deflateSeeds are compressed messages: whole, fragmented around control
// frames, empty, ending in a final block, over MaxPayload once inflated,
// corrupt, and RSV1 where it is not allowed.
func deflateSeeds() [][]byte {
	z := func(b []byte) []byte {
		var out bytes.Buffer
		w, _ := flate.NewWriter(&out, flate.BestSpeed)
		w.Write(b)
		w.Flush()
		return out.Bytes()[:out.Len()-4]
	}
	big := z(append([]byte("4"), bytes.Repeat([]byte("fuzz me "), 1000)...))
	var final bytes.Buffer
	w, _ := flate.NewWriter(&final, flate.BestSpeed)
	w.Write([]byte("4final"))
	w.Close()
	return [][]byte{
		cframe(finBit|0x40|opText, z([]byte("4hello"))),
		cframe(finBit|0x40|opBinary, z([]byte{1, 2, 3})),
		cframe(finBit|0x40|opBinary, []byte{0}),
		cframe(finBit|0x40|opText, final.Bytes()),
		concat(cframe(0x40|opText, big[:10]), cframe(finBit|opPing, []byte("p")), cframe(opContinuation, big[10:20]), cframe(finBit|opContinuation, big[20:])),
		cframe(finBit|0x40|opBinary, z(make([]byte, 1<<16+1))),
		cframe(finBit|0x40|opBinary, z(make([]byte, 1<<16))),
		cframe(finBit|0x40|opText, big[:len(big)/2]),
		cframe(finBit|0x40|opText, []byte{0x07, 0}),
		cframe(finBit|0x40|opText, z([]byte("4\xff"))),
		concat(cframe(opText, []byte("4a")), cframe(finBit|0x40|opContinuation, []byte("b"))),
		cframe(finBit|0x40|opPing, nil),
		concat(cframe(finBit|0x40|opText, z([]byte("4one"))), cframe(finBit|opText, []byte("4two"))),
	}
}

// fuzzSeeds are valid streams, fragmented messages and the protocol errors
// of wsread_test.go.
func fuzzSeeds() [][]byte {
	msb := append([]byte{finBit | opBinary, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5}, wsTestKey[:]...)
	over := append([]byte{finBit | opBinary, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 1}, wsTestKey[:]...)
	return [][]byte{
		nil,
		{0x81},
		cframe(finBit|opText, []byte("4hello")),
		cframe(finBit|opText, nil),
		cframe(finBit|opBinary, []byte{0, 1, 2}),
		buildFrame(finBit|opText, true, len16, append([]byte("4"), bytes.Repeat([]byte{'a'}, 199)...)),
		buildFrame(finBit|opBinary, true, len64, bytes.Repeat([]byte{0xaa}, 300)),
		buildFrame(finBit|opText, true, len64, []byte("4x")),
		concat(cframe(finBit|opText, []byte("4one")), cframe(finBit|opPing, []byte("p")), cframe(finBit|opBinary, []byte{2}), cframe(finBit|opClose, closePayload(1000, "bye"))),
		concat(cframe(opText, []byte("4hel")), cframe(finBit|opPing, []byte("ping")), cframe(opContinuation, []byte("lo")), cframe(finBit|opPong, nil), cframe(finBit|opContinuation, []byte(" world"))),
		concat(cframe(opBinary, nil), cframe(opContinuation, []byte{1}), cframe(finBit|opContinuation, []byte{2})),
		concat(cframe(opText, []byte("4€\xe2")), cframe(finBit|opContinuation, []byte("\x82\xac"))),
		concat(cframe(opText, []byte("4ab\xf0\x9f")), cframe(finBit|opContinuation, []byte("xy"))),
		cframe(finBit|opText, []byte("4\xff")),
		cframe(finBit|opClose, nil),
		cframe(finBit|opClose, closePayload(1001, "")),
		cframe(finBit|opClose, closePayload(3000, "app")),
		cframe(finBit|opClose, closePayload(1000, "bad \xff")),
		buildFrame(finBit|opText, false, lenMinimal, []byte("4hello")),
		cframe(finBit|0x40|opText, []byte("4hello")),
		cframe(finBit|0x10|opBinary, []byte{1}),
		cframe(finBit|0x3, []byte("4hello")),
		cframe(finBit|0xb, nil),
		cframe(finBit|opPing, bytes.Repeat([]byte{'p'}, 126)),
		cframe(opPing, []byte("x")),
		cframe(finBit|opContinuation, []byte("4x")),
		concat(cframe(opText, []byte("4a")), cframe(finBit|opText, []byte("4b"))),
		cframe(finBit|opClose, []byte{0x03}),
		cframe(finBit|opClose, closePayload(1005, "")),
		cframe(finBit|opClose, closePayload(999, "")),
		cframe(finBit|opClose, closePayload(1016, "")),
		cframe(finBit|opClose, closePayload(5000, "")),
		msb,
		over,
		concat(cframe(opBinary, bytes.Repeat([]byte{1}, 40000)), cframe(finBit|opContinuation, bytes.Repeat([]byte{2}, 30000))),
		concat(cframe(opBinary, bytes.Repeat([]byte{1}, 1<<15)), cframe(finBit|opContinuation, bytes.Repeat([]byte{2}, 1<<15))),
	}
}
