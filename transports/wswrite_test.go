package transports

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// Tests of the write side's isolation rules (wswrite.go): senders and
// Close never wait for a connection whose writer or reader is stuck on a
// peer that does not read; inline writes survive a lapsed deadline;
// control frames never land inside a half-written data frame.

// slowDialer dials with a small receive buffer, so that a client that does
// not read fills the path from the server in a few hundred kilobytes.
func slowDialer() *websocket.Dialer {
	d := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &websocket.Dialer{HandshakeTimeout: wsTimeout, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
}

// within runs fn on a goroutine and fails the test if it has not returned
// after wsTimeout: for calls that must not block at all, a bound that only
// catches a call stuck on the network.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(wsTimeout):
		t.Fatalf("%s still blocked after %v", what, wsTimeout)
	}
}

// waitWriteLockHeld waits until some goroutine holds ws.wmu (a writer
// blocked on the full socket). Polled: there is no event for it.
func waitWriteLockHeld(t *testing.T, ws *WebSocket) {
	t.Helper()
	deadline := time.Now().Add(wsTimeout)
	for ws.wmu.TryLock() {
		ws.wmu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("no writer ever held the write lock")
		}
		time.Sleep(time.Millisecond)
	}
}

func bigPackets(n, size int) []codec.Packet {
	chunk := make([]byte, size)
	pkts := make([]codec.Packet, n)
	for i := range pkts {
		pkts[i] = codec.Packet{Type: codec.PacketMessage, Data: chunk, Binary: true}
	}
	return pkts
}

// fillByInlineWrites makes inline writes until one leaves part of itself
// queued (pending), or finds such a part queued: the socket was full.
// Each must return at once.
func fillByInlineWrites(t *testing.T, ws *WebSocket) {
	t.Helper()
	for full := false; !full; {
		var err error
		within(t, "TryWritePackets", func() {
			_, full, err = ws.TryWritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: make([]byte, 1000)}})
		})
		if err != nil {
			t.Fatalf("TryWritePackets: %v", err)
		}
	}
}

// TestTryWriteNeverWaits: while the connection's writer is blocked on a
// peer that does not read (no write deadline at all), a sender's
// TryWritePackets returns at once without taking the packets, and Close
// returns at once too; the blocked writer then fails within Close's
// one-second deadline, and the reader ends.
func TestTryWriteNeverWaits(t *testing.T) {
	for _, blocker := range []string{"writer", "reader answering pings"} {
		t.Run(blocker, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, slowDialer())
			readDone := make(chan error, 1)
			go func() {
				for {
					if _, err := ws.ReadPacket(); err != nil {
						readDone <- err
						return
					}
				}
			}()
			writeDone := make(chan error, 1)
			if blocker == "writer" {
				go func() { writeDone <- ws.WritePackets(bigPackets(64, 1<<20)) }()
			} else {
				close(writeDone)
				fillByInlineWrites(t, ws)
				// A ping flood from a client that never reads: the reader
				// answers with pongs, written after the queued part, and
				// blocks on the full socket holding the write lock.
				go func() {
					payload := bytes.Repeat([]byte{'p'}, 125)
					for {
						if client.WriteControl(websocket.PingMessage, payload, time.Now().Add(wsTimeout)) != nil {
							return
						}
					}
				}()
			}
			// Now the writer, or the reader answering a ping, is blocked on
			// the full socket and holds the write lock: TryWritePackets
			// returns at once without taking the packet. A full path
			// is not full for good, though: the kernel compacts a
			// receive queue past its buffer's accounting now and then,
			// and lets a little more through, so a blocked pong can
			// finish and free the lock between the two steps below.
			// Taken then means the lock was free: the next pongs fill
			// the path again, so wait for the lock again and retry.
			// Every call is checked for not waiting.
			for attempt := 1; ; attempt++ {
				waitWriteLockHeld(t, ws)
				var (
					taken bool
					err   error
				)
				within(t, "TryWritePackets", func() {
					taken, _, err = ws.TryWritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte("x")}})
				})
				if err != nil {
					t.Fatalf("TryWritePackets: %v", err)
				}
				if !taken {
					break
				}
				if blocker == "writer" || attempt == 20 {
					// The writer's 64 MiB cannot all have been written.
					t.Fatalf("TryWritePackets took the packet while a write was blocked (attempt %d)", attempt)
				}
				t.Logf("attempt %d: the blocked write had finished, the packet was taken; retrying", attempt)
			}
			within(t, "Close", func() { ws.Close(CloseNormal, "") })
			within(t, "the blocked writer", func() { <-writeDone })
			within(t, "the reader", func() { <-readDone })
		})
	}
}

