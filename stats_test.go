package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
	"github.com/gosio/socketio/legacy"
	"github.com/gosio/socketio/session"
)

// Server.Stats over real connections: each step checks every Socket.IO
// counter for its exact value. The counters move before anything a
// client or a handler can observe (a CONNECT reply or error, a delivered
// event, an ack's result, a disconnect listener), so the steps wait for
// those, not for the counters; the one exception is noted where it is.

// sioCounts is the Socket.IO part of Stats, with the latency histogram
// reduced to its count.
type sioCounts struct {
	Sockets                           map[string]int
	Connects                          uint64
	Disconnects, ConnectRefusals      map[string]uint64
	Broadcasts, BroadcastRecipients   uint64
	AcksRequested, AckTimeouts, Acked uint64
}

func countsOf(st socketio.Stats) sioCounts {
	return sioCounts{
		Sockets: st.Sockets, Connects: st.Connects, Disconnects: st.Disconnects, ConnectRefusals: st.ConnectRefusals,
		Broadcasts: st.Broadcasts, BroadcastRecipients: st.BroadcastRecipients,
		AcksRequested: st.AcksRequested, AckTimeouts: st.AckTimeouts, Acked: st.AckLatency.Count,
	}
}

// disconnects is a Disconnects map: every reason, zero included.
func disconnects(nonzero map[string]uint64) map[string]uint64 {
	m := map[string]uint64{}
	for _, r := range []string{socketio.ReasonTransportClose, socketio.ReasonTransportError, socketio.ReasonPingTimeout,
		socketio.ReasonParseError, socketio.ReasonForcedClose, socketio.ReasonServerShutdown,
		socketio.ReasonServerNamespaceDisconnect, socketio.ReasonClientNamespaceDisconnect} {
		m[r] = nonzero[r]
	}
	return m
}

func refusals(middleware, invalid, unavailable uint64) map[string]uint64 {
	return map[string]uint64{"middleware": middleware, "invalid_namespace": invalid, "namespace_unavailable": unavailable}
}

func checkCounts(tb testing.TB, step string, srv *socketio.Server, want sioCounts) {
	tb.Helper()
	if got := countsOf(srv.Stats()); !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s: Stats\n got  %+v\n want %+v", step, got, want)
	}
}

