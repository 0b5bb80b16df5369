package interop

// Engine.IO 3 / Socket.IO protocol 4 interop: socket.io-client 2.5 (npm,
// in interop/v2/ with its own package.json so it does not clash with
// socket.io-client 4 here) run by Node against a socketio.Server with
// AllowEIO3, over polling, WebSocket, the upgrade, and JSONP polling.

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// requireV2 finds node and interop/v2/node_modules.
func requireV2(t *testing.T) nodeEnv {
	t.Helper()
	node, dir := findNode(t)
	if _, err := os.Stat(filepath.Join(dir, "v2", "node_modules", "socket.io-client", "package.json")); err != nil {
		t.Fatalf("interop/v2/node_modules is missing (%v): run `npm ci --prefix interop/v2` from the repository root (make deps does this)", err)
	}
	return nodeEnv{node: node, dir: dir, scripts: "v2", debug: "socket.io-client:*,engine.io-client:*"}
}

// v2Wire counts what the client's requests looked like.
type v2Wire struct {
	b64Handshakes, binaryHandshakes atomic.Int32 // polling handshakes with and without b64
	binaryPosts                     atomic.Int32 // application/octet-stream POSTs
}

// newV2Server serves newV2Handler on an httptest server, recording the
// shape of the client's requests in w.
func newV2Server(t *testing.T, opts session.Options, w *v2Wire) *httptest.Server {
	t.Helper()
	h := newV2Handler(t, opts)
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("transport") == "polling" && q.Get("sid") == "" {
			if q.Get("b64") != "" {
				w.b64Handshakes.Add(1)
			} else {
				w.binaryHandshakes.Add(1)
			}
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/octet-stream" {
			w.binaryPosts.Add(1)
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() { closeTestServer(t, ts) })
	return ts
}

// newV2Handler is the server the v2 scenarios expect (see v2/scenario.js
// and browser/v2.html); it is shut down when the test ends.
func newV2Handler(t *testing.T, opts session.Options) *socketio.Server {
	t.Helper()
	opts.AllowEIO3 = true
	srv := socketio.NewServer(&socketio.Options{Engine: opts})
	common := func(s *socketio.Socket) {
		s.On("transport", func(ack socketio.AckFunc) { _ = ack(s.Session().Transport()) })
		s.On("echo", func(args codec.Args, ack socketio.AckFunc) {
			vals := make([]any, args.Len())
			for i := range vals {
				_ = args.Decode(i, &vals[i])
			}
			_ = ack(vals)
		})
	}
	srv.OnConnection(func(s *socketio.Socket) {
		common(s)
		s.On("ask", func() {
			go func() {
				reply, err := s.Timeout(sioV2Wait).EmitWithAck(t.Context(), "question", []byte{1, 2, 3})
				if err != nil {
					t.Errorf("ask: %v", err)
					return
				}
				var answer string
				_ = reply.Decode(0, &answer)
				_ = s.Emit("answer", answer)
			}()
		})
		s.On("join", func(room string, ack socketio.AckFunc) {
			s.Join(room)
			_ = ack()
		})
		s.On("shout", func(room, msg string) {
			_ = s.To(room).Emit("heard", s.ID(), msg, []byte{0xca, 0xfe})
			_ = srv.Emit("done")
		})
	})
	admin := srv.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		switch s.Handshake().Auth["token"] {
		case "secret":
			return nil
		case "bad":
			return &socketio.ConnectError{Message: "bad token", Data: map[string]any{"code": 42, "reason": "bad token"}}
		}
		return errors.New("no such token")
	})
	admin.OnConnection(func(s *socketio.Socket) {
		common(s)
		s.On("whoami", func(ack socketio.AckFunc) {
			_ = ack(map[string]any{"id": s.ID(), "auth": s.Handshake().Auth})
		})
	})
	t.Cleanup(func() { shutdownServer(t, srv) })
	return srv
}

const sioV2Wait = 10 * time.Second

func TestSocketIOClientV2(t *testing.T) {
	env := requireV2(t)
	type run struct {
		mode  string
		jsonp bool
	}
	runs := []run{{"polling", false}, {"websocket", false}, {"upgrade", false}, {"polling", true}, {"upgrade", true}}
	for _, scenario := range []string{"basic", "namespaces", "rooms", "heartbeat"} {
		for _, r := range runs {
			name := scenario + "/" + r.mode
			if r.jsonp {
				name += "-jsonp"
			}
			t.Run(name, func(t *testing.T) {
				transports := []string{r.mode}
				if r.mode == "upgrade" {
					transports = []string{"polling", "websocket"}
				}
				opts := session.Options{Transports: transports}
				if scenario == "heartbeat" {
					opts.PingInterval, opts.PingTimeout = 200*time.Millisecond, time.Second // wide pong margin for a loaded machine
				}
				var wire v2Wire
				ts := newV2Server(t, opts, &wire)
				args := []string{"--transport=" + r.mode, "--scenario=" + scenario}
				if r.jsonp {
					args = append(args, "--jsonp")
				}
				res := env.runScenario(t, "scenario.js", ts.URL, args...)
				if res.str("scenario") != scenario {
					t.Fatalf("result %v", res)
				}
				// What socket.io-client 2.5 does in Node: its XHR has no
				// binary support, so it asks for base64 (b64=1) and never
				// posts a binary payload.
				if r.mode != "websocket" && (wire.b64Handshakes.Load() == 0 || wire.binaryHandshakes.Load() != 0 || wire.binaryPosts.Load() != 0) {
					t.Errorf("polling handshakes with b64 %d, without %d; binary posts %d: want b64 only",
						wire.b64Handshakes.Load(), wire.binaryHandshakes.Load(), wire.binaryPosts.Load())
				}
			})
		}
	}
}
