package socketio

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// A socket's Handshake is made by its first Handshake call, not when the
// socket connects (an idle socket that nobody asks keeps none), and every
// call returns that same Handshake, even when the first calls race. It
// says what an eager one would have: the handshake request's query and
// headers, the CONNECT payload and the creation time.
func TestHandshakeMadeOnDemand(t *testing.T) {
	srv := NewServer(&Options{ErrorHandler: func(err error) { t.Logf("reported: %v", err) }})
	type seen struct {
		s         *Socket
		madeEarly bool
	}
	socks := make(chan seen, 1)
	srv.OnConnection(func(s *Socket) { socks <- seen{s, s.handshake.Load() != nil} })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := time.Now()
	c, err := siotest.Dial(ctx, ts.URL+"/socket.io/?room=a", eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if _, err := c.Connect("/", `{"token":"abc"}`, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	var got seen
	select {
	case got = <-socks:
	case <-time.After(10 * time.Second):
		t.Fatal("no socket")
	}
	if got.madeEarly {
		t.Fatal("the Handshake was made before anyone asked for it")
	}
	s := got.s

	const n = 8
	hs := make([]*Handshake, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hs[i] = s.Handshake()
		}()
	}
	wg.Wait()
	h := hs[0]
	for i, x := range hs {
		if x != h {
			t.Fatalf("call %d returned another Handshake", i)
		}
	}
	if h.Query.Get("room") != "a" || h.Query.Get("EIO") != "4" {
		t.Errorf("Query = %v", h.Query)
	}
	if h.Headers.Get("Sec-WebSocket-Key") == "" || h.host == "" {
		t.Errorf("Headers = %v, host %q: want the handshake request's", h.Headers, h.host)
	}
	if h.Auth["token"] != "abc" {
		t.Errorf("Auth = %v", h.Auth)
	}
	var auth struct{ Token string }
	if err := h.DecodeAuth(&auth); err != nil || auth.Token != "abc" {
		t.Errorf("DecodeAuth = %+v, %v", auth, err)
	}
	if h.Issued < before.UnixMilli() || h.Issued > after.UnixMilli() {
		t.Errorf("Issued %d, want between %d and %d", h.Issued, before.UnixMilli(), after.UnixMilli())
	}
	if want := jsDateString(time.UnixMilli(h.Issued)); h.Time != want {
		t.Errorf("Time %q, want %q (Issued's)", h.Time, want)
	}
	if s.Handshake() != h {
		t.Error("a later call returned another Handshake")
	}
}
