// Package framespy watches WebSocket connections go by and counts their
// frames, for tests that must show what went over the wire: whether
// permessage-deflate was negotiated (the 101 response's
// Sec-WebSocket-Extensions) and which messages were compressed (RSV1), in
// both directions. It wraps a Go client's net.Conn (Spy.DialContext) or
// sits between any client and the server as a TCP proxy (StartProxy), for
// Node.js and Chromium.
//
// A connection whose first request or response is not a WebSocket
// upgrade (polling) is passed through and only its bytes are counted.
package framespy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Counts is what a Spy has seen. Frames counts data messages (text and
// binary frames, not continuations or control frames); Compressed those of
// them with RSV1 set; PayloadBytes the payload bytes of every data frame,
// continuations included, as sent (compressed or not).
type Counts struct {
	Upgrades   int      // 101 responses
	Extensions []string // their Sec-WebSocket-Extensions values ("" for none)

	ServerFrames, ServerCompressed int64
	ServerPayloadBytes             int64
	ClientFrames, ClientCompressed int64
	ClientPayloadBytes             int64
	// ServerBytes and ClientBytes are every byte each way, HTTP included.
	ServerBytes, ClientBytes int64
}

// Spy accumulates the Counts of the connections it watches.
//
// Concurrency: all methods are safe for concurrent use.
type Spy struct {
	mu sync.Mutex
	c  Counts // guarded by mu
}

// Counts returns a copy of the counts so far.
func (s *Spy) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.c
	c.Extensions = append([]string(nil), s.c.Extensions...)
	return c
}

// DialContext dials like net.Dialer and watches the connection as its
// client: what it reads comes from the server.
func (s *Spy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return s.Wrap(c), nil
}

// Wrap watches a client's connection.
func (s *Spy) Wrap(c net.Conn) net.Conn {
	return &conn{Conn: c, in: s.newStream(true), out: s.newStream(false)}
}

type conn struct {
	net.Conn
	in, out *stream
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in.feed(p[:n])
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out.feed(p[:n])
	return n, err
}

// stream parses one direction of one connection; it is fed by one
// goroutine.
type stream struct {
	spy        *Spy
	fromServer bool
	state      int    // stateHead, stateFrames or statePass
	head       []byte // the HTTP head read so far
	hdr        []byte // a frame header read so far
	skip       uint64 // payload bytes of the current frame still to come
}

const (
	stateHead = iota
	stateFrames
	statePass
)

func (s *Spy) newStream(fromServer bool) *stream { return &stream{spy: s, fromServer: fromServer} }

func (st *stream) feed(b []byte) {
	st.spy.mu.Lock()
	defer st.spy.mu.Unlock()
	c := &st.spy.c
	if st.fromServer {
		c.ServerBytes += int64(len(b))
	} else {
		c.ClientBytes += int64(len(b))
	}
	for len(b) > 0 {
		switch st.state {
		case statePass:
			return
		case stateHead:
			st.head = append(st.head, b...)
			i := bytes.Index(st.head, []byte("\r\n\r\n"))
			if i < 0 {
				if len(st.head) > 64<<10 {
					st.state, st.head = statePass, nil
				}
				return
			}
			b = st.head[i+4:]
			st.state = st.endHead(st.head[:i+4])
			st.head = nil
		case stateFrames:
			b = st.frames(b)
		}
	}
}

// endHead looks at a complete HTTP head and returns the next state.
func (st *stream) endHead(head []byte) int {
	c := &st.spy.c
	if !st.fromServer {
		lower := strings.ToLower(string(head))
		if strings.Contains(lower, "\r\nupgrade: websocket") {
			return stateFrames
		}
		return statePass
	}
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		return statePass
	}
	c.Upgrades++
	c.Extensions = append(c.Extensions, strings.Join(res.Header.Values("Sec-Websocket-Extensions"), ", "))
	return stateFrames
}

// frames consumes frame bytes and returns what is left of b (nothing).
func (st *stream) frames(b []byte) []byte {
	c := &st.spy.c
	for len(b) > 0 {
		if st.skip > 0 {
			k := min(st.skip, uint64(len(b)))
			st.skip -= k
			b = b[k:]
			continue
		}
		// The header, a byte at a time (it is 2 to 14 bytes).
		st.hdr = append(st.hdr, b[0])
		b = b[1:]
		if len(st.hdr) < 2 || len(st.hdr) < headerLen(st.hdr) {
			continue
		}
		h := st.hdr
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			n = uint64(binary.BigEndian.Uint16(h[2:]))
		case 127:
			n = binary.BigEndian.Uint64(h[2:])
		}
		op := h[0] & 0x0f
		if op < 8 {
			data := op == 1 || op == 2
			rsv1 := data && h[0]&0x40 != 0
			if st.fromServer {
				c.ServerPayloadBytes += int64(n)
				if data {
					c.ServerFrames++
				}
				if rsv1 {
					c.ServerCompressed++
				}
			} else {
				c.ClientPayloadBytes += int64(n)
				if data {
					c.ClientFrames++
				}
				if rsv1 {
					c.ClientCompressed++
				}
			}
		}
		st.skip = n
		st.hdr = st.hdr[:0]
	}
	return nil
}

// headerLen is the length of the frame header starting with h[:2].
func headerLen(h []byte) int {
	n := 2
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if h[1]&0x80 != 0 {
		n += 4
	}
	return n
}

// Proxy is a TCP proxy to one target that watches every connection.
//
// Concurrency: all methods are safe for concurrent use.
type Proxy struct {
	Spy
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool                  // guarded by mu
	conns  map[net.Conn]struct{} // guarded by mu
}

// StartProxy listens on 127.0.0.1 and forwards to target (host:port).
func StartProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
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
		t, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			t.Close()
			return
		}
		p.conns[c], p.conns[t] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(t, c, p.newStream(false))
		go p.pipe(c, t, p.newStream(true))
	}
}

// pipe copies src to dst through st. When either direction ends, both
// connections are closed: enough for HTTP and WebSocket in tests.
func (p *Proxy) pipe(dst, src net.Conn, st *stream) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			st.feed(buf[:n])
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	src.Close()
	dst.Close()
	p.mu.Lock()
	delete(p.conns, src)
	delete(p.conns, dst)
	p.mu.Unlock()
}
