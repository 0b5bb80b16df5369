package interop

// Socket.IO interop: the official socket.io-client 4 (run by Node, scripts in
// sio/) against this module's socketio.Server. Every scenario runs in the
// three transport modes (polling only, websocket only, polling upgraded to
// websocket); the server is configured to offer the same transports, and the
// scripts fail in mode "upgrade" unless the connection really upgraded.
//
// The helpers here are prefixed sio; finding node, building a script's
// command and the result type are shared in harness_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

var sioModes = []string{"polling", "websocket", "upgrade"}

// ---------------------------------------------------------------------------
// node processes

// requireSIO finds node and the installed socket.io-client for the scripts
// in sio/ (see harness_test.go).
func requireSIO(t *testing.T) sioEnv {
	t.Helper()
	node, dir := findNode(t, "socket.io-client", "engine.io-client")
	return sioEnv{nodeEnv{node: node, dir: dir, scripts: "sio", debug: "socket.io-client:*,engine.io-client:*"}}
}

// sioEnv starts the scripts in sio/ as processes the test interacts with
// (start); nodeEnv's runScenario is not used for them.
type sioEnv struct{ nodeEnv }

// sioProc is a running scenario script.
type sioProc struct {
	t      *testing.T
	script string
	args   []string
	cmd    *exec.Cmd
	start  time.Time
	stderr bytes.Buffer // written by exec; read only after exited

	mu      sync.Mutex
	lines   []string      // guarded by mu; stdout lines so far
	changed chan struct{} // guarded by mu; closed and replaced on each line
	limited bool          // guarded by mu; killed by the harness's time limit

	exited  chan struct{}
	waitErr error // set before exited is closed
}

// start starts node sio/<script> url --transport=mode args... The process
// is killed (and waited for) at the end of the test if still running, and
// after sioProcLimit in any case (the scripts' own hard timeouts are
// shorter: this only catches a script that ignores its own).
func (e sioEnv) start(t *testing.T, script, url, mode string, args ...string) *sioProc {
	t.Helper()
	cmd := e.command(context.Background(), script, append([]string{url, "--transport=" + mode}, args...)...)
	p := &sioProc{t: t, script: script, args: args, cmd: cmd, changed: make(chan struct{}), exited: make(chan struct{})}
	cmd.Stderr = &p.stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting node %s: %v", script, err)
	}
	limit := time.AfterFunc(sioProcLimit, func() {
		p.mu.Lock()
		p.limited = true
		p.mu.Unlock()
		p.kill()
	})
	go func() {
		r := bufio.NewReader(pipe)
		for {
			line, rerr := r.ReadString('\n')
			if l := strings.TrimSpace(line); l != "" {
				p.mu.Lock()
				p.lines = append(p.lines, l)
				close(p.changed)
				p.changed = make(chan struct{})
				p.mu.Unlock()
			}
			if rerr != nil {
				break
			}
		}
		p.waitErr = cmd.Wait()
		limit.Stop()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		<-p.exited
	})
	return p
}

const sioProcLimit = 3 * time.Minute

func (p *sioProc) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
	}
}

func (p *sioProc) describe() string {
	p.mu.Lock()
	out := strings.Join(p.lines, "\n")
	limited := p.limited
	p.mu.Unlock()
	errText := "(still running)"
	if limited {
		out = fmt.Sprintf("(killed by the test after %v)\n%s", sioProcLimit, out)
	}
	select {
	case <-p.exited:
		errText = p.stderr.String()
	default:
	}
	return fmt.Sprintf("--- stderr ---\n%s\n--- stdout ---\n%s", clip(errText, 20000), clip(out, 4000))
}

// waitLine waits for a stdout line that is a JSON object with key set to
// true (a progress line such as {"ready":true}) and returns it.
func (p *sioProc) waitLine(key string, timeout time.Duration) scenarioResult {
	p.t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	seen := 0
	for {
		p.mu.Lock()
		lines := p.lines[seen:]
		seen = len(p.lines)
		ch := p.changed
		p.mu.Unlock()
		for _, l := range lines {
			var m scenarioResult
			if json.Unmarshal([]byte(l), &m) == nil && m[key] == true {
				return m
			}
		}
		select {
		case <-ch:
		case <-p.exited:
			p.mu.Lock()
			more := len(p.lines) > seen
			p.mu.Unlock()
			if !more {
				p.t.Fatalf("node %s exited (%v) before printing its %q line\n%s", p.script, p.waitErr, key, p.describe())
			}
		case <-timer.C:
			p.t.Fatalf("node %s: no %q line within %v\n%s", p.script, key, timeout, p.describe())
		}
	}
}

// result waits for the script to exit and returns its result line.
func (p *sioProc) result() scenarioResult {
	p.t.Helper()
	<-p.exited
	if p.waitErr != nil {
		p.t.Fatalf("node %s %s failed after %v: %v\n%s", p.script, strings.Join(p.args, " "),
			time.Since(p.start).Round(time.Millisecond), p.waitErr, p.describe())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.lines) == 0 {
		p.t.Fatalf("node %s printed nothing\n%s", p.script, p.stderr.String())
	}
	last := p.lines[len(p.lines)-1]
	var res scenarioResult
	if err := json.Unmarshal([]byte(last), &res); err != nil || res.str("scenario") == "" {
		p.t.Fatalf("node %s: last stdout line is not a scenario result (%v): %s", p.script, err, clip(last, 2000))
	}
	p.t.Logf("%s: %s", p.script, clip(last, 2000))
	if os.Getenv("INTEROP_DEBUG") != "" {
		p.t.Logf("%s stderr (INTEROP_DEBUG):\n%s", p.script, clip(p.stderr.String(), 200000))
	}
	return res
}

// waitExit waits for a process the test killed.
func (p *sioProc) waitExit(timeout time.Duration) {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("node %s still running %v after kill", p.script, timeout)
	}
}

// ---------------------------------------------------------------------------
// instrumented server

type sioDisc struct {
	nsp, id, session, reason, transport string
}

