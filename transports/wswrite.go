package transports

import (
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/wire"
)

// Writing frames. Four kinds of writers share a connection, and wmu
// serialises them so that frames never interleave:
//
//   - the session's writer goroutine (WritePackets): may block on a full
//     socket, bounded by WriteTimeout;
//   - a sender writing inline (TryWritePackets): a broadcaster or a handler
//     on any goroutine; it writes only without blocking;
//   - the reader answering a ping (answerControl), and reporting a protocol
//     error with a close frame (ReadPacket);
//   - Close, from any goroutine.
//
// The rule that keeps one connection from stalling another: only the
// connection's own goroutines (its writer and its reader) ever wait for
// wmu. A sender that finds it held hands its packets to the session's
// queue (TryLock fails: not taken); Close that finds it held closes the
// socket at once, which fails the blocked write, and sends no close frame
// (a peer that does not read would not read it either).
//
// A non-blocking write may stop inside a frame; the unwritten end is kept
// in rest and written first by whoever writes next, so a pong or a close
// frame never lands inside a half-written data frame.

// frameBatch is the most bytes a write carries, cut at frame boundaries.
const (
	frameBatch     = 64 << 10
	maxFrameHeader = 10 // server frames are unmasked
)

var frameBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// closeFrameTimeout bounds the writing of a close frame by the reader,
// and the wait of a TLS close frame (see Close).
const closeFrameTimeout = time.Second

// WritePackets writes each packet as one frame. It must not be called
// concurrently with itself. It may block until WriteTimeout when the peer
// does not read; that delays nothing but this connection's own writes.
//
// The frames are built here and written in as few Write calls as possible
// (one per 64 KiB, never splitting a frame), so a batch of broadcasts to a
// client costs one syscall.
func (ws *WebSocket) WritePackets(pkts []codec.Packet) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if err := ws.writableLocked(); err != nil {
		return err
	}
	bp := frameBufPool.Get().(*[]byte)
	buf := append((*bp)[:0], ws.rest...)
	ws.rest = nil
	var err error
	for _, p := range pkts {
		n := ws.payloadLen(p)
		if len(buf) > 0 && len(buf)+n+maxFrameHeader > frameBatch {
			if _, err = ws.netConn.Write(buf); err != nil {
				break
			}
			buf = buf[:0]
		}
		buf = ws.appendPacketFrame(buf, p)
	}
	if err == nil && len(buf) > 0 {
		_, err = ws.netConn.Write(buf)
	}
	ws.broken = err != nil
	if cap(buf) <= 4*frameBatch { // do not keep the buffer of a huge message
		*bp = buf[:0]
		frameBufPool.Put(bp)
	}
	return err
}

// TryWritePackets writes pkts on the caller's goroutine without ever
// blocking: one write(2) on the non-blocking socket. It takes the packets
// (taken) only on a plain socket that no one else is writing, with nothing
// left over from an earlier try and a batch that fits one Write; then
// whatever the socket could not accept at once stays here (pending) and
// the next WritePackets writes it first. When taken is false nothing was
// written and the caller still owns the packets (it queues them for its
// writer). It must not be called concurrently with WritePackets.
//
// A sender that writes this way skips the hand-off to a writer goroutine
// (the cost of a small ack), and a slow peer never blocks it: a full socket
// leaves the rest to the writer, and a connection whose reader or writer
// is busy writing is not waited for.
func (ws *WebSocket) TryWritePackets(pkts []codec.Packet) (taken, pending bool, err error) {
	if ws.raw == nil {
		return false, false, nil
	}
	size := 0
	for _, p := range pkts {
		size += maxFrameHeader + ws.payloadLen(p)
	}
	if size > frameBatch {
		return false, false, nil
	}
	if !ws.wmu.TryLock() {
		return false, false, nil // someone is writing, maybe blocked: not waited for
	}
	defer ws.wmu.Unlock()
	if len(ws.rest) > 0 {
		return false, true, nil
	}
	// The deadline may have lapsed since the last blocking write, and a
	// raw write fails at once past it; keep it ahead as WritePackets does.
	if err := ws.writableLocked(); err != nil {
		return true, false, err
	}
	bp := frameBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, p := range pkts {
		buf = ws.appendPacketFrame(buf, p)
	}
	n, err := ws.rawWriteLocked(buf)
	ws.broken = err != nil
	if err == nil && n < len(buf) {
		ws.rest = append([]byte(nil), buf[n:]...)
	}
	*bp = buf[:0]
	frameBufPool.Put(bp)
	return true, len(ws.rest) > 0, err
}

