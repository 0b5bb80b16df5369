package redis_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// TestMixed runs every mixed-cluster check on every adapter variant.
func TestMixed(t *testing.T) {
	checks := []struct {
		name string
		fn   func(*testing.T, string)
	}{
		{"broadcast", testMixedBroadcast},
		{"fetchSockets", testMixedFetchSockets},
		{"joinLeaveDisconnect", testMixedJoinLeaveDisconnect},
		{"broadcastWithAcks", testMixedBroadcastWithAcks},
		{"serverSideEmit", testMixedServerSideEmit},
	}
	for _, v := range variants {
		for _, c := range checks {
			t.Run(v+"/"+c.name, func(t *testing.T) { c.fn(t, v) })
		}
	}
}

// Mixed clusters: a Go node and a Node.js node (socket.io 4.8.4 on
// @socket.io/redis-adapter 8.3.0, node/server.js) on one Redis. Every
// cluster operation is checked in both directions.

// nodeJS is the Node.js node: its Socket.IO base URL and control API.
type nodeJS struct {
	base string
	ctl  string
}

// startNodeJS starts node/server.js on key; it stops when the test ends.
func startNodeJS(t *testing.T, addr, key, sharded string) *nodeJS {
	t.Helper()
	dir, _ := filepath.Abs("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@socket.io", "redis-adapter")); err != nil {
		t.Fatalf("the Node.js packages are missing: run `npm ci --prefix adapter/redis/node` (make test does): %v", err)
	}
	cmd := exec.Command("node", "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDIS_URL=redis://"+addr, "KEY="+key, "SHARDED="+sharded)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("node: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close() // server.js exits when stdin ends
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(wait):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("node did not start: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	var hello struct{ Port int }
	if err := json.Unmarshal([]byte(line), &hello); err != nil || hello.Port == 0 {
		t.Fatalf("node said %q", line)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", hello.Port)
	return &nodeJS{base: url + "/socket.io/", ctl: url + "/ctl/"}
}

// call runs a control operation on the Node.js node and decodes its answer.
func (n *nodeJS) call(t *testing.T, op string, in any, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.ctl+op, bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("node %s: %v", op, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" && out == nil {
		t.Fatalf("node %s: %s", op, e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("node %s answered %s: %v", op, body, err)
		}
	}
}

func dialTo(t *testing.T, base string) (*siotest.Client, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.Dial(ctx, base, eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	sid, err := c.Connect("/", "", wait)
	if err != nil {
		t.Fatal(err)
	}
	return c, sid
}

// mixed starts a Go node and a Node.js node on one key, with a client on
// each (both in room "room"), and waits until each node counts two.
type mixedEnv struct {
	goNode *node
	js     *nodeJS
	g, n   *siotest.Client // clients of the Go and the Node.js node
	gID    string
	nID    string
	key    string
}

func mixed(t *testing.T, setup func(s *socketio.Server)) *mixedEnv {
	return mixedWith(t, "classic", setup)
}

// variants are the adapters the mixed-cluster tests run on: the classic
// Pub/Sub adapter, and the sharded one in its subscription modes.
var variants = []string{"classic", "dynamic", "static", "dynamic-private"}

// mixedWith is mixed on the classic adapter ("classic") or on the sharded
// adapter in subscription mode variant.
func mixedWith(t *testing.T, variant string, setup func(s *socketio.Server)) *mixedEnv {
	addr := redisAddr(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := "gosio-mixed-" + hex.EncodeToString(b[:])
	rdb := goredis.NewClient(&goredis.Options{Addr: addr})
	factory := redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: key})
	sharded := ""
	if variant != "classic" {
		sharded = variant
		factory = redisadapter.NewShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: key,
			SubscriptionMode: redisadapter.SubscriptionMode(variant)})
	}
	srv := socketio.NewServer(&socketio.Options{
		Adapter:      factory,
		ErrorHandler: func(err error) { t.Logf("go node: %v", err) },
	})
	srv.OnConnection(func(s *socketio.Socket) {
		s.SetData(map[string]any{"node": "go"})
		s.Join("room")
	})
	if setup != nil {
		setup(srv)
	}
	ts := newHTTPServer(srv)
	gn := &node{srv: srv, ts: ts, base: ts.URL + "/socket.io/", rdb: rdb}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
		rdb.Close()
	})
	js := startNodeJS(t, addr, key, sharded)
	e := &mixedEnv{goNode: gn, js: js, key: key}
	e.g, e.gID = dialTo(t, gn.base)
	e.n, e.nID = dialTo(t, js.base)
	if err := e.n.Send(`2["join","room"]`); err != nil {
		t.Fatal(err)
	}
	// Both count two nodes (the Node.js node subscribes asynchronously).
	deadline := time.Now().Add(wait)
	for {
		var c struct{ Count int }
		js.call(t, "serverCount", nil, &c)
		g, _ := srv.Sockets().Adapter().ServerCount(context.Background())
		if c.Count == 2 && g == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server counts: node %d, go %d; want 2", c.Count, g)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// In the dynamic modes each node subscribes to the channel of "room"
	// once it has a socket there (asynchronously, on both sides).
	if variant == "dynamic" || variant == "dynamic-private" {
		ch := key + "#/#room#"
		for {
			m, err := rdb.PubSubShardNumSub(context.Background(), ch).Result()
			if err == nil && m[ch] == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscribers of %s: %v, %v; want 2", ch, m, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The "join" event reached the Node.js node once the room holds n.
	for {
		var f struct{ Sockets []struct{ ID string } }
		js.call(t, "fetchSockets", map[string]any{"rooms": []string{"room"}}, &f)
		if len(f.Sockets) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("room holds %d sockets, want 2", len(f.Sockets))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return e
}

func expectEvent(t *testing.T, c *siotest.Client, name string, atts int) siotest.Packet {
	t.Helper()
	p := recvEvent(t, c)
	if n, _, _ := p.Event(); n != name || len(p.Attachments) != atts {
		t.Fatalf("got %q with %d attachments, want event %q with %d", p.Text, len(p.Attachments), name, atts)
	}
	return p
}

func testMixedBroadcast(t *testing.T, variant string) {
	e := mixedWith(t, variant, nil)
	// Go → both, with a binary argument.
	if err := e.goNode.srv.To("room").Emit("from-go", "x", []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, e.g, "from-go", 1)
	p := expectEvent(t, e.n, "from-go", 1)
	if !bytes.Equal(p.Attachments[0], []byte{1, 2}) {
		t.Fatalf("node's client got attachment %v", p.Attachments[0])
	}
	// Node.js → both, with a binary argument and an object.
	e.js.call(t, "broadcast", map[string]any{"rooms": []string{"room"}, "event": "from-node",
		"args": []any{map[string]any{"a": 1, "b": []any{true, nil}}, map[string]any{"$bin": []int{9}}}}, nil)
	p = expectEvent(t, e.g, "from-node", 1)
	if _, args, _ := p.Event(); len(args) != 2 || string(args[0]) != `{"a":1,"b":[true,null]}` || p.Attachments[0][0] != 9 {
		t.Fatalf("go's client got %q %v", p.Text, p.Attachments)
	}
	expectEvent(t, e.n, "from-node", 1)
	// Except, both ways: only the other node's client gets it.
	if err := e.goNode.srv.Except(e.gID).Emit("except-go"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, e.n, "except-go", 0)
	e.js.call(t, "broadcast", map[string]any{"except": []string{e.nID}, "event": "except-node"}, nil)
	expectEvent(t, e.g, "except-node", 0)
	// Local stays on its node.
	if err := e.goNode.srv.Local().Emit("local-go"); err != nil {
		t.Fatal(err)
	}
	e.js.call(t, "broadcast", map[string]any{"local": true, "event": "local-node"}, nil)
	expectEvent(t, e.g, "local-go", 0)
	expectEvent(t, e.n, "local-node", 0)
}

func testMixedFetchSockets(t *testing.T, variant string) {
	e := mixedWith(t, variant, nil)
	// Go sees the Node.js node's socket, with its handshake and data.
	rs, err := e.goNode.srv.In(e.nID).FetchSockets(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("FetchSockets: %d, %v", len(rs), err)
	}
	r := rs[0]
	if r.Handshake == nil || r.Handshake.Query.Get("EIO") != "4" || r.Handshake.Headers.Get("Host") == "" || r.Handshake.Issued == 0 {
		t.Fatalf("handshake from node: %+v", r.Handshake)
	}
	if d, _ := r.Data.(map[string]any); d["node"] != "node" || !slices.Contains(r.Rooms, "room") {
		t.Fatalf("data %v rooms %v", r.Data, r.Rooms)
	}
	// Node.js sees the Go node's socket, and reads its handshake as its own.
	var f struct {
		Sockets []struct {
			ID        string
			Rooms     []string
			Data      map[string]any
			Handshake map[string]any
		}
	}
	e.js.call(t, "fetchSockets", map[string]any{"rooms": []string{e.gID}}, &f)
	if len(f.Sockets) != 1 || f.Sockets[0].ID != e.gID || f.Sockets[0].Data["node"] != "go" || !slices.Contains(f.Sockets[0].Rooms, "room") {
		t.Fatalf("node fetched %+v", f.Sockets)
	}
	hs := f.Sockets[0].Handshake
	if q, _ := hs["query"].(map[string]any); q["EIO"] != "4" {
		t.Fatalf("handshake query as node reads it: %v", hs["query"])
	}
	if h, _ := hs["headers"].(map[string]any); h["host"] == nil {
		t.Fatalf("handshake headers as node reads them: %v", hs["headers"])
	}

	// RemoteSocket.emitWithAck, both ways.
	done := make(chan codec.Args, 1)
	go func() {
		a, err := rs[0].EmitWithAck(context.Background(), "q")
		if err != nil {
			t.Errorf("go RemoteSocket.EmitWithAck: %v", err)
		}
		done <- a
	}()
	p := expectEvent(t, e.n, "q", 0)
	if err := e.n.Send(fmt.Sprintf(`3%d["from-n"]`, p.ID)); err != nil {
		t.Fatal(err)
	}
	var s string
	if a := <-done; a == nil || a.Decode(0, &s) != nil || s != "from-n" {
		t.Fatalf("answer %q", s)
	}
	res := make(chan map[string]any, 1)
	go func() {
		var out map[string]any
		e.js.call(t, "remoteEmitWithAck", map[string]any{"id": e.gID, "event": "q2"}, &out)
		res <- out
	}()
	p = expectEvent(t, e.g, "q2", 0)
	if err := e.g.Send(fmt.Sprintf(`3%d["from-g"]`, p.ID)); err != nil {
		t.Fatal(err)
	}
	if out := <-res; out["response"] != "from-g" {
		t.Fatalf("node's remote emitWithAck: %v", out)
	}
}

func testMixedJoinLeaveDisconnect(t *testing.T, variant string) {
	e := mixedWith(t, variant, nil)
	// Go makes the Node.js node's socket join, then leave.
	// The request travels through Redis, and the Node.js node answers its
	// control API meanwhile: wait (bounded) until the join shows.
	if err := e.goNode.srv.In(e.nID).SocketsJoin("j"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node's socket in j", func() bool {
		var f struct{ Sockets []struct{ ID string } }
		e.js.call(t, "fetchSockets", map[string]any{"rooms": []string{"j"}}, &f)
		return len(f.Sockets) == 1 && f.Sockets[0].ID == e.nID
	})
	e.js.call(t, "broadcast", map[string]any{"rooms": []string{"j"}, "local": true, "event": "in-j"}, nil)
	expectEvent(t, e.n, "in-j", 0)
	// Node.js makes the Go node's socket join.
	e.js.call(t, "socketsJoin", map[string]any{"rooms": []string{e.gID}, "join": "k"}, nil)
	eventually(t, "go's socket in k", func() bool {
		rs, err := e.goNode.srv.In("k").Local().FetchSockets(context.Background())
		return err == nil && len(rs) == 1 && rs[0].ID == e.gID
	})
	if err := e.goNode.srv.To("k").Local().Emit("in-k"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, e.g, "in-k", 0)
	// All rooms, both ways (a request of the classic adapter only; the
	// sharded one answers with its own node's rooms, in Node.js as here).
	if variant == "classic" {
		rooms, err := e.goNode.srv.Sockets().Adapter().(*redisadapter.Adapter).AllRooms(context.Background())
		if err != nil || !slices.Contains(rooms, "j") || !slices.Contains(rooms, "k") || !slices.Contains(rooms, e.nID) {
			t.Fatalf("AllRooms from go: %v, %v", rooms, err)
		}
		var ar struct{ Rooms []string }
		e.js.call(t, "allRooms", nil, &ar)
		if !slices.Contains(ar.Rooms, "k") || !slices.Contains(ar.Rooms, e.gID) {
			t.Fatalf("allRooms from node: %v", ar.Rooms)
		}
	}
	// Disconnect, both ways.
	if err := e.goNode.srv.In(e.nID).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	if p := recvEvent(t, e.n); p.Text != "1" {
		t.Fatalf("node's client got %q, want a DISCONNECT", p.Text)
	}
	e.js.call(t, "disconnectSockets", map[string]any{"rooms": []string{e.gID}}, nil)
	if p := recvEvent(t, e.g); p.Text != "1" {
		t.Fatalf("go's client got %q, want a DISCONNECT", p.Text)
	}
}

func testMixedBroadcastWithAcks(t *testing.T, variant string) {
	e := mixedWith(t, variant, nil)
	answer := func(c *siotest.Client, v int) {
		p := recvEvent(t, c)
		if err := c.Send(fmt.Sprintf(`3%d[%d]`, p.ID, v)); err != nil {
			t.Fatal(err)
		}
	}
	// From Go.
	type result struct {
		res []codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := e.goNode.srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "q")
		done <- result{res, err}
	}()
	answer(e.g, 1)
	answer(e.n, 2)
	r := <-done
	var got []int
	for _, a := range r.res {
		var n int
		_ = a.Decode(0, &n)
		got = append(got, n)
	}
	sort.Ints(got)
	if r.err != nil || !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("go's broadcast with acks: %v, %v", got, r.err)
	}
	// From Node.js.
	out := make(chan map[string]any, 1)
	go func() {
		var o map[string]any
		e.js.call(t, "emitWithAck", map[string]any{"event": "q", "timeout": 5000}, &o)
		out <- o
	}()
	answer(e.g, 3)
	answer(e.n, 4)
	o := <-out
	resp, _ := o["responses"].([]any)
	var nums []int
	for _, v := range resp {
		if f, ok := v.(float64); ok {
			nums = append(nums, int(f))
		}
	}
	sort.Ints(nums)
	if o["error"] != nil || !slices.Equal(nums, []int{3, 4}) {
		t.Fatalf("node's broadcast with acks: %v", o)
	}
}

