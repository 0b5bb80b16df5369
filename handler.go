package socketio

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/legacy"
	"github.com/gosio/socketio/session"
)

// Options configures a Server. The zero value (or nil) is valid and gives
// the reference server's defaults; each field documents its default.
type Options struct {
	// Engine holds the Engine.IO settings, the layer under Socket.IO:
	// heartbeat, MaxPayload, transports, AllowRequest, outgoing queue
	// limits, compression. Its zero value is the reference server's
	// defaults. See EngineOptions.
	Engine EngineOptions

	// ConnectTimeout closes a connection that has not joined any namespace
	// in time. Zero means 45s.
	ConnectTimeout time.Duration
	// Parser encodes and decodes Socket.IO packets; it must match the
	// clients' parser. Nil means codec.JSONParser (the default client
	// parser).
	Parser codec.Parser
	// MaxAttachments bounds the binary attachments one packet may announce.
	// Zero means 10, as in the reference parser.
	MaxAttachments int
	// MaxPendingPackets and MaxPendingBytes bound, per connection, the
	// packets received and waiting for their handlers, by count and by
	// bytes (a packet's Engine.IO messages, attachments included). When
	// either is reached, reading from that connection pauses until
	// handlers catch up (back-pressure, not loss); the pong deadline waits
	// meanwhile, since the pong may sit unread behind the paused packets.
	// One packet is always admitted to an empty list, whatever its size.
	// Reading does not pause while the server awaits an ack from that
	// connection (a handler in EmitWithAck would wait on itself): it goes
	// on up to four times both limits, and past that the connection is
	// closed ("transport error"). Zero means 256 packets and 4 MiB.
	MaxPendingPackets int
	MaxPendingBytes   int
	// AttachmentTimeout bounds the time between the first and the last
	// message of a binary packet. A client that announces attachments and
	// does not send them all in time is closed ("transport error"), so a
	// half-received packet cannot pin memory. Zero means 60s.
	AttachmentTimeout time.Duration
	// MaxBufferedInput bounds, for the whole Server, the bytes received
	// and held by the Socket.IO layer: half-received binary packets and
	// pending lists of every connection together. The connection whose
	// message would cross it is closed ("transport error"); others are
	// not affected. Zero means 256 MiB; negative means no limit.
	MaxBufferedInput int64
	// AckTimeout bounds the wait for an ack requested with a callback and
	// no Timeout (Socket.Emit with a trailing func, a broadcast's Emit with
	// a func(error, []Args)); see Socket.Emit. EmitWithAck waits as
	// long as its ctx instead. Every ack also ends when its socket
	// disconnects. Zero means 60s; negative means no bound (the reference
	// server's behaviour: a silent client then holds the callback until it
	// disconnects).
	AckTimeout time.Duration
	// CleanupEmptyChildNamespaces removes a child of a dynamic namespace
	// (OfRegexp, OfFunc) when its last socket leaves, and closes its
	// adapter, as the reference server's option of that name does. A
	// child created for a CONNECT that middleware refused is removed
	// whatever this says, so clients cannot make the server keep one
	// namespace per name they invent; Of(name) keeps a child for good.
	CleanupEmptyChildNamespaces bool
	// Adapter creates each namespace's adapter (rooms and broadcasting),
	// when the namespace is created; it is never called under a server
	// lock. Nil means the in-memory adapter (a single node). An error makes
	// NewServer and Of panic (configuration errors surface at startup), and
	// refuses a CONNECT that would create a dynamic namespace's child
	// (CONNECT_ERROR "namespace unavailable", the error reported to
	// ErrorHandler).
	Adapter func(*Namespace) (Adapter, error)
	// ConnectionStateRecovery, when set, lets a client whose connection
	// dropped come back with its socket id, rooms and Data, and receive
	// the events it missed (Socket.Recovered), as Node's option of that
	// name. Nil means off (as in Node). See ConnectionStateRecovery.
	ConnectionStateRecovery *ConnectionStateRecovery
	// Legacy06, when set, serves clients of Socket.IO 0.6 (the protocol of
	// the original go-socket.io) on the same Server, on the 0.6 URLs
	// (/socket.io/<transport>/<sessionid>/... under any prefix; requests
	// without an EIO parameter). A 0.6 client is a socket of namespace "/"
	// whose messages are "message" events; see package legacy and the
	// README. Its MaxPayload, buffer limits, BodyTimeout and AllowRequest
	// default to the Engine.IO options above. Nil (the default) means
	// off: those URLs are answered as Engine.IO requests (400).
	Legacy06 *legacy.Options
	// ErrorHandler receives errors that have no caller to return to:
	// panics in handlers, payloads that do not fit a handler, refused
	// packets. Nil means Logger at Error level when Logger is set, else
	// log.Printf.
	ErrorHandler func(error)
	// Logger receives the connection lifecycle: sockets connected and
	// disconnected (Debug), namespace CONNECTs refused (Info), and, unless
	// Engine.Logger is set, the Engine.IO sessions' events (see
	// session.Options.Logger). Nothing is logged per packet. Nil (the
	// default) logs nothing. See the README for the attribute keys.
	Logger *slog.Logger
}

