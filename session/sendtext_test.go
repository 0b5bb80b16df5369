package session_test

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// SendText replaces ill-formed UTF-8, so the client's text frame is valid.
func TestSendTextInvalidUTF8(t *testing.T) {
	e := newEnv(t, envConfig{onSession: func(ss *serverSession) {
		ss.handle = func(ss *serverSession, _ []byte, _ bool) { _ = ss.SendText("a\xe2\x82b") }
	}})
	ws, _ := e.wsSession(t)
	if err := ws.Conn.WriteMessage(websocket.TextMessage, []byte("4x")); err != nil {
		t.Fatal(err)
	}
	_ = ws.Conn.SetReadDeadline(time.Now().Add(wait))
	for {
		_, msg, err := ws.Conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(msg) == "2" { // a ping
			continue
		}
		if string(msg) != "4a\uFFFDb" {
			t.Fatalf("got %q, want %q", msg, "4a\uFFFDb")
		}
		return
	}
}