func testMixedServerSideEmit(t *testing.T, variant string) {
	got := make(chan string, 2)
	e := mixedWith(t, variant, func(s *socketio.Server) {
		s.Sockets().OnServerSideEmit("ping", func(who string, ack socketio.AckFunc) {
			got <- who
			if ack != nil {
				_ = ack("pong-go")
			}
		})
	})
	res, err := e.goNode.srv.Sockets().ServerSideEmitWithAck(context.Background(), "ping", "go")
	var s string
	if err != nil || len(res) != 1 || res[0].Decode(0, &s) != nil || s != "pong-node" {
		t.Fatalf("go's serverSideEmitWithAck: %q, %v", s, err)
	}
	var o struct {
		Responses []string
		Error     string
	}
	e.js.call(t, "serverSideEmitWithAck", map[string]any{"event": "ping", "args": []any{"node"}}, &o)
	if o.Error != "" || !slices.Equal(o.Responses, []string{"pong-go"}) {
		t.Fatalf("node's serverSideEmitWithAck: %+v", o)
	}
	if who := <-got; who != "node" {
		t.Fatalf("go's handler got %q", who)
	}
	if err := e.goNode.srv.ServerSideEmit("ping", "go-noack"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node receiving go-noack", func() bool {
		var r struct{ Received []string }
		e.js.call(t, "received", nil, &r)
		return slices.Contains(r.Received, "go-noack")
	})
}

