package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/admin"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

const (
	wait  = 10 * time.Second       // bounds every wait for what must happen
	quiet = 200 * time.Millisecond // how long a test watches for what must not
)

// env is a server with the admin attached, on httptest.
type env struct {
	t    *testing.T
	io   *socketio.Server
	adm  *admin.Admin
	url  string
	errs chan error // what reached the server's ErrorHandler
}

// newEnv starts a server (setup runs before Attach) with the admin
// attached by opts (StatsInterval 50ms unless set). Everything is
// stopped when the test ends.
func newEnv(t *testing.T, opts admin.Options, setup func(io *socketio.Server)) *env {
	t.Helper()
	e := &env{t: t, errs: make(chan error, 64)}
	e.io = socketio.NewServer(&socketio.Options{ErrorHandler: func(err error) {
		select {
		case e.errs <- err:
		default:
		}
	}})
	if setup != nil {
		setup(e.io)
	}
	ts := httptest.NewServer(e.io)
	e.url = ts.URL
	if opts.StatsInterval == 0 {
		opts.StatsInterval = 50 * time.Millisecond
	}
	adm, err := admin.Attach(e.io, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.adm = adm
	t.Cleanup(func() {
		_ = adm.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := e.io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return e
}

// creds are the credentials the tests attach with.
var creds = admin.Options{Auth: &admin.BasicAuth{Username: "admin", Password: "s3cret"}}

// event is what a client received.
type event struct {
	name string
	args codec.Args
}

// arg decodes argument i into v, failing the test.
func (ev event) arg(t *testing.T, i int, v any) {
	t.Helper()
	if err := ev.args.Decode(i, v); err != nil {
		t.Fatalf("%s: argument %d: %v", ev.name, i, err)
	}
}

// str returns argument i as a string.
func (ev event) str(t *testing.T, i int) string {
	t.Helper()
	var s string
	ev.arg(t, i, &s)
	return s
}

// peer is a Go client socket recording every event it receives.
type peer struct {
	*client.Socket
	events  chan event
	backlog []event     // received, not read yet (read before events)
	gone    chan string // the disconnect reason
}

// dial connects a client socket to nsp with auth over transports (nil:
// polling then websocket) and waits for the outcome; a refusal is
// returned, anything else fails the test.
func (e *env) dial(nsp string, auth map[string]any, transports ...string) (*peer, error) {
	e.t.Helper()
	s, err := client.New(e.url+nsp, &client.Options{Transports: transports, DisableReconnection: true},
		&client.SocketOptions{Auth: auth})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = s.Manager().Close() })
	p := &peer{Socket: s, events: make(chan event, 4096), gone: make(chan string, 1)}
	s.OnAny(func(name string, args codec.Args) {
		select {
		case p.events <- event{name, args}:
		default:
			e.t.Errorf("client %s: too many events unread", nsp)
		}
	})
	s.OnDisconnect(func(reason string) { p.gone <- reason })
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		var ce *client.ConnectError
		if errors.As(err, &ce) {
			return nil, ce
		}
		e.t.Fatalf("connect %s: %v", nsp, err)
	}
	return p, nil
}

// mustDial is dial for a connection that must succeed.
func (e *env) mustDial(nsp string, auth map[string]any, transports ...string) *peer {
	e.t.Helper()
	p, err := e.dial(nsp, auth, transports...)
	if err != nil {
		e.t.Fatalf("connect %s: %v", nsp, err)
	}
	return p
}

// admin connects an admin UI with the test credentials, and waits for
// its config event: from then on, what happens is reported to it.
func (e *env) admin() *peer {
	e.t.Helper()
	p := e.mustDial("/admin", map[string]any{"username": "admin", "password": "s3cret"}, client.WebSocket)
	deadline := time.After(wait)
	for {
		select {
		case ev := <-p.events:
			p.backlog = append(p.backlog, ev)
			if ev.name == "config" {
				return p
			}
		case <-deadline:
			e.t.Fatalf("no config event within %v", wait)
		}
	}
}

// next returns the next event named name (others are skipped) for which
// match, if given, is true.
func (p *peer) next(t *testing.T, name string, match ...func(event) bool) event {
	t.Helper()
	for len(p.backlog) > 0 {
		ev := p.backlog[0]
		p.backlog = p.backlog[1:]
		if ev.name == name && (len(match) == 0 || match[0](ev)) {
			return ev
		}
	}
	deadline := time.After(wait)
	for {
		select {
		case ev := <-p.events:
			if ev.name != name || (len(match) > 0 && !match[0](ev)) {
				continue
			}
			return ev
		case <-deadline:
			t.Fatalf("no %q event within %v", name, wait)
		}
	}
}

// first returns the first event received.
func (p *peer) first(t *testing.T) event {
	t.Helper()
	if len(p.backlog) > 0 {
		ev := p.backlog[0]
		p.backlog = p.backlog[1:]
		return ev
	}
	select {
	case ev := <-p.events:
		return ev
	case <-time.After(wait):
		t.Fatalf("no event within %v", wait)
		return event{}
	}
}

// none checks that no event named name arrives for a while.
func (p *peer) none(t *testing.T, name string) {
	t.Helper()
	deadline := time.After(quiet)
	for {
		select {
		case ev := <-p.events:
			if ev.name == name {
				t.Fatalf("unexpected %q event", name)
			}
		case <-deadline:
			return
		}
	}
}

// aboutSocket matches socket-level events whose argument 0 is nsp and
// argument idx is id.
func aboutSocket(t *testing.T, idx int, nsp, id string) func(event) bool {
	return func(ev event) bool {
		var a, b string
		return ev.args.Decode(0, &a) == nil && ev.args.Decode(idx, &b) == nil && a == nsp && b == id
	}
}

// wireSocket is a socket as the UI receives it.
type wireSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake map[string]any `json:"handshake"`
	Rooms     []string       `json:"rooms"`
}

// recvSocket returns the next socket of ch.
func recvSocket(t *testing.T, ch <-chan *socketio.Socket) *socketio.Socket {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(wait):
		t.Fatal("no server socket")
		return nil
	}
}

// collect sends the sockets of a namespace to a channel.
func collect(n *socketio.Namespace) <-chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 64)
	n.OnConnection(func(s *socketio.Socket) { ch <- s })
	return ch
}

// nextErr returns the next error given to the server's ErrorHandler.
func (e *env) nextErr() error {
	e.t.Helper()
	select {
	case err := <-e.errs:
		return err
	case <-time.After(wait):
		e.t.Fatal("no error reached the ErrorHandler")
		return nil
	}
}

// isoTime checks that s is a JavaScript toISOString() time.
func isoTime(t *testing.T, s string) {
	t.Helper()
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", s); err != nil || !strings.HasSuffix(s, "Z") {
		t.Fatalf("timestamp %q is not in Date#toISOString form: %v", s, err)
	}
}

// asJSON is v in JSON, for messages.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// httptestServer serves io until the test ends (then shuts it down) and
// returns its URL.
func httptestServer(t *testing.T, io *socketio.Server) string {
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}
