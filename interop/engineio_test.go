package interop

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gosio/socketio/session"
)

func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}

// modes are the transport configurations every scenario runs with; see
// eio/lib.js for what each means on the client side.
var modes = []string{"polling", "websocket", "upgrade"}

const maxPayload = 1_000_000

// ---------------------------------------------------------------------------
// node

// requireNode finds node and engine.io-client for the scripts in eio/ (see
// harness_test.go).
func requireNode(t *testing.T) nodeEnv {
	t.Helper()
	node, dir := findNode(t, "engine.io-client")
	return nodeEnv{node: node, dir: dir, scripts: "eio", debug: "engine.io-client:*"}
}

// ---------------------------------------------------------------------------
// echo server

type closeRecord struct {
	reason    string
	err       error
	transport string // Session.Transport() when OnClose ran
}

// echoServer is session.Server running the echo application, instrumented to
// check the callback contract (OnMessage serial and never after OnClose,
// OnClose exactly once) and to record how each session closed.
type echoServer struct {
	srv *session.Server
	ts  *httptest.Server
	url string

	changes    // mu guards the fields below; notifyLocked on every change
	connected  int
	open       int
	closes     map[string]closeRecord
	violations []string
}

type serverConfig struct {
	opts *session.Options
	tls  bool
	// wsDelay holds every websocket request (transport=websocket) this long
	// before the server sees it: injected network latency, so that in mode
	// "upgrade" the session carries traffic on polling for a while and the
	// upgrade happens with messages in flight in both directions.
	wsDelay time.Duration
}