// eventually polls cond, bounded by wait: for what happens on the other
// side of Redis in a Node.js process, which offers no event to await.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(wait); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runEmitter runs one @socket.io/redis-emitter operation (node/emitter.js).
func runEmitter(t *testing.T, addr, key string, op map[string]any) {
	t.Helper()
	b, _ := json.Marshal(op)
	cmd := exec.Command("node", "emitter.js", string(b))
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "REDIS_URL=redis://"+addr, "KEY="+key)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("emitter %s: %v\n%s", b, err, out)
	}
}

// Messages of the Node.js @socket.io/redis-emitter reach the Go node's
// sockets: events (binary included) to rooms, joins, disconnections and
// server-side events.
func TestNodeEmitter(t *testing.T) {
	got := make(chan string, 1)
	var key string
	nodes := clusterKey(t, 1, &key, func(_ int, s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { s.Join("room") })
		s.Sockets().OnServerSideEmit("hello", func(v string) { got <- v })
	})
	addr := redisAddr(t)
	c, id := nodes[0].connect(t, "/")
	inRoom(t, nodes[0].srv, "room", 1)
	runEmitter(t, addr, key, map[string]any{"op": "emit", "rooms": []string{"room"}, "event": "news",
		"args": []any{"x", map[string]any{"$bin": []int{4, 2}}}})
	p := expectEvent(t, c, "news", 1)
	if !bytes.Equal(p.Attachments[0], []byte{4, 2}) {
		t.Fatalf("attachment %v", p.Attachments[0])
	}
	runEmitter(t, addr, key, map[string]any{"op": "socketsJoin", "rooms": []string{id}, "join": "vip"})
	eventually(t, "the emitter's join", func() bool {
		return slices.Contains(nodes[0].srv.Sockets().Socket(id).Rooms(), "vip")
	})
	runEmitter(t, addr, key, map[string]any{"op": "serverSideEmit", "event": "hello", "args": []any{"from emitter"}})
	select {
	case v := <-got:
		if v != "from emitter" {
			t.Fatalf("server-side event %q", v)
		}
	case <-time.After(wait):
		t.Fatal("no server-side event")
	}
	runEmitter(t, addr, key, map[string]any{"op": "disconnectSockets", "rooms": []string{"vip"}})
	if p := recvEvent(t, c); p.Text != "1" {
		t.Fatalf("got %q, want a DISCONNECT", p.Text)
	}
}

// The Go Emitter reaches Go and Node.js nodes alike.
func TestGoEmitter(t *testing.T) {
	got := make(chan string, 1)
	e := mixed(t, func(s *socketio.Server) {
		s.Sockets().OnServerSideEmit("ping", func(v string) { got <- v })
	})
	rdb := goredis.NewClient(&goredis.Options{Addr: redisAddr(t)})
	defer rdb.Close()
	em := redisadapter.NewEmitter(rdb, e.key)
	ctx := context.Background()
	if err := em.To("room").Emit(ctx, "news", 1, []byte{3}); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, e.g, "news", 1)
	expectEvent(t, e.n, "news", 1)
	if err := em.Except(e.gID).Emit(ctx, "not-g"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, e.n, "not-g", 0)
	if err := em.In(e.gID, e.nID).SocketsJoin(ctx, "both"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both sockets in room both", func() bool {
		rs, err := e.goNode.srv.In("both").FetchSockets(ctx)
		return err == nil && len(rs) == 2
	})
	if err := em.ServerSideEmit(ctx, "ping", "from go emitter"); err != nil {
		t.Fatal(err)
	}
	if v := <-got; v != "from go emitter" {
		t.Fatalf("go node got %q", v)
	}
	eventually(t, "node receiving the server-side event", func() bool {
		var r struct{ Received []string }
		e.js.call(t, "received", nil, &r)
		return slices.Contains(r.Received, "from go emitter")
	})
	if err := em.In("both").DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{e.g, e.n} {
		if p := recvEvent(t, c); p.Text != "1" {
			t.Fatalf("got %q, want a DISCONNECT", p.Text)
		}
	}
	if err := em.Emit(ctx, "disconnect"); err == nil {
		t.Fatal("a reserved event name was emitted")
	}
}

