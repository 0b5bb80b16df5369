package socketio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Socket.IO protocol 4 (socket.io-client 2.x) over Engine.IO 3, raw.

func newV3Env(t *testing.T, setup func(*socketio.Server)) *testEnv {
	t.Helper()
	return newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{AllowEIO3: true}}, setup)
}

func (e *testEnv) dialV3(mode eiotest.Mode, v3 eiotest.V3) *siotest.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	c, err := siotest.DialV3(ctx, e.base, mode, v3)
	if err != nil {
		e.t.Fatalf("dial v3 %s: %v", mode, err)
	}
	e.t.Cleanup(c.Stop)
	return c
}

func expectText(t *testing.T, c *siotest.Client, want string) siotest.Packet {
	t.Helper()
	p, err := c.Expect(sioWait, want)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var v3Cases = []struct {
	name string
	mode eiotest.Mode
	v3   eiotest.V3
}{
	{"polling", eiotest.ModePolling, eiotest.V3{}},
	{"polling-b64", eiotest.ModePolling, eiotest.V3{B64: true}},
	{"jsonp", eiotest.ModePolling, eiotest.V3{JSONP: true, B64: true}},
	{"websocket", eiotest.ModeWebSocket, eiotest.V3{}},
	{"websocket-b64", eiotest.ModeWebSocket, eiotest.V3{B64: true}},
	{"upgrade", eiotest.ModeUpgrade, eiotest.V3{}},
}

// The whole protocol 4 conversation of socket.io-client 2.x, over every
// transport and framing: the implicit "/" connection, a namespace CONNECT
// with a query, socket ids, events and acks both ways, binary both ways.
func TestEIO3Conversation(t *testing.T) {
	type seen struct {
		id   string
		auth map[string]any
	}
	conns := make(chan seen, 16)
	e := newV3Env(t, func(s *socketio.Server) {
		s.OnConnection(func(sock *socketio.Socket) { conns <- seen{sock.ID(), sock.Handshake().Auth} })
		s.Of("/admin").OnConnection(func(sock *socketio.Socket) {
			conns <- seen{sock.ID(), sock.Handshake().Auth}
			sock.On("echo", func(args codec.Args, ack socketio.AckFunc) {
				var vals []any
				for i := 0; i < args.Len(); i++ {
					var v any
					_ = args.Decode(i, &v)
					vals = append(vals, v)
				}
				if ack != nil {
					_ = ack(vals...)
				}
			})
			sock.On("ask", func() {
				go func() {
					reply, err := sock.EmitWithAck(context.Background(), "question", []byte{1, 2, 3})
					if err != nil {
						return
					}
					var s string
					_ = reply.Decode(0, &s)
					_ = sock.Emit("answer", s)
				}()
			})
		})
	})
	for _, tc := range v3Cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dialV3(tc.mode, tc.v3)
			sid := c.EIO.SID()
			expectText(t, c, "0")
			if got := <-conns; got.id != sid || len(got.auth) != 0 {
				t.Fatalf(`"/" socket %q auth %v, want id %q (the engine id) and no auth`, got.id, got.auth, sid)
			}
			if err := c.Send("0/admin?token=abc&name=J%C3%BCrgen+M,"); err != nil {
				t.Fatal(err)
			}
			expectText(t, c, "0/admin,")
			got := <-conns
			if want := "/admin#" + sid; got.id != want {
				t.Errorf("/admin socket id %q, want %q", got.id, want)
			}
			if want := map[string]any{"token": "abc", "name": "Jürgen M"}; !reflect.DeepEqual(got.auth, want) {
				t.Errorf("auth %v, want %v", got.auth, want)
			}
			// An event with an ack, text and binary arguments.
			if err := c.Send(`51-/admin,7["echo","é😀",{"_placeholder":true,"num":0}]`, []byte{0, 0xff}); err != nil {
				t.Fatal(err)
			}
			p := expectText(t, c, `61-/admin,7["é😀",{"_placeholder":true,"num":0}]`)
			if len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{0, 0xff}) {
				t.Fatalf("ack attachments %x", p.Attachments)
			}
			// The server asks, with binary, and waits for the client's ack.
			if err := c.Send(`2/admin,["ask"]`); err != nil {
				t.Fatal(err)
			}
			p, err := c.Recv(sioWait)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`51-/admin,%d["question",{"_placeholder":true,"num":0}]`, p.ID); p.Text != want || p.ID < 0 {
				t.Fatalf("got %q, want %q", p.Text, want)
			}
			if !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) {
				t.Fatalf("question attachment %x", p.Attachments[0])
			}
			if err := c.Send(fmt.Sprintf(`3/admin,%d["forty-two"]`, p.ID)); err != nil {
				t.Fatal(err)
			}
			expectText(t, c, `2/admin,["answer","forty-two"]`)
			if err := c.Send(`1/admin,`); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A refusal by middleware reaches a protocol 4 client as the reference
