package client_test

import (
	"strconv"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/session"
)

// Traffic in both directions while the connection upgrades from polling
// to WebSocket: nothing is lost, nothing reordered.
func TestTrafficDuringUpgrade(t *testing.T) {
	const n = 300
	conns := make(chan *socketio.Socket, 1)
	fromClient := make(chan int, n)
	srv := newServer(t, nil, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("n", func(i int) { fromClient <- i })
			conns <- s
		})
	})
	m, up := newManager(t, srv.url, mode{}, nil)
	fromServer := make(chan int, n)
	s := m.Socket("/", nil)
	s.On("n", func(i int) { fromServer <- i })
	s.Connect()
	ss := recv(t, conns, "the server socket")
	// Both sides start sending at once: the upgrade runs meanwhile.
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := ss.Emit("n", i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range n {
		if err := s.Emit("n", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := recv(t, done, "the server's emits"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got := recv(t, fromClient, "event "+strconv.Itoa(i)+" from the client"); got != i {
			t.Fatalf("server got %d, want %d", got, i)
		}
		if got := recv(t, fromServer, "event "+strconv.Itoa(i)+" from the server"); got != i {
			t.Fatalf("client got %d, want %d", got, i)
		}
	}
	if tr := recv(t, up, "the upgrade"); tr != client.WebSocket || m.Transport() != client.WebSocket {
		t.Fatalf("upgraded to %q, transport %q", tr, m.Transport())
	}
}

// No upgrade when the client or the server does not want one.
func TestNoUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  session.Options
		cli  client.Options
	}{
		{"client DisableUpgrade", session.Options{}, client.Options{DisableUpgrade: true}},
		{"server DisableUpgrades", session.Options{DisableUpgrades: true}, client.Options{}},
		{"client polling only", session.Options{}, client.Options{Transports: []string{client.Polling}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, &socketio.Options{Engine: tc.srv}, nil)
			m, up := newManager(t, srv.url, mode{}, &tc.cli)
			s := m.Socket("/", nil)
			connect(t, s, mode{}, nil)
			none(t, up, "upgrade")
			if tr := m.Transport(); tr != client.Polling {
				t.Fatalf("transport %q", tr)
			}
		})
	}
}
