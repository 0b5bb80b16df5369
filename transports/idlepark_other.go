//go:build !linux

package transports

import (
	"errors"
	"sync/atomic"
	"syscall"
)

type idlePoller struct{}

var parkPoller idlePoller

const parkSupported = false

func (p *idlePoller) park(rc syscall.RawConn, added *bool, idp *atomic.Uint64, resume func()) error {
	return errors.ErrUnsupported
}

func (p *idlePoller) forget(id uint64) {}
