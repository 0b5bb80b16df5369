//go:build unix

package transports

import (
	"bytes"
	"syscall"
	"testing"
)

// TestSysIO checks sysRead and sysWrite against a socket pair as the hot
// path uses them: a non-blocking descriptor, EAGAIN when there is nothing,
// the byte counts, an empty write, and the end of the stream. Without
// -race this is the raw-syscall version (sysio_linux.go), so make test
// runs this package once without the race detector too.
func TestSysIO(t *testing.T) {
	fds := nonblockingPair(t)
	defer syscall.Close(fds[0])
	wOpen := true
	defer func() {
		if wOpen { // a failure before the test closes it
			syscall.Close(fds[1])
		}
	}()
	r, w := uintptr(fds[0]), uintptr(fds[1])
	buf := make([]byte, 64)
	if n, err := sysRead(r, buf); err != syscall.EAGAIN || n != -1 {
		t.Fatalf("read of nothing: %d, %v; want -1, EAGAIN", n, err)
	}
	if n, err := sysWrite(w, nil); err != nil || n != 0 {
		t.Fatalf("empty write: %d, %v", n, err)
	}
	msg := []byte("42[\"ping\",\"0123456789abcdef\"]")
	if n, err := sysWrite(w, msg); err != nil || n != len(msg) {
		t.Fatalf("write: %d, %v; want %d", n, err, len(msg))
	}
	n, err := sysRead(r, buf)
	if err != nil || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("read: %q, %v; want %q", buf[:max(n, 0)], err, msg)
	}
	if n, err := sysRead(r, nil); err != nil && err != syscall.EAGAIN {
		t.Fatalf("empty read: %d, %v", n, err)
	}
	syscall.Close(fds[1])
	wOpen = false
	if n, err := sysRead(r, buf); err != nil || n != 0 {
		t.Fatalf("read at the end: %d, %v; want 0, nil", n, err)
	}
	if n, err := sysWrite(r, msg); err != syscall.EPIPE || n != -1 {
		t.Fatalf("write to a closed peer: %d, %v; want -1, EPIPE", n, err)
	}
}

// nonblockingPair is a connected pair of non-blocking stream sockets; the
// caller closes them.
func nonblockingPair(tb testing.TB) [2]int {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			tb.Fatal(err)
		}
	}
	return fds
}
