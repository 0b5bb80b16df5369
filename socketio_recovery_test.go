package socketio_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Connection state recovery, on the wire: pid in the CONNECT reply,
// offsets on recorded events, and a client that comes back with
// {pid, offset} gets its id, rooms and data back and the events it
// missed before its CONNECT reply.

type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

// connectRaw sends a CONNECT for "/" with auth and returns the packets
// received before the CONNECT reply, and the reply.
func connectRaw(t *testing.T, c *siotest.Client, auth string) ([]siotest.Packet, connectReply) {
	t.Helper()
	send(t, c, siotest.ConnectText("/", auth))
	var before []siotest.Packet
	for {
		p := recv(t, c)
		switch p.Type {
		case siotest.Connect:
			var r connectReply
			if err := json.Unmarshal([]byte(p.Data), &r); err != nil {
				t.Fatalf("CONNECT reply %q: %v", p, err)
			}
			return before, r
		case siotest.ConnectError:
			t.Fatalf("CONNECT_ERROR %q", p)
		}
		before = append(before, p)
	}
}

// recvN returns the next n packets c receives.
func recvN(t *testing.T, c *siotest.Client, n int) []siotest.Packet {
	t.Helper()
	out := make([]siotest.Packet, n)
	for i := range out {
		out[i] = recv(t, c)
	}
	return out
}

