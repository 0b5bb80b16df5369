package admin_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/admin"
	"github.com/gosio/socketio/client"
)

// commandEnv is a UI and two clients on "/", with their server sockets.
type commandEnv struct {
	*env
	ui     *peer
	a, b   *peer
	sa, sb *socketio.Socket
}

func newCommandEnv(t *testing.T, opts admin.Options) *commandEnv {
	t.Helper()
	var socks <-chan *socketio.Socket
	c := &commandEnv{}
	c.env = newEnv(t, opts, func(io *socketio.Server) { socks = collect(io.Sockets()) })
	c.ui = c.admin()
	c.a = c.mustDial("/", nil, client.WebSocket)
	c.b = c.mustDial("/", nil, client.WebSocket)
	byID := map[string]*socketio.Socket{}
	for range 2 {
		s := recvSocket(t, socks)
		byID[s.ID()] = s
	}
	c.sa, c.sb = byID[c.a.ID()], byID[c.b.ID()]
	if c.sa == nil || c.sb == nil {
		t.Fatalf("server sockets %v for clients %s, %s", byID, c.a.ID(), c.b.ID())
	}
	return c
}

// uiEmit sends a command as the UI does.
func (c *commandEnv) uiEmit(event string, args ...any) {
	c.t.Helper()
	if err := c.ui.Emit(event, args...); err != nil {
		c.t.Fatal(err)
	}
}

// sockets reads n room_joined or room_left events about room, and
// returns the socket ids they name.
func (p *peer) sockets(t *testing.T, name, room string, n int) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for range n {
		ev := p.next(t, name, func(ev event) bool {
			var r string
			return ev.args.Decode(1, &r) == nil && r == room
		})
		got[ev.str(t, 2)] = true
	}
	return got
}

func hasRoom(s *socketio.Socket, room string) bool { return slices.Contains(s.Rooms(), room) }

// TestCommands: each action of the UI takes effect, on one socket (the
// filter is its id), on a room's sockets, or on the whole namespace.
func TestCommands(t *testing.T) {
	c := newCommandEnv(t, creds)
	a, b := c.a.ID(), c.b.ID()

	// The socket page: join and leave a room.
	c.uiEmit("join", "/", "room1", a)
	c.ui.next(t, "room_joined", aboutSocket(t, 2, "/", a))
	if !hasRoom(c.sa, "room1") || hasRoom(c.sb, "room1") {
		t.Fatalf("after join: rooms %v and %v", c.sa.Rooms(), c.sb.Rooms())
	}
	c.uiEmit("leave", "/", "room1", a)
	c.ui.next(t, "room_left", aboutSocket(t, 2, "/", a))
	if hasRoom(c.sa, "room1") {
		t.Fatalf("after leave: rooms %v", c.sa.Rooms())
	}

	// The whole namespace (no filter: null or absent), then a room's
	// sockets (the rooms page's "clear").
	c.uiEmit("join", "/", "all", nil)
	if got := c.ui.sockets(t, "room_joined", "all", 2); !got[a] || !got[b] {
		t.Fatalf("joined room all: %v", got)
	}
	c.uiEmit("leave", "/", "all")
	if got := c.ui.sockets(t, "room_left", "all", 2); !got[a] || !got[b] {
		t.Fatalf("left room all: %v", got)
	}
	if hasRoom(c.sa, "all") || hasRoom(c.sb, "all") {
		t.Fatal("still in room all")
	}

	// emit, to a room.
	c.sb.Join("news")
	c.uiEmit("emit", "/", "news", "headline", "text", 42)
	ev := c.b.next(t, "headline")
	var n float64
	ev.arg(t, 1, &n)
	if ev.str(t, 0) != "text" || n != 42 {
		t.Fatalf("headline %v", asJSON(ev))
	}
	c.a.none(t, "headline")

	// Disconnect one socket, then (close: true) a whole connection.
	goneA, goneB := make(chan string, 1), make(chan string, 1)
	c.sa.OnDisconnect(func(r string) { goneA <- r })
	c.sb.OnDisconnect(func(r string) { goneB <- r })
	c.uiEmit("_disconnect", "/", false, a)
	if r := <-c.a.gone; r != client.ReasonServerDisconnect {
		t.Fatalf("disconnect reason %q", r)
	}
	c.uiEmit("_disconnect", "/", true, "news")
	if r := <-c.b.gone; r != client.ReasonServerDisconnect {
		t.Fatalf("disconnect (close) reason %q", r)
	}
	select {
	case <-c.sb.Session().Done(): // the connection itself is closed
	case <-time.After(wait):
		t.Fatal("close: the Engine.IO session is still open")
	}

	for i, ch := range []chan string{goneA, goneB} {
		select {
		case r := <-ch:
			if r != socketio.ReasonServerNamespaceDisconnect {
				t.Errorf("server side (%d): reason %q", i, r)
			}
		case <-time.After(wait):
			t.Fatal("a server socket is still connected")
		}
	}
}

// TestBadCommands: commands whose arguments do not fit do nothing and
// report a *admin.CommandError to the server's ErrorHandler; nothing
// panics, and a good command still works afterwards.
func TestBadCommands(t *testing.T) {
	c := newCommandEnv(t, creds)
	for _, tc := range []struct {
		event string
		args  []any
	}{
		{"join", nil},
		{"join", []any{5, "r"}},
		{"join", []any{"/nope", "r"}},
		{"join", []any{"/admin", "r"}}, // the admin namespace is not a target
		{"join", []any{"/", 7}},
		{"join", []any{"/", ""}},
		{"join", []any{"/", map[string]any{"a": 1}}},
		{"join", []any{"/", "r", 9}},
		{"leave", []any{"/", []any{"r"}}},
		{"_disconnect", []any{"/"}},
		{"_disconnect", []any{"/", "yes"}},
		{"_disconnect", []any{"/", false, true}},
		{"emit", []any{"/"}},
		{"emit", []any{"/", nil}},
		{"emit", []any{"/", 3, "ev"}},
		{"emit", []any{"/", nil, 4}},
		{"emit", []any{"/", nil, "connect"}}, // reserved
		{"emit", []any{[]byte{1}, nil, "ev"}},
	} {
		c.uiEmit(tc.event, tc.args...)
		err := c.nextErr()
		var ce *admin.CommandError
		if !errors.As(err, &ce) || ce.Command != tc.event {
			t.Errorf("%s %s: error %v, want a CommandError", tc.event, asJSON(tc.args), err)
		}
	}
	if !c.sa.Connected() || !c.sb.Connected() || len(c.sa.Rooms()) != 1 || len(c.sb.Rooms()) != 1 {
		t.Fatalf("a bad command had an effect: %v %v", c.sa.Rooms(), c.sb.Rooms())
	}
	c.uiEmit("join", "/", "ok", c.a.ID())
	c.ui.next(t, "room_joined", aboutSocket(t, 2, "/", c.a.ID()))
}

// TestReadOnly: the commands do nothing at all.
func TestReadOnly(t *testing.T) {
	opts := creds
	opts.ReadOnly = true
	c := newCommandEnv(t, opts)
	c.uiEmit("join", "/", "room1", c.a.ID())
	c.uiEmit("_disconnect", "/", true, nil)
	c.uiEmit("emit", "/", nil, "hello")
	c.a.none(t, "hello")
	if !c.sa.Connected() || hasRoom(c.sa, "room1") {
		t.Fatal("a command was carried out in read-only mode")
	}
}
