package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Group 4: the outgoing queue is bounded. A polling client that never
// polls after the handshake lets the queue fill; the Send that would
// exceed a limit fails with ErrQueueFull and closes the session with
// "transport error". Each packet counts len(data)+1 bytes.

func TestQueueBounds(t *testing.T) {
	tests := []struct {
		name  string
		opts  *session.Options
		msg   string
		batch int // packets per Send call
		ok    int // Sends that must succeed
	}{
		{"packets", &session.Options{MaxBufferedPackets: 8}, "x", 1, 8},
		{"bytes", &session.Options{MaxBufferedBytes: 1000}, strings.Repeat("y", 99), 1, 10}, // 10 × (99+1) = 1000 fits exactly
		{"bytes large message", &session.Options{MaxBufferedBytes: 1000}, strings.Repeat("z", 1000), 1, 0},
		{"packets batch", &session.Options{MaxBufferedPackets: 8}, "x", 3, 2}, // 6 fit, 9 would not
		{"batch over limit at once", &session.Options{MaxBufferedPackets: 8}, "x", 9, 0},
		{"both limits, bytes first", &session.Options{MaxBufferedPackets: 8, MaxBufferedBytes: 500}, strings.Repeat("w", 99), 1, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: tt.opts})
			healthy := e.dial(t, eiotest.ModePolling)
			_, ss := e.pollingSession(t) // handshake done, never polls again
			send := func() error {
				pkts := make([]codec.Packet, tt.batch)
				for i := range pkts {
					pkts[i] = codec.Packet{Type: codec.PacketMessage, Data: []byte(tt.msg)}
				}
				return ss.Send(pkts...)
			}
			for i := range tt.ok {
				if err := send(); err != nil {
					t.Fatalf("Send %d of %d: %v", i+1, tt.ok, err)
				}
			}
			if !ss.isOpen() {
				t.Fatalf("session closed before the limit: %q", ss.reason)
			}
			if err := send(); !errors.Is(err, session.ErrQueueFull) {
				t.Fatalf("Send past the limit: %v, want ErrQueueFull", err)
			}
			ss.waitClosed(t, session.ReasonTransportError)
			if !errors.Is(ss.err, session.ErrQueueFull) {
				t.Errorf("OnClose err %v, want ErrQueueFull", ss.err)
			}
			if err := ss.SendText("after"); !errors.Is(err, session.ErrClosed) {
				t.Errorf("Send after the close: %v, want ErrClosed", err)
			}
			expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+ss.ID(), nil, nil), 400, session.CodeUnknownSID, "")
			roundTrip(t, healthy, "unaffected")
		})
	}
}

// TestQueueDrains: the limit is on what is waiting, not on the total: a
// client that keeps polling can receive far more than the limit.
func TestQueueDrains(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{MaxBufferedPackets: 8, MaxBufferedBytes: 300}})
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := e.dial(t, mode)
			for i := range 100 {
				roundTrip(t, c, strings.Repeat("q", i%20))
			}
		})
	}
}

// TestQueueUnlimited: negative limits mean no limit.
func TestQueueUnlimited(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{MaxBufferedPackets: -1, MaxBufferedBytes: -1}})
	p, ss := e.pollingSession(t)
	const n = 10000 // over the 4096-packet default
	for i := range n {
		if err := ss.SendText("m"); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	pkts, err := p.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != n {
		t.Fatalf("one poll returned %d packets, want %d", len(pkts), n)
	}
	if !ss.isOpen() {
		t.Fatalf("closed: %q", ss.reason)
	}
}

// TestQueueLimitBelowOpenPacket pins a bug: the open packet goes through
// the bounded queue (Server.handshake calls Send and ignores its error),
// so with MaxBufferedBytes below its size (about 110 bytes) every session
// is closed with ErrQueueFull before OnConnection runs. The polling
// handshake is then answered 200 "1" (a close packet instead of the open
// packet), the WebSocket one with a close frame and no open packet, and
// OnConnection is still called with the closed session, whose OnClose is
// never called — breaking "OnClose is called exactly once".
func TestQueueLimitBelowOpenPacket(t *testing.T) {
	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: &session.Options{MaxBufferedBytes: 64}})
			if transport == "polling" {
				resp := e.do(t, "GET", "?EIO=4&transport=polling", nil, nil)
				if resp.Status == 200 {
					pkts, err := eiotest.DecodePayload(resp.Body)
					if err == nil && len(pkts) > 0 {
						if _, err = eiotest.ParseOpen(pkts[0]); err != nil {
							t.Errorf("handshake answered %s: neither an open packet nor a JSON error", resp)
						}
					}
				} else if _, err := resp.JSONError(); err != nil {
					t.Error(err)
				}
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				ws, _, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, "")
				if err == nil {
					p, err := ws.Read(wait)
					ws.Conn.Close()
					if err != nil {
						t.Errorf("WebSocket handshake accepted, then %v instead of the open packet", err)
					} else if _, err := eiotest.ParseOpen(p); err != nil {
						t.Error(err)
					}
				}
			}
			// Whatever the outcome, a session the application was given
			// must be closed through OnClose.
			e.mu.Lock()
			all := make([]*serverSession, 0, len(e.sessions))
			for _, ss := range e.sessions {
				all = append(all, ss)
			}
			e.mu.Unlock()
			for _, ss := range all {
				select {
				case <-ss.Done():
					select {
					case <-ss.closed:
					case <-time.After(time.Second): // OnClose follows Done at once
						t.Errorf("session %s: closed (Done) but OnClose was never called", ss.ID())
					}
				default:
				}
			}
		})
	}
}

// TestSendVolatile: a volatile send is queued only when nothing is waiting
// to be written; otherwise it is dropped (false) and does not count
// against the queue limits.
func TestSendVolatile(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{MaxBufferedPackets: 2}})
	p, ss := e.pollingSession(t) // no poll pending
	vol := func(s string) bool { return ss.SendVolatile(codec.Packet{Type: codec.PacketMessage, Data: []byte(s)}) }
	if !vol("v1") {
		t.Fatal("SendVolatile on an idle session: false")
	}
	for i := range 10 {
		if vol("dropped") {
			t.Fatalf("SendVolatile %d with a packet waiting: true", i)
		}
	}
	if err := ss.SendText("m1"); err != nil {
		t.Fatalf("SendText: %v (dropped volatile packets must not fill the queue)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	pkts, err := p.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := eiotest.EncodePayload(pkts...); string(got) != "4v1\x1e4m1" {
		t.Fatalf("poll: %q, want v1 then m1 and nothing dropped", got)
	}
	if !vol("v2") {
		t.Fatal("SendVolatile after the queue drained: false")
	}
	if err := ss.Close(); err != nil {
		t.Fatal(err)
	}
	if vol("closed") {
		t.Error("SendVolatile on a closing session: true")
	}
}
