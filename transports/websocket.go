package transports

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// WebSocket is the Engine.IO WebSocket transport over one gorilla/websocket
// connection: one Engine.IO packet per frame, text packets as text frames
// ("4hello"), binary messages as binary frames with no type byte.
//
// Concurrency: one goroutine may call ReadPacket while another calls
// WritePackets; Close may be called from any goroutine at any time.
type WebSocket struct {
	conn         *websocket.Conn
	netConn      net.Conn // the connection under conn: WritePackets writes frames to it directly
	writeTimeout time.Duration
	deadline     time.Time // the write deadline set last; used by the writer only
	closeOnce    sync.Once
}

// WebSocketConfig configures Upgrade.
type WebSocketConfig struct {
	// MaxPayload is the largest message accepted from the peer, in bytes. A
	// larger frame fails ReadPacket and the connection is closed with status
	// 1009 (message too big). Zero means no limit (not recommended).
	MaxPayload int64
	// WriteTimeout bounds each WritePackets call; zero means no deadline.
	WriteTimeout time.Duration
	// ReadBufferSize and WriteBufferSize size gorilla's I/O buffers. Zero
	// means 512 and 4096 bytes.
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
	if cfg.MaxPayload > 0 {
		conn.SetReadLimit(cfg.MaxPayload)
	}
	return &WebSocket{conn: conn, netConn: conn.NetConn(), writeTimeout: cfg.WriteTimeout}, nil
}

// ErrMessageTooBig reports a frame over the configured MaxPayload.
var ErrMessageTooBig = errors.New("transports: websocket message over MaxPayload")

// ReadPacket blocks for the next frame and decodes it. Errors from a
// malformed packet wrap codec.ErrInvalidPacket; a frame over MaxPayload
// gives ErrMessageTooBig; a clean close by the peer gives an error for
// which IsPeerClose reports true.
func (ws *WebSocket) ReadPacket() (codec.Packet, error) {
	typ, data, err := ws.conn.ReadMessage()
	if err != nil {
		if errors.Is(err, websocket.ErrReadLimit) {
			return codec.Packet{}, ErrMessageTooBig
		}
		return codec.Packet{}, err
	}
	if typ == websocket.BinaryMessage {
		return codec.DecodeBinaryFrame(data), nil
	}
	return codec.DecodePacket(data)
}

// IsPeerClose reports whether err means the peer went away on purpose
// (a close frame or an orderly end of the connection) rather than a fault.
func IsPeerClose(err error) bool {
	// 1006 is gorilla's code for a TCP end without a close frame: a tab
	// closed or a process killed. The reference server reports those as
	// "transport close" too.
	return websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway,
		websocket.CloseNoStatusReceived, websocket.CloseAbnormalClosure)
}

// SetReadDeadline sets the deadline for ReadPacket; the upgrade timeout
// uses it so that a probe connection needs no timer of its own.
func (ws *WebSocket) SetReadDeadline(t time.Time) error { return ws.conn.SetReadDeadline(t) }

// WritePackets writes each packet as one frame. It must not be called
// concurrently with itself.
//
// The frames are built here and written to the connection in as few Write
// calls as possible (one per 64 KiB, never splitting a frame), instead of
// one gorilla message (one syscall) per packet: a batch of broadcasts to a
// client costs one syscall. Each Write carries whole frames, and net.Conn
// serialises Write calls, so gorilla's own control frames (a close, a
// pong) can never land inside one of ours.
func (ws *WebSocket) WritePackets(pkts []codec.Packet) error {
	if err := ws.extendWriteDeadline(); err != nil {
		return err
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
		if p.Binary {
			buf = appendFrameHeader(buf, websocket.BinaryMessage, n)
		} else {
			buf = appendFrameHeader(buf, websocket.TextMessage, n)
			buf = append(buf, '0'+byte(p.Type))
		}
		buf = append(buf, p.Data...)
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

// extendWriteDeadline keeps the write deadline at least half a
// WriteTimeout ahead, re-arming it only when needed: setting a deadline
// costs about as much as a small write.
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
func appendFrameHeader(b []byte, opcode, n int) []byte {
	b = append(b, 0x80|byte(opcode))
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
		msg := websocket.FormatCloseMessage(code, reason)
		_ = ws.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = ws.conn.Close()
	})
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

func (ws *WebSocket) String() string { return fmt.Sprintf("websocket(%s)", ws.conn.RemoteAddr()) }
