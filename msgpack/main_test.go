package msgpack

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// parser starts none; the end-to-end and interop tests start servers and
// processes that must all be gone.
func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}
