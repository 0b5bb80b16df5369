package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request's detached copy is made by its first call, not at the
// handshake (an idle session that nobody asks keeps only net/http's
// request), and every call returns that same copy, even when the first
// calls race.
func TestRequestMadeOnDemand(t *testing.T) {
	srv := NewServer(nil)
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket&x=1", nil)
	r.Header.Set("X-Test", "yes")
	ctx, cancel := context.WithCancel(context.WithValue(r.Context(), ctxKey{}, "v"))
	r = r.WithContext(ctx)
	s := newSession(srv, "sid", r, "websocket", nil)
	if s.req.Load() != nil {
		t.Fatal("the detached copy was made at the handshake")
	}
	cancel() // as net/http does when the handshake request ends

	const n = 8
	got := make([]*http.Request, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = s.Request()
		}()
	}
	wg.Wait()
	req := got[0]
	for i, g := range got {
		if g != req {
			t.Fatalf("call %d returned another request", i)
		}
	}
	if req == r {
		t.Fatal("Request returned net/http's request itself")
	}
	if req.Context().Err() != nil {
		t.Errorf("Request().Context() is done: %v", req.Context().Err())
	}
	if req.Context().Value(ctxKey{}) != "v" {
		t.Error("Request().Context() lost the handshake request's values")
	}
	if req.Body != http.NoBody || req.GetBody != nil {
		t.Error("Request() has a body")
	}
	if req.Header.Get("X-Test") != "yes" || req.URL.Query().Get("x") != "1" || req.Method != http.MethodGet {
		t.Errorf("Request() = %s %s %v, want the handshake request", req.Method, req.URL, req.Header)
	}
	if s.Request() != req {
		t.Error("a later call returned another request")
	}
}

// A handshake request with a body is detached at once, so that the session
// never holds on to the body (and the connection behind it).
func TestRequestWithBodyDetachedAtOnce(t *testing.T) {
	srv := NewServer(nil)
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling", strings.NewReader("body"))
	s := newSession(srv, "sid", r, "polling", nil)
	req := s.req.Load()
	if req == nil || s.hreq != req {
		t.Fatal("a request with a body was not detached at the handshake")
	}
	if req.Body != http.NoBody || s.Request() != req {
		t.Error("the detached request keeps the body, or Request returns another")
	}
}

type ctxKey struct{}
