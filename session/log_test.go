package session_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/logtest"
	"github.com/gosio/socketio/session"
)

// Options.Logger: each lifecycle event is logged once, at its level, with
// its attributes.

// expectLog waits for the record msg with the attributes of match and
// checks its level and its attributes: those of want (match included) and
// no other. A want value "*" asks for any non-empty value, "?" allows the
// attribute to be absent.
func expectLog(tb testing.TB, rec *logtest.Recorder, level slog.Level, msg string, match, want map[string]string) logtest.Record {
	tb.Helper()
	r, err := rec.Wait(wait, msg, match)
	if err != nil {
		tb.Fatal(err)
	}
	if r.Level != level {
		tb.Errorf("%s: level %s, want %s", r, r.Level, level)
	}
	for k, v := range match {
		if _, ok := want[k]; !ok {
			want[k] = v
		}
	}
	for k, v := range want {
		got, ok := r.Attrs[k]
		if v == "?" || (ok && v == "*" && got != "") || (ok && got == v) {
			continue
		}
		tb.Errorf("%s: attribute %s = %q, want %q", r, k, got, v)
	}
	for k := range r.Attrs {
		if _, ok := want[k]; !ok {
			tb.Errorf("%s: unexpected attribute %s", r, k)
		}
	}
	if n := len(rec.Match(msg, match)); n != 1 {
		tb.Errorf("%q with %v logged %d times, want once", msg, match, n)
	}
	return r
}

func TestLogLifecycle(t *testing.T) {
	rec := logtest.New(slog.LevelDebug)
	opts := &session.Options{
		Logger:             rec.Logger(),
		MaxPayload:         100,
		MaxBufferedPackets: 1,
		AllowRequest: func(r *http.Request) error {
			if r.URL.Query().Get("deny") != "" {
				return errors.New("no entry")
			}
			return nil
		},
	}
	e := newEnv(t, envConfig{opts: opts})
	const (
		opened   = "engine.io session opened"
		upgraded = "engine.io session upgraded"
		closed   = "engine.io session closed"
		refused  = "engine.io handshake refused"
	)

	t.Run("websocket opened and closed by the client", func(t *testing.T) {
		c := e.dial(t, eiotest.ModeWebSocket)
		roundTrip(t, c, "x")
		sid := map[string]string{"sid": c.SID()}
		expectLog(t, rec, slog.LevelDebug, opened, sid, map[string]string{"transport": "websocket", "remote": "*", "protocol": "4"})
		if err := c.Close(wait); err != nil {
			t.Fatal(err)
		}
		e.session(t, c.SID()).waitClosed(t, session.ReasonTransportClose)
		// The close packet or the close frame after it, whichever is read
		// first: err is the close frame's status in the second case.
		expectLog(t, rec, slog.LevelDebug, closed, sid, map[string]string{"transport": "websocket", "reason": "transport close", "err": "?"})
	})
	t.Run("upgraded and closed by the server", func(t *testing.T) {
		c := e.dial(t, eiotest.ModeUpgrade)
		roundTrip(t, c, "x")
		sid := map[string]string{"sid": c.SID()}
		expectLog(t, rec, slog.LevelDebug, opened, sid, map[string]string{"transport": "polling", "remote": "*", "protocol": "4"})
		expectLog(t, rec, slog.LevelDebug, upgraded, sid, map[string]string{"transport": "websocket"})
		ss := e.session(t, c.SID())
		_ = ss.Close()
		ss.waitClosed(t, session.ReasonForcedClose)
		expectLog(t, rec, slog.LevelDebug, closed, sid, map[string]string{"transport": "websocket", "reason": "forced close"})
	})
	t.Run("parse error", func(t *testing.T) {
		ws, ss := e.wsSession(t)
		if err := ws.WriteFrame(websocket.TextMessage, []byte("abc")); err != nil {
			t.Fatal(err)
		}
		ss.waitClosed(t, session.ReasonParseError)
		expectLog(t, rec, slog.LevelWarn, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "websocket", "reason": "parse error", "err": "*"})
	})
	t.Run("websocket message over MaxPayload", func(t *testing.T) {
		ws, ss := e.wsSession(t)
		if err := ws.WriteFrame(websocket.TextMessage, []byte("4"+strings.Repeat("x", 200))); err != nil {
			t.Fatal(err)
		}
		ss.waitClosed(t, session.ReasonTransportError)
		expectLog(t, rec, slog.LevelWarn, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "websocket", "reason": "transport error", "err": "transports: websocket message over MaxPayload"})
	})
	t.Run("polling body over MaxPayload", func(t *testing.T) {
		p, ss := e.pollingSession(t)
		e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, make([]byte, 200), nil)
		ss.waitClosed(t, session.ReasonTransportError)
		expectLog(t, rec, slog.LevelWarn, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "polling", "reason": "transport error", "err": "engine.io: polling body over MaxPayload"})
	})
	t.Run("queue full", func(t *testing.T) {
		_, ss := e.pollingSession(t)
		_ = ss.SendText("a")
		_ = ss.SendText("b")
		ss.waitClosed(t, session.ReasonTransportError)
		expectLog(t, rec, slog.LevelWarn, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "polling", "reason": "transport error", "err": session.ErrQueueFull.Error()})
	})
	t.Run("limit broken above the session", func(t *testing.T) {
		// The layer above reports its own limits with CloseWithReason.
		_, ss := e.pollingSession(t)
		ss.CloseWithReason(session.ReasonTransportError, errors.New("input limit"))
		ss.waitClosed(t, session.ReasonTransportError)
		expectLog(t, rec, slog.LevelWarn, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "polling", "reason": "transport error", "err": "input limit"})
	})
	t.Run("client gone without a close packet", func(t *testing.T) {
		ws, ss := e.wsSession(t)
		ws.Conn.Close()
		ss.waitClosed(t, session.ReasonTransportClose)
		expectLog(t, rec, slog.LevelDebug, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "websocket", "reason": "transport close", "err": "*"})
	})
	t.Run("poll abandoned", func(t *testing.T) {
		// A network failure, not a limit: the client's long poll ends
		// before the server answers it.
		p, ss := e.pollingSession(t)
		ctx, cancel := context.WithCancel(context.Background())
		// The hook must exist before the GET is sent: registered from the
		// goroutine, it could come after the GET had reached the server,
		// which would then hold that GET until its first ping (25 s).
		arrived := e.arrived(p.SID, http.MethodGet)
		defer cancel()
		go func() {
			select {
			case <-arrived:
			case <-ctx.Done():
			}
			cancel()
		}()
		if resp, err := p.Get(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("poll: %v, %v; want it abandoned (context canceled) while the server held it", resp, err)
		}
		ss.waitClosed(t, session.ReasonTransportError)
		expectLog(t, rec, slog.LevelInfo, closed, map[string]string{"sid": ss.ID()},
			map[string]string{"transport": "polling", "reason": "transport error", "err": "*"})
	})
	t.Run("refused", func(t *testing.T) {
		resp := e.do(t, "GET", "?EIO=4&transport=polling&deny=1", nil, nil)
		expectJSONError(t, resp, http.StatusForbidden, session.CodeForbidden, "no entry")
		expectLog(t, rec, slog.LevelInfo, refused, map[string]string{"reason": "no entry"},
			map[string]string{"status": "403", "code": "4", "remote": "*"})
		e.do(t, "POST", "?EIO=4&transport=polling", nil, nil)
		expectLog(t, rec, slog.LevelInfo, refused, map[string]string{"reason": "Bad handshake method"},
			map[string]string{"status": "400", "code": "2", "remote": "*"})
	})
}