func TestStats(t *testing.T) {
	main := make(chan *socketio.Socket, 16)
	dyn := make(chan *socketio.Socket, 16)
	why := make(chan string, 16)
	var tmpl *socketio.Namespace
	e := newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{MaxBufferedPackets: 4}}, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { why <- r })
			main <- s
		})
		srv.Of("/private").Use(func(*socketio.Socket) error { return errors.New("members only") })
		tmpl = srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
		tmpl.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { why <- r })
			dyn <- s
		})
	})
	want := sioCounts{
		Sockets:     map[string]int{"/": 0, "/private": 0},
		Disconnects: disconnects(nil), ConnectRefusals: refusals(0, 0, 0),
	}
	checkCounts(t, "new server", e.srv, want)

	c1, _ := e.connect("/")
	s1 := recvChan(t, main, "socket 1")
	c2 := e.dial(eiotest.ModePolling)
	mustConnect(t, c2, "/", "")
	s2 := recvChan(t, main, "socket 2")
	c3, _ := e.connect("/dyn-1")
	s3 := recvChan(t, dyn, "dynamic socket")
	want.Sockets = map[string]int{"/": 2, "/private": 0, "/dyn-1": 1}
	want.Connects = 3
	checkCounts(t, "connected", e.srv, want)

	// Refused CONNECTs.
	var ce *siotest.ConnectErr
	if _, err := c3.Connect("/private", "", sioWait); !errors.As(err, &ce) {
		t.Fatalf("CONNECT /private: %v, want a CONNECT_ERROR", err)
	}
	if _, err := c3.Connect("/nope", "", sioWait); !errors.As(err, &ce) {
		t.Fatalf("CONNECT /nope: %v, want a CONNECT_ERROR", err)
	}
	want.ConnectRefusals = refusals(1, 1, 0)
	checkCounts(t, "refused", e.srv, want)

	// Broadcasts: to "/", to the others of s1, to an empty room, to every
	// child of the dynamic namespace; a socket's own emit is none.
	if err := e.srv.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	expect(t, c1, `2["news",1]`)
	expect(t, c2, `2["news",1]`)
	if err := s1.Broadcast().Emit("b"); err != nil {
		t.Fatal(err)
	}
	expect(t, c2, `2["b"]`)
	if err := e.srv.To("empty").Emit("x"); err != nil {
		t.Fatal(err)
	}
	// With an ack callback, counted when Emit returns (the acks are
	// collected on a goroutine).
	cbDone := make(chan struct{})
	if err := e.srv.To("empty").Emit("x", func(error, []codec.Args) { close(cbDone) }); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Broadcasts; n != 4 {
		t.Fatalf("Broadcasts = %d right after Emit with a callback, want 4", n)
	}
	recvChan(t, cbDone, "broadcast callback")
	if err := tmpl.Emit("d"); err != nil {
		t.Fatal(err)
	}
	expect(t, c3, `2/dyn-1,["d"]`)
	if err := s1.Emit("direct"); err != nil {
		t.Fatal(err)
	}
	expect(t, c1, `2["direct"]`)
	want.Broadcasts, want.BroadcastRecipients = 5, 4
	checkCounts(t, "broadcasts", e.srv, want)

	// Acks: answered; timed out by Timeout, by EmitWithAck's ctx.
	type result struct {
		args codec.Args
		err  error
	}
	done := make(chan result, 1)
	go func() {
		a, err := s1.EmitWithAck(context.Background(), "q")
		done <- result{a, err}
	}()
	p := recv(t, c1)
	send(t, c1, fmt.Sprintf(`3%d["ok"]`, p.ID))
	if r := recvChan(t, done, "ack"); r.err != nil {
		t.Fatal(r.err)
	}
	want.AcksRequested, want.Acked = 1, 1
	checkCounts(t, "ack answered", e.srv, want)

	timedOut := make(chan error, 1)
	if err := s2.Timeout(50*time.Millisecond).Emit("q2", func(err error) { timedOut <- err }); err != nil {
		t.Fatal(err)
	}
	recv(t, c2) // not answered
	if err := recvChan(t, timedOut, "ack timeout"); !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("callback got %v, want ErrAckTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := s1.EmitWithAck(ctx, "q3")
	cancel()
	if !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("EmitWithAck: %v, want ErrAckTimeout", err)
	}
	recv(t, c1) // not answered
	want.AcksRequested, want.AckTimeouts = 3, 2
	checkCounts(t, "acks timed out", e.srv, want)

	// A broadcast with acks: one answer, one timeout.
	go func() {
		a, err := e.srv.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "all")
		done <- result{nil, err}
		_ = a
	}()
	p = recv(t, c1)
	send(t, c1, fmt.Sprintf(`3%d["ok"]`, p.ID))
	recv(t, c2) // not answered
	if r := recvChan(t, done, "broadcast ack"); !errors.Is(r.err, socketio.ErrAckTimeout) {
		t.Fatalf("broadcast EmitWithAck: %v, want ErrAckTimeout", r.err)
	}
	want.Broadcasts, want.BroadcastRecipients = 6, 6
	want.AcksRequested, want.Acked, want.AckTimeouts = 5, 2, 3
	// The adapter forgets the unanswered ack (and counts it) in a
	// context.AfterFunc, on a goroutine of its own after the broadcast
	// returned: nothing to wait on, so poll (bounded).
	waitCounts(t, "broadcast ack", e.srv, want)

	// An ack failed by a disconnection is neither answered nor timed out;
	// the client left the namespace.
	go func() {
		_, err := s3.EmitWithAck(context.Background(), "q4")
		done <- result{nil, err}
	}()
	recv(t, c3)
	send(t, c3, "1/dyn-1,")
	if r := recvChan(t, done, "ack of a socket gone"); !errors.Is(r.err, socketio.ErrDisconnected) {
		t.Fatalf("EmitWithAck: %v, want ErrDisconnected", r.err)
	}
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonClientNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	want.AcksRequested = 6
	want.Sockets["/dyn-1"] = 0
	want.Disconnects = disconnects(map[string]uint64{socketio.ReasonClientNamespaceDisconnect: 1})
	checkCounts(t, "client namespace disconnect", e.srv, want)

	// Disconnected by the server, then a parse error on the same
	// connection, joined again.
	s2.Disconnect(false)
	expect(t, c2, `1`)
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	mustConnect(t, c2, "/", "")
	recvChan(t, main, "socket 2 again")
	send(t, c2, `9`)
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonParseError {
		t.Fatalf("reason %q", r)
	}
	// The whole connection closed by the server, and one by the client.
	s1.Disconnect(true)
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	c4, _ := e.connect("/")
	recvChan(t, main, "socket 4")
	if err := c4.Close(); err != nil {
		t.Fatal(err)
	}
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	want.Connects = 5
	want.Sockets["/"] = 0
	want.Disconnects = disconnects(map[string]uint64{socketio.ReasonClientNamespaceDisconnect: 1,
		socketio.ReasonServerNamespaceDisconnect: 2, socketio.ReasonParseError: 1, socketio.ReasonTransportClose: 1})
	checkCounts(t, "disconnects", e.srv, want)

	// A client that never polls: its queue overflows.
	ctx, cancel = context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	poll, _, _, err := eiotest.HandshakePolling(ctx, &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, e.base)
	if err != nil {
		t.Fatal(err)
	}
	if err := poll.Send(ctx, eiotest.Msg("0")); err != nil {
		t.Fatal(err)
	}
	s5 := recvChan(t, main, "socket 5")
	for i := 0; ; i++ {
		err := s5.Emit("fill")
		if err == nil {
			continue
		}
		if !errors.Is(err, session.ErrQueueFull) || i != 3 {
			t.Fatalf("emit %d: %v, want ErrQueueFull at the 4th (the CONNECT reply is queued too)", i, err)
		}
		break
	}
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}

	// Shutdown disconnects the last socket.
	mustConnect(t, c3, "/", "")
	recvChan(t, main, "socket 6")
	ctx2, cancel2 := context.WithTimeout(context.Background(), sioWait)
	defer cancel2()
	if err := e.srv.Shutdown(ctx2); err != nil {
		t.Fatal(err)
	}
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonServerShutdown {
		t.Fatalf("reason %q", r)
	}
	want.Connects = 7
	want.Disconnects[socketio.ReasonTransportError] = 1
	want.Disconnects[socketio.ReasonServerShutdown] = 1
	checkCounts(t, "shutdown", e.srv, want)

	st := e.srv.Stats()
	eng := st.Engine
	wantClosed := map[string]uint64{"transport close": 1, "transport error": 1, "ping timeout": 0,
		"parse error": 1, "forced close": 1, "server shutting down": 1}
	if eng.Opened != 5 || eng.QueueOverflows != 1 || !reflect.DeepEqual(eng.Closed, wantClosed) ||
		eng.OpenPolling != 0 || eng.OpenWebSocket != 0 {
		t.Fatalf("Engine stats %+v, want 5 opened, 1 overflow, closed %v", eng, wantClosed)
	}
	checkHistogram(t, st.AckLatency, 2)
}

