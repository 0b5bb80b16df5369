package session

import (
	"compress/flate"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gosio/socketio/internal/httpx"
	"github.com/gosio/socketio/transports"
)

// Options configures a Server. The zero value (or a nil *Options) is a
// valid configuration with the reference server's defaults; every field
// documents its default and what zero means. Options are read once by
// NewServer; changing them afterwards has no effect.
type Options struct {
	// PingInterval is the time between server pings. Zero means 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the client's pong before
	// closing the session with reason "ping timeout". Zero means 20s.
	PingTimeout time.Duration
	// UpgradeTimeout is how long a WebSocket opened to upgrade a polling
	// session may take to complete the upgrade before it is closed (the
	// session itself stays on polling). Zero means 10s.
	UpgradeTimeout time.Duration
	// MaxPayload is the largest polling POST body and the largest WebSocket
	// message accepted, in bytes, and is announced to the client in the
	// handshake. A larger polling body is answered 413 and a larger frame
	// closes the WebSocket with status 1009; either way that session is
	// closed and no other. Zero means 1,000,000 (1 MB).
	MaxPayload int64
	// PollingBodyTimeout bounds the time a polling POST body may take to
	// arrive, from the moment its handler starts reading it. A body not
	// received in time is answered 408 (with Connection: close) and the
	// session is closed ("transport error"), so a client that declares a
	// body and stalls holds neither a goroutine nor memory for long. Zero
	// means 10s; negative means no bound (then only the http.Server's own
	// ReadTimeout, if any, applies). The deadline is set on the
	// connection; behind a middleware whose ResponseWriter hides it (no
	// Unwrap method), an HTTP/1 body is bounded only by ReadTimeout.
	PollingBodyTimeout time.Duration
	// Transports lists the transports clients may use, among "polling" and
	// "websocket". Nil or empty means both.
	Transports []string
	// DisableUpgrades stops polling sessions from upgrading to WebSocket
	// (the handshake then announces no upgrades). The default (false)
	// allows upgrades, as the reference server does.
	DisableUpgrades bool
	// AllowRequest, when non-nil, is consulted for every new session before
	// the handshake. A non-nil error refuses it with HTTP 403 and
	// {"code":4,"message":<error text>}; the text reaches the client, so it
	// must not reveal internals.
	AllowRequest func(*http.Request) error
	// GenerateID returns the id of a new session. Ids must be unique among
	// live sessions and hard to guess, since the id is the only credential
	// of a polling request. Nil means 20 URL-safe characters from 15 bytes
	// of crypto/rand. An error refuses the handshake with 400 code 3.
	GenerateID func(*http.Request) (string, error)
	// MaxBufferedPackets and MaxBufferedBytes bound each session's outgoing
	// queue: what Send has accepted and the transport has not yet written.
	// A Send that would exceed either limit fails with ErrQueueFull and the
	// session is closed with reason "transport error": a peer that does
	// not read must not grow server memory, and dropping a message silently
	// would break ordering guarantees. Zero means 4096 packets and 16 MiB
	// (16 maximum-size messages); a negative value means no limit.
	MaxBufferedPackets int
	MaxBufferedBytes   int64
	// ReadBufferSize sizes the read buffer of WebSocket connections that
	// keep one (TLS; plain TCP connections borrow a pooled 4 KiB buffer
	// only while bytes arrive). Zero means 512 bytes. WriteBufferSize is
	// no longer used (it sized gorilla's handshake buffer; the handshake
	// is now written by itself).
	ReadBufferSize, WriteBufferSize int
	// PerMessageDeflate, when non-nil, lets WebSocket connections use the
	// permessage-deflate extension (RFC 7692) with clients that offer it,
	// as the reference server's perMessageDeflate option does. Nil (the
	// default) declines it, as the reference server does by default. See
	// Deflate.
	PerMessageDeflate *Deflate
	// AllowEIO3 accepts clients of Engine.IO protocol 3 (socket.io-client
	// 2.x, engine.io-client 3.x), as the reference server's allowEIO3
	// option does: their handshake (any EIO query value other than "4"),
	// client-sent pings answered with pongs, the v3 polling framing
	// (length-prefixed text payloads, binary payloads, JSONP) and v3
	// WebSocket frames. Every limit applies to them as to v4 sessions. The
	// default (false) refuses them with 400 {"code":5,"message":
	// "Unsupported protocol version"}, as the reference server does.
	AllowEIO3 bool
	// IdleParkAfter is how long a WebSocket session may receive nothing
	// before its reading goroutine is released: the connection is then
	// watched by one epoll set shared by the whole process, and a new
	// goroutine picks up the reading when bytes arrive. This is what lets
	// a server hold many quiet clients in a few KiB each. Linux, plain TCP
	// only (TLS connections always keep their goroutine). Zero means 1s; a
	// negative value keeps a goroutine per connection.
	//
	// Parking also lets the reader skip, per message, a read(2) that
	// would find nothing (docs/architecture.md, "System calls of an ack
	// round trip"); the price is that a client whose connection ends
	// together with its last message (no close frame) is noticed within
	// this period rather than at once. With parking off, every message
	// costs that extra read and such an end is noticed at once.
	IdleParkAfter time.Duration
	// HTTPCompression compresses polling responses with gzip or deflate,
	// as the reference server's httpCompression option, which is on by
	// default: the zero value compresses bodies of 1024 bytes and more at
	// level 6. See HTTPCompression.
	HTTPCompression HTTPCompression
	// Logger receives the sessions' lifecycle events: opened and upgraded
	// (Debug), closed (Debug when the client left or the server closed
	// it, Info on a ping timeout or a network error, Warn on a parse error
	// or a broken limit: MaxPayload, the outgoing queue, the polling body
	// timeout), and refused handshakes (Info). Nothing is logged per
	// packet. Nil (the default) logs nothing. See the README for the
	// attribute keys.
	Logger *slog.Logger
}

