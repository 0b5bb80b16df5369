package session_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Group 3: bad input never panics and only affects its own session. Each
// case opens healthy sessions first, then a victim session that gets the
// bad input; the victim must close with the expected reason (and its
// client be told), the healthy ones must still echo, and new sessions must
// still open. env.stop fails the test if net/http recovered a panic.

const smallPayload = 100 // MaxPayload of the cases that exceed it

// victim is the session receiving bad input, over raw transports.
type victim struct {
	p   *eiotest.Polling   // polling victims
	ws  *eiotest.WebSocket // websocket victims
	ss  *serverSession
	env *env
	// blocked and release drive a message handler that blocks on "block".
	blocked chan struct{}
	release chan struct{}
}

type badInputCase struct {
	name      string
	transport string // of the victim
	// act sends the bad input and checks the responses to it.
	act    func(t *testing.T, v *victim)
	reason string
	// wsClose is the close status the WebSocket victim must get (0: any).
	wsClose int
	// noPendingGet: for polling, do not hold a GET open during act (the
	// case manages its own GETs).
	noPendingGet bool
}

// postExpect POSTs body with the optional Content-Type and checks the
// answer: "ok" for 200, else a JSON error with code 3.
func postExpect(body []byte, contentType string, status int) func(*testing.T, *victim) {
	return func(t *testing.T, v *victim) {
		t.Helper()
		var h http.Header
		if contentType != "" {
			h = http.Header{"Content-Type": {contentType}}
		}
		resp := v.env.do(t, "POST", "?EIO=4&transport=polling&sid="+v.p.SID, body, h)
		if status == http.StatusOK {
			if resp.Status != 200 || string(resp.Body) != "ok" {
				t.Fatalf("POST %q: %s, want 200 ok", body, resp)
			}
			return
		}
		expectJSONError(t, resp, status, session.CodeBadRequest, "")
	}
}

