package transports

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The WebSocket reader is ours, not gorilla's (so is the handshake, in
// wsaccept.go): it is what lets an idle connection cost little. While nothing
// is buffered the reader holds no buffer (it takes one from a pool when
// bytes arrive) and waits for them in the runtime's poller directly, a
// shallow call chain, so the goroutine's stack shrinks back at the next
// garbage collections; gorilla's Conn would keep its buffers and its
// deeper read path for the life of the connection.

// Frame opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// Errors of the frame reader. ReadPacket answers each with a close frame
// of the matching status code (see closeCode).
var (
	// errProtocol reports a frame that breaks RFC 6455: reserved bits or
	// opcodes, an unmasked client frame, a bad control frame, a bad
	// continuation sequence.
	errProtocol = errors.New("transports: websocket protocol error")
	// errInvalidUTF8 reports a text message that is not valid UTF-8.
	errInvalidUTF8 = errors.New("transports: websocket text message is not valid UTF-8")
)

// closeCode is the status code of the close frame answering a read error;
// 0 for errors that leave nothing to answer.
func closeCode(err error) int {
	switch err {
	case errProtocol:
		return websocket.CloseProtocolError
	case errInvalidUTF8:
		return websocket.CloseInvalidFramePayloadData
	case ErrMessageTooBig:
		return websocket.CloseMessageTooBig
	case errDeflate:
		return websocket.CloseInvalidFramePayloadData
	}
	return 0
}

// ErrParked is returned by ReadPacket when the connection has been idle
// for the ParkWhenIdle period and the reading goroutine should end: the
// resume function runs on a new goroutine once bytes arrive.
var ErrParked = errors.New("transports: idle websocket parked")

var errParked = ErrParked

// errPeerEOF is what an end of the TCP stream without a close frame reads
// as: code 1006, as gorilla and browsers report it.
var errPeerEOF = &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: io.ErrUnexpectedEOF.Error()}

// readBufSize is the size of the pooled read buffers: frame headers and
// small messages are read into it, larger payloads straight into the
// message.
const readBufSize = 4096

var readBufPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// frameReader reads client frames (masked, RFC 6455 §5) from one
// connection. It is used by one goroutine at a time.
type frameReader struct {
	conn       net.Conn
	maxPayload int64

	// own is set when conn is a plain socket: reads go through the
	// runtime poller with rawRead (or the read-through's callback,
	// wsthrough.go), and the buffer is given back to the pool whenever
	// the reader has to wait with nothing buffered. For other
	// connections (TLS, wrappers) buf is kept and conn.Read used.
	own     *rdesc
	dups    atomic.Pointer[dupSet] // own's duplicates (rdesc.go); nil until one is needed
	rd      *rdesc                 // the descriptor reads go through now
	pendErr error                  // a read error found by the read-through, for the next readFrom
	rawFn   func(fd uintptr) bool  // rawRead, bound once (a method value allocates)
	rawDst  []byte                 // rawRead's target; nil: the buffer
	rawN    int
	rawErr  error
	buf     *[]byte
	r, w    int    // buffered bytes are (*buf)[r:w]
	msg     []byte // a fragmented message being assembled
	control func(op byte, payload []byte) error

	// Parking (see ParkWhenIdle); park is nil when disabled. Atomic:
	// enabled by the session once the reader runs, read by Close.
	park       atomic.Pointer[parking]
	reads      uint64 // successful reads, to tell an idle deadline from a busy one
	readsAtArm uint64

	// Small fields together: each on its own would take a word.
	msgOp   byte // the opcode of the fragmented message; 0 when none is in progress
	msgRSV1 bool // it is compressed
	ownBuf  bool
	// inflate is set when permessage-deflate was negotiated: a data
	// message whose first frame has RSV1 set is compressed. Set before
	// the reader is used.
	inflate  bool
	boundary bool // waiting for the first byte of a frame, no fragment pending
	armed    bool // the idle deadline is set
}

// parking is the state of a reader that gives up its goroutine when idle.
type parking struct {
	after  time.Duration
	resume func()
	id     atomic.Uint64 // the latest poller registration; read by Close
	added  bool          // the descriptor is in the poller's epoll set
}

