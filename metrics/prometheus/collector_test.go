package socketioprom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
	socketioprom "github.com/gosio/socketio/metrics/prometheus"
)

func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}

const wait = 10 * time.Second

// server starts a Socket.IO server on httptest whose sockets of "/" are
// sent on the returned channel, with "/private" refusing every CONNECT.
// Idle parking is off, so that the parked gauge does not depend on time.
func server(t *testing.T) (*socketio.Server, string, <-chan *socketio.Socket, <-chan string) {
	t.Helper()
	socks := make(chan *socketio.Socket, 8)
	gone := make(chan string, 8)
	io := socketio.NewServer(&socketio.Options{
		Engine:       socketio.EngineOptions{IdleParkAfter: -1},
		ErrorHandler: func(err error) { t.Errorf("server error: %v", err) },
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.OnDisconnect(func(reason string) { gone <- reason })
		socks <- s
	})
	io.Of("/private").Use(func(*socketio.Socket) error { return errors.New("members only") })
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return io, ts.URL + "/socket.io/", socks, gone
}

func dial(t *testing.T, base string, mode eiotest.Mode) *siotest.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.Dial(ctx, base, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

func recvChan[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("timed out")
		var zero T
		return zero
	}
}

func expect(t *testing.T, c *siotest.Client, want string) siotest.Packet {
	t.Helper()
	p, err := c.Expect(wait, want)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// exposition writes the text format of one metric family.
type exposition struct{ strings.Builder }

func (e *exposition) family(name, typ, help string, samples ...string) {
	fmt.Fprintf(e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	for _, s := range samples {
		fmt.Fprintf(e, "%s%s\n", name, s)
	}
}

// TestCollector drives a server through connections, a broadcast, an
// ack, a refused CONNECT and a refused handshake, and compares every
// metric but the latency histogram (checked apart: its sum is a
// measurement) with its exact value.
func TestCollector(t *testing.T) {
	io, base, socks, gone := server(t)
	col := socketioprom.NewCollector(io, socketioprom.Options{})

	c1 := dial(t, base, eiotest.ModeWebSocket)
	if _, err := c1.Connect("/", "", wait); err != nil {
		t.Fatal(err)
	}
	s1 := recvChan(t, socks)
	c2 := dial(t, base, eiotest.ModePolling)
	if _, err := c2.Connect("/", "", wait); err != nil {
		t.Fatal(err)
	}
	recvChan(t, socks)
	var ce *siotest.ConnectErr
	if _, err := c1.Connect("/private", "", wait); !errors.As(err, &ce) {
		t.Fatalf("CONNECT /private: %v", err)
	}
	if err := io.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	expect(t, c1, `2["news",1]`)
	expect(t, c2, `2["news",1]`)
	done := make(chan error, 1)
	go func() {
		_, err := s1.EmitWithAck(context.Background(), "q")
		done <- err
	}()
	p := expect(t, c1, `20["q"]`)
	if err := c1.Send(fmt.Sprintf(`3%d["ok"]`, p.ID)); err != nil {
		t.Fatal(err)
	}
	if err := recvChan(t, done); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if r := recvChan(t, gone); r != socketio.ReasonTransportClose {
		t.Fatalf("disconnect reason %q", r)
	}
	resp, err := http.Get(base + "?EIO=4&transport=carrier-pigeon")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	st := io.Stats()
	var want exposition
	want.family("socketio_connections_total", "counter", "Engine.IO sessions opened.", " 2")
	want.family("socketio_connections_open", "gauge", "Engine.IO sessions open now, by transport.",
		`{transport="polling"} 0`, `{transport="websocket"} 1`)
	want.family("socketio_connections_parked", "gauge", "WebSocket sessions whose reading goroutine is parked (idle).", " 0")
	want.family("socketio_upgrades_total", "counter", "Engine.IO sessions upgraded from polling to WebSocket.", " 0")
	want.family("socketio_disconnections_total", "counter", "Engine.IO sessions closed, by close reason.",
		`{reason="forced close"} 0`, `{reason="parse error"} 0`, `{reason="ping timeout"} 0`,
		`{reason="server shutting down"} 0`, `{reason="transport close"} 1`, `{reason="transport error"} 0`)
	want.family("socketio_queue_overflows_total", "counter", "Engine.IO sessions closed because their outgoing queue was full.", " 0")
	// Whether the ack request was registered while a handler ran on the
	// reading goroutine depends on timing (inline.go); the root package's
	// tests pin the count.
	want.family("socketio_read_handoffs_total", "counter", "Handlers running on a WebSocket's reading goroutine that had the reading moved to a new goroutine (they ran long or awaited an ack).",
		fmt.Sprintf(" %d", st.Engine.ReadHandOffs))
	want.family("socketio_handshake_refusals_total", "counter", "Engine.IO handshakes refused, by cause.",
		`{cause="bad_method"} 0`, `{cause="bad_request"} 0`, `{cause="forbidden"} 0`,
		`{cause="shutting_down"} 0`, `{cause="unknown_transport"} 1`, `{cause="unsupported_protocol"} 0`)
	// In: three CONNECTs and the ack. Out: two CONNECT replies, the
	// CONNECT_ERROR, the broadcast twice, the ack request.
	want.family("socketio_packets_total", "counter", "Engine.IO message packets received (in) and sent (out).",
		`{direction="in"} 4`, `{direction="out"} 6`)
	want.family("socketio_bytes_total", "counter", "Data bytes of the Engine.IO message packets received (in) and sent (out).",
		fmt.Sprintf(`{direction="in"} %d`, st.Engine.BytesIn), fmt.Sprintf(`{direction="out"} %d`, st.Engine.BytesOut))
	want.family("socketio_sockets_connected", "gauge", "Sockets connected now, by namespace.",
		`{namespace="/"} 1`, `{namespace="/private"} 0`)
	want.family("socketio_socket_connections_total", "counter", "Sockets connected to a namespace.", " 2")
	want.family("socketio_socket_disconnections_total", "counter", "Sockets disconnected, by reason.",
		`{reason="client namespace disconnect"} 0`, `{reason="forced close"} 0`, `{reason="parse error"} 0`,
		`{reason="ping timeout"} 0`, `{reason="server namespace disconnect"} 0`, `{reason="server shutting down"} 0`,
		`{reason="transport close"} 1`, `{reason="transport error"} 0`)
	want.family("socketio_connect_refusals_total", "counter", "Namespace CONNECTs refused, by cause.",
		`{cause="invalid_namespace"} 0`, `{cause="middleware"} 1`, `{cause="namespace_unavailable"} 0`)
	want.family("socketio_broadcasts_total", "counter", "Broadcasts started on this server.", " 1")
	want.family("socketio_broadcast_recipients_total", "counter", "Sockets of this server a broadcast packet was handed to.", " 2")
	want.family("socketio_acks_total", "counter", "Acks requested by the server.", " 1")
	want.family("socketio_ack_timeouts_total", "counter", "Acks requested by the server that timed out.", " 0")
	// The data bytes: "0", "0/private,", "30[\"ok\"]" and "0" in.
	if st.Engine.BytesIn != 1+10+8+1 {
		t.Errorf("BytesIn = %d, want 20", st.Engine.BytesIn)
	}
	names := []string{
		"socketio_connections_total", "socketio_connections_open", "socketio_connections_parked", "socketio_upgrades_total",
		"socketio_disconnections_total", "socketio_queue_overflows_total", "socketio_read_handoffs_total", "socketio_handshake_refusals_total",
		"socketio_packets_total", "socketio_bytes_total", "socketio_sockets_connected", "socketio_socket_connections_total",
		"socketio_socket_disconnections_total", "socketio_connect_refusals_total", "socketio_broadcasts_total",
		"socketio_broadcast_recipients_total", "socketio_acks_total", "socketio_ack_timeouts_total",
	}
	if err := testutil.CollectAndCompare(col, strings.NewReader(want.String()), names...); err != nil {
		t.Fatal(err)
	}
	// Every metric the collector describes is in the comparison above or
	// is the histogram.
	if n := testutil.CollectAndCount(col); n != 1+2+1+1+6+1+1+6+2+2+2+1+8+3+1+1+1+1+1 {
		t.Errorf("%d series collected", n)
	}

	// The histogram: one answered ack, in every bucket from the one its
	// latency falls in; the sum is that latency.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(col)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, mf := range mfs {
		if mf.GetName() != "socketio_ack_duration_seconds" {
			continue
		}
		found = true
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 1 || h.GetSampleSum() <= 0 || h.GetSampleSum() > wait.Seconds() {
			t.Fatalf("ack histogram: count %d, sum %v", h.GetSampleCount(), h.GetSampleSum())
		}
		b := h.GetBucket()
		if len(b) != 13 || b[0].GetUpperBound() != 0.001 || b[12].GetUpperBound() != 10 || b[12].GetCumulativeCount() != 1 {
			t.Fatalf("ack histogram buckets: %v", b)
		}
		for _, x := range b {
			if inBucket := h.GetSampleSum() <= x.GetUpperBound(); (x.GetCumulativeCount() == 1) != inBucket {
				t.Fatalf("ack of %vs counted %d in the bucket le %v", h.GetSampleSum(), x.GetCumulativeCount(), x.GetUpperBound())
			}
		}
	}
	if !found {
		t.Fatal("no socketio_ack_duration_seconds")
	}
}

// TestCollectorLint: the metrics follow Prometheus' naming and help
// conventions.
func TestCollectorLint(t *testing.T) {
	io, _, _, _ := server(t)
	problems, err := testutil.CollectAndLint(socketioprom.NewCollector(io, socketioprom.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestCollectorOptions: Prefix and ConstLabels tell two servers apart in
// one registry; the same server registered twice is refused.
func TestCollectorOptions(t *testing.T) {
	a, _, _, _ := server(t)
	b, base, socks, _ := server(t)
	c := dial(t, base, eiotest.ModeWebSocket)
	if _, err := c.Connect("/", "", wait); err != nil {
		t.Fatal(err)
	}
	recvChan(t, socks)

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(socketioprom.NewCollector(a, socketioprom.Options{Prefix: "chat", ConstLabels: prometheus.Labels{"server": "a"}}))
	colB := socketioprom.NewCollector(b, socketioprom.Options{Prefix: "chat", ConstLabels: prometheus.Labels{"server": "b"}})
	reg.MustRegister(colB)
	if err := reg.Register(socketioprom.NewCollector(b, socketioprom.Options{Prefix: "chat", ConstLabels: prometheus.Labels{"server": "b"}})); err == nil {
		t.Fatal("a second collector of the same metrics was registered")
	}
	want := `# HELP chat_socket_connections_total Sockets connected to a namespace.
# TYPE chat_socket_connections_total counter
chat_socket_connections_total{server="a"} 0
chat_socket_connections_total{server="b"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chat_socket_connections_total"); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg, "socketio_socket_connections_total"); err != nil || n != 0 {
		t.Fatalf("%d series under the default prefix (%v), want none", n, err)
	}
}
