package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/legacytest"
	"github.com/gosio/socketio/internal/wire"
	"github.com/gosio/socketio/legacy"
)

// The Socket.IO 0.6 transports, end to end over the wire: a raw 0.6
// client (internal/legacytest) speaking each transport as the 0.6 browser
// client does, against the Server with Options.Legacy06.

var legacyTransports = []string{legacy.WebSocket, legacy.FlashSocket, legacy.HTMLFile, legacy.XHRMultipart, legacy.XHRPolling, legacy.JSONPPolling}

func newLegacyEnv(t *testing.T, lo *legacy.Options, setup func(*socketio.Server)) *testEnv {
	t.Helper()
	if lo == nil {
		lo = &legacy.Options{}
	}
	return newEnv(t, &socketio.Options{Legacy06: lo}, setup)
}

func dialLegacy(t *testing.T, base, transport string, header http.Header) *legacytest.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	c, err := legacytest.Dial(ctx, base, transport, "", header)
	if err != nil {
		t.Fatalf("dial 0.6 %s: %v", transport, err)
	}
	t.Cleanup(c.Stop)
	return c
}

func legacyNext(t *testing.T, c *legacytest.Client) string {
	t.Helper()
	m, err := c.Next(sioWait)
	if err != nil {
		t.Fatalf("0.6 %s: recv: %v", c.Transport, err)
	}
	return m
}

func legacySend(t *testing.T, c *legacytest.Client, msgs ...string) {
	t.Helper()
	if err := c.Send(msgs...); err != nil {
		t.Fatalf("0.6 %s: send: %v", c.Transport, err)
	}
}

// TestLegacy06Messages: on every transport, a 0.6 client is a socket of
// "/" (Session nil, LegacyConn set); its plain and ~j~ messages are
// "message" events (a string, decoded JSON); "message" events reach it
// (strings as is, other values as ~j~ JSON, several arguments as a JSON
// array); other events are skipped.
func TestLegacy06Messages(t *testing.T) {
	for _, tr := range legacyTransports {
		t.Run(tr, func(t *testing.T) {
			type msg struct {
				s   *socketio.Socket
				arg any
			}
			got := make(chan msg, 16)
			socks := make(chan *socketio.Socket, 4)
			e := newLegacyEnv(t, nil, func(srv *socketio.Server) {
				srv.OnConnection(func(s *socketio.Socket) {
					s.On("message", func(v any) { got <- msg{s, v} })
					socks <- s
				})
			})
			c := dialLegacy(t, e.base, tr, nil)
			s := recvChan(t, socks, "connection")
			if s.Session() != nil || s.LegacyConn() == nil || s.LegacyConn().ID() != c.SID {
				t.Fatalf("Session() = %v, LegacyConn() = %v; want nil and the 0.6 connection %s", s.Session(), s.LegacyConn(), c.SID)
			}
			if s.Namespace().Name() != "/" || s.LegacyConn().Transport() != tr {
				t.Fatalf("namespace %q transport %q", s.Namespace().Name(), s.LegacyConn().Transport())
			}
			legacySend(t, c, "hello", `~j~{"a":[1,"😀"]}`)
			if m := recvChan(t, got, "message"); m.arg != "hello" || m.s != s {
				t.Fatalf("first message: %#v", m.arg)
			}
			m := recvChan(t, got, "message")
			if b, _ := json.Marshal(m.arg); string(b) != `{"a":[1,"😀"]}` {
				t.Fatalf("JSON message decoded as %s", b)
			}
			_ = s.Emit("message", "héllo 😀")
			_ = s.Emit("other", "skipped")
			_ = s.Emit("message", map[string]any{"n": 1})
			_ = s.Emit("message", 1, "two")
			_ = s.Send(42)
			for _, want := range []string{"héllo 😀", `~j~{"n":1}`, `~j~[1,"two"]`, "~j~42"} {
				if m := legacyNext(t, c); m != want {
					t.Fatalf("received %q, want %q", m, want)
				}
			}
		})
	}
}

