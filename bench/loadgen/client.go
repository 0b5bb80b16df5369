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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/bench/internal/mpack"
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

// newDialers makes the dialers; with deflate they offer permessage-deflate
// (gorilla offers no context takeover both ways). writeBuf is the largest
// message sent in one frame (gorilla fragments larger ones).
func newDialers(n, first int, deflate bool, writeBuf int) (*dialers, error) {
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
			// Every connection counts its bytes (conn.wire).
			NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := nd.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &wireConn{Conn: c, w: &wireCount{}}, nil
			},
			HandshakeTimeout:  15 * time.Second,
			ReadBufferSize:    4096,
			WriteBufferSize:   max(1024, writeBuf),
			WriteBufferPool:   writePool,
			EnableCompression: deflate,
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
	ws   *websocket.Conn
	buf  []byte
	idx  int
	bin  bool       // the last message read was binary
	wire *wireCount // bytes on this connection's socket
}

// read returns the next message, in a buffer reused by the next read;
// c.bin tells whether it was a binary message.
func (c *conn) read() ([]byte, error) {
	mt, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	c.bin = mt == websocket.BinaryMessage
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

func (c *conn) writeBinary(b []byte) error { return c.ws.WriteMessage(websocket.BinaryMessage, b) }

// writePacket sends a Socket.IO packet as its parser frames it: text for
// JSON, a binary message for msgpack.
func (c *conn) writePacket(msgpack bool, b []byte) error {
	if msgpack {
		return c.writeBinary(b)
	}
	return c.write(b)
}

// pongPacket answers an Engine.IO ping.
var pongPacket = []byte("3")

// isPing reports an Engine.IO ping ("2"); raw mode has none.
func isPing(b []byte) bool { return len(b) == 1 && b[0] == '2' }

// endpoint knows how to open a connected client of one kind of server.
type endpoint struct {
	raw     bool
	eio     bool // Engine.IO only, the echo at /engine.io/ (ack scenario)
	msgpack bool // Socket.IO packets in socket.io-msgpack-parser's format
	deflate bool // permessage-deflate must be negotiated
	wsURL   string
}

func newEndpoint(base, mode string, msgpack, deflate bool) (*endpoint, error) {
	raw, eio := mode == "raw", mode == "eio"
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
	switch {
	case raw:
		u.Path, u.RawQuery = "/ws", ""
	case eio:
		u.Path, u.RawQuery = "/engine.io/", "EIO=4&transport=websocket"
	default:
		u.Path, u.RawQuery = "/socket.io/", "EIO=4&transport=websocket"
	}
	return &endpoint{raw: raw, eio: eio, msgpack: msgpack, deflate: deflate, wsURL: u.String()}, nil
}

var (
	errConnectRefused = errors.New("socket.io CONNECT refused")
	errNoDeflate      = errors.New("-deflate: the server did not negotiate permessage-deflate")
)

// open dials connection i and, for Socket.IO, completes the Engine.IO open
// and the Socket.IO CONNECT to "/": it returns once the server's CONNECT
// reply ("40{…}") has arrived, the moment the client's socket is connected.
//
// With deflate, the server must have accepted permessage-deflate: the
// client then reads compressed messages but sends its own uncompressed
// (what is measured is the server's cost of compressing).
func (e *endpoint) open(ctx context.Context, d *dialers, i int) (*conn, error) {
	ws, resp, err := d.pick(i).DialContext(ctx, e.wsURL, nil)
	if err != nil {
		return nil, err
	}
	if e.deflate {
		if resp == nil || !strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
			_ = ws.Close()
			return nil, errNoDeflate
		}
		ws.EnableWriteCompression(false)
	}
	c := &conn{ws: ws, idx: i}
	if wc, ok := ws.NetConn().(*wireConn); ok {
		c.wire = wc.w
	}
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
	if e.eio {
		_ = ws.SetReadDeadline(time.Time{})
		return c, nil
	}
	connect := []byte("40")
	if e.msgpack {
		connect = mpack.AppendConnect(nil)
	}
	if err := c.writePacket(e.msgpack, connect); err != nil {
		_ = ws.Close()
		return nil, err
	}
	for {
		b, err := c.read()
		if err != nil {
			_ = ws.Close()
			return nil, err
		}
		if c.bin && e.msgpack {
			p, err := mpack.DecodePacket(b)
			switch {
			case err != nil:
				_ = ws.Close()
				return nil, fmt.Errorf("msgpack packet % x: %w", b[:min(len(b), 32)], err)
			case p.Type == mpack.Connect:
				_ = ws.SetReadDeadline(time.Time{})
				return c, nil
			case p.Type == mpack.ConnectError:
				_ = ws.Close()
				return nil, fmt.Errorf("%w: % x", errConnectRefused, b)
			}
			continue
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
