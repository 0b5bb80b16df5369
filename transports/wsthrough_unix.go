//go:build unix

package transports

import (
	"io"
	"net"
	"syscall"
)

// read is the read-through's callback (wsthrough.go): it delivers the
// complete messages buffered and reads when it needs more. It returns
// true, with t set, for everything it leaves to ReadPackets, and false to
// wait for bytes: after a read that found nothing, or, when t.trustShort,
// after a short read.
//
// Waiting after a short read, without reading again, is what saves the
// read(2) that finds nothing. For bytes it is sound because the runtime
// keeps, for as long as this Read lasts, any readiness the poller
// reported: a short read took everything the socket held, so more bytes
// can only be there if they arrived after it, and their arrival is
// reported (the poller is edge-triggered: each arrival is an event) after
// the read, so the wait ends at once or when it comes. A readiness
// reported for bytes the read already took makes one wake-up find
// nothing, as before. A new Read forgets readiness, so each call of read
// reads before it may wait.
//
// The end of the stream is another matter: read(2) reports it (0, or the
// reset's error) only after the bytes before it, on a call of its own, and
// when it arrived with them their wake-up was its wake-up. A reader that
// trusts a short read sees it only at its next read: when more arrives
// (nothing will), or when its idle deadline ends the Read, which happens
// only with parking (ParkWhenIdle): the next Read reads first, and a
// parked connection's registration sees a pending end at once (it is not
// edge-triggered). So short reads are trusted only when parking is
// enabled, and an end arriving with the last bytes is then noticed within
// the idle period, not at once.
func (t *through) read(fd uintptr) bool {
	fr := t.fr
	// Taken now: once a delivery has handed the reading over, fr is the
	// next reader's and is not looked at again.
	t.d = fr.rd
	// Only through the connection's own descriptor: a duplicate has no
	// idle deadline (parking is from own only) to bound the wait.
	trust := t.trustShort && t.d == fr.own
	drained := false // the last read was short, and that is trusted
	for {
		switch fr.bufferedFrame() {
		case frameComplete:
			p, err := t.ws.packet(fr.next())
			if err != nil {
				t.err = err
				return true
			}
			if !t.d.beginDeliver() {
				t.err = net.ErrClosed
				return true
			}
			more := t.deliver(p)
			t.closeIt = t.d.endDeliver()
			if !more {
				t.stop = true
				return true
			}
			if t.closeIt {
				return true
			}
			continue
		case frameSlow:
			t.slow = true
			return true
		}
		if drained {
			fr.boundary = fr.r == fr.w
			fr.release()
			return false
		}
		if fr.buf == nil {
			fr.buf = readBufPool.Get().(*[]byte)
		} else {
			fr.compact()
		}
		space := (*fr.buf)[fr.w:]
		n, err := sysRead(fd, space)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			countEmptyRead(fr)
			fr.boundary = fr.r == fr.w
			fr.release()
			return false
		}
		if n > 0 {
			fr.w += n
			fr.reads++
			drained = trust && n < len(space)
			continue
		}
		// The end of the stream, or a failure: ReadPacket reports it,
		// after whatever it completes.
		if err != nil {
			fr.pendErr = err
		} else {
			fr.pendErr = io.EOF
		}
		t.slow = true
		return true
	}
}
