//go:build linux

// Command raw is the practical limit in the benchmarks
// (docs/benchmarks.md): a plain gorilla/websocket server with the same
// shape as the Socket.IO bench servers and no Socket.IO or Engine.IO
// framing (no heartbeat, no packet encoding, no queues).
//
//	/ws                         WebSocket: a message is echoed as is (the
//	                            ack round trip); "!d<n>" returns n broadcast
//	                            credits; broadcasts are "b,<ts>,<seq>,xxx…"
//	POST /control/broadcast     as the other servers: rate, size, duration,
//	                            window
//	GET  /control/rss[?gc=1]    VmRSS, live heap and connections
//
// A broadcast is one prepared message (framed once) written to every
// connection, the connections split among GOMAXPROCS writers.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // served on -pprof only
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/bench/internal/benchsrv"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proto"
)

type conn struct {
	ws *websocket.Conn
	mu sync.Mutex // one writer at a time: the echo and the broadcasters
}

type hub struct {
	mu    sync.RWMutex
	conns map[*conn]struct{}
}

func (h *hub) add(c *conn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

func (h *hub) snapshot() []*conn {
	h.mu.RLock()
	out := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	h.mu.RUnlock()
	return out
}

// broadcast writes pm to every connection, in parallel chunks.
func (h *hub) broadcast(pm *websocket.PreparedMessage) {
	all := h.snapshot()
	workers := runtime.GOMAXPROCS(0)
	if len(all) < 256 {
		workers = 1
	}
	chunk := (len(all) + workers - 1) / workers
	var wg sync.WaitGroup
	for i := 0; i < len(all); i += chunk {
		part := all[i:min(i+chunk, len(all))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range part {
				c.mu.Lock()
				err := c.ws.WritePreparedMessage(pm)
				c.mu.Unlock()
				if err != nil {
					_ = c.ws.Close()
				}
			}
		}()
	}
	wg.Wait()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3002", "listen address")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (empty: off)")
	flag.Parse()
	benchsrv.RaiseFileLimit()

	credits := benchsrv.NewCredits()
	h := &hub{conns: make(map[*conn]struct{})}
	up := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(*http.Request) bool { return true },
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &conn{ws: ws}
		h.add(c)
		defer func() {
			h.remove(c)
			_ = ws.Close()
		}()
		for {
			mt, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if len(data) > len(proto.RawCredit) && string(data[:len(proto.RawCredit)]) == proto.RawCredit {
				if n, err := strconv.Atoi(string(data[len(proto.RawCredit):])); err == nil {
					credits.Release(n)
				}
				continue
			}
			c.mu.Lock()
			err = ws.WriteMessage(mt, data)
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/control/broadcast", benchsrv.BroadcastHandler(credits, func(size int) {
		ts := mono.Now()
		seq := credits.NextSeq()
		b := make([]byte, 0, size)
		b = append(b, proto.RawBroadcastPrefix...)
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, seq, 10)
		b = append(b, ',')
		b = append(b, proto.Pad(proto.PadLen(size, proto.RawFraming, ts, seq))...)
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
		if err != nil {
			return
		}
		h.broadcast(pm)
	}))
	mux.HandleFunc("/control/rss", benchsrv.RSSHandler(h.count))

	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, http.DefaultServeMux)) }()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("bench server (raw gorilla/websocket) on http://%s", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(ln))
}
