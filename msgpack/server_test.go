package msgpack_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/msgpack"
)

// The server with this parser, end to end, driven by a raw Engine.IO
// client (internal/eiotest) that encodes and decodes the Socket.IO layer
// with the parser: every feature that goes through the parser, in every
// transport mode. The interop tests (interop_test.go) do the same with
// the real JavaScript client.

const recvWait = wait

// mpClient is a Socket.IO client speaking msgpack over eiotest.
type mpClient struct {
	t   *testing.T
	eio *eiotest.Client
	dec codec.Decoder
}

func dial(t *testing.T, base string, mode eiotest.Mode) *mpClient {
	t.Helper()
	c, err := eiotest.Dial(t.Context(), eiotest.Config{Base: base, HTTP: &http.Client{Timeout: 30 * time.Second}}, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return &mpClient{t: t, eio: c, dec: msgpack.Parser{}.NewDecoder(codec.DecoderLimits{})}
}

func (c *mpClient) send(p codec.SocketPacket) {
	c.t.Helper()
	pkts, err := msgpack.Parser{}.Encode(nil, &p)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, m := range pkts {
		if err := c.eio.Send(eiotest.Bin(m.Data)); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *mpClient) recv() *codec.SocketPacket {
	c.t.Helper()
	m, err := c.eio.Recv(recvWait)
	if err != nil {
		c.t.Fatalf("waiting for a packet: %v", err)
	}
	if m.Type != eiotest.Message || !m.Binary {
		c.t.Fatalf("got %v, want a binary message", m)
	}
	p, err := c.dec.Add(codec.Packet{Type: codec.PacketMessage, Data: m.Data, Binary: true})
	if err != nil || p == nil {
		c.t.Fatalf("decoding % x: %v", m.Data, err)
	}
	return p
}

// connect joins nsp with auth and returns the CONNECT reply's payload.
func (c *mpClient) connect(nsp string, auth any) map[string]any {
	c.t.Helper()
	c.send(codec.SocketPacket{Type: codec.Connect, Nsp: nsp, Data: auth})
	p := c.recv()
	if p.Type != codec.Connect || p.Nsp != nsp {
		c.t.Fatalf("got %v on %q, want the CONNECT reply on %q", p.Type, p.Nsp, nsp)
	}
	var reply map[string]any
	if err := p.Args.Decode(0, &reply); err != nil {
		c.t.Fatal(err)
	}
	return reply
}

// event receives the next packet, which must be an EVENT, and returns
// its name and arguments.
func (c *mpClient) event() (string, codec.Args, *codec.SocketPacket) {
	c.t.Helper()
	p := c.recv()
	if p.Type != codec.Event {
		c.t.Fatalf("got %v, want an EVENT", p.Type)
	}
	return p.Event, p.Args, p
}

func decodeAll(t *testing.T, a codec.Args) []any {
	t.Helper()
	out := make([]any, a.Len())
	for i := range out {
		if err := a.Decode(i, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type profile struct {
	Name   string   `json:"name"`
	Age    int      `json:"age,omitempty"`
	Avatar []byte   `json:"avatar"`
	Tags   []string `json:"tags"`
}

func newServer(t *testing.T, recovery bool) (*socketio.Server, string) {
	t.Helper()
	return newServerWith(t, recovery, nil)
}

// newServerWith starts the test server at /socket.io/ of an
// httptest.Server, with more handlers from more (when not nil) beside it.
func newServerWith(t *testing.T, recovery bool, more func(*http.ServeMux)) (*socketio.Server, string) {
	t.Helper()
	opts := &socketio.Options{Parser: msgpack.Parser{}}
	if recovery {
		opts.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{}
	}
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&auth)
		_ = s.Emit("welcome", auth.Token, profile{Name: "srv", Avatar: []byte{1, 2, 3}, Tags: []string{"a"}})
		s.On("echo", func(args codec.Args, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(decodeAll(t, args)...)
			}
		})
		s.On("profile", func(p profile, ack socketio.AckFunc) {
			p.Age++
			_ = ack(p)
		})
		s.On("ask", func(question string) {
			// The client's answer comes back to a waiting handler.
			ctx, cancel := context.WithTimeout(s.Context(), recvWait)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "question", question)
			var answer []byte
			if err == nil {
				err = args.Decode(0, &answer)
			}
			if err != nil {
				_ = s.Emit("answer-error", err.Error())
				return
			}
			_ = s.Emit("answer", answer)
		})
		s.On("shout", func(msg string) {
			_ = s.Broadcast().Emit("shouted", msg)
		})
		// What any targets receive, and the values sent back.
		s.On("types", func(args codec.Args, ack socketio.AckFunc) {
			types := make([]any, args.Len())
			vals := make([]any, args.Len())
			for i := range vals {
				if err := args.Decode(i, &vals[i]); err != nil {
					t.Errorf("types: argument %d: %v", i, err)
				}
				types[i] = fmt.Sprintf("%T", vals[i])
			}
			_ = ack(types, vals)
		})
		// A client about to drop its transport: an event sent to it
		// while it is away, recorded for its recovery.
		var dropping atomic.Bool
		s.On("drop-me", func() {
			dropping.Store(true)
			_ = s.Emit("dropping")
		})
		s.OnDisconnect(func(string) {
			if dropping.Load() {
				_ = s.Namespace().To(s.ID()).Emit("missed", []byte{1}, "while away")
			}
		})
	})
	io.Of("/admin").Use(func(s *socketio.Socket) error {
		var auth map[string]any
		_ = s.Handshake().DecodeAuth(&auth)
		if auth["token"] != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 4001, "hint": []byte{9}}}
		}
		return nil
	})
	io.Of("/admin").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("hello-admin", s.Namespace().Name())
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	if more != nil {
		more(mux)
	}
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return io, ts.URL + "/socket.io/"
}

