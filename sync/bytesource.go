package sync

import (
	"context"
	"time"
)

// BytesSource is a calendar already read into memory: the web preview
// fetches a runner's calendars once and plans them without a cache, a
// store or a plan of its own.
type BytesSource struct {
	// Label names the calendar in messages (a redacted URL).
	Label string
	Data  []byte
}

// Name returns the label.
func (s BytesSource) Name() string { return s.Label }

// Load parses the bytes on first use; the window is applied by Events.
func (s BytesSource) Load(ctx context.Context, from, to time.Time) (Calendar, error) {
	return parsed(s.Label, s.Data)
}
