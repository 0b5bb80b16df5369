package session

import (
	"testing"
	"unsafe"
)

// Every session holds a Session and a handshakeRequest for its whole
// life: they stay within their allocation size classes, 384 and 176 bytes
// (issue 15's idle memory).
func TestSessionSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Session{}); n > 384 {
		t.Errorf("Session is %d bytes, over the 384-byte size class", n)
	}
	if n := unsafe.Sizeof(handshakeRequest{}); n > 176 {
		t.Errorf("handshakeRequest is %d bytes, over the 176-byte size class", n)
	}
}
