//go:build linux

package main

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// engineEcho is the bench server's /engine.io/ echo: every message is
// sent back as it came.
func engineEcho(t *testing.T) *httptest.Server {
	eio := session.NewServer(&session.Options{})
	eio.OnConnection(func(s *session.Session) {
		s.OnMessage(func(data []byte, binary bool) {
			_ = s.Send(codec.Packet{Type: codec.PacketMessage, Data: data, Binary: binary})
		})
	})
	srv := httptest.NewServer(eio)
	t.Cleanup(func() {
		srv.Close()
		_ = eio.Shutdown(context.Background())
	})
	return srv
}

// runAckLoop runs ackLoop on one connection to srv for about d and
// returns how many round trips it measured and over how long.
func runAckLoop(t *testing.T, cfg *config, p *pace, d time.Duration) (int64, time.Duration) {
	t.Helper()
	ep, ds, err := setup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ep.open(context.Background(), ds, 0)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer c.ws.Close()
	var measuring, stop atomic.Bool
	var errs atomic.Int64
	h := &hist.H{}
	done := make(chan struct{})
	go func() { defer close(done); ackLoop(c, ep, payloads(cfg), p, &measuring, &stop, h, &errs) }()
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	window := time.Since(t0)
	stop.Store(true)
	<-done
	if errs.Load() != 0 {
		t.Fatalf("%d errors", errs.Load())
	}
	return int64(h.Count), window
}

// The eio mode drives the Engine.IO echo: each message comes back and is
// matched by its number.
func TestAckEngineIO(t *testing.T) {
	srv := engineEcho(t)
	cfg := &config{url: srv.URL, mode: "eio", parser: "json", srcIPs: 1, srcFirst: 1, payload: 16, pad: "x"}
	if n, _ := runAckLoop(t, cfg, nil, 200*time.Millisecond); n == 0 {
		t.Fatal("no round trip")
	}
}

// With a pace, a client emits at most once per interval: a measurement
// window (as long as the test's sleep turned out to be, however late)
// holds at most window/interval + 1 emits, and one more whose round trip
// began just before it, whatever the server's speed.
func TestAckPace(t *testing.T) {
	srv := engineEcho(t)
	cfg := &config{url: srv.URL, mode: "eio", parser: "json", srcIPs: 1, srcFirst: 1, payload: 16, pad: "x"}
	const every = 50 * time.Millisecond
	n, window := runAckLoop(t, cfg, &pace{next: time.Now(), every: every}, 300*time.Millisecond)
	if n == 0 || n > int64(window/every)+2 {
		t.Fatalf("%d round trips in %v at one per %v", n, window, every)
	}
}