// The official socket.io-client 4.8, one client on each node (WebSocket on
// the Go node, polling then upgrade on the Node.js one), receives the
// broadcasts of both nodes, binary included, on the classic adapter and
// on the sharded one.
func TestOfficialClientsAcrossNodes(t *testing.T) {
	for _, variant := range []string{"classic", "dynamic"} {
		t.Run(variant, func(t *testing.T) {
			e := mixedWith(t, variant, func(s *socketio.Server) {
				s.OnConnection(func(s *socketio.Socket) {
					s.On("join", func(room string) { s.Join(room) })
				})
			})
			specs := []map[string]any{
				{"url": strings.TrimSuffix(e.goNode.base, "/socket.io/"), "transports": []string{"websocket"}},
				{"url": strings.TrimSuffix(e.js.base, "/socket.io/"), "transports": []string{"polling", "websocket"}},
			}
			b, _ := json.Marshal(specs)
			cmd := exec.Command("node", "clients.js", string(b))
			cmd.Dir = "node"
			cmd.Stderr = os.Stderr
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				_ = cmd.Wait()
			}()
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			next := func() string {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatal("clients.js exited")
					}
					return l
				case <-time.After(wait):
					t.Fatal("clients.js said nothing")
				}
				return ""
			}
			if l := next(); l != `{"ready":true}` {
				t.Fatalf("clients.js: %s", l)
			}
			// Both joined "room" on their node (the Node.js node through the
			// event, which the Go node also handles).
			eventually(t, "both official clients in room", func() bool {
				rs, err := e.goNode.srv.In("room").FetchSockets(context.Background())
				return err == nil && len(rs) == 4 // the two raw clients of mixed, and these
			})
			expectBoth := func(want string) {
				t.Helper()
				seen := map[string]bool{}
				for len(seen) < 2 {
					var ev struct {
						Client int
						Args   []any
					}
					l := next()
					if err := json.Unmarshal([]byte(l), &ev); err != nil {
						t.Fatalf("clients.js: %s", l)
					}
					if got, _ := json.Marshal(ev.Args); string(got) != want {
						t.Fatalf("client %d got %s, want %s", ev.Client, got, want)
					}
					seen[fmt.Sprint(ev.Client)] = true
				}
			}
			if err := e.goNode.srv.To("room").Emit("news", "from go", []byte{1, 2}); err != nil {
				t.Fatal(err)
			}
			expectBoth(`["from go",{"$bin":[1,2]}]`)
			e.js.call(t, "broadcast", map[string]any{"rooms": []string{"room"}, "event": "news",
				"args": []any{"from node", map[string]any{"$bin": []int{3}}}}, nil)
			expectBoth(`["from node",{"$bin":[3]}]`)
		})
	}
}