func startEchoServer(t *testing.T, cfg serverConfig) *echoServer {
	t.Helper()
	es := &echoServer{
		srv:    session.NewServer(cfg.opts),
		closes: map[string]closeRecord{},
	}
	es.srv.OnConnection(es.onConnection)
	var h http.Handler = es.srv
	if d := cfg.wsDelay; d > 0 {
		h = delayRequests(d, func(r *http.Request) bool { return r.URL.Query().Get("transport") == "websocket" }, h)
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", h)
	if cfg.tls {
		es.ts = httptest.NewTLSServer(mux)
	} else {
		es.ts = httptest.NewServer(mux)
	}
	es.url = es.ts.URL
	t.Cleanup(func() { es.stop(t) })
	return es
}

func (es *echoServer) violation(format string, args ...any) {
	es.mu.Lock()
	defer es.mu.Unlock()
	es.violations = append(es.violations, fmt.Sprintf(format, args...))
	es.notifyLocked()
}

func (es *echoServer) onConnection(s *session.Session) {
	id := s.ID()
	es.mu.Lock()
	es.connected++
	es.open++
	es.notifyLocked()
	es.mu.Unlock()

	var inMessage, closed atomic.Bool
	if s.Request() != nil && s.Request().URL.Query().Get("welcome") == "1" {
		// eio/welcome.js: messages queued before the client sent anything
		if err := s.SendText("welcome " + id); err != nil {
			es.violation("session %s: welcome SendText: %v", id, err)
		}
		if err := s.SendBinary([]byte{0, 1, 2, 0xfe, 0xff}); err != nil {
			es.violation("session %s: welcome SendBinary: %v", id, err)
		}
	}
	s.OnMessage(func(data []byte, binary bool) {
		if !inMessage.CompareAndSwap(false, true) {
			es.violation("session %s: OnMessage called while a previous call was still running", id)
			return
		}
		defer inMessage.Store(false)
		if closed.Load() {
			es.violation("session %s: OnMessage called after OnClose (%d bytes, binary=%v)", id, len(data), binary)
		}
		if !binary && string(data) == "please-close" {
			if err := s.SendText("bye"); err != nil {
				es.violation("session %s: SendText(bye): %v", id, err)
			}
			if err := s.Close(); err != nil {
				es.violation("session %s: Close: %v", id, err)
			}
			return
		}
		var err error
		if binary {
			err = s.SendBinary(data)
		} else {
			err = s.SendText(string(data))
		}
		if err != nil {
			es.violation("session %s: echo of a %d-byte message (binary=%v) failed: %v", id, len(data), binary, err)
		}
	})
	s.OnClose(func(reason string, err error) {
		if !closed.CompareAndSwap(false, true) {
			es.violation("session %s: OnClose called twice (second reason %q, err %v)", id, reason, err)
			return
		}
		tr := s.Transport()
		es.mu.Lock()
		defer es.mu.Unlock()
		es.open--
		es.closes[id] = closeRecord{reason: reason, err: err, transport: tr}
		es.notifyLocked()
	})
}

// waitAllClosed waits until every session the server opened has run its
// OnClose, then checks Count() agrees.
func (es *echoServer) waitAllClosed(t *testing.T, timeout time.Duration) {
	t.Helper()
	es.waitFor(t, timeout, func() bool { return es.open == 0 }, func() string {
		return fmt.Sprintf("%d of %d sessions still open on the server (OnClose not called) after the client finished; Count()=%d",
			es.open, es.connected, es.srv.Count())
	})
	if n := es.srv.Count(); n != 0 {
		t.Errorf("all OnClose callbacks ran but srv.Count() = %d, want 0", n)
	}
}

func (es *echoServer) closeOf(t *testing.T, sid string, timeout time.Duration) closeRecord {
	t.Helper()
	var rec closeRecord
	es.waitFor(t, timeout, func() bool {
		r, ok := es.closes[sid]
		rec = r
		return ok
	}, func() string { return fmt.Sprintf("OnClose never called for session %q", sid) })
	return rec
}

// checkCloses checks every recorded server-side close has the wanted reason
// (and, for mode "upgrade", happened on websocket).
func (es *echoServer) checkCloses(t *testing.T, mode, wantReason string) {
	t.Helper()
	es.mu.Lock()
	defer es.mu.Unlock()
	reasons := map[string]int{}
	bad := 0
	for id, c := range es.closes {
		reasons[fmt.Sprintf("%s/%s", c.reason, c.transport)]++
		if wantReason != "*" && c.reason != wantReason && bad < 5 {
			bad++
			t.Errorf("session %s closed on the server with reason %q (err %v, transport %s), want %q", id, c.reason, c.err, c.transport, wantReason)
		}
		if want := finalTransport(mode); c.transport != want && bad < 5 {
			bad++
			t.Errorf("session %s: Transport() at close = %q, want %q", id, c.transport, want)
		}
	}
	t.Logf("server-side closes (reason/transport: count): %v", reasons)
}

func (es *echoServer) stop(t *testing.T) {
	shutdownServer(t, es.srv)
	if n := es.srv.Count(); n != 0 {
		t.Errorf("after Shutdown, Count() = %d, want 0", n)
	}
	closeTestServer(t, es.ts)
	es.mu.Lock()
	defer es.mu.Unlock()
	for _, v := range es.violations {
		t.Errorf("server callback contract: %s", v)
	}
}

// ---------------------------------------------------------------------------
// shared checks

func finalTransport(mode string) string {
	if mode == "polling" {
		return "polling"
	}
	return "websocket"
}

func modeArg(mode string) string { return "--transport=" + mode }

// checkClientSide checks the fields every single-client scenario reports:
// the transport the client ended on and the handshake it got.
func checkClientSide(t *testing.T, res scenarioResult, mode string, opts *session.Options) {
	t.Helper()
	if got, want := res.str("finalTransport"), finalTransport(mode); got != want {
		t.Errorf("client ended on transport %q, want %q", got, want)
	}
	if mode == "upgrade" && res["upgraded"] != true {
		t.Errorf("client did not report an upgrade (upgraded=%v)", res["upgraded"])
	}
	if mode != "upgrade" && res["upgraded"] == true {
		t.Errorf("client upgraded in mode %s", mode)
	}
	hs := res.obj("handshake")
	if hs == nil {
		t.Errorf("no handshake in result")
		return
	}
	if got, want := hs.num("pingInterval"), float64(durationOr(opts.PingInterval, 25*time.Second).Milliseconds()); got != want {
		t.Errorf("handshake pingInterval = %v, want %v", got, want)
	}
	if got, want := hs.num("pingTimeout"), float64(durationOr(opts.PingTimeout, 20*time.Second).Milliseconds()); got != want {
		t.Errorf("handshake pingTimeout = %v, want %v", got, want)
	}
	if got := hs.num("maxPayload"); got != maxPayload {
		t.Errorf("handshake maxPayload = %v, want %v", got, maxPayload)
	}
	if sid := hs.str("sid"); len(sid) == 0 || sid != res.str("sid") {
		t.Errorf("handshake sid %q, socket id %q", sid, res.str("sid"))
	}
	upgrades, _ := hs["upgrades"].([]any)
	var wantUpgrades []any
	if mode != "websocket" {
		// a polling handshake announces the websocket upgrade; a websocket
		// handshake announces none (reference server behaviour)
		wantUpgrades = []any{"websocket"}
	}
	if fmt.Sprint(upgrades) != fmt.Sprint(wantUpgrades) {
		t.Errorf("handshake upgrades = %v, want %v", upgrades, wantUpgrades)
	}
}

func durationOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// ---------------------------------------------------------------------------
// scenarios

type scenario struct {
	name   string
	script string
	args   []string
	// opts returns fresh server options (nil means defaultOpts).
	opts func() *session.Options
	// serverReason is the OnClose reason every session must get; "" means
	// "transport close" (the client closed) and "*" any reason.
	serverReason string
	// singleClient scenarios report sid/handshake/finalTransport.
	multiClient bool
	// wsDelay: see serverConfig.
	wsDelay time.Duration
	check   func(t *testing.T, res scenarioResult, es *echoServer, mode string)
}

// defaultOpts keeps pings going during the scenarios (1 s) with a generous
// timeout, so a slow -race run cannot fail on heartbeats.
func defaultOpts() *session.Options {
	return &session.Options{
		PingInterval: time.Second,
		PingTimeout:  10 * time.Second,
		MaxPayload:   maxPayload,
	}
}

var scenarios = []scenario{
	{name: "echo", script: "echo.js", args: []string{"--count=200"},
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.num("echoed"); got != 201 { // 200 + sentinel
				t.Errorf("echoed = %v, want 201", got)
			}
		}},
	// the plain echo runs with no injected latency: the fast-upgrade path
	{name: "upgrade-inflight", script: "upgrade-inflight.js", args: []string{"--after=100", "--total=300"},
		wsDelay: 300 * time.Millisecond,
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			counts := res.obj("counts")
			if mode == "upgrade" {
				for _, phase := range []string{"before", "during", "after"} {
					if counts.num(phase) == 0 {
						t.Errorf("no message sent in phase %q: %v", phase, counts)
					}
				}
				// echoes must really have travelled on both transports
				arrivals := res.obj("arrivals")
				if arrivals.num("polling") < 10 || arrivals.num("websocket") < 10 {
					t.Errorf("echo arrivals per transport %v: want >= 10 on each", arrivals)
				}
			}
		}},
	{name: "binary", script: "binary.js", wsDelay: 200 * time.Millisecond},
	{name: "large", script: "large.js", wsDelay: 300 * time.Millisecond},
	{name: "utf8", script: "utf8.js"},
	{name: "concurrent", script: "concurrent.js", args: []string{"--clients=100", "--messages=20"}, multiClient: true,
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.num("distinctSids"); got != 100 {
				t.Errorf("distinct sids = %v, want 100", got)
			}
			if got, want := res.num("echoed"), float64(100*21); got != want {
				t.Errorf("echoed = %v, want %v", got, want)
			}
			ft := res.obj("finalTransports")
			if got := ft.num(finalTransport(mode)); got != 100 {
				t.Errorf("final transports %v, want all 100 on %s", ft, finalTransport(mode))
			}
			es.mu.Lock()
			defer es.mu.Unlock()
			if es.connected != 100 {
				t.Errorf("server saw %d connections, want 100", es.connected)
			}
		}},
	{name: "client-close", script: "client-close.js",
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.obj("clientClose").str("reason"); got != "forced close" {
				t.Errorf("client close reason %q, want %q", got, "forced close")
			}
			// the close reached the server cleanly: polling's close-packet
			// POST got its response, websocket's closing handshake finished
			settled, _ := res["settled"].([]any)
			for _, s := range settled {
				m, _ := s.(map[string]any)
				if m["postCompleted"] == false || m["closingHandshakeDone"] == false {
					t.Errorf("client close did not complete on the wire: %v", m)
				}
			}
			rec := es.closeOf(t, res.str("sid"), 10*time.Second)
			if rec.reason != session.ReasonTransportClose {
				t.Errorf("server OnClose reason = %q (err %v), want %q", rec.reason, rec.err, session.ReasonTransportClose)
			}
		}},
	{name: "server-close", script: "server-close.js", serverReason: session.ReasonForcedClose,
		// long heartbeat: a server that never tells the client would show up
		// as a timeout, not as a late "ping timeout" close
		opts: func() *session.Options {
			return &session.Options{PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: maxPayload}
		},
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.obj("close").str("reason"); got != "transport close" {
				t.Errorf("client close reason %q, want %q", got, "transport close")
			}
			rec := es.closeOf(t, res.str("sid"), 10*time.Second)
			if rec.reason != session.ReasonForcedClose {
				t.Errorf("server OnClose reason = %q (err %v), want %q", rec.reason, rec.err, session.ReasonForcedClose)
			}
		}},
	{name: "welcome", script: "welcome.js",
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.num("received"); got != 4 { // welcome text + binary, echo, sentinel
				t.Errorf("received %v messages, want 4", got)
			}
		}},
	// the server refuses a message over MaxPayload by closing that session
	// (the reason is not specified: it is logged)
	{name: "oversize", script: "oversize.js", serverReason: "*",
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			rec := es.closeOf(t, res.str("sid"), 10*time.Second)
			t.Logf("server OnClose for the oversized message: reason %q, err %v", rec.reason, rec.err)
		}},
	{name: "heartbeat", script: "heartbeat.js", args: []string{"--duration=2000", "--min-pings=3"},
		opts: func() *session.Options {
			// The client answers: the pong window only bounds a failure.
			return &session.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 5 * time.Second, MaxPayload: maxPayload}
		},
		check: func(t *testing.T, res scenarioResult, es *echoServer, mode string) {
			if got := res.num("pings"); got < 3 {
				t.Errorf("client saw %v pings in ~2s, want >= 3", got)
			}
		}},
}

