package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Socket.Context lives as long as the socket: not ended by the handshake
// request, cancelled when the socket disconnects, before its listeners
// run, with the reason as its cause.
func TestSocketContextCancelledOnDisconnect(t *testing.T) {
	for _, mode := range []eiotest.Mode{eiotest.ModePolling, eiotest.ModeWebSocket, eiotest.ModeUpgrade} {
		t.Run(string(mode), func(t *testing.T) {
			var socks <-chan *socketio.Socket
			e := newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Sockets()) })
			c := e.dial(mode)
			mustConnect(t, c, "/", "")
			s := recvChan(t, socks, "socket")
			ctx := s.Context()
			if s.Context() != ctx {
				t.Fatal("Context returns a new context on each call")
			}
			// The handshake requests have long ended (polling: the
			// handshake GET, the CONNECT's POST).
			if err := ctx.Err(); err != nil {
				t.Fatalf("the context of a connected socket: %v", err)
			}
			seen := make(chan error, 1)
			s.OnDisconnecting(func(string) { seen <- ctx.Err() })

			send(t, c, `1`) // the client leaves the namespace

			if err := recvChan(t, seen, "disconnecting"); !errors.Is(err, context.Canceled) {
				t.Fatalf("in the disconnecting listener, ctx.Err() = %v, want context.Canceled", err)
			}
			<-ctx.Done()
			cause := context.Cause(ctx)
			if !errors.Is(cause, socketio.ErrDisconnected) || !strings.Contains(cause.Error(), socketio.ReasonClientNamespaceDisconnect) {
				t.Fatalf("cause %v, want ErrDisconnected naming %q", cause, socketio.ReasonClientNamespaceDisconnect)
			}
		})
	}
}

// A context first asked for after the disconnect is already cancelled.
func TestSocketContextAfterDisconnect(t *testing.T) {
	var socks <-chan *socketio.Socket
	e := newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Sockets()) })
	c := e.dial(eiotest.ModeWebSocket)
	mustConnect(t, c, "/", "")
	s := recvChan(t, socks, "socket")
	gone := make(chan string, 1)
	s.OnDisconnect(func(r string) { gone <- r })
	s.Disconnect(false)
	recvChan(t, gone, "disconnect")
	ctx := s.Context()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("ctx.Err() = %v after the disconnect", err)
	}
	if cause := context.Cause(ctx); !strings.Contains(cause.Error(), socketio.ReasonServerNamespaceDisconnect) {
		t.Fatalf("cause %v", cause)
	}
}

// The context a middleware took of a socket it refused is cancelled.
func TestSocketContextRefusedByMiddleware(t *testing.T) {
	got := make(chan context.Context, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.Use(func(sock *socketio.Socket) error {
			got <- sock.Context()
			return errors.New("no")
		})
	})
	c := e.dial(eiotest.ModeWebSocket)
	send(t, c, `0`)
	expect(t, c, `4{"message":"no"}`)
	ctx := recvChan(t, got, "middleware")
	<-ctx.Done()
	if cause := context.Cause(ctx); !errors.Is(cause, socketio.ErrDisconnected) || !strings.Contains(cause.Error(), "refused by middleware: no") {
		t.Fatalf("cause %v", cause)
	}
}

// Callbacks added through Engine() (to log sessions and their traffic,
// say) run beside the Socket.IO server's own: OnConnection, and a
// session's OnMessage and OnClose, observe without disabling Socket.IO.
// The observer gets every Engine.IO message the server does, binary
// attachments included, as its own bytes: overwriting them changes
// nothing for the handler.
func TestEngineOnConnectionKeepsSocketIO(t *testing.T) {
	engineSessions := make(chan string, 1)
	observed := make(chan string, 8)
	closed := make(chan string, 1)
	var socks <-chan *socketio.Socket
	got := make(chan string, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		socks = sockets(s.Sockets())
		s.Engine().OnConnection(func(sess *session.Session) {
			engineSessions <- sess.ID()
			sess.OnMessage(func(data []byte, binary bool) {
				if binary {
					observed <- fmt.Sprintf("binary %v", data)
				} else {
					observed <- string(data)
				}
				clear(data) // its own copy: the handler must not see this
			})
			sess.OnClose(func(reason string, _ error) { closed <- reason })
		})
		s.OnConnection(func(sock *socketio.Socket) {
			sock.On("file", func(name string, b []byte) { got <- fmt.Sprintf("%s %v", name, b) })
		})
	})
	c := e.dial(eiotest.ModeWebSocket)
	mustConnect(t, c, "/", "")
	recvChan(t, socks, "socket")
	recvChan(t, engineSessions, "the engine callback")
	if m := recvChan(t, observed, "the CONNECT message"); m != "0" {
		t.Fatalf("observer got %q, want the CONNECT packet 0", m)
	}

	send(t, c, `51-["file","a.bin",{"_placeholder":true,"num":0}]`, []byte{1, 2, 3})
	if m := recvChan(t, got, "the event"); m != "a.bin [1 2 3]" {
		t.Fatalf("handler got %q", m)
	}
	if m := recvChan(t, observed, "the event's message"); m != `51-["file","a.bin",{"_placeholder":true,"num":0}]` {
		t.Fatalf("observer got %q", m)
	}
	if m := recvChan(t, observed, "the attachment"); m != "binary [1 2 3]" {
		t.Fatalf("observer got %q", m)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if r := recvChan(t, closed, "the engine OnClose"); r != session.ReasonTransportClose {
		t.Fatalf("OnClose reason %q", r)
	}
}