// rawWriteLocked makes one non-blocking write(2) of b and returns how much
// the socket took. wmu must be held and ws.raw non-nil.
func (ws *WebSocket) rawWriteLocked(b []byte) (int, error) {
	ws.wbuf, ws.wn, ws.werr = b, 0, nil
	if err := ws.raw.Write(ws.rawWriteFn); err != nil {
		ws.werr = err
	}
	n, err := ws.wn, ws.werr
	ws.wbuf, ws.werr = nil, nil
	return n, err
}

// answerControl answers the peer's ping with a pong, on the reading
// goroutine; pongs need no answer (Engine.IO has heartbeat packets of its
// own). When the socket is full the reader waits here, which delays only
// this connection's reading: senders do not wait for it (see above).
func (ws *WebSocket) answerControl(op byte, payload []byte) error {
	if op != opPing {
		return nil
	}
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if err := ws.writableLocked(); err != nil {
		return err
	}
	return ws.writeAfterRestLocked(opPong, payload)
}

// writeAfterRestLocked writes one control frame, after the end of a frame
// a non-blocking write left unfinished. wmu must be held.
func (ws *WebSocket) writeAfterRestLocked(op byte, payload []byte) error {
	b := make([]byte, 0, len(ws.rest)+maxFrameHeader+len(payload))
	b = append(b, ws.rest...)
	ws.rest = nil
	b = appendFrameHeader(b, op, len(payload))
	_, err := ws.netConn.Write(append(b, payload...))
	ws.broken = err != nil
	return err
}

// writableLocked refuses writes after the close frame and keeps the write
// deadline ahead. wmu must be held.
func (ws *WebSocket) writableLocked() error {
	if ws.closeSent || ws.broken {
		return net.ErrClosed
	}
	return ws.extendWriteDeadline()
}

// extendWriteDeadline keeps the write deadline at least half a
// WriteTimeout ahead, re-arming it only when needed: setting a deadline
// costs about as much as a small write. wmu must be held.
func (ws *WebSocket) extendWriteDeadline() error {
	if ws.writeTimeout <= 0 || ws.closing.Load() {
		return nil // closing: Close's shorter deadline stands
	}
	now := time.Now()
	if ws.deadline.Sub(now) > ws.writeTimeout/2 {
		return nil
	}
	ws.deadline = now.Add(ws.writeTimeout)
	return ws.netConn.SetWriteDeadline(ws.deadline)
}

// payloadLen is the length of p's frame payload.
func (ws *WebSocket) payloadLen(p codec.Packet) int {
	switch {
	case ws.v3 && p.Binary && ws.b64:
		return wire.EncodedLenV3(p)
	case !p.Binary || ws.v3:
		return len(p.Data) + 1
	}
	return len(p.Data)
}

// appendPacketFrame appends p as one frame, compressed when the
// connection negotiated permessage-deflate and p is large enough.
func (ws *WebSocket) appendPacketFrame(buf []byte, p codec.Packet) []byte {
	if ws.deflateWanted(p) {
		return ws.appendDeflatedFrame(buf, p)
	}
	if ws.v3 && p.Binary {
		if ws.b64 {
			buf = appendFrameHeader(buf, opText, wire.EncodedLenV3(p))
			return wire.AppendPacketV3(buf, p)
		}
		buf = appendFrameHeader(buf, opBinary, len(p.Data)+1)
		buf = append(buf, byte(codec.PacketMessage))
		return append(buf, p.Data...)
	}
	if p.Binary {
		buf = appendFrameHeader(buf, opBinary, len(p.Data))
	} else {
		buf = appendFrameHeader(buf, opText, len(p.Data)+1)
		buf = append(buf, '0'+byte(p.Type))
	}
	return append(buf, p.Data...)
}