// TestLegacy06RoomsWithModernClients: a 0.6 client and a Socket.IO v5
// client in one room see each other's messages, and the seed API
// (OnConnect, OnMessage, Broadcast, BroadcastExcept, GetConn) covers both.
func TestLegacy06RoomsWithModernClients(t *testing.T) {
	for _, tr := range []string{legacy.WebSocket, legacy.XHRPolling, legacy.HTMLFile} {
		t.Run(tr, func(t *testing.T) {
			conns := make(chan *socketio.Conn, 4)
			e := newLegacyEnv(t, nil, func(srv *socketio.Server) {
				srv.OnConnect(func(c *socketio.Conn) {
					c.Join("lobby")
					conns <- c
				})
				srv.OnMessage(func(c *socketio.Conn, m socketio.Message) {
					_ = c.To("lobby").Emit("message", map[string]any{"from": c.ID(), "text": m.Data()})
				})
			})
			old := dialLegacy(t, e.base, tr, nil)
			oldConn := recvChan(t, conns, "0.6 connection")
			modern, modernID := e.connect("/")
			recvChan(t, conns, "v5 connection")
			if e.srv.GetConn(oldConn.ID()) != oldConn {
				t.Fatal("GetConn does not find the 0.6 client")
			}

			legacySend(t, old, "from 0.6")
			p := recv(t, modern)
			if !strings.Contains(p.Text, `"text":"from 0.6"`) || !strings.Contains(p.Text, oldConn.ID()) {
				t.Fatalf("v5 client got %s", p.Text)
			}
			send(t, modern, `2["message","from v5"]`)
			want := `~j~{"from":"` + modernID + `","text":"from v5"}`
			if m := legacyNext(t, old); m != want {
				t.Fatalf("0.6 client got %q, want %q", m, want)
			}

			_ = e.srv.Broadcast("to all")
			if m := legacyNext(t, old); m != "to all" {
				t.Fatalf("0.6 client got %q", m)
			}
			expect(t, modern, `2["message","to all"]`)
			_ = e.srv.BroadcastExcept(oldConn, "not to 0.6")
			_ = e.srv.BroadcastExcept(e.srv.GetConn(modernID), "only 0.6")
			expect(t, modern, `2["message","not to 0.6"]`)
			if m := legacyNext(t, old); m != "only 0.6" {
				t.Fatalf("0.6 client got %q", m)
			}
			// A room emit of "message" reaches both.
			_ = e.srv.To("lobby").Emit("message", "v")
			expect(t, modern, `2["message","v"]`)
			if m := legacyNext(t, old); m != "v" {
				t.Fatalf("0.6 client got %q", m)
			}
		})
	}
}

