package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Shutdown (issue 9, item 9) and the lifetime of namespaces and rooms
// around it: handlers run on each socket's worker and are waited for,
// ctx is honoured, new connections are refused at once, every adapter is
// closed.

// shutdownAsync runs Shutdown on a goroutine; the channel gets its result.
func shutdownAsync(srv *socketio.Server, ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	return done
}

// Shutdown waits for disconnect handlers, and refuses new connections
// while it waits.
func TestShutdownWaitsForHandlers(t *testing.T) {
	entered := make(chan string, 1)
	release := make(chan struct{})
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) {
				entered <- r
				<-release
			})
		})
	})
	e.connect("/")
	done := shutdownAsync(e.srv, context.Background())
	if r := recvChan(t, entered, "the disconnect handler"); r != socketio.ReasonServerShutdown {
		t.Fatalf("reason %q, want %q", r, socketio.ReasonServerShutdown)
	}
	var se *eiotest.StatusError
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	if _, err := siotest.Dial(ctx, e.base, eiotest.ModePolling); !errors.As(err, &se) || se.Resp.Status != 503 {
		t.Fatalf("dial during Shutdown: %v, want HTTP 503", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a disconnect handler runs", err)
	case <-time.After(sioQuiet):
	}
	close(release)
	if err := recvChan(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// Shutdown returns ctx's error when ctx ends first, without waiting for a
// handler that does not return.
func TestShutdownHonoursContext(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(string) {
				entered <- struct{}{}
				<-release
			})
		})
	})
	defer close(release) // before newEnv's cleanup shuts down again
	e.connect("/")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := shutdownAsync(e.srv, ctx)
	recvChan(t, entered, "the disconnect handler")
	if err := recvChan(t, done, "Shutdown"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
}

// A socket's disconnect handler runs after the event handler that was
// running when Shutdown began: one handler at a time per socket, as
// always.
func TestShutdownKeepsHandlersSerial(t *testing.T) {
	seq := make(chan string, 4)
	release := make(chan struct{})
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("slow", func() {
				seq <- "event start"
				<-release
				seq <- "event end"
			})
			s.OnDisconnect(func(string) { seq <- "disconnect" })
		})
	})
	c, _ := e.connect("/")
	send(t, c, `2["slow"]`)
	if v := recvChan(t, seq, "event start"); v != "event start" {
		t.Fatalf("got %q", v)
	}
	done := shutdownAsync(e.srv, context.Background())
	select {
	case v := <-seq:
		t.Fatalf("%q while the event handler runs", v)
	case <-time.After(sioQuiet):
	}
	close(release)
	for _, want := range []string{"event end", "disconnect"} {
		if v := recvChan(t, seq, want); v != want {
			t.Fatalf("got %q, want %q", v, want)
		}
	}
	if err := recvChan(t, done, "Shutdown"); err != nil {
		t.Fatal(err)
	}
}

// countingAdapter is a memory adapter that counts Close calls.
type countingAdapter struct {
	socketio.Adapter
	name   string
	closed atomic.Int32
}

func (a *countingAdapter) Close() error {
	a.closed.Add(1)
	return a.Adapter.Close()
}

// adapterLog records every adapter a Server creates.
type adapterLog struct {
	mu  sync.Mutex
	all []*countingAdapter
}

func (l *adapterLog) factory(n *socketio.Namespace) (socketio.Adapter, error) {
	a := &countingAdapter{Adapter: socketio.NewMemoryAdapter(n), name: n.Name()}
	l.mu.Lock()
	l.all = append(l.all, a)
	l.mu.Unlock()
	return a, nil
}

// open returns the names of the adapters not closed.
func (l *adapterLog) open() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, a := range l.all {
		if a.closed.Load() == 0 {
			out = append(out, a.name)
		}
	}
	return out
}

// Shutdown closes the adapter of every namespace: named ones, dynamic
// children and the templates of dynamic namespaces.
func TestShutdownClosesEveryAdapter(t *testing.T) {
	var log adapterLog
	e := newEnv(t, &socketio.Options{Adapter: log.factory}, func(s *socketio.Server) {
		s.Of("/admin")
		s.OfRegexp(regexp.MustCompile(`^/d-\d+$`))
	})
	e.connect("/d-1")
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if len(log.all) != 4 { // "/", "/admin", the template, "/d-1"
		t.Fatalf("%d adapters created, want 4", len(log.all))
	}
	if open := log.open(); len(open) != 0 {
		t.Fatalf("adapters left open after Shutdown: %v", open)
	}
}

