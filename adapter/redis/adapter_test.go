package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

const wait = 10 * time.Second

// TestMain fails the tests if a goroutine outlives them (adapters, their
// subscriptions and publishers must end with their servers). The
// process-wide poller of parked idle WebSockets lives on.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}

// redisAddr is the Redis the tests use: REDIS_ADDR, else 127.0.0.1:6379
// (.ci/run starts one there when none answers).
func redisAddr(t *testing.T) string {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("no Redis at %s (set REDIS_ADDR, or start redis-server; .ci/run does): %v", addr, err)
	}
	c.Close()
	return addr
}

// node is one server of a test cluster.
type node struct {
	srv  *socketio.Server
	ts   *httptest.Server
	base string
	rdb  *goredis.Client
}

// cluster starts n Go nodes on one Redis, with a key prefix of the test's
// own so that tests (and other users of that Redis) do not meet.
func cluster(t *testing.T, n int, setup func(i int, s *socketio.Server)) []*node {
	var key string
	return clusterKey(t, n, &key, setup)
}

// clusterKey is cluster, telling the key prefix it chose.
func clusterKey(t *testing.T, n int, keyOut *string, setup func(i int, s *socketio.Server)) []*node {
	return clusterWith(t, n, keyOut, nil, setup)
}

// clusterWith is clusterKey with tweak applied to each node's Options.
func clusterWith(t *testing.T, n int, keyOut *string, tweak func(*socketio.Options), setup func(i int, s *socketio.Server)) []*node {
	addr := redisAddr(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := "gosio-test-" + hex.EncodeToString(b[:])
	*keyOut = key
	nodes := make([]*node, n)
	for i := range nodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: addr})
		opts := &socketio.Options{
			Adapter:      redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: key}),
			ErrorHandler: func(err error) { t.Logf("node %d: %v", i, err) },
		}
		if tweak != nil {
			tweak(opts)
		}
		srv := socketio.NewServer(opts)
		if setup != nil {
			setup(i, srv)
		}
		ts := httptest.NewServer(srv)
		nodes[i] = &node{srv: srv, ts: ts, base: ts.URL + "/socket.io/", rdb: rdb}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			ts.Close()
			rdb.Close()
		})
	}
	return nodes
}

func (n *node) connect(t *testing.T, nsp string) (*siotest.Client, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.Dial(ctx, n.base, eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	sid, err := c.Connect(nsp, "", wait)
	if err != nil {
		t.Fatal(err)
	}
	return c, sid
}

func recvEvent(t *testing.T, c *siotest.Client) siotest.Packet {
	t.Helper()
	p, err := c.Recv(wait)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// inRoom waits until room holds n sockets, cluster-wide.
func inRoom(t *testing.T, srv *socketio.Server, room string, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d sockets in %s", n, room), func() bool {
		rs, err := srv.In(room).FetchSockets(context.Background())
		return err == nil && len(rs) == n
	})
}

func TestServerCount(t *testing.T) {
	nodes := cluster(t, 2, nil)
	n, err := nodes[0].srv.Sockets().Adapter().ServerCount(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("ServerCount = %d, %v; want 2", n, err)
	}
}

