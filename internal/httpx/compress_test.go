package httpx

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
)

func compressed(t *testing.T, c *Compression, accept string, pkts []codec.Packet) (enc string, body []byte) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if accept != "" {
		r.Header.Set("Accept-Encoding", accept)
	}
	rec := httptest.NewRecorder()
	if err := WritePayload(rec, r, pkts, c); err != nil {
		t.Fatal(err)
	}
	enc = rec.Header().Get("Content-Encoding")
	var rd io.Reader = rec.Body
	var err error
	switch enc {
	case "gzip":
		rd, err = gzip.NewReader(rd)
	case "deflate":
		rd, err = zlib.NewReader(rd)
	}
	if err != nil {
		t.Fatal(err)
	}
	if body, err = io.ReadAll(rd); err != nil {
		t.Fatal(err)
	}
	return enc, body
}

var bigPkts = []codec.Packet{{Type: codec.PacketMessage, Data: []byte(strings.Repeat(`{"a":1},`, 500))}}

func TestCompressionNil(t *testing.T) {
	if enc, body := compressed(t, nil, "gzip", bigPkts); enc != "" || string(body) != "4"+string(bigPkts[0].Data) {
		t.Errorf("nil Compression: %q, %d bytes", enc, len(body))
	}
}

// A poll that finds every compression slot busy is answered as it is,
// at once, rather than waiting for another session's compression.
func TestCompressionBusySendsPlain(t *testing.T) {
	c, err := NewCompression(1024, 6)
	if err != nil {
		t.Fatal(err)
	}
	for range cap(c.slots) {
		c.slots <- struct{}{}
	}
	if enc, _ := compressed(t, c, "gzip", bigPkts); enc != "" {
		t.Errorf("all slots busy: Content-Encoding %q, want none", enc)
	}
	<-c.slots
	if enc, _ := compressed(t, c, "gzip", bigPkts); enc != "gzip" {
		t.Errorf("a slot free: Content-Encoding %q, want gzip", enc)
	}
}

// Pooled compressors are reset between responses: many concurrent polls
// in both codings each get their own body back (run with -race).
func TestCompressionConcurrent(t *testing.T) {
	c, err := NewCompression(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				data := bytes.Repeat([]byte{byte('a' + i)}, 100+j*97)
				pkts := []codec.Packet{{Type: codec.PacketMessage, Data: data}}
				accept := []string{"gzip", "deflate"}[(i+j)%2]
				enc, body := compressed(t, c, accept, pkts)
				if enc != "" && enc != accept {
					t.Errorf("Content-Encoding %q, asked %q", enc, accept)
				}
				if string(body) != "4"+string(data) {
					t.Errorf("goroutine %d poll %d: body of %d bytes, want %d", i, j, len(body), len(data)+1)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNewCompressionLevel(t *testing.T) {
	for _, l := range []int{-1, 1, 6, 9} {
		if _, err := NewCompression(0, l); err != nil {
			t.Errorf("level %d: %v", l, err)
		}
	}
	for _, l := range []int{-2, 0, 10} {
		if _, err := NewCompression(0, l); err == nil {
			t.Errorf("level %d accepted", l)
		}
	}
}

// BenchmarkPollingCompression: one poll answering a 4 KiB JSON message
// (eiotest.SampleJSON), compressed (gzip or deflate at level 6, gzip at
// level 1) or not: the server's work to encode and write the response.
// cpu-ns/op is the process's CPU time per response (user and system,
// garbage collection included), which other load on the machine does not
// inflate as it does ns/op; wire-B/op is the body's size.
//
//	go test -run='^$' -bench=PollingCompression -count=3 ./internal/httpx/
func BenchmarkPollingCompression(b *testing.B) {
	msg := eiotest.SampleJSON(4096)
	pkts := []codec.Packet{{Type: codec.PacketMessage, Data: msg[1:]}} // the Engine.IO "4" is the payload's
	b.Logf("message: %d bytes", len(msg))
	c, err := NewCompression(1024, -1)
	if err != nil {
		b.Fatal(err)
	}
	fast, err := NewCompression(1024, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		c      *Compression
		accept string
	}{{"plain", nil, ""}, {"gzip", c, "gzip"}, {"deflate", c, "deflate"}, {"gzip-level1", fast, "gzip"}} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			if bc.accept != "" {
				r.Header.Set("Accept-Encoding", bc.accept)
			}
			w := &countingWriter{h: make(map[string][]string)}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				w.n = 0
				if err := WritePayload(w, r, pkts, bc.c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(w.n), "wire-B/op")
		})
	}
}

// countingWriter is a ResponseWriter that counts the body's bytes.
type countingWriter struct {
	h map[string][]string
	n int
}

func (w *countingWriter) Header() http.Header         { return w.h }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
