package socketio

import (
	"context"
	"errors"
	"net/http"

	"github.com/gosio/socketio/session"
)

// Authentication happens at two levels, use either or both:
//
//   - HTTP: Authenticate wraps the server (or a whole router) and inspects
//     each request — a cookie, a bearer token — before any handshake. A
//     refusal is an HTTP 401/403; an accepted identity is stored in the
//     request context, where handlers read it with IdentityFrom, and
//     sockets with Socket.Identity.
//   - Socket.IO: namespace middleware (Namespace.Use) sees the CONNECT auth
//     payload (Handshake().Auth) of each namespace; a *ConnectError reaches
//     the JS client's connect_error with its message and data.

// AuthFunc inspects a request and returns the caller's identity, or an
// error to refuse it. An *AuthError chooses the status and message; any
// other error refuses with 401 and "Unauthorized" (its text is not sent,
// since it may hold internal details).
type AuthFunc func(r *http.Request) (identity any, err error)

// AuthError refuses a request with a status (401 or 403, say) and a
// message sent to the client.
type AuthError struct {
	Status  int
	Message string
}

func (e *AuthError) Error() string { return e.Message }

type identityKey struct{}

// WithIdentity returns a context carrying identity.
func WithIdentity(ctx context.Context, identity any) context.Context {
	return context.WithValue(ctx, identityKey{}, identity)
}

// IdentityFrom returns the identity stored by Authenticate, if any.
func IdentityFrom(ctx context.Context) (any, bool) {
	v := ctx.Value(identityKey{})
	return v, v != nil
}

// Identity returns the identity Authenticate stored for the request that
// opened the socket's connection, or nil.
func (s *Socket) Identity() any {
	v, _ := IdentityFrom(s.Context())
	return v
}

// Authenticate returns HTTP middleware that runs fn on every request. A
// refused request gets the status and an Engine.IO JSON error body
// ({"code":4,"message":...}), which the Socket.IO client reports as a
// connection error; an accepted request continues with the identity in its
// context.
//
// Every request of a session is checked, not only the handshake, so a
// polling session stops working as soon as its credentials do.
func Authenticate(fn AuthFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := fn(r)
			if err != nil {
				status, msg := http.StatusUnauthorized, "Unauthorized"
				var ae *AuthError
				if errors.As(err, &ae) {
					if ae.Status >= 400 && ae.Status <= 599 {
						status = ae.Status // anything else would not be a refusal
					}
					if ae.Message != "" {
						msg = ae.Message
					}
				}
				session.WriteError(w, status, session.CodeForbidden, msg)
				return
			}
			if id != nil {
				r = r.WithContext(WithIdentity(r.Context(), id))
			}
			next.ServeHTTP(w, r)
		})
	}
}