func newFrameReader(conn net.Conn, maxPayload int64, bufSize int, control func(op byte, payload []byte) error) *frameReader {
	fr := &frameReader{conn: conn, maxPayload: maxPayload, control: control}
	if sc, ok := conn.(syscall.Conn); ok && rawReadSupported {
		if rc, err := sc.SyscallConn(); err == nil {
			fr.own = &rdesc{raw: rc, closer: conn}
			fr.rd = fr.own
			fr.rawFn = fr.rawRead
			return fr
		}
	}
	b := make([]byte, max(bufSize, 2+8+4))
	fr.buf, fr.ownBuf = &b, true
	return fr
}

// readFrom reads into p (or, with p nil, into the free part of the buffer,
// taking one from the pool if needed) and returns how many bytes arrived.
// End of stream is io.EOF.
func (fr *frameReader) readFrom(p []byte) (int, error) {
	if fr.own == nil {
		if p == nil {
			p = (*fr.buf)[fr.w:]
		}
		n, err := fr.conn.Read(p)
		if n > 0 {
			return n, nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return 0, err
	}
	if err := fr.pendErr; err != nil {
		fr.pendErr = nil
		return 0, err
	}
	fr.rawDst, fr.rawN, fr.rawErr = p, 0, nil
	if err := fr.rawWait(fr.rawFn); err != nil {
		return 0, err // after errParked, fr must not be touched
	}
	fr.rawDst = nil
	if fr.rawN > 0 {
		return fr.rawN, nil
	}
	if fr.rawErr != nil {
		return 0, fr.rawErr
	}
	return 0, io.EOF
}

// rawWait calls syscall.RawConn.Read with fn on the descriptor reads go
// through (pickDesc), parking the reader when the connection has been
// idle long enough (ParkWhenIdle). It returns errParked once parked: fr
// must not be touched from then on.
func (fr *frameReader) rawWait(fn func(fd uintptr) bool) error {
	pk := fr.park.Load()
	for {
		if err := fr.pickDesc(); err != nil {
			return err
		}
		d := fr.rd
		own := d == fr.own
		if pk != nil && own && !fr.armed {
			// A deadline, not a timer of our own: it is re-armed once per
			// idle period, not per read. Parking is from the connection's
			// own descriptor only.
			fr.armed, fr.readsAtArm = true, fr.reads
			if err := fr.conn.SetReadDeadline(time.Now().Add(pk.after)); err != nil {
				return err
			}
		}
		err := d.raw.Read(fn)
		if err == nil {
			return nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if !own {
			// Woken to go back to the connection's own descriptor
			// (wsthrough.go): pickDesc does.
			_ = d.file.SetReadDeadline(time.Time{})
			continue
		}
		if pk == nil {
			return err
		}
		// The idle deadline passed. Park only if nothing was read since
		// it was set and no frame is half read; otherwise wait again.
		fr.armed = false
		if fr.reads != fr.readsAtArm || !fr.boundary || fr.r != fr.w || fr.msgOp != 0 {
			continue
		}
		if err := fr.conn.SetReadDeadline(time.Time{}); err != nil {
			return err
		}
		fr.release()
		if err := parkPoller.park(fr.own.raw, &pk.added, &pk.id, pk.resume); err != nil {
			continue // cannot park (closed, or no epoll): keep the goroutine
		}
		return errParked // fr must not be touched from here on
	}
}

// pickDesc chooses the descriptor the next read goes through: the
// connection's own unless a delivery still runs inside a read on it (the
// reader before this one was handed off from inside that delivery: see
// rdesc.go), in which case a duplicate, until that delivery has left.
func (fr *frameReader) pickDesc() error {
	own, cur := fr.own, fr.rd
	if !cur.delivering() {
		if cur != own && !own.delivering() {
			fr.backToOwn(cur)
		}
		return nil
	}
	// The reader before this one was handed off from inside a delivery
	// on cur: read through a new duplicate.
	ds := fr.dupSet()
	d, err := ds.newDup(own)
	if err != nil {
		return err
	}
	fr.rd, fr.armed = d, false
	// Published before own is looked at: a delivery leaving own clears
	// its mark before it looks at reading (wsthrough.go), so one of the
	// two sees the other.
	ds.reading.Store(d)
	if cur != own {
		ds.dropDup(cur)
	}
	if !own.delivering() {
		fr.backToOwn(d)
	}
	return nil
}

// backToOwn moves the reader from the duplicate d back to the
// connection's own descriptor.
func (fr *frameReader) backToOwn(d *rdesc) {
	ds := fr.dups.Load() // d came from it
	ds.reading.Store(nil)
	fr.rd = fr.own
	ds.dropDup(d)
}

// fill reads at least once more into the buffer, compacting it first.
func (fr *frameReader) fill() error {
	fr.compact()
	n, err := fr.readFrom(nil)
	if err == errParked {
		return err // resume owns fr now: not even fr.w may be written
	}
	fr.w += n
	return err
}

// compact moves the buffered bytes to the start of the buffer.
func (fr *frameReader) compact() {
	if fr.buf != nil && fr.r > 0 {
		n := copy(*fr.buf, (*fr.buf)[fr.r:fr.w])
		fr.r, fr.w = 0, n
	}
}

// ensure buffers at least n (≤ the buffer size) bytes.
func (fr *frameReader) ensure(n int) error {
	for fr.w-fr.r < n {
		if err := fr.fill(); err != nil {
			return err
		}
	}
	return nil
}

// release gives the buffer back to the pool if it is a pooled one and
// holds nothing. A read error is final for the connection (the session
// closes it), so what a failed read left buffered is never needed.
func (fr *frameReader) release() {
	if fr.buf != nil && !fr.ownBuf && fr.r == fr.w {
		readBufPool.Put(fr.buf)
		fr.buf, fr.r, fr.w = nil, 0, 0
	}
}

// next returns the next complete data message (opcode opText or
// opBinary), answering control frames on the way. A close frame from the
// peer gives a *websocket.CloseError.
func (fr *frameReader) next() (byte, []byte, error) {
	for {
		fr.boundary = fr.msgOp == 0
		op, fin, rsv1, payload, err := fr.frame()
		if err == errParked {
			return 0, nil, err // resume owns the reader now
		}
		if err != nil {
			fr.msg, fr.msgOp, fr.msgRSV1 = nil, 0, false
			fr.release()
			if err == io.EOF {
				err = errPeerEOF
			}
			return 0, nil, err
		}
		switch op {
		case opPing, opPong:
			if err := fr.control(op, payload); err != nil {
				fr.release()
				return 0, nil, err
			}
			continue
		case opClose:
			fr.release()
			return 0, nil, fr.peerClose(payload)
		}
		if op == opContinuation {
			op, rsv1 = fr.msgOp, fr.msgRSV1
			payload = append(fr.msg, payload...)
		}
		if !fin {
			fr.msg, fr.msgOp, fr.msgRSV1 = payload, op, rsv1
			continue
		}
		fr.msg, fr.msgOp, fr.msgRSV1 = nil, 0, false
		fr.release()
		if rsv1 {
			// The frames' payloads were bounded by MaxPayload as they
			// arrived; the inflated message is bounded while inflating.
			if payload, err = inflate(payload, fr.maxPayload); err != nil {
				return 0, nil, err
			}
		}
		if op == opText && !utf8.Valid(payload) {
			return 0, nil, errInvalidUTF8
		}
		if payload == nil {
			payload = []byte{} // an empty attachment is empty, not absent
		}
		return op, payload, nil
	}
}

// frame reads one frame and unmasks its payload. rsv1 reports a
// compressed message's first frame.
func (fr *frameReader) frame() (op byte, fin, rsv1 bool, payload []byte, err error) {
	if err := fr.ensure(2); err != nil {
		return 0, false, false, nil, err
	}
	fr.boundary = false
	b := (*fr.buf)[fr.r:]
	fin, op, rsv1 = b[0]&0x80 != 0, b[0]&0x0f, b[0]&0x40 != 0
	if fr.badStart(b[0], b[1]) {
		return 0, false, false, nil, errProtocol
	}
	hl := headerLen(b[1])
	if err := fr.ensure(hl); err != nil {
		return 0, false, false, nil, err
	}
	b = (*fr.buf)[fr.r:]
	n := payloadLen(b)
	var key [4]byte
	copy(key[:], b[hl-4:hl])
	fr.r += hl

	switch op {
	case opClose, opPing, opPong:
		if !fin || n > 125 {
			return 0, false, false, nil, errProtocol
		}
	case opText, opBinary:
		if fr.msgOp != 0 {
			return 0, false, false, nil, errProtocol // a new message inside a fragmented one
		}
	case opContinuation:
		if fr.msgOp == 0 {
			return 0, false, false, nil, errProtocol
		}
	default:
		return 0, false, false, nil, errProtocol
	}
	if n >= 1<<63 {
		return 0, false, false, nil, errProtocol // the most significant bit must be 0
	}
	if op < opClose && fr.maxPayload > 0 && n+uint64(len(fr.msg)) > uint64(fr.maxPayload) {
		return 0, false, false, nil, ErrMessageTooBig
	}
	payload, err = fr.payload(int64(n))
	if err != nil {
		return 0, false, false, nil, err
	}
	maskBytes(key, payload)
	return op, fin, rsv1, payload, nil
}

// badStart reports whether a client frame's first two bytes break RFC
// 6455 here. RSV1 is permessage-deflate's (RFC 7692 §6), valid only when
// it was negotiated, and only on the first frame of a data message; RSV2
// and RSV3 belong to no extension we accept. Clients must mask.
func (fr *frameReader) badStart(b0, b1 byte) bool {
	op, rsv1 := b0&0x0f, b0&0x40 != 0
	return b0&0x30 != 0 || (rsv1 && (!fr.inflate || (op != opText && op != opBinary))) || b1&0x80 == 0
}

// headerLen is the length of a masked frame's header, from its second
// byte.
func headerLen(b1 byte) int {
	switch b1 & 0x7f {
	case 126:
		return 2 + 2 + 4
	case 127:
		return 2 + 8 + 4
	}
	return 2 + 4
}

// payloadLen is the payload length a frame header announces; b holds at
// least headerLen(b[1]) bytes.
func payloadLen(b []byte) uint64 {
	switch b[1] & 0x7f {
	case 126:
		return uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		return binary.BigEndian.Uint64(b[2:])
	}
	return uint64(b[1] & 0x7f)
}

// payload reads the n bytes of a frame's payload into a new slice.
// Memory grows with the bytes that actually arrive, never with what a
// header announces.
func (fr *frameReader) payload(n int64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	const chunk = 64 << 10
	p := make([]byte, 0, min(n, chunk))
	for int64(len(p)) < n {
		if fr.r < fr.w {
			k := min(int64(fr.w-fr.r), n-int64(len(p)))
			p = append(p, (*fr.buf)[fr.r:fr.r+int(k)]...)
			fr.r += int(k)
			continue
		}
		// Nothing buffered: read the rest straight into p, growing it
		// chunk by chunk.
		if len(p) == cap(p) {
			p = append(p, make([]byte, min(n-int64(len(p)), chunk))...)[:len(p)]
		}
		k, err := fr.readFrom(p[len(p):min(int64(cap(p)), n)])
		if err != nil {
			return nil, err
		}
		p = p[:len(p)+k]
	}
	return p, nil
}

// peerClose validates a close frame's payload and turns it into the error
// ReadPacket returns; the reply is sent by the caller's Close.
func (fr *frameReader) peerClose(payload []byte) error {
	if len(payload) == 0 {
		return &websocket.CloseError{Code: websocket.CloseNoStatusReceived}
	}
	if len(payload) == 1 {
		return errProtocol
	}
	code := int(binary.BigEndian.Uint16(payload))
	if !validCloseCode(code) || !utf8.Valid(payload[2:]) {
		return errProtocol
	}
	return &websocket.CloseError{Code: code, Text: string(payload[2:])}
}

// validCloseCode reports whether a peer may send code (RFC 6455 §7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014: // 1012–1014 are IANA-registered
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// maskBytes applies the client's masking key (RFC 6455 §5.3).
func maskBytes(key [4]byte, b []byte) {
	k := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(b[i:], v^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}
