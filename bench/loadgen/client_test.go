//go:build linux

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/mpack"
)

// fakeMsgpackServer speaks just enough Socket.IO with
// socket.io-msgpack-parser's format: the open packet, the CONNECT reply,
// and an ack for every "ping", written compressed when deflate.
func fakeMsgpackServer(t *testing.T, deflate bool) *httptest.Server {
	up := websocket.Upgrader{EnableCompression: deflate}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.EnableWriteCompression(deflate)
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
		for {
			mt, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if mt != websocket.BinaryMessage {
				continue
			}
			p, err := mpack.DecodePacket(b)
			if err != nil {
				t.Errorf("server: %v", err)
				return
			}
			var out []byte
			switch p.Type {
			case mpack.Connect: // {type:0, data:{sid:"x"}, nsp:"/"}
				out = append(out, 0x83, 0xa4, 't', 'y', 'p', 'e', 0x00, 0xa4, 'd', 'a', 't', 'a', 0x81)
				out = mpack.AppendStr(out, "sid")
				out = mpack.AppendStr(out, "x")
				out = append(out, 0xa3, 'n', 's', 'p', 0xa1, '/')
			case mpack.Event: // the ack {type:3, data:<the event's args>, id, nsp:"/"} with the ping's own data
				out = append(out, 0x84, 0xa4, 't', 'y', 'p', 'e', 0x03, 0xa4, 'd', 'a', 't', 'a')
				out = append(out, p.Data...)
				out = append(out, 0xa2, 'i', 'd')
				out = mpack.AppendUint(out, p.ID)
				out = append(out, 0xa3, 'n', 's', 'p', 0xa1, '/')
			}
			if err := ws.WriteMessage(websocket.BinaryMessage, out); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAckMsgpackDeflate(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		srv := fakeMsgpackServer(t, deflate)
		cfg := &config{url: srv.URL, mode: "sio", parser: "msgpack", deflate: deflate, srcIPs: 1, srcFirst: 1, payload: 2048, pad: "text"}
		ep, d, err := setup(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ep.open(context.Background(), d, 0)
		if err != nil {
			t.Fatalf("deflate %v: open: %v", deflate, err)
		}
		var measuring, stop atomic.Bool
		var errs atomic.Int64
		measuring.Store(true)
		h := &hist.H{}
		done := make(chan struct{})
		rx0, tx0 := c.wire.rx.Load(), c.wire.tx.Load()
		go func() { defer close(done); ackLoop(c, ep, payloads(cfg), nil, &measuring, &stop, h, &errs) }()
		time.Sleep(300 * time.Millisecond)
		stop.Store(true)
		<-done
		_ = c.ws.Close()
		if h.Count == 0 || errs.Load() != 0 {
			t.Fatalf("deflate %v: %d acks, %d errors", deflate, h.Count, errs.Load())
		}
		rx, tx := float64(c.wire.rx.Load()-rx0)/float64(h.Count), float64(c.wire.tx.Load()-tx0)/float64(h.Count)
		t.Logf("deflate %v: %d acks, %.0f bytes in and %.0f out per ack", deflate, h.Count, rx, tx)
		// The client never compresses; the server's acks are compressed with deflate.
		if tx < 2048 || (deflate && rx > 1500) || (!deflate && rx < 2048) {
			t.Errorf("deflate %v: %.0f bytes in and %.0f out per ack", deflate, rx, tx)
		}
	}
}

func TestDeflateRequired(t *testing.T) {
	srv := fakeMsgpackServer(t, false) // does not accept permessage-deflate
	cfg := &config{url: srv.URL, mode: "sio", parser: "msgpack", deflate: true, srcIPs: 1, srcFirst: 1, payload: 16}
	ep, d, err := setup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ep.open(context.Background(), d, 0); err != errNoDeflate {
		t.Fatalf("open against a server without deflate: %v, want errNoDeflate", err)
	}
}