func TestServer(t *testing.T) {
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			_, base := newServer(t, false)
			c := dial(t, base, mode)
			reply := c.connect("/", map[string]any{"token": "tok"})
			if sid, _ := reply["sid"].(string); sid == "" {
				t.Fatalf("CONNECT reply %v has no sid", reply)
			}
			if _, ok := reply["pid"]; ok {
				t.Fatalf("CONNECT reply %v has a pid without recovery", reply)
			}

			// An event with a struct (json tags, []byte as bin) and the auth.
			name, args, _ := c.event()
			var token string
			var prof map[string]any
			if name != "welcome" || args.Len() != 2 || args.Decode(0, &token) != nil || args.Decode(1, &prof) != nil {
				t.Fatalf("got %s %v", name, decodeAll(t, args))
			}
			want := map[string]any{"name": "srv", "avatar": []byte{1, 2, 3}, "tags": []any{"a"}}
			if token != "tok" || !reflect.DeepEqual(prof, want) {
				t.Fatalf("welcome %q %#v, want tok %#v", token, prof, want)
			}

			// Client → server event with ack, binary and nested values.
			sent := []any{"echo", "x", 1.5, []byte{0, 255}, map[string]any{"deep": []any{[]byte{7}, nil, true}}}
			c.send(codec.SocketPacket{Type: codec.Event, Nsp: "/", ID: 5, HasID: true, Data: sent})
			ack := c.recv()
			if ack.Type != codec.Ack || !ack.HasID || ack.ID != 5 || !reflect.DeepEqual(decodeAll(t, ack.Args), sent[1:]) {
				t.Fatalf("ack %+v: %#v", ack, decodeAll(t, ack.Args))
			}

			// Typed handler argument, typed ack.
			c.send(codec.SocketPacket{Type: codec.Event, Nsp: "/", ID: 6, HasID: true,
				Data: []any{"profile", profile{Name: "cli", Age: 41, Avatar: []byte{5}}}})
			ack = c.recv()
			var back profile
			if ack.Type != codec.Ack || ack.ID != 6 || ack.Args.Decode(0, &back) != nil {
				t.Fatalf("ack %+v", ack)
			}
			if !reflect.DeepEqual(back, profile{Name: "cli", Age: 42, Avatar: []byte{5}}) {
				t.Fatalf("profile back %+v", back)
			}

			// Server → client ack, answered with binary.
			c.send(codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"ask", "q?"}})
			_, args, q := c.event()
			if q.Event != "question" || !q.HasID || decodeAll(t, args)[0] != "q?" {
				t.Fatalf("question %+v", q)
			}
			c.send(codec.SocketPacket{Type: codec.Ack, Nsp: "/", ID: q.ID, HasID: true, Data: []any{[]byte("42")}})
			name, args, _ = c.event()
			if name != "answer" || !reflect.DeepEqual(decodeAll(t, args), []any{[]byte("42")}) {
				t.Fatalf("got %s %v", name, decodeAll(t, args))
			}

			// A namespace with middleware: refused with data, then let in.
			c.send(codec.SocketPacket{Type: codec.Connect, Nsp: "/admin", Data: map[string]any{"token": "wrong"}})
			ce := c.recv()
			var ceData map[string]any
			if ce.Type != codec.ConnectError || ce.Nsp != "/admin" || ce.Args.Decode(0, &ceData) != nil {
				t.Fatalf("got %+v, want CONNECT_ERROR", ce)
			}
			wantCE := map[string]any{"message": "not authorized", "data": map[string]any{"code": 4001.0, "hint": []byte{9}}}
			if !reflect.DeepEqual(ceData, wantCE) {
				t.Fatalf("CONNECT_ERROR %#v, want %#v", ceData, wantCE)
			}
			c.connect("/admin", map[string]any{"token": "secret"})
			name, args, p := c.event()
			if name != "hello-admin" || p.Nsp != "/admin" || decodeAll(t, args)[0] != "/admin" {
				t.Fatalf("got %s on %s", name, p.Nsp)
			}

			// A broadcast reaches another client, encoded once for both.
			other := dial(t, base, mode)
			other.connect("/", nil)
			other.event() // welcome
			c.send(codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"shout", "hi all"}})
			name, args, _ = other.event()
			if name != "shouted" || decodeAll(t, args)[0] != "hi all" {
				t.Fatalf("broadcast: got %s %v", name, decodeAll(t, args))
			}

			// Leaving a namespace.
			c.send(codec.SocketPacket{Type: codec.Disconnect, Nsp: "/admin"})
			if err := c.eio.Close(recvWait); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestServerParseError: a text message or malformed msgpack closes the