// wsWrite writes one raw frame.
func wsWrite(messageType int, data []byte) func(*testing.T, *victim) {
	return func(t *testing.T, v *victim) {
		t.Helper()
		if err := v.ws.WriteFrame(messageType, data); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
}

var badInputCases = []badInputCase{
	// Polling bodies.
	{name: "empty body", transport: "polling", act: postExpect([]byte{}, "", 400), reason: session.ReasonParseError},
	{name: "unknown type abc", transport: "polling", act: postExpect([]byte("abc"), "", 400), reason: session.ReasonParseError},
	{name: "unknown type 9", transport: "polling", act: postExpect([]byte("9"), "", 400), reason: session.ReasonParseError},
	{name: "trailing separator", transport: "polling", act: postExpect([]byte("4a\x1e"), "", 400), reason: session.ReasonParseError},
	{name: "lone separator", transport: "polling", act: postExpect([]byte("\x1e"), "", 400), reason: session.ReasonParseError},
	{name: "bad packet after good", transport: "polling", act: postExpect([]byte("4ok\x1e7x"), "", 400), reason: session.ReasonParseError},
	{name: "invalid base64", transport: "polling", act: postExpect([]byte("b!!!"), "", 400), reason: session.ReasonParseError},
	{name: "truncated base64", transport: "polling", act: postExpect([]byte("bAQ"), "", 400), reason: session.ReasonParseError},
	{name: "binary content type", transport: "polling", act: postExpect([]byte("4hi"), "application/octet-stream", 400), reason: session.ReasonTransportError},
	{name: "client ping", transport: "polling", act: postExpect([]byte("2"), "", 200), reason: session.ReasonTransportError},
	{name: "client ping probe", transport: "polling", act: postExpect([]byte("2probe"), "", 200), reason: session.ReasonTransportError},
	{name: "body over MaxPayload", transport: "polling", act: postExpect(bytes.Repeat([]byte("4"), smallPayload+1), "", 413), reason: session.ReasonTransportError},
	{name: "chunked body over MaxPayload", transport: "polling", act: postChunkedOverMax, reason: session.ReasonTransportError},
	{name: "overlapping GET", transport: "polling", act: overlappingGet, reason: session.ReasonTransportError, noPendingGet: true},
	{name: "overlapping POST", transport: "polling", act: overlappingPost, reason: session.ReasonTransportError},

	// WebSocket frames.
	{name: "text frame abc", transport: "websocket", act: wsWrite(websocket.TextMessage, []byte("abc")), reason: session.ReasonParseError, wsClose: websocket.CloseProtocolError},
	{name: "empty text frame", transport: "websocket", act: wsWrite(websocket.TextMessage, nil), reason: session.ReasonParseError, wsClose: websocket.CloseProtocolError},
	{name: "text frame invalid base64", transport: "websocket", act: wsWrite(websocket.TextMessage, []byte("b!!!")), reason: session.ReasonParseError, wsClose: websocket.CloseProtocolError},
	{name: "text frame over MaxPayload", transport: "websocket", act: wsWrite(websocket.TextMessage, bytes.Repeat([]byte("4"), smallPayload+1)), reason: session.ReasonTransportError, wsClose: websocket.CloseMessageTooBig},
	{name: "binary frame over MaxPayload", transport: "websocket", act: wsWrite(websocket.BinaryMessage, make([]byte, 10*smallPayload)), reason: session.ReasonTransportError, wsClose: websocket.CloseMessageTooBig},
	{name: "client ping frame", transport: "websocket", act: wsWrite(websocket.TextMessage, []byte("2")), reason: session.ReasonTransportError},
	{name: "client ping probe frame", transport: "websocket", act: wsWrite(websocket.TextMessage, []byte("2probe")), reason: session.ReasonTransportError},
}

// postChunkedOverMax sends a body over MaxPayload with no Content-Length,
// so the limit is found while reading.
func postChunkedOverMax(t *testing.T, v *victim) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	body := io.MultiReader(strings.NewReader("4"), strings.NewReader(strings.Repeat("x", 2*smallPayload)))
	resp, err := eiotest.Do(ctx, v.env.httpClient(), "POST", v.p.URL(), body, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectJSONError(t, resp, http.StatusRequestEntityTooLarge, session.CodeBadRequest, "")
}

// overlappingGet: a second GET while one is pending gets 400; the pending
// one gets a close packet.
func overlappingGet(t *testing.T, v *victim) {
	arrived := v.env.arrived(v.p.SID, "GET")
	first := make(chan *eiotest.Response, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		resp, err := v.p.Get(ctx)
		if err != nil {
			t.Errorf("first GET: %v", err)
		}
		first <- resp
	}()
	<-arrived
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	second, err := v.p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r1 := <-first
	if r1 == nil {
		t.FailNow()
	}
	// The first GET is normally the pending one; if the scheduler let the
	// second overtake it, the roles are swapped.
	if r1.Status != 200 {
		t.Logf("second GET overtook the first: roles swapped")
		r1, second = second, r1
	}
	expectJSONError(t, second, 400, session.CodeBadRequest, "")
	if r1.Status != 200 || string(r1.Body) != "1" {
		t.Fatalf("pending GET got %s, want 200 \"1\"", r1)
	}
}

// overlappingPost: a POST while another is being processed (its message
// handler blocks) gets 400.
func overlappingPost(t *testing.T, v *victim) {
	first := make(chan *eiotest.Response, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
		defer cancel()
		resp, err := v.p.Post(ctx, []byte("4block"))
		if err != nil {
			t.Errorf("first POST: %v", err)
		}
		first <- resp
	}()
	select {
	case <-v.blocked:
	case <-time.After(wait):
		t.Fatal("the first POST's message never reached the handler")
	}
	second := v.env.do(t, "POST", "?EIO=4&transport=polling&sid="+v.p.SID, []byte("4second"), nil)
	close(v.release)
	expectJSONError(t, second, 400, session.CodeBadRequest, "")
	if r := <-first; r != nil {
		t.Logf("first POST: %s", r)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range badInputCases {
		t.Run(tc.transport+"/"+tc.name, func(t *testing.T) {
			blocked, release := make(chan struct{}, 1), make(chan struct{})
			var victimSID atomic.Value // the victim does not echo: its pending GET must see only the close
			victimSID.Store("")
			e := newEnv(t, envConfig{
				opts: &session.Options{MaxPayload: smallPayload},
				onSession: func(ss *serverSession) {
					ss.handle = func(ss *serverSession, data []byte, binary bool) {
						if !binary && string(data) == "block" {
							blocked <- struct{}{}
							select {
							case <-release:
							case <-time.After(2 * wait):
							}
							return
						}
						if ss.ID() != victimSID.Load() {
							ss.echo(data, binary)
						}
					}
				},
			})
			healthy := []*eiotest.Client{e.dial(t, eiotest.ModePolling), e.dial(t, eiotest.ModeWebSocket)}
			for _, c := range healthy {
				roundTrip(t, c, "before")
			}
			v := &victim{env: e, blocked: blocked, release: release}
			var pending chan *eiotest.Response
			if tc.transport == "polling" {
				v.p, v.ss = e.pollingSession(t)
				victimSID.Store(v.p.SID)
				if !tc.noPendingGet {
					pending = pendingGet(t, e, v.p)
				}
			} else {
				v.ws, v.ss = e.wsSession(t)
			}

			tc.act(t, v)
			v.ss.waitClosed(t, tc.reason)

			// The victim's client is told.
			switch {
			case pending != nil:
				r := <-pending
				switch {
				case r == nil:
				case r.Status == 200 && string(r.Body) == "1":
				case r.Status == 400:
					// The GET reached the server after the session was gone.
					t.Logf("pending GET: %s", r)
				default:
					t.Errorf("pending GET got %s, want a close packet", r)
				}
			case v.ws != nil:
				if ce := readClose(t, v.ws); tc.wsClose != 0 && ce.Code != tc.wsClose {
					t.Errorf("close status %d (%q), want %d", ce.Code, ce.Text, tc.wsClose)
				}
			}
			if v.p != nil {
				expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+v.p.SID, nil, nil), 400, session.CodeUnknownSID, "")
			}

			// Everyone else is fine.
			for _, c := range healthy {
				if ss := e.session(t, c.SID()); !ss.isOpen() {
					t.Fatalf("healthy %s session closed: %q %v", c.Transport(), ss.reason, ss.err)
				}
				roundTrip(t, c, "after")
			}
			roundTrip(t, e.dial(t, eiotest.ModePolling), "new session")
			if n := e.srv.Count(); n != 3 {
				t.Errorf("Count() = %d, want 3", n)
			}
		})
	}
}

