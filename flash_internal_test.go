//go:build unix

package socketio

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestFlashConnSyscallConn: a connection from FlashPolicyListener hands out
// its descriptor (for the WebSocket transport's non-blocking paths) only
// when no sniffed byte is left in its buffer, and reading the descriptor
// then continues exactly where Read stopped.
func TestFlashConnSyscallConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := FlashPolicyListener(ln, OriginPolicy{})
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	accepted, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	// The first Read of the connection returns "GET" at once, so the sniff
	// buffers all three bytes whatever the network does.
	srv := &flashConn{Conn: &firstChunkConn{TCPConn: accepted.(*net.TCPConn), first: []byte("GET")}, policy: fl.(*flashListener).policy}
	defer srv.Close()
	_ = srv.SetReadDeadline(time.Now().Add(10 * time.Second))

	// Reading one byte leaves two in the sniff buffer, where the
	// descriptor cannot see them.
	one := make([]byte, 1)
	if _, err := io.ReadFull(srv, one); err != nil || one[0] != 'G' {
		t.Fatalf("first byte: %q, %v", one, err)
	}
	var sc syscall.Conn = srv
	if _, err := sc.SyscallConn(); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("SyscallConn with sniffed bytes unread: %v, want ErrUnsupported", err)
	}
	rest := make([]byte, 2)
	if _, err := io.ReadFull(srv, rest); err != nil || string(rest) != "ET" {
		t.Fatalf("rest: %q, %v", rest, err)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatalf("SyscallConn once drained: %v", err)
	}
	if _, err := client.Write([]byte("xyz")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 8)
	for len(got) < 3 {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), buf)
			return !errors.Is(rerr, syscall.EAGAIN)
		}); err != nil {
			t.Fatal(err)
		}
		if rerr != nil || n <= 0 {
			t.Fatalf("raw read: %d, %v", n, rerr)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "xyz" {
		t.Fatalf("raw read after the sniffed bytes: %q, want \"xyz\"", got)
	}
}

// firstChunkConn returns first from its first Read, then reads the socket.
type firstChunkConn struct {
	*net.TCPConn
	first []byte
}

func (c *firstChunkConn) Read(p []byte) (int, error) {
	if len(c.first) > 0 {
		n := copy(p, c.first)
		c.first = c.first[n:]
		return n, nil
	}
	return c.TCPConn.Read(p)
}