// appendFrameHeader appends the header of a final, unmasked server frame
// (RFC 6455 §5.2) of the given opcode and payload length.
func appendFrameHeader(b []byte, opcode byte, n int) []byte {
	return appendHeader(b, 0x80|opcode, n)
}

// appendHeader appends the header of an unmasked frame whose first byte
// (FIN, RSV bits, opcode) is b0.
func appendHeader(b []byte, b0 byte, n int) []byte {
	b = append(b, b0)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		return append(b, 127, byte(uint64(n)>>56), byte(uint64(n)>>48), byte(uint64(n)>>40), byte(uint64(n)>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// Close sends a close frame with the given status code and closes the
// connection. It is safe to call more than once and concurrently with
// reads and writes; only the first call has an effect. It never waits for
// the network or for another writer:
//
//   - on a plain socket that no one is writing, the close frame goes in one
//     non-blocking write (after the end of any half-written frame) and the
//     connection is closed before Close returns, unless a packet delivered
//     by ReadPackets is still being handled (Close may be called from that
//     very handler): its socket is then shut down before Close returns,
//     so the peer sees the end, and the descriptor is closed once the
//     handler returns (rdesc.go);
//   - when a write is in progress (perhaps blocked on a peer that does not
//     read), the deadline is pulled in so that it fails within a second at
//     most, and a goroutine of its own sends the close frame once it may
//     (not after a failed write: the stream may end inside a frame) and
//     closes the connection;
//   - on other connections (TLS) the close frame is written by such a
//     goroutine too, bounded by the same one-second deadline.
func (ws *WebSocket) Close(code int, reason string) {
	ws.closeOnce.Do(func() {
		ws.closing.Store(true)
		if !ws.wmu.TryLock() {
			_ = ws.netConn.SetWriteDeadline(time.Now().Add(closeFrameTimeout))
			go func() {
				ws.wmu.Lock()
				ws.finishLocked(code, reason)
			}()
			return
		}
		if ws.raw == nil {
			go ws.finishLocked(code, reason)
			return
		}
		ws.finishLocked(code, reason)
	})
}

// finishLocked writes the close frame, unless one was sent already or a
// write failed, releases wmu and closes the connection. wmu must be held.
func (ws *WebSocket) finishLocked(code int, reason string) {
	if !ws.closeSent && !ws.broken {
		ws.closeSent = true
		frame := ws.closeFrameLocked(code, reason)
		_ = ws.netConn.SetWriteDeadline(time.Now().Add(closeFrameTimeout))
		if ws.raw != nil {
			_, _ = ws.rawWriteLocked(frame) // takes what fits; the rest goes with the connection
		} else {
			_, _ = ws.netConn.Write(frame)
		}
	}
	ws.wmu.Unlock()
	ws.closeDescriptors()
	ws.forgetParked()
}

// forgetParked drops a parked reader's resume once the connection is
// closed: closing removed its registration from the epoll set, and after
// the close no new registration can succeed, so the latest id is the last.
func (ws *WebSocket) forgetParked() {
	if p := ws.fr.park.Load(); p != nil {
		parkPoller.forget(p.id.Load())
	}
}

// closeFrameLocked returns the close frame for code and reason, after the
// end of any half-written frame (which it takes from rest). wmu must be
// held.
func (ws *WebSocket) closeFrameLocked(code int, reason string) []byte {
	msg := websocket.FormatCloseMessage(code, reason)
	b := make([]byte, 0, len(ws.rest)+maxFrameHeader+len(msg))
	b = append(b, ws.rest...)
	ws.rest = nil
	b = appendFrameHeader(b, opClose, len(msg))
	return append(b, msg...)
}

// sendClose writes a close frame unless one was sent already, on the
// reading goroutine (a protocol error found while reading). It may wait
// for this connection's writer, which the deadline set first fails within
// closeFrameTimeout if it is stuck on a peer that does not read.
func (ws *WebSocket) sendClose(code int, reason string) {
	_ = ws.netConn.SetWriteDeadline(time.Now().Add(closeFrameTimeout))
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closeSent {
		return
	}
	if ws.broken {
		return
	}
	ws.closeSent = true
	_, _ = ws.netConn.Write(ws.closeFrameLocked(code, reason))
}