// pendingGet sends a GET for p's session and returns once it has reached
// the server; its response arrives on the channel (nil on error).
func pendingGet(t *testing.T, e *env, p *eiotest.Polling) chan *eiotest.Response {
	t.Helper()
	arrived := e.arrived(p.SID, "GET")
	ch := make(chan *eiotest.Response, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
		defer cancel()
		resp, err := p.Get(ctx)
		if err != nil {
			t.Errorf("pending GET: %v", err)
		}
		ch <- resp
	}()
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatal("GET never reached the server")
	}
	return ch
}

// readClose reads until the connection ends and returns the close frame.
func readClose(t *testing.T, ws *eiotest.WebSocket) *websocket.CloseError {
	t.Helper()
	for {
		p, err := ws.Read(wait)
		if err != nil {
			return expectClosed(t, err)
		}
		t.Logf("before the close: %q", p)
	}
}

// TestIgnoredPackets: packets a client has no business sending but that
// the reference server ignores (open, unsolicited pong, upgrade, noop) do
// not close the session.
func TestIgnoredPackets(t *testing.T) {
	pkts := []eiotest.Packet{eiotest.Text(eiotest.Open, "{}"), eiotest.Text(eiotest.Pong, ""), eiotest.Text(eiotest.Upgrade, ""), eiotest.Text(eiotest.Noop, "")}
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, envConfig{})
			c := e.dial(t, mode)
			for _, p := range pkts {
				if err := c.Send(p); err != nil {
					t.Fatalf("send %q: %v", p, err)
				}
				roundTrip(t, c, "after "+p.String())
			}
			if ss := e.session(t, c.SID()); !ss.isOpen() {
				t.Fatalf("session closed: %q %v", ss.reason, ss.err)
			}
		})
	}
}

