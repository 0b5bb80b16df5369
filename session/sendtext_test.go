package session_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
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

// A polling body is read as the reference reads it, as a JS string:
// ill-formed UTF-8 arrives as U+FFFD, one per maximal subpart, in every
// text packet of the payload, while base64 binary packets and valid text
// are untouched and the session stays open.
func TestPollingBodyInvalidUTF8(t *testing.T) {
	e := newEnv(t, envConfig{})
	p, ss := e.pollingSession(t)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	body := "4a\xe2\x82b\x1e4\xf0\x9f\x98\x80\xff\x1ebAQID\x1e4\xed\xa0\x80\x1e4ok é"
	resp, err := p.Post(ctx, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		t.Fatalf("POST answered %d %q", resp.Status, resp.Body)
	}
	for _, want := range []eiotest.Packet{
		{Type: 4, Data: []byte("a\uFFFDb")},
		{Type: 4, Data: []byte("😀\uFFFD")},
		{Type: 4, Data: []byte{1, 2, 3}, Binary: true},
		{Type: 4, Data: []byte("\uFFFD\uFFFD\uFFFD")},
		{Type: 4, Data: []byte("ok é")},
	} {
		got := ss.nextMsg(t)
		if got.Binary != want.Binary || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("server received %+v (%q), want %q", got, got.Data, want.Data)
		}
	}
	if !ss.isOpen() {
		t.Fatal("the session was closed")
	}
}