type sioConnRec struct {
	nsp, id, session string
}

// sioServer is a socketio.Server on httptest that records what the
// scenarios need: connections, disconnections with their reason and the
// transport at that moment, values recorded by handlers, and every error
// passed to the ErrorHandler.
type sioServer struct {
	t    *testing.T
	mode string
	srv  *socketio.Server
	ts   *httptest.Server
	url  string

	// allowError says which reported errors a scenario expects; others fail
	// the test.
	allowError func(error) bool

	changes                             // mu guards the fields below
	conns   []sioConnRec                // guarded by mu
	discs   []sioDisc                   // guarded by mu
	errs    []error                     // guarded by mu
	records map[string][]any            // guarded by mu
	byLabel map[string]*socketio.Socket // guarded by mu
	sess    map[string]*session.Session // guarded by mu; every session seen
}

// sioOptions are the server options of a mode: the server offers exactly
// the transports the client uses. Heartbeats run during the scenarios (2 s)
// with a generous timeout, so a slow -race run cannot fail on them.
func sioOptions(mode string) *socketio.Options {
	o := &socketio.Options{
		Engine:         socketio.EngineOptions{PingInterval: 2 * time.Second, PingTimeout: 15 * time.Second},
		ConnectTimeout: 30 * time.Second,
	}
	switch mode {
	case "polling":
		o.Engine.Transports = []string{"polling"}
	case "websocket":
		o.Engine.Transports = []string{"websocket"}
	}
	return o
}

func newSIOServer(t *testing.T, mode string, tweak func(*socketio.Options)) *sioServer {
	t.Helper()
	return newSIOServerWrapped(t, mode, tweak, nil)
}

// newSIOServerWrapped is newSIOServer with the server's handler wrapped
// (e.g. by sioDelayPolls).
func newSIOServerWrapped(t *testing.T, mode string, tweak func(*socketio.Options), wrap func(http.Handler) http.Handler) *sioServer {
	t.Helper()
	h := &sioServer{t: t, mode: mode, records: map[string][]any{},
		byLabel: map[string]*socketio.Socket{}, sess: map[string]*session.Session{}}
	opts := sioOptions(mode)
	if tweak != nil {
		tweak(opts)
	}
	opts.ErrorHandler = func(err error) {
		h.mu.Lock()
		h.errs = append(h.errs, err)
		h.notifyLocked()
		h.mu.Unlock()
	}
	h.srv = socketio.NewServer(opts)
	mux := http.NewServeMux()
	var handler http.Handler = h.srv
	if wrap != nil {
		handler = wrap(handler)
	}
	mux.Handle("/socket.io/", handler)
	h.ts = httptest.NewServer(mux)
	h.url = h.ts.URL
	t.Cleanup(h.stop)
	return h
}

// track records s's connection and, later, its disconnection.
func (h *sioServer) track(s *socketio.Socket) {
	nsp, id, sess := s.Namespace().Name(), s.ID(), s.Session().ID()
	h.mu.Lock()
	h.conns = append(h.conns, sioConnRec{nsp: nsp, id: id, session: sess})
	h.sess[sess] = s.Session()
	h.notifyLocked()
	h.mu.Unlock()
	s.OnDisconnect(func(reason string) {
		tr := s.Session().Transport()
		h.mu.Lock()
		h.discs = append(h.discs, sioDisc{nsp: nsp, id: id, session: sess, reason: reason, transport: tr})
		h.notifyLocked()
		h.mu.Unlock()
	})
}

func (h *sioServer) record(key string, v any) {
	h.mu.Lock()
	h.records[key] = append(h.records[key], v)
	h.notifyLocked()
	h.mu.Unlock()
}

// waitRecords waits for n values under key and returns them.
func (h *sioServer) waitRecords(key string, n int, timeout time.Duration) []any {
	h.t.Helper()
	h.waitFor(h.t, timeout, func() bool { return len(h.records[key]) >= n }, func() string {
		return fmt.Sprintf("server recorded %d %q values, want %d: %v", len(h.records[key]), key, n, h.records[key])
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.records[key])
}

// waitDiscs waits until n sockets have disconnected and returns the
// records.
func (h *sioServer) waitDiscs(n int, timeout time.Duration) []sioDisc {
	h.t.Helper()
	h.waitFor(h.t, timeout, func() bool { return len(h.discs) >= n }, func() string {
		return fmt.Sprintf("%d of %d sockets disconnected on the server (connected: %d): %+v", len(h.discs), n, len(h.conns), h.discs)
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.discs)
}

// waitSessionsClosed waits until every Engine.IO session that carried a
// tracked socket has ended, then checks the server has none left.
func (h *sioServer) waitSessionsClosed(timeout time.Duration) {
	h.t.Helper()
	h.mu.Lock()
	all := make([]*session.Session, 0, len(h.sess))
	for _, s := range h.sess {
		all = append(all, s)
	}
	h.mu.Unlock()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for _, s := range all {
		select {
		case <-s.Done():
		case <-timer.C:
			h.t.Fatalf("Engine.IO session %s (transport %s) still open %v after the clients finished", s.ID(), s.Transport(), timeout)
		}
	}
	if n := h.srv.Engine().Count(); n != 0 {
		h.t.Errorf("all sessions ended but Engine().Count() = %d", n)
	}
}

// checkDiscs checks every disconnection has the wanted reason (and the
// transport of the mode, when wantTransport).
func (h *sioServer) checkDiscs(discs []sioDisc, wantReason string, wantTransport bool) {
	h.t.Helper()
	for _, d := range discs {
		if d.reason != wantReason {
			h.t.Errorf("socket %s of %s disconnected on the server with reason %q, want %q", d.id, d.nsp, d.reason, wantReason)
		}
		if wantTransport && d.transport != sioFinalTransport(h.mode) {
			h.t.Errorf("socket %s of %s: session transport at disconnect %q, want %q", d.id, d.nsp, d.transport, sioFinalTransport(h.mode))
		}
	}
}

func (h *sioServer) stop() {
	t := h.t
	shutdownServer(t, h.srv)
	closeTestServer(t, h.ts)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, err := range h.errs {
		if h.allowError != nil && h.allowError(err) {
			t.Logf("server reported (expected): %v", err)
			continue
		}
		t.Errorf("server reported an unexpected error: %v", err)
	}
}

// sioDelayPolls holds every polling GET of an open session for d before
// the server sees it: injected network latency, so that while a client is
// idle its next poll is on its way rather than pending on the server.
func sioDelayPolls(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return delayRequests(d, func(r *http.Request) bool {
			q := r.URL.Query()
			return r.Method == http.MethodGet && q.Get("transport") == "polling" && q.Get("sid") != ""
		}, next)
	}
}

func sioFinalTransport(mode string) string {
	if mode == "polling" {
		return "polling"
	}
	return "websocket"
}

// checkConnInfo checks a connection summary ({engineId, transport,
// upgraded}) reported by a script.
func sioCheckConnInfo(t *testing.T, what string, info scenarioResult, mode string) {
	t.Helper()
	if info == nil {
		t.Errorf("%s: no connection info in the result", what)
		return
	}
	if got := info.str("transport"); got != sioFinalTransport(mode) {
		t.Errorf("%s: client ended on %q, want %q", what, got, sioFinalTransport(mode))
	}
	if up, _ := info["upgraded"].(bool); up != (mode == "upgrade") {
		t.Errorf("%s: upgraded=%v in mode %s", what, up, mode)
	}
}

// sioBytes is sio/lib.js bytes(n, seed).
func sioBytes(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed)
	}
	return b
}

