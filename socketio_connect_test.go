package socketio_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// echoHandlers installs, on every socket of n, "echo" (emits the
// arguments back) and "ack" (acknowledges with the arguments).
func echoHandlers(n *socketio.Namespace) {
	n.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(args codec.Args) {
			out := make([]any, args.Len())
			for i := range out {
				_ = args.Decode(i, &out[i])
			}
			_ = s.Emit("echo", out...)
		})
		s.On("ack", func(args codec.Args, ack socketio.AckFunc) {
			out := make([]any, args.Len())
			for i := range out {
				_ = args.Decode(i, &out[i])
			}
			if ack != nil {
				_ = ack(out...)
			}
		})
	})
}

// TestConnectNamespaces joins "/" and a custom namespace on one connection
// in every transport mode and exchanges text and binary events and acks
// on both.
func TestConnectNamespaces(t *testing.T) {
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			var main, admin <-chan *socketio.Socket
			e := newEnv(t, nil, func(s *socketio.Server) {
				main = sockets(s.Of("/"))
				admin = sockets(s.Of("/admin"))
				echoHandlers(s.Of("/"))
				echoHandlers(s.Of("admin")) // "/" is added
			})
			c := e.dial(mode)
			sid1 := mustConnect(t, c, "/", "")
			sid2 := mustConnect(t, c, "/admin", "")
			if len(sid1) != 20 || len(sid2) != 20 || sid1 == sid2 || sid1 == c.EIO.SID() || sid2 == c.EIO.SID() {
				t.Fatalf("socket ids %q %q (session %q): want distinct 20-character ids", sid1, sid2, c.EIO.SID())
			}
			s1 := recvChan(t, main, "main socket")
			s2 := recvChan(t, admin, "admin socket")
			if s1.ID() != sid1 || s2.ID() != sid2 || s1.Namespace().Name() != "/" || s2.Namespace().Name() != "/admin" {
				t.Fatalf("server sockets %s@%s %s@%s", s1.ID(), s1.Namespace().Name(), s2.ID(), s2.Namespace().Name())
			}
			if !s1.Connected() || s1.Session() != s2.Session() || s1.Session().ID() != c.EIO.SID() {
				t.Fatal("both sockets must be connected over the client's session")
			}
			if s1.String() != sid1 {
				t.Fatalf("String() = %q", s1.String())
			}

			send(t, c, `2["echo","a",1,{"b":[true,null]}]`)
			expect(t, c, `2["echo","a",1,{"b":[true,null]}]`)
			send(t, c, `2/admin,5["ack","<&>"]`)
			expect(t, c, `3/admin,5["<&>"]`)
			send(t, c, `51-/admin,["echo",{"_placeholder":true,"num":0},"x"]`, []byte{0, 1, 255})
			p := expect(t, c, `51-/admin,["echo",{"_placeholder":true,"num":0},"x"]`)
			if len(p.Attachments) != 1 || string(p.Attachments[0]) != "\x00\x01\xff" {
				t.Fatalf("attachments %q", p.Attachments)
			}
			send(t, c, `52-9["ack",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, []byte{1}, []byte{2})
			p = expect(t, c, `62-9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
			if len(p.Attachments) != 2 || p.Attachments[0][0] != 2 || p.Attachments[1][0] != 1 {
				t.Fatalf("attachments %v", p.Attachments)
			}
			// An ack with no arguments is an empty array.
			send(t, c, `2/admin,0["ack"]`)
			expect(t, c, `3/admin,0[]`)
			e.noErr()
		})
	}
}