// eventArgs returns an event's name and its arguments as JSON texts.
func eventArgs(t *testing.T, p siotest.Packet) (string, []string) {
	t.Helper()
	name, args, err := p.Event()
	if err != nil {
		t.Fatalf("%q: %v", p, err)
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return name, out
}

// lastOffset returns the offset an event carries (its last argument).
func lastOffset(t *testing.T, p siotest.Packet) string {
	t.Helper()
	_, args := eventArgs(t, p)
	if len(args) == 0 {
		t.Fatalf("%q carries no offset", p)
	}
	var off string
	if err := json.Unmarshal([]byte(args[len(args)-1]), &off); err != nil {
		t.Fatalf("%q: last argument is not an offset: %v", p, err)
	}
	return off
}

type recoveryEnv struct {
	*testEnv
	socks chan *socketio.Socket
}

func newRecoveryEnv(t *testing.T, csr *socketio.ConnectionStateRecovery, setup func(*socketio.Server)) *recoveryEnv {
	r := &recoveryEnv{socks: make(chan *socketio.Socket, 16)}
	r.testEnv = newEnv(t, &socketio.Options{ConnectionStateRecovery: csr}, func(s *socketio.Server) {
		s.OnConnection(func(sock *socketio.Socket) { r.socks <- sock })
		if setup != nil {
			setup(s)
		}
	})
	return r
}

func TestRecoveryWire(t *testing.T) {
	r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
	c := r.dial(eiotest.ModeWebSocket)
	before, reply := connectRaw(t, c, "")
	if len(before) != 0 || reply.SID == "" || reply.PID == "" || reply.PID == reply.SID {
		t.Fatalf("CONNECT reply %+v (after %q): want a sid and a distinct pid", reply, before)
	}
	sock := recvChan(t, r.socks, "socket")
	if sock.Recovered() {
		t.Fatal("a new socket reports Recovered")
	}
	// Recorded: the socket's own emits and broadcasts carry an offset.
	if err := sock.Emit("own", 1); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.Emit("all", "x"); err != nil {
		t.Fatal(err)
	}
	o1 := lastOffset(t, recv(t, c))
	o2 := lastOffset(t, recv(t, c))
	if o1 == o2 {
		t.Fatalf("two events share offset %q", o1)
	}
	// Not recorded: volatile, and events asking for an ack.
	// A volatile event is dropped while the session's writer is busy,
	// and it may still be finishing the write the client has just read:
	// each try is followed by a marker that is always sent, until one
	// volatile event is written.
	for try := 1; ; try++ {
		if try > 50 {
			t.Fatal("no volatile event written in 50 tries")
		}
		if err := r.srv.Volatile().Emit("vol", try); err != nil {
			t.Fatal(err)
		}
		if err := sock.Emit("mark", try); err != nil {
			t.Fatal(err)
		}
		name, args := eventArgs(t, recv(t, c))
		if name == "mark" {
			continue // dropped
		}
		if name != "vol" || len(args) != 1 || args[0] != strconv.Itoa(try) {
			t.Fatalf("got %q %q, want vol [%d] without an offset", name, args, try)
		}
		if name, _ := eventArgs(t, recv(t, c)); name != "mark" {
			t.Fatalf("got %q after the volatile event, want its marker", name)
		}
		break
	}
	go func() { _ = sock.Emit("ack", 2, func() {}) }()
	p := expect(t, c, `20["ack",2]`)
	send(t, c, fmt.Sprintf("3%d[]", p.ID))

	// Without the option: no pid, no offsets.
	plain := newEnv(t, nil, nil)
	pc := plain.dial(eiotest.ModeWebSocket)
	_, preply := connectRaw(t, pc, "")
	if preply.PID != "" {
		t.Fatalf("pid %q without ConnectionStateRecovery", preply.PID)
	}
	if err := plain.srv.Emit("all", "x"); err != nil {
		t.Fatal(err)
	}
	expect(t, pc, `2["all","x"]`)
}

func TestRecoveryRestores(t *testing.T) {
	for _, mode := range []eiotest.Mode{eiotest.ModeWebSocket, eiotest.ModePolling} {
		t.Run(string(mode), func(t *testing.T) {
			r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
			c := r.dial(eiotest.ModeWebSocket)
			_, reply := connectRaw(t, c, `{"token":"t"}`)
			sock := recvChan(t, r.socks, "socket")
			sock.Join("r")
			sock.SetData(map[string]any{"user": "ann"})
			other := r.dial(eiotest.ModeWebSocket)
			connectRaw(t, other, "")
			otherSock := recvChan(t, r.socks, "socket")
			otherSock.Join("x")

			if err := r.srv.To("r").Emit("seen", 1); err != nil {
				t.Fatal(err)
			}
			off := lastOffset(t, recv(t, c))
			gone := make(chan string, 1)
			sock.OnDisconnect(func(reason string) { gone <- reason })
			c.Stop() // the connection drops
			if reason := recvChan(t, gone, "disconnect"); reason != socketio.ReasonTransportClose && reason != socketio.ReasonTransportError {
				t.Fatalf("disconnect reason %q", reason)
			}
			// Missed: to its room, to everyone; not: to another room,
			// excluding its room, volatile.
			mustEmit := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			mustEmit(r.srv.To("r").Emit("missed", 2))
			mustEmit(r.srv.To("x").Emit("not", "other room"))
			mustEmit(r.srv.Emit("missed", 3))
			mustEmit(r.srv.Except("r").Emit("not", "except"))
			mustEmit(r.srv.Volatile().Emit("not", "volatile"))
			mustEmit(r.srv.To(reply.SID).Emit("missed", 4))

			back := r.dial(mode)
			auth := fmt.Sprintf(`{"token":"t","pid":%q,"offset":%q}`, reply.PID, off)
			before, reply2 := connectRaw(t, back, auth)
			if reply2.SID != reply.SID || reply2.PID != reply.PID || len(before) != 0 {
				t.Fatalf("recovered as %+v after %q, want %+v first", reply2, before, reply)
			}
			var got []string
			for _, p := range recvN(t, back, 3) { // the missed packets follow the reply
				name, args := eventArgs(t, p)
				got = append(got, name+args[0])
			}
			if want := []string{"missed2", "missed3", "missed4"}; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("missed packets %q, want %q", got, want)
			}
			rec := recvChan(t, r.socks, "recovered socket")
			if !rec.Recovered() || rec.ID() != reply.SID {
				t.Fatalf("socket %s Recovered=%v, want %s recovered", rec.ID(), rec.Recovered(), reply.SID)
			}
			if d, _ := rec.Data().(map[string]any); d["user"] != "ann" {
				t.Fatalf("Data %v", rec.Data())
			}
			if rooms := strings.Join(rec.Rooms(), ","); !strings.Contains(rooms, "r") || !strings.Contains(rooms, reply.SID) {
				t.Fatalf("rooms %q", rooms)
			}
			mustEmit(r.srv.To("r").Emit("live", 5))
			p := recv(t, back)
			if name, args := eventArgs(t, p); name != "live" || args[0] != "5" {
				t.Fatalf("after recovery: %q", p)
			}
		})
	}
}

// dropAndOffset connects a client, has the server emit n events to it,
// reads them, drops the connection and returns its pid, sid and the
// offset of the last event.
func (r *recoveryEnv) dropAfter(t *testing.T, n int) (reply connectReply, off string) {
	t.Helper()
	c := r.dial(eiotest.ModeWebSocket)
	_, reply = connectRaw(t, c, "")
	sock := recvChan(t, r.socks, "socket")
	for i := range n {
		if err := sock.Emit("e", i); err != nil {
			t.Fatal(err)
		}
		off = lastOffset(t, recv(t, c))
	}
	gone := make(chan string, 1)
	sock.OnDisconnect(func(reason string) { gone <- reason })
	c.Stop()
	recvChan(t, gone, "disconnect")
	return reply, off
}