// TestLogPingTimeout: a ping timeout is logged at Info.
func TestLogPingTimeout(t *testing.T) {
	rec := logtest.New(slog.LevelDebug)
	e := newEnv(t, envConfig{opts: &session.Options{Logger: rec.Logger(), PingInterval: 20 * time.Millisecond, PingTimeout: 50 * time.Millisecond}})
	cfg := e.clientConfig()
	cfg.ManualPong = true
	c := e.dialWith(t, eiotest.ModeWebSocket, cfg)
	e.session(t, c.SID()).waitClosed(t, session.ReasonPingTimeout)
	expectLog(t, rec, slog.LevelInfo, "engine.io session closed", map[string]string{"sid": c.SID()},
		map[string]string{"transport": "websocket", "reason": "ping timeout"})
}

// TestLogLevels: a logger at Info gets the refusals and the abnormal
// closes, and nothing of the ordinary lifecycle; a server without a
// Logger logs nowhere (no default logger is used).
func TestLogLevels(t *testing.T) {
	rec := logtest.New(slog.LevelInfo)
	e := newEnv(t, envConfig{opts: &session.Options{Logger: rec.Logger()}})
	for _, mode := range eiotest.Modes {
		c := e.dial(t, mode)
		roundTrip(t, c, "x")
		if err := c.Close(wait); err != nil {
			t.Fatal(err)
		}
		e.session(t, c.SID()).waitClosed(t, session.ReasonTransportClose)
	}
	e.do(t, "GET", "?EIO=4&transport=nope", nil, nil)
	if _, err := rec.Wait(wait, "engine.io handshake refused", nil); err != nil {
		t.Fatal(err)
	}
	if all := rec.All(); len(all) != 1 {
		t.Fatalf("records at Info: %v, want the refusal alone", all)
	}

	// The default logger must stay untouched by a server without Logger.
	def := logtest.New(slog.LevelDebug)
	old := slog.Default()
	slog.SetDefault(def.Logger())
	defer slog.SetDefault(old)
	quiet := newEnv(t, envConfig{})
	c := quiet.dial(t, eiotest.ModeWebSocket)
	roundTrip(t, c, "x")
	quiet.do(t, "GET", "?EIO=4&transport=nope", nil, nil)
	_ = quiet.session(t, c.SID()).Close()
	quiet.session(t, c.SID()).waitClosed(t, session.ReasonForcedClose)
	if all := def.All(); len(all) != 0 {
		t.Fatalf("a server without Logger logged to slog's default logger: %v", all)
	}
}

// TestLogBodyTimeout: a polling body that does not arrive in time is a
// broken limit, logged at Warn.
func TestLogBodyTimeout(t *testing.T) {
	rec := logtest.New(slog.LevelDebug)
	e := newEnv(t, envConfig{opts: &session.Options{Logger: rec.Logger(), PollingBodyTimeout: 50 * time.Millisecond}})
	p, ss := e.pollingSession(t)
	conn := stallPost(t, e.base, p.SID)
	defer conn.Close()
	ss.waitClosed(t, session.ReasonTransportError)
	expectLog(t, rec, slog.LevelWarn, "engine.io session closed", map[string]string{"sid": ss.ID()},
		map[string]string{"transport": "polling", "reason": "transport error", "err": "engine.io: polling body not received in time"})
}
