package socketio_test

import (
	"context"
	"net"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Benchmarks of the emit path over real WebSockets on loopback. Each
// client is a lean raw reader (benchDrainer) that counts event frames and
// answers pings, so that the numbers are the server's: its allocations are
// one small reader per frame, counted in allocs/op like everything else
// in the process.

// benchDrainer reads one WebSocket session and counts the EVENT frames
// ("42...") it receives.
type benchDrainer struct {
	ws     *websocket.Conn
	events atomic.Int64
	done   chan struct{}
}

func dialDrainer(base string, d *websocket.Dialer) (*benchDrainer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := eiotest.HandshakeWebSocket(ctx, d, base, 30*time.Second)
	if err != nil {
		return nil, err
	}
	_ = ws.Conn.SetReadDeadline(time.Time{})
	if err := ws.Write(eiotest.Msg("0")); err != nil { // CONNECT to "/"
		ws.Conn.Close()
		return nil, err
	}
	dr := &benchDrainer{ws: ws.Conn, done: make(chan struct{})}
	go dr.loop()
	return dr, nil
}

func (d *benchDrainer) loop() {
	defer close(d.done)
	buf := make([]byte, 512)
	for {
		typ, r, err := d.ws.NextReader()
		if err != nil {
			return
		}
		n, _ := r.Read(buf[:2])
		if typ == websocket.TextMessage && n >= 1 && buf[0] == '2' { // ping
			_ = d.ws.WriteMessage(websocket.TextMessage, []byte("3"))
		}
		if typ == websocket.TextMessage && n == 2 && buf[0] == '4' && buf[1] == '2' {
			d.events.Add(1)
		}
		for err == nil {
			_, err = r.Read(buf)
		}
	}
}

func (d *benchDrainer) waitEvents(b *testing.B, n int64) {
	deadline := time.Now().Add(60 * time.Second)
	for d.events.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("client received %d events, want %d", d.events.Load(), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (d *benchDrainer) close() {
	_ = d.ws.Close()
	<-d.done
}

// benchServer starts a server whose sockets of "/" are delivered on the
// returned channel.
func benchServer(b *testing.B) (*socketio.Server, string, <-chan *socketio.Socket) {
	return benchServerWith(b, nil)
}

// benchServerWith is benchServer with csr as ConnectionStateRecovery.
func benchServerWith(b *testing.B, csr *socketio.ConnectionStateRecovery) (*socketio.Server, string, <-chan *socketio.Socket) {
	b.Helper()
	socks := make(chan *socketio.Socket, 1024)
	srv := socketio.NewServer(&socketio.Options{
		Options:                 session.Options{PingInterval: time.Minute, PingTimeout: time.Minute},
		ErrorHandler:            func(err error) { b.Errorf("server error: %v", err) },
		ConnectionStateRecovery: csr,
	})
	srv.OnConnection(func(s *socketio.Socket) { socks <- s })
	ts := httptest.NewServer(srv)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return srv, ts.URL + "/socket.io/", socks
}

type benchMsg struct {
	User string `json:"user"`
	Text string `json:"text"`
	TS   int64  `json:"ts"`
}

// BenchmarkEmitOneSocket measures Socket.Emit of a small event to one
// connected socket whose client drains the WebSocket. Every 128 emits the
// benchmark waits for the client to have received them all, so the
// figure is the sustained cost of delivery (encode, queue, write), not
// only of queueing.
func BenchmarkEmitOneSocket(b *testing.B) {
	_, base, socks := benchServer(b)
	dr, err := dialDrainer(base, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer dr.close()
	var sock *socketio.Socket
	select {
	case sock = <-socks:
	case <-time.After(30 * time.Second):
		b.Fatal("no socket")
	}
	msg := benchMsg{User: "alice", Text: "hello, world", TS: 1700000000000}
	const window = 128
	b.ReportAllocs()
	b.ResetTimer()
	var sent int64
	for b.Loop() {
		if err := sock.Emit("chat", msg); err != nil {
			b.Fatal(err)
		}
		sent++
		if sent%window == 0 {
			dr.waitEvents(b, sent)
		}
	}
	dr.waitEvents(b, sent)
}

// BenchmarkBroadcast1000 measures Server.Emit to 1000 sockets, each a
// real WebSocket client on loopback that drains its connection. One op is
// one broadcast (encoded once, queued on 1000 sessions and written by
// their writers); every 16 broadcasts the benchmark waits until every
// client has received them all.
func BenchmarkBroadcast1000(b *testing.B) { benchBroadcast1000(b, nil) }

// BenchmarkBroadcast1000Recovery is BenchmarkBroadcast1000 with connection
// state recovery on: each broadcast also gets an offset and is recorded in
// the packet log, under its lock.
func BenchmarkBroadcast1000Recovery(b *testing.B) {
	benchBroadcast1000(b, &socketio.ConnectionStateRecovery{})
}

func benchBroadcast1000(b *testing.B, csr *socketio.ConnectionStateRecovery) {
	const clients = 1000
	srv, base, socks := benchServerWith(b, csr)
	d := &websocket.Dialer{
		NetDialContext:   (&net.Dialer{}).DialContext,
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  256,
	}
	drainers := make([]*benchDrainer, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range drainers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			drainers[i], errs[i] = dialDrainer(base, d)
		}()
	}
	wg.Wait()
	defer func() {
		for _, dr := range drainers {
			if dr != nil {
				dr.close()
			}
		}
	}()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < clients; i++ {
		select {
		case <-socks:
		case <-time.After(60 * time.Second):
			b.Fatalf("%d sockets connected, want %d", i, clients)
		}
	}
	msg := benchMsg{User: "alice", Text: "hello, world", TS: 1700000000000}
	const window = 16
	b.ReportAllocs()
	b.ResetTimer()
	var sent int64
	for b.Loop() {
		if err := srv.Emit("chat", msg); err != nil {
			b.Fatal(err)
		}
		sent++
		if sent%window == 0 {
			for _, dr := range drainers {
				dr.waitEvents(b, sent)
			}
		}
	}
	for _, dr := range drainers {
		dr.waitEvents(b, sent)
	}
}

// BenchmarkAckRoundTrip measures one client event with an ack, answered by
// a func(any, AckFunc) handler, over a real WebSocket on loopback: one op
// is the client's emit and its wait for the ack (what the harness's ack
// scenario does per client). allocs/op counts the client's reads too.
func BenchmarkAckRoundTrip(b *testing.B) {
	_, base, socks := benchServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := eiotest.HandshakeWebSocket(ctx, nil, base, 30*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Conn.Close()
	_ = ws.Conn.SetReadDeadline(time.Time{})
	if err := ws.Write(eiotest.Msg("0")); err != nil {
		b.Fatal(err)
	}
	select {
	case s := <-socks:
		s.On("ping", func(x any, ack socketio.AckFunc) { _ = ack(x) })
	case <-time.After(30 * time.Second):
		b.Fatal("no socket")
	}
	// The CONNECT reply.
	if _, _, err := ws.Conn.ReadMessage(); err != nil {
		b.Fatal(err)
	}
	emit := []byte(`421["ping","0123456789abcdef"]`)
	buf := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := ws.Conn.WriteMessage(websocket.TextMessage, emit); err != nil {
			b.Fatal(err)
		}
		_, r, err := ws.Conn.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		n, _ := r.Read(buf)
		if n < 2 || buf[0] != '4' || buf[1] != '3' {
			b.Fatalf("got %q, want an ack", buf[:n])
		}
		for err == nil {
			_, err = r.Read(buf)
		}
	}
}
