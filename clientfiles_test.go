package socketio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	socketio "github.com/gosio/socketio"
)

// clientPackage is a socket.io-client package as npm installs it (the
// bundles are stand-ins; their contents do not matter).
func clientPackage() fstest.MapFS {
	js := []byte(strings.Repeat("/* socket.io client */ function io(){return 42}\n", 400))
	fsys := fstest.MapFS{
		"package.json": {Data: []byte(`{"name":"socket.io-client","version":"4.8.4"}`)},
		"lib/index.ts": {Data: []byte("secret")},
	}
	for _, name := range []string{"socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.msgpack.min.js"} {
		fsys["dist/"+name] = &fstest.MapFile{Data: append([]byte("// "+name+"\n"), js...)}
		fsys["dist/"+name+".map"] = &fstest.MapFile{Data: []byte(`{"version":3,"file":"` + name + `","mappings":"` + strings.Repeat("AAAA,", 300) + `"}`)}
	}
	return fsys
}

func newClientHandler(t *testing.T, fsys fstest.MapFS, opts *socketio.ClientOptions) *socketio.ClientHandler {
	t.Helper()
	h, err := socketio.NewClientHandler(fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serve(h http.Handler, method, target string, header http.Header) *http.Response {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

func bodyOf(t *testing.T, res *http.Response) []byte {
	t.Helper()
	var r io.Reader = res.Body
	var err error
	switch res.Header.Get("Content-Encoding") {
	case "gzip":
		r, err = gzip.NewReader(r)
	case "deflate":
		r, err = zlib.NewReader(r)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientHandlerFiles: every bundle and map, under any prefix, with
// the reference server's headers; the ETag is the package's version.
func TestClientHandlerFiles(t *testing.T) {
	fsys := clientPackage()
	h := newClientHandler(t, fsys, nil)
	for _, name := range []string{"socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.msgpack.min.js"} {
		for _, file := range []string{name, name + ".map"} {
			for _, prefix := range []string{"/socket.io/", "/", "/app/static/"} {
				res := serve(h, "GET", prefix+file, nil)
				if res.StatusCode != 200 {
					t.Fatalf("GET %s%s: %d", prefix, file, res.StatusCode)
				}
				ct := "application/javascript; charset=utf-8"
				if strings.HasSuffix(file, ".map") {
					ct = "application/json; charset=utf-8"
				}
				for k, v := range map[string]string{"Content-Type": ct, "Cache-Control": "public, max-age=0",
					"Etag": `"4.8.4"`, "Vary": "Accept-Encoding", "Content-Encoding": "",
					"Content-Length": strconv.Itoa(len(fsys["dist/"+file].Data))} {
					if got := res.Header.Get(k); got != v {
						t.Errorf("GET %s%s: %s %q, want %q", prefix, file, k, got, v)
					}
				}
				if got := bodyOf(t, res); !bytes.Equal(got, fsys["dist/"+file].Data) {
					t.Errorf("GET %s%s: body differs from the file", prefix, file)
				}
			}
		}
	}
	if got := h.ETag("socket.io.min.js"); got != `"4.8.4"` {
		t.Errorf("ETag = %q", got)
	}
}

// TestClientHandlerETag: If-None-Match with the ETag (strong, weak, in a
// list, "*") is answered 304 without a body; another one gets the file.
func TestClientHandlerETag(t *testing.T) {
	h := newClientHandler(t, clientPackage(), nil)
	for _, inm := range []string{`"4.8.4"`, `W/"4.8.4"`, `"4.8.3", "4.8.4"`, `*`} {
		for _, method := range []string{"GET", "HEAD"} {
			res := serve(h, method, "/socket.io/socket.io.min.js", http.Header{"If-None-Match": {inm}, "Accept-Encoding": {"gzip"}})
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("%s If-None-Match %s: %d, want 304", method, inm, res.StatusCode)
			}
			if b, _ := io.ReadAll(res.Body); len(b) != 0 || res.Header.Get("Etag") != `"4.8.4"` || res.Header.Get("Content-Encoding") != "" {
				t.Errorf("304: body %d bytes, headers %v", len(b), res.Header)
			}
		}
	}
	for _, inm := range []string{`"4.8.3"`, `4.8.4`, `""`} {
		if res := serve(h, "GET", "/socket.io/socket.io.min.js", http.Header{"If-None-Match": {inm}}); res.StatusCode != 200 {
			t.Errorf("If-None-Match %s: %d, want 200", inm, res.StatusCode)
		}
	}
}

// TestClientHandlerVersion: the ETag is the Version option when set, the
// package.json version otherwise, and a hash of each file's contents when
// the FS is dist/ alone.
func TestClientHandlerVersion(t *testing.T) {
	if got := newClientHandler(t, clientPackage(), &socketio.ClientOptions{Version: "7.0.0"}).ETag("socket.io.js"); got != `"7.0.0"` {
		t.Errorf("with Version: %q", got)
	}
	dist := fstest.MapFS{}
	for name, f := range clientPackage() {
		if rest, ok := strings.CutPrefix(name, "dist/"); ok {
			dist[rest] = f
		}
	}
	h := newClientHandler(t, dist, nil)
	a, b := h.ETag("socket.io.js"), h.ETag("socket.io.min.js")
	if len(a) != 26 || a[0] != '"' || a == b {
		t.Errorf("content hashes %q and %q: want two distinct quoted hashes", a, b)
	}
	if again := newClientHandler(t, dist, nil).ETag("socket.io.js"); again != a {
		t.Errorf("the hash changed between two handlers: %q, %q", a, again)
	}
	if res := serve(h, "GET", "/socket.io.js", http.Header{"If-None-Match": {a}}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the hash: %d", res.StatusCode)
	}
}

// TestClientHandlerCompression: gzip or deflate as Accept-Encoding picks
// (br is not offered), the same bytes once decoded, the compressed form
// made once and reused.
func TestClientHandlerCompression(t *testing.T) {
	fsys := clientPackage()
	raw := fsys["dist/socket.io.js"].Data
	h := newClientHandler(t, fsys, nil)
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"}, {"deflate", "deflate"}, {"gzip, deflate, br, zstd", "gzip"}, {"br, deflate", "deflate"},
		{"gzip;q=0, deflate", "deflate"}, {"*", "gzip"}, {"br", ""}, {"identity", ""}, {"", ""},
	} {
		var hd http.Header
		if tc.accept != "" {
			hd = http.Header{"Accept-Encoding": {tc.accept}}
		}
		var first []byte
		for i := range 2 {
			res := serve(h, "GET", "/socket.io/socket.io.js", hd)
			if got := res.Header.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			}
			wire, _ := io.ReadAll(res.Body)
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(wire)) {
				t.Errorf("Accept-Encoding %q: Content-Length %s for %d bytes", tc.accept, cl, len(wire))
			}
			if tc.want != "" && len(wire) >= len(raw) {
				t.Errorf("Accept-Encoding %q: %d bytes compressed, %d raw", tc.accept, len(wire), len(raw))
			}
			res.Body = io.NopCloser(bytes.NewReader(wire))
			if got := bodyOf(t, res); !bytes.Equal(got, raw) {
				t.Errorf("Accept-Encoding %q: decoded body differs", tc.accept)
			}
			if i == 0 {
				first = wire
			} else if !bytes.Equal(first, wire) {
				t.Errorf("Accept-Encoding %q: a second response differs from the first", tc.accept)
			}
		}
	}
}

// TestClientHandlerHEAD: HEAD has the headers of GET (Content-Length of
// what GET would send) and no body.
func TestClientHandlerHEAD(t *testing.T) {
	h := newClientHandler(t, clientPackage(), nil)
	get := serve(h, "GET", "/socket.io/socket.io.min.js", http.Header{"Accept-Encoding": {"gzip"}})
	head := serve(h, "HEAD", "/socket.io/socket.io.min.js", http.Header{"Accept-Encoding": {"gzip"}})
	if head.StatusCode != 200 {
		t.Fatalf("HEAD: %d", head.StatusCode)
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Etag", "Cache-Control"} {
		if head.Header.Get(k) != get.Header.Get(k) {
			t.Errorf("HEAD %s %q, GET %q", k, head.Header.Get(k), get.Header.Get(k))
		}
	}
	if b, _ := io.ReadAll(head.Body); len(b) != 0 {
		t.Errorf("HEAD body of %d bytes", len(b))
	}
}

// TestClientHandlerOtherPaths: only the eight names are served; nothing
// else of the FS is reachable (other files, directories, traversal), and
// other methods are refused.
func TestClientHandlerOtherPaths(t *testing.T) {
	fsys := clientPackage()
	delete(fsys, "dist/socket.io.esm.min.js") // an older client
	h := newClientHandler(t, fsys, nil)
	for _, target := range []string{
		"/socket.io/", "/", "/socket.io/package.json", "/package.json", "/socket.io/dist", "/socket.io/dist/",
		"/socket.io/lib/index.ts", "/socket.io/..%2fpackage.json", "/socket.io/..%2f..%2flib%2findex.ts",
		"/socket.io/%2e%2e/package.json", "/socket.io/socket.io.js/", "/socket.io/socket.io.js%00",
		"/socket.io/..%5cpackage.json", "/socket.io/socket.io.JS", "/socket.io/socket.io.esm.min.js",
		"/socket.io/socket.io.esm.min.js.map%2f..%2f..%2fpackage.json", "/socket.io/.", "/socket.io/..",
	} {
		res := serve(h, "GET", target, nil)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusNotFound || bytes.Contains(b, []byte("secret")) || bytes.Contains(b, []byte("4.8.4")) {
			t.Errorf("GET %s: %d %q, want 404", target, res.StatusCode, b)
		}
	}
	for _, method := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		res := serve(h, method, "/socket.io/socket.io.js", nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q, want 405 GET, HEAD", method, res.StatusCode, res.Header.Get("Allow"))
		}
	}
}

