package wire

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them. The
// package starts none, so this guards against tests (or future code)
// leaking.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
