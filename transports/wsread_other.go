//go:build !unix

package transports

const rawReadSupported = false

func (fr *frameReader) rawRead(fd uintptr) bool { panic("unreachable") }

func (ws *WebSocket) rawWrite(fd uintptr) bool { panic("unreachable") }

func (t *through) read(fd uintptr) bool { panic("unreachable") }