func TestConnectAuth(t *testing.T) {
	type auth struct {
		Token string `json:"token"`
		N     int    `json:"n"`
	}
	got := make(chan *socketio.Handshake, 4)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { got <- s.Handshake() })
		s.Of("/admin").OnConnection(func(s *socketio.Socket) { got <- s.Handshake() })
	})
	c := e.dial(eiotest.ModeWebSocket)
	mustConnect(t, c, "/", `{"token":"abc","n":7}`)
	hs := recvChan(t, got, "handshake")
	if hs.Auth["token"] != "abc" || hs.Auth["n"] != 7.0 {
		t.Fatalf("Auth = %v", hs.Auth)
	}
	var a auth
	if err := hs.DecodeAuth(&a); err != nil || a != (auth{"abc", 7}) {
		t.Fatalf("DecodeAuth = %+v, %v", a, err)
	}
	if hs.Query.Get("EIO") != "4" || hs.Query.Get("transport") != "websocket" || hs.Address != "127.0.0.1" || hs.Secure || hs.Issued == 0 || hs.Time == "" {
		t.Fatalf("handshake %+v", hs)
	}
	if _, err := json.Marshal(hs); err != nil {
		t.Fatalf("handshake does not marshal: %v", err)
	}

	// Without auth: an empty, non-nil map, and DecodeAuth sees {}.
	mustConnect(t, c, "/admin", "")
	hs = recvChan(t, got, "handshake")
	if hs.Auth == nil || len(hs.Auth) != 0 {
		t.Fatalf("Auth without payload = %#v, want empty map", hs.Auth)
	}
	a = auth{Token: "keep"}
	if err := hs.DecodeAuth(&a); err != nil || a.Token != "keep" {
		t.Fatalf("DecodeAuth without payload = %+v, %v", a, err)
	}
}

func TestConnectMiddleware(t *testing.T) {
	var ranSecond bool
	e := newEnv(t, nil, func(s *socketio.Server) {
		// "/" refuses without the right token, with data.
		s.Use(func(s *socketio.Socket) error {
			if s.Handshake().Auth["token"] != "good" {
				return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 401, "retry": true}}
			}
			s.SetData("user-1")
			return nil
		})
		s.OnConnection(func(s *socketio.Socket) {
			s.On("who", func(ack socketio.AckFunc) { _ = ack(s.Data()) })
		})
		// "/plain" refuses with a plain error, and the second middleware
		// never runs.
		s.Of("/plain").Use(func(*socketio.Socket) error { return errors.New("go away") })
		s.Of("/plain").Use(func(*socketio.Socket) error { ranSecond = true; return nil })
		s.Of("/panic").Use(func(*socketio.Socket) error { panic("middleware bug") })
		s.Of("/data-string").Use(func(*socketio.Socket) error {
			return &socketio.ConnectError{Message: "m", Data: "just a string"}
		})
	})
	c := e.dial(eiotest.ModeWebSocket)
	tests := []struct {
		nsp, auth, want string
	}{
		{"/", "", `4{"message":"not authorized","data":{"code":401,"retry":true}}`},
		{"/", `{"token":"bad"}`, `4{"message":"not authorized","data":{"code":401,"retry":true}}`},
		{"/plain", "", `4/plain,{"message":"go away"}`},
		{"/panic", "", `4/panic,{"message":"middleware failure"}`},
		{"/data-string", "", `4/data-string,{"message":"m","data":"just a string"}`},
	}
	for _, tt := range tests {
		send(t, c, siotest.ConnectText(tt.nsp, tt.auth))
		expect(t, c, tt.want)
	}
	if ranSecond {
		t.Fatal("middleware after a refusal ran")
	}
	pe, ok := errAs[*socketio.PanicError](e.nextErr())
	if !ok || pe.Value != "middleware bug" {
		t.Fatalf("panic in middleware reported as %v", pe)
	}
	// The connection survives refusals: the client may try again.
	mustConnect(t, c, "/", `{"token":"good"}`)
	send(t, c, `21["who"]`)
	expect(t, c, `31["user-1"]`)
}

func TestConnectInvalidNamespace(t *testing.T) {
	e := newEnv(t, nil, func(s *socketio.Server) { echoHandlers(s.Sockets()) })
	c := e.dial(eiotest.ModeWebSocket)
	for _, nsp := range []string{"/nope", "/admin"} {
		send(t, c, siotest.ConnectText(nsp, `{"x":1}`))
		expect(t, c, `4`+nsp+`,{"message":"Invalid namespace"}`)
	}
	// The connection is still usable.
	mustConnect(t, c, "/", "")
	send(t, c, `2["echo",1]`)
	expect(t, c, `2["echo",1]`)
}