// HTTPCompression configures the compression of polling responses (the
// bodies of polling GETs: Engine.IO v4 payloads, and v3 text, binary and
// JSONP ones; WebSocket frames are not concerned). A body is compressed
// when it is at least Threshold bytes long, at least one of its packets
// does not refuse compression (Socket.Compress(false) and
// BroadcastOperator.Compress(false) refuse it; the transport's own noop
// and close packets do not ask for it), and the request's Accept-Encoding
// accepts gzip or deflate, chosen as the reference server chooses (the
// client's qualities, then the order of its header, then gzip before
// deflate; no header means no compression). The response then has
// Content-Encoding and the Content-Length of the compressed body, as the
// reference server's.
//
// Compression runs on the poll's own goroutine after the session's lock
// is released, with pooled compressors (an idle session holds none); at
// most four, or one per processor if more, run at once, and a poll that
// finds them all busy is answered uncompressed rather than waiting.
type HTTPCompression struct {
	// Disable sends every polling response as it is. The default (false)
	// compresses, as the reference server does.
	Disable bool
	// Threshold is the size in bytes from which a body is compressed.
	// Zero means 1024 (the reference server's default); negative means
	// every body.
	Threshold int
	// Level is the gzip and deflate compression level, from 1 (fastest)
	// to 9 (smallest). Zero means 6, zlib's default level, which the
	// reference server uses. NewServer panics on any other value.
	Level int
}

// Deflate configures permessage-deflate (Options.PerMessageDeflate). The
// zero value is the reference server's configuration when turned on
// (perMessageDeflate: true): a 1024-byte threshold.
//
// What is negotiated: the server accepts the first permessage-deflate offer
// it can honour and answers "permessage-deflate; server_no_context_takeover;
// client_no_context_takeover", whatever the offer asked of the context.
// Every message is then compressed on its own, in both directions. Node's
// ws library keeps the context instead by default (a message may refer to
// the bytes of the ones before it), which compresses a stream of similar
// messages better but, once used, keeps a zlib compressor and
// decompressor (about 300 KiB at zlib's defaults) per connection for its
// life. Without context takeover they are borrowed from pools for the time
// of one message: an idle connection holds nothing, memory does not grow
// with the number of clients, and a broadcast can be compressed once and
// the same bytes sent to every recipient. Offers the server cannot honour
// are declined and the connection goes on uncompressed: a
// server_max_window_bits below 15 (compress/flate always uses a 32 KiB
// window), unknown or repeated parameters, invalid values.
//
// Messages from the client may then be compressed whatever their size; a
// compressed message is bounded by MaxPayload once inflated, checked while
// inflating (status 1009 past it; 1007 for data that does not inflate).
// Messages to the client are compressed when their frame payload is at
// least Threshold bytes and their packet was not sent with Compress(false)
// (codec.Packet.NoCompress). Polling is not affected.
type Deflate struct {
	// Threshold is the size, in bytes, under which messages to the client
	// are sent uncompressed: small messages gain little and cost a
	// compression each. Zero means 1024, the reference server's default;
	// negative means every message is compressed.
	Threshold int
	// Level is the compress/flate level, from 1 (flate.BestSpeed) to 9
	// (flate.BestCompression), flate.DefaultCompression (6) or
	// flate.HuffmanOnly. Zero means flate.BestSpeed; any other value makes
	// NewServer panic. Node's ws
	// uses zlib's default level (6), but in Go level 1 is the better
	// trade: on a typical 2 KiB JSON message it gives 551 bytes against
	// 457 at level 6, in about half the time, since every level from 2 up
	// clears 640 KiB of hash tables per message without context takeover.
	Level int
}

