package transports

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// WebSocket is the Engine.IO WebSocket transport: one Engine.IO packet per
// frame, text packets as text frames ("4hello"), binary messages as binary
// frames with no type byte. gorilla/websocket performs the HTTP upgrade;
// frames are read (wsread.go) and written here, on the connection itself.
//
// Concurrency: one goroutine may call ReadPacket while another calls
// WritePackets; Close may be called from any goroutine at any time.
type WebSocket struct {
	netConn      net.Conn
	fr           *frameReader // used by the ReadPacket goroutine only
	writeTimeout time.Duration

	wmu       sync.Mutex // serialises frame writes: the writer's batches, control replies, the close frame
	deadline  time.Time  // guarded by wmu; the write deadline set last
	closeSent bool       // guarded by wmu
	closeOnce sync.Once

	// Non-blocking writes (TryWritePackets), plain sockets only.
	raw        syscall.RawConn       // nil: TryWritePackets never takes packets
	rawWriteFn func(fd uintptr) bool // rawWrite, bound once
	wbuf       []byte                // guarded by wmu; rawWrite's input
	wn         int                   // guarded by wmu; rawWrite's result
	werr       error                 // guarded by wmu
	rest       []byte                // guarded by wmu; frames TryWritePackets could not write, written first by WritePackets
}

// WebSocketConfig configures Upgrade.
type WebSocketConfig struct {
	// MaxPayload is the largest message accepted from the peer, in bytes. A
	// larger frame fails ReadPacket and the connection is closed with status
	// 1009 (message too big). Zero means no limit (not recommended).
	MaxPayload int64
	// WriteTimeout bounds each WritePackets call; zero means no deadline.
	WriteTimeout time.Duration
	// ReadBufferSize sizes the read buffer kept by connections that cannot
	// be read through the runtime poller directly (TLS): zero means 512
	// bytes. Plain TCP connections borrow a pooled buffer only while bytes
	// are arriving. WriteBufferSize is gorilla's handshake write buffer.
	ReadBufferSize, WriteBufferSize int
}

// writeBufferPool lets idle connections hold no write buffer: gorilla takes
// one from the pool only while a message is being written.
var writeBufferPool = &sync.Pool{}

// Upgrade performs the WebSocket handshake on an HTTP request. Origin
// policy is the caller's business (the HTTP middleware enforces it before
// the request gets here), so the upgrader accepts any Origin.
//
// On failure gorilla has already answered the request with an HTTP error.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg WebSocketConfig) (*WebSocket, error) {
	rb, wb := cfg.ReadBufferSize, cfg.WriteBufferSize
	if rb <= 0 {
		rb = 512 // frame headers and small messages; larger ones are read through
	}
	if wb <= 0 {
		wb = 4096
	}
	up := websocket.Upgrader{
		ReadBufferSize:  rb,
		WriteBufferSize: wb,
		WriteBufferPool: writeBufferPool,
		CheckOrigin:     func(*http.Request) bool { return true },
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	// From here on gorilla's Conn is dropped: the upgrade refuses a client
	// that sent bytes before it completed, so nothing is left in its
	// buffers, and frames are read and written on the connection itself.
	ws := &WebSocket{netConn: conn.NetConn(), writeTimeout: cfg.WriteTimeout}
	ws.fr = newFrameReader(ws.netConn, cfg.MaxPayload, rb, ws.answerControl)
	if ws.fr.raw != nil {
		ws.raw = ws.fr.raw
		ws.rawWriteFn = ws.rawWrite
	}
	return ws, nil
}

// ErrMessageTooBig reports a frame over the configured MaxPayload.
var ErrMessageTooBig = errors.New("transports: websocket message over MaxPayload")

// ReadPacket blocks for the next frame and decodes it. Errors from a
// malformed packet wrap codec.ErrInvalidPacket; a frame over MaxPayload
// gives ErrMessageTooBig; a clean close by the peer gives an error for
// which IsPeerClose reports true.
func (ws *WebSocket) ReadPacket() (codec.Packet, error) {
	op, data, err := ws.fr.next()
	if err != nil {
		if code := closeCode(err); code != 0 {
			// Tell the peer why at once, as the reference server does;
			// Close then only closes the connection.
			ws.sendClose(code, "")
		}
		return codec.Packet{}, err
	}
	if op == opBinary {
		return codec.DecodeBinaryFrame(data), nil
	}
	return codec.DecodePacket(data)
}

