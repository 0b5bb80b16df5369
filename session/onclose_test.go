package session_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// A session can close before the OnConnection callback has added its
// OnClose functions (Shutdown, a limit): one added afterwards is called at
// once with the reason, once the session has left the server, and one
// added before is called too, each exactly once.
func TestOnCloseAfterClose(t *testing.T) {
	type call struct {
		which, reason string
	}
	calls := make(chan call, 8)
	srv := session.NewServer(nil)
	var n atomic.Int32
	srv.OnConnection(func(s *session.Session) {
		early := n.Add(1)%2 == 0 // with and without an earlier function, alternately
		if early {
			s.OnClose(func(r string, _ error) { calls <- call{"early", r} })
		}
		s.CloseWithReason(session.ReasonTransportError, nil)
		<-s.Done()
		s.OnClose(func(r string, _ error) {
			if srv.Session(s.ID()) != nil {
				r = "still registered with the server"
			}
			calls <- call{"late", r}
		})
		calls <- call{"end", ""}
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for i := range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, _, _, _ = eiotest.HandshakePolling(ctx, hs.Client(), hs.URL+"/engine.io/")
		cancel()
		got := map[string]int{}
		for {
			c := recvCall(t, calls)
			if c.which == "end" {
				break
			}
			if c.reason != session.ReasonTransportError {
				t.Fatalf("%s OnClose reason %q", c.which, c.reason)
			}
			got[c.which]++
		}
		want := map[string]int{"late": 1}
		if (i+1)%2 == 0 {
			want["early"] = 1
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("session %d: OnClose calls %v, want %v", i, got, want)
		}
	}
}

// OnClose adds: every function added runs once, in order, when the session
// closes; a nil function is ignored.
func TestOnCloseAdds(t *testing.T) {
	calls := make(chan string, 8)
	srv := session.NewServer(nil)
	srv.OnConnection(func(s *session.Session) {
		s.OnClose(func(r string, _ error) { calls <- "first " + r })
		s.OnClose(nil)
		s.OnClose(func(r string, _ error) { calls <- "second " + r })
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := eiotest.Dial(context.Background(), eiotest.Config{Base: hs.URL + "/engine.io/", HTTP: hs.Client()}, eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(wait); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first transport close", "second transport close"} {
		if got := recvCall(t, calls); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	// Nothing runs twice: shutting the server down (which would close a
	// session still open) calls nothing more.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case extra := <-calls:
		t.Fatalf("OnClose ran again: %q", extra)
	default:
	}
}

// OnMessage adds: every function added sees every message, in order, and
// owns its bytes. The first one here overwrites and appends to its data
// (on a polling payload, the next packet shares the array); the second
// still sees what the client sent. Over every transport mode, text and
// binary.
func TestOnMessageAdds(t *testing.T) {
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			type msg struct {
				which, data string
				binary      bool
			}
			msgs := make(chan msg, 16)
			srv := session.NewServer(nil)
			srv.OnConnection(func(s *session.Session) {
				s.OnMessage(func(data []byte, binary bool) {
					msgs <- msg{"first", string(data), binary}
					_ = append(data, "XXXXXXXX"...) // must not reach the next packet
					clear(data)                     // nor the second callback
				})
				s.OnMessage(nil)
				s.OnMessage(func(data []byte, binary bool) { msgs <- msg{"second", string(data), binary} })
			})
			hs := httptest.NewServer(srv)
			defer hs.Close()
			c, err := eiotest.Dial(context.Background(), eiotest.Config{Base: hs.URL + "/engine.io/", HTTP: hs.Client()}, mode)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Stop()
			sent := []eiotest.Packet{eiotest.Msg("one"), eiotest.Bin([]byte{1, 2, 3}), eiotest.Msg("two"), eiotest.Msg("")}
			if err := c.Send(sent...); err != nil { // one POST on polling
				t.Fatal(err)
			}
			for _, p := range sent {
				for _, which := range []string{"first", "second"} {
					want := msg{which, string(p.Data), p.Binary}
					if got := recvCall(t, msgs); got != want {
						t.Fatalf("got %+v, want %+v", got, want)
					}
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		})
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