// EngineOptions configures the Engine.IO layer of a Server
// (Options.Engine): the same type as session.Options, named here so that
// configuring a Server needs no second import.
type EngineOptions = session.Options

// Deflate configures permessage-deflate (EngineOptions.PerMessageDeflate);
// see session.Deflate.
type Deflate = session.Deflate

// HTTPCompression configures the compression of polling responses
// (EngineOptions.HTTPCompression); see session.HTTPCompression.
type HTTPCompression = session.HTTPCompression

// Server is a Socket.IO server and an http.Handler. Mount it at the path
// the clients use (by default "/socket.io/"): it does not look at the URL
// path, so it works under any router prefix.
//
// Concurrency: all methods are safe for concurrent use. Register
// namespaces, middleware and connection handlers before serving.
type Server struct {
	opts   Options
	engine *session.Server
	parser codec.Parser

	mu        sync.RWMutex
	nsps      map[string]*Namespace // guarded by mu
	parents   []*parentNamespace    // guarded by mu
	templates int                   // guarded by mu; names the templates of dynamic namespaces
	closed    bool                  // guarded by mu; Shutdown has begun: no CONNECT is accepted

	// inflight counts connections whose sockets have not all run their
	// disconnect handlers yet, and goroutines running ack callbacks;
	// Shutdown waits for it to drop to zero.
	inflight inflight

	// buffered counts the input bytes every client holds (MaxBufferedInput).
	buffered atomic.Int64

	counters counters     // see Stats
	logger   *slog.Logger // never nil: Options.Logger or a discarding one

	main *Namespace

	obs atomic.Pointer[observers] // OnAnyConnection, OnRoomJoin, OnRoomLeave (observe.go)

	legacy *legacy.Server // nil unless Options.Legacy06
}

// NewServer returns a Server configured by opts (nil means defaults).
func NewServer(opts *Options) *Server {
	s := &Server{nsps: make(map[string]*Namespace)}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.ConnectTimeout <= 0 {
		s.opts.ConnectTimeout = 45 * time.Second
	}
	if s.opts.MaxPendingPackets <= 0 {
		s.opts.MaxPendingPackets = 256
	}
	if s.opts.MaxPendingBytes <= 0 {
		s.opts.MaxPendingBytes = 4 << 20
	}
	if s.opts.AttachmentTimeout <= 0 {
		s.opts.AttachmentTimeout = 60 * time.Second
	}
	if s.opts.MaxBufferedInput == 0 {
		s.opts.MaxBufferedInput = 256 << 20
	}
	if s.opts.AckTimeout == 0 {
		s.opts.AckTimeout = 60 * time.Second
	}
	s.parser = s.opts.Parser
	if s.parser == nil {
		s.parser = codec.JSONParser{}
	}
	s.logger = s.opts.Logger
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.opts.Engine.Logger == nil {
		s.opts.Engine.Logger = s.opts.Logger
	}
	s.engine = session.NewServer(&s.opts.Engine)
	s.engine.OnConnection(s.onEngineConnection)
	s.newLegacy()
	s.main = s.Of("/")
	return s
}

