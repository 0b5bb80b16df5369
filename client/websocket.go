package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// wsTransport is one WebSocket connection: one Engine.IO packet per
// message, binary messages carrying raw data. The engine's writer is its
// only writer (and, before that, the probe); wsLoop its only reader.
type wsTransport struct {
	e    *engine
	conn *websocket.Conn
	out  []byte // the writer's encoding buffer
}

func (w *wsTransport) name() string { return WebSocket }

// dialWebSocket opens a WebSocket to the server (a handshake when sid is
// empty, else a probe for an upgrade).
func dialWebSocket(ctx context.Context, e *engine, sid string) (*wsTransport, error) {
	d := e.cfg.dialer
	conn, resp, err := d.DialContext(ctx, e.ep.url(WebSocket, sid), e.cfg.header)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w (%v)", cerr, err)
		} else if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The dialer's deadline, which comes from ctx, may expire
			// just before ctx does.
			err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
		te := &TransportError{Transport: WebSocket, Code: -1, Err: err}
		if resp != nil {
			te.StatusCode = resp.StatusCode
			if resp.Body != nil {
				var answer struct {
					Code    *int   `json:"code"`
					Message string `json:"message"`
				}
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				if json.Unmarshal(b, &answer) == nil && answer.Code != nil {
					te.Code, te.Message = *answer.Code, answer.Message
				}
			}
		}
		return nil, te
	}
	if e.cfg.maxReadSize > 0 {
		conn.SetReadLimit(e.cfg.maxReadSize)
	}
	return &wsTransport{e: e, conn: conn}, nil
}

// readOpen reads the open packet of a WebSocket handshake within ctx.
func (w *wsTransport) readOpen(ctx context.Context) (codec.Packet, error) {
	stop := context.AfterFunc(ctx, func() { _ = w.conn.Close() })
	defer stop()
	typ, data, err := w.conn.ReadMessage()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return codec.Packet{}, &TransportError{Transport: WebSocket, Code: -1, Err: err}
	}
	if typ != websocket.TextMessage {
		return codec.Packet{}, &TransportError{Transport: WebSocket, Code: -1, Err: errHandshake}
	}
	pk, err := codec.DecodePacket(data)
	if err != nil || pk.Type != codec.PacketOpen {
		return codec.Packet{}, &TransportError{Transport: WebSocket, Code: -1, Err: errHandshake}
	}
	return pk, nil
}

// write sends a batch, one message per packet, within the write timeout.
// Closing the connection (closeNow) ends a blocked write.
func (w *wsTransport) write(_ context.Context, pkts []codec.Packet) error {
	if d := w.e.writeTimeout(); d > 0 {
		_ = w.conn.SetWriteDeadline(time.Now().Add(d))
	}
	for _, p := range pkts {
		var err error
		if p.Binary {
			err = w.conn.WriteMessage(websocket.BinaryMessage, p.Data)
		} else {
			w.out = codec.AppendPacket(w.out[:0], p)
			err = w.conn.WriteMessage(websocket.TextMessage, w.out)
		}
		if err != nil {
			return &TransportError{Transport: WebSocket, Code: -1, Err: err}
		}
	}
	if cap(w.out) > 64<<10 {
		w.out = nil // a large packet's buffer is not kept
	}
	return nil
}

// closeFrame sends a normal-closure frame (graceful close), briefly.
func (w *wsTransport) closeFrame() {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = w.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}

// wsLoop is the reading goroutine on WebSocket.
func (e *engine) wsLoop(w *wsTransport) {
	for {
		typ, data, err := w.conn.ReadMessage()
		if err != nil {
			// As in the JS client: the connection closing (whatever the
			// cause) is "transport close", a protocol failure "transport
			// error".
			reason := ReasonTransportClose
			if errors.Is(err, websocket.ErrReadLimit) {
				reason = ReasonTransportError
			}
			e.closeNow(reason, &TransportError{Transport: WebSocket, Code: -1, Err: err})
			return
		}
		var pk codec.Packet
		if typ == websocket.BinaryMessage {
			pk = codec.DecodeBinaryFrame(data)
		} else if pk, err = codec.DecodePacket(data); err != nil {
			e.closeNow(ReasonTransportError, &TransportError{Transport: WebSocket, Code: -1, Err: err})
			return
		}
		if e.receive(pk) {
			return
		}
	}
}
