//go:build unix && (!linux || race)

package transports

import "syscall"

// sysRead and sysWrite: see sysio_linux.go.
func sysRead(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }

func sysWrite(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }
