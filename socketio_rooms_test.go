package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// roomEnv is a server with n clients connected to "/", and their
// server-side sockets in the same order.
type roomEnv struct {
	*testEnv
	clients []*siotest.Client
	socks   []*socketio.Socket
}

func newRoomEnv(t *testing.T, n int) *roomEnv {
	t.Helper()
	var socks <-chan *socketio.Socket
	r := &roomEnv{}
	r.testEnv = newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Sockets()) })
	for i := 0; i < n; i++ {
		c, sid := r.connect("/")
		s := recvChan(t, socks, "socket")
		if s.ID() != sid {
			t.Fatalf("socket %s, want %s", s.ID(), sid)
		}
		r.clients = append(r.clients, c)
		r.socks = append(r.socks, s)
	}
	return r
}

// received emits a sentinel to everyone and returns, per client, the
// event names received before it: a broadcast's recipients, with
// duplicates.
func (r *roomEnv) received(t *testing.T) []string {
	t.Helper()
	if err := r.srv.Emit("end"); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(r.clients))
	for i, c := range r.clients {
		var names []string
		for {
			p := recv(t, c)
			name, _, err := p.Event()
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if name == "end" {
				break
			}
			names = append(names, name)
		}
		out[i] = strings.Join(names, ",")
	}
	return out
}

func sortedRooms(s *socketio.Socket) []string {
	rooms := s.Rooms()
	sort.Strings(rooms)
	return rooms
}

func TestRoomsJoinLeave(t *testing.T) {
	r := newRoomEnv(t, 1)
	s := r.socks[0]
	if got := s.Rooms(); !slices.Equal(got, []string{s.ID()}) {
		t.Fatalf("Rooms() = %v, want only its own id", got)
	}
	s.Join("b", "a")
	s.Join("a", s.ID())
	want := []string{s.ID(), "a", "b"}
	sort.Strings(want)
	if got := sortedRooms(s); !slices.Equal(got, want) {
		t.Fatalf("Rooms() = %v, want %v", got, want)
	}
	s.Leave("a")
	s.Leave("never-joined")
	want = []string{s.ID(), "b"}
	sort.Strings(want)
	if got := sortedRooms(s); !slices.Equal(got, want) {
		t.Fatalf("Rooms() after Leave = %v, want %v", got, want)
	}
	s.Join("c", "d")
	s.Leave("c", "d", "never-joined") // several at once, as Join
	if got := sortedRooms(s); !slices.Equal(got, want) {
		t.Fatalf("Rooms() after Leave(c, d) = %v, want %v", got, want)
	}
	ad := s.Namespace().Adapter()
	if got := ad.Sockets(socketio.BroadcastOptions{Rooms: []string{"b"}}); !slices.Equal(got, []string{s.ID()}) {
		t.Fatalf("adapter room b = %v", got)
	}
	// Disconnecting leaves every room; OnDisconnecting still sees them.
	rooms := make(chan []string, 1)
	done := make(chan struct{})
	s.OnDisconnecting(func(string) { rooms <- sortedRooms(s) })
	s.OnDisconnect(func(string) { close(done) })
	send(t, r.clients[0], `1`)
	if got := recvChan(t, rooms, "disconnecting"); !slices.Equal(got, want) {
		t.Fatalf("rooms while disconnecting = %v, want %v", got, want)
	}
	recvChan(t, done, "disconnect") // the rooms are left between the two
	if got := ad.Sockets(socketio.BroadcastOptions{Rooms: []string{"b"}}); len(got) != 0 {
		t.Fatalf("room b after disconnect = %v", got)
	}
	// A disconnected socket cannot join again.
	s.Join("c")
	if got := ad.Sockets(socketio.BroadcastOptions{Rooms: []string{"c"}}); len(got) != 0 {
		t.Fatalf("room c = %v after a Join while disconnected", got)
	}
}