func sioAsError(v any) error {
	err, _ := v.(error)
	return err
}

func sioErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ---------------------------------------------------------------------------
// the test

type sioCase struct {
	name string
	run  func(t *testing.T, env sioEnv, mode string)
}

var sioCases = []sioCase{
	{"multiplex", sioMultiplex},
	{"auth", sioAuth},
	{"acks", sioAcks},
	{"binary", sioBinary},
	{"rooms", sioRooms},
	{"middleware", sioMiddleware},
	{"dynamic", sioDynamic},
	{"disconnect/server-disconnect", sioServerDisconnect},
	{"disconnect/server-disconnect-close", sioServerDisconnectClose},
	{"disconnect/client-disconnect", sioClientDisconnect},
	{"disconnect/client-close", sioClientClose},
	{"disconnect/shutdown", sioShutdown},
	{"disconnect/kill", sioKill},
	{"disconnect/ping-timeout", sioPingTimeout},
	{"disconnect/parse-error", sioParseError},
	{"concurrent", sioConcurrent},
	{"seed", sioSeed},
}

func TestSocketIO(t *testing.T) {
	env := requireSIO(t)
	for _, c := range sioCases {
		t.Run(c.name, func(t *testing.T) {
			for _, mode := range sioModes {
				t.Run(mode, func(t *testing.T) { c.run(t, env, mode) })
			}
		})
	}
}

// ---------------------------------------------------------------------------
// (1) namespaces multiplexed over one connection

