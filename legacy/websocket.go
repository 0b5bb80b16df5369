package legacy

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/session"
)

// serveWebSocket serves the websocket and flashsocket transports: an RFC
// 6455 WebSocket whose text messages are 0.6 payloads both ways. The
// request's goroutine writes; a second one reads. c is nil for a new
// connection.
//
// gorilla/websocket's Conn is used as is (unlike the Engine.IO transport,
// which parks idle connections): 0.6 clients are few, and a goroutine per
// connection is what the 0.6 server cost too.
func (s *Server) serveWebSocket(c *Conn, rt route, w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // gorilla has answered
	}
	defer ws.Close()
	if c == nil {
		if c, err = s.open(r); err != nil {
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		}
	}
	ws.SetReadLimit(c.maxPayload)
	a, err := c.attach(rt.transport, true)
	if err != nil {
		return
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			typ, data, err := ws.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				switch {
				case errors.Is(err, websocket.ErrReadLimit):
					c.closeNow(session.ReasonTransportError, ErrMessageTooBig)
				case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
					// The client closed on purpose (socket.disconnect(),
					// page unload): no reconnection will follow.
					c.closeNow(session.ReasonTransportClose, nil)
				}
				return
			}
			if typ != websocket.TextMessage {
				c.closeNow(session.ReasonParseError, errors.New("socket.io 0.6: binary websocket message"))
				return
			}
			if c.receive(string(data)) != nil {
				return
			}
		}
	}()
	c.serve(a, readDone, false, func(payload string) error {
		_ = ws.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
		return ws.WriteMessage(websocket.TextMessage, []byte(payload))
	})
	c.detach(a)
	select {
	case <-readDone:
	default:
		// Ending the transport: say why, then close, which ends the reader.
		code, reason := websocket.CloseNormalClosure, ""
		if errors.Is(c.closeCause(), ErrMessageTooBig) {
			code = websocket.CloseMessageTooBig
		}
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		_ = ws.Close()
		<-readDone
	}
}

func (c *Conn) closeCause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}
