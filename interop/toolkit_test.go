package interop

// HTTP toolkit interop: the official socket.io-client (Node) against the
// Go server mounted on the usual routers (its path option set to the
// mount path), and a CONNECT refusal from namespace middleware whose
// message and data reach the client's connect_error. Scenarios live in
// toolkit/ (toolkit/lib.js describes their contract). Names here start
// with "tk" so that they never collide with the package's other tests.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	socketio "github.com/gosio/socketio"
)

// tkModes are the client transport modes (see toolkit/lib.js).
var tkModes = []string{"polling", "websocket", "upgrade"}

// tkNode finds node and socket.io-client for the scripts in toolkit/ (see
// harness_test.go). INTEROP_DEBUG does not apply to them.
func tkNode(t *testing.T) nodeEnv {
	t.Helper()
	node, dir := findNode(t, "socket.io-client")
	return nodeEnv{node: node, dir: dir, scripts: "toolkit"}
}

// tkRun runs node toolkit/<script> against url and returns its result
// line, decoded. A failing script fails the test with its stderr.
func tkRun(t *testing.T, script, url string, args ...string) scenarioResult {
	t.Helper()
	return tkNode(t).runScenario(t, script, url, args...)
}

// tkEchoServer answers "echo" with an ack "ack:<text>" then an "echo"
// event, and records the sockets that connected.
type tkEchoServer struct {
	io *socketio.Server

	mu        sync.Mutex
	connected []string
}

func tkNewEchoServer(t *testing.T) *tkEchoServer {
	t.Helper()
	e := &tkEchoServer{io: socketio.NewServer(nil)}
	e.io.OnConnection(func(s *socketio.Socket) {
		e.mu.Lock()
		e.connected = append(e.connected, s.ID())
		e.mu.Unlock()
		s.On("echo", func(msg string, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack("ack:" + msg)
			}
			_ = s.Emit("echo", msg)
		})
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := e.io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e
}

func (e *tkEchoServer) sockets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.connected...)
}

// tkRouters mounts the server the ways the README shows (the root
// package's router_test.go runs the same mounts with a raw client).
var tkRouters = []struct {
	name  string
	path  string
	mount func(io http.Handler) http.Handler
}{
	{"chi-mount", "/rt/socket.io/", func(io http.Handler) http.Handler {
		r, sub := chi.NewRouter(), chi.NewRouter()
		sub.Handle("/socket.io/*", io)
		r.Mount("/rt", sub)
		return r
	}},
	{"chi-handle", "/rt/socket.io/", func(io http.Handler) http.Handler {
		r := chi.NewRouter()
		r.Handle("/rt/socket.io/*", io)
		return r
	}},
	{"gorilla-mux", "/mx/socket.io/", func(io http.Handler) http.Handler {
		r := mux.NewRouter()
		r.PathPrefix("/mx/socket.io/").Handler(io)
		return r
	}},
	{"servemux-methods", "/sm/socket.io/", func(io http.Handler) http.Handler {
		m := http.NewServeMux()
		m.Handle("GET /sm/socket.io/", io)
		m.Handle("POST /sm/socket.io/", io)
		return m
	}},
	{"strip-prefix", "/sp/socket.io/", func(io http.Handler) http.Handler {
		inner := http.NewServeMux()
		inner.Handle("/socket.io/", io)
		return http.StripPrefix("/sp", inner)
	}},
}

// TestToolkitRoutersJS: socket.io-client, its path option set to the
// mount path, connects and round-trips an event through every router in
// every transport mode.
func TestToolkitRoutersJS(t *testing.T) {
	tkNode(t)
	for _, rt := range tkRouters {
		t.Run(rt.name, func(t *testing.T) {
			for _, mode := range tkModes {
				t.Run(mode, func(t *testing.T) {
					e := tkNewEchoServer(t)
					srv := httptest.NewServer(rt.mount(e.io))
					t.Cleanup(srv.Close)
					res := tkRun(t, "roundtrip.js", srv.URL, "--path="+rt.path, "--transport="+mode)
					want := "websocket"
					if mode == "polling" {
						want = "polling"
					}
					if res["transport"] != want {
						t.Errorf("client ended on %v, want %s", res["transport"], want)
					}
					if ids := e.sockets(); len(ids) != 1 || ids[0] != res["id"] {
						t.Errorf("server saw sockets %v, client had id %v", ids, res["id"])
					}
				})
			}
		})
	}
}

