package socketio

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gosio/socketio/codec"
)

// Handshake describes how a socket connected: the first HTTP request of
// its Engine.IO session and the auth payload of its CONNECT packet. It is
// immutable once the socket exists.
type Handshake struct {
	Headers http.Header `json:"headers"`
	// Time is when the socket was created, as JavaScript's Date.toString
	// writes it (the reference sets it with new Date() + "").
	Time    string     `json:"time"`
	Address string     `json:"address"` // remote IP address
	XDomain bool       `json:"xdomain"` // an Origin header was present
	Secure  bool       `json:"secure"`  // the request came over TLS
	Issued  int64      `json:"issued"`  // creation time, ms since the Unix epoch
	URL     string     `json:"url"`     // request URI of the first request
	Query   url.Values `json:"query"`
	// Auth is the CONNECT payload ({} when the client sent none).
	Auth map[string]any `json:"auth"`

	auth codec.Args // the CONNECT payload as received; nil or empty when none
	host string     // the Host header, which net/http keeps out of Headers
}

// DecodeAuth decodes the CONNECT payload into v, for typed access.
func (h *Handshake) DecodeAuth(v any) error {
	if h.auth == nil || h.auth.Len() == 0 {
		return json.Unmarshal([]byte("{}"), v)
	}
	return h.auth.Decode(0, v)
}

func newHandshake(r *http.Request, auth codec.Args, now time.Time) *Handshake {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	// Usually the same as the raw request target the session's request
	// keeps already: then share that string instead of keeping a copy for
	// every socket.
	uri := r.URL.RequestURI()
	if uri == r.RequestURI {
		uri = r.RequestURI
	}
	h := &Handshake{
		Headers: r.Header,
		Time:    jsDateString(now),
		Address: addr,
		XDomain: r.Header.Get("Origin") != "",
		Secure:  r.TLS != nil,
		Issued:  now.UnixMilli(),
		URL:     uri,
		Query:   r.URL.Query(),
		Auth:    map[string]any{},
		host:    r.Host,
	}
	if auth != nil && auth.Len() > 0 {
		// Kept only when there is a payload: DecodeAuth treats nil and
		// empty alike, and an empty Args would cost every socket its
		// allocation for nothing.
		h.auth = auth
		_ = auth.Decode(0, &h.Auth)
	}
	return h
}