func TestRecoveryRefused(t *testing.T) {
	t.Run("unknown pid", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
		_, off := r.dropAfter(t, 1)
		r.expectNew(t, fmt.Sprintf(`{"pid":"nobody","offset":%q}`, off))
	})
	t.Run("unknown offset", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
		reply, _ := r.dropAfter(t, 1)
		r.expectNew(t, fmt.Sprintf(`{"pid":%q,"offset":"nowhere"}`, reply.PID))
	})
	t.Run("offset pruned by MaxPackets", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{MaxPackets: 3}, nil)
		reply, off := r.dropAfter(t, 1)
		for i := range 4 { // the first packet it missed leaves the log
			if err := r.srv.Emit("fill", i); err != nil {
				t.Fatal(err)
			}
		}
		r.expectNew(t, fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, off))
	})
	t.Run("session evicted by MaxSessions", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{MaxSessions: 1}, nil)
		first, off := r.dropAfter(t, 1)
		r.dropAfter(t, 1)
		r.expectNew(t, fmt.Sprintf(`{"pid":%q,"offset":%q}`, first.PID, off))
	})
	t.Run("expired", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: time.Millisecond}, nil)
		reply, off := r.dropAfter(t, 1)
		time.Sleep(5 * time.Millisecond) // the window itself is what is tested
		r.expectNew(t, fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, off))
	})
	t.Run("client namespace disconnect", func(t *testing.T) {
		r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
		c := r.dial(eiotest.ModeWebSocket)
		_, reply := connectRaw(t, c, "")
		sock := recvChan(t, r.socks, "socket")
		if err := sock.Emit("e", 1); err != nil {
			t.Fatal(err)
		}
		off := lastOffset(t, recv(t, c))
		gone := make(chan string, 1)
		sock.OnDisconnect(func(reason string) { gone <- reason })
		send(t, c, "1")
		if reason := recvChan(t, gone, "disconnect"); reason != socketio.ReasonClientNamespaceDisconnect {
			t.Fatalf("reason %q", reason)
		}
		r.expectNew(t, fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, off))
	})
}

// A client back with its pid while its old socket is still connected
// (its old connection is dead, the server has not seen it yet) takes the
// socket over: the old connection is closed, and the new one is
// recovered with what the old one had not acknowledged by offset.
func TestRecoveryTakeover(t *testing.T) {
	r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
	reply, off := r.dropAfter(t, 1)
	auth := fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, off)
	first := r.dial(eiotest.ModeWebSocket)
	if _, got := connectRaw(t, first, auth); got.SID != reply.SID {
		t.Fatalf("first restore: %+v, want sid %s", got, reply.SID)
	}
	old := recvChan(t, r.socks, "socket")
	gone := make(chan string, 1)
	old.OnDisconnect(func(reason string) { gone <- reason })
	if err := old.Emit("unseen", 1); err != nil { // the dead connection never shows it
		t.Fatal(err)
	}
	second := r.dial(eiotest.ModeWebSocket)
	before, got := connectRaw(t, second, auth)
	if got.SID != reply.SID || len(before) != 0 {
		t.Fatalf("takeover: %+v after %q, want sid %s first", got, before, reply.SID)
	}
	before = recvN(t, second, 1)
	if reason := recvChan(t, gone, "old socket's disconnect"); reason != socketio.ReasonTransportClose {
		t.Fatalf("old socket's disconnect reason %q", reason)
	}
	if len(before) != 1 {
		t.Fatalf("replayed %q, want the one event sent after the offset", before)
	}
	if name, args := eventArgs(t, before[0]); name != "unseen" || args[0] != "1" {
		t.Fatalf("replayed %q", before[0])
	}
	if sock := recvChan(t, r.socks, "socket"); !sock.Recovered() || sock.ID() != reply.SID {
		t.Fatalf("new socket %s Recovered=%v", sock.ID(), sock.Recovered())
	}
	expectEnd(t, first)
}

// expectNew connects with auth and checks that the socket is a new one.
func (r *recoveryEnv) expectNew(t *testing.T, auth string) {
	t.Helper()
	c := r.dial(eiotest.ModeWebSocket)
	before, reply := connectRaw(t, c, auth)
	sock := recvChan(t, r.socks, "socket")
	if len(before) != 0 || sock.Recovered() || sock.ID() != reply.SID {
		t.Fatalf("want a new socket: %d packets before CONNECT, Recovered=%v, id %s (reply %s)", len(before), sock.Recovered(), sock.ID(), reply.SID)
	}
}

