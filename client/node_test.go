package client_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// The client against the reference server: socket.io 4.8.4 on Node.js
// (node/server.js, installed by `npm ci --prefix client/node`), with
// connection state recovery enabled.

// nodeServer is a running node/server.js.
type nodeServer struct {
	url string // http://127.0.0.1:port
}

// startNode starts node/server.js on an ephemeral port (env adds
// variables, e.g. PING_INTERVAL) and stops it when the test ends.
func startNode(t *testing.T, env ...string) *nodeServer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not in PATH (%v): these tests need Node.js >= 20", err)
	}
	dir, _ := filepath.Abs("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io", "package.json")); err != nil {
		t.Fatalf("socket.io is missing from client/node/node_modules (%v): run `npm ci --prefix client/node` (make deps does)", err)
	}
	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("node: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close() // server.js exits when stdin ends
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(wait):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("node did not start: %v", err)
	}
	var hello struct{ Port int }
	if err := json.Unmarshal([]byte(line), &hello); err != nil || hello.Port == 0 {
		t.Fatalf("node said %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &nodeServer{url: fmt.Sprintf("http://127.0.0.1:%d", hello.Port)}
}

// nodeSocket is a socket as node/server.js reports it.
type nodeSocket struct {
	ID        string
	Nsp       string
	Connected bool
	Recovered bool
	Auth      map[string]any
}

func (n *nodeServer) ctl(t *testing.T, op string, in, out any) {
	t.Helper()
	var body io.Reader
	method := http.MethodGet
	if in != nil {
		b, _ := json.Marshal(in)
		body, method = bytes.NewReader(b), http.MethodPost
	}
	req, _ := http.NewRequestWithContext(ctxWait(t), method, n.url+"/ctl/"+op, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("node %s: %v", op, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Error string }
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		t.Fatalf("node %s: %s", op, e.Error)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("node %s answered %s: %v", op, b, err)
		}
	}
}

// socket returns Node's view of the socket id of nsp.
func (n *nodeServer) socket(t *testing.T, nsp, id string) nodeSocket {
	t.Helper()
	var all []nodeSocket
	n.ctl(t, "sockets", nil, &all)
	var found nodeSocket
	for _, s := range all {
		if s.Nsp == nsp && s.ID == id {
			found = s // the last one: a recovered socket reuses the id
		}
	}
	if found.ID == "" {
		t.Fatalf("node has no socket %s in %s: %+v", id, nsp, all)
	}
	return found
}

// emit makes Node emit to every socket of nsp.
func (n *nodeServer) emit(t *testing.T, nsp, event string, args ...any) {
	t.Helper()
	n.ctl(t, "emit", map[string]any{"nsp": nsp, "event": event, "args": args}, nil)
}

