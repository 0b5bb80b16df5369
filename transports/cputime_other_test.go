//go:build !unix

package transports

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
