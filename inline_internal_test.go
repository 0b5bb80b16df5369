package socketio

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// inlineEnv is a server whose handlers report whether they ran on their
// connection's reading goroutine (inline.go), with a raw client.
type inlineEnv struct {
	t       *testing.T
	io      *Server
	idle    chan *client
	sockets chan *Socket
	ran     chan bool // per handler call: did it run inline
	release chan struct{}
	reasons chan string // disconnect reasons
	base    string
}

const inlineWait = 10 * time.Second

func newInlineEnv(t *testing.T, opts *Options) *inlineEnv {
	e := &inlineEnv{
		reasons: make(chan string, 4),
		t:       t,
		idle:    make(chan *client, 256),
		sockets: make(chan *Socket, 4),
		ran:     make(chan bool, 16),
		release: make(chan struct{}),
	}
	hook := func(c *client) {
		select {
		case e.idle <- c:
		default:
		}
	}
	testHookIdle.Store(&hook)
	t.Cleanup(func() { testHookIdle.Store(nil) })
	e.io = NewServer(opts)
	e.io.OnConnection(func(s *Socket) {
		s.OnDisconnect(func(r string) { e.reasons <- r })
		s.On("fast", func(ack AckFunc) {
			e.ran <- e.onReader(s)
			_ = ack("ok")
		})
		s.On("block", func() {
			e.ran <- e.onReader(s)
			<-e.release
		})
		s.On("ask", func(ack AckFunc) {
			e.ran <- e.onReader(s)
			ctx, cancel := context.WithTimeout(context.Background(), inlineWait)
			defer cancel()
			got, err := s.EmitWithAck(ctx, "q")
			if err != nil {
				_ = ack(err.Error())
				return
			}
			var answer string
			_ = got.Decode(0, &answer)
			_ = ack(answer)
		})
		e.sockets <- s
	})
	ts := httptest.NewServer(e.io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), inlineWait)
		defer cancel()
		_ = e.io.Shutdown(ctx)
		ts.Close()
	})
	e.base = ts.URL + "/socket.io/"
	return e
}

// onReader reports whether the calling handler of s runs on the reading
// goroutine.
func (e *inlineEnv) onReader(s *Socket) bool {
	c := s.client
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.inline != 0
}

// connect opens a client in mode, joins "/" and waits until the server
// side is idle (the CONNECT handled, no worker).
func (e *inlineEnv) connect(mode eiotest.Mode) (*siotest.Client, *client) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), inlineWait)
	defer cancel()
	c, err := siotest.Dial(ctx, e.base, mode)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Stop)
	if _, err := c.Connect("/", "", inlineWait); err != nil {
		e.t.Fatal(err)
	}
	var s *Socket
	select {
	case s = <-e.sockets:
	case <-time.After(inlineWait):
		e.t.Fatal("no socket")
	}
	e.waitIdle(s.client)
	return c, s.client
}

// waitIdle waits until c runs no handler and has no worker.
func (e *inlineEnv) waitIdle(c *client) {
	e.t.Helper()
	for {
		c.qmu.Lock()
		busy := c.running
		c.qmu.Unlock()
		if !busy {
			return
		}
		select {
		case <-e.idle:
		case <-time.After(inlineWait):
			e.t.Fatal("the client's handling did not go idle")
		}
	}
}

func (e *inlineEnv) expect(c *siotest.Client, want string) {
	e.t.Helper()
	if _, err := c.Expect(inlineWait, want); err != nil {
		e.t.Fatal(err)
	}
}

func (e *inlineEnv) send(c *siotest.Client, text string) {
	e.t.Helper()
	if err := c.Send(text); err != nil {
		e.t.Fatal(err)
	}
}

func (e *inlineEnv) ranInline() bool {
	e.t.Helper()
	select {
	case v := <-e.ran:
		return v
	case <-time.After(inlineWait):
		e.t.Fatal("the handler did not run")
		return false
	}
}

func (e *inlineEnv) handOffs() uint64 { return e.io.Stats().Engine.ReadHandOffs }

// A handler of an idle WebSocket client runs on the goroutine that read
// its packet, and nothing is handed off; on long-polling it runs on the
// worker.
func TestInlineOnIdleWebSocket(t *testing.T) {
	e := newInlineEnv(t, nil)
	ws, wc := e.connect(eiotest.ModeWebSocket)
	for i := range 3 {
		e.send(ws, `21["fast"]`)
		if !e.ranInline() {
			t.Fatalf("round trip %d: the handler did not run on the reading goroutine", i)
		}
		e.expect(ws, `31["ok"]`)
		e.waitIdle(wc)
	}
	if n := e.handOffs(); n != 0 {
		t.Fatalf("%d hand-offs, want 0", n)
	}

	pc, pcl := e.connect(eiotest.ModePolling)
	e.send(pc, `21["fast"]`)
	if e.ranInline() {
		t.Fatal("a long-polling handler ran on the request's goroutine")
	}
	e.expect(pc, `31["ok"]`)
	e.waitIdle(pcl)
	if n := e.handOffs(); n != 0 {
		t.Fatalf("%d hand-offs, want 0", n)
	}
}

