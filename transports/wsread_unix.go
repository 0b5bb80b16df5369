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
		n, err := syscall.Read(int(fd), p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if fr.rawDst == nil {
				fr.release()
			}
			return false
		}
		fr.rawN, fr.rawErr = max(n, 0), err
		return true
	}
}