func TestNodeServer(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		n := startNode(t)
		welcome := make(chan []any, 1)
		echoes := make(chan []any, 1)
		answers := make(chan string, 1)
		s := dial(t, n.url, md, "/", nil, nil, func(s *client.Socket) {
			s.On("welcome", func(id string, recovered bool, rest codec.Args) {
				welcome <- []any{id, recovered, rest.Len()}
			})
			s.On("echo", func(a string, b float64) { echoes <- []any{a, b} })
			s.On("question", func(q string, ack client.AckFunc) { _ = ack("42 is the answer to " + q) })
			s.On("answer", func(a string) { answers <- a })
		})
		// The offset Node appends with recovery enabled stays, as in the
		// JS client: one more argument.
		if w := recv(t, welcome, "welcome"); w[0] != s.ID() || w[1] != false || w[2] != 1 {
			t.Fatalf("welcome %v (id %s)", w, s.ID())
		}

		// Acks with JSON and binary both ways.
		args, err := s.EmitWithAck(ctxWait(t), "echo", "text", 1.5, map[string]any{"bin": []byte{1, 2, 3}}, []byte{})
		if err != nil {
			t.Fatal(err)
		}
		var text string
		var num float64
		var obj struct{ Bin []byte }
		var empty []byte
		if args.Len() != 4 || args.Decode(0, &text) != nil || args.Decode(1, &num) != nil ||
			args.Decode(2, &obj) != nil || args.Decode(3, &empty) != nil {
			t.Fatalf("ack: %d args", args.Len())
		}
		if text != "text" || num != 1.5 || !bytes.Equal(obj.Bin, []byte{1, 2, 3}) || empty == nil || len(empty) != 0 {
			t.Fatalf("ack %q %v %v %v", text, num, obj.Bin, empty)
		}
		args, err = s.EmitWithAck(ctxWait(t), "bytes", 5)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Data []byte
			N    int
		}
		if err := args.Decode(0, &b); err != nil || !bytes.Equal(b.Data, []byte{0, 1, 2, 3, 4}) || b.N != 5 {
			t.Fatalf("bytes %+v %v", b, err)
		}

		// An event without ack comes back as an event.
		if err := s.Emit("echo", "again", 2); err != nil {
			t.Fatal(err)
		}
		if e := recv(t, echoes, "echo"); !reflect.DeepEqual(e, []any{"again", 2.0}) {
			t.Fatalf("echo %v", e)
		}

		// The server asks, the client's AckFunc answers.
		if err := s.Emit("ask", "life"); err != nil {
			t.Fatal(err)
		}
		if a := recv(t, answers, "the answer"); a != "42 is the answer to life" {
			t.Fatalf("answer %q", a)
		}

		// Another namespace on the same connection, and a refused one.
		chat := s.Manager().Socket("/chat", nil)
		chatWelcome := make(chan string, 1)
		chat.On("welcome", func(id string) { chatWelcome <- id })
		connect(t, chat, mode{}, nil)
		if id := recv(t, chatWelcome, "chat welcome"); id != chat.ID() {
			t.Fatalf("chat welcome %q, id %q", id, chat.ID())
		}
		priv := s.Manager().Socket("/private", &client.SocketOptions{Auth: map[string]any{"token": "nope"}})
		priv.Connect()
		var ce *client.ConnectError
		if err := priv.WaitConnected(ctxWait(t)); !errors.As(err, &ce) || ce.Message != "not authorized" ||
			!reflect.DeepEqual(ce.Data, map[string]any{"code": 42.0}) {
			t.Fatalf("private: %v (%+v)", err, ce)
		}

		// The server disconnects the socket: final.
		reasons := make(chan string, 1)
		chat.OnDisconnect(func(r string) { reasons <- r })
		if err := chat.Emit("disconnect-me"); err != nil {
			t.Fatal(err)
		}
		if r := recv(t, reasons, "the disconnection"); r != client.ReasonServerDisconnect {
			t.Fatalf("reason %q", r)
		}
		if chat.Active() || !s.Connected() {
			t.Fatal("chat still active, or / disconnected")
		}
	})
}

func TestNodeAuthAccepted(t *testing.T) {
	n := startNode(t)
	s := dial(t, n.url, modes[1], "/private", nil, &client.SocketOptions{Auth: map[string]any{"token": "secret"}}, nil)
	if ns := n.socket(t, "/private", s.ID()); ns.Auth["token"] != "secret" || !ns.Connected {
		t.Fatalf("node sees %+v", ns)
	}
}

// gate controls the client's network: closed, it refuses new connections;
// kill closes the client's connections.
type gate struct {
	mu     sync.Mutex
	closed bool
	conns  []net.Conn
}

var errGateClosed = errors.New("test gate closed")

func (g *gate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		return nil, errGateClosed
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.conns = append(g.conns, c)
	g.mu.Unlock()
	return c, nil
}

func (g *gate) set(closed bool) {
	g.mu.Lock()
	g.closed = closed
	g.mu.Unlock()
}

