package httpx

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/httpenc"
)

// Compression compresses polling responses with gzip or deflate, as the
// reference server's httpCompression option: a body is compressed when it
// is at least the threshold, at least one of its packets lets it
// (codec.Packet.NoCompress is false) and the request's Accept-Encoding
// accepts one of the two codings (negotiated as the reference does:
// httpenc.Negotiate). The response then carries Content-Encoding and the
// Content-Length of the compressed body.
//
// Compressors (some 800 KiB each) come from pools and go back after each
// response, so an idle session holds none. At most a few compressions run
// at once (four, or one per processor if more): a response that finds them
// all busy is sent uncompressed rather than waiting, so compression never
// makes a response wait for another session's, and the memory it takes
// is bounded whatever the number of sessions.
//
// A nil *Compression never compresses. Its methods are safe for
// concurrent use.
type Compression struct {
	threshold int
	level     int
	slots     chan struct{}
	gzip      sync.Pool // *gzip.Writer
	zlib      sync.Pool // *zlib.Writer
	bufs      sync.Pool // *bytes.Buffer
}

// NewCompression returns a Compression of bodies of at least threshold
// bytes (0: every body) at level (1 to 9, or gzip.DefaultCompression:
// zlib's default, 6, which the reference server uses).
func NewCompression(threshold, level int) (*Compression, error) {
	if level != gzip.DefaultCompression && (level < gzip.BestSpeed || level > gzip.BestCompression) {
		return nil, fmt.Errorf("httpx: compression level %d: want 1 to 9", level)
	}
	c := &Compression{threshold: max(threshold, 0), level: level,
		slots: make(chan struct{}, max(4, runtime.GOMAXPROCS(0)))}
	return c, nil
}

// maxPooledBuf bounds the output buffers kept for reuse: a rare large
// response does not pin its buffer.
const maxPooledBuf = 64 << 10

// encoding returns the coding to send a body of n bytes made of pkts in,
// for request r, or "" to send it as it is.
func (c *Compression) encoding(r *http.Request, n int, pkts []codec.Packet) string {
	if c == nil || n < c.threshold || !wantsCompression(pkts) {
		return ""
	}
	// Node reads repeated header lines joined by ", ".
	return httpenc.Negotiate(strings.Join(r.Header.Values("Accept-Encoding"), ", "), "gzip", "deflate")
}

// wantsCompression reports whether a packet lets the response be
// compressed (as the reference server's send: any packet with its
// compress option).
func wantsCompression(pkts []codec.Packet) bool {
	for i := range pkts {
		if !pkts[i].NoCompress {
			return true
		}
	}
	return false
}

// compress returns body compressed with enc in a pooled buffer the caller
// gives back with release, or nil when every compression slot is busy.
func (c *Compression) compress(body []byte, enc string) *bytes.Buffer {
	select {
	case c.slots <- struct{}{}:
	default:
		return nil
	}
	defer func() { <-c.slots }()
	buf, _ := c.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	pool := &c.gzip
	if enc == "deflate" {
		pool = &c.zlib
	}
	zw, ok := pool.Get().(resetWriter)
	if ok {
		zw.Reset(buf)
	} else if enc == "deflate" {
		zw, _ = zlib.NewWriterLevel(buf, c.level) // the level was checked
	} else {
		zw, _ = gzip.NewWriterLevel(buf, c.level)
	}
	// Writing to a bytes.Buffer cannot fail.
	_, _ = zw.Write(body)
	_ = zw.Close()
	// The writer keeps pointing at buf until its next Reset, which is
	// harmless; resetting it here would clear its tables twice per use.
	pool.Put(zw)
	return buf
}

// resetWriter is what *gzip.Writer and *zlib.Writer have in common.
type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

func (c *Compression) release(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuf {
		c.bufs.Put(buf)
	}
}

// writeBody answers a poll with body, compressed when c allows it.
func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte, pkts []codec.Packet, c *Compression) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if enc := c.encoding(r, len(body), pkts); enc != "" {
		if buf := c.compress(body, enc); buf != nil {
			defer c.release(buf)
			body = buf.Bytes()
			h.Set("Content-Encoding", enc)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}
