package httpx

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (an HTTP server
// connection, a body reader) outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
