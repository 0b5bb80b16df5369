package transports

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Descriptors the reader reads through.
//
// ReadPackets delivers messages from inside one syscall.RawConn.Read
// (wsthrough.go), so a delivery runs while its goroutine holds the
// descriptor's read lock and a reference to it. Two things follow:
//
//   - a reader that takes over while that delivery still runs (a session's
//     hand-off: the delivery waits for an ack only the reading can bring)
//     cannot read through the same descriptor; it reads through a
//     duplicate of it (dup(2): the same socket) until the delivery has
//     left, then goes back and closes the duplicate;
//   - closing the connection cannot wait for the delivery to leave (it may
//     be the delivery closing it): the close is deferred to the delivering
//     goroutine, and meanwhile shutdown(2) ends the TCP stream so that the
//     peer, and any other reader, see the end at once.

// rdesc is one descriptor of the connection: its own (the net.Conn's) or
// a duplicate.
type rdesc struct {
	raw    syscall.RawConn
	closer io.Closer // the net.Conn for the connection's own, the duplicate's *os.File
	file   *os.File  // a duplicate's; nil for the connection's own
	st     atomic.Uint32
}

// rdesc states (bits of st).
const (
	rdDelivering = 1 << iota // a goroutine inside raw.Read on it is running a delivery
	rdCloseReq               // close it when that delivery ends
	rdClosed
)

// beginDeliver marks a delivery starting inside a read on d; false when d
// is closed or closing, and then nothing may be delivered.
func (d *rdesc) beginDeliver() bool { return d.st.CompareAndSwap(0, rdDelivering) }

// endDeliver marks the delivery ended and reports whether a close was
// asked for meanwhile: the delivering goroutine then closes d once its
// read has returned (closeDeferred).
func (d *rdesc) endDeliver() bool {
	for {
		v := d.st.Load()
		if d.st.CompareAndSwap(v, v&^rdDelivering) {
			return v&rdCloseReq != 0
		}
	}
}

// delivering reports whether a goroutine is delivering inside a read on d.
func (d *rdesc) delivering() bool { return d.st.Load()&rdDelivering != 0 }

// closeOutcome is what shut found.
type closeOutcome int

const (
	closedNow     closeOutcome = iota // d is closed
	closeDeferred                     // a delivery runs on d: it closes d when it ends
	closedAlready                     // closed or deferred before
)

// shut closes d unless a delivery runs inside a read on it, in which case
// it leaves the close to that delivery's goroutine.
func (d *rdesc) shut() closeOutcome {
	for {
		v := d.st.Load()
		switch {
		case v&(rdClosed|rdCloseReq) != 0:
			return closedAlready
		case v&rdDelivering != 0:
			if d.st.CompareAndSwap(v, v|rdCloseReq) {
				return closeDeferred
			}
		default:
			if d.st.CompareAndSwap(v, v|rdClosed) {
				_ = d.closer.Close()
				return closedNow
			}
		}
	}
}

// finishDeferred closes d for the goroutine whose delivery found a close
// asked for (endDeliver true), after its read returned.
func (d *rdesc) finishDeferred() {
	d.st.Store(rdCloseReq | rdClosed)
	_ = d.closer.Close()
}

// dupSet is the bookkeeping of a connection's duplicates, made the first
// time a reader takes one or the connection closes: most connections
// never need it, and an idle one should not carry it.
type dupSet struct {
	mu     sync.Mutex
	dups   []*rdesc // guarded by mu; open duplicates: a reader holds at most one, deliveries the others
	closed bool     // guarded by mu; the connection is closed: no more duplicates

	// reading is the duplicate the reader reads through, if any: a
	// delivery leaving the connection's own descriptor wakes it to come
	// back (wsthrough.go).
	reading atomic.Pointer[rdesc]
}

// dupSet returns the connection's dupSet, making it if needed.
func (fr *frameReader) dupSet() *dupSet {
	if ds := fr.dups.Load(); ds != nil {
		return ds
	}
	fr.dups.CompareAndSwap(nil, &dupSet{})
	return fr.dups.Load()
}

// readingDup is the duplicate the reader reads through, or nil.
func (fr *frameReader) readingDup() *rdesc {
	if ds := fr.dups.Load(); ds != nil {
		return ds.reading.Load()
	}
	return nil
}

// newDup returns a duplicate descriptor of own, registered for Close.
func (ds *dupSet) newDup(own *rdesc) (*rdesc, error) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.closed {
		return nil, net.ErrClosed
	}
	d, err := dupDesc(own.raw)
	if err != nil {
		return nil, err
	}
	ds.pruneLocked()
	ds.dups = append(ds.dups, d)
	return d, nil
}

// dropDup closes a duplicate the reader no longer reads through, or
// leaves it to the delivery still running inside a read on it; such a one
// stays listed, so that Close can shut the socket down through it.
func (ds *dupSet) dropDup(d *rdesc) {
	d.shut()
	ds.mu.Lock()
	ds.pruneLocked()
	ds.mu.Unlock()
}

// pruneLocked forgets the closed duplicates. ds.mu must be held.
func (ds *dupSet) pruneLocked() {
	live := ds.dups[:0]
	for _, x := range ds.dups {
		if x.st.Load()&rdClosed == 0 {
			live = append(live, x)
		}
	}
	clear(ds.dups[len(live):])
	ds.dups = live
}

// closeDescriptors closes the connection's descriptors. One that a
// delivery holds stays open until the delivery returns, and so does the
// socket; it is shut down then, so that the peer and any other reader see
// the end now.
func (ws *WebSocket) closeDescriptors() {
	own := ws.fr.own
	if own == nil {
		_ = ws.netConn.Close()
		return
	}
	ds := ws.fr.dupSet()
	ds.mu.Lock()
	ds.closed = true
	dups := ds.dups
	ds.dups = nil
	ds.mu.Unlock()
	shutDown := false
	for i := -1; i < len(dups); i++ {
		d := own
		if i >= 0 {
			d = dups[i]
		}
		// A duplicate dropped by the reader may be waiting for its
		// delivery already (closedAlready, not closed): it counts too.
		if d.shut() != closedNow && !shutDown && d.st.Load()&rdClosed == 0 {
			// Fails only if the delivery closed d meanwhile: another
			// held descriptor, if any, is tried next.
			shutDown = d.raw.Control(func(fd uintptr) { shutdownFD(fd) }) == nil
		}
	}
}
