package redis_test

import (
	"encoding/json"
	"fmt"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Connection state recovery on the Redis adapter is per node (the packet
// log is the embedded MemoryAdapter's): a client that comes back to the
// node it left is recovered, broadcasts from other nodes included.
func TestRecoveryPerNode(t *testing.T) {
	var key string
	gone := make(chan string, 4)
	nodes := clusterWith(t, 2, &key, func(o *socketio.Options) {
		o.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{}
	}, func(i int, s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.Join("room")
			s.OnDisconnect(func(reason string) { gone <- reason })
		})
	})
	connect := func(auth string) (*siotest.Client, []siotest.Packet, map[string]string) {
		t.Helper()
		c, err := siotest.Dial(t.Context(), nodes[0].base, eiotest.ModeWebSocket)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Stop)
		if err := c.Send(siotest.ConnectText("/", auth)); err != nil {
			t.Fatal(err)
		}
		var before []siotest.Packet
		for {
			p := recvEvent(t, c)
			if p.Type != siotest.Connect {
				before = append(before, p)
				continue
			}
			var reply map[string]string
			if err := json.Unmarshal([]byte(p.Data), &reply); err != nil {
				t.Fatal(err)
			}
			return c, before, reply
		}
	}
	c, _, reply := connect("")
	inRoom(t, nodes[1].srv, "room", 1)
	if err := nodes[1].srv.To("room").Emit("seen", 1); err != nil {
		t.Fatal(err)
	}
	_, args, err := recvEvent(t, c).Event()
	if err != nil || len(args) != 2 {
		t.Fatalf("event from node 1: %v %v (want its argument and an offset)", args, err)
	}
	var offset string
	if err := json.Unmarshal(args[1], &offset); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	<-gone
	if err := nodes[1].srv.To("room").Emit("missed", 2); err != nil {
		t.Fatal(err)
	}
	// Node 0 gets node 1's broadcasts in order (one channel): once a
	// client there has the marker, the missed event is in node 0's log.
	watcher, _ := nodes[0].connect(t, "/")
	inRoom(t, nodes[1].srv, "room", 1)
	if err := nodes[1].srv.To("room").Emit("marker"); err != nil {
		t.Fatal(err)
	}
	for {
		if name, _, _ := recvEvent(t, watcher).Event(); name == "marker" {
			break
		}
	}
	back, before, reply2 := connect(fmt.Sprintf(`{"pid":%q,"offset":%q}`, reply["pid"], offset))
	if reply2["sid"] != reply["sid"] || len(before) != 0 {
		t.Fatalf("not recovered: %v after %v, was %v", reply2, before, reply)
	}
	var names []string
	for range 2 { // the missed packets follow the reply
		p := recvEvent(t, back)
		name, _, _ := p.Event()
		names = append(names, name)
	}
	if fmt.Sprint(names) != "[missed marker]" {
		t.Fatalf("replayed %v, want [missed marker]", names)
	}
}
