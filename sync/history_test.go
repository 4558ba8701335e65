package sync_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// SPEC §6 "History is the runner's" with §4 H4 and H7: a window that
// starts mid-week counts the sessions already written before it. With a
// hard run every weekday, the first sync lifts on two of them; the next
// day's sync must not lift the day after a kept session (H4), nor give the
// week more than two (H7), nor reuse a kept session's slot.
func TestEnginePlansAroundKeptSessions(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for d := 0; d < 28; d++ {
		day := time.Date(2026, 3, 2+d, 0, 0, 0, 0, london)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:run-%d\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/London:%s\r\n"+
			"DTEND;TZID=Europe/London:%s\r\nSUMMARY:Intervals 6x800m\r\nEND:VEVENT\r\n",
			d, day.Add(7*time.Hour).Format("20060102T150405"), day.Add(8*time.Hour).Format("20060102T150405"))
	}
	b.WriteString("END:VCALENDAR\r\n")
	dir := t.TempDir()
	runs, dest := filepath.Join(dir, "runs.ics"), filepath.Join(dir, "strength.ics")
	if err := os.WriteFile(runs, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := &sync.Engine{Zone: ical.LoadLocation}
	sync1 := func(start rules.Date) *sync.Result {
		t.Helper()
		res, err := e.Run(context.Background(), sync.Request{
			Sources: []sync.Source{sync.FileSource{Path: runs}}, Sink: sync.FileSink{Path: dest, Now: func() time.Time { return now }},
			Start: start, Weeks: 3, TimeZone: "Europe/London", Settings: rules.DefaultSettings()})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	monday := rules.Date{Year: 2026, Month: time.March, Day: 2}
	sync1(monday)
	data, _ := os.ReadFile(dest)
	cal, err := ical.Parse(dest, data)
	if err != nil {
		t.Fatal(err)
	}
	var firstOfWeek ical.Written
	for _, w := range cal.Ours() {
		if rules.DateOf(w.Start.In(london)).Week() == monday.Week() {
			firstOfWeek = w
			break
		}
	}
	if firstOfWeek.UID == "" {
		t.Fatal("no session in the first week; the test proves nothing")
	}
	// The day after the week's first session.
	next := rules.DateOf(firstOfWeek.Start.In(london)).AddDays(1)
	res := sync1(next)
	for _, s := range res.Plan.Sessions {
		if s.UID == firstOfWeek.UID {
			t.Errorf("the plan reuses the kept session's slot: %s on %s", s.UID, s.Date)
		}
		if s.Date == next {
			t.Errorf("a session on %s, the day after the kept one of %s (H4)", s.Date, firstOfWeek.Start.Format("Mon 2 Jan"))
		}
	}
	data, _ = os.ReadFile(dest)
	cal, err = ical.Parse(dest, data)
	if err != nil {
		t.Fatal(err)
	}
	perWeek := map[string]int{}
	for _, w := range cal.Ours() {
		perWeek[rules.DateOf(w.Start.In(london)).Week()]++
	}
	if n := perWeek[monday.Week()]; n > 2 {
		t.Errorf("week %s holds %d sessions, more than 2 (H7)", monday.Week(), n)
	}
}
