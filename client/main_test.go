package client

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them:
// engine readers and writers, probes, dispatchers, timers' work and the
// in-process servers' goroutines must all end once the managers are
// closed and the servers shut down.
func TestMain(m *testing.M) {
	// The process-wide poller of the in-process server's parked idle
	// WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}
