package socketio_test

import (
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"

	socketio "github.com/gosio/socketio"
)

// TestNamespacesList: Namespaces lists "/", those made by Of and the
// children of a dynamic namespace once a client has made them, never the
// dynamic declaration itself.
func TestNamespacesList(t *testing.T) {
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.Of("/a")
		s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	})
	names := func() []string {
		var out []string
		for _, n := range e.srv.Namespaces() {
			out = append(out, n.Name())
		}
		sort.Strings(out)
		return out
	}
	if got := names(); !slices.Equal(got, []string{"/", "/a"}) {
		t.Fatalf("Namespaces() = %v, want [/ /a]", got)
	}
	e.connect("/dyn-1")
	if got := names(); !slices.Equal(got, []string{"/", "/a", "/dyn-1"}) {
		t.Fatalf("Namespaces() after a CONNECT to /dyn-1 = %v", got)
	}
}

// TestOnAnyConnection: the hook sees the sockets of every namespace,
// dynamic children included, before the namespace's own handlers.
func TestOnAnyConnection(t *testing.T) {
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	done := make(chan struct{}, 8)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnAnyConnection(func(sock *socketio.Socket) { note("any " + sock.Namespace().Name()) })
		s.OnConnection(func(sock *socketio.Socket) { note("own /"); done <- struct{}{} })
		s.Of("/a").OnConnection(func(sock *socketio.Socket) { note("own /a"); done <- struct{}{} })
		s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(func(sock *socketio.Socket) {
			note("own " + sock.Namespace().Name())
			done <- struct{}{}
		})
		s.OnAnyConnection(nil) // ignored
	})
	for _, nsp := range []string{"/", "/a", "/dyn-7"} {
		e.connect(nsp)
		recvChan(t, done, "connection "+nsp)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"any /", "own /", "any /a", "own /a", "any /dyn-7", "own /dyn-7"}
	if !slices.Equal(order, want) {
		t.Fatalf("handlers ran %q, want %q", order, want)
	}
}

// roomLog records what OnRoomJoin and OnRoomLeave report.
type roomLog struct {
	mu  sync.Mutex
	got []string
}

func (l *roomLog) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
}

func (l *roomLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

// TestOnRoomJoinLeave: each membership change is reported once, after it
// happened, whichever way it was made; a disconnecting socket reports
// every room it leaves, its own id room last.
func TestOnRoomJoinLeave(t *testing.T) {
	log := &roomLog{}
	var socks <-chan *socketio.Socket
	e := newEnv(t, nil, func(s *socketio.Server) {
		socks = sockets(s.Sockets())
		s.OnRoomJoin(func(sock *socketio.Socket, room string) {
			if !slices.Contains(sock.Rooms(), room) {
				t.Errorf("join %s reported before it happened", room)
			}
			log.add("join " + room)
		})
		s.OnRoomLeave(func(sock *socketio.Socket, room string) {
			// (Rooms always lists the own id room: implicit in the adapter.)
			if room != sock.ID() && slices.Contains(sock.Rooms(), room) {
				t.Errorf("leave %s reported before it happened", room)
			}
			log.add("leave " + room)
		})
	})
	c, _ := e.connect("/")
	s := recvChan(t, socks, "socket")
	if got := log.take(); len(got) != 0 {
		t.Fatalf("connecting reported %q (the own id room is not reported)", got)
	}

	s.Join("a", "b", "a", s.ID())
	s.Join("a") // already in it
	if got, want := log.take(), []string{"join a", "join b"}; !slices.Equal(got, want) {
		t.Fatalf("Join reported %q, want %q", got, want)
	}
	s.Leave("a", "never-joined", "a")
	if got, want := log.take(), []string{"leave a"}; !slices.Equal(got, want) {
		t.Fatalf("Leave reported %q, want %q", got, want)
	}
	if err := e.srv.In(s.ID()).SocketsJoin("c"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SocketsLeave("b"); err != nil {
		t.Fatal(err)
	}
	if got, want := log.take(), []string{"join c", "leave b"}; !slices.Equal(got, want) {
		t.Fatalf("SocketsJoin/SocketsLeave reported %q, want %q", got, want)
	}

	gone := make(chan struct{})
	s.OnDisconnect(func(string) { close(gone) })
	send(t, c, `1`) // the client leaves the namespace
	recvChan(t, gone, "disconnect")
	if got, want := log.take(), []string{"leave c", "leave " + s.ID()}; !slices.Equal(got, want) {
		t.Fatalf("disconnection reported %q, want %q", got, want)
	}
}
