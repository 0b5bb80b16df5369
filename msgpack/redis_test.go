package msgpack_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/msgpack"
)

const wait = 10 * time.Second

// redisAddr is the Redis the test uses: REDIS_ADDR, else 127.0.0.1:6379
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

// redisNode is one server of a two-node cluster on Redis, with msgpack.
type redisNode struct {
	srv  *socketio.Server
	base string
}

func redisCluster(t *testing.T, n int, setup func(*socketio.Server)) []redisNode {
	addr := redisAddr(t)
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := "gosio-msgpack-test-" + hex.EncodeToString(b[:])
	nodes := make([]redisNode, n)
	for i := range nodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: addr})
		srv := socketio.NewServer(&socketio.Options{
			Parser:       msgpack.Parser{},
			Adapter:      redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: key}),
			ErrorHandler: func(err error) { t.Logf("node %d: %v", i, err) },
		})
		setup(srv)
		ts := httptest.NewServer(srv)
		nodes[i] = redisNode{srv: srv, base: ts.URL + "/socket.io/"}
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

// TestRedisAdapter: the Redis adapter (adapter/redis) with this parser. A
// node re-encodes what another node broadcasts (decoded from Redis into
// generic values) with its own parser, and the answers of its clients'
// acks go back in the adapter's own format, whatever the parser: the
// adapter needs nothing parser-specific.
func TestRedisAdapter(t *testing.T) {
	nodes := redisCluster(t, 2, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { s.Join("room") })
	})
	eio, err := eiotest.Dial(t.Context(), eiotest.Config{Base: nodes[0].base, HTTP: &http.Client{Timeout: wait}}, eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer eio.Stop()
	send := func(p codec.SocketPacket) {
		pkts, err := msgpack.Parser{}.Encode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		if err := eio.Send(eiotest.Bin(pkts[0].Data)); err != nil {
			t.Fatal(err)
		}
	}
	dec := msgpack.Parser{}.NewDecoder(codec.DecoderLimits{})
	recv := func() *codec.SocketPacket {
		m, err := eio.Recv(wait)
		if err != nil {
			t.Fatal(err)
		}
		p, err := dec.Add(codec.Packet{Type: codec.PacketMessage, Data: m.Data, Binary: m.Binary})
		if err != nil {
			t.Fatalf("% x: %v", m.Data, err)
		}
		return p
	}
	send(codec.SocketPacket{Type: codec.Connect, Nsp: "/"})
	if p := recv(); p.Type != codec.Connect {
		t.Fatalf("got %v, want the CONNECT reply", p.Type)
	}
	// The CONNECT reply goes before the connection handler joins the
	// room: wait until the room has the socket, cluster-wide (bounded
	// polling: the state is in another node).
	deadline := time.Now().Add(wait)
	for {
		rs, err := nodes[1].srv.In("room").FetchSockets(t.Context())
		if err == nil && len(rs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the socket is not in the room after %v: %d, %v", wait, len(rs), err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A broadcast from node 1, with binary and a struct.
	type item struct {
		Name string `json:"name"`
		Blob []byte `json:"blob"`
	}
	if err := nodes[1].srv.To("room").Emit("news", []byte{1, 2}, item{"x", []byte{3}}, 7); err != nil {
		t.Fatal(err)
	}
	p := recv()
	var got []any
	for i := 0; i < p.Args.Len(); i++ {
		var v any
		if err := p.Args.Decode(i, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []any{[]byte{1, 2}, map[string]any{"name": "x", "blob": []byte{3}}, 7.0}
	if p.Event != "news" || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s %#v, want news %#v", p.Event, got, want)
	}

	// A broadcast with acks from node 1: the client on node 0 answers with
	// binary.
	type result struct {
		args []codec.Args
		err  error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		args, err := nodes[1].srv.To("room").EmitWithAck(ctx, "question", "q")
		done <- result{args, err}
	}()
	q := recv()
	if q.Event != "question" || !q.HasID {
		t.Fatalf("got %+v, want the question with an ack id", q)
	}
	send(codec.SocketPacket{Type: codec.Ack, Nsp: "/", ID: q.ID, HasID: true, Data: []any{[]byte("42")}})
	r := <-done
	if r.err != nil || len(r.args) != 1 {
		t.Fatalf("EmitWithAck: %v, %d answers", r.err, len(r.args))
	}
	var answer []byte
	if err := r.args[0].Decode(0, &answer); err != nil || string(answer) != "42" {
		t.Fatalf("answer %q %v", answer, err)
	}
}