func TestEngineIO(t *testing.T) {
	env := requireNode(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, mode := range modes {
				t.Run(mode, func(t *testing.T) {
					runOne(t, env, sc, mode, serverConfig{}, nil)
				})
			}
		})
	}
}

func runOne(t *testing.T, env nodeEnv, sc scenario, mode string, cfg serverConfig, extraArgs []string) {
	opts := defaultOpts()
	if sc.opts != nil {
		opts = sc.opts()
	}
	cfg.opts = opts
	cfg.wsDelay = sc.wsDelay
	es := startEchoServer(t, cfg)
	args := append([]string{modeArg(mode)}, sc.args...)
	args = append(args, extraArgs...)
	res := env.runScenario(t, sc.script, es.url, args...)
	if !sc.multiClient {
		checkClientSide(t, res, mode, opts)
	}
	if sc.check != nil {
		sc.check(t, res, es, mode)
	}
	// Every scenario ends with its clients closed (by the client, or by the
	// server for server-close): the server must have noticed, with the right
	// reason, without waiting for a heartbeat timeout.
	es.waitAllClosed(t, 10*time.Second)
	want := sc.serverReason
	if want == "" {
		want = session.ReasonTransportClose
	}
	es.checkCloses(t, mode, want)
}

// TestEngineIOTLS runs the echo scenario over https/wss, once with
// certificate verification disabled on the client and once verifying the
// httptest certificate through its CA.
func TestEngineIOTLS(t *testing.T) {
	env := requireNode(t)
	echo := scenario{name: "echo", script: "echo.js", args: []string{"--count=50"}}
	for _, verify := range []string{"insecure", "ca"} {
		t.Run(verify, func(t *testing.T) {
			for _, mode := range modes {
				t.Run(mode, func(t *testing.T) {
					var extra []string
					if verify == "insecure" {
						extra = []string{"--insecure"}
					}
					runOneTLS(t, env, echo, mode, verify == "ca", extra)
				})
			}
		})
	}
}