// Shutdown of a chat whose every disconnect handler broadcasts to the
// others: handlers run on each connection's worker, not one after the
// other on the caller, and Shutdown returns once all have run.
func TestShutdownManySockets(t *testing.T) {
	const n = 300
	var left atomic.Int32
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.Join("chat")
			s.OnDisconnect(func(string) {
				_ = s.To("chat").Emit("left", s.ID())
				left.Add(1)
			})
		})
	})
	for range n {
		e.connect("/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Logf("Shutdown of %d sockets took %v", n, time.Since(start))
	if got := left.Load(); got != n {
		t.Fatalf("%d disconnect handlers had run when Shutdown returned, want %d", got, n)
	}
}

// A child of a dynamic namespace created for a CONNECT that middleware
// refuses does not stay: a client inventing names cannot grow the server.
func TestDynamicChildRefusedIsRemoved(t *testing.T) {
	var log adapterLog
	e := newEnv(t, &socketio.Options{Adapter: log.factory}, func(s *socketio.Server) {
		s.OfRegexp(regexp.MustCompile(`^/d-\d+$`)).Use(func(*socketio.Socket) error {
			return errors.New("no")
		})
	})
	c := e.dial(eiotest.ModeWebSocket)
	for i := range 50 {
		_, err := c.Connect(fmt.Sprintf("/d-%d", i), "", sioWait)
		if _, ok := errAs[*siotest.ConnectErr](err); !ok {
			t.Fatalf("connect: %v, want a connect error", err)
		}
	}
	// The worker handles this CONNECT after it has finished with the last
	// refused one (connect errors are sent before the child is released).
	mustConnect(t, c, "/", "")
	if open := log.open(); len(open) != 2 { // "/" and the template
		t.Fatalf("open adapters %v, want / and the template only", open)
	}
}

// With CleanupEmptyChildNamespaces a child goes when its last socket
// leaves; without, it stays (the reference server's default).
func TestCleanupEmptyChildNamespaces(t *testing.T) {
	for _, cleanup := range []bool{false, true} {
		t.Run(fmt.Sprint(cleanup), func(t *testing.T) {
			var log adapterLog
			left := make(chan struct{}, 1)
			e := newEnv(t, &socketio.Options{Adapter: log.factory, CleanupEmptyChildNamespaces: cleanup}, func(s *socketio.Server) {
				s.OfRegexp(regexp.MustCompile(`^/d-\d+$`)).OnConnection(func(s *socketio.Socket) {
					s.OnDisconnect(func(string) { left <- struct{}{} })
				})
			})
			c, _ := e.connect("/d-1")
			send(t, c, `1/d-1,`)
			recvChan(t, left, "disconnect")
			// The child is removed as its last socket leaves, before the
			// socket's disconnect listeners run (as in the reference).
			want := 3 // "/", the template, "/d-1"
			if cleanup {
				want = 2
			}
			if open := log.open(); len(open) != want {
				t.Fatalf("open adapters %v, want %d", open, want)
			}
			mustConnect(t, c, "/d-1", "") // and it can come back
		})
	}
}

// slowJoinAdapter holds AddAll for room "r" until released.
type slowJoinAdapter struct {
	socketio.Adapter
	entered chan struct{}
	release chan struct{}
}

func (a *slowJoinAdapter) AddAll(id string, rooms []string) {
	if len(rooms) == 1 && rooms[0] == "r" {
		a.entered <- struct{}{}
		<-a.release
	}
	a.Adapter.AddAll(id, rooms)
}

// A socket that disconnects while Join is adding it to a room ends up in
// no room: the adapter's AddAll is held until the socket has disconnected
// (and left all its rooms).
func TestJoinRacingDisconnect(t *testing.T) {
	var ad *slowJoinAdapter
	joined := make(chan struct{})
	left := make(chan struct{})
	var id string
	e := newEnv(t, &socketio.Options{Adapter: func(n *socketio.Namespace) (socketio.Adapter, error) {
		ad = &slowJoinAdapter{Adapter: socketio.NewMemoryAdapter(n), entered: make(chan struct{}, 1), release: make(chan struct{})}
		return ad, nil
	}}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			id = s.ID()
			s.OnDisconnect(func(string) { close(left) })
			go func() {
				s.Join("r")
				close(joined)
			}()
		})
	})
	c, _ := e.connect("/")
	recvChan(t, ad.entered, "AddAll")
	c.Stop()
	<-left
	close(ad.release)
	<-joined
	if rooms := ad.SocketRooms(id); slices.Contains(rooms, "r") {
		t.Fatalf("a disconnected socket is left in its rooms: %v", rooms)
	}
}