func TestBroadcastSelection(t *testing.T) {
	r := newRoomEnv(t, 3)
	a, b, c := r.socks[0], r.socks[1], r.socks[2]
	a.Join("r1", "r2")
	b.Join("r1")
	tests := []struct {
		name string
		emit func() error
		want []string // per client: events received
	}{
		{"all", func() error { return r.srv.Emit("x") }, []string{"x", "x", "x"}},
		{"namespace Send", func() error { return r.srv.Sockets().Send("hi") }, []string{"message", "message", "message"}},
		{"to room", func() error { return r.srv.To("r1").Emit("x") }, []string{"x", "x", ""}},
		{"in room", func() error { return r.srv.In("r2").Emit("x") }, []string{"x", "", ""}},
		{"two rooms, once each", func() error { return r.srv.To("r1", "r2").Emit("x") }, []string{"x", "x", ""}},
		{"chained To is a union", func() error { return r.srv.To("r2").To("r1").Emit("x") }, []string{"x", "x", ""}},
		{"except room", func() error { return r.srv.Except("r2").Emit("x") }, []string{"", "x", "x"}},
		{"to except", func() error { return r.srv.To("r1").Except("r2").Emit("x") }, []string{"", "x", ""}},
		{"to socket id", func() error { return r.srv.To(c.ID()).Emit("x") }, []string{"", "", "x"}},
		{"except socket id", func() error { return r.srv.Except(b.ID()).Emit("x") }, []string{"x", "", "x"}},
		{"unknown room", func() error { return r.srv.To("nobody").Emit("x") }, []string{"", "", ""}},
		{"local", func() error { return r.srv.Local().Emit("x") }, []string{"x", "x", "x"}},
		{"volatile", func() error { return r.srv.Volatile().Emit("x") }, []string{"x", "x", "x"}},
		{"compress", func() error { return r.srv.Sockets().Compress(false).Emit("x") }, []string{"x", "x", "x"}},
		{"server Compress", func() error { return r.srv.Compress(false).To("r1").Emit("x") }, []string{"x", "x", ""}},
		{"server Send", func() error { return r.srv.Send("hi") }, []string{"message", "message", "message"}},
		{"socket to room excludes itself", func() error { return a.To("r1").Emit("x") }, []string{"", "x", ""}},
		{"socket in room", func() error { return b.In("r1").Emit("x") }, []string{"x", "", ""}},
		{"socket broadcast", func() error { return a.Broadcast().Emit("x") }, []string{"", "x", "x"}},
		{"socket except", func() error { return c.Except("r2").Emit("x") }, []string{"", "x", ""}},
		{"operators are immutable", func() error {
			base := r.srv.To("r1")
			_ = base.Except("r2") // must not change base
			return base.Emit("x")
		}, []string{"x", "x", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.emit(); err != nil {
				t.Fatal(err)
			}
			got := r.received(t)
			if tt.name == "volatile" {
				// Volatile packets may be dropped for a session whose
				// writer is still busy: at most once each.
				for i := range got {
					if got[i] == "" {
						got[i] = "x"
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("received %q, want %q", got, tt.want)
			}
		})
	}
	// Binary broadcasts are encoded once and reach everyone whole.
	if err := r.srv.To("r1").Emit("bin", []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	for _, cl := range r.clients[:2] {
		p := expect(t, cl, `51-["bin",{"_placeholder":true,"num":0}]`)
		if string(p.Attachments[0]) != "\x01\x02" {
			t.Fatalf("attachment %v", p.Attachments)
		}
	}
	if got := r.received(t); !slices.Equal(got, []string{"", "", ""}) {
		t.Fatalf("after the binary broadcast: %q", got)
	}
}

func TestBroadcastWithAcks(t *testing.T) {
	r := newRoomEnv(t, 3)
	answer := func(cl *siotest.Client, reply string) {
		t.Helper()
		p := recv(t, cl)
		if name, _, _ := p.Event(); name != "q" || p.ID < 0 {
			t.Fatalf("got %q, want a q event with an ack id", p)
		}
		if reply != "" {
			send(t, cl, fmt.Sprintf(`3%d[%s]`, p.ID, reply))
		}
	}
	decodeAll := func(res []codec.Args) []int {
		var ns []int
		for _, a := range res {
			var n int
			if err := a.Decode(0, &n); err != nil {
				t.Fatal(err)
			}
			ns = append(ns, n)
		}
		sort.Ints(ns)
		return ns
	}

	// Everyone answers: N responses, no error.
	type result struct {
		res []codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := r.srv.Timeout(sioWait).EmitWithAck(context.Background(), "q", 1)
		done <- result{res, err}
	}()
	for i, cl := range r.clients {
		answer(cl, fmt.Sprint(i+10))
	}
	got := recvChan(t, done, "EmitWithAck")
	if got.err != nil || !slices.Equal(decodeAll(got.res), []int{10, 11, 12}) {
		t.Fatalf("EmitWithAck = %v, %v", decodeAll(got.res), got.err)
	}

	// One does not answer: the answers received, and ErrAckTimeout.
	go func() {
		res, err := r.srv.Sockets().Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "q")
		done <- result{res, err}
	}()
	answer(r.clients[0], "1")
	answer(r.clients[1], "2")
	answer(r.clients[2], "")
	got = recvChan(t, done, "EmitWithAck")
	if !errors.Is(got.err, socketio.ErrAckTimeout) || !slices.Equal(decodeAll(got.res), []int{1, 2}) {
		t.Fatalf("EmitWithAck = %v, %v; want [1 2] and ErrAckTimeout", decodeAll(got.res), got.err)
	}

	// The callback form, on a room.
	r.socks[1].Join("odd")
	cb := make(chan result, 1)
	if err := r.srv.To("odd").Timeout(sioWait).Emit("q", func(err error, res []codec.Args) { cb <- result{res, err} }); err != nil {
		t.Fatal(err)
	}
	answer(r.clients[1], "7")
	got = recvChan(t, cb, "ack callback")
	if got.err != nil || !slices.Equal(decodeAll(got.res), []int{7}) {
		t.Fatalf("callback got %v, %v", decodeAll(got.res), got.err)
	}
	if got := r.received(t); !slices.Equal(got, []string{"", "", ""}) {
		t.Fatalf("extra packets %q", got)
	}
}

// TestBroadcastAckLateAnswer: an answer arriving after the broadcast
// timed out is ignored.
func TestBroadcastAckLateAnswer(t *testing.T) {
	r := newRoomEnv(t, 1)
	res, err := r.srv.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "q")
	if !errors.Is(err, socketio.ErrAckTimeout) || len(res) != 0 {
		t.Fatalf("EmitWithAck = %v, %v", res, err)
	}
	p := recv(t, r.clients[0])
	send(t, r.clients[0], fmt.Sprintf(`3%d[1]`, p.ID)) // late: ignored
	if got := r.received(t); !slices.Equal(got, []string{""}) {
		t.Fatalf("extra packets %q", got)
	}
	if !r.socks[0].Connected() {
		t.Fatal("a late ack disconnected the socket")
	}
}

func TestFetchSocketsAndRemoteOps(t *testing.T) {
	r := newRoomEnv(t, 3)
	a, b, c := r.socks[0], r.socks[1], r.socks[2]
	a.Join("r")
	b.Join("r")
	a.SetData(map[string]string{"user": "alice"})

	all, err := r.srv.FetchSockets(t.Context())
	if err != nil || len(all) != 3 {
		t.Fatalf("FetchSockets = %d sockets, %v", len(all), err)
	}
	inR, err := r.srv.In("r").FetchSockets(t.Context())
	if err != nil || len(inR) != 2 {
		t.Fatalf("In(r).FetchSockets = %d sockets, %v", len(inR), err)
	}
	var ra *socketio.RemoteSocket
	for _, rs := range inR {
		if rs.ID == a.ID() {
			ra = rs
		}
		if rs.Handshake == nil || rs.Handshake.Query.Get("EIO") != "4" {
			t.Fatalf("remote socket %s without handshake", rs.ID)
		}
	}
	if ra == nil || !slices.Contains(ra.Rooms, "r") || fmt.Sprint(ra.Data) != "map[user:alice]" {
		t.Fatalf("remote socket a = %+v", ra)
	}

	// RemoteSocket operations reach the socket.
	if err := ra.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	ra.Join("joined-remotely")
	if !slices.Contains(a.Rooms(), "joined-remotely") {
		t.Fatalf("rooms %v", a.Rooms())
	}
	ra.Leave("joined-remotely")
	if slices.Contains(a.Rooms(), "joined-remotely") {
		t.Fatalf("rooms %v", a.Rooms())
	}
	if got := r.received(t); !slices.Equal(got, []string{"direct", "", ""}) {
		t.Fatalf("received %q", got)
	}

	// SocketsJoin / SocketsLeave on a selection.
	r.srv.In("r").SocketsJoin("x", "y")
	for i, s := range r.socks {
		inX := slices.Contains(s.Rooms(), "x") && slices.Contains(s.Rooms(), "y")
		if inX != (i < 2) {
			t.Fatalf("socket %d rooms %v", i, s.Rooms())
		}
	}
	r.srv.Except("r").SocketsJoin("z")
	if !slices.Contains(c.Rooms(), "z") || slices.Contains(a.Rooms(), "z") {
		t.Fatal("Except(r).SocketsJoin(z)")
	}
	r.srv.SocketsLeave("x")
	r.srv.To(b.ID()).SocketsLeave("y")
	if slices.Contains(a.Rooms(), "x") || slices.Contains(b.Rooms(), "y") || !slices.Contains(a.Rooms(), "y") {
		t.Fatalf("after SocketsLeave: a %v, b %v", a.Rooms(), b.Rooms())
	}
	r.srv.SocketsJoin("everyone")
	if n := len(r.srv.Sockets().Adapter().Sockets(socketio.BroadcastOptions{Rooms: []string{"everyone"}})); n != 3 {
		t.Fatalf("%d sockets in everyone", n)
	}

	// DisconnectSockets(false) on a room: the namespace only.
	r.srv.In("r").DisconnectSockets(false)
	expect(t, r.clients[0], `1`)
	expect(t, r.clients[1], `1`)
	if a.Connected() || b.Connected() || !c.Connected() {
		t.Fatal("DisconnectSockets(false) on room r")
	}
	// The connections stay open: they can join again.
	mustConnect(t, r.clients[0], "/", "")

	// RemoteSocket.Disconnect(true) closes the connection.
	rc, err := r.srv.To(c.ID()).FetchSockets(t.Context())
	if err != nil || len(rc) != 1 {
		t.Fatalf("FetchSockets(c) = %v, %v", rc, err)
	}
	rc[0].Disconnect(true)
	got := expectEnd(t, r.clients[2])
	if len(got) == 0 || got[0].Text != "1" {
		t.Fatalf("before the end: %v, want a DISCONNECT first", got)
	}
	// DisconnectSockets(true) on the rest.
	r.srv.DisconnectSockets(true)
	expectEnd(t, r.clients[0])
	if n := len(r.srv.Sockets().Sockets()); n != 0 {
		t.Fatalf("%d sockets left", n)
	}
}

// A burst of broadcasts (written by the session flushers, many packets a
// write) interleaved with a socket's own emits (written inline when the
// socket is idle) reaches every client whole and in order: over
// WebSocket, and over polling for a fourth client.
func TestBroadcastBurstKeepsOrder(t *testing.T) {
	r := newRoomEnv(t, 3)
	poller := r.dial(eiotest.ModePolling)
	mustConnect(t, poller, "/", "")
	r.clients = append(r.clients, poller)
	const n = 600
	for i := range n {
		if err := r.srv.Emit("n", i); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			if err := r.socks[0].Emit("own", i); err != nil {
				t.Fatal(err)
			}
		}
	}
	for ci, c := range r.clients {
		for i := range n {
			expect(t, c, fmt.Sprintf(`2["n",%d]`, i))
			if ci == 0 && i%50 == 49 {
				expect(t, c, fmt.Sprintf(`2["own",%d]`, i))
			}
		}
	}
}
