package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	socketio "github.com/gosio/socketio"
)

// Mode chooses how much the admin namespace tells the UI (a plain value).
type Mode int

const (
	// Development (the default, as Node's instrument without NODE_ENV):
	// server stats, plus every socket, room and event.
	Development Mode = iota
	// Production: server stats only (counts per namespace and transport,
	// connections and disconnections); the UI shows its dashboard and
	// servers pages.
	Production
)

// BasicAuth is the username and password the UI must send. Attach keeps
// the pointer: do not change it afterwards.
type BasicAuth struct {
	Username string
	Password string // must not be empty
}

// Options configures Attach, which copies it. Exactly one of Auth,
// Authenticate and InsecureNoAuth must be set; the zero values of the
// other fields are the defaults each states. Authenticate may be called
// from several goroutines at once.
type Options struct {
	// Auth is the username and password the UI must present, compared in
	// constant time.
	Auth *BasicAuth
	// Authenticate, instead of Auth, decides whether a username and
	// password are valid (a bcrypt comparison, a directory lookup). ctx is
	// the admin socket's context. It runs on the connecting socket's
	// goroutine and may block.
	Authenticate func(ctx context.Context, username, password string) bool
	// InsecureNoAuth lets anyone who reaches the server use the admin
	// namespace (Node's auth: false).
	InsecureNoAuth bool

	// Mode is Development (the default) or Production.
	Mode Mode
	// ReadOnly advertises no action to the UI and ignores the commands it
	// could send anyway.
	ReadOnly bool
	// Namespace is the admin namespace; "" means "/admin" (the UI's
	// default).
	Namespace string
	// ServerID names this server in the UI; "" means the host name.
	ServerID string
	// StatsInterval is how often server_stats is sent; 0 (or less) means
	// 2s, as Node.
	StatsInterval time.Duration
}

// Admin is the admin namespace attached to a server. It is safe for
// concurrent use.
type Admin struct {
	io          *socketio.Server
	nsp         *socketio.Namespace
	opts        Options
	dev         bool
	features    []string
	hostname    string
	clientIDKey [32]byte // keys the hash that names clients (clientID)

	listeners atomic.Int32 // admin sockets connected: events are only sent while > 0
	queue     chan note    // to the dispatcher (run)
	stop      chan struct{}
	done      chan struct{}
	closed    atomic.Bool
	closeOnce sync.Once

	// last holds the Engine.IO counters the previous aggregated events
	// were computed from (at first, Attach's): the dispatcher's alone.
	last totals

	mu       sync.Mutex
	watched  map[*socketio.Socket]string // guarded by mu; Development: sockets listened to → transport last reported
	sessions sessionStore                // guarded by mu
}

// queueSize bounds the notifications waiting for the dispatcher.
const queueSize = 1024

// Attach creates the admin namespace on io and starts serving it: a
// goroutine sends server_stats every StatsInterval until Close. Attach
// once per server, before or after clients connect (sockets already
// connected are listed and watched too). It fails on inconsistent
// options: no credentials (without InsecureNoAuth), both Auth and
// Authenticate, an empty password, or a namespace that is not an admin
// one ("/" or not starting with "/").
func Attach(io *socketio.Server, opts Options) (*Admin, error) {
	if io == nil {
		return nil, errors.New("admin: nil server")
	}
	switch n := countSet(opts.Auth != nil, opts.Authenticate != nil, opts.InsecureNoAuth); {
	case n == 0:
		return nil, errors.New("admin: no credentials: set Options.Auth or Options.Authenticate (or InsecureNoAuth)")
	case n > 1:
		return nil, errors.New("admin: set only one of Options.Auth, Options.Authenticate and InsecureNoAuth")
	}
	if opts.Auth != nil && opts.Auth.Password == "" {
		return nil, errors.New("admin: empty password in Options.Auth")
	}
	if opts.Namespace == "" {
		opts.Namespace = "/admin"
	}
	if opts.Namespace == "/" || !strings.HasPrefix(opts.Namespace, "/") {
		return nil, fmt.Errorf("admin: namespace %q: want a name such as /admin", opts.Namespace)
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = 2 * time.Second
	}
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	if opts.ServerID == "" {
		opts.ServerID = host
	}
	a := &Admin{
		io:       io,
		nsp:      io.Of(opts.Namespace),
		opts:     opts,
		dev:      opts.Mode == Development,
		hostname: host,
		queue:    make(chan note, queueSize),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		watched:  make(map[*socketio.Socket]string),
	}
	if _, err := rand.Read(a.clientIDKey[:]); err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	if !opts.ReadOnly {
		a.features = append(a.features, "EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT")
	}
	a.features = append(a.features, "AGGREGATED_EVENTS")
	if a.dev {
		a.features = append(a.features, "ALL_EVENTS")
	}

	a.nsp.Use(a.authenticate)
	a.nsp.OnConnection(a.onAdminConnection)
	a.last = totalsOf(io.Engine().Stats())
	if a.dev {
		io.OnAnyConnection(a.onSocketConnection)
		io.OnRoomJoin(func(s *socketio.Socket, room string) { a.onRoom(s, room, "room_joined") })
		io.OnRoomLeave(func(s *socketio.Socket, room string) { a.onRoom(s, room, "room_left") })
		for _, n := range io.Namespaces() {
			if n == a.nsp {
				continue
			}
			for _, s := range n.Sockets() {
				a.watch(s)
			}
		}
	}
	go a.run()
	return a, nil
}

