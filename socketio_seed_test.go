package socketio_test

import (
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// TestSeedAPI runs the original go-socket.io chat on the seed API:
// OnConnect, OnMessage, Broadcast, BroadcastExcept, GetConn, Send and
// OnDisconnect, all on "message" events of the main namespace.
func TestSeedAPI(t *testing.T) {
	conns := make(chan *socketio.Conn, 4)
	gone := make(chan string, 4)
	type msg struct {
		from, data string
		args       codec.Args
	}
	msgs := make(chan msg, 4)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnect(func(c *socketio.Conn) { conns <- c })
		s.OnDisconnect(func(c *socketio.Conn) { gone <- c.ID() })
		s.OnMessage(func(c *socketio.Conn, m socketio.Message) {
			msgs <- msg{c.ID(), m.Data(), m.Args()}
			if m.Data() == "echo me" {
				_ = c.Send("echo: " + m.Data())
				return
			}
			_ = s.BroadcastExcept(c, m.Data())
		})
	})
	c1, id1 := e.connect("/")
	c2, id2 := e.connect("/")
	// Each connection's handlers run on its own worker, after its CONNECT
	// reply: the two OnConnect calls may come in either order.
	got := map[string]bool{}
	for range 2 {
		got[recvChan(t, conns, "OnConnect").ID()] = true
	}
	if !got[id1] || !got[id2] {
		t.Fatalf("OnConnect got %v, want %s and %s", got, id1, id2)
	}
	if e.srv.GetConn(id1) == nil || e.srv.GetConn(id1).ID() != id1 || e.srv.GetConn("nope") != nil {
		t.Fatal("GetConn")
	}

	// BroadcastExcept: the sender does not get its own message.
	send(t, c1, `2["message","hello"]`)
	if m := recvChan(t, msgs, "OnMessage"); m.from != id1 || m.data != "hello" || m.args.Len() != 1 {
		t.Fatalf("OnMessage got %+v", m)
	}
	expect(t, c2, `2["message","hello"]`)
	expectNothing(t, c1)

	// Send answers the sender only.
	send(t, c2, `2["message","echo me"]`)
	recvChan(t, msgs, "OnMessage")
	expect(t, c2, `2["message","echo: echo me"]`)

	// Broadcast reaches everyone; GetConn's Conn can send.
	if err := e.srv.Broadcast("all"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.GetConn(id2).Send(map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	expect(t, c1, `2["message","all"]`)
	expect(t, c2, `2["message","all"]`)
	expect(t, c2, `2["message",{"n":1}]`)

	// Message.Data renders non-strings as JSON; Decode reads the first
	// argument.
	send(t, c1, `2["message",{"a":[1,2]},"second"]`)
	m := recvChan(t, msgs, "OnMessage")
	if m.data != `{"a":[1,2]}` {
		t.Fatalf("Data() = %q", m.data)
	}
	var v struct{ A []int }
	if err := (socketio.Message{}).Decode(&v); err == nil {
		t.Fatal("Decode on an empty Message: no error")
	}
	expect(t, c2, `2["message","{\"a\":[1,2]}"]`)
	send(t, c1, `2["message"]`)
	if m := recvChan(t, msgs, "OnMessage"); m.data != "" || m.args.Len() != 0 {
		t.Fatalf("message without arguments: %+v", m)
	}
	expect(t, c2, `2["message",""]`)

	// OnDisconnect.
	send(t, c1, `1`)
	if id := recvChan(t, gone, "OnDisconnect"); id != id1 {
		t.Fatalf("OnDisconnect got %s", id)
	}
	if e.srv.GetConn(id1) != nil {
		t.Fatal("GetConn returns a disconnected conn")
	}
}

func TestSeedMessageDecode(t *testing.T) {
	got := make(chan socketio.Message, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnMessage(func(_ *socketio.Conn, m socketio.Message) { got <- m })
	})
	c, _ := e.connect("/")
	send(t, c, `51-["message",{"name":"f","data":{"_placeholder":true,"num":0}}]`, []byte("xyz"))
	m := recvChan(t, got, "message")
	var up upload
	if err := m.Decode(&up); err != nil || up.Name != "f" || string(up.Data) != "xyz" {
		t.Fatalf("Decode = %+v, %v", up, err)
	}
}
