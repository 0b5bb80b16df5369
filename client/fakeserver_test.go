package client_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// fakeServer is a scripted Engine.IO server for what our server never
// does (stop pinging, send garbage, hold a POST): the test sees and sends
// raw Engine.IO packets in their text form ("2", `42["a"]`). Binary
// messages are not supported. One connection at a time.
type fakeServer struct {
	t  *testing.T
	ts *httptest.Server
	// handshake is the open packet's JSON, with %s for the sid.
	handshake string
	// autoConnect answers a CONNECT to "/" with `40{"sid":"fake"}`.
	autoConnect bool
	// holdPost, when non-nil, makes each POST wait for a value from it.
	holdPost chan struct{}

	mu    sync.Mutex
	conn  *fakeConn
	conns chan *fakeConn
	posts chan string // polling POST bodies, as received
}

// fakeConn is the server side of one Engine.IO session.
type fakeConn struct {
	sid  string
	in   chan string   // packets from the client
	out  chan string   // packets to the client
	done chan struct{} // closed to end the session
	once sync.Once
}

func (c *fakeConn) close() { c.once.Do(func() { close(c.done) }) }

// send queues packets for the client.
func (c *fakeConn) send(t *testing.T, pkts ...string) {
	t.Helper()
	for _, p := range pkts {
		select {
		case c.out <- p:
		case <-c.done:
			t.Fatalf("send %q: session closed", p)
		}
	}
}

func newFakeServer(t *testing.T, pingInterval, pingTimeout, maxPayload int) *fakeServer {
	f := &fakeServer{
		t:           t,
		handshake:   fmt.Sprintf(`{"sid":"%%s","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":%d}`, pingInterval, pingTimeout, maxPayload),
		autoConnect: true,
		conns:       make(chan *fakeConn, 8),
		posts:       make(chan string, 64),
	}
	f.ts = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.close()
		}
		f.mu.Unlock()
		f.ts.CloseClientConnections()
		f.ts.Close()
	})
	return f
}

var upgrader = websocket.Upgrader{}

func (f *fakeServer) newConn() *fakeConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.conn.close()
	}
	c := &fakeConn{sid: fmt.Sprintf("fake%d", len(f.conns)), in: make(chan string, 256), out: make(chan string, 256), done: make(chan struct{})}
	f.conn = c
	f.conns <- c
	return c
}

func (f *fakeServer) current() *fakeConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conn
}

// received handles a packet from the client.
func (f *fakeServer) received(c *fakeConn, p string) {
	if f.autoConnect && strings.HasPrefix(p, "40") && !strings.HasPrefix(p, "40/") {
		c.out <- `40{"sid":"fake"}`
	}
	select {
	case c.in <- p:
	default:
		f.t.Errorf("fake server: input full, dropped %q", p)
	}
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("transport") == "websocket" && q.Get("sid") == "":
		f.serveWS(w, r)
	case q.Get("transport") == "polling" && q.Get("sid") == "":
		c := f.newConn()
		fmt.Fprintf(w, "0"+f.handshake, c.sid)
	case q.Get("transport") == "polling":
		c := f.current()
		if c != nil {
			select {
			case <-c.done:
				c = nil
			default:
			}
		}
		if c == nil || c.sid != q.Get("sid") {
			http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodPost {
			if f.holdPost != nil {
				select {
				case <-f.holdPost:
				case <-r.Context().Done():
					return
				}
			}
			body, _ := io.ReadAll(r.Body)
			f.posts <- string(body)
			for _, p := range strings.Split(string(body), "\x1e") {
				f.received(c, p)
			}
			_, _ = io.WriteString(w, "ok")
			return
		}
		var batch []string
		select {
		case p := <-c.out:
			batch = append(batch, p)
		case <-c.done:
			_, _ = io.WriteString(w, "1") // the server closes the session
			return
		case <-r.Context().Done():
			return
		}
		for more := true; more; {
			select {
			case p := <-c.out:
				batch = append(batch, p)
			default:
				more = false
			}
		}
		_, _ = io.WriteString(w, strings.Join(batch, "\x1e"))
	default:
		http.Error(w, "bad request", http.StatusBadRequest)
	}
}

func (f *fakeServer) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := f.newConn()
	_ = ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "0"+f.handshake, c.sid))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case p := <-c.out:
				if ws.WriteMessage(websocket.TextMessage, []byte(p)) != nil {
					return
				}
			case <-c.done:
				_ = ws.Close()
				return
			}
		}
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			break
		}
		f.received(c, string(bytes.Clone(data)))
	}
	c.close()
	wg.Wait()
}

// next returns the next packet from the client, skipping pongs unless
// they are asked for.
func (c *fakeConn) next(t *testing.T, skipPongs bool) string {
	t.Helper()
	for {
		p := recv(t, c.in, "a packet from the client")
		if skipPongs && p == "3" {
			continue
		}
		return p
	}
}
