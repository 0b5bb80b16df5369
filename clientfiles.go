package socketio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/gosio/socketio/internal/httpenc"
)

// clientFileNames are the files the reference server's serveClient
// answers: the browser bundles of socket.io-client and their source maps.
var clientFileNames = []string{
	"socket.io.js", "socket.io.js.map",
	"socket.io.min.js", "socket.io.min.js.map",
	"socket.io.esm.min.js", "socket.io.esm.min.js.map",
	"socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
}

// maxClientFile bounds the size of one client file read by
// NewClientHandler (the 4.8 bundles are under 400 KB).
const maxClientFile = 16 << 20

// ClientOptions configures a ClientHandler. The zero value (or nil) is
// valid.
type ClientOptions struct {
	// Version, when set, makes every file's ETag "<Version>", as the
	// reference server's (which uses its own version, that of the client
	// it bundles). Empty means the "version" of the package.json beside
	// dist/ when the FS is the package's directory, else a hash of each
	// file's contents.
	Version string
}

// ClientHandler serves the browser bundles of socket.io-client, as the
// reference server's serveClient option does: socket.io.js,
// socket.io.min.js, socket.io.esm.min.js and socket.io.msgpack.min.js,
// and their .map files, from a copy of the npm package, so that a page
// can load /socket.io/socket.io.min.js from the server it talks to.
//
// It answers by the last element of the URL path only: the name must be
// exactly one of those eight, anything else is 404 (or, through
// Middleware, goes to the next handler). No other file of the FS is ever
// read or listed, whatever the path holds.
//
// Responses are as the reference server's: Content-Type
// application/javascript or application/json (maps), charset utf-8;
// Cache-Control "public, max-age=0"; an ETag (see ClientOptions.Version),
// and 304 to a request whose If-None-Match holds it; gzip or deflate as
// Accept-Encoding asks (negotiated as the reference server does). Where
// it departs: br is not offered (Go's standard library has no Brotli
// encoder), so a client asking for br and gzip gets gzip; responses carry
// Vary: Accept-Encoding and a Content-Length; a 304 repeats the ETag and
// Cache-Control; If-None-Match may be a list or "*"; methods other than
// GET and HEAD get 405.
//
// The files are read once, by NewClientHandler; each compressed form is
// made once, the first time it is asked for, at the best compression
// level, and kept: the memory is at most three times the files' size.
// A ClientHandler is safe for concurrent use.
type ClientHandler struct {
	files map[string]*clientFile
}

type clientFile struct {
	raw         []byte
	contentType string
	etag        string // quoted

	gzipOnce, deflateOnce sync.Once
	gzip, deflate         []byte // nil: not smaller than raw
}

// NewClientHandler reads the client files from fsys, which is either the
// directory of the socket.io-client package (holding package.json and
// dist/; the ETag is then the package's version) or its dist directory
// itself:
//
//	client, err := socketio.NewClientHandler(os.DirFS("node_modules/socket.io-client"), nil)
//
// Files missing from it are answered 404 (older clients have no ESM or
// msgpack bundle); it fails when none is there, when a file cannot be
// read, or when one is over 16 MiB.
func NewClientHandler(fsys fs.FS, opts *ClientOptions) (*ClientHandler, error) {
	if opts == nil {
		opts = &ClientOptions{}
	}
	dir := "."
	version := opts.Version
	if pkg, err := fs.ReadFile(fsys, "package.json"); err == nil {
		if st, err := fs.Stat(fsys, "dist"); err == nil && st.IsDir() {
			dir = "dist"
		}
		if version == "" {
			var meta struct {
				Version string `json:"version"`
			}
			if err := json.Unmarshal(pkg, &meta); err != nil {
				return nil, fmt.Errorf("socketio: client package.json: %w", err)
			}
			version = meta.Version
		}
	}
	h := &ClientHandler{files: make(map[string]*clientFile)}
	for _, name := range clientFileNames {
		raw, err := readLimited(fsys, path.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("socketio: client file %s: %w", name, err)
		}
		f := &clientFile{raw: raw, contentType: "application/javascript; charset=utf-8"}
		if strings.HasSuffix(name, ".map") {
			f.contentType = "application/json; charset=utf-8"
		}
		if version != "" {
			f.etag = `"` + version + `"`
		} else {
			sum := sha256.Sum256(raw)
			f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		}
		h.files[name] = f
	}
	if len(h.files) == 0 {
		return nil, fmt.Errorf("socketio: no client file (%s, ...) in %s of the FS", clientFileNames[0], dir)
	}
	return h, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxClientFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxClientFile {
		return nil, fmt.Errorf("over %d bytes", maxClientFile)
	}
	return b, nil
}

// ETag returns the ETag of the named file (quoted, as sent), or "" when
// the handler does not serve it.
func (h *ClientHandler) ETag(name string) string {
	if f := h.files[name]; f != nil {
		return f.etag
	}
	return ""
}

// ServeHTTP serves the client file named by the last element of the URL
// path, under any prefix; any other name is 404.
func (h *ClientHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := h.lookup(r)
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	f.serve(w, r)
}

// Middleware serves the client files in front of next, the way the
// reference server answers them under its path before Engine.IO sees the
// request: a GET or HEAD whose last path element names a client file is
// answered here, every other request goes to next. Mounted with the
// Socket.IO server, the bundles are then at /socket.io/socket.io.min.js
// under whatever prefix the server has:
//
//	r.Handle("/socket.io/*", socketio.Chain(io, socketio.CORS(policy), client.Middleware, socketio.CheckOrigin(policy)))
//
// Middleware listed before it applies to the files too (the reference
// server applies its CORS settings to them); what comes after (origin
// checks, authentication) does not.
func (h *ClientHandler) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if f := h.lookup(r); f != nil {
				f.serve(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// lookup returns the file named by the last element of r's path: the text
// after its last "/", taken as it is (no cleaning, so "a/../x" names
// "x" only if it ends so, and "socket.io.js/" names nothing).
func (h *ClientHandler) lookup(r *http.Request) *clientFile {
	p := r.URL.Path
	return h.files[p[strings.LastIndexByte(p, '/')+1:]]
}

func (f *clientFile) serve(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "public, max-age=0")
	hd.Set("ETag", f.etag)
	hd.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Values("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", f.contentType)
	body := f.raw
	if enc := httpenc.Negotiate(strings.Join(r.Header.Values("Accept-Encoding"), ", "), "gzip", "deflate"); enc != "" {
		if b := f.encoded(enc); b != nil {
			body = b
			hd.Set("Content-Encoding", enc)
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// encoded returns the file in coding enc, made on first use, or nil when
// it would not be smaller.
func (f *clientFile) encoded(enc string) []byte {
	once, dst := &f.gzipOnce, &f.gzip
	if enc == "deflate" {
		once, dst = &f.deflateOnce, &f.deflate
	}
	once.Do(func() {
		var buf bytes.Buffer
		var zw io.WriteCloser
		if enc == "deflate" {
			zw, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression) // a valid level
		} else {
			zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
		}
		_, _ = zw.Write(f.raw) // a bytes.Buffer does not fail
		_ = zw.Close()
		if buf.Len() < len(f.raw) {
			*dst = bytes.Clone(buf.Bytes())
		}
	})
	return *dst
}

// etagMatches reports whether an If-None-Match header (its lines) holds
// etag, by the weak comparison RFC 9110 prescribes for it: "*", or an
// entity tag equal to etag with or without W/.
func etagMatches(lines []string, etag string) bool {
	for _, line := range lines {
		for tag := range strings.SplitSeq(line, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}