func sioMultiplex(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	for _, name := range []string{"/", "/admin"} {
		h.srv.Of(name).OnConnection(func(s *socketio.Socket) {
			h.track(s)
			_ = s.Emit("hello", s.Namespace().Name())
			s.On("whoami", func(ack socketio.AckFunc) {
				_ = ack(map[string]any{"nsp": s.Namespace().Name(), "sid": s.ID(), "engine": s.Session().ID(), "transport": s.Session().Transport()})
			})
			s.On("echo", func(v any, ack socketio.AckFunc) { _ = ack(s.Namespace().Name(), v) })
			s.On("note", func(text string) { h.record("note"+s.Namespace().Name(), text) })
		})
	}
	res := env.start(t, "multiplex.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	discs := h.waitDiscs(2, 10*time.Second)
	if got, want := sioDiscByNsp(discs), map[string]string{
		"/":      socketio.ReasonClientNamespaceDisconnect, // socket.disconnect()
		"/admin": socketio.ReasonTransportClose,            // then the connection closed
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("server disconnect reasons %v, want %v", got, want)
	}
	engineID := res.obj("conn").str("engineId")
	nsps := map[string]string{}
	for _, d := range discs {
		nsps[d.nsp] = d.id
		if d.session != engineID {
			t.Errorf("socket of %s on session %q, want the client's one connection %q", d.nsp, d.session, engineID)
		}
	}
	if nsps["/"] != res.str("rootId") || nsps["/admin"] != res.str("adminId") {
		t.Errorf("server sockets %v, client ids / %q /admin %q", nsps, res.str("rootId"), res.str("adminId"))
	}
	h.mu.Lock()
	notes := fmt.Sprint(h.records["note/"], h.records["note/admin"])
	h.mu.Unlock()
	if want := "[root-first root-second] [admin-first admin-second]"; notes != want {
		t.Errorf("events received per namespace %s, want %s", notes, want)
	}
	h.waitSessionsClosed(10 * time.Second)
}

// ---------------------------------------------------------------------------
// (2) auth payload

func sioAuth(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	for _, name := range []string{"/", "/admin", "/noauth"} {
		nsp := h.srv.Of(name)
		nsp.Use(func(s *socketio.Socket) error {
			h.record("mw"+s.Namespace().Name(), s.Handshake().Auth)
			return nil
		})
		nsp.OnConnection(func(s *socketio.Socket) {
			h.track(s)
			_ = s.Emit("auth", s.Handshake().Auth, s.Handshake().Query.Get("q"))
			s.On("typed", func(ack socketio.AckFunc) {
				var a struct {
					Token string `json:"token"`
					N     int    `json:"n"`
				}
				err := s.Handshake().DecodeAuth(&a)
				_ = ack(a.Token, a.N, sioErrText(err))
			})
		})
	}
	res := env.start(t, "auth.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	want := map[string]string{
		"/":       `{"n":42,"nested":{"list":[1,"two",null,true],"unicode":"héllo ✓ 😀"},"token":"s3cr3t"}`,
		"/admin":  `{"n":7,"token":"fn-token"}`,
		"/noauth": `{}`,
	}
	for nsp, w := range want {
		got := h.waitRecords("mw"+nsp, 1, 5*time.Second)
		b, _ := json.Marshal(got[0])
		if string(b) != w {
			t.Errorf("middleware of %s saw Handshake().Auth %s, want %s", nsp, b, w)
		}
	}
	h.checkDiscs(h.waitDiscs(3, 10*time.Second), socketio.ReasonTransportClose, true)
}

// ---------------------------------------------------------------------------
// (3) acks both ways

type sioGreeting struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

func sioAcks(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	h.allowError = func(err error) bool {
		var ae *socketio.ArgumentError
		return errors.As(err, &ae) && ae.Event == "add"
	}
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("add", func(a, b int, ack socketio.AckFunc) { _ = ack(a + b) })
		s.On("greet", func(g sioGreeting, ack socketio.AckFunc) {
			_ = ack("hello "+g.Name, len(g.Tags), map[string]any{"tags": g.Tags})
		})
		s.On("no-args-ack", func(ack socketio.AckFunc) { _ = ack() })
		s.On("variadic-ack", func(n int, ack func(...any)) { ack(n, "via func(...any)") })
		// a handler blocked in EmitWithAck: the client's ack must reach it
		// although this socket's handlers run one at a time
		s.On("ask-me", func(n int, ack socketio.AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := s.EmitWithAck(ctx, "question", n, "extra")
			out := map[string]any{"err": sioErrText(err)}
			if err == nil {
				var x int
				var w string
				out["len"] = res.Len()
				out["decodeErr"] = sioErrText(errors.Join(res.Decode(0, &x), res.Decode(1, &w)))
				out["answer"], out["word"] = x, w
			}
			_ = ack(out)
		})
		s.On("never-acks", func(label string, ack socketio.AckFunc) {
			h.record("never-acks", ack != nil)
		})
		s.On("start-server-timeout", func(ms int) {
			start := time.Now()
			err := s.Timeout(time.Duration(ms)*time.Millisecond).Emit("please-ignore", "timeout-cb", func(err error, v string) {
				h.record("server-timeout", err)
				_ = s.Emit("server-timeout-result", map[string]any{
					"err": sioErrText(err), "isTimeout": errors.Is(err, socketio.ErrAckTimeout),
					"v": v, "afterMs": time.Since(start).Milliseconds(),
				})
			})
			if err != nil {
				h.record("server-timeout", fmt.Errorf("Emit returned %w", err))
			}
		})
		s.On("start-ctx-timeout", func(ms int, ack socketio.AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
			defer cancel()
			_, err := s.EmitWithAck(ctx, "please-ignore", "ctx")
			_ = ack(sioErrText(err), errors.Is(err, socketio.ErrAckTimeout))
		})
		s.On("start-server-callback", func() {
			_ = s.Emit("with-cb", 5, func(a string, b int) {
				h.record("with-cb", fmt.Sprintf("%s %d", a, b))
				_ = s.Emit("with-cb-result", a, b)
			})
		})
	})
	res := env.start(t, "acks.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	if got := h.waitRecords("never-acks", 1, 5*time.Second); got[0] != true {
		t.Errorf("handler of an event sent with socket.timeout().emit(..., cb) got a nil AckFunc")
	}
	if got := h.waitRecords("server-timeout", 1, 5*time.Second); !errors.Is(sioAsError(got[0]), socketio.ErrAckTimeout) {
		t.Errorf("Timeout(d).Emit callback got %v, want ErrAckTimeout", got[0])
	}
	if got := h.waitRecords("with-cb", 1, 5*time.Second); got[0] != "got 6" {
		t.Errorf("Emit callback got %v, want [got 6]", got[0])
	}
	h.checkDiscs(h.waitDiscs(1, 10*time.Second), socketio.ReasonTransportClose, true)
	h.mu.Lock()
	nerr := len(h.errs)
	h.mu.Unlock()
	if nerr != 2 {
		t.Errorf("server reported %d errors, want 2 (the ArgumentErrors of the bad \"add\", once per round)", nerr)
	}
}

// ---------------------------------------------------------------------------
// (4) binary attachments

type sioBlob struct {
	Name  string   `json:"name"`
	Data  []byte   `json:"data"`
	Parts [][]byte `json:"parts"`
	Inner struct {
		Bin  []byte `json:"bin"`
		Note string `json:"note"`
	} `json:"inner"`
	Empty []byte `json:"empty"`
}

// sioDown is sent with binary; its JSON must be what encoding/json writes
// (nil map null, omitempty dropping empty slices and maps but never
// structs).
type sioDown struct {
	Payload   []byte            `json:"payload"`
	Meta      map[string][]byte `json:"meta"`
	Skip      []byte            `json:"skip,omitempty"`
	EmptySkip []byte            `json:"emptySkip,omitempty"`
	EmptyMap  map[string][]byte `json:"emptyMap,omitempty"`
	Nil       []byte            `json:"nil"`
	List      []any             `json:"list"`
	Zero      struct {
		A int `json:"a"`
	} `json:"zero,omitempty"`
}

