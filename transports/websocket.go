package transports

import (
	"errors"
	"fmt"
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
	writeTimeout time.Duration
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
	return &WebSocket{conn: conn, writeTimeout: cfg.WriteTimeout}, nil
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
func (ws *WebSocket) WritePackets(pkts []codec.Packet) error {
	if ws.writeTimeout > 0 {
		if err := ws.conn.SetWriteDeadline(time.Now().Add(ws.writeTimeout)); err != nil {
			return err
		}
	}
	for _, p := range pkts {
		if err := ws.writePacket(p); err != nil {
			return err
		}
	}
	return nil
}

func (ws *WebSocket) writePacket(p codec.Packet) error {
	if p.Binary {
		return ws.conn.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	w, err := ws.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	// Type digit and data go through gorilla's buffer: no concatenated copy.
	if _, err := w.Write([]byte{'0' + byte(p.Type)}); err != nil {
		return err
	}
	if _, err := w.Write(p.Data); err != nil {
		return err
	}
	return w.Close()
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
