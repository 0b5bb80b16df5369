// Package transports holds the Engine.IO transports: the HTTP long-polling
// request/response mechanics and the WebSocket framing. It knows nothing of
// sessions; the session package pairs requests with sessions and decides
// what to send.
package transports

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gosio/socketio/codec"
)

// Transport names as they appear in the "transport" query parameter.
const (
	NamePolling   = "polling"
	NameWebSocket = "websocket"
)

// ErrBodyTooLarge reports a POST body over the configured limit.
var ErrBodyTooLarge = errors.New("transports: polling body over MaxPayload")

// ErrBinaryBody reports a POST with an application/octet-stream body, which
// Engine.IO v4 never sends (binary travels base64 in text payloads).
var ErrBinaryBody = errors.New("transports: binary polling body")

// ReadPayload reads a polling POST body of at most max bytes (max <= 0
// means no limit). It fails early on a declared Content-Length over the
// limit and never buffers more than max+1 bytes.
func ReadPayload(r *http.Request, max int64) ([]byte, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream") {
		return nil, ErrBinaryBody
	}
	if max > 0 && r.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	var body io.Reader = r.Body
	if max > 0 && max+1 > 0 { // max+1 overflows for MaxInt64, which needs no limit anyway
		body = io.LimitReader(r.Body, max+1)
	}
	size := 512
	if r.ContentLength > 0 && r.ContentLength < 1<<20 { // trust a declared length only so far
		size = int(r.ContentLength) + 1 // +1 so ReadAll sees EOF without growing
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
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// WritePayload answers a polling GET with the payload of pkts.
func WritePayload(w http.ResponseWriter, pkts []codec.Packet) error {
	body := codec.AppendPayload(make([]byte, 0, codec.PayloadLen(pkts)), pkts)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// WriteOK answers an accepted polling POST.
func WriteOK(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}