// sioDescribe replaces every []byte in v by "hex:<bytes>".
func sioDescribe(v any) any {
	switch x := v.(type) {
	case []byte:
		return "hex:" + hex.EncodeToString(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sioDescribe(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sioDescribe(e)
		}
		return out
	}
	return v
}

func sioHexes(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func sioBinary(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("bin-struct", func(b sioBlob, ack socketio.AckFunc) {
			_ = ack(map[string]any{
				"name": b.Name, "data": hex.EncodeToString(b.Data), "parts": sioHexes(b.Parts),
				"inner": hex.EncodeToString(b.Inner.Bin), "note": b.Inner.Note,
				"emptyLen": len(b.Empty), "emptyNil": b.Empty == nil,
			})
		})
		s.On("bin-any", func(v any, ack socketio.AckFunc) { _ = ack(sioDescribe(v)) })
		s.On("bin-args", func(a []byte, mid string, b []byte, ack socketio.AckFunc) {
			_ = ack(hex.EncodeToString(a), mid, hex.EncodeToString(b))
		})
		s.On("bin-raw", func(args codec.Args, ack socketio.AckFunc) {
			out := make([]any, args.Len())
			for i := range out {
				var v any
				if err := args.Decode(i, &v); err != nil {
					out[i] = "decode error: " + err.Error()
					continue
				}
				out[i] = sioDescribe(v)
			}
			_ = ack(out)
		})
		s.On("bin-echo", func(v any, ack socketio.AckFunc) { _ = ack(v) })
		s.On("bin-down", func(ack socketio.AckFunc) {
			_ = s.Emit("down-map", map[string]any{
				"a":    sioBytes(64, 1),
				"list": []any{[]byte{}, map[string]any{"deep": sioBytes(3, 2)}, "text"},
				"n":    1,
			})
			_ = s.Emit("down-struct", sioDown{
				Payload:   sioBytes(100_000, 3),
				Meta:      map[string][]byte{"k1": {0xff}, "k2": sioBytes(256, 4)},
				EmptySkip: []byte{},
				EmptyMap:  map[string][]byte{},
				List:      []any{1, sioBytes(5, 5), []any{sioBytes(6, 6)}},
			})
			_ = s.Emit("down-args", []byte{1}, "two", []byte{3}, &sioDown{Payload: []byte("ptr")})
			_ = ack(sioBytes(10, 7), map[string]any{"in-ack": sioBytes(11, 8)})
		})
		s.On("bin-ask", func(ack socketio.AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := s.EmitWithAck(ctx, "need-bin", sioBytes(3, 9))
			if err != nil {
				_ = ack(map[string]any{"err": err.Error()})
				return
			}
			var b []byte
			var obj struct {
				Deep struct {
					B []byte `json:"b"`
				} `json:"deep"`
			}
			var raw any
			err = errors.Join(res.Decode(0, &b), res.Decode(1, &obj), res.Decode(1, &raw))
			_ = ack(map[string]any{"err": sioErrText(err), "b": hex.EncodeToString(b), "deep": hex.EncodeToString(obj.Deep.B), "raw": sioDescribe(raw)})
		})
	})
	res := env.start(t, "binary.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	h.checkDiscs(h.waitDiscs(1, 10*time.Second), socketio.ReasonTransportClose, true)
}

// ---------------------------------------------------------------------------
// (5) rooms, except, volatile

func sioRooms(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	srv := h.srv
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("join", func(label string, rooms []string, ack socketio.AckFunc) {
			s.SetData(label)
			h.mu.Lock()
			h.byLabel[label] = s
			h.mu.Unlock()
			s.Join(rooms...)
			r := s.Rooms()
			sort.Strings(r)
			r = slices.DeleteFunc(r, func(x string) bool { return x == s.ID() })
			_ = ack(r)
		})
		s.On("go", func(ack socketio.AckFunc) {
			h.mu.Lock()
			c2 := h.byLabel["c2"]
			h.mu.Unlock()
			if c2 == nil {
				_ = ack(map[string]any{"err": "c2 has not joined"})
				return
			}
			var errs []error
			do := func(err error) { errs = append(errs, err) }
			do(srv.To("a").Emit("m", "1:to-a"))
			do(srv.To("a").Except("b").Emit("m", "2:a-except-b"))
			do(s.To("a").Emit("m", "3:sender-to-a"))
			do(srv.To("a", "b").Emit("m", "4:a-or-b"))
			do(s.Broadcast().Emit("m", "5:sender-broadcast"))
			do(srv.Except("a").Emit("m", "6:except-a"))
			do(srv.To(c2.ID()).Emit("m", "7:to-c2-id"))
			do(srv.To("nobody").Emit("m", "8:nobody"))
			do(s.To("a", "b").Except(c2.ID()).Emit("m", "9:sender-to-a-b-except-c2"))
			srv.In("b").SocketsLeave("a")
			do(srv.To("a").Emit("m", "10:a-after-leave"))
			srv.In("a").SocketsJoin("c")
			do(srv.To("c").Emit("m", "11:to-c"))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			inB, err := srv.In("b").FetchSockets(ctx)
			do(err)
			var labels []string
			for _, r := range inB {
				l, _ := r.Data.(string)
				labels = append(labels, l)
			}
			sort.Strings(labels)
			do(srv.Emit("end"))
			_ = ack(map[string]any{"fetchB": labels, "err": sioErrText(errors.Join(errs...))})
		})
		s.On("go-volatile", func(k int, ack socketio.AckFunc) {
			err := errors.Join(
				srv.Volatile().To("b").Emit("v", k),
				srv.Emit("vend", k),
			)
			_ = ack(sioErrText(err))
		})
	})
	res := env.start(t, "rooms.js", h.url, mode).result()
	for _, c := range []string{"c0", "c1", "c2"} {
		sioCheckConnInfo(t, c, res.obj("conns").obj(c), mode)
	}
	h.checkDiscs(h.waitDiscs(3, 10*time.Second), socketio.ReasonTransportClose, true)
}

// ---------------------------------------------------------------------------
// (6) middleware errors with data