// TestGarbage throws random bytes at fresh sessions, as POST bodies and as
// WebSocket frames: whatever happens to those sessions, nothing panics and
// a healthy session keeps working.
func TestGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEnv(t, envConfig{opts: &session.Options{MaxPayload: 4096}})
	healthy := e.dial(t, eiotest.ModeWebSocket)
	alphabet := []byte("0123456789b4\x1e\x00\xff=+/ab")
	garbage := func() []byte {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = byte(rng.Uint32())
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		return b
	}
	for i := range 40 {
		p, ss := e.pollingSession(t)
		body := garbage()
		resp := e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, body, nil)
		if resp.Status != 200 && resp.Status != 400 {
			t.Fatalf("POST %q: %s", body, resp)
		}
		if resp.Status == 400 {
			select {
			case <-ss.closed:
			case <-time.After(wait):
				t.Fatalf("POST %q answered 400 but the session is still open", body)
			}
			// A client ping before the malformed packet closes first.
			if ss.reason != session.ReasonParseError && ss.reason != session.ReasonTransportError {
				t.Errorf("POST %q: reason %q, want %q", body, ss.reason, session.ReasonParseError)
			}
		}
		ws, wss := e.wsSession(t)
		typ := websocket.TextMessage
		if i%5 == 0 {
			typ = websocket.BinaryMessage
		}
		if err := ws.WriteFrame(typ, garbage()); err != nil {
			t.Fatal(err)
		}
		ws.Conn.Close()
		select {
		case <-wss.closed:
		case <-time.After(wait):
			t.Fatal("WebSocket session not closed after its connection was")
		}
	}
	roundTrip(t, healthy, "still fine")
}

// TestWithMaxPayload: middleware lowers MaxPayload for the sessions opened
// by its requests; the handshake announces it and both transports enforce
// it, including a WebSocket opened later to upgrade.
func TestWithMaxPayload(t *testing.T) {
	const small = 64
	e := newEnv(t, envConfig{
		opts: &session.Options{MaxPayload: 1000},
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n, err := strconv.ParseInt(r.URL.Query().Get("limit"), 10, 64); err == nil {
					r = r.WithContext(session.WithMaxPayload(r.Context(), n))
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	handshake := func(t *testing.T, limit string) (*eiotest.Polling, eiotest.Handshake, *serverSession) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		p, h, _, err := eiotest.HandshakePolling(ctx, e.httpClient(), e.base+"?limit="+limit)
		if err != nil {
			t.Fatal(err)
		}
		// Later requests go without the parameter: the limit is the session's.
		p.Base = e.base
		return p, h, e.session(t, h.SID)
	}
	t.Run("announced", func(t *testing.T) {
		for limit, want := range map[string]int64{"64": small, "5000": 1000, "0": 1000, "-3": 1000, "": 1000} {
			if _, h, _ := handshake(t, limit); h.MaxPayload != want {
				t.Errorf("limit %q: maxPayload %d, want %d", limit, h.MaxPayload, want)
			}
		}
	})
	t.Run("polling", func(t *testing.T) {
		p, _, ss := handshake(t, "64")
		ok := append([]byte("4"), bytes.Repeat([]byte("x"), small-1)...)
		if resp := e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, ok, nil); resp.Status != 200 {
			t.Fatalf("POST of exactly the limit: %s", resp)
		}
		resp := e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, append(ok, 'x'), nil)
		expectJSONError(t, resp, http.StatusRequestEntityTooLarge, session.CodeBadRequest, "")
		ss.waitClosed(t, session.ReasonTransportError)
	})
	t.Run("upgrade", func(t *testing.T) {
		p, _, ss := handshake(t, "64")
		ws := probe(t, e, p.SID)
		if err := ws.Write(eiotest.Text(eiotest.Upgrade, "")); err != nil {
			t.Fatal(err)
		}
		wsRoundTrip(t, ws, strings.Repeat("y", small-1))
		if err := ws.Write(eiotest.Msg(strings.Repeat("y", small))); err != nil {
			t.Fatal(err)
		}
		if ce := readClose(t, ws); ce.Code != websocket.CloseMessageTooBig {
			t.Errorf("close %d, want 1009", ce.Code)
		}
		ss.waitClosed(t, session.ReasonTransportError)
	})
	t.Run("websocket", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		ws, h, err := eiotest.HandshakeWebSocket(ctx, e.dialer(), e.base+"?limit=64", wait)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Conn.Close()
		if h.MaxPayload != small {
			t.Errorf("maxPayload %d", h.MaxPayload)
		}
		if err := ws.Write(eiotest.Bin(make([]byte, small+1))); err != nil {
			t.Fatal(err)
		}
		if ce := readClose(t, ws); ce.Code != websocket.CloseMessageTooBig {
			t.Errorf("close %d, want 1009", ce.Code)
		}
		e.session(t, h.SID).waitClosed(t, session.ReasonTransportError)
	})
}