// shareFrames gives each packet of a broadcast to several sockets a memo
// that the copies queued on every session share: with permessage-deflate,
// the first connection to write a packet compresses it and the others
// send the same bytes. Without it there is nothing to share.
func (s *Server) shareFrames(pkts []codec.Packet) {
	if s.opts.Engine.PerMessageDeflate == nil {
		return
	}
	for i := range pkts {
		if !pkts[i].NoCompress {
			pkts[i].Memo = new(codec.Memo)
		}
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.isLegacyRequest(r) {
		s.legacy.ServeHTTP(w, r)
		return
	}
	s.engine.ServeHTTP(w, r)
}

// Engine returns the underlying Engine.IO server: its Count, Shutdown, and
// OnConnection, which adds a callback beside the Socket.IO server's own
// (to log sessions, say). A session's OnMessage and OnClose add callbacks
// too, beside the Socket.IO server's: they observe its Engine.IO messages
// and its end without changing what Socket.IO does. Sending on a session
// or closing it does change it: a message sent this way is not a
// Socket.IO packet to the client.
func (s *Server) Engine() *session.Server { return s.engine }

// Of returns the namespace with the given name, creating it if needed. A
// missing leading "/" is added. A name matching a dynamic namespace
// (OfRegexp) creates a child of it. Of panics if Options.Adapter fails.
func (s *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.Lock()
	if nsp, ok := s.nsps[name]; ok {
		nsp.pinned = true // a child the application asked for stays
		s.mu.Unlock()
		return nsp
	}
	var parent *parentNamespace
	for _, p := range s.parents {
		if p.regexp && p.allow(name, nil) {
			parent = p
			break
		}
	}
	s.mu.Unlock()
	var (
		nsp *Namespace
		err error
	)
	if parent != nil {
		nsp, err = parent.child(name, true)
	} else {
		nsp, err = s.addNamespace(name)
	}
	if err != nil {
		panic(err)
	}
	return nsp
}

// addNamespace creates and registers a static namespace, unless one
// appeared meanwhile (its adapter was created outside the lock).
func (s *Server) addNamespace(name string) (*Namespace, error) {
	nsp, err := newNamespace(s, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if other, ok := s.nsps[name]; ok {
		other.pinned = true
		s.mu.Unlock()
		_ = nsp.adapter.Close()
		return other, nil
	}
	s.nsps[name] = nsp
	s.mu.Unlock()
	return nsp, nil
}

// OfRegexp declares dynamic namespaces: a client connecting to a name
// that re matches gets a child namespace that shares the returned
// namespace's middleware and connection handlers.
func (s *Server) OfRegexp(re *regexp.Regexp) *Namespace {
	return s.addParent(func(name string, _ map[string]any) bool { return re.MatchString(name) }, true)
}

// OfFunc declares dynamic namespaces decided by allow, called with the
// requested name and the CONNECT auth payload.
func (s *Server) OfFunc(allow func(name string, auth map[string]any) bool) *Namespace {
	return s.addParent(allow, false)
}

// lookup finds the namespace for a CONNECT, creating a dynamic child if a
// parent accepts the name. Nil and no error means "Invalid namespace"; an
// error, that the child's adapter could not be created. A dynamic child is
// returned with a reference the caller gives back with release once the
// CONNECT is accepted or refused.
func (s *Server) lookup(name string, auth map[string]any) (*Namespace, error) {
	s.mu.RLock()
	nsp, ok := s.nsps[name]
	if ok && nsp.owner != nil {
		nsp.refs.Add(1) // under mu: removeIfUnused, under the write lock, sees it
	}
	parents := s.parents
	s.mu.RUnlock()
	if ok {
		return nsp, nil
	}
	for _, p := range parents {
		if p.allow(name, auth) {
			return p.child(name, false)
		}
	}
	return nil, nil
}

func (s *Server) reportError(err error) {
	if s.opts.ErrorHandler != nil {
		s.opts.ErrorHandler(err)
		return
	}
	if s.opts.Logger != nil {
		s.logger.LogAttrs(context.Background(), slog.LevelError, "socket.io error", slog.Any("err", err))
		return
	}
	log.Print(err) // our errors carry their "socketio:" prefix
}

// Shutdown stops the server as http.Server.Shutdown stops serving HTTP:
// at once it refuses new connections and new namespace CONNECTs, and
// closes every connection (what is queued for a client is flushed first);
// each socket then disconnects with reason "server shutting down" on its
// own worker, after the packets it had received, so its handlers still
// run one at a time. Shutdown waits until every disconnect handler and
// every ack callback has returned, then closes the adapters of every
// namespace (dynamic ones included). If ctx is done first, it closes the
// remaining connections at once, closes the adapters and returns ctx's
// error without waiting further; handlers still running are not
// interrupted.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	legacyDone := s.shutdownLegacy(ctx)
	err := s.engine.Shutdown(ctx)
	if lerr := legacyDone(); err == nil {
		err = lerr
	}
	if err == nil {
		err = s.inflight.wait(ctx)
	}
	for _, a := range s.adapters() {
		_ = a.Close()
	}
	return err
}

// adapters returns the adapter of every namespace: named, dynamic
// children and the templates of dynamic namespaces.
func (s *Server) adapters() []Adapter {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Adapter, 0, len(s.nsps)+len(s.parents))
	for _, n := range s.nsps {
		out = append(out, n.adapter)
	}
	for _, p := range s.parents {
		out = append(out, p.template.adapter)
	}
	return out
}