// waitCounts is checkCounts for a counter moved on a goroutine the test
// cannot wait for: it polls, bounded by sioWait.
func waitCounts(tb testing.TB, step string, srv *socketio.Server, want sioCounts) {
	tb.Helper()
	deadline := time.Now().Add(sioWait)
	for !reflect.DeepEqual(countsOf(srv.Stats()), want) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	checkCounts(tb, step, srv, want)
}

// checkHistogram checks the shape of a latency histogram of n
// observations, all under the last bound.
func checkHistogram(tb testing.TB, h socketio.Histogram, n uint64) {
	tb.Helper()
	if h.Count != n || len(h.Buckets) == 0 || h.Buckets[len(h.Buckets)-1].Count != n {
		tb.Fatalf("histogram %+v, want %d observations under the last bound", h, n)
	}
	if h.Sum <= 0 || h.Sum > time.Duration(n)*h.Buckets[len(h.Buckets)-1].UpperBound {
		tb.Fatalf("histogram sum %v for %d observations", h.Sum, n)
	}
	for i := 1; i < len(h.Buckets); i++ {
		if h.Buckets[i].UpperBound <= h.Buckets[i-1].UpperBound || h.Buckets[i].Count < h.Buckets[i-1].Count {
			tb.Fatalf("histogram buckets not cumulative: %+v", h.Buckets)
		}
	}
}

