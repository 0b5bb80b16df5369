package socketio_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/logtest"
	"github.com/gosio/socketio/internal/siotest"
)

// Options.Logger: the socket lifecycle and refused CONNECTs, each logged
// once at its level with its attributes, the Engine.IO events through the
// same logger, and the ErrorHandler's errors when there is no
// ErrorHandler.

// expectRecord waits for the one record msg whose attributes include
// match, and checks its level and that its attributes are exactly want
// (match included); a want value "*" stands for any non-empty value.
func expectRecord(tb testing.TB, rec *logtest.Recorder, level slog.Level, msg string, match, want map[string]string) {
	tb.Helper()
	r, err := rec.Wait(sioWait, msg, match)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range match {
		want[k] = v
	}
	if r.Level != level || len(r.Attrs) != len(want) {
		tb.Fatalf("%s: want level %s and attributes %v", r, level, want)
	}
	for k, v := range want {
		if got := r.Attrs[k]; got == "" || (v != "*" && got != v) {
			tb.Fatalf("%s: attribute %s, want %q", r, k, v)
		}
	}
	if n := len(rec.Match(msg, match)); n != 1 {
		tb.Fatalf("%q %v logged %d times, want once", msg, match, n)
	}
}

func TestLogSockets(t *testing.T) {
	rec := logtest.New(slog.LevelDebug)
	e := newEnv(t, &socketio.Options{Logger: rec.Logger()}, func(srv *socketio.Server) {
		srv.Of("/private").Use(func(*socketio.Socket) error { return errors.New("members only") })
	})
	c, id := e.connect("/")
	sid := c.EIO.SID()
	expectRecord(t, rec, slog.LevelDebug, "engine.io session opened", map[string]string{"sid": sid},
		map[string]string{"transport": "websocket", "protocol": "4", "remote": "*"})
	expectRecord(t, rec, slog.LevelDebug, "socket.io socket connected", map[string]string{"socket": id},
		map[string]string{"sid": sid, "nsp": "/"})

	var ce *siotest.ConnectErr
	if _, err := c.Connect("/private", "", sioWait); !errors.As(err, &ce) {
		t.Fatalf("CONNECT /private: %v", err)
	}
	expectRecord(t, rec, slog.LevelInfo, "socket.io connect refused", map[string]string{"nsp": "/private"},
		map[string]string{"sid": sid, "reason": "middleware", "err": "members only"})
	if _, err := c.Connect("/nope", "", sioWait); !errors.As(err, &ce) {
		t.Fatalf("CONNECT /nope: %v", err)
	}
	expectRecord(t, rec, slog.LevelInfo, "socket.io connect refused", map[string]string{"nsp": "/nope"},
		map[string]string{"sid": sid, "reason": "invalid_namespace"})

	send(t, c, "1")
	expectRecord(t, rec, slog.LevelDebug, "socket.io socket disconnected", map[string]string{"socket": id},
		map[string]string{"sid": sid, "nsp": "/", "reason": socketio.ReasonClientNamespaceDisconnect})
	send(t, c, "9") // not a Socket.IO packet
	expectRecord(t, rec, slog.LevelWarn, "engine.io session closed", map[string]string{"sid": sid},
		map[string]string{"transport": "websocket", "reason": "parse error", "err": "*"})
	for _, r := range rec.All() {
		if r.Level >= slog.LevelError {
			t.Errorf("unexpected record %s", r)
		}
	}
}

// TestLogEngineLogger: Engine.Logger, when set, takes the Engine.IO events;
// Options.Logger keeps the Socket.IO ones.
func TestLogEngineLogger(t *testing.T) {
	sio, eio := logtest.New(slog.LevelDebug), logtest.New(slog.LevelDebug)
	e := newEnv(t, &socketio.Options{Logger: sio.Logger(), Engine: socketio.EngineOptions{Logger: eio.Logger()}}, nil)
	c, id := e.connect("/")
	if _, err := eio.Wait(sioWait, "engine.io session opened", map[string]string{"sid": c.EIO.SID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := sio.Wait(sioWait, "socket.io socket connected", map[string]string{"socket": id}); err != nil {
		t.Fatal(err)
	}
	for _, r := range sio.All() {
		if strings.HasPrefix(r.Msg, "engine.io") {
			t.Errorf("Options.Logger got %s", r)
		}
	}
	for _, r := range eio.All() {
		if strings.HasPrefix(r.Msg, "socket.io") {
			t.Errorf("Engine.Logger got %s", r)
		}
	}
}

// TestLogErrorHandler: with a Logger and no ErrorHandler, the errors that
// have no caller (a handler's panic here) are logged at Error.
func TestLogErrorHandler(t *testing.T) {
	rec := logtest.New(slog.LevelInfo)
	srv := socketio.NewServer(&socketio.Options{Logger: rec.Logger()})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("boom", func() { panic("kaboom") })
	})
	ts := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	c, err := siotest.Dial(ctx, ts.URL+"/socket.io/", eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	mustConnect(t, c, "/", "")
	send(t, c, `2["boom"]`)
	r, err := rec.Wait(sioWait, "socket.io error", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Level != slog.LevelError || !strings.Contains(r.Attrs["err"], "kaboom") || len(r.Attrs) != 1 {
		t.Fatalf("%s: want an Error record with the panic in err", r)
	}
}

// TestLogInputLimit: a connection closed for a Socket.IO input limit
// (MaxBufferedInput here) is logged at Warn by the Engine.IO layer.
func TestLogInputLimit(t *testing.T) {
	rec := logtest.New(slog.LevelDebug)
	e := newEnv(t, &socketio.Options{Logger: rec.Logger(), MaxBufferedInput: 16}, nil)
	c, _ := e.connect("/")
	send(t, c, `2["a long enough event"]`)
	expectRecord(t, rec, slog.LevelWarn, "engine.io session closed", map[string]string{"sid": c.EIO.SID()},
		map[string]string{"transport": "websocket", "reason": socketio.ReasonTransportError, "err": "*"})
}