// TestLegacy06Heartbeat: the streaming transports send ~h~<n> every
// HeartbeatInterval; a client echoing them stays, one that stops is
// closed with "ping timeout". Polling has no heartbeat (as in 0.6).
func TestLegacy06Heartbeat(t *testing.T) {
	for _, tr := range []string{legacy.WebSocket, legacy.HTMLFile, legacy.XHRMultipart} {
		t.Run(tr, func(t *testing.T) {
			var rs <-chan string
			e := newLegacyEnv(t, &legacy.Options{HeartbeatInterval: 30 * time.Millisecond, HeartbeatTimeout: time.Second}, // wide echo margin for a loaded machine
				func(srv *socketio.Server) { rs = reasons(srv.Sockets()) })
			c := dialLegacy(t, e.base, tr, nil)
			for i := 1; i <= 5; i++ {
				m, err := c.Recv(sioWait)
				if err != nil || m != "~h~"+itoa(i) {
					t.Fatalf("heartbeat %d: %q %v", i, m, err)
				}
			}
			c.SetEchoHeartbeats(false)
			if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonPingTimeout {
				t.Fatalf("reason %q, want ping timeout", r)
			}
			<-c.Done()
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestLegacy06Buffering: messages sent while a client has no transport
// attached (between polls, or after its stream dropped) wait for it, and
// a client that does not come back within CloseTimeout is disconnected.
func TestLegacy06Buffering(t *testing.T) {
	for _, tr := range []string{legacy.XHRPolling, legacy.HTMLFile, legacy.XHRMultipart, legacy.WebSocket} {
		t.Run(tr, func(t *testing.T) {
			// CloseTimeout is the window the client must come back in:
			// 300 ms was missed on a loaded machine under -race: the poll
			// that came back waited for the two messages until the test
			// gave up, as it would if the connection had closed before
			// they were emitted. The
			// four transports run at once, so the wait for the final
			// close costs the test one CloseTimeout, not four.
			t.Parallel()
			const closeTimeout = 2 * time.Second
			socks := make(chan *socketio.Socket, 4)
			var rs <-chan string
			e := newLegacyEnv(t, &legacy.Options{CloseTimeout: closeTimeout}, func(srv *socketio.Server) {
				rs = reasons(srv.Sockets())
				srv.OnConnection(func(s *socketio.Socket) { socks <- s })
			})
			c := dialLegacy(t, e.base, tr, nil)
			s := recvChan(t, socks, "connection")
			c.Drop()
			<-waitDetached(t, e.srv.Legacy06().Conn(c.SID))
			_ = s.Emit("message", "while away 1")
			_ = s.Emit("message", "while away 2")
			ctx, cancel := context.WithTimeout(context.Background(), sioWait)
			defer cancel()
			back, err := legacytest.Dial(ctx, e.base, tr, c.SID, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(back.Stop)
			for _, want := range []string{"while away 1", "while away 2"} {
				if m := legacyNext(t, back); m != want {
					t.Fatalf("got %q, want %q", m, want)
				}
			}
			select {
			case r := <-rs:
				t.Fatalf("disconnected (%s) though it came back in time", r)
			default:
			}
			// Taken before the drop: the server may see it, and start
			// its CloseTimeout, before Drop returns (htmlfile missed
			// by 3 µs with the clock read after).
			start := time.Now()
			back.Drop()
			if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonTransportClose {
				t.Fatalf("reason %q", r)
			}
			if d := time.Since(start); d < closeTimeout {
				t.Fatalf("disconnected after %v, before CloseTimeout", d)
			}
		})
	}
}

// waitDetached returns a channel closed once c has no transport attached
// (the server has seen the drop).
func waitDetached(t *testing.T, c *legacy.Conn) <-chan struct{} {
	t.Helper()
	if c == nil {
		t.Fatal("no such 0.6 connection")
	}
	return c.Detached()
}

// TestLegacy06PollingExpiry: a polling client that stops polling is
// disconnected after CloseTimeout ("transport close"); polls are held
// PollDuration and answered empty.
func TestLegacy06PollingExpiry(t *testing.T) {
	var rs <-chan string
	e := newLegacyEnv(t, &legacy.Options{CloseTimeout: 200 * time.Millisecond, PollDuration: 50 * time.Millisecond},
		func(srv *socketio.Server) { rs = reasons(srv.Sockets()) })
	c := dialLegacy(t, e.base, legacy.XHRPolling, nil)
	// Several empty polls go by without a disconnect.
	for i := 0; i < 3; i++ {
		<-c.Polled()
	}
	select {
	case r := <-rs:
		t.Fatalf("disconnected (%s) while polling", r)
	default:
	}
	c.Drop()
	if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	if e.srv.Legacy06().Count() != 0 {
		t.Fatal("the connection is still registered")
	}
}

// TestLegacy06MaxPayload: on every transport, a message over MaxPayload
// (the MaxMessageSize middleware's limit here) is refused (413 on a POST,
// close 1009 on a WebSocket) and closes that connection only.
func TestLegacy06MaxPayload(t *testing.T) {
	for _, tr := range legacyTransports {
		t.Run(tr, func(t *testing.T) {
			var rs <-chan string
			srv := socketio.NewServer(&socketio.Options{Legacy06: &legacy.Options{}})
			rs = reasons(srv.Sockets())
			ts := httptest.NewServer(socketio.Chain(srv, socketio.MaxMessageSize(1000)))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), sioWait)
				defer cancel()
				_ = srv.Shutdown(ctx)
				ts.Close()
			})
			base := ts.URL + "/socket.io"
			socks := sockets(srv.Sockets())
			other := dialLegacy(t, base, tr, nil)
			c := dialLegacy(t, base, tr, nil)
			recvChan(t, socks, "connection")
			recvChan(t, socks, "connection")
			legacySend(t, c, strings.Repeat("a", 990)) // within the limit
			status, err := c.Post(wire.EncodeLegacy06(strings.Repeat("é", 600)))
			if tr == legacy.WebSocket || tr == legacy.FlashSocket {
				<-c.Done()
				var ce interface{ Error() string }
				if ce = c.Err(); ce == nil || !strings.Contains(ce.Error(), "1009") {
					t.Fatalf("WebSocket ended with %v, want close 1009", c.Err())
				}
			} else if status != http.StatusRequestEntityTooLarge {
				t.Fatalf("POST over the limit: %d %v", status, err)
			}
			if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonTransportError {
				t.Fatalf("reason %q", r)
			}
			legacySend(t, other, "still here")
			if srv.Legacy06().Conn(other.SID) == nil {
				t.Fatal("the other connection was closed too")
			}
		})
	}
}

// TestLegacy06Origin: CheckOrigin covers every 0.6 transport: a foreign
// Origin is refused (403) before any connection opens; an allowed one
// connects.
func TestLegacy06Origin(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{Legacy06: &legacy.Options{}})
	ts := httptest.NewServer(socketio.Chain(srv, socketio.CheckOrigin(socketio.OriginPolicy{AllowedOrigins: []string{"https://good.example"}})))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	base := ts.URL + "/socket.io"
	for _, tr := range legacyTransports {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		_, err := legacytest.Dial(ctx, base, tr, "", http.Header{"Origin": {"https://evil.example"}})
		cancel()
		var se *legacytest.StatusError
		if err == nil || (!errors.As(err, &se) && !strings.Contains(err.Error(), "403")) || (se != nil && se.Code != http.StatusForbidden) {
			t.Errorf("%s from a foreign origin: %v, want 403", tr, err)
		}
	}
	if n := srv.Legacy06().Count(); n != 0 {
		t.Fatalf("%d connections opened from a foreign origin", n)
	}
	for _, tr := range legacyTransports {
		c := dialLegacy(t, base, tr, http.Header{"Origin": {"https://good.example"}})
		legacySend(t, c, "hi")
		c.Stop()
	}
}