// server sends it: err.data if any, else err.message; an unknown
// namespace gets the object form, as there.
func TestEIO3ConnectError(t *testing.T) {
	e := newV3Env(t, func(s *socketio.Server) {
		s.Of("/data").Use(func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
		})
		s.Of("/msg").Use(func(*socketio.Socket) error { return errors.New("not authorized") })
		s.Of("/zero").Use(func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "zero data", Data: 0}
		})
		s.Of("/token").Use(func(sock *socketio.Socket) error {
			if sock.Handshake().Auth["token"] != "good" {
				return errors.New("bad token")
			}
			return nil
		})
	})
	c := e.dialV3(eiotest.ModeWebSocket, eiotest.V3{})
	expectText(t, c, "0")
	for _, tc := range []struct{ send, want string }{
		{"0/data,", `4/data,{"code":42}`},
		{"0/msg,", `4/msg,"not authorized"`},
		{"0/zero,", `4/zero,"zero data"`},
		{"0/nowhere,", `4/nowhere,{"message":"Invalid namespace"}`},
		{"0/token?token=bad,", `4/token,"bad token"`},
		{"0/token?token=good,", `0/token,`},
	} {
		if err := c.Send(tc.send); err != nil {
			t.Fatal(err)
		}
		expectText(t, c, tc.want)
	}

	// Middleware on "/" refuses the implicit connection.
	e2 := newV3Env(t, func(s *socketio.Server) {
		s.Use(func(*socketio.Socket) error { return errors.New("go away") })
	})
	c2 := e2.dialV3(eiotest.ModePolling, eiotest.V3{B64: true})
	expectText(t, c2, `4"go away"`)
}

// Rooms and broadcasts reach protocol 4 and protocol 5 clients alike.
func TestEIO3Broadcast(t *testing.T) {
	e := newV3Env(t, func(s *socketio.Server) {
		s.OnConnection(func(sock *socketio.Socket) {
			sock.Join("room")
			sock.On("shout", func(msg string) { sock.To("room").Emit("heard", msg, []byte{7}) })
		})
	})
	v3 := e.dialV3(eiotest.ModePolling, eiotest.V3{})
	expectText(t, v3, "0")
	v3b := e.dialV3(eiotest.ModeWebSocket, eiotest.V3{B64: true})
	expectText(t, v3b, "0")
	v5, _ := e.connect("/")
	if err := v5.Send(`2["shout","hi"]`); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*siotest.Client{v3, v3b} {
		p := expectText(t, c, `51-["heard","hi",{"_placeholder":true,"num":0}]`)
		if !bytes.Equal(p.Attachments[0], []byte{7}) {
			t.Fatalf("client %d: attachment %x", i, p.Attachments[0])
		}
	}
	if err := v3.Send(`2["shout","back"]`); err != nil {
		t.Fatal(err)
	}
	expectText(t, v5, `51-["heard","back",{"_placeholder":true,"num":0}]`)
	expectText(t, v3b, `51-["heard","back",{"_placeholder":true,"num":0}]`)
}