func runOneTLS(t *testing.T, env nodeEnv, sc scenario, mode string, withCA bool, extra []string) {
	opts := defaultOpts()
	es := startEchoServer(t, serverConfig{opts: opts, tls: true})
	if !strings.HasPrefix(es.url, "https://") {
		t.Fatalf("TLS server URL %q", es.url)
	}
	args := append([]string{modeArg(mode)}, sc.args...)
	args = append(args, extra...)
	if withCA {
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		cert := es.ts.Certificate()
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--ca="+caFile)
	}
	res := env.runScenario(t, sc.script, es.url, args...)
	checkClientSide(t, res, mode, opts)
	if got := res.num("echoed"); got != 51 {
		t.Errorf("echoed = %v, want 51", got)
	}
	es.waitAllClosed(t, 10*time.Second)
	es.checkCloses(t, mode, session.ReasonTransportClose)
}

// TestPackageLock checks the committed lock file pins the client majors the
// harness is written for.
func TestPackageLock(t *testing.T) {
	if _, err := os.Stat("package-lock.json"); err != nil {
		t.Fatalf("interop/package-lock.json missing: %v", err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	b, err := os.ReadFile("package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	var names []string
	for name, p := range lock.Packages {
		if name == "node_modules/engine.io-client" || name == "node_modules/socket.io-client" {
			names = append(names, strings.TrimPrefix(name, "node_modules/")+"@"+p.Version)
		}
	}
	sort.Strings(names)
	if len(names) != 2 || !strings.HasPrefix(names[0], "engine.io-client@6.") || !strings.HasPrefix(names[1], "socket.io-client@4.") {
		t.Fatalf("package-lock.json pins %v, want engine.io-client@6.x and socket.io-client@4.x", names)
	}
}

// TestEngineIOShutdown shuts the server down while clients are connected:
// every client must be told (close event "transport close"), every session
// must close with reason "server shutting down", and Shutdown must return
// without waiting for its deadline.
func TestEngineIOShutdown(t *testing.T) {
	env := requireNode(t)
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			opts := &session.Options{PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: maxPayload}
			es := startEchoServer(t, serverConfig{opts: opts})
			const clients = 5
			var (
				shutdownErr  error
				shutdownTook time.Duration
				shutdownRan  bool
			)
			onLine := func(line string) {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) != nil || m["ready"] != true || shutdownRan {
					return
				}
				shutdownRan = true
				es.mu.Lock()
				open := es.open
				es.mu.Unlock()
				if open != clients {
					t.Errorf("clients ready but the server has %d open sessions, want %d", open, clients)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				start := time.Now()
				shutdownErr = es.srv.Shutdown(ctx)
				shutdownTook = time.Since(start)
			}
			res := env.runScenarioLines(t, onLine, "shutdown.js", es.url, modeArg(mode), fmt.Sprintf("--clients=%d", clients))
			if !shutdownRan {
				t.Fatalf("the script never printed its ready line")
			}
			t.Logf("Shutdown returned %v after %v", shutdownErr, shutdownTook.Round(time.Millisecond))
			if shutdownErr != nil {
				t.Errorf("Shutdown with %d live %s clients: %v (after %v)", clients, mode, shutdownErr, shutdownTook.Round(time.Millisecond))
			}
			if n := es.srv.Count(); n != 0 {
				t.Errorf("after Shutdown, Count() = %d", n)
			}
			if got := res.num("clients"); got != clients {
				t.Errorf("result clients = %v", got)
			}
			es.waitAllClosed(t, 10*time.Second)
			es.checkCloses(t, mode, session.ReasonShutdown)
		})
	}
}