// connection.
func TestServerParseError(t *testing.T) {
	_, base := newServer(t, false)
	for _, bad := range []eiotest.Packet{eiotest.Msg(`0`), eiotest.Bin([]byte{0x81, 0xa4}), eiotest.Bin([]byte{0x82, 0xa4, 't', 'y', 'p', 'e', 5, 0xa3, 'n', 's', 'p', 0xa1, '/'})} {
		c := dial(t, base, eiotest.ModeWebSocket)
		if err := c.eio.Send(bad); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.eio.Done():
		case <-time.After(recvWait):
			t.Fatalf("%v did not close the connection", bad)
		}
	}
}

// TestServerRecovery: the offsets the server appends to recorded events,
// the pid of the CONNECT reply and the replay of missed events, with
// msgpack.
func TestServerRecovery(t *testing.T) {
	io, base := newServer(t, true)
	gone := make(chan string, 1)
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("news")
		s.OnDisconnect(func(reason string) { gone <- reason })
	})
	c := dial(t, base, eiotest.ModeWebSocket)
	reply := c.connect("/", nil)
	pid, _ := reply["pid"].(string)
	if pid == "" {
		t.Fatalf("no pid in %v", reply)
	}
	name, args, _ := c.event()
	all := decodeAll(t, args)
	if name != "welcome" || len(all) != 3 {
		t.Fatalf("welcome with %v, want its 2 arguments and an offset", all)
	}
	offset, ok := all[2].(string)
	if !ok {
		t.Fatalf("last argument %#v is not an offset string", all[2])
	}
	c.eio.Stop() // the connection drops
	if reason := <-gone; reason != socketio.ReasonTransportClose {
		t.Fatalf("disconnected for %q", reason)
	}
	if err := io.To("news").Emit("missed", []byte{1}); err != nil {
		t.Fatal(err)
	}
	back := dial(t, base, eiotest.ModeWebSocket)
	reply2 := back.connect("/", map[string]any{"pid": pid, "offset": offset})
	if reply2["sid"] != reply["sid"] {
		t.Fatalf("not recovered: %v, was %v", reply2, reply)
	}
	name, args, _ = back.event()
	all = decodeAll(t, args)
	if name != "missed" || len(all) != 2 || !reflect.DeepEqual(all[0], []byte{1}) {
		t.Fatalf("replayed %s %#v", name, all)
	}
	if _, ok := all[1].(string); !ok {
		t.Fatalf("replayed event has no offset: %#v", all)
	}
}
