package session_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// A session can close before the OnConnection callback has set its
// OnClose function (Shutdown, a limit): OnClose set afterwards is called
// at once with the reason, and only if no earlier function was called.
func TestOnCloseAfterClose(t *testing.T) {
	type call struct {
		which, reason string
	}
	calls := make(chan call, 4)
	srv := session.NewServer(nil)
	var n atomic.Int32
	srv.OnConnection(func(s *session.Session) {
		first := n.Add(1)%2 == 0 // both orders, alternately
		if first {
			s.OnClose(func(r string, _ error) { calls <- call{"early", r} })
		}
		s.CloseWithReason(session.ReasonTransportError, nil)
		<-s.Done()
		s.OnClose(func(r string, _ error) { calls <- call{"late", r} })
		if first {
			calls <- call{"end", ""}
		}
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, _, _, _ = eiotest.HandshakePolling(ctx, hs.Client(), hs.URL+"/engine.io/")
		cancel()
		c := recvCall(t, calls)
		if c.reason != session.ReasonTransportError {
			t.Fatalf("%s OnClose reason %q", c.which, c.reason)
		}
		if c.which == "early" {
			// The late function must not run: the early one was called.
			if next := recvCall(t, calls); next.which != "end" {
				t.Fatalf("OnClose set after a call was made ran too (%+v)", next)
			}
		} else if c.which != "late" {
			t.Fatalf("unexpected %+v", c)
		}
	}
}

func recvCall[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("OnClose was not called")
		panic("unreachable")
	}
}

// OnConnection adds: every function added runs, in order, for each new
// session (a logger added beside the Socket.IO server's does not replace
// it).
func TestOnConnectionAdds(t *testing.T) {
	srv := session.NewServer(nil)
	order := make(chan string, 4)
	srv.OnConnection(func(*session.Session) { order <- "first" })
	srv.OnConnection(nil) // ignored
	srv.OnConnection(func(*session.Session) { order <- "second" })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, _, _, err := eiotest.HandshakePolling(ctx, hs.Client(), hs.URL+"/engine.io/"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		select {
		case got := <-order:
			if got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("waiting for %q", want)
		}
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), wait)
	defer cancel2()
	if err := srv.Shutdown(ctx2); err != nil {
		t.Fatal(err)
	}
}