func countSet(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *socketio.Namespace { return a.nsp }

// Close stops the admin: the admin sockets are disconnected, new ones
// refused, the other sockets' listeners do nothing more, and the
// dispatcher goroutine is stopped. The namespace itself stays (a Server
// does not remove namespaces). Close always returns nil.
func (a *Admin) Close() error {
	a.closeOnce.Do(func() {
		a.closed.Store(true)
		close(a.stop)
		<-a.done
		for _, s := range a.nsp.Sockets() {
			s.Disconnect(false)
		}
		a.mu.Lock()
		a.watched = nil
		a.mu.Unlock()
	})
	return nil
}

// onAdminConnection greets an admin socket: its session id (after a
// password login), the features, the sockets (Development), the stats;
// and installs the handlers of the UI's commands.
func (a *Admin) onAdminConnection(s *socketio.Socket) {
	if a.closed.Load() {
		s.Disconnect(false)
		return
	}
	// Events are sent from now on (so from before the UI has its config);
	// those queued before the list below reach this socket first, and the
	// list holds their effect: the UI, which resets its lists on
	// all_sockets, ends up right.
	a.listeners.Add(1)
	s.OnDisconnect(func(string) { a.listeners.Add(-1) })
	if id, ok := s.Data().(loginSession); ok {
		_ = s.Emit("session", string(id))
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if !a.opts.ReadOnly {
		a.handleCommands(s)
	}
	if a.dev {
		a.control(note{to: s, event: "all_sockets", args: []any{a.allSockets()}})
	}
	a.control(note{to: s, stats: true})
}

// note is a message for the admin sockets: to one (to set) or to all.
type note struct {
	to    *socketio.Socket
	stats bool // server_stats, without aggregated events
	event string
	args  []any
}

// notify queues a note about a socket without waiting: when the queue is
// full it is dropped. It is called from the sockets' goroutines.
func (a *Admin) notify(n note) {
	if a.listeners.Load() == 0 || a.closed.Load() {
		return
	}
	select {
	case a.queue <- n:
	default:
	}
}

// control queues a note for an admin socket, waiting while the queue is
// full (on that admin socket's goroutine): the UI needs it.
func (a *Admin) control(n note) {
	select {
	case a.queue <- n:
	case <-a.stop:
	}
}

// run is the dispatcher: it sends the queued notes in order and the
// periodic stats, until Close.
func (a *Admin) run() {
	defer close(a.done)
	t := time.NewTicker(a.opts.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case n := <-a.queue:
			a.deliver(n)
		case <-t.C:
			a.tick()
		}
	}
}

func (a *Admin) deliver(n note) {
	event, args := n.event, n.args
	if n.stats {
		event, args = "server_stats", []any{a.stats(a.io.Engine().Stats(), []any{})}
	}
	// Emit fails only for an admin socket gone meanwhile.
	if n.to != nil {
		_ = n.to.Emit(event, args...)
		return
	}
	_ = a.nsp.Local().Emit(event, args...)
}

// tick sends server_stats with the aggregated events since the last tick
// (consumed even when no UI listens, as Node's buffer is), and
// (Development) the transport upgrades seen since.
func (a *Admin) tick() {
	st := a.io.Engine().Stats()
	agg := a.aggregated(st, time.Now())
	if a.listeners.Load() == 0 {
		return
	}
	_ = a.nsp.Local().Emit("server_stats", a.stats(st, agg))
	if a.dev {
		for _, u := range a.upgrades() {
			_ = a.nsp.Local().Emit("socket_updated", u)
		}
	}
}
