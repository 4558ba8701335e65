//go:build !unix

package ical

import "time"

var start = time.Now()

// cpuNow falls back to wall time where getrusage is not available.
func cpuNow() time.Duration { return time.Since(start) }