// TestStatsPingTimeout: a client that stops answering pings is counted
// at both layers.
func TestStatsPingTimeout(t *testing.T) {
	why := make(chan string, 1)
	e := newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{PingInterval: 20 * time.Millisecond, PingTimeout: 50 * time.Millisecond}},
		func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { why <- r }) })
		})
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	ws, _, err := eiotest.HandshakeWebSocket(ctx, nil, e.base, sioWait)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Conn.Close()
	if err := ws.Write(eiotest.Msg("0")); err != nil { // CONNECT, then silence
		t.Fatal(err)
	}
	if r := recvChan(t, why, "disconnect"); r != socketio.ReasonPingTimeout {
		t.Fatalf("reason %q", r)
	}
	st := e.srv.Stats()
	if st.Disconnects[socketio.ReasonPingTimeout] != 1 || st.Engine.Closed[session.ReasonPingTimeout] != 1 || st.Connects != 1 {
		t.Fatalf("Stats %+v, want one socket and one session closed by ping timeout", st)
	}
}

// TestStatsRecovery: with connection state recovery a socket's own emits
// go through the adapter as Node routes them, but are not broadcasts.
func TestStatsRecovery(t *testing.T) {
	socks := make(chan *socketio.Socket, 2)
	e := newEnv(t, &socketio.Options{ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}}, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	c1, id1 := e.connect("/")
	c2, _ := e.connect("/")
	s1 := recvChan(t, socks, "a socket")
	if s1.ID() != id1 {
		s1 = recvChan(t, socks, "another socket")
	}
	if err := s1.Emit("own"); err != nil {
		t.Fatal(err)
	}
	recv(t, c1)
	if err := e.srv.Emit("all"); err != nil {
		t.Fatal(err)
	}
	recv(t, c1)
	recv(t, c2)
	if st := e.srv.Stats(); st.Broadcasts != 1 || st.BroadcastRecipients != 2 {
		t.Fatalf("Broadcasts %d, recipients %d; want 1 and 2", st.Broadcasts, st.BroadcastRecipients)
	}
}

// TestStatsLegacy06: a Socket.IO 0.6 client is a socket of "/" in the
// Socket.IO counters, and no Engine.IO session.
func TestStatsLegacy06(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	why := make(chan string, 1)
	e := newLegacyEnv(t, nil, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { why <- r })
			socks <- s
		})
	})
	dialLegacy(t, e.base, legacy.WebSocket, nil)
	s := recvChan(t, socks, "0.6 socket")
	st := e.srv.Stats()
	if st.Connects != 1 || st.Sockets["/"] != 1 || st.Engine.Opened != 0 {
		t.Fatalf("Stats %+v, want one socket of / and no Engine.IO session", st)
	}
	s.Disconnect(true)
	recvChan(t, why, "disconnect")
	if st := e.srv.Stats(); st.Disconnects[socketio.ReasonServerNamespaceDisconnect] != 1 || st.Sockets["/"] != 0 {
		t.Fatalf("Stats %+v after the disconnect", st)
	}
}
