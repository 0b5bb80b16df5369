//go:build linux

// Package mono reads CLOCK_MONOTONIC in nanoseconds: the clock the bench
// servers stamp broadcasts with and the load generator compares against.
// Node's process.hrtime.bigint() reads the same clock, so a timestamp made
// in one process is comparable with a reading taken in another on the same
// machine.
package mono

import (
	"syscall"
	"time"
	"unsafe"
)

const clockMonotonic = 1 // CLOCK_MONOTONIC in <linux/time.h>

var (
	base   time.Time // a time.Time carrying a monotonic reading
	baseNs int64     // CLOCK_MONOTONIC at base
)

func init() {
	// Go's own monotonic clock is CLOCK_MONOTONIC but does not expose its
	// origin: pair one reading of each, keeping the tightest of a few tries.
	best := time.Duration(1 << 62)
	for range 16 {
		var ts syscall.Timespec
		t0 := time.Now()
		_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
		t1 := time.Now()
		if errno != 0 {
			continue
		}
		if d := t1.Sub(t0); d < best {
			best = d
			base = t0.Add(d / 2)
			baseNs = ts.Nano()
		}
	}
	if base.IsZero() {
		base = time.Now() // no clock_gettime: still monotonic, not comparable with Node
	}
}

// Now returns CLOCK_MONOTONIC in nanoseconds, without a system call.
func Now() int64 { return baseNs + int64(time.Since(base)) }
