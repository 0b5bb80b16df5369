package session_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine outlives the tests: every test
// shuts its server down and stops its clients (see newEnv and env.dial).
func TestMain(m *testing.M) {
	// The process-wide poller of parked idle WebSockets lives on.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/gosio/socketio/transports.(*idlePoller).loop"))
}
