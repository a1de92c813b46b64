//go:build unix

package evidence

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report it
// per operation beside the wall time, which on a shared machine counts
// the time spent waiting for a core too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