func sioMiddleware(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	h.allowError = func(err error) bool {
		var pe *socketio.PanicError
		return errors.As(err, &pe) && pe.Event == "middleware"
	}
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
	})
	sec := h.srv.Of("/secure")
	sec.Use(func(s *socketio.Socket) error {
		var a struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().DecodeAuth(&a)
		h.record("secure-mw", a.Token)
		if a.Token != "good" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 4001, "hint": "send a good token", "got": a.Token}}
		}
		s.SetData("user-" + a.Token)
		return nil
	})
	sec.Use(func(s *socketio.Socket) error {
		h.record("secure-mw2", s.Data())
		return nil
	})
	sec.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		_ = s.Emit("welcome", s.Data())
	})
	h.srv.Of("/plain").Use(func(*socketio.Socket) error { return errors.New("plain refusal") })
	h.srv.Of("/panic").Use(func(*socketio.Socket) error { panic("boom") })
	h.srv.Of("/data-string").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "with string data", Data: "just a string"}
	})
	res := env.start(t, "middleware.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	if got := fmt.Sprint(h.waitRecords("secure-mw", 2, 5*time.Second)); got != "[bad good]" {
		t.Errorf("/secure middleware saw tokens %s, want [bad good]", got)
	}
	// the second middleware runs only after the first passed
	if got := fmt.Sprint(h.waitRecords("secure-mw2", 1, 5*time.Second)); got != "[user-good]" {
		t.Errorf("/secure second middleware saw %s, want [user-good]", got)
	}
	discs := h.waitDiscs(2, 10*time.Second)
	h.checkDiscs(discs, socketio.ReasonTransportClose, true)
	h.mu.Lock()
	conns := len(h.conns)
	h.mu.Unlock()
	if conns != 2 {
		t.Errorf("%d sockets connected on the server, want 2 (/ and /secure; the refused ones must not connect)", conns)
	}
}

// ---------------------------------------------------------------------------
// (7) dynamic namespaces

func sioDynamic(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
	})
	dyn := h.srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	dyn.Use(func(s *socketio.Socket) error {
		h.record("dyn-mw", s.Namespace().Name())
		return nil
	})
	dyn.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		_ = s.Emit("welcome", s.Namespace().Name())
		s.On("fanout", func(ack socketio.AckFunc) {
			// emitting on the parent reaches every child namespace
			_ = ack(sioErrText(dyn.Emit("fanout", "to-all-dyn")))
		})
	})
	fn := h.srv.OfFunc(func(name string, auth map[string]any) bool {
		h.record("allow", name)
		return strings.HasPrefix(name, "/func-") && auth["allow"] == true
	})
	fn.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		_ = s.Emit("welcome", s.Namespace().Name())
		s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
	})
	res := env.start(t, "dynamic.js", h.url, mode).result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	got := h.waitRecords("dyn-mw", 2, 5*time.Second)
	names := []string{fmt.Sprint(got[0]), fmt.Sprint(got[1])}
	sort.Strings(names)
	if fmt.Sprint(names) != "[/dyn-1 /dyn-42]" {
		t.Errorf("dynamic middleware ran for %v, want [/dyn-1 /dyn-42]", got)
	}
	// /, /dyn-1, /dyn-42, /func-a
	discs := h.waitDiscs(4, 10*time.Second)
	h.checkDiscs(discs, socketio.ReasonTransportClose, true)
	var dn []string
	for _, d := range discs {
		dn = append(dn, d.nsp)
	}
	sort.Strings(dn)
	if fmt.Sprint(dn) != "[/ /dyn-1 /dyn-42 /func-a]" {
		t.Errorf("namespaces connected %v, want [/ /dyn-1 /dyn-42 /func-a]", dn)
	}
}

// ---------------------------------------------------------------------------
// (8) disconnect reasons

// sioDisconnectServer: "/" and "/admin" with kick-me (server disconnect)
// and ping events.
func sioDisconnectServer(t *testing.T, mode string, tweak func(*socketio.Options), wrap func(http.Handler) http.Handler) *sioServer {
	h := newSIOServerWrapped(t, mode, tweak, wrap)
	for _, name := range []string{"/", "/admin"} {
		h.srv.Of(name).OnConnection(func(s *socketio.Socket) {
			h.track(s)
			s.On("kick-me", func(close bool) { s.Disconnect(close) })
			s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
		})
	}
	return h
}

func sioDiscByNsp(discs []sioDisc) map[string]string {
	m := map[string]string{}
	for _, d := range discs {
		m[d.nsp] = d.reason
	}
	return m
}

func sioServerDisconnect(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, nil, nil)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=server-disconnect").result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	got := sioDiscByNsp(h.waitDiscs(2, 10*time.Second))
	want := map[string]string{"/": socketio.ReasonServerNamespaceDisconnect, "/admin": socketio.ReasonTransportClose}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server disconnect reasons %v, want %v", got, want)
	}
	h.waitSessionsClosed(10 * time.Second)
}

func sioServerDisconnectClose(t *testing.T, env sioEnv, mode string) {
	sioServerDisconnectCloseStrict(t, env, mode, false, nil)
}

// sioServerDisconnectCloseStrict: the server's Disconnect(true) must reach
// both sockets as "io server disconnect" (a server-side disconnect, which
// socket.io-client does not reconnect after). Not strict, a polling client
// seeing "transport close" first is logged as the known deviation pinned by
// TestSocketIOPollingDisconnectClose.
func sioServerDisconnectCloseStrict(t *testing.T, env sioEnv, mode string, strict bool, wrap func(http.Handler) http.Handler) {
	h := sioDisconnectServer(t, mode, nil, wrap)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=server-disconnect-close").result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	discs := h.waitDiscs(2, 10*time.Second)
	h.checkDiscs(discs, socketio.ReasonServerNamespaceDisconnect, false)
	h.waitSessionsClosed(10 * time.Second)
	got := fmt.Sprint(res["disconnects"])
	if got == "[io server disconnect io server disconnect]" {
		return
	}
	if !strict && mode == "polling" && got == "[transport close transport close]" {
		t.Logf("known deviation (TestSocketIOPollingDisconnectClose): client disconnect reasons %s", got)
		return
	}
	t.Errorf("client disconnect reasons %s after the server's Disconnect(true), want [io server disconnect io server disconnect]", got)
}

func sioClientDisconnect(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, nil, nil)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=client-disconnect").result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	got := sioDiscByNsp(h.waitDiscs(2, 10*time.Second))
	want := map[string]string{"/": socketio.ReasonClientNamespaceDisconnect, "/admin": socketio.ReasonTransportClose}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server disconnect reasons %v, want %v", got, want)
	}
	h.waitSessionsClosed(10 * time.Second)
}

