//go:build unix

package transports

import (
	"os"
	"syscall"
)

// dupDesc duplicates the descriptor of rc. The duplicate shares the
// socket and its non-blocking mode, so os.NewFile makes it pollable: its
// reads wait in the runtime's poller like the connection's own.
func dupDesc(rc syscall.RawConn) (*rdesc, error) {
	nfd, derr := -1, error(nil)
	err := rc.Control(func(fd uintptr) {
		// As the standard library does without dup3: no fork may copy
		// the descriptor before it is marked close-on-exec.
		syscall.ForkLock.RLock()
		nfd, derr = syscall.Dup(int(fd))
		if derr == nil {
			syscall.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(nfd), "websocket")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &rdesc{raw: raw, closer: f, file: f}, nil
}

// shutdownFD ends both directions of the socket of fd, whichever
// descriptors still refer to it.
func shutdownFD(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) }
