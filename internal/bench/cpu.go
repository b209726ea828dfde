package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// every Linux platform Go supports).
const userHZ = 100

// ProcessCPU returns the user plus system CPU time a process has used so
// far; ok is false where /proc does not tell (not Linux, process gone).
// Server CPU per signature is the number that other work on a shared
// machine disturbs least.
func ProcessCPU(pid int) (d time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// cpuMeter measures a process's CPU time over an interval.
type cpuMeter struct {
	pid   int
	start time.Duration
	ok    bool
}

func startCPU(pid int) cpuMeter {
	if pid <= 0 {
		return cpuMeter{}
	}
	d, ok := ProcessCPU(pid)
	return cpuMeter{pid: pid, start: d, ok: ok}
}

// used returns the CPU time used since start, or -1 when unknown.
func (m cpuMeter) used() time.Duration {
	if !m.ok {
		return -1
	}
	d, ok := ProcessCPU(m.pid)
	if !ok {
		return -1
	}
	return d - m.start
}

// perOp divides a CPU time by n operations; 0 when either is unknown.
func perOp(d time.Duration, n uint64) time.Duration {
	if d < 0 || n == 0 {
		return 0
	}
	return d / time.Duration(n)
}
