package redis_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/internal/siotest"
)

// ownRedis is a redis-server of the test's own, on a free port, that the
// test can stop and start again.
type ownRedis struct {
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T, port int) *ownRedis {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found (apt-get install redis-server; .ci/run installs it): %v", err)
	}
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &ownRedis{port: port, cmd: cmd}
	t.Cleanup(r.stop)
	eventually(t, "redis-server listening", func() bool {
		c, err := net.Dial("tcp", r.addr())
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return r
}

func (r *ownRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *ownRedis) stop() {
	if r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	}
}

// Redis dies and comes back: meanwhile each node keeps serving its own
// clients, cluster requests fail with an error instead of hanging, nothing
// panics; afterwards the nodes resubscribe on their own and cross-node
// broadcasts flow again.
func TestRedisRestart(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		name := "classic"
		if sharded {
			name = "sharded"
		}
		t.Run(name, func(t *testing.T) { testRedisRestart(t, sharded) })
	}
}

func testRedisRestart(t *testing.T, sharded bool) {
	r := startOwnRedis(t, 0)
	errs := make(chan error, 1024)
	var nodes [2]*node
	for i := range nodes {
		rdb := goredis.NewClient(&goredis.Options{Addr: r.addr(), DialTimeout: 300 * time.Millisecond,
			ReadTimeout: time.Second, MaxRetries: 1})
		report := func(err error) {
			select {
			case errs <- err:
			default:
			}
		}
		factory := redisadapter.NewAdapter(rdb, &redisadapter.Options{RequestsTimeout: time.Second, ErrorHandler: report})
		if sharded {
			factory = redisadapter.NewShardedAdapter(rdb, &redisadapter.ShardedOptions{RequestsTimeout: time.Second, ErrorHandler: report})
		}
		srv := socketio.NewServer(&socketio.Options{Adapter: factory})
		ts := newHTTPServer(srv)
		nodes[i] = &node{srv: srv, ts: ts, base: ts.URL + "/socket.io/", rdb: rdb}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			_ = srv.Shutdown(ctx)
			ts.Close()
			rdb.Close()
		})
	}
	a, _ := nodes[0].connect(t, "/")
	b, _ := nodes[1].connect(t, "/")
	crossNode := func(event string) {
		t.Helper()
		if err := nodes[0].srv.Emit(event); err != nil {
			t.Fatalf("Emit: %v", err)
		}
		expectEvent(t, a, event, 0)
		expectUntil(t, b, event)
	}
	crossNode("before")

	r.stop()
	// Down: local clients are still served.
	_ = nodes[0].srv.Emit("during")
	expectEvent(t, a, "during", 0)
	start := time.Now()
	if _, err := nodes[0].srv.FetchSockets(context.Background()); err == nil {
		t.Fatal("FetchSockets succeeded with Redis down")
	} else {
		t.Logf("FetchSockets with Redis down: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
	}
	if d := time.Since(start); d > wait {
		t.Fatalf("FetchSockets took %v with Redis down", d)
	}

	startOwnRedis(t, r.port)
	// Both nodes resubscribe by themselves: the request channel counts
	// two subscribers again.
	eventually(t, "both nodes resubscribed", func() bool {
		n, err := nodes[0].srv.Sockets().Adapter().ServerCount(context.Background())
		return err == nil && n == 2
	})
	crossNode("after")
	select {
	case err := <-errs:
		t.Logf("reported while Redis was down (expected): %v", err)
	default:
	}
}

// expectUntil reads c until event arrives, skipping others (a message
// queued while Redis was down may be delivered once it is back).
func expectUntil(t *testing.T, c *siotest.Client, event string) {
	t.Helper()
	for {
		p := recvEvent(t, c)
		if name, _, _ := p.Event(); name == event {
			return
		}
		t.Logf("skipped %q", p.Text)
	}
}