// TestLegacy06BadInput: malformed payloads, bad JSON and unknown sessions
// get a clear refusal and close only the offending connection.
func TestLegacy06BadInput(t *testing.T) {
	for _, tr := range []string{legacy.XHRPolling, legacy.WebSocket} {
		for _, bad := range []string{"~m~5~m~abc", "junk", "~m~3~m~~j~", `~m~5~m~~j~{x`} {
			t.Run(tr+"/"+bad, func(t *testing.T) {
				var rs <-chan string
				socks := make(chan *socketio.Socket, 1)
				e := newLegacyEnv(t, nil, func(srv *socketio.Server) {
					rs = reasons(srv.Sockets())
					srv.OnConnection(func(s *socketio.Socket) { socks <- s })
				})
				c := dialLegacy(t, e.base, tr, nil)
				recvChan(t, socks, "connection")
				recvDone := c.Done()
				_ = c.SendRaw(bad)
				if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonParseError {
					t.Fatalf("reason %q", r)
				}
				if tr == legacy.WebSocket {
					<-recvDone
				}
			})
		}
	}
	e := newLegacyEnv(t, nil, nil)
	for _, path := range []string{"xhr-polling/nosuchsession/123", "htmlfile/nosuchsession", "jsonp-polling/nosuchsession/1/0"} {
		resp, err := http.Get(e.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, resp.StatusCode)
		}
	}
	resp, err := http.Post(e.base+"xhr-polling/nosuchsession/send", "application/x-www-form-urlencoded", strings.NewReader("data=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST to an unknown session: %d", resp.StatusCode)
	}
}

