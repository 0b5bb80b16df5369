//go:build !unix

package transports

import (
	"errors"
	"syscall"
)

// Without raw reads there is no read-through: nothing is duplicated or
// shut down.

func dupDesc(rc syscall.RawConn) (*rdesc, error) { return nil, errors.ErrUnsupported }

func shutdownFD(fd uintptr) {}
