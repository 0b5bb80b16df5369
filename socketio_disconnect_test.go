package socketio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

func TestDisconnectReasons(t *testing.T) {
	tests := []struct {
		name   string
		mode   eiotest.Mode
		nsp    string
		act    func(t *testing.T, e *testEnv, c *siotest.Client, s *socketio.Socket)
		reason string
		ends   bool   // the session ends
		first  string // the first packet the client receives afterwards ("" for none)
	}{
		{"client namespace disconnect", eiotest.ModeWebSocket, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) { send(t, c, `1`) },
			socketio.ReasonClientNamespaceDisconnect, false, ""},
		{"client namespace disconnect, custom namespace", eiotest.ModePolling, "/admin",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) { send(t, c, `1/admin,`) },
			socketio.ReasonClientNamespaceDisconnect, false, ""},
		{"server namespace disconnect", eiotest.ModeWebSocket, "/admin",
			func(_ *testing.T, _ *testEnv, _ *siotest.Client, s *socketio.Socket) { s.Disconnect(false) },
			socketio.ReasonServerNamespaceDisconnect, false, `1/admin,`},
		{"server disconnect with close", eiotest.ModeWebSocket, "/",
			func(_ *testing.T, _ *testEnv, _ *siotest.Client, s *socketio.Socket) { s.Disconnect(true) },
			socketio.ReasonServerNamespaceDisconnect, true, `1`},
		{"parse error", eiotest.ModeWebSocket, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) { send(t, c, `4abc`) },
			socketio.ReasonParseError, true, ""},
		{"placeholder designating no attachment", eiotest.ModeWebSocket, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) {
				send(t, c, `51-["e",{"_placeholder":true,"num":1}]`, []byte{1})
			},
			socketio.ReasonParseError, true, ""},
		{"placeholder without attachments", eiotest.ModePolling, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) {
				send(t, c, `50-["e",{"_placeholder":true,"num":0}]`)
			},
			socketio.ReasonParseError, true, ""},
		{"parse error over polling", eiotest.ModePolling, "/admin",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) { send(t, c, `2/admin,["a"`) },
			socketio.ReasonParseError, true, ""},
		{"transport close", eiotest.ModeWebSocket, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			},
			socketio.ReasonTransportClose, true, ""},
		{"transport close over polling", eiotest.ModePolling, "/",
			func(t *testing.T, _ *testEnv, c *siotest.Client, _ *socketio.Socket) {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			},
			socketio.ReasonTransportClose, true, ""},
		{"server shutting down", eiotest.ModeWebSocket, "/admin",
			func(t *testing.T, e *testEnv, _ *siotest.Client, _ *socketio.Socket) {
				ctx, cancel := context.WithTimeout(context.Background(), sioWait)
				defer cancel()
				if err := e.srv.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			},
			socketio.ReasonServerShutdown, true, ""},
		{"forced close of the session", eiotest.ModeWebSocket, "/",
			func(_ *testing.T, _ *testEnv, _ *siotest.Client, s *socketio.Socket) { _ = s.Session().Close() },
			socketio.ReasonForcedClose, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var socks <-chan *socketio.Socket
			e := newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Of(tt.nsp)) })
			c := e.dial(tt.mode)
			mustConnect(t, c, tt.nsp, "")
			s := recvChan(t, socks, "socket")
			disconnecting := make(chan string, 2)
			disconnected := make(chan string, 2)
			s.Join("room")
			s.OnDisconnecting(func(r string) {
				if len(s.Rooms()) != 2 {
					t.Errorf("while disconnecting: rooms %v", s.Rooms())
				}
				disconnecting <- r
			})
			s.OnDisconnect(func(r string) { disconnected <- r })

			tt.act(t, e, c, s)

			if r := recvChan(t, disconnecting, "disconnecting"); r != tt.reason {
				t.Errorf("disconnecting reason %q, want %q", r, tt.reason)
			}
			if r := recvChan(t, disconnected, "disconnect"); r != tt.reason {
				t.Errorf("disconnect reason %q, want %q", r, tt.reason)
			}
			if s.Connected() || len(s.Namespace().Sockets()) != 0 || len(s.Rooms()) != 1 {
				t.Errorf("after disconnect: connected %v, %d sockets, rooms %v", s.Connected(), len(s.Namespace().Sockets()), s.Rooms())
			}
			if tt.ends {
				got := expectEnd(t, c)
				if tt.first != "" && (len(got) == 0 || got[0].Text != tt.first) {
					t.Errorf("received %v before the end, want %q first", got, tt.first)
				}
			} else {
				if tt.first != "" {
					expect(t, c, tt.first)
				}
				// The session stays open: the client can join again.
				mustConnect(t, c, tt.nsp, "")
				recvChan(t, socks, "socket")
			}
			select {
			case r := <-disconnected:
				t.Errorf("a second disconnect with %q", r)
			case <-time.After(sioQuiet):
			}
		})
	}
}

// A connection closing disconnects every namespace it carries.
func TestDisconnectAllNamespaces(t *testing.T) {
	var rsMain, rsAdmin <-chan string
	e := newEnv(t, nil, func(s *socketio.Server) {
		rsMain = reasons(s.Sockets())
		rsAdmin = reasons(s.Of("/admin"))
	})
	c, _ := e.connect("/")
	mustConnect(t, c, "/admin", "")
	// Leaving one namespace leaves the other connected.
	send(t, c, `1/admin,`)
	if r := recvChan(t, rsAdmin, "admin reason"); r != socketio.ReasonClientNamespaceDisconnect {
		t.Fatalf("admin reason %q", r)
	}
	mustConnect(t, c, "/admin", "")
	c.Stop() // an abrupt end, without a close frame
	for _, ch := range []<-chan string{rsMain, rsAdmin} {
		r := recvChan(t, ch, "reason")
		if r != socketio.ReasonTransportClose && r != socketio.ReasonTransportError {
			t.Fatalf("reason %q, want transport close or error", r)
		}
	}
}

func TestShutdownRefusesNewConnections(t *testing.T) {
	e := newEnv(t, nil, nil)
	c, _ := e.connect("/")
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	expectEnd(t, c)
	if _, err := siotest.Dial(ctx, e.base, eiotest.ModePolling); err == nil {
		t.Fatal("a new session was accepted after Shutdown")
	}
	var se *eiotest.StatusError
	_, err := siotest.Dial(ctx, e.base, eiotest.ModePolling)
	if !errors.As(err, &se) || se.Resp.Status != 503 {
		t.Fatalf("dial after Shutdown: %v, want HTTP 503", err)
	}
	// Shutdown is idempotent.
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOnDisconnectAddedWhileClosing: a connection can close (client gone,
// parse error) while the socket's connection handlers still run on the
// connection's worker. Sockets disconnect on that worker after what is
// already pending, so a disconnect listener such a handler adds is still
// called, and the per-connection state it set up gets cleaned up.
func TestOnDisconnectAddedWhileClosing(t *testing.T) {
	proceed := make(chan struct{})
	rs := make(chan string, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			<-proceed
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	c, _ := e.connect("/")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if r := recvChan(t, rs, "disconnect reason"); r != socketio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
}

// A disconnect listener added to a socket that has already disconnected
// (a socket handed to another goroutine) is called at once.
func TestOnDisconnectOnDisconnectedSocket(t *testing.T) {
	var socks <-chan *socketio.Socket
	e := newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Sockets()) })
	c, _ := e.connect("/")
	sock := recvChan(t, socks, "socket")
	send(t, c, `1`)
	deadline := time.Now().Add(sioWait)
	for sock.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the socket did not disconnect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	rs := make(chan string, 1)
	sock.OnDisconnect(func(r string) { rs <- r })
	if r := recvChan(t, rs, "disconnect reason"); r != socketio.ReasonClientNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
}
