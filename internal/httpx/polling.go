// Package httpx holds the HTTP side of Engine.IO long-polling: reading a
// POST body within a size limit and a deadline, answering a poll with a
// payload (v4, and v3 text, binary or JSONP), compressed when the client
// accepts it (Compression), and answering an accepted POST. It knows
// nothing of sessions: the session package pairs requests with sessions
// and decides what to send. It is internal: only the session package
// answers polling requests.
package httpx

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/wire"
)

// ErrBodyTooLarge reports a POST body over the configured limit.
var ErrBodyTooLarge = errors.New("engine.io: polling body over MaxPayload")

// ErrBinaryBody reports a POST with an application/octet-stream body, which
// Engine.IO v4 never sends (binary travels base64 in text payloads).
var ErrBinaryBody = errors.New("engine.io: binary polling body")

// ErrBodyTimeout reports a POST body that did not arrive within the time
// given to ReadPayloadWithin.
var ErrBodyTimeout = errors.New("engine.io: polling body not received in time")

// firstBodyBuf is the buffer a body starts with when its declared length
// is larger: memory follows the bytes that arrive, not what a client
// declares (1,000 POSTs declaring 1 MiB and sending 1 byte must not pin
// 1 GiB).
const firstBodyBuf = 4 << 10

// ReadPayload reads a polling POST body of at most max bytes (max <= 0
// means no limit). It fails early on a declared Content-Length over the
// limit and never buffers more than max+1 bytes. The buffer is sized by a
// declared length up to 4 KiB; past that it starts at 4 KiB and doubles
// as it fills (up to the declared length), so a body that stalls holds at
// most twice what it delivered, and never less than 4 KiB.
func ReadPayload(r *http.Request, max int64) ([]byte, error) {
	if IsBinaryBody(r) {
		return nil, ErrBinaryBody
	}
	return readBody(r, max)
}

// IsBinaryBody reports whether a POST declares an application/octet-stream
// body: an Engine.IO v3 binary payload.
func IsBinaryBody(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream")
}

func readBody(r *http.Request, max int64) ([]byte, error) {
	if max > 0 && r.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	var body io.Reader = r.Body
	if max > 0 && max+1 > 0 { // max+1 overflows for MaxInt64, which needs no limit anyway
		body = io.LimitReader(r.Body, max+1)
	}
	// want is the most the buffer may ever need: the declared length
	// (+1 so that reading sees EOF without growing), within the limit.
	want := int64(-1)
	if r.ContentLength >= 0 {
		want = r.ContentLength + 1
	}
	if max > 0 && max+1 > 0 && (want < 0 || want > max+1) {
		want = max + 1
	}
	size := firstBodyBuf
	if want >= 0 && want < firstBodyBuf {
		size = int(want)
	}
	buf := make([]byte, 0, size)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if max > 0 && int64(len(buf)) > max {
			return nil, ErrBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			next := int64(cap(buf)) * 2
			if want > int64(cap(buf)) && next > want {
				next = want
			}
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			buf = nb
		}
	}
}

// ReadPayloadWithin is ReadPayload with a deadline: the whole body must
// arrive within d (d <= 0: no deadline), else it fails with
// ErrBodyTimeout. The deadline is set on the connection through
// http.ResponseController (net/http's HTTP/1 and HTTP/2 servers, and any
// wrapper with an Unwrap method) and removed afterwards, so a kept-alive
// connection is not affected; the caller should still answer with
// Connection: close, the stream being left mid-body. Where the writer
// cannot set a deadline, the body is closed when d passes: that ends the
// read of an HTTP/2 body, but net/http's HTTP/1 body lets Close wait for
// the pending read, so there only http.Server.ReadTimeout bounds it.
func ReadPayloadWithin(w http.ResponseWriter, r *http.Request, max int64, d time.Duration) ([]byte, error) {
	if IsBinaryBody(r) {
		return nil, ErrBinaryBody
	}
	return ReadBodyWithin(w, r, max, d)
}

// ReadBodyWithin is ReadPayloadWithin for any content type (an Engine.IO
// v3 client may post a binary payload; IsBinaryBody tells which).
func ReadBodyWithin(w http.ResponseWriter, r *http.Request, max int64, d time.Duration) ([]byte, error) {
	if d <= 0 {
		return readBody(r, max)
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	if err := rc.SetReadDeadline(deadline); err == nil {
		defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
		body, err := readBody(r, max)
		if err != nil && isTimeout(err) {
			return nil, ErrBodyTimeout
		}
		return body, err
	}
	var expired atomic.Bool
	t := time.AfterFunc(d, func() {
		expired.Store(true)
		_ = r.Body.Close()
	})
	body, err := readBody(r, max)
	t.Stop()
	if err != nil && (expired.Load() || isTimeout(err)) {
		return nil, ErrBodyTimeout
	}
	return body, err
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// WritePayload answers a polling GET r with the payload of pkts,
// compressed when c allows it (nil: never).
func WritePayload(w http.ResponseWriter, r *http.Request, pkts []codec.Packet, c *Compression) error {
	body := codec.AppendPayload(make([]byte, 0, codec.PayloadLen(pkts)), pkts)
	return writeBody(w, r, "text/plain; charset=UTF-8", body, pkts, c)
}

// WritePayloadV3 answers an Engine.IO v3 polling GET: a binary payload
// (application/octet-stream) when binaryOK and a packet is binary, else a
// text payload with binary messages in base64. Either is compressed when
// c allows it, as the reference server does.
func WritePayloadV3(w http.ResponseWriter, r *http.Request, pkts []codec.Packet, binaryOK bool, c *Compression) error {
	if binaryOK && wire.HasBinary(pkts) {
		body := wire.AppendBinaryPayloadV3(make([]byte, 0, wire.BinaryPayloadLenV3(pkts)), pkts)
		return writeBody(w, r, "application/octet-stream", body, pkts, c)
	}
	body := wire.AppendPayloadV3(make([]byte, 0, wire.PayloadLenV3(pkts)), pkts)
	return writeBody(w, r, "text/plain; charset=UTF-8", body, pkts, c)
}

// WriteJSONP answers a JSONP poll (Engine.IO v3): a script calling
// ___eio[index] with the v3 text payload of pkts. As the reference server
// does, it is served as text/plain, and compressed when c allows it.
func WriteJSONP(w http.ResponseWriter, r *http.Request, pkts []codec.Packet, index string, c *Compression) error {
	payload := wire.AppendPayloadV3(make([]byte, 0, wire.PayloadLenV3(pkts)), pkts)
	body := wire.AppendJSONP(make([]byte, 0, len(payload)+len(payload)/8+len(index)+16), index, payload)
	return writeBody(w, r, "text/plain; charset=UTF-8", body, pkts, c)
}

// WriteOK answers an accepted polling POST.
func WriteOK(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}
