package transports

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (an HTTP server
// connection, a WebSocket reader, a client transport) outlives them.
func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}

// trunc shortens b for failure messages.
func trunc(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