// TestEngineIOServerCloseDuringUpgrade closes a session from the server while
// the client's websocket probe is still pending (websocket requests are held
// back by injected latency): the client must get "bye" and a clean close on
// polling, the late probe must be refused, and nothing may hang or leak.
func TestEngineIOServerCloseDuringUpgrade(t *testing.T) {
	env := requireNode(t)
	opts := &session.Options{PingInterval: 20 * time.Second, PingTimeout: 20 * time.Second, MaxPayload: maxPayload}
	es := startEchoServer(t, serverConfig{opts: opts, wsDelay: 500 * time.Millisecond})
	res := env.runScenario(t, "server-close.js", es.url, modeArg("upgrade"), "--during-upgrade")
	if got := res.str("finalTransport"); got != "polling" {
		t.Errorf("client ended on %q, want polling (the close should win over the pending upgrade)", got)
	}
	if got := res.obj("close").str("reason"); got != "transport close" {
		t.Errorf("client close reason %q, want %q", got, "transport close")
	}
	rec := es.closeOf(t, res.str("sid"), 10*time.Second)
	if rec.reason != session.ReasonForcedClose || rec.transport != "polling" {
		t.Errorf("server OnClose reason %q on %q (err %v), want %q on polling", rec.reason, rec.transport, rec.err, session.ReasonForcedClose)
	}
	es.waitAllClosed(t, 10*time.Second)
}