// TestLegacy06Off: without Options.Legacy06 the 0.6 URLs are Engine.IO
// requests (refused), and with it Engine.IO clients still work.
func TestLegacy06Off(t *testing.T) {
	e := newEnv(t, nil, nil)
	resp, err := http.Get(e.base + "xhr-polling//123")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("0.6 request without Legacy06: %d", resp.StatusCode)
	}
	on := newLegacyEnv(t, nil, nil)
	c, _ := on.connect("/")
	send(t, c, `2["x"]`)
}

// TestLegacy06UnderPrefix: behind http.ServeMux under a prefix (which
// redirects the client's first request, /x/socket.io/xhr-polling//<ts>, to
// a cleaned path) and behind StripPrefix, 0.6 clients connect.
func TestLegacy06UnderPrefix(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{Legacy06: &legacy.Options{}})
	got := make(chan string, 4)
	srv.OnMessage(func(_ *socketio.Conn, m socketio.Message) { got <- m.Data() })
	mux := http.NewServeMux()
	mux.Handle("/x/socket.io/", srv)
	mux.Handle("/y/", http.StripPrefix("/y", srv))
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	for _, base := range []string{ts.URL + "/x/socket.io", ts.URL + "/y"} {
		for _, tr := range []string{legacy.XHRPolling, legacy.JSONPPolling, legacy.WebSocket} {
			c := dialLegacy(t, base, tr, nil)
			legacySend(t, c, "hi "+tr)
			if m := recvChan(t, got, "message"); m != "hi "+tr {
				t.Fatalf("got %q", m)
			}
			c.Stop()
		}
	}
}

// TestLegacy06Shutdown: Shutdown disconnects 0.6 clients with "server
// shutting down" and refuses new ones.
func TestLegacy06Shutdown(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{Legacy06: &legacy.Options{}})
	rs := reasons(srv.Sockets())
	socks := sockets(srv.Sockets())
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var cs []*legacytest.Client
	for _, tr := range legacyTransports {
		cs = append(cs, dialLegacy(t, ts.URL+"/socket.io", tr, nil))
		recvChan(t, socks, "connection")
	}
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range cs {
		if r := recvChan(t, rs, "disconnect"); r != socketio.ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	}
	for _, c := range cs {
		c.Stop()
	}
	if _, err := legacytest.Dial(ctx, ts.URL+"/socket.io", legacy.XHRPolling, "", nil); err == nil {
		t.Fatal("a new 0.6 connection was accepted after Shutdown")
	}
}

// Callbacks added through Legacy06() (to log 0.6 clients, say) run beside
// the Socket.IO server's own: the observer sees the client's messages and
// the close, and the seed handlers still get the messages.
func TestLegacy06ObserversKeepSocketIO(t *testing.T) {
	observed := make(chan string, 4)
	got := make(chan string, 4)
	conns := make(chan *socketio.Conn, 1)
	e := newLegacyEnv(t, nil, func(s *socketio.Server) {
		s.Legacy06().OnConnection(func(c *legacy.Conn) {
			c.OnMessage(func(text string, isJSON bool) { observed <- text })
			c.OnClose(func(reason string, _ error) { observed <- "closed: " + reason })
		})
		s.OnConnect(func(c *socketio.Conn) { conns <- c })
		s.OnMessage(func(_ *socketio.Conn, m socketio.Message) { got <- m.Data() })
	})
	c := dialLegacy(t, e.base, legacy.XHRPolling, nil)
	conn := recvChan(t, conns, "OnConnect")
	legacySend(t, c, "hello")
	if m := recvChan(t, got, "the seed's OnMessage"); m != "hello" {
		t.Fatalf("OnMessage got %q", m)
	}
	if m := recvChan(t, observed, "the observer's OnMessage"); m != "hello" {
		t.Fatalf("observer got %q", m)
	}
	conn.Disconnect(true)
	if m := recvChan(t, observed, "the observer's OnClose"); !strings.HasPrefix(m, "closed: ") {
		t.Fatalf("observer got %q", m)
	}
}