// ParkWhenIdle lets the reading goroutine go once the connection has been
// idle for after (no bytes, no frame half read): ReadPacket then returns
// ErrParked, and resume runs on a new goroutine, once, when bytes arrive;
// it should resume calling ReadPacket. An idle connection then costs no
// goroutine and no stack: this is what keeps a server with many quiet
// clients small. It only applies to plain TCP connections on Linux (for
// others it does nothing), and must be called before ReadPacket is used
// by a goroutine that may park.
//
// Parking times idleness with the connection's read deadline, so once it
// is enabled a deadline set with SetReadDeadline is replaced by the
// parking one: enable it only after any read deadline has done its job
// (the session enables it after the upgrade probe, which is the only
// deadline it sets).
func (ws *WebSocket) ParkWhenIdle(after time.Duration, resume func()) {
	if !parkSupported || ws.fr.raw == nil || after <= 0 {
		return
	}
	ws.fr.park.Store(&parking{after: after, resume: resume})
}

// answerControl answers the peer's ping with a pong; pongs need no answer
// (Engine.IO has heartbeat packets of its own).
func (ws *WebSocket) answerControl(op byte, payload []byte) error {
	if op != opPing {
		return nil
	}
	frame := appendFrameHeader(make([]byte, 0, maxFrameHeader+len(payload)), opPong, len(payload))
	return ws.writeFrames(append(frame, payload...))
}

// writableLocked refuses writes after the close frame and keeps the write
// deadline ahead. wmu must be held.
func (ws *WebSocket) writableLocked() error {
	if ws.closeSent {
		return net.ErrClosed
	}
	return ws.extendWriteDeadline()
}

// writeFrames writes whole frames in one Write.
func (ws *WebSocket) writeFrames(b []byte) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if err := ws.writableLocked(); err != nil {
		return err
	}
	_, err := ws.netConn.Write(b)
	return err
}

// IsPeerClose reports whether err means the peer went away on purpose
// (a close frame or an orderly end of the connection) rather than a fault.
func IsPeerClose(err error) bool {
	// 1006 is gorilla's code for a TCP end without a close frame: a tab
	// closed or a process killed. The reference server reports those as
	// "transport close" too.
	return websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway,
		websocket.CloseNoStatusReceived, websocket.CloseAbnormalClosure) ||
		errors.Is(err, syscall.ECONNRESET) // a reset is a peer going away too (a killed process)
}

// SetReadDeadline sets the deadline for ReadPacket; the upgrade timeout
// uses it so that a probe connection needs no timer of its own. Once
// ParkWhenIdle is enabled, parking manages the read deadline instead.
func (ws *WebSocket) SetReadDeadline(t time.Time) error { return ws.netConn.SetReadDeadline(t) }

// WritePackets writes each packet as one frame. It must not be called
// concurrently with itself.
//
// The frames are built here and written to the connection in as few Write
// calls as possible (one per 64 KiB, never splitting a frame), instead of
// one message (one syscall) per packet: a batch of broadcasts to a client
// costs one syscall. Each Write carries whole frames under wmu, so a
// control frame (a pong, the close) never lands inside a batch.
func (ws *WebSocket) WritePackets(pkts []codec.Packet) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if err := ws.writableLocked(); err != nil {
		return err
	}
	if len(ws.rest) > 0 {
		_, err := ws.netConn.Write(ws.rest)
		ws.rest = nil
		if err != nil {
			return err
		}
	}
	bp := frameBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	var err error
	for _, p := range pkts {
		n := len(p.Data)
		if !p.Binary {
			n++
		}
		if len(buf) > 0 && len(buf)+n+maxFrameHeader > frameBatch {
			if _, err = ws.netConn.Write(buf); err != nil {
				break
			}
			buf = buf[:0]
		}
		buf = appendPacketFrame(buf, p)
	}
	if err == nil && len(buf) > 0 {
		_, err = ws.netConn.Write(buf)
	}
	if cap(buf) <= 4*frameBatch { // do not keep the buffer of a huge message
		*bp = buf[:0]
		frameBufPool.Put(bp)
	}
	return err
}