// Three nodes, as a migration runs them: two Go nodes and a Node.js node on
// one Redis, a client on each. Broadcasts from every node reach every
// client, fetchSockets from every node sees the three sockets, and a
// broadcast with acks from each collects three answers; on the classic
// adapter (with answers on each requester's own channel, an option every
// node shares) and on the sharded one.
func TestThreeNodes(t *testing.T) {
	for _, variant := range []string{"classic", "classic-specific", "dynamic"} {
		t.Run(variant, func(t *testing.T) {
			addr := redisAddr(t)
			var b [4]byte
			_, _ = rand.Read(b[:])
			key := "gosio-three-" + hex.EncodeToString(b[:])
			factory := func(rdb *goredis.Client) func(*socketio.Namespace) (socketio.Adapter, error) {
				switch variant {
				case "dynamic":
					return redisadapter.NewShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: key})
				case "classic-specific":
					return redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: key, PublishOnSpecificResponseChannel: true})
				}
				return redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: key})
			}
			var gos []*node
			for range 2 {
				rdb := goredis.NewClient(&goredis.Options{Addr: addr})
				srv := socketio.NewServer(&socketio.Options{Adapter: factory(rdb)})
				ts := newHTTPServer(srv)
				gos = append(gos, &node{srv: srv, ts: ts, base: ts.URL + "/socket.io/", rdb: rdb})
				t.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), wait)
					defer cancel()
					_ = srv.Shutdown(ctx)
					ts.Close()
					rdb.Close()
				})
			}
			sharded := ""
			if variant == "dynamic" {
				sharded = "dynamic"
			}
			if variant == "classic-specific" {
				t.Setenv("SPECIFIC", "1")
			}
			js := startNodeJS(t, addr, key, sharded)
			c0, _ := dialTo(t, gos[0].base)
			c1, _ := dialTo(t, gos[1].base)
			cn, _ := dialTo(t, js.base)
			clients := []*siotest.Client{c0, c1, cn}
			eventually(t, "three nodes", func() bool {
				n, err := gos[0].srv.Sockets().Adapter().ServerCount(context.Background())
				var c struct{ Count int }
				js.call(t, "serverCount", nil, &c)
				return err == nil && n == 3 && c.Count == 3
			})
			// Broadcasts from each node reach the three clients.
			for i, g := range gos {
				if err := g.srv.Emit("from-go", i); err != nil {
					t.Fatal(err)
				}
				for _, c := range clients {
					expectEvent(t, c, "from-go", 0)
				}
			}
			js.call(t, "broadcast", map[string]any{"event": "from-node"}, nil)
			for _, c := range clients {
				expectEvent(t, c, "from-node", 0)
			}
			// fetchSockets from every node.
			for i, g := range gos {
				rs, err := g.srv.FetchSockets(context.Background())
				if err != nil || len(rs) != 3 {
					t.Fatalf("go node %d FetchSockets: %d, %v", i, len(rs), err)
				}
			}
			var f struct{ Sockets []struct{ ID string } }
			js.call(t, "fetchSockets", map[string]any{}, &f)
			if len(f.Sockets) != 3 {
				t.Fatalf("node fetchSockets: %d", len(f.Sockets))
			}
			// A broadcast with acks from a Go node and from the Node.js node.
			answerAll := func() {
				for i, c := range clients {
					p := recvEvent(t, c)
					if err := c.Send(fmt.Sprintf(`3%d[%d]`, p.ID, i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			done := make(chan int, 1)
			go func() {
				res, err := gos[1].srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "q")
				if err != nil {
					t.Errorf("EmitWithAck: %v", err)
				}
				done <- len(res)
			}()
			answerAll()
			if n := <-done; n != 3 {
				t.Fatalf("go node's broadcast with acks: %d answers, want 3", n)
			}
			out := make(chan map[string]any, 1)
			go func() {
				var o map[string]any
				js.call(t, "emitWithAck", map[string]any{"event": "q", "timeout": 5000}, &o)
				out <- o
			}()
			answerAll()
			if o := <-out; o["error"] != nil || len(o["responses"].([]any)) != 3 {
				t.Fatalf("node's broadcast with acks: %v", o)
			}
		})
	}
}