func (s *Server) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// goTracked runs fn on a goroutine of its own that Shutdown waits for.
func (s *Server) goTracked(fn func()) {
	s.inflight.add()
	go func() {
		defer s.inflight.done()
		fn()
	}()
}

// Namespace-level shorthands on the main namespace "/".

// Use adds connection middleware to the main namespace.
func (s *Server) Use(fn func(*Socket) error) { s.main.Use(fn) }

// OnConnection adds a connection handler on the main namespace (see
// Namespace.OnConnection).
func (s *Server) OnConnection(fn func(*Socket)) { s.main.OnConnection(fn) }

// Sockets returns the main namespace.
func (s *Server) Sockets() *Namespace { return s.main }

// Emit sends an event to every socket of the main namespace.
func (s *Server) Emit(event string, args ...any) error { return s.main.Emit(event, args...) }

// Send emits a "message" event to every socket of the main namespace
// (Node's io.send).
func (s *Server) Send(args ...any) error { return s.main.Send(args...) }

// EmitWithAck sends an event to every socket of the main namespace and
// waits for each one's ack, until ctx is done; see
// BroadcastOperator.EmitWithAck.
func (s *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return s.main.EmitWithAck(ctx, event, args...)
}

// Compress(false) sends a broadcast on the main namespace uncompressed.
func (s *Server) Compress(c bool) *BroadcastOperator { return s.main.Compress(c) }

// To selects rooms of the main namespace for a broadcast.
func (s *Server) To(rooms ...string) *BroadcastOperator { return s.main.To(rooms...) }

// In is an alias of To.
func (s *Server) In(rooms ...string) *BroadcastOperator { return s.main.To(rooms...) }

// Except excludes rooms of the main namespace from a broadcast.
func (s *Server) Except(rooms ...string) *BroadcastOperator { return s.main.Except(rooms...) }

// Timeout sets the ack timeout of a broadcast on the main namespace.
func (s *Server) Timeout(d time.Duration) *BroadcastOperator { return s.main.Timeout(d) }

// Volatile marks a broadcast on the main namespace as droppable.
func (s *Server) Volatile() *BroadcastOperator { return s.main.Volatile() }

// Local restricts a broadcast on the main namespace to this node.
func (s *Server) Local() *BroadcastOperator { return s.main.Local() }

// FetchSockets returns the sockets of the main namespace.
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.main.FetchSockets(ctx)
}

// SocketsJoin makes every socket of the main namespace join rooms.
func (s *Server) SocketsJoin(rooms ...string) error { return s.main.SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the main namespace leave rooms.
func (s *Server) SocketsLeave(rooms ...string) error { return s.main.SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the main namespace.
func (s *Server) DisconnectSockets(close bool) error { return s.main.DisconnectSockets(close) }

// ServerSideEmit sends an event to the other nodes of a cluster.
func (s *Server) ServerSideEmit(event string, args ...any) error {
	return s.main.ServerSideEmit(event, args...)
}