// TestClientHandlerMiddleware: in front of a handler, the client files
// are answered and everything else (Engine.IO requests, other names,
// other methods) reaches it.
func TestClientHandlerMiddleware(t *testing.T) {
	h := newClientHandler(t, clientPackage(), nil)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mw := h.Middleware(next)
	for target, want := range map[string]int{
		"/socket.io/socket.io.min.js":                  200,
		"/socket.io/socket.io.min.js?EIO=4":            200,
		"/socket.io/?EIO=4&transport=polling":          http.StatusTeapot,
		"/socket.io/package.json":                      http.StatusTeapot,
		"/socket.io/socket.io.min.js.map/":             http.StatusTeapot,
		"/prefix/socket.io/socket.io.msgpack.min.js":   200,
		"/socket.io/socket.io.msgpack.min.js.map?v=42": 200,
	} {
		if res := serve(mw, "GET", target, nil); res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", target, res.StatusCode, want)
		}
	}
	if res := serve(mw, "POST", "/socket.io/socket.io.js", nil); res.StatusCode != http.StatusTeapot {
		t.Errorf("POST: %d, want the next handler's", res.StatusCode)
	}
}

func TestNewClientHandlerErrors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"empty":           {},
		"no client files": {"package.json": {Data: []byte(`{"version":"1"}`)}, "dist/other.js": {Data: []byte("x")}},
		"bad package":     {"package.json": {Data: []byte(`{`)}, "dist/socket.io.js": {Data: []byte("x")}},
		"too large":       {"socket.io.js": {Data: make([]byte, 16<<20+1)}},
	} {
		if _, err := socketio.NewClientHandler(fsys, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
