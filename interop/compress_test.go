package interop

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
)

// pollRecord is what one polling GET carried: the Accept-Encoding asked
// for, and the coding and length of the response body.
type pollRecord struct {
	accept, encoding string
	length           int
}

// pollRecorder records the polls of the handler it wraps. It reads the
// response headers the handler set once it has returned: the
// ResponseWriter is not wrapped.
type pollRecorder struct {
	mu    sync.Mutex
	polls []pollRecord
}

func (p *pollRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method != http.MethodGet || r.URL.Query().Get("transport") != "polling" {
			return
		}
		n, _ := strconv.Atoi(w.Header().Get("Content-Length"))
		p.mu.Lock()
		p.polls = append(p.polls, pollRecord{strings.Join(r.Header.Values("Accept-Encoding"), ", "), w.Header().Get("Content-Encoding"), n})
		p.mu.Unlock()
	})
}

func (p *pollRecorder) all() []pollRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pollRecord(nil), p.polls...)
}

// compressServer emits "big" to every socket that connects, and "raw",
// the same string with Compress(false), when the client asks with "next".
func compressServer(h *sioServer, big string) {
	h.srv.OnConnection(func(s *socketio.Socket) {
		h.track(s)
		s.On("next", func() { _ = s.Compress(false).Emit("raw", big) })
		_ = s.Emit("big", big)
	})
}

// TestSocketIOPollingCompression: socket.io-client 4.8 in Node over
// polling only. With engine.io-client's Fetch transport (Node's fetch
// asks for gzip) the large event comes gzip-compressed and the
// Compress(false) one as it is, and both decode to what was sent. With
// the default Node transport (xmlhttprequest-ssl) no Accept-Encoding is
// sent, so nothing is compressed, and everything still arrives.
func TestSocketIOPollingCompression(t *testing.T) {
	env := requireSIO(t)
	big := string(eiotest.SampleJSON(64 << 10))
	for _, client := range []string{"fetch", "xhr"} {
		t.Run(client, func(t *testing.T) {
			rec := &pollRecorder{}
			h := newSIOServerWrapped(t, "polling", nil, rec.wrap)
			compressServer(h, big)
			res := env.start(t, "compress.js", h.url, "polling", "--client="+client, "--size="+strconv.Itoa(len(big))).result()
			if res.str("transport") != "polling" || int(res.num("bigLength")) != len(big) {
				t.Errorf("result %v", res)
			}
			var gzipped, plainBig int
			for _, p := range rec.all() {
				switch {
				case p.encoding == "gzip" && p.length > 1024 && p.length < len(big)/2:
					gzipped++
				case p.encoding == "" && p.length > len(big):
					plainBig++
				case p.encoding != "":
					t.Errorf("poll %+v", p)
				}
				if client == "xhr" && p.accept != "" {
					t.Errorf("the xhr polyfill sent Accept-Encoding %q", p.accept)
				}
			}
			t.Logf("%s polls: %+v", client, rec.all())
			want := 1
			if client == "xhr" {
				want = 2
			}
			if client == "fetch" && gzipped != 1 {
				t.Errorf("%d gzip responses carrying the large event, want 1", gzipped)
			}
			if plainBig != want {
				t.Errorf("%d uncompressed responses carrying a large event, want %d", plainBig, want)
			}
		})
	}
}
