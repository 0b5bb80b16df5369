//go:build unix

package transports

import "syscall"

const rawReadSupported = true

// rawRead is the callback of syscall.RawConn.Read: one read(2) on the
// non-blocking socket. Returning false makes the runtime wait in its
// poller for the socket to become readable and call it again; before
// that, a reader with nothing buffered gives its buffer back to the pool,
// so waiting costs no buffer.
func (fr *frameReader) rawRead(fd uintptr) bool {
	p := fr.rawDst
	if p == nil {
		if fr.buf == nil {
			fr.buf = readBufPool.Get().(*[]byte)
		}
		p = (*fr.buf)[fr.w:]
	}
	for {
		n, err := sysRead(fd, p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			countEmptyRead(fr)
			if fr.rawDst == nil {
				fr.release()
			}
			return false
		}
		if n > 0 {
			fr.reads++
		}
		fr.rawN, fr.rawErr = max(n, 0), err
		return true
	}
}

// rawWrite is the callback of syscall.RawConn.Write for TryWritePackets:
// one write(2), never a wait (it always returns true).
func (ws *WebSocket) rawWrite(fd uintptr) bool {
	for {
		n, err := sysWrite(fd, ws.wbuf)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return true
		}
		ws.wn, ws.werr = max(n, 0), err
		return true
	}
}
