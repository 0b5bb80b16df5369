//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (<linux/in.h>): binding a
// source address without choosing the port until connect(), so the port
// only has to be unique per 4-tuple and TIME_WAIT sockets of other
// destinations do not count. Without it, binding 127.0.0.x before connect
// exhausts that address's ports much sooner.
const ipBindAddressNoPort = 24

// writePool lets idle connections hold no write buffer.
var writePool = &sync.Pool{}

// dialers spreads connections over source addresses 127.0.0.first …
// 127.0.0.(first+n-1): loopback gives each (source, destination) pair
// about 28k ephemeral ports.
type dialers struct {
	ds []*websocket.Dialer
}

func newDialers(n, first int) (*dialers, error) {
	if n < 1 || first < 1 || first+n-1 > 254 {
		return nil, fmt.Errorf("source addresses 127.0.0.%d … 127.0.0.%d out of range", first, first+n-1)
	}
	d := &dialers{}
	for i := range n {
		nd := &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(first+i))},
			Timeout:   15 * time.Second,
			Control:   bindNoPort,
		}
		d.ds = append(d.ds, &websocket.Dialer{
			NetDialContext:   nd.DialContext,
			HandshakeTimeout: 15 * time.Second,
			ReadBufferSize:   4096,
			WriteBufferSize:  1024,
			WriteBufferPool:  writePool,
		})
	}
	return d, nil
}

func bindNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// pick returns the dialer of connection i.
func (d *dialers) pick(i int) *websocket.Dialer { return d.ds[i%len(d.ds)] }

// conn is one WebSocket client connection: a reusable read buffer and the
// protocol-level state the scenarios need.
type conn struct {
	ws  *websocket.Conn
	buf []byte
	idx int
}

// read returns the next message, in a buffer reused by the next read.
func (c *conn) read() ([]byte, error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	b := c.buf[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, 256)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			c.buf = b
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (c *conn) write(b []byte) error { return c.ws.WriteMessage(websocket.TextMessage, b) }

// pongPacket answers an Engine.IO ping.
var pongPacket = []byte("3")

// isPing reports an Engine.IO ping ("2"); raw mode has none.
func isPing(b []byte) bool { return len(b) == 1 && b[0] == '2' }

// endpoint knows how to open a connected client of one kind of server.
type endpoint struct {
	raw   bool
	wsURL string
}

func newEndpoint(base string, raw bool) (*endpoint, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return nil, fmt.Errorf("bad url %q", base)
	}
	if raw {
		u.Path, u.RawQuery = "/ws", ""
	} else {
		u.Path, u.RawQuery = "/socket.io/", "EIO=4&transport=websocket"
	}
	return &endpoint{raw: raw, wsURL: u.String()}, nil
}

var errConnectRefused = errors.New("socket.io CONNECT refused")

// open dials connection i and, for Socket.IO, completes the Engine.IO open
// and the Socket.IO CONNECT to "/": it returns once the server's CONNECT
// reply ("40{…}") has arrived, the moment the client's socket is connected.
func (e *endpoint) open(ctx context.Context, d *dialers, i int) (*conn, error) {
	ws, _, err := d.pick(i).DialContext(ctx, e.wsURL, nil)
	if err != nil {
		return nil, err
	}
	c := &conn{ws: ws, idx: i}
	if e.raw {
		return c, nil
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := c.read()
	if err != nil {
		_ = ws.Close()
		return nil, err
	}
	if len(b) == 0 || b[0] != '0' {
		_ = ws.Close()
		return nil, fmt.Errorf("expected the Engine.IO open packet, got %q", b)
	}
	if err := c.write([]byte("40")); err != nil {
		_ = ws.Close()
		return nil, err
	}
	for {
		b, err := c.read()
		if err != nil {
			_ = ws.Close()
			return nil, err
		}
		switch {
		case bytes.HasPrefix(b, []byte("40")):
			_ = ws.SetReadDeadline(time.Time{})
			return c, nil
		case bytes.HasPrefix(b, []byte("44")):
			_ = ws.Close()
			return nil, fmt.Errorf("%w: %s", errConnectRefused, b)
		case isPing(b):
			if err := c.write(pongPacket); err != nil {
				_ = ws.Close()
				return nil, err
			}
		}
	}
}
