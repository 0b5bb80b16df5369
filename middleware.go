package socketio

import (
	"net/http"

	"github.com/gosio/socketio/session"
)

// The HTTP toolkit: middleware of the usual shape, func(http.Handler)
// http.Handler, so it composes with chi's Use, gorilla/mux's Use and
// plain wrapping. None of it wraps the http.ResponseWriter, so
// http.Flusher and http.Hijacker (long polls, WebSocket upgrades) reach the
// server untouched, whatever router middleware sits around it.
//
//	h := socketio.Chain(io,
//		socketio.CORS(policy),
//		socketio.CheckOrigin(policy),
//		socketio.Authenticate(auth),
//		socketio.MaxMessageSize(64<<10),
//	)
//
// Origin checks and CORS are in origin.go, authentication in auth.go and
// the Flash policy in flash.go.

// Chain wraps h in middleware; the first one listed is the outermost.
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// MaxMessageSize returns middleware capping the size of every message of
// the sessions opened through it: polling bodies over n bytes are
// answered 413 and WebSocket messages over n bytes close the WebSocket
// (status 1009). Only the offending session is closed. The limit is
// announced to clients as maxPayload in the handshake; it can lower the
// server's MaxPayload, never raise it.
func MaxMessageSize(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The session takes its limit from the handshake request's
			// context and applies it to every later request and frame.
			next.ServeHTTP(w, r.WithContext(session.WithMaxPayload(r.Context(), n)))
		})
	}
}
