// Command chi_example is the seed's chat example, modernised: one chi
// router serves the chat page, Socket.IO at /socket.io/ with the official
// socket.io client's bundles beside it (/socket.io/socket.io.min.js, from
// its npm package, by socketio.ClientHandler as Node's serveClient), and a
// REST API.
//
//	npm ci --prefix chi_example && cd chi_example && go run . -addr 127.0.0.1:8080
//
// With -redis ADDR the chat joins a cluster on that Redis through the
// Redis adapter (adapter/redis, wire-compatible with Node.js's
// @socket.io/redis-adapter; -redis-sharded MODE for its sharded variant on
// Redis 7): run several, on different ports, and clients
// on any of them chat together; /api/stats then counts every node's
// clients. chi_example is a module of its own, so that the server's module
// does not depend on a Redis client.
//
// With -admin-password (and -admin-user, "admin" by default) it also serves
// the Socket.IO admin UI (npm package @socket.io/admin-ui) at /admin/ and
// its namespace "/admin" (package admin): log in there with this server's
// URL and those credentials. Without a password there is no admin UI.
// With -token the UI cannot connect (it cannot send the token).
//
// The chat protocol is the seed's: every server event is "message";
// {"announcement":"connected: <id>"} when a client connects,
// {"message":[<id>, <text>]} when a client sends text (socket.send(text)),
// {"announcement":"disconnected: <id>"} when it leaves.
package main

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/legacy"
	socketioprom "github.com/gosio/socketio/metrics/prometheus"
)

//go:embed index.html
var indexHTML []byte

// maxMessageSize caps chat messages (and every polling body): a chat line
// needs far less than the 1 MB default.
const maxMessageSize = 16 << 10

type announcement struct {
	Announcement string `json:"announcement"`
}

type chatMessage struct {
	Message [2]string `json:"message"`
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	origins := flag.String("origins", "", "comma-separated extra origins allowed (exact or https://*.example.com); same-origin only by default")
	token := flag.String("token", "", "if set, clients must present this token: the CONNECT auth {token}, or ?token= for socket.io-client 2.x (refused with a ConnectError the page shows)")
	clientJS := flag.String("client-js", "", "path of a socket.io-client package's dist/socket.io.min.js: the bundles of that package are served under /socket.io/ (default: chi_example/node_modules/socket.io-client)")
	redisAddr := flag.String("redis", "", "join a cluster on this Redis (host:port) through the Redis adapter")
	redisKey := flag.String("redis-key", "socket.io", "the Redis adapter's channel prefix (the same on every node, Node.js ones included)")
	redisSharded := flag.String("redis-sharded", "", "with -redis: use the sharded adapter (Redis 7) in this subscription mode: dynamic, static or dynamic-private")
	legacyClients := flag.Bool("legacy", true, "also serve socket.io-client 2.x (/v2, Engine.IO 3) and Socket.IO 0.6 clients (/legacy; not with -token)")
	adminUser := flag.String("admin-user", "admin", "the admin UI's username (see -admin-password)")
	adminPassword := flag.String("admin-password", "", "serve the Socket.IO admin UI at /admin/ with this password (none: no admin UI)")
	recoverFor := flag.Duration("recover", 0, "connection state recovery: a client whose connection drops and comes back within this long keeps its id and gets the messages it missed (0: off)")
	flag.Parse()

	clientDir, err := findClientPackage(*clientJS)
	if err != nil {
		log.Fatal(err)
	}
	client, err := socketio.NewClientHandler(os.DirFS(clientDir), nil)
	if err != nil {
		log.Fatal(err)
	}
	policy := socketio.OriginPolicy{}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			policy.AllowedOrigins = append(policy.AllowedOrigins, o)
		}
	}

	var adapter func(*socketio.Namespace) (socketio.Adapter, error)
	if *redisAddr != "" {
		rdb := goredis.NewClient(&goredis.Options{Addr: *redisAddr})
		defer rdb.Close()
		adapter = redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: *redisKey})
		if *redisSharded != "" {
			adapter = redisadapter.NewShardedAdapter(rdb, &redisadapter.ShardedOptions{ChannelPrefix: *redisKey,
				SubscriptionMode: redisadapter.SubscriptionMode(*redisSharded)})
		}
		log.Printf("cluster: Redis at %s, key %q, sharded %q", *redisAddr, *redisKey, *redisSharded)
	}
	io := newChat(*token, adapter, *recoverFor, *legacyClients)
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(indexHTML)
	})
	if *legacyClients {
		// The same page for every generation: it loads its client.
		for _, page := range []string{"/v2", "/legacy"} {
			r.Get(page, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write(indexHTML)
			})
		}
		for route, file := range map[string]string{
			"/socket.io-v2.js": filepath.Join("socket.io-client-v2", "dist", "socket.io.js"),
			"/socket.io-06.js": filepath.Join("socket.io-legacy", "support", "socket.io-client", "socket.io.js"),
		} {
			path, err := findNodeModule(file)
			if err != nil {
				// The server still accepts these clients; only the
				// example's pages for them lack their script.
				log.Printf("%v: /v2 and /legacy will not load", err)
				continue
			}
			r.Get(route, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/javascript")
				http.ServeFile(w, r, path)
			})
		}
	}
	stopAdmin, err := mountAdmin(r, io, *adminUser, *adminPassword)
	if err != nil {
		log.Fatal(err)
	}
	defer stopAdmin()
	r.Get("/crossdomain.xml", socketio.FlashPolicyHandler(policy).ServeHTTP)
	// Prometheus metrics: the server's (socketio_*) beside the Go
	// runtime's and the process's of the default registry.
	prometheus.MustRegister(socketioprom.NewCollector(io, socketioprom.Options{}))
	r.Handle("/metrics", promhttp.Handler())
	r.Get("/api/stats", func(w http.ResponseWriter, r *http.Request) {
		// Counted through the server API (FetchSockets goes through the
		// adapter), so the figure stays right once the server is clustered.
		socks, err := io.FetchSockets(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"clients": len(socks)})
	})
	mw := []func(http.Handler) http.Handler{
		socketio.CORS(policy),
		// The client bundles under /socket.io/, as Node serves them: after
		// CORS, before the origin and token checks (a <script> load
		// carries neither).
		client.Middleware,
		socketio.CheckOrigin(policy),
	}
	mw = append(mw, socketio.MaxMessageSize(maxMessageSize))
	r.Handle("/socket.io/*", socketio.Chain(io, mw...))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// Flash policy requests are answered inline on the same port.
	ln = socketio.FlashPolicyListener(ln, policy)
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(shutdown)
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("chat on http://%s/", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	// Serve returns as soon as Shutdown begins: wait for the sockets to be
	// told and the in-flight requests to finish before exiting.
	<-stopped
	log.Print("stopped")
}

