package transports

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
)

// The opening handshake (RFC 6455 §4.2.2) is ours too: gorilla's Upgrader
// cannot be told which Sec-WebSocket-Extensions to answer (it refuses an
// application-supplied one), and its own permessage-deflate negotiation
// accepts any offer without looking at its parameters. The checks and the
// error responses are the ones gorilla made, so clients see no difference
// when compression is off.

// acceptGUID is the key suffix of RFC 6455 §1.3.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// deflateResponse is the extension the server answers when an offer of
// permessage-deflate can be accepted (see negotiateDeflate).
const deflateResponse = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// accept performs the handshake on r: it checks the request, hijacks the
// connection and writes the 101 response, with the permessage-deflate
// extension when cfg.Deflate is set and the client offered it acceptably.
// On failure the request has been answered (an HTTP error) or the
// connection closed.
func accept(w http.ResponseWriter, r *http.Request, cfg WebSocketConfig) (*WebSocket, error) {
	const notWS = "the client is not using the websocket protocol: "
	switch {
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return nil, refuse(w, http.StatusBadRequest, notWS+"'upgrade' token not found in 'Connection' header")
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		return nil, refuse(w, http.StatusBadRequest, notWS+"'websocket' token not found in 'Upgrade' header")
	case r.Method != http.MethodGet:
		return nil, refuse(w, http.StatusMethodNotAllowed, notWS+"request method is not GET")
	case !headerHasToken(r.Header, "Sec-Websocket-Version", "13"):
		return nil, refuse(w, http.StatusBadRequest, "unsupported version: 13 not found in 'Sec-Websocket-Version' header")
	}
	key := r.Header.Get("Sec-Websocket-Key")
	if !validKey(key) {
		return nil, refuse(w, http.StatusBadRequest, "not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of 16-byte in length")
	}
	deflate := cfg.Deflate != nil && negotiateDeflate(r.Header.Values("Sec-Websocket-Extensions"))

	// ResponseController finds the Hijacker behind middleware wrappers
	// that implement Unwrap.
	netConn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, refuse(w, http.StatusInternalServerError, "response does not implement http.Hijacker: "+err.Error())
	}
	if brw.Reader.Buffered() > 0 {
		// Frames sent before the response: the reader starts with an
		// empty buffer, so they would be lost. Clients wait for the 101.
		netConn.Close()
		return nil, errors.New("transports: websocket client sent data before the handshake completed")
	}

	b := make([]byte, 0, 256)
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = append(b, acceptKey(key)...)
	if deflate {
		b = append(b, "\r\nSec-WebSocket-Extensions: "...)
		b = append(b, deflateResponse...)
	}
	b = append(b, "\r\n\r\n"...)
	// The server's read and write deadlines (ReadTimeout and so on) are
	// the HTTP request's, not the connection's.
	_ = netConn.SetDeadline(time.Time{})
	if _, err := netConn.Write(b); err != nil {
		netConn.Close()
		return nil, err
	}
	ws := newWebSocket(netConn, cfg)
	if deflate {
		ws.deflate = cfg.Deflate
		ws.fr.inflate = true
	}
	return ws, nil
}

// refuse answers a request that is not a valid upgrade, as gorilla did.
func refuse(w http.ResponseWriter, status int, reason string) error {
	w.Header().Set("Sec-Websocket-Version", "13")
	http.Error(w, http.StatusText(status), status)
	return errors.New("transports: websocket: " + reason)
}

// validKey reports whether key is the base64 encoding of 16 bytes
// (RFC 6455 §4.1).
func validKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Decode(b[:], []byte(key))
	return err == nil && n == 16
}

// acceptKey is the Sec-WebSocket-Accept answering key.
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(acceptGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// headerHasToken reports whether a comma-separated header of h lists
// token, compared without regard to case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}
