//go:build unix

package transports

import (
	"syscall"
	"testing"
)

// BenchmarkReadEAGAIN is the price of the read(2) that finds nothing: a
// reader that goes back to the runtime poller between messages
// (RawConn.Read, like net.Conn.Read, forgets the descriptor's readiness
// before its first try) makes one per message when its peer waits for
// each answer. docs/architecture.md ("System calls of an ack round trip")
// compares it with the cost of an ack.
func BenchmarkReadEAGAIN(b *testing.B) {
	fds := nonblockingPair(b)
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	buf := make([]byte, 4096)
	for b.Loop() {
		if _, err := syscall.Read(fds[0], buf); err != syscall.EAGAIN {
			b.Fatalf("read: %v, want EAGAIN", err)
		}
	}
}

// BenchmarkGetpid is the floor of any system call on this machine, for
// comparison with BenchmarkReadEAGAIN.
func BenchmarkGetpid(b *testing.B) {
	for b.Loop() {
		syscall.Getpid()
	}
}
