package socketio_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

func TestChainOrder(t *testing.T) {
	var got []string
	mw := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = append(got, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := socketio.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got = append(got, "handler") }),
		mw("first"), mw("second"), mw("third"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if want := []string{"first", "second", "third", "handler"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// No middleware: the handler itself.
	got = nil
	socketio.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got = append(got, "handler") })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if len(got) != 1 {
		t.Errorf("Chain with no middleware ran %v", got)
	}
}

// TestMaxMessageSizeHandshake checks the limit announced as maxPayload:
// the smallest of the server's MaxPayload and every MaxMessageSize on the
// way, never more than the server's.
func TestMaxMessageSizeHandshake(t *testing.T) {
	tests := []struct {
		name   string
		server int64 // Options.MaxPayload; 0 = default (1,000,000)
		mw     []int64
		want   int64
	}{
		{"default", 0, nil, 1_000_000},
		{"lowers", 0, []int64{1000}, 1000},
		{"cannot-raise", 500, []int64{1000}, 500},
		{"nested-outer-smaller", 0, []int64{300, 2000}, 300},
		{"nested-inner-smaller", 0, []int64{2000, 300}, 300},
		{"zero-ignored", 0, []int64{0}, 1_000_000},
		{"negative-ignored", 700, []int64{-1}, 700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tkNewEcho(t, &socketio.Options{Engine: socketio.EngineOptions{MaxPayload: tt.server}})
			var mws []func(http.Handler) http.Handler
			for _, n := range tt.mw {
				mws = append(mws, socketio.MaxMessageSize(n))
			}
			base := tkServe(t, socketio.Chain(e.IO, mws...)).URL + "/socket.io/"
			for _, mode := range []eiotest.Mode{eiotest.ModePolling, eiotest.ModeWebSocket} {
				c := tkDial(t, base, mode)
				if got := c.EIO.Handshake().MaxPayload; got != tt.want {
					t.Errorf("%s: handshake maxPayload %d, want %d", mode, got, tt.want)
				}
				if err := c.Close(); err != nil { // a close packet: Shutdown need not wait for it
					t.Errorf("%s: close: %v", mode, err)
				}
			}
		})
	}
}

// TestMaxMessageSize sends a message over the limit on one session while
// another session of the same server is in use: the offender gets 413
// (polling) or a close 1009 (WebSocket) and is closed, the other one
// loses nothing.
func TestMaxMessageSize(t *testing.T) {
	const limit = 1000
	for _, mode := range tkModes {
		t.Run(string(mode), func(t *testing.T) {
			e := tkNewEcho(t, nil)
			m := http.NewServeMux()
			m.Handle("/socket.io/", socketio.Chain(e.IO, socketio.MaxMessageSize(limit)))
			base := tkServe(t, m).URL + "/socket.io/"

			victim, victimID := tkConnect(t, base, mode)
			healthy, healthyID := tkConnect(t, base, mode)

			// Up to the limit is fine: `427["echo","…"]` (tkRoundTrip's
			// event with ack id 7) is one Engine.IO message of exactly
			// limit bytes, the polling body too.
			fits := strings.Repeat("a", limit-len(`427["echo",""]`))
			tkRoundTrip(t, victim, fits)

			// The healthy session has a message in flight around the
			// offence: sent before, answered after.
			if err := healthy.Send(`2["echo","before"]`); err != nil {
				t.Fatal(err)
			}

			big := strings.Repeat("b", limit+1)
			err := victim.Send(`2["echo","` + big + `"]`)
			switch mode {
			case eiotest.ModePolling:
				resp, ok := tkStatus(err)
				if !ok {
					t.Fatalf("oversized POST: %v, want a refused request", err)
				}
				if resp.Status != http.StatusRequestEntityTooLarge {
					t.Fatalf("oversized POST: %s, want 413", resp)
				}
				if body, err := resp.JSONError(); err != nil || body.Code != 3 {
					t.Errorf("oversized POST body %q (%v), want {\"code\":3,...}", resp.Body, err)
				}
			default:
				if err != nil {
					t.Fatalf("writing the oversized frame: %v", err)
				}
			}
			// The offender's stream ends: a close packet on polling, a
			// close frame 1009 on WebSocket; nothing is echoed.
			for {
				p, err := victim.Recv(tkTimeout)
				if err == nil {
					t.Fatalf("victim got %q after the oversized message", p)
				}
				if errors.Is(err, siotest.ErrNotMessage) {
					continue // the polling close packet
				}
				if mode == eiotest.ModePolling {
					// The pending poll gets the close packet; a poll sent
					// just after the close finds the session gone.
					resp, refused := tkStatus(err)
					gone := refused && resp.Status == http.StatusBadRequest && strings.Contains(string(resp.Body), `"code":1`)
					if !errors.Is(err, eiotest.ErrServerClose) && !gone {
						t.Fatalf("victim stream ended with %v, want the server's close packet (or 400 unknown sid)", err)
					}
				} else {
					var ce *websocket.CloseError
					if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
						t.Fatalf("victim stream ended with %v, want close 1009", err)
					}
				}
				break
			}
			if reason := e.WaitDisconnect(t, victimID); reason != "transport error" {
				t.Errorf("victim disconnect reason %q, want \"transport error\"", reason)
			}
			// Its session is gone for good.
			r := tkDo(t, http.MethodGet, eiotest.URL(base, "polling", victim.EIO.SID()), nil, "")
			if body, err := r.JSONError(); r.Status != http.StatusBadRequest || err != nil || body.Code != 1 {
				t.Errorf("poll on the closed session: %s, want 400 code 1", r)
			}

			// Nothing lost for the other session.
			if _, err := healthy.Expect(tkTimeout, `2["echo","before"]`); err != nil {
				t.Fatal(err)
			}
			tkRoundTrip(t, healthy, "after")
			if e.IO.Sockets().Socket(healthyID) == nil {
				t.Error("the healthy socket is no longer connected")
			}
			if err := healthy.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}
