package session

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Engine.IO error codes, sent as {"code":N,"message":"..."} in the body of
// a refused request, with the reference server's messages.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var codeMessages = [...]string{
	CodeUnknownTransport:   "Transport unknown",
	CodeUnknownSID:         "Session ID unknown",
	CodeBadHandshakeMethod: "Bad handshake method",
	CodeBadRequest:         "Bad request",
	CodeForbidden:          "Forbidden",
	CodeUnsupportedVersion: "Unsupported protocol version",
}

// Errors returned by Session methods.
var (
	// ErrClosed is returned by Send on a session that is closing or closed.
	ErrClosed = errors.New("engine.io: session closed")
	// ErrQueueFull is returned by Send when the outgoing queue would exceed
	// MaxBufferedPackets or MaxBufferedBytes; the session is then closed.
	ErrQueueFull = errors.New("engine.io: outgoing queue full")
	// ErrServerClosed refuses new sessions once Shutdown has begun.
	ErrServerClosed = errors.New("engine.io: server shutting down")
)

// Causes passed to close callbacks alongside the reason.
var (
	errPollOverlap   = errors.New("engine.io: overlapping polling requests")
	errPollAborted   = errors.New("engine.io: polling request closed prematurely")
	errPingDirection = errors.New("engine.io: invalid heartbeat direction")
	errUpgradeFailed = errors.New("engine.io: upgrade failed")
	errDuplicateID   = errors.New("engine.io: generated session id already in use")
)

// Close reasons, as the reference server names them.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonParseError     = "parse error"
	ReasonForcedClose    = "forced close"
	ReasonShutdown       = "server shutting down"
)

// WriteError answers a refused request the way the Engine.IO server does:
// HTTP status and a JSON body {"code":code,"message":msg} (msg empty means
// the standard message of code). HTTP middleware in front of the server
// uses it so that its refusals look like the server's own.
func WriteError(w http.ResponseWriter, status, code int, msg string) {
	writeError(w, status, code, msg)
}

// writeError answers a refused request with the reference server's JSON
// error body. msg overrides the standard message when non-empty.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	if msg == "" {
		msg = codeMessages[code]
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
