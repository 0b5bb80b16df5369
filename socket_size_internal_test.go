package socketio

import (
	"testing"
	"unsafe"
)

// Every connected socket holds a Socket for its whole life: it stays
// within the 240-byte allocation size class (issue 15's idle memory). A
// field that must grow it past that should come out of line, like
// socketHooks.
func TestSocketSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Socket{}); n > 240 {
		t.Errorf("Socket is %d bytes, over the 240-byte size class", n)
	}
}
