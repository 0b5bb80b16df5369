package socketio_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/mux"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
)

// tkRouter mounts a Socket.IO server on a router; clients use path.
type tkRouter struct {
	name  string
	path  string // the clients' path option
	mount func(io http.Handler) http.Handler
}

// tkRouters are the ways of mounting the server that the README and the
// examples show. The Server ignores the URL path, so each only has to
// route every request under the prefix to it, polling GETs and POSTs and
// WebSocket upgrades alike.
var tkRouters = []tkRouter{
	{"chi-mount", "/rt/socket.io/", func(io http.Handler) http.Handler {
		r := chi.NewRouter()
		sub := chi.NewRouter()
		sub.Handle("/socket.io/*", io)
		r.Mount("/rt", sub)
		return r
	}},
	{"chi-handle", "/rt/socket.io/", func(io http.Handler) http.Handler {
		r := chi.NewRouter()
		r.Handle("/rt/socket.io/*", io)
		return r
	}},
	{"chi-middleware", "/mw/socket.io/", func(io http.Handler) http.Handler {
		// chi's own middleware (which wraps the ResponseWriter) and this
		// package's, through With: long polls still flush and WebSocket
		// upgrades still hijack.
		p := socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com"}}
		r := chi.NewRouter()
		r.Use(middleware.RequestID, middleware.RealIP, middleware.Recoverer)
		r.With(socketio.CORS(p), socketio.CheckOrigin(p), socketio.MaxMessageSize(64<<10)).
			Handle("/mw/socket.io/*", io)
		return r
	}},
	{"gorilla-mux", "/mx/socket.io/", func(io http.Handler) http.Handler {
		r := mux.NewRouter()
		r.PathPrefix("/mx/socket.io/").Handler(io)
		return r
	}},
	{"servemux-methods", "/sm/socket.io/", func(io http.Handler) http.Handler {
		// Go 1.22 patterns: GET (polls and WebSocket upgrades) and POST
		// (polling data). Add OPTIONS too when CORS preflights must
		// reach the server.
		m := http.NewServeMux()
		m.Handle("GET /sm/socket.io/", io)
		m.Handle("POST /sm/socket.io/", io)
		return m
	}},
	{"servemux", "/sm/socket.io/", func(io http.Handler) http.Handler {
		m := http.NewServeMux()
		m.Handle("/sm/socket.io/", io)
		return m
	}},
	{"strip-prefix", "/sp/socket.io/", func(io http.Handler) http.Handler {
		inner := http.NewServeMux()
		inner.Handle("/socket.io/", io)
		return http.StripPrefix("/sp", inner)
	}},
}

// TestRouters runs a whole session (Engine.IO handshake, Socket.IO
// CONNECT, an event with an ack and the event sent back) through every
// router, in every transport mode.
func TestRouters(t *testing.T) {
	for _, rt := range tkRouters {
		t.Run(rt.name, func(t *testing.T) {
			e := tkNewEcho(t, nil)
			srv := tkServe(t, rt.mount(e.IO))
			for _, mode := range tkModes {
				t.Run(string(mode), func(t *testing.T) {
					tkSession(t, srv.URL+rt.path, mode)
				})
			}
		})
	}
}

// TestRoutersOtherPathsNotServed checks that the mounts route only their
// prefix to the server: a request elsewhere is the router's 404, not an
// Engine.IO answer.
func TestRoutersOtherPathsNotServed(t *testing.T) {
	for _, rt := range tkRouters {
		t.Run(rt.name, func(t *testing.T) {
			e := tkNewEcho(t, nil)
			srv := tkServe(t, rt.mount(e.IO))
			r := tkDo(t, http.MethodGet, eiotest.URL(srv.URL+"/elsewhere/socket.io/", "polling", ""), nil, "")
			if r.Status != http.StatusNotFound {
				t.Errorf("GET /elsewhere/socket.io/: %s, want 404", r)
			}
			// And the mount itself answers a handshake.
			r = tkDo(t, http.MethodGet, eiotest.URL(srv.URL+rt.path, "polling", ""), nil, "")
			if r.Status != http.StatusOK || len(r.Body) == 0 || r.Body[0] != '0' {
				t.Errorf("handshake at %s: %s, want 200 and an open packet", rt.path, r)
			}
			tkLeave(t, srv.URL+rt.path, r, nil)
		})
	}
}
