//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// attackRcvBuf is the attackers' SO_RCVBUF: set before connect, so the
// advertised window stays small and the server's send side backs up fast.
const attackRcvBuf = 4096

// attack is the hostile side of one case.
type attack struct {
	name    string
	conns   []*rawConn // every attacker connection
	flood   *rawConn   // the ping flooder, if any (also in conns)
	readers int        // never-reading clients in room "all" (conns minus flood)
	stopped chan struct{}
	wg      sync.WaitGroup
	start   time.Time

	// pingflood
	frames   atomic.Int64 // ping frames written
	bytes    atomic.Int64
	writeErr atomic.Pointer[string]
	errAfter atomic.Int64 // ns from begin to the write error
}

func startAttack(name, addr string) (*attack, error) {
	a := &attack{name: name, stopped: make(chan struct{})}
	flood := false
	switch name {
	case "baseline":
	case "pingflood":
		flood = true
	case "neverreader":
		a.readers = 1
	case "slow30":
		a.readers = 30
	case "all":
		flood = true
		a.readers = 30 + 1 // slow30 and neverreader together
	default:
		return nil, fmt.Errorf("unknown case %q", name)
	}
	n := a.readers
	if flood {
		n++
	}
	for i := range n {
		c, err := dialRaw(addr)
		if err != nil {
			a.stop()
			return nil, fmt.Errorf("attacker %d: %w", i, err)
		}
		a.conns = append(a.conns, c)
	}
	if flood {
		a.flood = a.conns[0]
	}
	return a, nil
}

// sockets is how many Socket.IO sockets the attackers hold.
func (a *attack) sockets() int { return len(a.conns) }

// begin starts the attack proper (the never-readers just stop reading,
// which they did already).
func (a *attack) begin() {
	a.start = time.Now()
	if a.flood == nil {
		return
	}
	c := a.flood
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		// A batch of masked ping frames, each with its own mask key.
		const perBatch = 64
		var batch []byte
		for range perBatch {
			batch = appendClientFrame(batch, 0x9, bytes.Repeat([]byte{'p'}, 125))
		}
		for {
			select {
			case <-a.stopped:
				return
			default:
			}
			n, err := c.nc.Write(batch)
			a.bytes.Add(int64(n))
			a.frames.Add(int64(n / (len(batch) / perBatch)))
			if err != nil {
				select {
				case <-a.stopped:
				default:
					s := err.Error()
					a.writeErr.Store(&s)
					a.errAfter.Store(int64(time.Since(a.start)))
				}
				return
			}
		}
	}()
}

// report says what became of the attackers, before stop.
func (a *attack) report() string {
	var parts []string
	if a.flood != nil {
		s := fmt.Sprintf("%d ping frames (%.1f MB) written", a.frames.Load(), float64(a.bytes.Load())/1e6)
		if e := a.writeErr.Load(); e != nil {
			s += fmt.Sprintf(", write failed after %.2fs: %s", time.Duration(a.errAfter.Load()).Seconds(), *e)
		} else {
			s += ", still writing at the end"
		}
		parts = append(parts, s)
	}
	if a.readers > 0 {
		parts = append(parts, fmt.Sprintf("%d never-reading client(s)", a.readers))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func (a *attack) stop() {
	select {
	case <-a.stopped:
	default:
		close(a.stopped)
	}
	for _, c := range a.conns {
		_ = c.nc.Close()
	}
	a.wg.Wait()
}

// rawConn is a WebSocket client written by hand over TCP, so that it can
// misbehave: it reads only until its socket is connected.
type rawConn struct {
	nc net.Conn
	br *bufio.Reader
}

func smallRcvBuf(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, attackRcvBuf)
	})
	if err != nil {
		return err
	}
	return serr
}

// dialRaw upgrades to WebSocket by hand and completes the Engine.IO open
// and the Socket.IO CONNECT to "/", then reads no more.
func dialRaw(addr string) (*rawConn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: smallRcvBuf}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &rawConn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}
	if err := c.handshake(addr); err != nil {
		_ = nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

func (c *rawConn) handshake(addr string) error {
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /socket.io/?EIO=4&transport=websocket&role=attacker HTTP/1.1\r\n" +
		"Host: " + addr + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c.nc, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("upgrade answered %s", resp.Status)
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != base64.StdEncoding.EncodeToString(h[:]) {
		return fmt.Errorf("bad Sec-WebSocket-Accept %q", got)
	}

	b, err := c.readText()
	if err != nil {
		return err
	}
	if len(b) == 0 || b[0] != '0' {
		return fmt.Errorf("expected the Engine.IO open packet, got %q", b)
	}
	if err := c.writeText("40"); err != nil {
		return err
	}
	for {
		b, err := c.readText()
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(b, []byte("40")):
			return nil
		case bytes.HasPrefix(b, []byte("44")):
			return fmt.Errorf("CONNECT refused: %s", b)
		case len(b) == 1 && b[0] == '2':
			if err := c.writeText("3"); err != nil {
				return err
			}
		}
	}
}

func (c *rawConn) writeText(s string) error {
	_, err := c.nc.Write(appendClientFrame(nil, 0x1, []byte(s)))
	return err
}

// readText returns the next text or binary message, skipping control
// frames. Servers do not mask, and these handshake messages are small.
func (c *rawConn) readText() ([]byte, error) {
	var msg []byte
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
			return nil, err
		}
		fin, op := hdr[0]&0x80 != 0, hdr[0]&0x0f
		n := uint64(hdr[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(c.br, ext[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(c.br, ext[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		if hdr[1]&0x80 != 0 {
			return nil, errors.New("masked frame from the server")
		}
		if n > 1<<20 {
			return nil, fmt.Errorf("frame of %d bytes", n)
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch op {
		case 0x8:
			return nil, errors.New("server closed the WebSocket")
		case 0x9, 0xA:
			continue
		}
		msg = append(msg, p...)
		if fin {
			return msg, nil
		}
	}
}

// appendClientFrame appends one final, masked frame (RFC 6455 §5.2; a
// client must mask every frame). The payload must be under 64 KiB.
func appendClientFrame(dst []byte, op byte, payload []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	default:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	dst = append(dst, mask[:]...)
	for i, b := range payload {
		dst = append(dst, b^mask[i&3])
	}
	return dst
}
