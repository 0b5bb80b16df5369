package socketio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Flash policy: Flash and some legacy socket clients ask for a
// cross-domain policy by sending <policy-file-request/> and a NUL byte on
// a new TCP connection, before anything else. The policy is built from the
// same OriginPolicy as the origin check and CORS. Serve it inline on the
// HTTP port (FlashPolicyListener), on its own port (ServeFlashPolicy, port
// 843 by convention), or as /crossdomain.xml (FlashPolicyHandler).

const flashRequest = "<policy-file-request/>\x00"

// flashReadTimeout bounds how long a new connection may take to send its
// first bytes before the listener wrapper gives up sniffing them.
const flashReadTimeout = 5 * time.Second

// FlashPolicy returns the cross-domain policy XML for p: one
// allow-access-from element per allowed origin (wildcard patterns become
// "*.example.com", "*" allows every domain). The zero policy (same origin
// only) allows no other domain. AllowOriginFunc cannot be expressed in a
// policy file and is ignored.
func FlashPolicy(p OriginPolicy) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n")
	b.WriteString(`<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd">` + "\n")
	b.WriteString("<cross-domain-policy>\n")
	for _, o := range p.AllowedOrigins {
		domain := o
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || u.Host == "" {
				continue
			}
			domain = u.Hostname()
		}
		b.WriteString(`  <allow-access-from domain="`)
		_ = xml.EscapeText(&b, []byte(domain))
		b.WriteString(`" to-ports="*"/>` + "\n")
	}
	b.WriteString("</cross-domain-policy>\n")
	return b.Bytes()
}

// FlashPolicyHandler serves the policy as an XML document, for clients
// that fetch /crossdomain.xml.
func FlashPolicyHandler(p OriginPolicy) http.Handler {
	policy := FlashPolicy(p)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/x-cross-domain-policy")
		_, _ = w.Write(policy)
	})
}

// ServeFlashPolicy answers policy requests on ln (a dedicated listener,
// port 843 by convention) until ctx is done or ln fails, then closes ln.
// Each connection gets the policy, NUL-terminated, and is closed.
func ServeFlashPolicy(ctx context.Context, ln net.Listener, p OriginPolicy) error {
	policy := append(FlashPolicy(p), 0)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			// Stopping does not wait for clients still sending their
			// request (up to flashReadTimeout): their connections close.
			defer context.AfterFunc(ctx, func() { conn.Close() })()
			_ = conn.SetDeadline(time.Now().Add(flashReadTimeout))
			buf := make([]byte, len(flashRequest))
			if _, err := io.ReadFull(conn, buf); err == nil && string(buf) == flashRequest {
				_, _ = conn.Write(policy)
			}
		}()
	}
}

// FlashPolicyListener wraps ln so that connections opening with a policy
// request get the policy and are closed, while every other connection is
// handed to the HTTP server unchanged: the policy is served on the
// server's own port. Accept never blocks on a client: the sniffing
// happens on the connection's first Read.
func FlashPolicyListener(ln net.Listener, p OriginPolicy) net.Listener {
	return &flashListener{Listener: ln, policy: append(FlashPolicy(p), 0)}
}

type flashListener struct {
	net.Listener
	policy []byte
}

func (l *flashListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &flashConn{Conn: c, policy: l.policy}, nil
}

// flashConn sniffs the first bytes of a connection on its first Read.
type flashConn struct {
	net.Conn
	policy []byte
	once   sync.Once
	r      *bufio.Reader // set once sniffed; nil afterwards if drained
	err    error

	mu           sync.Mutex
	readDeadline time.Time // the read deadline last set by the HTTP server
}

// SetDeadline and SetReadDeadline record the read deadline the HTTP server
// sets (ReadTimeout, ReadHeaderTimeout, IdleTimeout), so that sniffing
// honours it and restores it afterwards.
func (c *flashConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return c.Conn.SetDeadline(t)
}

func (c *flashConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return c.Conn.SetReadDeadline(t)
}

var errPolicyServed = errors.New("socketio: flash policy served")

func (c *flashConn) Read(p []byte) (int, error) {
	c.once.Do(c.sniff)
	if c.err != nil {
		return 0, c.err
	}
	if c.r != nil {
		if c.r.Buffered() > 0 {
			return c.r.Read(p)
		}
		c.r = nil // only the sniffed bytes were buffered: read directly now
	}
	return c.Conn.Read(p)
}

// SyscallConn exposes the socket once nothing sniffed is left unread, so
// that a WebSocket on this listener keeps the transport's fast paths
// (non-blocking writes from the sender, reads that park when idle) which
// need the raw descriptor. While sniffed bytes are still buffered here,
// reading the descriptor directly would skip them: it reports an error and
// the transport falls back to reading through Read.
//
// It is called by the handler that hijacked the connection, after the
// HTTP server has stopped reading from it.
func (c *flashConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok || c.err != nil || (c.r != nil && c.r.Buffered() > 0) {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}

func (c *flashConn) sniff() {
	c.r = bufio.NewReaderSize(c.Conn, len(flashRequest))
	first, err := c.r.Peek(1)
	if err != nil || first[0] != '<' {
		return // not a policy request (or the error surfaces on Read)
	}
	// Wait for the rest of a policy request at most flashReadTimeout, and
	// never past the HTTP server's own deadline; then put that deadline
	// back (clearing it would let a client that sent "<" and nothing
	// else hold the connection forever, whatever ReadHeaderTimeout says).
	c.mu.Lock()
	deadline := time.Now().Add(flashReadTimeout)
	if !c.readDeadline.IsZero() && c.readDeadline.Before(deadline) {
		deadline = c.readDeadline
	}
	_ = c.Conn.SetReadDeadline(deadline)
	c.mu.Unlock()
	req, err := c.r.Peek(len(flashRequest))
	c.mu.Lock()
	_ = c.Conn.SetReadDeadline(c.readDeadline)
	c.mu.Unlock()
	if err != nil || !strings.HasPrefix(string(req), flashRequest) {
		return
	}
	_, _ = c.Conn.Write(c.policy)
	_ = c.Conn.Close()
	c.err = errPolicyServed
}