func sioClientClose(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, nil, nil)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=client-close").result()
	sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
	h.checkDiscs(h.waitDiscs(2, 10*time.Second), socketio.ReasonTransportClose, false)
	h.waitSessionsClosed(10 * time.Second)
}

func sioShutdown(t *testing.T, env sioEnv, mode string) {
	sioShutdownStrict(t, env, mode, false, nil)
}

// sioShutdownStrict: after Shutdown every socket disconnects on the server
// with "server shutting down" and the client sees its connection closed:
// "transport close", as with the reference server. Not strict, a polling
// client seeing "transport error" is logged as the known deviation pinned
// by TestSocketIOPollingShutdownBetweenPolls.
func sioShutdownStrict(t *testing.T, env sioEnv, mode string, strict bool, wrap func(http.Handler) http.Handler) {
	h := sioDisconnectServer(t, mode, func(o *socketio.Options) {
		// no ping may close anything during the test
		o.Engine.PingInterval, o.Engine.PingTimeout = 20*time.Second, 20*time.Second
	}, wrap)
	p := env.start(t, "disconnect.js", h.url, mode, "--case=shutdown")
	p.waitLine("ready", 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := h.srv.Shutdown(ctx)
	took := time.Since(start)
	if err != nil {
		t.Errorf("Shutdown: %v (after %v)", err, took.Round(time.Millisecond))
	}
	discs := h.waitDiscs(2, 5*time.Second)
	h.checkDiscs(discs, socketio.ReasonServerShutdown, false)
	res := p.result()
	t.Logf("Shutdown took %v", took.Round(time.Millisecond))
	got := fmt.Sprint(res["disconnects"])
	if got == "[transport close transport close]" {
		return
	}
	if !strict && mode == "polling" && got == "[transport error transport error]" {
		t.Logf("known deviation (TestSocketIOPollingShutdownBetweenPolls): client disconnect reasons %s, engine close %v", got, res["engineClose"])
		return
	}
	t.Errorf("client disconnect reasons %s on server shutdown (engine close %v), want [transport close transport close]", got, res["engineClose"])
}

func sioKill(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, func(o *socketio.Options) {
		// a short heartbeat bounds the wait if the server cannot see the
		// connection die (a polling client between two requests)
		o.Engine.PingInterval, o.Engine.PingTimeout = time.Second, 2*time.Second
	}, nil)
	p := env.start(t, "disconnect.js", h.url, mode, "--case=kill")
	p.waitLine("ready", 20*time.Second)
	p.kill()
	p.waitExit(10 * time.Second)
	discs := h.waitDiscs(2, 20*time.Second)
	for _, d := range discs {
		switch d.reason {
		case socketio.ReasonTransportClose, socketio.ReasonTransportError, socketio.ReasonPingTimeout:
			t.Logf("after the client process was killed: socket of %s disconnected with %q (on %s)", d.nsp, d.reason, d.transport)
		default:
			t.Errorf("after the client process was killed: socket of %s disconnected with %q, want transport close/error or ping timeout", d.nsp, d.reason)
		}
	}
	h.waitSessionsClosed(10 * time.Second)
}

func sioPingTimeout(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, func(o *socketio.Options) {
		o.Engine.PingInterval, o.Engine.PingTimeout = 500*time.Millisecond, 500*time.Millisecond
	}, nil)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=ping-timeout").result()
	discs := h.waitDiscs(2, 10*time.Second)
	h.checkDiscs(discs, socketio.ReasonPingTimeout, false)
	t.Logf("client saw %v", res["disconnects"])
	h.waitSessionsClosed(10 * time.Second)
}

func sioParseError(t *testing.T, env sioEnv, mode string) {
	h := sioDisconnectServer(t, mode, nil, nil)
	res := env.start(t, "disconnect.js", h.url, mode, "--case=parse-error").result()
	discs := h.waitDiscs(2, 10*time.Second)
	h.checkDiscs(discs, socketio.ReasonParseError, false)
	t.Logf("client saw %v", res["disconnects"])
	h.waitSessionsClosed(10 * time.Second)
}

// ---------------------------------------------------------------------------
// (9) many clients

func sioConcurrent(t *testing.T, env sioEnv, mode string) {
	const clients = 200
	h := newSIOServer(t, mode, func(o *socketio.Options) {
		o.Engine.PingInterval, o.Engine.PingTimeout = 5*time.Second, 30*time.Second
	})
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("echo", func(i int, text string, ack socketio.AckFunc) { _ = ack(i, text) })
		s.On("fire", func(ack socketio.AckFunc) {
			n := len(h.srv.Sockets().Sockets())
			_ = ack(n, sioErrText(h.srv.Emit("bcast", n)))
		})
	})
	res := env.start(t, "concurrent.js", h.url, mode, fmt.Sprintf("--clients=%d", clients), "--timeout=90000").result()
	if got := res.num("clients"); got != clients {
		t.Errorf("clients = %v, want %d", got, clients)
	}
	if got := res.obj("transports").num(sioFinalTransport(mode)); got != clients {
		t.Errorf("final transports %v, want all %d on %s", res["transports"], clients, sioFinalTransport(mode))
	}
	discs := h.waitDiscs(clients, 30*time.Second)
	h.checkDiscs(discs, socketio.ReasonTransportClose, true)
	sessions := map[string]bool{}
	for _, d := range discs {
		sessions[d.session] = true
	}
	if len(sessions) != clients {
		t.Errorf("%d distinct Engine.IO sessions, want %d", len(sessions), clients)
	}
	h.waitSessionsClosed(20 * time.Second)
}

// ---------------------------------------------------------------------------
// (10) the seed API

