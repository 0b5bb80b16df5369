//go:build linux

// Package proc reads process statistics from /proc and getrusage: CPU time
// of this process and of another one, and resident memory.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clkTck is USER_HZ, the unit of /proc/<pid>/stat times; it is 100 on every
// Linux architecture Go supports.
const clkTck = 100

// SelfCPU returns the user+system CPU time this process has used.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CPU returns the user+system CPU time process pid has used, from
// /proc/<pid>/stat (utime and stime, fields 14 and 15).
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: fields count from the
	// last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc: malformed stat for %d", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc: short stat for %d", pid)
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc: bad stat times for %d", pid)
	}
	return time.Duration(ut+st) * (time.Second / clkTck), nil
}

// RSS returns VmRSS of process pid (0 means this process) in bytes, from
// /proc/<pid>/status.
func RSS(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest) // "123456 kB"
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(string(f[0]), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("proc: no VmRSS in %s", path)
}

// MachineCPU returns the busy time of all CPUs together (everything but
// idle and iowait in the "cpu" line of /proc/stat; steal included).
func MachineCPU() (time.Duration, error) {
	f, err := cpuLine()
	if err != nil {
		return 0, err
	}
	var busy int64
	// user nice system idle iowait irq softirq steal (guest time is
	// already counted in user).
	for i := 1; i <= 8; i++ {
		if i == 4 || i == 5 {
			continue
		}
		busy += f[i]
	}
	return time.Duration(busy) * (time.Second / clkTck), nil
}

// MachineSteal returns the steal time of all CPUs together (field 8 of
// the "cpu" line of /proc/stat): time this virtual machine's CPUs were
// ready to run but the hypervisor ran something else. MachineCPU counts it
// as busy; a benchmark on a VM reads it to tell contention it cannot see
// from inside.
func MachineSteal() (time.Duration, error) {
	f, err := cpuLine()
	if err != nil {
		return 0, err
	}
	return time.Duration(f[8]) * (time.Second / clkTck), nil
}

// cpuLine returns the "cpu" line of /proc/stat as numbers, index i being
// field i (index 0 unused); missing fields (old kernels) read as 0.
func cpuLine() ([9]int64, error) {
	var out [9]int64
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return out, err
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return out, fmt.Errorf("proc: unexpected /proc/stat")
	}
	for i := 1; i < len(f) && i < len(out); i++ {
		v, err := strconv.ParseInt(string(f[i]), 10, 64)
		if err != nil {
			return out, err
		}
		out[i] = v
	}
	return out, nil
}

// CPUMeter measures the CPU share of this process, optionally of another
// process, and of the whole machine over a window.
type CPUMeter struct {
	pid                     int
	start                   time.Time
	self0, other0, machine0 time.Duration
}

// StartCPU begins a window; pid 0 measures only this process.
func StartCPU(pid int) *CPUMeter {
	m := &CPUMeter{pid: pid, start: time.Now(), self0: SelfCPU()}
	if pid > 0 {
		m.other0, _ = CPU(pid)
	}
	m.machine0, _ = MachineCPU()
	return m
}

// Machine returns the whole machine's busy CPU since StartCPU, in percent
// of one core (200 on two busy cores). Call it before or after Stop.
func (m *CPUMeter) Machine() float64 {
	wall := time.Since(m.start).Seconds()
	c, err := MachineCPU()
	if err != nil || wall <= 0 {
		return -1
	}
	return (c - m.machine0).Seconds() / wall * 100
}

// Stop ends the window and returns each process's CPU use in percent of
// one core (-1 when the other process could not be read).
func (m *CPUMeter) Stop() (self, other float64) {
	wall := time.Since(m.start).Seconds()
	if wall <= 0 {
		return 0, -1
	}
	self = (SelfCPU() - m.self0).Seconds() / wall * 100
	other = -1
	if m.pid > 0 {
		if c, err := CPU(m.pid); err == nil {
			other = (c - m.other0).Seconds() / wall * 100
		}
	}
	return self, other
}

// RaiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit (an
// unprivileged process cannot go further) and returns the new soft limit.
func RaiseFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = want.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			rl = want
		}
	}
	// Try for more: works with CAP_SYS_RESOURCE, harmless without.
	big := syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
	if big.Max > rl.Max && syscall.Setrlimit(syscall.RLIMIT_NOFILE, &big) == nil {
		rl = big
	}
	return rl.Cur
}
