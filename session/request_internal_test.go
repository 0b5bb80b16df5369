package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
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
	if s.hreq.full != nil {
		t.Fatal("a plain GET was kept whole, not packed")
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
	if req == nil || s.hreq != nil {
		t.Fatal("a request with a body was not detached at the handshake")
	}
	if req.Body != http.NoBody || s.Request() != req {
		t.Error("the detached request keeps the body, or Request returns another")
	}
}

type ctxKey struct{}

// A packed handshake request comes back from Request equal to what
// net/http handed the handler, field by field; PathValue too.
func TestRequestPackedEqual(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://example.com/engine.io/?EIO=4&transport=websocket&b=%20x", nil)
	r.Header = http.Header{
		"Accept-Language": {"en", "fr"},
		"Cookie":          {"a=1", "b=2"},
		"User-Agent":      {strings.Repeat("u", 300)},
		"non-canonical":   {"kept as set"},
		"Empty-Value":     {""},
	}
	r.Close = true
	r.Pattern = "GET /engine.io/"
	h := newHandshakeRequest(r)
	if h.full != nil {
		t.Fatal("not packed")
	}
	if h.url != nil {
		t.Error("the URL was kept, though it is what the request URI parses to")
	}
	got := h.request()
	want := detachRequest(r)
	if !reflect.DeepEqual(got.Header, want.Header) {
		t.Errorf("Header = %v, want %v", got.Header, want.Header)
	}
	if *got.URL != *want.URL {
		t.Errorf("URL = %#v, want %#v", got.URL, want.URL)
	}
	if got.Method != want.Method || got.Proto != want.Proto || got.ProtoMajor != want.ProtoMajor ||
		got.ProtoMinor != want.ProtoMinor || got.Close != want.Close || got.Host != want.Host ||
		got.RemoteAddr != want.RemoteAddr || got.RequestURI != want.RequestURI || got.TLS != want.TLS ||
		got.Pattern != want.Pattern || got.Body != http.NoBody || got.ContentLength != 0 {
		t.Errorf("request = %+v\nwant %+v", got, want)
	}
	if got.TLS == nil {
		t.Error("the https request lost its TLS state")
	}
	if got.Context().Err() != nil {
		t.Error("the context is done")
	}
}

// Requests holding what does not pack are kept whole: a URL a middleware
// rewrote, a parsed form, path values, a key without values.
func TestRequestUnpackableKeptWhole(t *testing.T) {
	base := func() *http.Request {
		return httptest.NewRequest(http.MethodGet, "/prefix/engine.io/?EIO=4&transport=polling", nil)
	}
	tests := map[string]func(*http.Request) *http.Request{
		"rewritten URL": func(r *http.Request) *http.Request {
			var out *http.Request
			http.StripPrefix("/prefix", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { out = r })).ServeHTTP(httptest.NewRecorder(), r)
			return out
		},
		"form":          func(r *http.Request) *http.Request { _ = r.ParseForm(); return r },
		"path value":    func(r *http.Request) *http.Request { r.SetPathValue("tenant", "t1"); return r },
		"no values":     func(r *http.Request) *http.Request { r.Header["X-Empty"] = []string{}; return r },
		"mux wildcards": muxMatched,
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			r := mod(base())
			h := newHandshakeRequest(r)
			if name == "rewritten URL" {
				// Packed, but with the URL as the middleware left it.
				if h.full != nil || h.url != r.URL {
					t.Fatalf("full %v, URL kept %v; want packed with the rewritten URL", h.full != nil, h.url == r.URL)
				}
			} else if h.full != r {
				t.Fatal("packed; want the request kept whole")
			}
			got := h.request()
			if got.URL.Path != r.URL.Path || got.PathValue("tenant") != r.PathValue("tenant") {
				t.Errorf("Request() = %s, PathValue %q; want %s, %q", got.URL, got.PathValue("tenant"), r.URL, r.PathValue("tenant"))
			}
		})
	}
}

// muxMatched returns the request a ServeMux hands a handler registered
// with a wildcard pattern.
func muxMatched(r *http.Request) *http.Request {
	var out *http.Request
	mux := http.NewServeMux()
	mux.HandleFunc("/prefix/{tenant}/", func(_ http.ResponseWriter, r *http.Request) { out = r })
	mux.ServeHTTP(httptest.NewRecorder(), r)
	return out
}

// packHeader and unpackHeader round-trip any header without an empty key
// list.
func FuzzPackHeader(f *testing.F) {
	f.Add("Accept", "a\x00b", "Cookie", "")
	f.Add("", "", "x", strings.Repeat("v", 200))
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := http.Header{k1: {v1, v2}, k2: {v2}}
		p, ok := packHeader(h)
		if !ok {
			t.Fatal("not packed")
		}
		if got := unpackHeader(p); !reflect.DeepEqual(got, h) {
			t.Fatalf("unpacked %q, want %q", got, h)
		}
	})
}

// The pack is one allocation of its exact size: an idle session keeps no
// slack.
func TestPackHeaderOneExactAllocation(t *testing.T) {
	h := http.Header{"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "User-Agent": {strings.Repeat("u", 200)}, "Cookie": {"a=1", "b=2"}}
	var p string
	allocs := testing.AllocsPerRun(100, func() { p, _ = packHeader(h) })
	if allocs != 1 {
		t.Errorf("packHeader allocates %v times, want 1", allocs)
	}
	b := []byte(p)
	want := 0
	for k, vs := range h {
		want += len(k) + 2
		for _, v := range vs {
			want += len(v) + uvarintLen(len(v))
		}
	}
	want += 2
	if len(b) != want {
		t.Errorf("pack of %d bytes, want %d", len(b), want)
	}
}
