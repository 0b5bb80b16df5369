//go:build linux

package transports

import (
	"sync"
	"sync/atomic"
	"syscall"
)

// idlePoller watches parked WebSocket readers: connections that have been
// idle for a while give up their goroutine (and its stack) and are
// registered here, in one epoll set served by one goroutine; when bytes
// arrive the connection's resume function runs on a new goroutine. The
// runtime's own poller cannot do this: it needs a goroutine parked per
// connection.
type idlePoller struct {
	once    sync.Once
	epfd    int
	initErr error

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]func() // guarded by mu; parked readers by id
}

var parkPoller idlePoller

const parkSupported = true

func (p *idlePoller) init() error {
	p.once.Do(func() {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			p.initErr = err
			return
		}
		p.epfd = fd
		// Under mu: forget may run meanwhile for a connection closing
		// before it ever parked, and reads waiting under mu only.
		p.mu.Lock()
		p.waiting = make(map[uint64]func())
		p.mu.Unlock()
		go p.loop()
	})
	return p.initErr
}

// loop runs for the life of the process.
func (p *idlePoller) loop() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			continue // EINTR
		}
		for _, ev := range events[:n] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			p.mu.Lock()
			resume := p.waiting[id]
			delete(p.waiting, id)
			p.mu.Unlock()
			if resume != nil {
				go resume()
			}
		}
	}
}

// park registers the connection of rc for one readiness notification
// (EPOLLONESHOT), storing the registration's id in idp. resume runs once,
// when bytes (or the end of the stream) arrive, unless forget(id) ran
// first. The caller must not touch the reader's state after a successful
// park: resume may already be running.
func (p *idlePoller) park(rc syscall.RawConn, added *bool, idp *atomic.Uint64, resume func()) error {
	if err := p.init(); err != nil {
		return err
	}
	p.mu.Lock()
	p.next++
	id := p.next
	p.waiting[id] = resume
	p.mu.Unlock()
	idp.Store(id) // before the registration: see WebSocket.Close
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(uint32(id)),
		Pad:    int32(uint32(id >> 32)),
	}
	wasAdded := *added
	*added = true // set before the registration: resume may run at once
	var ctlErr error
	err := rc.Control(func(fd uintptr) {
		// Control holds the descriptor open: it cannot be closed and its
		// number reused by another connection meanwhile.
		op := syscall.EPOLL_CTL_MOD
		if !wasAdded {
			op = syscall.EPOLL_CTL_ADD
		}
		ctlErr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if err == nil {
		err = ctlErr
	}
	if err != nil {
		*added = wasAdded
		p.forget(id)
		return err
	}
	return nil
}

// forget drops a registration whose connection is being closed (closing
// the descriptor removes it from the epoll set by itself).
func (p *idlePoller) forget(id uint64) {
	p.mu.Lock()
	delete(p.waiting, id)
	p.mu.Unlock()
}