// newChat is the seed's chat server, line for line in the seed API.
func newChat(token string, adapter func(*socketio.Namespace) (socketio.Adapter, error), recoverFor time.Duration, legacyClients bool) *socketio.Server {
	opts := &socketio.Options{Engine: socketio.EngineOptions{MaxPayload: maxMessageSize}, Adapter: adapter}
	if legacyClients {
		opts.Engine.AllowEIO3 = true // socket.io-client 2.x
		if token == "" {
			// The seed's Socket.IO 0.6. It cannot present a token, and
			// refused after its handshake it would reconnect at once,
			// again and again: with a token it is not served.
			opts.Legacy06 = &legacy.Options{}
		}
	}
	if recoverFor > 0 {
		opts.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: recoverFor}
	}
	io := socketio.NewServer(opts)
	if token != "" {
		// Checked in namespace middleware, not HTTP middleware, so that the
		// page can say why it was refused: a ConnectError reaches the
		// client as its message and data, an HTTP 401 only as "xhr poll
		// error" (README, "What a refusal looks like on the client").
		io.Use(func(s *socketio.Socket) error {
			got, _ := s.Handshake().Auth["token"].(string)
			if got == "" {
				got = s.Handshake().Query.Get("token") // socket.io-client 2.x sends no CONNECT payload
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				return &socketio.ConnectError{Message: "invalid token", Data: map[string]string{"hint": "add ?token=... to the page URL"}}
			}
			return nil
		})
	}
	io.OnConnect(func(c *socketio.Conn) {
		if c.Recovered() {
			// Back within -recover: same id, missed messages replayed.
			_ = io.Broadcast(announcement{"reconnected: " + c.ID()})
			return
		}
		_ = io.Broadcast(announcement{"connected: " + c.ID()})
	})
	io.OnDisconnect(func(c *socketio.Conn) {
		_ = io.Broadcast(announcement{"disconnected: " + c.ID()})
	})
	io.OnMessage(func(c *socketio.Conn, msg socketio.Message) {
		_ = io.Broadcast(chatMessage{[2]string{c.ID(), msg.Data()}})
	})
	return io
}

// findNodeModule returns the path of file in chi_example's node_modules
// (from the repository root or from chi_example/).
func findNodeModule(file string) (string, error) {
	for _, dir := range []string{filepath.Join("chi_example", "node_modules"), "node_modules"} {
		p := filepath.Join(dir, file)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		return p, nil
	}
	return "", fmt.Errorf("%s not found in chi_example/node_modules (run `npm ci --prefix chi_example`)", file)
}

// findClientPackage returns the directory of the socket.io-client package
// whose bundles are served: the package of the -client-js file (two
// levels up from dist/socket.io.min.js; the dist directory itself if it
// is not in a package), else the one npm installed in chi_example.
func findClientPackage(clientJS string) (string, error) {
	if clientJS != "" {
		dist := filepath.Dir(clientJS)
		if pkg := filepath.Dir(dist); filepath.Base(dist) == "dist" {
			if _, err := os.Stat(filepath.Join(pkg, "package.json")); err == nil {
				return pkg, nil
			}
		}
		return dist, nil
	}
	p, err := findNodeModule(filepath.Join("socket.io-client", "package.json"))
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}
