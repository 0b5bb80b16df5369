package socketio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// exampleConnect connects a client (this module's Go client) to the
// server at base through the Engine.IO path path, as the JS client's
// io(base, {path}) does, and prints the outcome.
func exampleConnect(base, path string) {
	s, err := client.New(base, &client.Options{Path: path, DisableReconnection: true}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Manager().Close()
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("connected at", path)
}

// Mounting on chi: a sub-router mounted at /rt serves Socket.IO at
// /rt/socket.io/, behind this package's middleware. The server ignores
// the URL path, so the pattern only has to send it everything under the
// prefix; clients set the path option to the full path:
// io({ path: "/rt/socket.io/" }).
func ExampleServer_chi() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())
	sio.OnConnection(func(s *socketio.Socket) {
		s.On("chat", func(msg string) { _ = s.Broadcast().Emit("chat", s.ID(), msg) })
	})

	policy := socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com"}}
	r := chi.NewRouter()
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	sub := chi.NewRouter()
	sub.Use(socketio.CORS(policy), socketio.CheckOrigin(policy), socketio.MaxMessageSize(64<<10))
	sub.Handle("/socket.io/*", sio)
	r.Mount("/rt", sub)
	// Without a sub-router: r.Handle("/rt/socket.io/*", sio).

	srv := httptest.NewServer(r)
	defer srv.Close()
	exampleConnect(srv.URL, "/rt/socket.io/")
	// Output: connected at /rt/socket.io/
}

// Mounting on gorilla/mux: a path prefix routes polling requests and
// WebSocket upgrades alike; clients use io({ path: "/mx/socket.io/" }).
func ExampleServer_gorillaMux() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	r := mux.NewRouter()
	r.PathPrefix("/mx/socket.io/").Handler(socketio.Chain(sio,
		socketio.CheckOrigin(socketio.OriginPolicy{}), // same origin only
	))

	srv := httptest.NewServer(r)
	defer srv.Close()
	exampleConnect(srv.URL, "/mx/socket.io/")
	// Output: connected at /mx/socket.io/
}

// Mounting on the standard library's ServeMux with Go 1.22 patterns: GET
// carries polls and WebSocket upgrades, POST carries polling data (add
// "OPTIONS /socket.io/" if CORS preflights must reach the CORS
// middleware). A pattern without a method, "/socket.io/", routes all of
// them.
func ExampleServer_serveMux() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	m := http.NewServeMux()
	m.Handle("GET /socket.io/", sio)
	m.Handle("POST /socket.io/", sio)

	srv := httptest.NewServer(m)
	defer srv.Close()
	exampleConnect(srv.URL, "/socket.io/")
	// Output: connected at /socket.io/
}

// Serving under a prefix that the handlers below do not know about:
// http.StripPrefix removes it, and clients use io({ path: "/sp/socket.io/" }).
func ExampleServer_stripPrefix() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	inner := http.NewServeMux()
	inner.Handle("/socket.io/", sio)
	root := http.NewServeMux()
	root.Handle("/sp/", http.StripPrefix("/sp", inner))

	srv := httptest.NewServer(root)
	defer srv.Close()
	exampleConnect(srv.URL, "/sp/socket.io/")
	// Output: connected at /sp/socket.io/
}