// TryWritePackets writes pkts on the caller's goroutine without ever
// blocking: one write(2) on the non-blocking socket. It takes the packets
// (taken) only on a plain socket, with nothing left over from an earlier
// try and a batch that fits one Write; then whatever the socket could not
// accept at once stays here (pending) and the next WritePackets writes it
// first. When taken is false nothing was written and the caller still
// owns the packets. It must not be called concurrently with WritePackets.
//
// A sender that writes this way skips the hand-off to a writer goroutine
// (the cost of a small ack), and a slow peer never blocks it: a full
// socket just leaves the rest to the writer.
func (ws *WebSocket) TryWritePackets(pkts []codec.Packet) (taken, pending bool, err error) {
	if ws.raw == nil {
		return false, false, nil
	}
	size := 0
	for _, p := range pkts {
		size += maxFrameHeader + 1 + len(p.Data)
	}
	if size > frameBatch {
		return false, false, nil
	}
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closeSent {
		return true, false, net.ErrClosed
	}
	if len(ws.rest) > 0 {
		return false, false, nil
	}
	bp := frameBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, p := range pkts {
		buf = appendPacketFrame(buf, p)
	}
	ws.wbuf, ws.wn, ws.werr = buf, 0, nil
	if err := ws.raw.Write(ws.rawWriteFn); err != nil {
		ws.werr = err
	}
	n, err := ws.wn, ws.werr
	ws.wbuf = nil
	if err == nil && n < len(buf) {
		ws.rest = append([]byte(nil), buf[n:]...)
	}
	*bp = buf[:0]
	frameBufPool.Put(bp)
	return true, len(ws.rest) > 0, err
}

// appendPacketFrame appends p as one frame.
func appendPacketFrame(buf []byte, p codec.Packet) []byte {
	if p.Binary {
		buf = appendFrameHeader(buf, opBinary, len(p.Data))
	} else {
		buf = appendFrameHeader(buf, opText, len(p.Data)+1)
		buf = append(buf, '0'+byte(p.Type))
	}
	return append(buf, p.Data...)
}

// extendWriteDeadline keeps the write deadline at least half a
// WriteTimeout ahead, re-arming it only when needed: setting a deadline
// costs about as much as a small write. wmu must be held.
func (ws *WebSocket) extendWriteDeadline() error {
	if ws.writeTimeout <= 0 {
		return nil
	}
	now := time.Now()
	if ws.deadline.Sub(now) > ws.writeTimeout/2 {
		return nil
	}
	ws.deadline = now.Add(ws.writeTimeout)
	return ws.netConn.SetWriteDeadline(ws.deadline) // gorilla's own deadline only covers its writes
}

const (
	frameBatch     = 64 << 10 // bytes per Write call, at frame boundaries
	maxFrameHeader = 10       // server frames are unmasked
)

var frameBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendFrameHeader appends the header of a final, unmasked server frame
// (RFC 6455 §5.2) of the given opcode and payload length.
func appendFrameHeader(b []byte, opcode byte, n int) []byte {
	b = append(b, 0x80|opcode)
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

// Close sends a close frame with the given status code (best effort,
// bounded by a short deadline) and closes the connection. It is safe to
// call more than once and concurrently with reads and writes; only the
// first call has an effect.
func (ws *WebSocket) Close(code int, reason string) {
	ws.closeOnce.Do(func() {
		ws.sendClose(code, reason)
		_ = ws.netConn.Close()
		if p := ws.fr.park.Load(); p != nil {
			// Closing removed a parked reader's registration from the
			// epoll set; drop its resume too. After the close no new
			// registration can succeed, so the latest id is the last.
			parkPoller.forget(p.id.Load())
		}
	})
}

// sendClose writes a close frame unless one was sent already. A writer
// stuck on a full socket fails within a second and lets it through.
func (ws *WebSocket) sendClose(code int, reason string) {
	_ = ws.netConn.SetWriteDeadline(time.Now().Add(time.Second))
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closeSent {
		return
	}
	ws.closeSent = true
	msg := websocket.FormatCloseMessage(code, reason)
	frame := appendFrameHeader(make([]byte, 0, maxFrameHeader+len(msg)), opClose, len(msg))
	_, _ = ws.netConn.Write(append(frame, msg...))
}

// Close codes used by the session layer.
const (
	CloseNormal        = websocket.CloseNormalClosure
	CloseGoingAway     = websocket.CloseGoingAway
	CloseProtocolError = websocket.CloseProtocolError
	CloseTooBig        = websocket.CloseMessageTooBig
	ClosePolicy        = websocket.ClosePolicyViolation
	CloseInternalError = websocket.CloseInternalServerErr
)

// IsWebSocketRequest reports whether r asks for a WebSocket upgrade.
func IsWebSocketRequest(r *http.Request) bool {
	return websocket.IsWebSocketUpgrade(r)
}

func (ws *WebSocket) String() string { return fmt.Sprintf("websocket(%s)", ws.netConn.RemoteAddr()) }
