//go:build linux

package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proto"
)

// healthy is a well-behaved Socket.IO v5 client over WebSocket: it reads
// everything at once, answers pings, and records each broadcast's
// latency.
type healthy struct {
	idx      int
	ws       *websocket.Conn
	received atomic.Int64
	mu       sync.Mutex
	lat      hist.H // guarded by mu
	failure  error  // guarded by mu
	closing  atomic.Bool
	started  atomic.Bool
	done     chan struct{}
}

var bcastPrefix = []byte(proto.SIOBroadcastPrefix)

// wsURL turns http://host:port into the Socket.IO WebSocket URL.
func wsURL(base string) string {
	return "ws://" + strings.TrimPrefix(base, "http://") + "/socket.io/?EIO=4&transport=websocket"
}

// dialHealthy opens the WebSocket and completes the Engine.IO open and the
// Socket.IO CONNECT to "/".
func dialHealthy(base string, idx int) (*healthy, error) {
	d := &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.Dial(wsURL(base), nil)
	if err != nil {
		return nil, err
	}
	h := &healthy{idx: idx, ws: ws, done: make(chan struct{})}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	if len(b) == 0 || b[0] != '0' {
		_ = ws.Close()
		return nil, fmt.Errorf("expected the Engine.IO open packet, got %q", b)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		_ = ws.Close()
		return nil, err
	}
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			_ = ws.Close()
			return nil, err
		}
		switch {
		case bytes.HasPrefix(b, []byte("40")):
			_ = ws.SetReadDeadline(time.Time{})
			return h, nil
		case bytes.HasPrefix(b, []byte("44")):
			_ = ws.Close()
			return nil, fmt.Errorf("CONNECT refused: %s", b)
		case len(b) == 1 && b[0] == '2':
			if err := ws.WriteMessage(websocket.TextMessage, []byte("3")); err != nil {
				_ = ws.Close()
				return nil, err
			}
		}
	}
}

// run reads until the connection closes.
func (h *healthy) run() {
	h.started.Store(true)
	defer close(h.done)
	for {
		_, r, err := h.ws.NextReader()
		if err != nil {
			if !h.closing.Load() {
				h.mu.Lock()
				h.failure = err
				h.mu.Unlock()
			}
			return
		}
		var buf [256]byte
		n, _ := readAll(r, buf[:])
		b := buf[:n]
		switch {
		case bytes.HasPrefix(b, bcastPrefix):
			now := mono.Now()
			ts, _, ok := proto.ParseTwoInts(b[len(bcastPrefix):])
			if !ok {
				continue
			}
			h.received.Add(1)
			h.mu.Lock()
			h.lat.Record(now - ts)
			h.mu.Unlock()
		case len(b) == 1 && b[0] == '2':
			if err := h.ws.WriteMessage(websocket.TextMessage, []byte("3")); err != nil && !h.closing.Load() {
				h.mu.Lock()
				h.failure = err
				h.mu.Unlock()
				return
			}
		}
	}
}

// readAll reads the message into buf, keeping its first len(buf) bytes.
func readAll(r interface{ Read([]byte) (int, error) }, buf []byte) (int, error) {
	n := 0
	var scratch [512]byte
	for {
		var m int
		var err error
		if n < len(buf) {
			m, err = r.Read(buf[n:])
			n += m
		} else {
			_, err = r.Read(scratch[:])
		}
		if err != nil {
			return n, err
		}
	}
}

func (h *healthy) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failure
}

func (h *healthy) close() {
	h.closing.Store(true)
	_ = h.ws.Close()
	if !h.started.Load() {
		return
	}
	select {
	case <-h.done:
	case <-time.After(2 * time.Second):
	}
}
