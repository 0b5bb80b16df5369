//go:build unix

package httpx

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used: what
// a benchmark costs the machine, whatever else competes for it.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
