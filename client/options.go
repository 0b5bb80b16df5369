package client

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Transport names, for Options.Transports.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Options configures a Manager. The zero value (or a nil *Options) is a
// valid configuration with the JS client's defaults; every field documents
// its default and what zero and negative values mean. Options are read
// once by NewManager (which copies what it keeps); changing them
// afterwards has no effect, and one Options value may serve several
// Managers.
type Options struct {
	// Path is the server's Engine.IO path. Empty means "/socket.io/"; a
	// trailing slash is added when missing, as the JS client does.
	Path string
	// Query is added to the query string of every request, after the
	// query of the Manager's URL.
	Query url.Values
	// Header is sent with every polling request and with the WebSocket
	// handshake (the JS client's extraHeaders).
	Header http.Header
	// Transports lists the transports to use, in order: the connection
	// opens on the first and, when it is "polling" and "websocket" is
	// listed too, upgrades to WebSocket. Nil or empty means
	// {"polling", "websocket"}; {"websocket"} connects over WebSocket
	// directly.
	Transports []string
	// DisableUpgrade keeps the connection on its first transport (the JS
	// client's upgrade: false).
	DisableUpgrade bool

	// DisableReconnection stops the Manager from reconnecting after the
	// connection is lost or fails to open (the JS client's
	// reconnection: false).
	DisableReconnection bool
	// ReconnectionAttempts is how many reconnection attempts are made
	// before giving up (OnReconnectFailed). Zero means no limit.
	ReconnectionAttempts int
	// ReconnectionDelay is the first delay before reconnecting; it doubles
	// with each attempt up to ReconnectionDelayMax, and each delay is moved
	// by up to RandomizationFactor of itself. Zero means 1s and 5s.
	ReconnectionDelay, ReconnectionDelayMax time.Duration
	// RandomizationFactor is the jitter of reconnection delays, in (0, 1].
	// Zero means 0.5; negative means none.
	RandomizationFactor float64
	// Timeout bounds each attempt to open the connection (the Engine.IO
	// handshake). Zero means 20s; negative means no bound.
	Timeout time.Duration

	// HTTPClient sends the polling requests (TLS settings, proxies and
	// cookies go there, and in Dialer for WebSocket). Nil means a client
	// of the Manager's own (a clone of http.DefaultTransport), whose idle
	// connections are closed with the Manager. Its Jar, if any, also
	// serves the WebSocket handshake when Dialer has none (sticky
	// sessions). Its Timeout, if any, would cut long polls: leave it zero.
	HTTPClient *http.Client
	// Dialer opens WebSocket connections. Nil means a copy of
	// websocket.DefaultDialer.
	Dialer *websocket.Dialer

	// WriteTimeout bounds each write: a polling POST, or the WebSocket
	// frames of one batch. A write not done in time closes the connection
	// ("transport error"). Zero means the server's pingInterval +
	// pingTimeout; negative means no bound.
	WriteTimeout time.Duration
	// MaxReadSize is the largest WebSocket message and polling response
	// body accepted, in bytes; a larger one closes the connection
	// ("transport error"). Zero means 32 MiB; negative means no limit.
	MaxReadSize int64
	// MaxAttachments is the largest number of binary attachments a packet
	// from the server may announce; more is a parse error. Zero means 10.
	MaxAttachments int
	// MaxPendingEvents and MaxPendingBytes bound the events received and
	// not yet handled (handlers of all the Manager's sockets run one at a
	// time). Past them, reading from the server pauses until handlers
	// catch up (back-pressure, not loss; the ping deadline waits
	// meanwhile). While an EmitWithAck is waiting, reading goes on up to
	// four times both limits (the ack may be behind the paused events),
	// then the connection is closed ("transport error"). The same four
	// times bound the events a server replays before answering a CONNECT
	// (connection state recovery); past it the socket gives up recovering
	// and the connection is closed. Zero means 256 events and 4 MiB;
	// negative means no limit.
	MaxPendingEvents int
	MaxPendingBytes  int64
}

// SocketOptions configures one namespace's Socket (Manager.Socket). The
// zero value (or nil) is valid; it is read once, by Manager.Socket (Auth
// is kept: do not modify it afterwards).
type SocketOptions struct {
	// Auth is sent in every CONNECT packet to the namespace (the server's
	// handshake.auth). With connection state recovery, the JS client's
	// pid and offset are added to it (a key of Auth wins).
	Auth map[string]any
	// AuthFunc, when set, is called before each CONNECT and its result
	// used instead of Auth. It runs on an internal goroutine with no lock
	// held and must not block for long.
	AuthFunc func() map[string]any
	// AckTimeout is the default timeout of the acks this socket waits for
	// (EmitWithAck, callbacks); Timeout overrides it per emit. Zero means
	// none, as in the JS client: an ack then waits for its answer, its
	// ctx, or the disconnection.
	AckTimeout time.Duration
	// MaxBufferedEmits and MaxBufferedBytes bound the offline buffer: the
	// emits made while the socket is not connected, sent once it connects.
	// An emit past either limit fails with ErrSendBufferFull. Zero means
	// 1024 emits and 4 MiB; negative disables the buffer (emits made while
	// disconnected fail at once).
	MaxBufferedEmits int
	MaxBufferedBytes int64
}

