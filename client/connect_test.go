package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// authServer accepts "/private" only with auth {"token":"secret"}, and
// refuses otherwise with a message and data; it reports each connected
// socket.
func authServer(t *testing.T) (*testServer, <-chan *socketio.Socket) {
	conns := make(chan *socketio.Socket, 8)
	srv := newServer(t, nil, func(srv *socketio.Server) {
		priv := srv.Of("/private")
		priv.Use(func(s *socketio.Socket) error {
			if s.Handshake().Auth["token"] != "secret" {
				return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
			}
			return nil
		})
		priv.OnConnection(func(s *socketio.Socket) { conns <- s })
	})
	return srv, conns
}

func TestAuthAndConnectError(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv, conns := authServer(t)
		m, up := newManager(t, srv.url, md, nil)

		bad := m.Socket("/private", &client.SocketOptions{Auth: map[string]any{"token": "wrong"}})
		errs := make(chan error, 2)
		bad.OnConnectError(func(err error) { errs <- err })
		bad.Connect()
		var ce *client.ConnectError
		if err := recv(t, errs, "connect_error"); !errors.As(err, &ce) {
			t.Fatalf("connect_error %v", err)
		}
		if ce.Message != "not authorized" || !reflect.DeepEqual(ce.Data, map[string]any{"code": float64(42)}) {
			t.Fatalf("connect_error %+v", ce)
		}
		if err := bad.WaitConnected(ctxWait(t)); !errors.As(err, &ce) {
			t.Fatalf("WaitConnected: %v", err)
		}
		if bad.Active() {
			t.Fatal("refused socket still active")
		}

		// The same namespace with the right credentials, from AuthFunc.
		var calls atomic.Int32
		m2, up2 := newManager(t, srv.url, md, nil)
		good := m2.Socket("/private", &client.SocketOptions{AuthFunc: func() map[string]any {
			calls.Add(1)
			return map[string]any{"token": "secret"}
		}})
		connect(t, good, md, up2)
		ss := recv(t, conns, "the server socket")
		if ss.ID() != good.ID() || ss.Handshake().Auth["token"] != "secret" {
			t.Fatalf("server socket %s auth %v", ss.ID(), ss.Handshake().Auth)
		}
		if calls.Load() != 1 {
			t.Fatalf("AuthFunc called %d times", calls.Load())
		}
		_ = up
	})
}

// A server-side disconnection is final: "io server disconnect", and no
// reconnection.
func TestServerDisconnect(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		conns := make(chan *socketio.Socket, 4)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { conns <- s })
		})
		m, up := newManager(t, srv.url, md, &client.Options{ReconnectionDelay: time.Millisecond})
		attempts := make(chan int, 4)
		m.OnReconnectAttempt(func(n int) { attempts <- n })
		closes := make(chan string, 4)
		m.OnClose(func(reason string, _ error) { closes <- reason })
		s := m.Socket("/", nil)
		reasons := make(chan string, 4)
		s.OnDisconnect(func(r string) { reasons <- r })
		connect(t, s, md, up)
		ss := recv(t, conns, "the server socket")
		ss.Disconnect(false)
		if r := recv(t, reasons, "the disconnection"); r != client.ReasonServerDisconnect {
			t.Fatalf("reason %q", r)
		}
		// The last active socket gone, the Manager closes its connection.
		if r := recv(t, closes, "the manager's close"); r != client.ReasonForcedClose {
			t.Fatalf("manager close %q", r)
		}
		none(t, attempts, "reconnection attempt")
		if s.Connected() || s.Active() {
			t.Fatal("still connected or active")
		}
		if err := s.WaitConnected(ctxWait(t)); !errors.Is(err, client.ErrInactive) {
			t.Fatalf("WaitConnected: %v", err)
		}
		// Connect again by hand.
		connect(t, s, mode{}, nil)
		recv(t, conns, "the new server socket")
	})
}

// Disconnect sends a DISCONNECT: the server sees "client namespace
// disconnect".
func TestClientDisconnect(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		reasons := make(chan string, 4)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasons <- r }) })
		})
		m, up := newManager(t, srv.url, md, nil)
		s := m.Socket("/", nil)
		own := make(chan string, 1)
		s.OnDisconnect(func(r string) { own <- r })
		connect(t, s, md, up)
		s.Disconnect()
		if r := recv(t, own, "the disconnection"); r != client.ReasonClientDisconnect {
			t.Fatalf("client reason %q", r)
		}
		if r := recv(t, reasons, "the server's disconnection"); r != socketio.ReasonClientNamespaceDisconnect {
			t.Fatalf("server reason %q", r)
		}
		if m.Transport() != "" {
			t.Fatal("the manager is still open")
		}
	})
}

// Manager.Close disconnects the sockets with "forced close"; the server
// sees the connection close.
func TestManagerClose(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		reasons := make(chan string, 4)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasons <- r }) })
		})
		m, up := newManager(t, srv.url, md, nil)
		s := m.Socket("/", nil)
		own := make(chan string, 1)
		s.OnDisconnect(func(r string) { own <- r })
		connect(t, s, md, up)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if r := recv(t, own, "the disconnection"); r != client.ReasonForcedClose {
			t.Fatalf("client reason %q", r)
		}
		if r := recv(t, reasons, "the server's disconnection"); r != socketio.ReasonTransportClose {
			t.Fatalf("server reason %q", r)
		}
	})
}

