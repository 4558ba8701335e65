package google

import (
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// Text from other people's calendars reaches the session's reason; NUL,
// NEL and the Unicode line separators must not reach Google (the feed and
// the file strip them too).
func TestEventForStripsControls(t *testing.T) {
	start := time.Date(2027, 3, 2, 18, 0, 0, 0, time.UTC)
	s := rules.Session{UID: "strength-2027-W09-1@strengthsync", Title: "Strength A\x00 · squat",
		Placement: rules.Placement{Start: start, End: start.Add(45 * time.Minute),
			Reason: "Tue: hard day — \"Intervals\u2028 6x800m\u0085\" 07:00–08:00"}}
	ev := eventFor(s)
	for name, text := range map[string]string{"summary": ev.Summary, "description": ev.Description} {
		if strings.ContainsAny(text, "\x00\u0085\u2028\u2029\r") {
			t.Errorf("%s keeps a control character: %q", name, text)
		}
	}
	if !strings.Contains(ev.Description, "Intervals\n 6x800m") {
		t.Errorf("description = %q, want the separator as a line break", ev.Description)
	}
}