func (g *gate) kill() {
	g.mu.Lock()
	conns := g.conns
	g.conns = nil
	g.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// options are client options whose every connection goes through g.
func (g *gate) options(base client.Options) *client.Options {
	tr := &http.Transport{DialContext: g.dial}
	base.HTTPClient = &http.Client{Transport: tr}
	base.Dialer = &websocket.Dialer{NetDialContext: g.dial, HandshakeTimeout: wait}
	return &base
}

// Connection state recovery against socket.io 4.8.4: the connection is
// cut, Node emits events meanwhile, and the reconnected socket gets them
// (before OnConnect), keeps its id, and reports Recovered.
func TestNodeRecovery(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		// A short heartbeat, so that Node notices a cut polling session
		// (no pending GET) quickly.
		n := startNode(t, "PING_INTERVAL=300", "PING_TIMEOUT=300")
		g := &gate{}
		opts := g.options(client.Options{ReconnectionDelay: 5 * time.Millisecond, ReconnectionDelayMax: 20 * time.Millisecond})
		m, up := newManager(t, n.url, md, opts)
		defer g.kill()
		events := make(chan string, 16)
		s := m.Socket("/chat", &client.SocketOptions{Auth: map[string]any{"token": "t1"}})
		s.On("news", func(v int, rest codec.Args) {
			events <- fmt.Sprintf("news %d +%d", v, rest.Len())
		})
		s.OnConnect(func() { events <- fmt.Sprintf("connect recovered=%v", s.Recovered()) })
		s.OnDisconnect(func(r string) { events <- "disconnect" })
		connect(t, s, md, up)
		if e := recv(t, events, "connect"); e != "connect recovered=false" {
			t.Fatalf("got %q", e)
		}
		id := s.ID()
		// An event gives the client an offset (without one, nothing can
		// be recovered).
		n.emit(t, "/chat", "news", 1)
		if e := recv(t, events, "news 1"); e != "news 1 +1" { // +1: the offset
			t.Fatalf("got %q", e)
		}

		g.set(true)
		g.kill()
		if e := recv(t, events, "the disconnection"); e != "disconnect" {
			t.Fatalf("got %q", e)
		}
		// Node must see the socket gone before emitting, or the events
		// would go to the dead connection (bounded polling: Node's state
		// is in another process).
		deadline := time.Now().Add(wait)
		for n.socket(t, "/chat", id).Connected {
			if time.Now().After(deadline) {
				t.Fatal("node never saw the disconnection")
			}
			time.Sleep(20 * time.Millisecond)
		}
		n.emit(t, "/chat", "news", 2)
		n.emit(t, "/chat", "news", 3)
		g.set(false)

		for _, want := range []string{"news 2 +1", "news 3 +1", "connect recovered=true"} {
			if e := recv(t, events, want); e != want {
				t.Fatalf("got %q, want %q", e, want)
			}
		}
		if !s.Recovered() || s.ID() != id {
			t.Fatalf("recovered %v, id %q (was %q)", s.Recovered(), s.ID(), id)
		}
		ns := n.socket(t, "/chat", id)
		if !ns.Recovered || !ns.Connected {
			t.Fatalf("node sees %+v", ns)
		}
		// The CONNECT carried the pid and offset, merged with the auth.
		if ns.Auth["token"] != "t1" || ns.Auth["pid"] == nil || ns.Auth["offset"] == nil {
			t.Fatalf("auth %v", ns.Auth)
		}
		n.emit(t, "/chat", "news", 4)
		if e := recv(t, events, "news 4"); e != "news 4 +1" {
			t.Fatalf("got %q", e)
		}
	})
}

// Node's heartbeat is answered on every transport: with a 100 ms ping
// interval the connection outlives many intervals. Node sends its next
// ping only after the pong of the last one, so five pings prove five
// pongs whatever the timeout; the timeout is wide for a loaded machine
// (100 ms timed out under -race while other tests ran).
func TestNodeHeartbeat(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		n := startNode(t, "PING_INTERVAL=100", "PING_TIMEOUT=2000")
		m, up := newManager(t, n.url, md, nil)
		pings := make(chan struct{}, 64)
		m.OnPing(func() { pings <- struct{}{} })
		closes := make(chan string, 1)
		m.OnClose(func(r string, _ error) { closes <- r })
		s := m.Socket("/", nil)
		connect(t, s, md, up)
		for range 5 {
			recv(t, pings, "a ping")
		}
		select {
		case r := <-closes:
			t.Fatalf("closed: %s", r)
		default:
		}
		if ns := n.socket(t, "/", s.ID()); !ns.Connected {
			t.Fatalf("node sees %+v", ns)
		}
	})
}