func TestConnectProtocolViolations(t *testing.T) {
	tests := []struct {
		name    string
		connect bool   // join "/" first
		text    string // then send this
	}{
		{"connect twice", true, `0`},
		{"event before connect", false, `2["a"]`},
		{"event to a namespace not joined", true, `2/admin,["a"]`},
		{"disconnect from a namespace not joined", true, `1/admin,`},
		{"malformed packet", true, `4abc`},
		{"reserved event", true, `2["disconnect"]`},
		{"binary attachment not announced", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs <-chan string
			e := newEnv(t, nil, func(s *socketio.Server) {
				s.Of("/admin")
				rs = reasons(s.Sockets())
			})
			c := e.dial(eiotest.ModeWebSocket)
			if tt.connect {
				mustConnect(t, c, "/", "")
			}
			if tt.text == "" {
				if err := c.EIO.Send(eiotest.Bin([]byte{1})); err != nil {
					t.Fatal(err)
				}
			} else {
				send(t, c, tt.text)
			}
			expectEnd(t, c)
			if tt.connect {
				if r := recvChan(t, rs, "disconnect reason"); r != socketio.ReasonParseError {
					t.Fatalf("reason %q, want %q", r, socketio.ReasonParseError)
				}
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	e := newEnv(t, &socketio.Options{ConnectTimeout: 100 * time.Millisecond}, func(s *socketio.Server) {
		echoHandlers(s.Sockets())
	})
	idle := e.dial(eiotest.ModeWebSocket)
	idlePoll := e.dial(eiotest.ModePolling)
	joined := e.dial(eiotest.ModeWebSocket)
	mustConnect(t, joined, "/", "")
	start := time.Now()
	expectEnd(t, idle)
	expectEnd(t, idlePoll)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("idle connections closed after %v", d)
	}
	// A connection that joined in time is not affected.
	time.Sleep(200 * time.Millisecond)
	send(t, joined, `2["echo","still here"]`)
	expect(t, joined, `2["echo","still here"]`)
}

// A CONNECT still in middleware when the connect timeout fires keeps the
// connection open.
func TestConnectTimeoutSpareSlowMiddleware(t *testing.T) {
	e := newEnv(t, &socketio.Options{ConnectTimeout: 100 * time.Millisecond}, func(s *socketio.Server) {
		s.Use(func(*socketio.Socket) error {
			time.Sleep(400 * time.Millisecond)
			return nil
		})
		echoHandlers(s.Sockets())
	})
	c, _ := e.connect("/")
	send(t, c, `2["echo","after slow middleware"]`)
	expect(t, c, `2["echo","after slow middleware"]`)
}

func TestDynamicNamespaces(t *testing.T) {
	var regexpSockets, funcSockets <-chan *socketio.Socket
	var tmpl *socketio.Namespace
	e := newEnv(t, nil, func(s *socketio.Server) {
		tmpl = s.OfRegexp(regexp.MustCompile(`^/room-\d+$`))
		tmpl.Use(func(s *socketio.Socket) error {
			if s.Namespace().Name() == "/room-0" {
				return errors.New("room 0 is closed")
			}
			return nil
		})
		regexpSockets = sockets(tmpl)
		echoHandlers(tmpl)
		byAuth := s.OfFunc(func(name string, auth map[string]any) bool {
			return name == "/vip" && auth["key"] == "k"
		})
		funcSockets = sockets(byAuth)
	})
	c1 := e.dial(eiotest.ModeWebSocket)
	c2 := e.dial(eiotest.ModeWebSocket)
	mustConnect(t, c1, "/room-1", "")
	mustConnect(t, c2, "/room-22", "")
	for _, want := range []string{"/room-1", "/room-22"} {
		_ = want
		s := recvChan(t, regexpSockets, "dynamic socket")
		if n := s.Namespace().Name(); n != "/room-1" && n != "/room-22" {
			t.Fatalf("child namespace %q", n)
		}
	}
	// Children share the parent's middleware and handlers.
	send(t, c1, siotest.ConnectText("/room-0", ""))
	expect(t, c1, `4/room-0,{"message":"room 0 is closed"}`)
	send(t, c1, siotest.ConnectText("/room-x", ""))
	expect(t, c1, `4/room-x,{"message":"Invalid namespace"}`)
	send(t, c2, `2/room-22,["echo","hi"]`)
	expect(t, c2, `2/room-22,["echo","hi"]`)

	// Of returns the child for a matching name.
	if n := e.srv.Of("/room-1"); n.Name() != "/room-1" || len(n.Sockets()) != 1 {
		t.Fatalf("Of(/room-1) = %s with %d sockets", n.Name(), len(n.Sockets()))
	}
	// A broadcast on the parent reaches every child.
	if err := tmpl.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	expect(t, c1, `2/room-1,["all",1]`)
	expect(t, c2, `2/room-22,["all",1]`)

	// OfFunc decides with the auth payload.
	send(t, c1, siotest.ConnectText("/vip", `{"key":"no"}`))
	expect(t, c1, `4/vip,{"message":"Invalid namespace"}`)
	mustConnect(t, c1, "/vip", `{"key":"k"}`)
	if s := recvChan(t, funcSockets, "vip socket"); s.Namespace().Name() != "/vip" {
		t.Fatalf("vip socket in %s", s.Namespace().Name())
	}
}

// TestDynamicNamespaceEmitWithAckNoChildren: a broadcast with acks on a
// dynamic namespace that has no child yet reaches nobody and must return
// at once, like one on an empty namespace.
func TestDynamicNamespaceEmitWithAckNoChildren(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, n := range []*socketio.Namespace{e.srv.Of("/empty"), e.srv.OfRegexp(regexp.MustCompile(`^/d-\d+$`))} {
		start := time.Now()
		res, err := n.Timeout(2*time.Second).EmitWithAck(t.Context(), "q")
		if err != nil || len(res) != 0 {
			t.Errorf("%s: EmitWithAck = %v, %v; want no answers and no error", n.Name(), res, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: EmitWithAck to nobody took %v", n.Name(), d)
		}
	}
}

func TestNamespaceAccessors(t *testing.T) {
	e := newEnv(t, nil, nil)
	n := e.srv.Of("chat")
	if n.Name() != "/chat" || n.Server() != e.srv || n.Adapter() == nil || e.srv.Of("/chat") != n {
		t.Fatalf("namespace %s", n.Name())
	}
	if e.srv.Sockets().Name() != "/" || e.srv.Engine() == nil {
		t.Fatal("main namespace")
	}
	if n.Socket("nope") != nil || len(n.Sockets()) != 0 {
		t.Fatal("empty namespace has sockets")
	}
	for _, name := range []string{"connect", "connection", "new_namespace"} {
		if err := n.ServerSideEmit(name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("ServerSideEmit(%q) = %v", name, err)
		}
		if _, err := n.ServerSideEmitWithAck(t.Context(), name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("ServerSideEmitWithAck(%q) = %v", name, err)
		}
	}
	// A single node has no peers: nothing to send, nothing to wait for.
	if err := e.srv.ServerSideEmit("hello", 1); err != nil {
		t.Fatal(err)
	}
	if res, err := n.ServerSideEmitWithAck(t.Context(), "hello"); err != nil || len(res) != 0 {
		t.Fatalf("ServerSideEmitWithAck = %v, %v", res, err)
	}
	// Events from other nodes reach OnServerSideEmit handlers.
	got := make(chan string, 1)
	n.OnServerSideEmit("hello", func(s string, ack socketio.AckFunc) {
		got <- s
		if ack != nil {
			_ = ack("back")
		}
	})
	d := codec.JSONParser{}.NewDecoder(codec.DecoderLimits{})
	p, err := d.Add(codec.Packet{Type: codec.PacketMessage, Data: []byte(`2["hello","from node 2"]`)})
	if err != nil {
		t.Fatal(err)
	}
	var acked []any
	socketio.DeliverServerSideEvent(n, "hello", p.Args, func(a ...any) { acked = a })
	socketio.DeliverServerSideEvent(n, "unknown", p.Args, nil)
	if s := recvChan(t, got, "server-side event"); s != "from node 2" || fmt.Sprint(acked) != "[back]" {
		t.Fatalf("got %q, acked %v", s, acked)
	}
}
