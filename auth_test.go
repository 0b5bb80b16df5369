package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

type tkUser struct{ Name string }

// tkAuth accepts the cookie token=alice (identity &tkUser{"alice"}) and
// token=anon (no identity), refuses token=banned with 403, token=wrapped
// with a wrapped *AuthError, token=zero with a zero *AuthError, and
// anything else with an error whose text must not leak.
func tkAuth(r *http.Request) (any, error) {
	c, err := r.Cookie("token")
	if err != nil {
		return nil, errors.New("no cookie; db password hunter2")
	}
	switch c.Value {
	case "alice":
		return &tkUser{Name: "alice"}, nil
	case "anon":
		return nil, nil
	case "banned":
		return nil, &socketio.AuthError{Status: http.StatusForbidden, Message: "banned"}
	case "wrapped":
		return nil, fmt.Errorf("checking: %w", &socketio.AuthError{Status: http.StatusForbidden, Message: "suspended"})
	case "zero":
		return nil, &socketio.AuthError{}
	}
	return nil, errors.New("unknown token; db password hunter2")
}

// tkAuthServer serves an echo server behind Authenticate(tkAuth).
func tkAuthServer(t *testing.T) (*tkEcho, string) {
	t.Helper()
	e := tkNewEcho(t, nil)
	m := http.NewServeMux()
	m.Handle("/socket.io/", socketio.Authenticate(tkAuth)(e.IO))
	return e, tkServe(t, m).URL + "/socket.io/"
}

// tkJarFor is a cookie jar holding token=tok for base's host.
func tkJarFor(t *testing.T, base, tok string) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		jar.SetCookies(u, []*http.Cookie{{Name: "token", Value: tok, Path: "/"}})
	}
	return jar
}

// tkDialJar is tkDial with a cookie jar, on polling and WebSocket alike.
func tkDialJar(t *testing.T, base string, mode eiotest.Mode, jar http.CookieJar) (*siotest.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	c, err := eiotest.Dial(ctx, eiotest.Config{
		Base:   base,
		HTTP:   &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Jar: jar},
		Dialer: &websocket.Dialer{Jar: jar, HandshakeTimeout: tkTimeout},
	}, mode)
	if err != nil {
		return nil, err
	}
	t.Cleanup(c.Stop)
	return &siotest.Client{EIO: c}, nil
}

func TestAuthenticateRefused(t *testing.T) {
	tests := []struct {
		token   string
		status  int
		message string
	}{
		{"", http.StatusUnauthorized, "Unauthorized"},
		{"mallory", http.StatusUnauthorized, "Unauthorized"},
		{"banned", http.StatusForbidden, "banned"},
		{"wrapped", http.StatusForbidden, "suspended"},
		{"zero", http.StatusUnauthorized, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run("token="+tt.token, func(t *testing.T) {
			e, base := tkAuthServer(t)
			check := func(what string, r *eiotest.Response) {
				t.Helper()
				if r == nil || r.Status != tt.status {
					t.Fatalf("%s: %v, want %d", what, r, tt.status)
				}
				body, err := r.JSONError()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if body.Code != 4 || body.Message != tt.message {
					t.Errorf("%s: body %s, want code 4 and %q", what, r.Body, tt.message)
				}
				if strings.Contains(string(r.Body), "hunter2") {
					t.Errorf("%s: the AuthFunc's error text leaked: %s", what, r.Body)
				}
			}

			h := http.Header{}
			if tt.token != "" {
				h.Set("Cookie", "token="+tt.token)
			}
			check("polling handshake", tkDo(t, http.MethodGet, eiotest.URL(base, "polling", ""), h, ""))

			ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
			defer cancel()
			conn, resp, err := websocket.DefaultDialer.DialContext(ctx, eiotest.WebSocketURL(base, ""), h)
			if err == nil {
				conn.Close()
				t.Fatal("websocket handshake accepted")
			}
			if resp == nil {
				t.Fatalf("websocket handshake: %v, want an HTTP refusal", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			check("websocket handshake", &eiotest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})

			if n := e.IO.Engine().Count(); n != 0 {
				t.Errorf("%d sessions opened by refused requests", n)
			}
		})
	}
}

// TestAuthenticateIdentity runs whole sessions with accepted credentials:
// the identity reaches the connection handler (Socket.Identity) and the
// event handlers, on every transport.
func TestAuthenticateIdentity(t *testing.T) {
	tests := []struct {
		token  string
		want   any    // Socket.Identity() in the connection handler
		wantJS string // the "whoami" ack
	}{
		{"alice", &tkUser{Name: "alice"}, `[{"Name":"alice"}]`},
		{"anon", nil, `[null]`},
	}
	for _, tt := range tests {
		for _, mode := range tkModes {
			t.Run(tt.token+"/"+string(mode), func(t *testing.T) {
				e, base := tkAuthServer(t)
				c, err := tkDialJar(t, base, mode, tkJarFor(t, base, tt.token))
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				if _, err := c.Connect("/", "", tkTimeout); err != nil {
					t.Fatal(err)
				}
				s := e.NextConnection(t)
				switch want := tt.want.(type) {
				case nil:
					if got := s.Identity(); got != nil {
						t.Errorf("Identity() = %#v, want nil", got)
					}
					if _, ok := socketio.IdentityFrom(s.Context()); ok {
						t.Error("IdentityFrom reports an identity")
					}
				case *tkUser:
					got, ok := s.Identity().(*tkUser)
					if !ok || *got != *want {
						t.Errorf("Identity() = %#v, want %#v", s.Identity(), want)
					}
				}
				if err := c.Send(`21["whoami"]`); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Expect(tkTimeout, `31`+tt.wantJS); err != nil {
					t.Fatal(err)
				}
				tkRoundTrip(t, c, "authenticated")
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestAuthenticateEveryRequest: the credentials are checked on every
// request of a session, so a request of the session without them is
// refused (and the session keeps working for its owner).
func TestAuthenticateEveryRequest(t *testing.T) {
	_, base := tkAuthServer(t)
	c, err := tkDialJar(t, base, eiotest.ModePolling, tkJarFor(t, base, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect("/", "", tkTimeout); err != nil {
		t.Fatal(err)
	}
	r := tkDo(t, http.MethodPost, eiotest.URL(base, "polling", c.EIO.SID()), nil, `42["echo","x"]`)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("POST without credentials: %s, want 401", r)
	}
	// An upgrade attempt without credentials is refused too.
	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	ws, resp, err := eiotest.DialWebSocket(ctx, nil, base, c.EIO.SID())
	if err == nil {
		ws.Conn.Close()
		t.Fatal("upgrade without credentials accepted")
	}
	if resp == nil || resp.Status != http.StatusUnauthorized {
		t.Errorf("upgrade without credentials: %v (%v), want 401", resp, err)
	}
	tkRoundTrip(t, c, "still mine")
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}
