package legacy

import (
	"net/http"
	"time"
)

// Transport names, as the 0.6 client puts them in its URLs.
const (
	WebSocket    = "websocket"
	FlashSocket  = "flashsocket"
	HTMLFile     = "htmlfile"
	XHRMultipart = "xhr-multipart"
	XHRPolling   = "xhr-polling"
	JSONPPolling = "jsonp-polling"
)

var allTransports = []string{WebSocket, FlashSocket, HTMLFile, XHRMultipart, XHRPolling, JSONPPolling}

// Options configures a Server. The zero value (or nil) gives the 0.6
// reference server's defaults; every field documents its default.
type Options struct {
	// Transports lists the transports clients may use. Nil or empty means
	// all six: websocket, flashsocket, htmlfile, xhr-multipart,
	// xhr-polling, jsonp-polling.
	Transports []string
	// HeartbeatInterval is the time between heartbeats ("~h~<n>") on the
	// streaming transports (websocket, flashsocket, htmlfile,
	// xhr-multipart); the client echoes each one. Polling transports have
	// none, as in 0.6: their expiry is CloseTimeout. Zero means 10s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long the echo of a heartbeat may take before
	// the connection is closed ("ping timeout"). Zero means 8s.
	HeartbeatTimeout time.Duration
	// PollDuration is how long a polling GET is held when there is nothing
	// to send; it is then answered empty. The 0.6 client gives up on a
	// poll after 25s. Zero means 20s.
	PollDuration time.Duration
	// CloseTimeout is how long a connection outlives its transport: a
	// polling client between two requests, or a streaming one whose
	// request or WebSocket dropped without a close frame. Messages sent
	// meanwhile are buffered and delivered when a request with the session
	// id arrives; past it the connection closes ("transport close"). Zero
	// means 8s (the 0.6 polling default).
	CloseTimeout time.Duration
	// MaxPayload bounds one POST's data and one WebSocket message, in
	// bytes: larger ones are answered 413 (or close the WebSocket with
	// 1009) and that connection is closed ("transport error"). A request
	// context carrying session.WithMaxPayload lowers it for the
	// connections it opens. Zero means 1,000,000.
	MaxPayload int64
	// MaxBufferedMessages and MaxBufferedBytes bound what is queued for
	// one client (while it is between polls, for instance). A send that
	// would exceed them closes that connection ("transport error"). Zero
	// means 4096 messages and 16 MiB; negative means no bound.
	MaxBufferedMessages int
	MaxBufferedBytes    int64
	// BodyTimeout bounds the time a POST body may take to arrive. Zero
	// means 10s.
	BodyTimeout time.Duration
	// AllowRequest, when non-nil, is consulted before a new connection is
	// opened; an error refuses it with 403.
	AllowRequest func(*http.Request) error
}

type config struct {
	transports                  map[string]bool
	heartbeat, heartbeatTimeout time.Duration
	pollDuration, closeTimeout  time.Duration
	maxPayload                  int64
	maxMessages                 int
	maxBytes                    int64
	bodyTimeout                 time.Duration
	allowRequest                func(*http.Request) error
	writeTimeout                time.Duration
}

func newConfig(o *Options) config {
	if o == nil {
		o = &Options{}
	}
	c := config{
		heartbeat:        or(o.HeartbeatInterval, 10*time.Second),
		heartbeatTimeout: or(o.HeartbeatTimeout, 8*time.Second),
		pollDuration:     or(o.PollDuration, 20*time.Second),
		closeTimeout:     or(o.CloseTimeout, 8*time.Second),
		bodyTimeout:      or(o.BodyTimeout, 10*time.Second),
		maxPayload:       o.MaxPayload,
		maxMessages:      o.MaxBufferedMessages,
		maxBytes:         o.MaxBufferedBytes,
		allowRequest:     o.AllowRequest,
		transports:       map[string]bool{},
	}
	if c.maxPayload <= 0 {
		c.maxPayload = 1_000_000
	}
	if c.maxMessages == 0 {
		c.maxMessages = 4096
	}
	if c.maxBytes == 0 {
		c.maxBytes = 16 << 20
	}
	ts := o.Transports
	if len(ts) == 0 {
		ts = allTransports
	}
	for _, t := range ts {
		c.transports[t] = true
	}
	// A write that takes longer than a heartbeat cycle is stuck.
	c.writeTimeout = c.heartbeat + c.heartbeatTimeout
	return c
}

func or(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
