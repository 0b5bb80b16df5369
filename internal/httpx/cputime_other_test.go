//go:build !unix

package httpx

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