func sioSeed(t *testing.T, env sioEnv, mode string) {
	h := newSIOServer(t, mode, nil)
	srv := h.srv
	srv.OnConnect(func(c *socketio.Conn) {
		h.track(c)
		_ = c.Emit("welcome", c.ID())
	})
	srv.OnMessage(func(c *socketio.Conn, m socketio.Message) {
		h.record("msg", c.ID()+":"+m.Data())
		out := map[string]any{"from": c.ID(), "text": m.Data()}
		var err error
		if m.Data() == "to-all" {
			err = srv.Broadcast(out)
		} else {
			err = srv.BroadcastExcept(c, out)
		}
		if err != nil {
			h.record("err", err)
		}
	})
	srv.OnDisconnect(func(c *socketio.Conn) { h.record("seed-disconnect", c.ID()) })
	res := env.start(t, "seed.js", h.url, mode).result()
	a, b := res.str("a"), res.str("b")
	sioCheckConnInfo(t, "a", res.obj("connA"), mode)
	sioCheckConnInfo(t, "b", res.obj("connB"), mode)
	got := fmt.Sprint(h.waitRecords("msg", 3, 5*time.Second))
	want := fmt.Sprint([]any{a + ":hello", b + `:{"s":"é","x":1}`, a + ":to-all"})
	if got != want {
		t.Errorf("OnMessage saw %s, want %s", got, want)
	}
	h.waitRecords("seed-disconnect", 2, 10*time.Second)
	h.checkDiscs(h.waitDiscs(2, 10*time.Second), socketio.ReasonTransportClose, true)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.records["err"]) > 0 {
		t.Errorf("broadcast errors: %v", h.records["err"])
	}
}

// ---------------------------------------------------------------------------
// events received just before the connection closes

// TestSocketIOEventsBeforeClose pins a server bug. The client emits 20
// events on "/" (no ack) and then calls socket.disconnect() on it; that is
// its last socket, so socket.io-client's Manager closes the connection right
// after writing the DISCONNECT packet (a logout: emit, then disconnect).
// Everything reaches the server in order: the 20 EVENT packets, the
// DISCONNECT, then the Engine.IO close (polling: a close packet; websocket:
// the closing handshake). The reference server handles every packet before
// the close, so its handlers see the 20 events and the socket disconnects
// with "client namespace disconnect".
//
// Here the session hands each message to client.onMessage, which only
// queues the packet for the client's worker goroutine; the close then runs
// client.onClose at once on the session's goroutine, which marks the client
// closed and disconnects every socket with the session's reason ("transport
// close"). client.handle drops every packet still queued once the client is
// closed, so the events not handled yet and the DISCONNECT are lost. The
// handler here takes 5 ms per event (a database write, say), so the loss is
// systematic; with fast handlers it is a race (seen in websocket mode).
func TestSocketIOEventsBeforeClose(t *testing.T) {
	env := requireSIO(t)
	const notes = 20
	for _, mode := range sioModes {
		t.Run(mode, func(t *testing.T) {
			h := newSIOServer(t, mode, nil)
			h.srv.OnConnection(func(s *socketio.Socket) {
				h.track(s)
				s.On("note", func(i int) {
					time.Sleep(5 * time.Millisecond) // a slow handler, not synchronisation
					h.record("note", i)
				})
			})
			res := env.start(t, "disconnect.js", h.url, mode, "--case=emit-then-disconnect", fmt.Sprintf("--notes=%d", notes)).result()
			sioCheckConnInfo(t, "connection", res.obj("conn"), mode)
			discs := h.waitDiscs(1, 10*time.Second)
			h.waitSessionsClosed(10 * time.Second)
			h.mu.Lock()
			got := slices.Clone(h.records["note"])
			h.mu.Unlock()
			if len(got) != notes {
				t.Errorf("the server handled %d of the %d events the client sent before disconnecting (handled: %v)", len(got), notes, got)
			}
			if discs[0].reason != socketio.ReasonClientNamespaceDisconnect {
				t.Errorf("server disconnect reason %q, want %q (the client's DISCONNECT packet arrived before the transport closed)",
					discs[0].reason, socketio.ReasonClientNamespaceDisconnect)
			}
		})
	}
}

// TestSocketIOPollingDisconnectClose pins a polling deviation. The server's
// Disconnect(true) queues a DISCONNECT packet per namespace and closes the
// session gracefully; on polling the close packet is appended to the same
// queue, so one poll answers e.g. "41/admin,\x1e41\x1e1" (the DISCONNECTs and
// the Engine.IO close in one payload). The reference server flushes the
// queue first and sends the close packet in the next poll. socket.io-client
// handles the Engine.IO close at once but its Socket.IO packets a tick later
// (Manager.ondecoded uses nextTick), so with one payload its sockets first
// disconnect with "transport close" (after which a default client, with
// reconnection on, reconnects) instead of "io server disconnect".
//
// Polls are delayed (sioDelayPolls) so that no GET is pending when the
// server disconnects: everything queued goes out in the next poll, which
// makes the failure deterministic (without the delay it is frequent).
func TestSocketIOPollingDisconnectClose(t *testing.T) {
	sioServerDisconnectCloseStrict(t, requireSIO(t), "polling", true, sioDelayPolls(300*time.Millisecond))
}

// TestSocketIOPollingShutdownBetweenPolls pins a polling deviation. When
// Shutdown (or any graceful close with nothing queued) finds a polling
// session without a pending GET, session.closeGracefully closes it at once;
// the client's next GET, usually already on its way, gets HTTP 400 (unknown
// sid), so socket.io-client reports "transport error" ("xhr poll error").
// The reference server keeps the session until that GET arrives and answers
// it with a close packet (its closeTimeout), so the client sees "transport
// close". Polls are delayed (sioDelayPolls) so that the client's next GET
// is in flight when the test calls Shutdown, which makes the failure
// deterministic (without the delay it is frequent: the client re-polls
// right after its CONNECT replies, as the test starts Shutdown).
func TestSocketIOPollingShutdownBetweenPolls(t *testing.T) {
	sioShutdownStrict(t, requireSIO(t), "polling", true, sioDelayPolls(300*time.Millisecond))
}
