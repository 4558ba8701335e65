//go:build unix

package ical

import (
	"syscall"
	"time"
)

// cpuNow is the process's CPU time (user+system): on a loaded machine it
// measures work done, where wall time also counts waiting for a core.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
