package socketio_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/framespy"
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
	return benchServerDeflate(b, csr, nil)
}

// benchServerDeflate is benchServerWith with PerMessageDeflate.
func benchServerDeflate(b *testing.B, csr *socketio.ConnectionStateRecovery, deflate *session.Deflate) (*socketio.Server, string, <-chan *socketio.Socket) {
	b.Helper()
	socks := make(chan *socketio.Socket, 1024)
	srv := socketio.NewServer(&socketio.Options{
		Engine:                  socketio.EngineOptions{PingInterval: time.Minute, PingTimeout: time.Minute, PerMessageDeflate: deflate},
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
func BenchmarkBroadcast1000(b *testing.B) { benchBroadcast1000(b, broadcastBench{}) }

// BenchmarkBroadcast1000Recovery is BenchmarkBroadcast1000 with connection
// state recovery on: each broadcast also gets an offset and is recorded in
// the packet log, under its lock.
func BenchmarkBroadcast1000Recovery(b *testing.B) {
	benchBroadcast1000(b, broadcastBench{csr: &socketio.ConnectionStateRecovery{}})
}

// BenchmarkBroadcast1000Deflate is BenchmarkBroadcast1000 with
// PerMessageDeflate on the server and offered by every client: the event
// is under the threshold, so this is what deflate costs messages it does
// not compress.
func BenchmarkBroadcast1000Deflate(b *testing.B) {
	benchBroadcast1000(b, broadcastBench{deflate: true})
}

// BenchmarkBroadcast1000Large broadcasts a typical 2 KiB JSON event
// (benchLarge) instead, without compression; BenchmarkBroadcast1000LargeDeflate
// with PerMessageDeflate (compressed once per broadcast). Every benchmark
// reports the payload bytes one client received per event (wire-B/event).
// With deflate, allocs/op counts the clients' inflating too: gorilla's
// reader allocates for every compressed message it reads (the server's
// writes allocate nothing per recipient).
func BenchmarkBroadcast1000Large(b *testing.B) {
	benchBroadcast1000(b, broadcastBench{large: true})
}

func BenchmarkBroadcast1000LargeDeflate(b *testing.B) {
	benchBroadcast1000(b, broadcastBench{large: true, deflate: true})
}

// broadcastBench configures benchBroadcast1000.
type broadcastBench struct {
	csr     *socketio.ConnectionStateRecovery
	deflate bool // server and clients
	large   bool // benchLarge instead of a benchMsg
}

// benchLarge is a typical 2 KiB JSON event: a page of chat history.
func benchLarge() []benchMsg {
	var page []benchMsg
	words := []string{"hello", "world", "lunch?", "ok", "see you at the meeting", "thanks!", "on my way", "+1"}
	for i := 0; i < 33; i++ {
		page = append(page, benchMsg{User: fmt.Sprintf("user%d", i*7%13), Text: words[i%len(words)] + " " + words[(i*3)%len(words)], TS: 1700000000000 + int64(i)*61_337})
	}
	return page
}

func benchBroadcast1000(b *testing.B, cfg broadcastBench) {
	const clients = 1000
	var deflate *session.Deflate
	if cfg.deflate {
		deflate = &session.Deflate{}
	}
	srv, base, socks := benchServerDeflate(b, cfg.csr, deflate)
	d := &websocket.Dialer{
		NetDialContext:    (&net.Dialer{}).DialContext,
		HandshakeTimeout:  30 * time.Second,
		ReadBufferSize:    1024,
		WriteBufferSize:   256,
		EnableCompression: cfg.deflate,
	}
	// One client's bytes are counted (all of them would make the clients'
	// reads contend on the spy's lock).
	var spy framespy.Spy
	spied := *d
	spied.NetDialContext = spy.DialContext
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
			dd := d
			if i == 0 {
				dd = &spied
			}
			drainers[i], errs[i] = dialDrainer(base, dd)
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
	var msg any = benchMsg{User: "alice", Text: "hello, world", TS: 1700000000000}
	if cfg.large {
		msg = benchLarge()
	}
	const window = 16
	before := spy.Counts().ServerPayloadBytes
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
	b.StopTimer()
	b.ReportMetric(float64(spy.Counts().ServerPayloadBytes-before)/float64(sent), "wire-B/event")
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