// TestTryWriteAfterDeadlineLapsed: an inline write after an idle gap longer
// than WriteTimeout (the deadline set by an earlier blocking write has
// passed) still writes, instead of failing with a timeout.
func TestTryWriteAfterDeadlineLapsed(t *testing.T) {
	const timeout = 200 * time.Millisecond
	ws, client := newWSPair(t, WebSocketConfig{WriteTimeout: timeout}, nil)
	if err := ws.WritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte("first")}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(timeout + timeout/2) // the scenario: an idle gap past the deadline
	taken, pending, err := ws.TryWritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte("second")}})
	if !taken || pending || err != nil {
		t.Fatalf("TryWritePackets after an idle gap = taken %v, pending %v, err %v; want written", taken, pending, err)
	}
	for _, want := range []string{"4first", "4second"} {
		if _, data, err := clientRead(t, client); err != nil || string(data) != want {
			t.Fatalf("client read %q, %v; want %q", data, err, want)
		}
	}
}

// TestPongAfterHalfWrittenFrame: when an inline write leaves the end of a
// frame unwritten (the peer's window is full) and the peer then pings, the
// pong goes after that frame's end: the client reads every message intact,
// then the pong, then what the writer sends next.
func TestPongAfterHalfWrittenFrame(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, slowDialer())
	go func() {
		for {
			if _, err := ws.ReadPacket(); err != nil {
				return
			}
		}
	}()
	var sent []string
	for i := 0; ; i++ {
		msg := fmt.Sprintf("%05d:%s", i, bytes.Repeat([]byte{byte('a' + i%26)}, 8000))
		taken, pending, err := ws.TryWritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte(msg)}})
		if err != nil {
			t.Fatal(err)
		}
		if !taken {
			t.Fatalf("message %d not taken before any was left half written", i)
		}
		sent = append(sent, "4"+msg)
		if pending {
			break // the last frame is half written
		}
		if i > 10000 {
			t.Fatal("the socket never filled")
		}
	}
	pongs := make(chan string, 1)
	client.SetPongHandler(func(data string) error { pongs <- data; return nil })
	if err := client.WriteControl(websocket.PingMessage, []byte("ping!"), time.Now().Add(wsTimeout)); err != nil {
		t.Fatal(err)
	}
	for i, want := range sent {
		typ, data, err := clientRead(t, client)
		if err != nil || typ != websocket.TextMessage || string(data) != want {
			t.Fatalf("message %d: %s %.20q, %v; want %.20q", i, wsFrameName(typ), data, err, want)
		}
		select {
		case p := <-pongs:
			t.Fatalf("pong %q read before message %d of %d", p, i+1, len(sent))
		default:
		}
	}
	// Whatever the writer sends next comes after the pong.
	writeDone := make(chan error, 1)
	go func() {
		writeDone <- ws.WritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte("after")}})
	}()
	if _, data, err := clientRead(t, client); err != nil || string(data) != "4after" {
		t.Fatalf("client read %q, %v; want \"4after\"", data, err)
	}
	select {
	case p := <-pongs:
		if p != "ping!" {
			t.Fatalf("pong %q, want \"ping!\"", p)
		}
	default:
		t.Fatal("no pong before the next message")
	}
	if err := <-writeDone; err != nil {
		t.Fatal(err)
	}
}

// TestCloseAfterHalfWrittenFrame: a close frame after an inline write left
// a frame half written completes that frame first: a client that reads on
// gets every message whole, then the close frame.
func TestCloseAfterHalfWrittenFrame(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, slowDialer())
	msg := bytes.Repeat([]byte{'z'}, 8000)
	n := 0 // messages written whole before the half-written one
	for ; ; n++ {
		taken, pending, err := ws.TryWritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: msg}})
		if err != nil || !taken {
			t.Fatalf("TryWritePackets = %v, %v", taken, err)
		}
		if pending {
			break
		}
	}
	type read struct {
		data []byte
		err  error
	}
	reads := make(chan read, n+2)
	go func() {
		for {
			_, data, err := clientRead(t, client)
			reads <- read{data, err}
			if err != nil {
				return
			}
		}
	}()
	next := func() read {
		select {
		case r := <-reads:
			return r
		case <-time.After(wsTimeout):
			t.Fatal("client read nothing")
			return read{}
		}
	}
	for i := range n {
		if r := next(); r.err != nil || !bytes.Equal(r.data, append([]byte{'4'}, msg...)) {
			t.Fatalf("message %d: %d bytes, %v", i, len(r.data), r.err)
		}
	}
	// Everything before the half-written message has been read: the socket
	// has room for its end and the close frame.
	ws.Close(CloseGoingAway, "bye")
	if r := next(); r.err != nil || !bytes.Equal(r.data, append([]byte{'4'}, msg...)) {
		t.Fatalf("the half-written message: %d bytes, %v; want it whole", len(r.data), r.err)
	}
	if r := next(); !websocket.IsCloseError(r.err, websocket.CloseGoingAway) {
		t.Fatalf("after the messages: %q, %v; want close 1001", r.data, r.err)
	}
}

// TestCloseNeverWaitsForWriter: Close returns while another goroutine holds
// the write lock (here the test itself, standing for a writer stuck on a
// full socket), and the connection closes once the lock is free.
func TestCloseNeverWaitsForWriter(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	ws.wmu.Lock()
	within(t, "Close", func() { ws.Close(CloseGoingAway, "bye") })
	ws.wmu.Unlock()
	if _, _, err := clientRead(t, client); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("client read %v, want close 1001", err)
	}
}