// A broadcast reaches the room's sockets on every node, each once, and
// not the excluded ones; Local stays on its node.
func TestBroadcastAcrossNodes(t *testing.T) {
	nodes := cluster(t, 2, func(_ int, s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { s.Join("room") })
	})
	a, _ := nodes[0].connect(t, "/")
	b, _ := nodes[1].connect(t, "/")
	bx, bxID := nodes[1].connect(t, "/")
	// The CONNECT reply goes before the connection handlers run (as in the
	// reference): wait until the three have joined "room".
	inRoom(t, nodes[0].srv, "room", 3)
	if err := nodes[0].srv.To("room").Except(bxID).Emit("hello", "w", 1, []byte{7}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{a, b} {
		p := recvEvent(t, c)
		if name, args, _ := p.Event(); name != "hello" || len(args) != 3 || len(p.Attachments) != 1 || p.Attachments[0][0] != 7 {
			t.Fatalf("got %q %v", p.Text, p.Attachments)
		}
	}
	if err := nodes[0].srv.Local().Emit("local"); err != nil {
		t.Fatal(err)
	}
	if p := recvEvent(t, a); p.Text != `2["local"]` {
		t.Fatalf("a got %q", p.Text)
	}
	// bx got neither; b did not get the local one: the next thing they
	// get is this.
	if err := nodes[0].srv.Emit("last"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{b, bx} {
		if p := recvEvent(t, c); p.Text != `2["last"]` {
			t.Fatalf("got %q, want the last broadcast", p.Text)
		}
	}
}

// FetchSockets sees every node's sockets; SocketsJoin and
// DisconnectSockets act on them wherever they are.
func TestRemoteSocketsAcrossNodes(t *testing.T) {
	nodes := cluster(t, 2, nil)
	_, aID := nodes[0].connect(t, "/")
	b, bID := nodes[1].connect(t, "/")
	socks, err := nodes[0].srv.FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range socks {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	want := []string{aID, bID}
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("FetchSockets ids %v, want %v", ids, want)
	}
	if err := nodes[0].srv.In(bID).SocketsJoin("joined"); err != nil {
		t.Fatal(err)
	}
	// The join travels through Redis: the next broadcast to the room,
	// published after it on the same connection, finds b in it.
	if err := nodes[0].srv.To("joined").Emit("in"); err != nil {
		t.Fatal(err)
	}
	if p := recvEvent(t, b); p.Text != `2["in"]` {
		t.Fatalf("b got %q", p.Text)
	}
	rs, err := nodes[0].srv.In("joined").FetchSockets(context.Background())
	if err != nil || len(rs) != 1 || rs[0].ID != bID || !slices.Contains(rs[0].Rooms, "joined") {
		t.Fatalf("FetchSockets in joined: %+v, %v", rs, err)
	}
	if rs[0].Handshake == nil || rs[0].Handshake.Query.Get("EIO") != "4" {
		t.Fatalf("remote handshake %+v", rs[0].Handshake)
	}
	if err := rs[0].Disconnect(false); err != nil {
		t.Fatal(err)
	}
	if p := recvEvent(t, b); p.Text != `1` {
		t.Fatalf("b got %q, want a DISCONNECT", p.Text)
	}
}

// A broadcast with acks collects the answers of every node's sockets.
func TestBroadcastWithAcksAcrossNodes(t *testing.T) {
	nodes := cluster(t, 2, nil)
	a, _ := nodes[0].connect(t, "/")
	b, _ := nodes[1].connect(t, "/")
	type result struct {
		res []codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := nodes[0].srv.Timeout(5*time.Second).EmitWithAck(context.Background(), "q")
		done <- result{res, err}
	}()
	for i, c := range []*siotest.Client{a, b} {
		p := recvEvent(t, c)
		if err := c.Send(fmt.Sprintf(`3%d[%d]`, p.ID, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(wait):
		t.Fatal("no result")
	}
	if r.err != nil || len(r.res) != 2 {
		t.Fatalf("EmitWithAck: %d answers, %v", len(r.res), r.err)
	}
	var got []int
	for _, a := range r.res {
		var n int
		if err := a.Decode(0, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	sort.Ints(got)
	if !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("answers %v", got)
	}
}

// ServerSideEmit reaches the other nodes' handlers, and their acks come
// back.
func TestServerSideEmitAcrossNodes(t *testing.T) {
	got := make(chan string, 1)
	nodes := cluster(t, 2, func(i int, s *socketio.Server) {
		if i == 1 {
			s.Sockets().OnServerSideEmit("ping", func(who string, ack socketio.AckFunc) {
				got <- who
				if ack != nil {
					_ = ack("pong")
				}
			})
		}
	})
	if err := nodes[0].srv.ServerSideEmit("ping", "a"); err != nil {
		t.Fatal(err)
	}
	select {
	case who := <-got:
		if who != "a" {
			t.Fatalf("handler got %q", who)
		}
	case <-time.After(wait):
		t.Fatal("the other node's handler did not run")
	}
	res, err := nodes[0].srv.Sockets().ServerSideEmitWithAck(context.Background(), "ping", "b")
	<-got
	if err != nil || len(res) != 1 {
		t.Fatalf("ServerSideEmitWithAck: %d answers, %v", len(res), err)
	}
	var s string
	if err := res[0].Decode(0, &s); err != nil || s != "pong" {
		t.Fatalf("answer %q, %v", s, err)
	}
}

func newHTTPServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
