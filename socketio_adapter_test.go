package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// The Adapter contract as a cluster adapter sees it (issue 10, part 1).

// A factory error refuses the CONNECT that would create a dynamic child
// (and is reported); for a static namespace Of panics with it.
func TestAdapterFactoryError(t *testing.T) {
	boom := errors.New("redis unreachable")
	factory := func(n *socketio.Namespace) (socketio.Adapter, error) {
		if strings.HasPrefix(n.Name(), "/bad") {
			return nil, boom
		}
		return socketio.NewMemoryAdapter(n), nil
	}
	e := newEnv(t, &socketio.Options{Adapter: factory}, func(s *socketio.Server) {
		s.OfRegexp(regexp.MustCompile(`^/bad-\d+$`))
	})
	c := e.dial(eiotest.ModeWebSocket)
	_, err := c.Connect("/bad-1", "", sioWait)
	ce, ok := errAs[*siotest.ConnectErr](err)
	if !ok || !strings.Contains(ce.Packet.Text, "namespace unavailable") {
		t.Fatalf("connect: %v, want a connect error 'namespace unavailable'", err)
	}
	if err := e.nextErr(); !errors.Is(err, boom) {
		t.Fatalf("reported %v, want the factory's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !errors.Is(r.(error), boom) {
				t.Fatalf("Of with a failing factory: recovered %v", r)
			}
		}()
		e.srv.Of("/bad")
	}()
}

// The factory never runs under a server lock: it may call back into the
// server (here, creating another namespace).
func TestAdapterFactoryOutsideLocks(t *testing.T) {
	var srv *socketio.Server
	factory := func(n *socketio.Namespace) (socketio.Adapter, error) {
		if n.Name() == "/outer" {
			n.Server().Of("/inner")
		}
		return socketio.NewMemoryAdapter(n), nil
	}
	e := newEnv(t, &socketio.Options{Adapter: factory}, func(s *socketio.Server) { srv = s })
	srv.Of("/outer")
	e.connect("/inner")
}

// A broadcast with ack applied by a node (as a cluster adapter does for a
// remote request) gets an ack id of that node's namespace, whatever the
// packet says, and the answer reaches onAck.
func TestBroadcastWithAckIDPerNode(t *testing.T) {
	e := newEnv(t, nil, nil)
	c, _ := e.connect("/")
	counts := make(chan int, 1)
	acks := make(chan codec.Args, 1)
	p := &codec.SocketPacket{Type: codec.Event, Nsp: "/", ID: 999, HasID: true, Data: []any{"q", 1}}
	err := e.srv.Sockets().Adapter().BroadcastWithAck(context.Background(), p, socketio.BroadcastOptions{},
		func(n int) { counts <- n },
		func(a codec.Args, err error) {
			if err != nil {
				t.Errorf("onAck error %v", err)
			}
			acks <- a
		})
	if err != nil {
		t.Fatal(err)
	}
	if n := recvChan(t, counts, "client count"); n != 1 {
		t.Fatalf("client count %d", n)
	}
	got := recv(t, c)
	if got.ID == 999 || got.ID < 0 {
		t.Fatalf("the client got ack id %d; want the namespace's own", got.ID)
	}
	send(t, c, fmt.Sprintf(`3%d["ok"]`, got.ID))
	var s string
	if err := recvChan(t, acks, "ack").Decode(0, &s); err != nil || s != "ok" {
		t.Fatalf("ack %q, %v", s, err)
	}
}

// Rooms lists the node's rooms, socket id rooms included.
func TestAdapterRooms(t *testing.T) {
	joined := make(chan struct{}, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.Join("lobby")
			joined <- struct{}{}
		})
	})
	_, sid := e.connect("/")
	// The connection handler runs after the CONNECT reply is sent.
	recvChan(t, joined, "the connection handler")
	rooms := e.srv.Sockets().Adapter().Rooms()
	slices.Sort(rooms)
	want := []string{"lobby", sid}
	slices.Sort(want)
	if !slices.Equal(rooms, want) {
		t.Fatalf("Rooms() = %v, want %v", rooms, want)
	}
}

// RemoteSocket.EmitWithAck completes with the socket's single answer, and
// with ErrDisconnected when the socket leaves without answering.
func TestRemoteSocketEmitWithAck(t *testing.T) {
	e := newEnv(t, nil, nil)
	c, _ := e.connect("/")
	rs, err := e.srv.FetchSockets(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("FetchSockets: %d, %v", len(rs), err)
	}
	type result struct {
		a   codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := rs[0].EmitWithAck(context.Background(), "q")
		done <- result{a, err}
	}()
	p := recv(t, c)
	send(t, c, fmt.Sprintf(`3%d[7]`, p.ID))
	r := recvChan(t, done, "EmitWithAck")
	var n int
	if r.err != nil || r.a.Decode(0, &n) != nil || n != 7 {
		t.Fatalf("EmitWithAck = %v, %v", n, r.err)
	}

	go func() {
		a, err := rs[0].EmitWithAck(context.Background(), "q")
		done <- result{a, err}
	}()
	recv(t, c)
	c.Stop()
	if r := recvChan(t, done, "EmitWithAck"); !errors.Is(r.err, socketio.ErrDisconnected) {
		t.Fatalf("EmitWithAck after disconnect: %v, want ErrDisconnected", r.err)
	}
}