// A server that cannot be reached: connect_error for each attempt, then
// reconnect_failed after ReconnectionAttempts; WaitConnected reports it.
func TestReconnectFailed(t *testing.T) {
	srv := newServer(t, nil, nil)
	url := srv.url
	srv.ts.Close() // nothing listens there any more
	m, err := client.NewManager(url, &client.Options{ReconnectionAttempts: 3, ReconnectionDelay: time.Millisecond, ReconnectionDelayMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	attempts := make(chan int, 8)
	m.OnReconnectAttempt(func(n int) { attempts <- n })
	failed := make(chan struct{}, 1)
	m.OnReconnectFailed(func() { failed <- struct{}{} })
	s := m.Socket("/", nil)
	errs := make(chan error, 8)
	s.OnConnectError(func(err error) { errs <- err })
	s.Connect()
	if err := s.WaitConnected(ctxWait(t)); !errors.Is(err, client.ErrReconnectFailed) {
		t.Fatalf("WaitConnected: %v", err)
	}
	recv(t, failed, "reconnect_failed")
	for want := 1; want <= 3; want++ {
		if n := recv(t, attempts, "an attempt"); n != want {
			t.Fatalf("attempt %d, want %d", n, want)
		}
	}
	for range 4 { // the first connection and 3 attempts
		var te *client.TransportError
		if err := recv(t, errs, "connect_error"); !errors.As(err, &te) {
			t.Fatalf("connect_error %v", err)
		}
	}
	none(t, attempts, "attempt")
}

// Without reconnection, a failed connection is final.
func TestNoReconnection(t *testing.T) {
	srv := newServer(t, nil, nil)
	url := srv.url
	srv.ts.Close()
	m, err := client.NewManager(url, &client.Options{DisableReconnection: true, Transports: []string{client.WebSocket}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	s.Connect()
	var te *client.TransportError
	if err := s.WaitConnected(ctxWait(t)); !errors.As(err, &te) || te.Transport != client.WebSocket {
		t.Fatalf("WaitConnected: %v", err)
	}
}

// A server refusing the handshake: the transport error carries its status
// and message.
func TestHandshakeRefused(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			srv := newServer(t, &socketio.Options{Engine: socketio.EngineOptions{
				AllowRequest: func(*http.Request) error { return errors.New("go away") },
			}}, nil)
			m, err := client.NewManager(srv.url, md.options(&client.Options{DisableReconnection: true, Path: "/socket.io"}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			s := m.Socket("/", nil)
			s.Connect()
			err = s.WaitConnected(ctxWait(t))
			var te *client.TransportError
			if !errors.As(err, &te) || te.Transport != md.name {
				t.Fatalf("WaitConnected: %v", err)
			}
			if md.name == client.Polling && (te.StatusCode != http.StatusForbidden || te.Code != 4 || te.Message != "go away") {
				t.Fatalf("error %+v", te)
			}
			if md.name == client.WebSocket && te.StatusCode == 0 {
				t.Fatalf("error %+v", te)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// A server that accepts connections and never answers: each attempt ends
// after Options.Timeout.
func TestOpenTimeout(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var held []net.Conn
			accepted := make(chan struct{})
			go func() {
				defer close(accepted)
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					held = append(held, c) // never answered
				}
			}()
			t.Cleanup(func() {
				ln.Close()
				<-accepted
				for _, c := range held {
					c.Close()
				}
			})
			m, err := client.NewManager("http://"+ln.Addr().String(), md.options(&client.Options{DisableReconnection: true, Timeout: 50 * time.Millisecond}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			s := m.Socket("/", nil)
			start := time.Now()
			s.Connect()
			err = s.WaitConnected(ctxWait(t))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitConnected: %v", err)
			}
			if d := time.Since(start); d < 50*time.Millisecond {
				t.Fatalf("gave up after %v", d)
			}
		})
	}
}

// Connect again right after a refusal: the Manager, left with no active
// socket, closes (destroy) while Connect makes the socket active again.
// Whichever comes first, the socket connects; before Connect took the
// Manager's lock, a close that saw the socket active halfway through
// Connect failed WaitConnected with ErrDisconnected (the package example
// of Namespace.Use did, about one run in ten on a loaded machine).
func TestConnectAgainAfterRefusal(t *testing.T) {
	srv, conns := authServer(t)
	for round := 0; round < 40; round++ {
		m, _ := newManager(t, srv.url, modes[1], nil)
		tokens := []string{"wrong", "secret"}
		s := m.Socket("/private", &client.SocketOptions{AuthFunc: func() map[string]any {
			tok := tokens[0]
			tokens = tokens[1:]
			return map[string]any{"token": tok}
		}})
		s.Connect()
		var ce *client.ConnectError
		if err := s.WaitConnected(ctxWait(t)); !errors.As(err, &ce) {
			t.Fatalf("round %d: first WaitConnected: %v, want the refusal", round, err)
		}
		s.Connect()
		if err := s.WaitConnected(ctxWait(t)); err != nil {
			t.Fatalf("round %d: WaitConnected after Connect again: %v", round, err)
		}
		recv(t, conns, "the server socket")
		_ = m.Close()
	}
}