// TestToolkitConnectErrorJS: namespace middleware refuses the CONNECT with
// a *ConnectError; the JS client's connect_error carries its message and
// data. The right auth payload connects.
func TestToolkitConnectErrorJS(t *testing.T) {
	tkNode(t)
	tests := []struct {
		name      string
		auth      string // --auth JSON; "" for none
		connected bool
	}{
		{"no-auth", "", false},
		{"wrong-token", `{"token":"guess"}`, false},
		{"right-token", `{"token":"s3cret"}`, true},
	}
	for _, tt := range tests {
		for _, mode := range []string{"polling", "websocket"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				e := tkNewEchoServer(t)
				e.io.Use(func(s *socketio.Socket) error {
					if s.Handshake().Auth["token"] != "s3cret" {
						return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
					}
					return nil
				})
				srv := httptest.NewServer(e.io)
				t.Cleanup(srv.Close)
				args := []string{"--path=/socket.io/", "--transport=" + mode}
				if tt.auth != "" {
					args = append(args, "--auth="+tt.auth)
				}
				res := tkRun(t, "connect-error.js", srv.URL, args...)
				if got := res["connected"]; got != tt.connected {
					t.Fatalf("connected = %v, want %v (%v)", got, tt.connected, res)
				}
				if tt.connected {
					if ids := e.sockets(); len(ids) != 1 || ids[0] != res["id"] {
						t.Errorf("server saw sockets %v, client had id %v", ids, res["id"])
					}
					return
				}
				if res["message"] != "not authorized" {
					t.Errorf("err.message = %#v, want \"not authorized\"", res["message"])
				}
				if want := map[string]any{"code": float64(42)}; !reflect.DeepEqual(res["data"], want) {
					t.Errorf("err.data = %#v, want %#v", res["data"], want)
				}
				if ids := e.sockets(); len(ids) != 0 {
					t.Errorf("refused client reached the connection handler: %v", ids)
				}
			})
		}
	}
}

// TestToolkitHTTPRefusalJS pins what socket.io-client 4 reports for each
// way the server can refuse a client, as README's "What a refusal looks
// like on the client" says: an HTTP-level refusal (Authenticate,
// AllowRequest) reaches it only as a transport error with no message of
// ours ("xhr poll error" with the HTTP status; "websocket error"), while a
// namespace middleware's *ConnectError arrives with its message and data.
func TestToolkitHTTPRefusalJS(t *testing.T) {
	tkNode(t)
	refusals := []struct {
		name  string
		setup func(*testing.T) http.Handler
	}{
		{"authenticate", func(t *testing.T) http.Handler {
			e := tkNewEchoServer(t)
			return socketio.Chain(e.io, socketio.Authenticate(func(*http.Request) (any, error) {
				return nil, &socketio.AuthError{Status: http.StatusUnauthorized, Message: "bad token"}
			}))
		}},
		{"allow-request", func(t *testing.T) http.Handler {
			io := socketio.NewServer(&socketio.Options{Engine: socketio.EngineOptions{
				AllowRequest: func(*http.Request) error { return errors.New("banned") },
			}})
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				_ = io.Shutdown(ctx)
			})
			return io
		}},
	}
	want := map[string]map[string]any{ // mode → message, type, description
		"polling":   {"message": "xhr poll error", "type": "TransportError"},
		"websocket": {"message": "websocket error", "type": "TransportError"},
	}
	status := map[string]float64{"authenticate": 401, "allow-request": 403}
	for _, rf := range refusals {
		for _, mode := range []string{"polling", "websocket"} {
			t.Run(rf.name+"/"+mode, func(t *testing.T) {
				srv := httptest.NewServer(rf.setup(t))
				t.Cleanup(srv.Close)
				res := tkRun(t, "connect-error.js", srv.URL, "--path=/socket.io/", "--transport="+mode)
				if res["connected"] != false || res["message"] != want[mode]["message"] || res["type"] != want[mode]["type"] {
					t.Fatalf("client saw %v, want a refusal with message %q, type %q", res, want[mode]["message"], want[mode]["type"])
				}
				if res["data"] != nil {
					t.Errorf("err.data = %v: an HTTP refusal carries none", res["data"])
				}
				switch mode {
				case "polling":
					if res["description"] != status[rf.name] {
						t.Errorf("err.description = %#v, want the HTTP status %v", res["description"], status[rf.name])
					}
				case "websocket":
					// ws reports the response's status in its own words.
					d, _ := res["description"].(string)
					if !strings.Contains(d, fmt.Sprint(status[rf.name])) {
						t.Errorf("err.description = %#v, want ws's error naming %v", res["description"], status[rf.name])
					}
				}
			})
		}
	}
}
