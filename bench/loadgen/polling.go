//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

// The polling scenario: -clients workers, each in a loop: an Engine.IO
// handshake over long-polling (GET /engine.io/?EIO=4&transport=polling),
// then -echoes round trips, then a close packet. Like engine.io-client, a
// session always has a GET pending (answering the server's pings with a
// POSTed pong) while messages go out as POSTs, one at a time; an echo round
// trip is from POSTing "4<msg>" to the pending GET returning it. Echoes are
// the ops; handshakes are counted and timed beside them. Bytes per op are
// every byte of the window (handshakes, pongs and closes included) over
// the echoes.

const recordSep = 0x1e // Engine.IO v4 payload separator

var errSessionClosed = errors.New("engine.io session closed by the server")

func pollHandshake(hc *httpConn, target string) (string, error) {
	b, err := hc.request(target, nil)
	if err != nil {
		return "", err
	}
	if i := bytes.IndexByte(b, recordSep); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 || b[0] != '0' {
		return "", fmt.Errorf("handshake: expected an open packet, got %q", b)
	}
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(b[1:], &open); err != nil || open.SID == "" {
		return "", fmt.Errorf("handshake: bad open packet %q", b)
	}
	return open.SID, nil
}

// pollSession is one open Engine.IO polling session with its pending GET,
// on a connection of its own; POSTs go on the worker's other connection.
type pollSession struct {
	target   string // …&sid=…
	getConn  *httpConn
	postMu   sync.Mutex
	postConn *httpConn
	msgs     chan []byte // messages received, copied
	closing  atomic.Bool
	done     chan struct{} // closed when the poller stops
	err      error         // why the poller stopped; read after done
}

func openPollSession(get, post *httpConn, target, sid string) *pollSession {
	s := &pollSession{target: target + "&sid=" + sid, getConn: get, postConn: post, msgs: make(chan []byte, 64), done: make(chan struct{})}
	go s.poll()
	return s
}

// post sends one payload; Engine.IO allows one POST at a time.
func (s *pollSession) post(body []byte) error {
	s.postMu.Lock()
	defer s.postMu.Unlock()
	_, err := s.postConn.request(s.target, body)
	return err
}

func (s *pollSession) poll() {
	defer close(s.done)
	for {
		b, err := s.getConn.request(s.target, nil)
		if err != nil {
			s.err = err
			return
		}
		for len(b) > 0 {
			pkt := b
			if i := bytes.IndexByte(b, recordSep); i >= 0 {
				pkt, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			switch {
			case len(pkt) == 0:
			case pkt[0] == '4':
				s.msgs <- bytes.Clone(pkt)
			case len(pkt) == 1 && pkt[0] == '2':
				if err := s.post(pongPacket); err != nil {
					s.err = err
					return
				}
			case pkt[0] == '1':
				s.err = errSessionClosed
				return
			}
		}
		if s.closing.Load() {
			return
		}
	}
}

// echo posts msg and waits for the pending GET to bring it back.
func (s *pollSession) echo(msg []byte) error {
	if err := s.post(msg); err != nil {
		return err
	}
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case m := <-s.msgs:
			if bytes.Equal(m, msg) {
				return nil
			}
		case <-s.done:
			if s.err == nil {
				return errSessionClosed
			}
			return s.err
		case <-t.C:
			return errors.New("polling: no echo in 30s")
		}
	}
}

// close sends the close packet; the server then releases the pending GET.
// It reports whether the GET connection is free again.
func (s *pollSession) close() bool {
	s.closing.Store(true)
	_ = s.post([]byte("1"))
	select {
	case <-s.done:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

func runPolling(cfg *config) (*proto.Result, error) {
	u, err := url.Parse(cfg.url)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad url %q", cfg.url)
	}
	target := "/engine.io/?EIO=4&transport=polling"
	pls := payloads(cfg)

	var measuring, stop atomic.Bool
	var errs, handshakes, large, compressed atomic.Int64
	var firstErr sync.Once
	echoH := make([]*hist.H, cfg.clients)
	hsH := make([]*hist.H, cfg.clients)
	wires := make([]*wireCount, cfg.clients)
	var wg sync.WaitGroup
	for w := range cfg.clients {
		echoH[w], hsH[w] = &hist.H{}, &hist.H{}
		wires[w] = &wireCount{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			newConn := func() *httpConn { return newHTTPConn(u.Host, cfg.acceptEnc, wires[w]) }
			post, get := newConn(), newConn()
			count := func() {
				// The poller may still be reading on get (a stuck session).
				large.Add(post.large.Swap(0) + get.large.Swap(0))
				compressed.Add(post.compressed.Swap(0) + get.compressed.Swap(0))
			}
			defer func() { count(); post.close(); get.close() }()
			msg := make([]byte, 0, 32+len(pls[0]))
			fail := func(err error) {
				if !stop.Load() {
					errs.Add(1)
					firstErr.Do(func() { log.Printf("polling error (first of its kind shown): %v", err) })
				}
				time.Sleep(50 * time.Millisecond) // do not spin on a dead server
			}
			var n uint64
			for !stop.Load() {
				t0 := time.Now()
				sid, err := pollHandshake(post, target)
				if err != nil {
					fail(err)
					continue
				}
				if measuring.Load() {
					hsH[w].Record(int64(time.Since(t0)))
					handshakes.Add(1)
				}
				sess := openPollSession(get, post, target, sid)
				for k := 0; k < cfg.echoes && !stop.Load(); k++ {
					n++
					msg = append(msg[:0], '4')
					msg = strconv.AppendUint(msg, n, 10)
					msg = append(msg, '-')
					msg = append(msg, pls[n%uint64(len(pls))]...)
					t1 := time.Now()
					if err := sess.echo(msg); err != nil {
						fail(err)
						break
					}
					if measuring.Load() {
						echoH[w].Record(int64(time.Since(t1)))
					}
				}
				if !sess.close() {
					// A stuck poller still holds both connections: leave them to it.
					count()
					get, post = newConn(), newConn()
				} else {
					count()
				}
			}
		}()
	}
	phase("warmup")
	time.Sleep(cfg.warmup)
	phase("measure")
	cpu := proc.StartCPU(cfg.serverPID)
	rx0, tx0 := wireTotals(wires)
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(cfg.duration)
	measuring.Store(false)
	secs := time.Since(t0).Seconds()
	rx1, tx1 := wireTotals(wires)
	mcpu := cpu.Machine()
	lcpu, scpu := cpu.Stop()
	stop.Store(true)
	waitTimeout(&wg, 10*time.Second)

	eh, hh := &hist.H{}, &hist.H{}
	for w := range cfg.clients {
		eh.Merge(echoH[w])
		hh.Merge(hsH[w])
	}
	hsum := hh.Summary()
	extra := map[string]float64{
		"handshakes_per_s": float64(handshakes.Load()) / secs,
		"handshake_p50_ns": float64(hsum.P50),
		"handshake_p99_ns": float64(hsum.P99),
	}
	if n := large.Load(); n > 0 {
		// Over the whole run: did the server compress what it could?
		extra["compressed_share"] = float64(compressed.Load()) / float64(n)
	}
	return &proto.Result{
		Mode:       "eio",
		Connected:  cfg.clients,
		Errors:     errs.Load(),
		Seconds:    secs,
		Ops:        int64(eh.Count),
		Rate:       float64(eh.Count) / secs,
		Lat:        eh.Summary(),
		Extra:      wireExtra(extra, rx1-rx0, tx1-tx0, int64(eh.Count)),
		LoadgenCPU: lcpu,
		ServerCPU:  scpu,
		MachineCPU: mcpu,
	}, nil
}