// config is Options with defaults applied; the request path only reads it.
type config struct {
	pingInterval, pingTimeout, upgradeTimeout time.Duration
	maxPayload                                int64
	pollingBodyTimeout                        time.Duration // 0: none
	polling, websocket, upgrades              bool
	allowRequest                              func(*http.Request) error
	generateID                                func(*http.Request) (string, error)
	maxPackets                                int
	maxBytes                                  int64
	wsConfig                                  transports.WebSocketConfig
	idleParkAfter                             time.Duration // 0: never
	allowEIO3                                 bool
	httpCompression                           *httpx.Compression // nil: off
	logger                                    *slog.Logger       // never nil
}

func newConfig(o *Options) config {
	if o == nil {
		o = &Options{}
	}
	c := config{
		pingInterval:   orDuration(o.PingInterval, 25*time.Second),
		pingTimeout:    orDuration(o.PingTimeout, 20*time.Second),
		upgradeTimeout: orDuration(o.UpgradeTimeout, 10*time.Second),
		maxPayload:     o.MaxPayload,
		allowRequest:   o.AllowRequest,
		generateID:     o.GenerateID,
		maxPackets:     o.MaxBufferedPackets,
		maxBytes:       o.MaxBufferedBytes,
		allowEIO3:      o.AllowEIO3,
		logger:         newLogger(o.Logger),
	}
	if c.maxPayload <= 0 {
		c.maxPayload = 1_000_000
	}
	switch {
	case o.PollingBodyTimeout == 0:
		c.pollingBodyTimeout = 10 * time.Second
	case o.PollingBodyTimeout > 0:
		c.pollingBodyTimeout = o.PollingBodyTimeout
	}
	switch {
	case o.IdleParkAfter == 0:
		c.idleParkAfter = time.Second
	case o.IdleParkAfter > 0:
		c.idleParkAfter = o.IdleParkAfter
	}
	if c.generateID == nil {
		c.generateID = func(*http.Request) (string, error) { return NewID() }
	}
	if c.maxPackets == 0 {
		c.maxPackets = 4096
	}
	if c.maxBytes == 0 {
		c.maxBytes = 16 << 20
	}
	if len(o.Transports) == 0 {
		c.polling, c.websocket = true, true
	}
	for _, t := range o.Transports {
		switch t {
		case transports.NamePolling:
			c.polling = true
		case transports.NameWebSocket:
			c.websocket = true
		}
	}
	c.upgrades = c.polling && c.websocket && !o.DisableUpgrades
	if !o.HTTPCompression.Disable {
		c.httpCompression = newCompression(o.HTTPCompression)
	}
	c.wsConfig = transports.WebSocketConfig{
		MaxPayload: c.maxPayload,
		// A write that takes longer than a whole heartbeat cycle is stuck.
		WriteTimeout:    c.pingInterval + c.pingTimeout,
		ReadBufferSize:  o.ReadBufferSize,
		WriteBufferSize: o.WriteBufferSize,
		Deflate:         deflateConfig(o.PerMessageDeflate),
	}
	return c
}

// deflateConfig normalises PerMessageDeflate; nil stays nil (off).
func deflateConfig(d *Deflate) *transports.DeflateConfig {
	if d == nil {
		return nil
	}
	c := &transports.DeflateConfig{Threshold: d.Threshold, Level: d.Level}
	switch {
	case c.Threshold == 0:
		c.Threshold = 1024
	case c.Threshold < 0:
		c.Threshold = 0
	}
	switch {
	case c.Level == 0:
		c.Level = flate.BestSpeed
	case c.Level == flate.HuffmanOnly, c.Level == flate.DefaultCompression,
		c.Level >= flate.BestSpeed && c.Level <= flate.BestCompression:
	default:
		panic(fmt.Sprintf("session: PerMessageDeflate.Level %d is not a compress/flate level (1 to 9, DefaultCompression, HuffmanOnly)", d.Level))
	}
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func newCompression(o HTTPCompression) *httpx.Compression {
	threshold := o.Threshold
	switch {
	case threshold == 0:
		threshold = 1024
	case threshold < 0:
		threshold = 0
	}
	level := o.Level
	if level == 0 {
		level = -1 // gzip.DefaultCompression: 6
	}
	c, err := httpx.NewCompression(threshold, level)
	if err != nil || o.Level < 0 {
		panic("session: HTTPCompression.Level " + strconv.Itoa(o.Level) + ": want 1 to 9, or 0 for the default")
	}
	return c
}
