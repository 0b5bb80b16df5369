package transports

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/wire"
)

// Reading through.
//
// syscall.RawConn.Read forgets, each time it is called, whether the
// descriptor was found readable, so its callback must try a read before
// it may wait: a reader that leaves it after every message makes, per
// message, one more read(2) that finds nothing (docs/architecture.md,
// "System calls of an ack round trip"). ReadPackets stays inside one
// Read instead: its callback delivers every complete message buffered,
// reads when it needs bytes, and returns false to wait after a short read
// (on connections that park when idle: wsthrough_unix.go says why only
// those), relying on the runtime to remember, within one Read, whatever
// arrived since.
//
// Only what is simple stays inside: a whole data frame that fits the
// read buffer. Anything else (a fragmented message, a control frame, a
// frame larger than the buffer, the end of the stream) leaves the Read
// and goes through ReadPacket once, so both ways share the frame reader
// and read the same packets and errors.
//
// A delivery made inside the Read holds the descriptor's read lock and a
// reference to it; rdesc.go says what that asks of a reader taking over
// and of Close.

// through is one ReadPackets call's state, shared with its callback.
type through struct {
	ws      *WebSocket
	fr      *frameReader
	deliver func(codec.Packet) bool
	fn      func(fd uintptr) bool // read, bound once

	// trustShort: a short read may be taken to have emptied the socket
	// (wsthrough_unix.go says when that is sound).
	trustShort bool

	// What the callback found, set before it returned true.
	d       *rdesc // the descriptor it read, taken before any delivery
	stop    bool   // deliver returned false: the reading is not this goroutine's any more
	closeIt bool   // a close was asked for during a delivery: d is this goroutine's to close
	slow    bool   // the next frame goes through ReadPacket
	err     error  // the frame or packet was bad (the close frame is sent)
}

// Kinds of buffered frame, for the read-through.
const (
	frameMore     = iota // more bytes are needed to tell or to complete it
	frameComplete        // next can return it (or its error) without reading
	frameSlow            // next would have to read more than the buffer holds, or loop
)

// bufferedFrame tells what the read-through may do with the buffered bytes.
func (fr *frameReader) bufferedFrame() int {
	if fr.msgOp != 0 {
		return frameSlow
	}
	if fr.buf == nil || fr.w-fr.r < 2 {
		return frameMore
	}
	b := (*fr.buf)[fr.r:fr.w]
	if fr.badStart(b[0], b[1]) {
		return frameComplete // frame fails on the first two bytes
	}
	if op := b[0] & 0x0f; b[0]&0x80 == 0 || (op != opText && op != opBinary) {
		return frameSlow // a fragment, or a control frame to answer
	}
	hl := headerLen(b[1])
	if len(b) < hl {
		return frameMore
	}
	n := payloadLen(b)
	if n >= 1<<63 || (fr.maxPayload > 0 && n > uint64(fr.maxPayload)) {
		return frameComplete // frame fails once the header is read
	}
	if n > uint64(readBufSize-hl) {
		return frameSlow
	}
	if uint64(len(b)) < uint64(hl)+n {
		return frameMore
	}
	return frameComplete
}

// ReadPackets reads packets as ReadPacket does and calls deliver with
// each, on the calling goroutine, until deliver returns false or reading
// fails. It returns nil when deliver returned false, else the error
// ReadPacket would have returned (ErrParked included). On a plain socket
// it reads each packet with one system call fewer than ReadPacket
// (wsthrough.go explains how).
//
// deliver returning false hands the reading over: from then on another
// goroutine may call ReadPackets or ReadPacket, even while that deliver
// call is still running. ReadPackets returns at once and leaves the
// connection alone.
func (ws *WebSocket) ReadPackets(deliver func(codec.Packet) bool) error {
	fr := ws.fr
	if fr.own == nil || !rawReadSupported {
		for {
			p, err := ws.ReadPacket()
			if err != nil {
				return err
			}
			if !deliver(p) {
				return nil
			}
		}
	}
	t := &through{ws: ws, fr: fr, deliver: deliver, trustShort: fr.park.Load() != nil}
	t.fn = t.read
	for {
		t.d, t.stop, t.closeIt, t.slow, t.err = nil, false, false, false, nil
		if err := fr.rawWait(t.fn); err != nil {
			return err // after ErrParked fr is not ours
		}
		if t.stop {
			// fr is the next reader's now. Only the descriptor is ours.
			if t.closeIt {
				t.d.finishDeferred()
			} else if t.d == fr.own {
				// A reader reading through a duplicate because this
				// delivery held own may come back (pickDesc).
				if r := fr.readingDup(); r != nil {
					_ = r.file.SetReadDeadline(longAgo)
				}
			}
			return nil
		}
		if t.closeIt {
			t.d.finishDeferred()
			return net.ErrClosed
		}
		if t.err != nil {
			return t.err
		}
		if t.slow {
			p, err := ws.ReadPacket()
			if err != nil {
				return err
			}
			if !deliver(p) {
				return nil
			}
		}
	}
}

// testHookEmptyRead, set by tests only, is called for each read that
// found nothing.
var testHookEmptyRead atomic.Pointer[func(*frameReader)]

func countEmptyRead(fr *frameReader) {
	if h := testHookEmptyRead.Load(); h != nil {
		(*h)(fr)
	}
}

// longAgo is a deadline in the past: it wakes a reader at once.
var longAgo = time.Unix(1, 0)

// packet turns what the frame reader returned into a packet, answering a
// frame error with its close frame.
func (ws *WebSocket) packet(op byte, data []byte, err error) (codec.Packet, error) {
	if err != nil {
		if code := closeCode(err); code != 0 {
			// Tell the peer why at once, as the reference server does;
			// Close then only closes the connection.
			ws.sendClose(code, "")
		}
		return codec.Packet{}, err
	}
	if ws.v3 {
		if op == opBinary {
			return wire.DecodeBinaryFrameV3(data)
		}
		return wire.DecodePacketV3(data)
	}
	if op == opBinary {
		return codec.DecodeBinaryFrame(data), nil
	}
	return codec.DecodePacket(data)
}