// Protocol 4 input goes through the same limits and checks as protocol 5.
func TestEIO3BadPackets(t *testing.T) {
	e := newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{AllowEIO3: true}, MaxAttachments: 2}, nil)
	for i, bad := range []string{`2{}`, `4"x"`, `53-["x",1]`, `0/data?x=1,{"a":1}trailing`, `2["connect"]`} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			c := e.dialV3(eiotest.ModeWebSocket, eiotest.V3{})
			expectText(t, c, "0")
			if err := c.Send(bad); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Drain(sioWait); err == nil || errors.Is(err, eiotest.ErrTimeout) {
				t.Fatalf("after %q: %v, want the connection closed", bad, err)
			}
		})
	}
}

// Off by default: a protocol 4 client is refused at the handshake.
func TestEIO3Off(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	_, err := siotest.DialV3(ctx, e.base, eiotest.ModePolling, eiotest.V3{})
	var se *eiotest.StatusError
	if !errors.As(err, &se) || se.Resp.Status != 400 || !bytes.Contains(se.Resp.Body, []byte(`"code":5`)) {
		t.Fatalf("dial: %v, want 400 code 5", err)
	}
}

// JSONP polls carry no Origin header: CheckOrigin reads the page's origin
// from the Referer, and refuses a cross-site load that hides it.
func TestEIO3JSONPOrigin(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{Engine: socketio.EngineOptions{AllowEIO3: true}})
	h := socketio.CheckOrigin(socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com"}})(srv)
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	for _, tc := range []struct {
		name   string
		query  string
		header map[string]string
		status int
	}{
		{"no headers (not a browser)", "j=0", nil, 200},
		{"same-origin fetch", "j=0", map[string]string{"Sec-Fetch-Site": "same-origin", "Referer": "https://evil.test/"}, 200},
		{"allowed referer", "j=0", map[string]string{"Sec-Fetch-Site": "cross-site", "Referer": "https://app.example.com/chat"}, 200},
		{"foreign referer", "j=0", map[string]string{"Referer": "https://evil.test/page"}, 403},
		{"cross-site, referer hidden", "j=0", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same host referer", "j=0", map[string]string{"Referer": ts.URL + "/page"}, 200},
		{"not jsonp: no origin, no check", "", map[string]string{"Referer": "https://evil.test/page"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := ts.URL + "/socket.io/?EIO=3&transport=polling&b64=1"
			if tc.query != "" {
				target += "&" + tc.query
			}
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

// The seed API serves a socket.io-client 2.x connection as any other: a
// v2 and a v4 client talk through OnMessage, BroadcastExcept, GetConn and
// Conn.Send.
func TestEIO3SeedAPI(t *testing.T) {
	conns := make(chan *socketio.Conn, 4)
	gone := make(chan string, 4)
	e := newV3Env(t, func(s *socketio.Server) {
		s.OnConnect(func(c *socketio.Conn) { conns <- c })
		s.OnDisconnect(func(c *socketio.Conn) { gone <- c.ID() })
		s.OnMessage(func(c *socketio.Conn, m socketio.Message) { _ = s.BroadcastExcept(c, m.Data()) })
	})
	v2 := e.dialV3(eiotest.ModeWebSocket, eiotest.V3{})
	expectText(t, v2, "0") // the implicit "/" connection
	v2id := recvChan(t, conns, "OnConnect (v2)").ID()
	v4, v4id := e.connect("/")
	recvChan(t, conns, "OnConnect (v4)")

	send(t, v2, `2["message","from v2"]`)
	expect(t, v4, `2["message","from v2"]`)
	send(t, v4, `2["message","from v4"]`)
	expectText(t, v2, `2["message","from v4"]`)
	if c := e.srv.GetConn(v2id); c == nil || c.Send("direct") != nil {
		t.Fatalf("GetConn(%s) = %v", v2id, c)
	}
	expectText(t, v2, `2["message","direct"]`)
	if err := e.srv.Broadcast("all"); err != nil {
		t.Fatal(err)
	}
	expectText(t, v2, `2["message","all"]`)
	expect(t, v4, `2["message","all"]`)
	send(t, v2, "1")
	if id := recvChan(t, gone, "OnDisconnect"); id != v2id || id == v4id {
		t.Fatalf("OnDisconnect %s, want %s", id, v2id)
	}
}
