// Package faultproxy is a TCP proxy for tests that kills connections at
// random points: after a random number of bytes from the server, it
// forwards part of the chunk it holds (so the client sees a frame or an
// HTTP response cut short) and resets both sides. Killed mid-frame,
// mid-poll or during an upgrade, whatever the stream was doing then.
package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// Options says when connections are killed: each connection forwards a
// budget of bytes from the server, drawn uniformly from [MinBytes,
// MaxBytes], then dies. MaxBytes 0 never kills.
type Options struct {
	MinBytes, MaxBytes int64
	// KillRatio is the share of connections given a budget; the others
	// are never killed. Zero means all of them. Below 1, a response too
	// large for any budget still gets through, on some connections.
	KillRatio float64
	Seed      uint64 // of the random source
}

// Proxy forwards connections accepted on its address to a target.
//
// Concurrency: all methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string
	opts   Options

	killing atomic.Bool
	kills   atomic.Int64

	mu     sync.Mutex
	rng    *rand.Rand        // guarded by mu
	conns  map[net.Conn]bool // guarded by mu; both sides of each open pair
	halves map[net.Conn]bool // guarded by mu; by client side: one direction has ended
	wg     sync.WaitGroup
}

// Start listens on 127.0.0.1 and forwards to target (host:port).
func Start(target string, opts Options) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), conns: map[net.Conn]bool{}, halves: map[net.Conn]bool{}}
	p.killing.Store(opts.MaxBytes > 0)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Kills returns how many connections the proxy has killed.
func (p *Proxy) Kills() int64 { return p.kills.Load() }

// SetKilling turns killing on or off for the bytes forwarded from now on.
func (p *Proxy) SetKilling(on bool) { p.killing.Store(on && p.opts.MaxBytes > 0) }

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		budget := p.opts.MinBytes
		if p.opts.MaxBytes > p.opts.MinBytes {
			budget += p.rng.Int64N(p.opts.MaxBytes - p.opts.MinBytes + 1)
		}
		if r := p.opts.KillRatio; r > 0 && r < 1 && p.rng.Float64() >= r {
			budget = -1
		}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(s, c, -1, c, s) // client → server, plain
		go p.pipe(c, s, budget, c, s)
	}
}

// pipe copies from src to dst. With a budget (≥ 0), once it is spent the
// pair is reset: what is left of the budget is forwarded first, so the
// receiver gets a cut chunk. An EOF is passed on as a half close; any
// other end closes both sides.
func (p *Proxy) pipe(dst io.Writer, src io.Reader, budget int64, client, server net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			kill := false
			if budget >= 0 && p.killing.Load() {
				if int64(n) >= budget {
					chunk, kill = chunk[:budget], true
				}
				budget -= int64(len(chunk))
			}
			if _, werr := dst.Write(chunk); werr != nil {
				p.drop(client, server, false)
				return
			}
			if kill {
				p.drop(client, server, true)
				return
			}
		}
		if errors.Is(err, io.EOF) {
			if tc, ok := dst.(*net.TCPConn); ok && tc.CloseWrite() == nil {
				p.halfClosed(client, server)
				return
			}
		}
		if err != nil {
			p.drop(client, server, false)
			return
		}
	}
}

// halfClosed notes that one direction of a pair ended with an EOF; when
// both have, the pair is closed.
func (p *Proxy) halfClosed(client, server net.Conn) {
	p.mu.Lock()
	both := p.halves[client]
	p.halves[client] = true
	p.mu.Unlock()
	if both {
		p.drop(client, server, false)
	}
}

// drop closes both sides of a pair; a kill resets them (RST), as a
// network failure would look to each peer.
func (p *Proxy) drop(client, server net.Conn, kill bool) {
	p.mu.Lock()
	open := p.conns[client]
	delete(p.conns, client)
	delete(p.conns, server)
	delete(p.halves, client)
	p.mu.Unlock()
	if kill && open {
		p.kills.Add(1)
		for _, c := range []net.Conn{client, server} {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
		}
	}
	client.Close()
	server.Close()
}
