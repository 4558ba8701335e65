package sync

import (
	"testing"
	"time"
)

// TestNextSync: a pushed plan is polled at the slow safety-net pace, but
// never after its channels need renewing; an unpushed one (or one whose
// renewal is due sooner than a normal poll) at the usual pace.
func TestNextSync(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	s := &Service{Every: 15 * time.Minute, PushEvery: 6 * time.Hour}
	tests := []struct {
		name  string
		renew time.Time
		want  time.Time
	}{
		{"not pushed", time.Time{}, now.Add(15 * time.Minute)},
		{"pushed, renewal days away", now.Add(6 * 24 * time.Hour), now.Add(6 * time.Hour)},
		{"pushed, renewal in two hours", now.Add(2 * time.Hour), now.Add(2 * time.Hour)},
		{"renewal overdue (a failed watch kept an old channel)", now.Add(-time.Hour), now.Add(15 * time.Minute)},
	}
	for _, tt := range tests {
		if got := s.nextSync(now, tt.renew); !got.Equal(tt.want) {
			t.Errorf("%s: next %v, want %v", tt.name, got, tt.want)
		}
	}
}
