package socketio

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests (internal and black-box alike) if any
// goroutine outlives them: sessions, workers, writers, ack callbacks and
// timers must all end once the servers are shut down and the clients
// stopped.
func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}