// config is Options with the defaults applied.
type config struct {
	path                      string
	query                     url.Values
	header                    http.Header
	transports                []string
	upgrade                   bool
	reconnection              bool
	attempts                  int // 0: no limit
	delay, delayMax           time.Duration
	jitter                    float64
	timeout                   time.Duration // 0: none
	httpClient                *http.Client
	ownTransport              *http.Transport // set when httpClient is ours
	dialer                    websocket.Dialer
	writeTimeout              time.Duration // 0: from the handshake; <0: none
	maxReadSize               int64         // 0: none
	maxAttachments            int
	maxPending, hardPending   int   // 0: none
	maxPendingB, hardPendingB int64 // 0: none
}

func newConfig(o *Options) config {
	if o == nil {
		o = &Options{}
	}
	c := config{
		path:           o.Path,
		query:          o.Query,
		header:         o.Header,
		upgrade:        !o.DisableUpgrade,
		reconnection:   !o.DisableReconnection,
		attempts:       max(o.ReconnectionAttempts, 0),
		delay:          orDuration(o.ReconnectionDelay, time.Second),
		delayMax:       orDuration(o.ReconnectionDelayMax, 5*time.Second),
		jitter:         o.RandomizationFactor,
		writeTimeout:   o.WriteTimeout,
		maxAttachments: o.MaxAttachments,
	}
	if c.path == "" {
		c.path = "/socket.io/"
	}
	if !strings.HasSuffix(c.path, "/") {
		c.path += "/"
	}
	if !strings.HasPrefix(c.path, "/") {
		c.path = "/" + c.path
	}
	switch {
	case c.jitter == 0:
		c.jitter = 0.5
	case c.jitter < 0 || c.jitter > 1:
		c.jitter = 0 // the JS backoff ignores a factor outside (0, 1]
	}
	switch {
	case o.Timeout == 0:
		c.timeout = 20 * time.Second
	case o.Timeout > 0:
		c.timeout = o.Timeout
	}
	for _, t := range o.Transports {
		if (t == Polling || t == WebSocket) && !slices.Contains(c.transports, t) {
			c.transports = append(c.transports, t)
		}
	}
	if len(c.transports) == 0 {
		c.transports = []string{Polling, WebSocket}
	}
	switch {
	case o.MaxReadSize == 0:
		c.maxReadSize = 32 << 20
	case o.MaxReadSize > 0:
		c.maxReadSize = o.MaxReadSize
	}
	switch {
	case o.MaxPendingEvents == 0:
		c.maxPending = 256
	case o.MaxPendingEvents > 0:
		c.maxPending = o.MaxPendingEvents
	}
	switch {
	case o.MaxPendingBytes == 0:
		c.maxPendingB = 4 << 20
	case o.MaxPendingBytes > 0:
		c.maxPendingB = o.MaxPendingBytes
	}
	c.hardPending, c.hardPendingB = 4*c.maxPending, 4*c.maxPendingB
	if o.HTTPClient != nil {
		c.httpClient = o.HTTPClient
	} else {
		c.ownTransport = http.DefaultTransport.(*http.Transport).Clone()
		c.httpClient = &http.Client{Transport: c.ownTransport}
	}
	if o.Dialer != nil {
		c.dialer = *o.Dialer
	} else {
		c.dialer = *websocket.DefaultDialer
	}
	if c.dialer.Jar == nil && c.httpClient.Jar != nil {
		c.dialer.Jar = c.httpClient.Jar
	}
	return c
}

// socketConfig is SocketOptions with the defaults applied.
type socketConfig struct {
	auth       map[string]any
	authFunc   func() map[string]any
	ackTimeout time.Duration // 0: none
	maxEmits   int           // 0: no buffering
	maxBytes   int64
}

func newSocketConfig(o *SocketOptions) socketConfig {
	if o == nil {
		o = &SocketOptions{}
	}
	c := socketConfig{auth: o.Auth, authFunc: o.AuthFunc, ackTimeout: max(o.AckTimeout, 0)}
	switch {
	case o.MaxBufferedEmits == 0:
		c.maxEmits = 1024
	case o.MaxBufferedEmits > 0:
		c.maxEmits = o.MaxBufferedEmits
	}
	switch {
	case o.MaxBufferedBytes == 0:
		c.maxBytes = 4 << 20
	case o.MaxBufferedBytes > 0:
		c.maxBytes = o.MaxBufferedBytes
	}
	if c.maxEmits == 0 || o.MaxBufferedBytes < 0 {
		c.maxEmits, c.maxBytes = 0, 0
	}
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