func TestRecoveryMiddleware(t *testing.T) {
	for _, run := range []bool{false, true} {
		t.Run(fmt.Sprint("RunMiddlewares=", run), func(t *testing.T) {
			calls := make(chan bool, 4) // Recovered as the middleware saw it
			r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{RunMiddlewares: run}, func(s *socketio.Server) {
				s.Sockets().Use(func(sock *socketio.Socket) error {
					calls <- sock.Recovered()
					return nil
				})
			})
			reply, off := r.dropAfter(t, 1)
			if recvChan(t, calls, "middleware") {
				t.Fatal("middleware saw a new socket as recovered")
			}
			c := r.dial(eiotest.ModeWebSocket)
			if _, got := connectRaw(t, c, fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, off)); got.SID != reply.SID {
				t.Fatalf("not recovered: %+v", got)
			}
			if sock := recvChan(t, r.socks, "socket"); !sock.Recovered() {
				t.Fatal("not recovered")
			}
			select {
			case rec := <-calls:
				if !run || !rec {
					t.Fatalf("middleware ran (seeing Recovered=%v) with RunMiddlewares=%v", rec, run)
				}
			default:
				if run {
					t.Fatal("middleware skipped with RunMiddlewares")
				}
			}
		})
	}
}

// A client that had received no recorded event sends its pid and no
// offset (socket.io-client does so); it is recovered with what was sent
// since its socket connected, and nothing from before. An offset from
// an earlier socket counts from the new socket's connection too.
func TestRecoveryFromConnect(t *testing.T) {
	r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
	names := func(ps []siotest.Packet) string {
		var out []string
		for _, p := range ps {
			name, _ := eventArgs(t, p)
			out = append(out, name)
		}
		return strings.Join(out, ",")
	}
	// An earlier socket's offset.
	old := r.dial(eiotest.ModeWebSocket)
	connectRaw(t, old, "")
	recvChan(t, r.socks, "socket")
	if err := r.srv.Emit("first"); err != nil {
		t.Fatal(err)
	}
	oldOffset := lastOffset(t, recv(t, old))
	if err := r.srv.Emit("before"); err != nil {
		t.Fatal(err)
	}
	recv(t, old)

	for _, tc := range []struct{ name, offset string }{{"no offset", ""}, {"offset of an earlier socket", oldOffset}} {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial(eiotest.ModeWebSocket)
			_, reply := connectRaw(t, c, "")
			sock := recvChan(t, r.socks, "socket")
			gone := make(chan string, 1)
			sock.OnDisconnect(func(reason string) { gone <- reason })
			c.Stop() // before any event reached it
			recvChan(t, gone, "disconnect")
			if err := r.srv.Emit("missed"); err != nil {
				t.Fatal(err)
			}
			recv(t, old)
			auth := fmt.Sprintf(`{"pid":%q}`, reply.PID)
			if tc.offset != "" {
				auth = fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply.PID, tc.offset)
			}
			back := r.dial(eiotest.ModeWebSocket)
			before, reply2 := connectRaw(t, back, auth)
			if reply2.SID != reply.SID || len(before) != 0 {
				t.Fatalf("sid %s (was %s) after %q; want the same sid first", reply2.SID, reply.SID, before)
			}
			if got := names(recvN(t, back, 1)); got != "missed" {
				t.Fatalf("replayed %q, want [missed]", got)
			}
			recvChan(t, r.socks, "socket")
		})
	}
}

// Outgoing listeners are user code: with recovery on they run after the
// packet log's lock is released, so one that broadcasts does not
// deadlock.
func TestRecoveryOutgoingListenerBroadcasts(t *testing.T) {
	r := newRecoveryEnv(t, &socketio.ConnectionStateRecovery{}, nil)
	c := r.dial(eiotest.ModeWebSocket)
	connectRaw(t, c, "")
	sock := recvChan(t, r.socks, "socket")
	sock.OnAnyOutgoing(func(event string, _ []any) {
		if event == "ping-all" {
			_ = r.srv.Emit("echoed") // a recorded broadcast from inside the listener
		}
	})
	if err := r.srv.Emit("ping-all"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ping-all", "echoed"} {
		if name, _ := eventArgs(t, recv(t, c)); name != want {
			t.Fatalf("got %q, want %q", name, want)
		}
	}
}
