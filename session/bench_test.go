package session_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Group 8: round-trip benchmarks against an httptest server running a bare
// echo (no test recording). Allocations are those of the client and the
// server together, per round trip.
//
//	go test -run='^$' -bench=. -benchmem -count=3 ./session/

// benchOpts keeps heartbeats out of the measurement.
func benchOpts() *session.Options {
	return &session.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
}

// BenchmarkWebSocketEcho: one WebSocket session; the client writes a
// 100-byte text message and waits for its echo.
func BenchmarkWebSocketEcho(b *testing.B) {
	e := newEnv(b, envConfig{opts: benchOpts(), plain: true})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := eiotest.HandshakeWebSocket(ctx, e.dialer(), e.base, wait)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.CloseWith(websocket.CloseNormalClosure)
	frame := append([]byte{'4'}, bytes.Repeat([]byte("x"), 100)...)
	conn := ws.Conn
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := conn.WriteMessage(websocket.TextMessage, frame); err != nil {
			b.Fatal(err)
		}
		typ, got, err := conn.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if typ != websocket.TextMessage || len(got) != len(frame) {
			b.Fatalf("echo: type %d, %d bytes", typ, len(got))
		}
	}
	b.StopTimer()
}

// BenchmarkPollingRoundTrip: one polling session; the client POSTs a
// 100-byte text message, then GETs its echo.
func BenchmarkPollingRoundTrip(b *testing.B) {
	e := newEnv(b, envConfig{opts: benchOpts(), plain: true})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	p, _, _, err := eiotest.HandshakePolling(ctx, e.httpClient(), e.base)
	if err != nil {
		b.Fatal(err)
	}
	body := append([]byte{'4'}, bytes.Repeat([]byte("x"), 100)...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	bg := context.Background()
	for range b.N {
		resp, err := p.Post(bg, body)
		if err != nil || resp.Status != 200 {
			b.Fatalf("POST: %v %v", resp, err)
		}
		resp, err = p.Get(bg)
		if err != nil || resp.Status != 200 || !bytes.Equal(resp.Body, body) {
			b.Fatalf("GET: %v %v", resp, err)
		}
	}
	b.StopTimer()
}
