package transports

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// WebSocket is the Engine.IO WebSocket transport: one Engine.IO packet per
// frame, text packets as text frames ("4hello"), binary messages as binary
// frames with no type byte. The handshake (wsaccept.go), the reading
// (wsread.go) and the writing (wswrite.go) of frames are ours, on the
// connection itself; gorilla/websocket lends its close codes and errors.
//
// Concurrency: one goroutine at a time may read (ReadPacket or
// ReadPackets; a ReadPackets delivery returning false passes that right
// on) while another calls WritePackets; TryWritePackets and Close may be
// called from any goroutine at any time, a ReadPackets delivery included,
// and never block (see wswrite.go for who waits for whom).
type WebSocket struct {
	netConn      net.Conn
	fr           *frameReader // used by the ReadPacket goroutine only
	writeTimeout time.Duration

	// wmu is held by whoever is writing frames: the session's writer
	// (WritePackets), a sender's non-blocking TryWritePackets, the reader
	// answering a ping, the close frame. Only goroutines that belong to
	// this connection (its writer and its reader) wait for it; a sender or
	// a Close that finds it held goes on without waiting.
	wmu       sync.Mutex
	deadline  time.Time // guarded by wmu; the write deadline set last
	closeSent bool      // guarded by wmu
	broken    bool      // guarded by wmu; a write failed: the stream may end inside a frame, nothing more is written
	rest      []byte    // guarded by wmu; the unwritten end of frames a non-blocking write began
	closeOnce sync.Once
	closing   atomic.Bool // Close was called: the write deadline is no longer extended

	// Engine.IO v3 framing (SetV3), set before the connection is used.
	v3, b64 bool

	// deflate is set when permessage-deflate was negotiated: messages of
	// at least deflate.Threshold bytes are compressed (wsdeflate.go).
	deflate *DeflateConfig

	// Non-blocking writes (TryWritePackets), plain sockets only.
	raw        syscall.RawConn       // nil: TryWritePackets never takes packets
	rawWriteFn func(fd uintptr) bool // rawWrite, bound once
	wbuf       []byte                // guarded by wmu; rawWrite's input
	wn         int                   // guarded by wmu; rawWrite's result
	werr       error                 // guarded by wmu
}

// WebSocketConfig configures Upgrade.
type WebSocketConfig struct {
	// MaxPayload is the largest message accepted from the peer, in bytes
	// (after inflating, for a compressed one). A larger message fails
	// ReadPacket and the connection is closed with status 1009 (message
	// too big). Zero means no limit (not recommended).
	MaxPayload int64
	// WriteTimeout bounds each WritePackets call; zero means no deadline.
	WriteTimeout time.Duration
	// ReadBufferSize sizes the read buffer kept by connections that cannot
	// be read through the runtime poller directly (TLS): zero means 512
	// bytes. Plain TCP connections borrow a pooled buffer only while bytes
	// are arriving. WriteBufferSize is not used any more: the handshake
	// response is written by itself, and frames are built in pooled
	// buffers.
	ReadBufferSize, WriteBufferSize int
	// Deflate, when non-nil, accepts the permessage-deflate extension
	// (RFC 7692) from clients that offer it; see DeflateConfig. Nil
	// declines every offer.
	Deflate *DeflateConfig
}

// Upgrade performs the WebSocket handshake on an HTTP request (wsaccept.go).
// Origin policy is the caller's business (the HTTP middleware enforces it
// before the request gets here), so any Origin is accepted.
//
// On failure the request has already been answered with an HTTP error.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg WebSocketConfig) (*WebSocket, error) {
	return accept(w, r, cfg)
}

// newWebSocket wraps a connection whose handshake is done.
func newWebSocket(netConn net.Conn, cfg WebSocketConfig) *WebSocket {
	rb := cfg.ReadBufferSize
	if rb <= 0 {
		rb = 512 // frame headers and small messages; larger ones are read through
	}
	ws := &WebSocket{netConn: netConn, writeTimeout: cfg.WriteTimeout}
	ws.fr = newFrameReader(ws.netConn, cfg.MaxPayload, rb, ws.answerControl)
	if ws.fr.own != nil {
		ws.raw = ws.fr.own.raw
		ws.rawWriteFn = ws.rawWrite
	}
	return ws
}

// Deflate reports whether the connection negotiated permessage-deflate.
func (ws *WebSocket) Deflate() bool { return ws.deflate != nil }

// SetV3 switches the connection to Engine.IO v3 framing: binary frames
// carry a leading type byte, and a text frame "b4<base64>" is a binary
// message. With b64 (the client asked for it with the b64 query
// parameter: it cannot take binary frames) binary messages are written as
// such text frames. It must be called before the connection is read or
// written.
func (ws *WebSocket) SetV3(b64 bool) { ws.v3, ws.b64 = true, b64 }

// ErrMessageTooBig reports a frame over the configured MaxPayload.
var ErrMessageTooBig = errors.New("transports: websocket message over MaxPayload")

// ReadPacket blocks for the next frame and decodes it. Errors from a
// malformed packet wrap codec.ErrInvalidPacket; a frame over MaxPayload
// gives ErrMessageTooBig; a clean close by the peer gives an error for
// which IsPeerClose reports true.
func (ws *WebSocket) ReadPacket() (codec.Packet, error) {
	return ws.packet(ws.fr.next())
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
	if !parkSupported || ws.fr.own == nil || after <= 0 {
		return
	}
	ws.fr.park.Store(&parking{after: after, resume: resume})
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

// Close codes used by the session layer.
const (
	CloseNormal        = websocket.CloseNormalClosure
	CloseGoingAway     = websocket.CloseGoingAway
	CloseProtocolError = websocket.CloseProtocolError
	CloseTooBig        = websocket.CloseMessageTooBig
	ClosePolicy        = websocket.ClosePolicyViolation
)

// IsWebSocketRequest reports whether r asks for a WebSocket upgrade.
func IsWebSocketRequest(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func (ws *WebSocket) String() string { return fmt.Sprintf("websocket(%s)", ws.netConn.RemoteAddr()) }
