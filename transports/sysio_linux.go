//go:build linux && !race

package transports

import (
	"syscall"
	"unsafe"
)

// sysRead and sysWrite are read(2) and write(2) on a non-blocking socket,
// made without telling the scheduler (syscall.RawSyscall): the hot path's
// reads and writes never block, so there is nothing for the runtime to
// do about them, and telling it costs context switches.
//
// A goroutine in a syscall made the usual way lets go of its P. On a
// loopback socket a write(2) runs the peer's whole receive path and
// takes tens of microseconds; sysmon (every 20 µs when busy) finds the P
// still in the syscall, hands it to another thread, and the writer must
// win a P back when it returns: thread wake-ups and switches for every
// few packets, and on this project's 2-core VM each switch is expensive.
// Measured with `perf record -e sched:sched_switch` on the bench server
// at 15,000 acks/s, 1,000 clients, one CPU: 29,053 switches in 3 s with
// syscall.Read/Write, 6,762 with these (the raw gorilla echo: 23,401);
// docs/architecture.md, "System calls without the scheduler", has the
// acks per CPU-second. A write is bounded by the socket's send buffer
// (it never waits for room), so the P is held for a copy at most.
//
// Race builds use syscall.Read and syscall.Write (sysio_other.go): they
// tell the race detector that a write happens before the reads of it, a
// relation the in-process tests' clients rely on.
func sysRead(fd uintptr, p []byte) (int, error) { return rawIO(syscall.SYS_READ, fd, p) }

func sysWrite(fd uintptr, p []byte) (int, error) { return rawIO(syscall.SYS_WRITE, fd, p) }

func rawIO(trap, fd uintptr, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(ptr), uintptr(len(p)))
	if errno != 0 {
		return -1, errno
	}
	return int(n), nil
}