// A handler that blocks on the reading goroutine has the reading moved
// to a new goroutine by the watchdog: the client's answer to an earlier
// emit is read while the handler is still blocked, and the events read
// meanwhile are handled after it, in order, by the goroutine that ran it.
func TestInlineBlockedHandlerHandsOff(t *testing.T) {
	e := newInlineEnv(t, nil)
	ws, wc := e.connect(eiotest.ModeWebSocket)
	var sock *Socket
	wc.mu.Lock()
	sock = wc.sockets[0]
	wc.mu.Unlock()

	answered := make(chan string, 1)
	// Awaited while nothing runs inline: no hand-off from addAck.
	if err := sock.Emit("q", func(s string) { answered <- s }); err != nil {
		t.Fatal(err)
	}
	e.expect(ws, `20["q"]`)
	if n := e.handOffs(); n != 0 {
		t.Fatalf("%d hand-offs before the blocking handler, want 0", n)
	}

	e.send(ws, `2["block"]`)
	if !e.ranInline() {
		t.Fatal("the blocking handler did not run on the reading goroutine")
	}
	e.send(ws, `30["yes"]`)
	e.send(ws, `21["fast"]`)
	select {
	case got := <-answered:
		if got != "yes" {
			t.Fatalf("ack %q, want yes", got)
		}
	case <-time.After(inlineWait):
		t.Fatal("the ack was not read while the handler blocked")
	}
	if n := e.handOffs(); n != 1 {
		t.Fatalf("%d hand-offs, want 1", n)
	}
	select {
	case <-e.ran:
		t.Fatal("an event was handled while the handler before it blocked")
	default:
	}
	close(e.release)
	if e.ranInline() {
		t.Fatal("the event queued during the hand-off ran inline, ahead of its turn")
	}
	e.expect(ws, `31["ok"]`)
	e.waitIdle(wc)

	// The new reader runs handlers inline again once idle.
	e.send(ws, `22["fast"]`)
	if !e.ranInline() {
		t.Fatal("the handler after the hand-off did not run on the new reading goroutine")
	}
	e.expect(ws, `32["ok"]`)
}

// A handler on the reading goroutine that waits for its own client's ack
// hands the reading off as it starts waiting, without the watchdog (off
// here): the ack is read and the handler returns.
func TestInlineEmitWithAckHandsOff(t *testing.T) {
	testHookWatchdogOff.Store(true)
	defer testHookWatchdogOff.Store(false)
	e := newInlineEnv(t, nil)
	ws, wc := e.connect(eiotest.ModeWebSocket)
	e.send(ws, `21["ask"]`)
	if !e.ranInline() {
		t.Fatal("the handler did not run on the reading goroutine")
	}
	e.expect(ws, `20["q"]`)
	e.send(ws, `30["fine"]`)
	e.expect(ws, `31["fine"]`)
	if n := e.handOffs(); n != 1 {
		t.Fatalf("%d hand-offs, want 1", n)
	}
	e.waitIdle(wc)
}

// A handler blocked on the reading goroutine for several pong windows
// does not cost its client a "ping timeout": the watchdog hands the
// reading off, and the new reader reads the pongs. (With the watchdog
// off, the session is closed and the test fails.)
func TestInlineBlockedHandlerKeepsHeartbeat(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newInlineEnv(t, &Options{Engine: EngineOptions{PingInterval: 50 * time.Millisecond, PingTimeout: timeout}})
	ws, _ := e.connect(eiotest.ModeWebSocket)
	e.send(ws, `2["block"]`)
	if !e.ranInline() {
		t.Fatal("the blocking handler did not run on the reading goroutine")
	}
	// The scenario, not a synchronisation: the handler blocks for five
	// pong windows.
	time.Sleep(5 * timeout)
	close(e.release)
	e.send(ws, `21["fast"]`)
	e.ranInline()
	e.expect(ws, `31["ok"]`)
	select {
	case r := <-e.reasons:
		t.Fatalf("disconnected (%s) while the handler blocked", r)
	default:
	}
	if n := e.handOffs(); n != 1 {
		t.Fatalf("%d hand-offs, want 1", n)
	}
}
