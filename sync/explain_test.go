package sync_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// explainRun is one run of the scripted calendar.
type explainRun struct {
	uid, summary string
	day          int // days after Monday 2 March 2026
	minutes      int
}

func explainICS(runs []explainRun) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	for _, r := range runs {
		start := time.Date(2026, 3, 2+r.day, 7, 0, 0, 0, time.UTC)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\n",
			r.uid, start.Format("20060102T150405Z"), start.Add(time.Duration(r.minutes)*time.Minute).Format("20060102T150405Z"), r.summary)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// TestChangeLog scripts a runner's month: each step changes one input and
// the log must say exactly which sessions changed and why (SPEC §6).
func TestChangeLog(t *testing.T) {
	var runs []explainRun
	for w := range 3 {
		runs = append(runs,
			explainRun{fmt.Sprintf("int%d", w), "Intervals 6x800m", 7*w + 1, 60},
			explainRun{fmt.Sprintf("easy%d", w), "Easy run 40 min", 7*w + 2, 40},
			explainRun{fmt.Sprintf("tempo%d", w), "Tempo 40 min", 7*w + 3, 60},
			explainRun{fmt.Sprintf("long%d", w), "Long run 2h", 7*w + 6, 120})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "runs.ics")
	write := func() {
		t.Helper()
		if err := os.WriteFile(path, []byte(explainICS(runs)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	find := func(uid string) *explainRun {
		for i := range runs {
			if runs[i].uid == uid {
				return &runs[i]
			}
		}
		t.Fatalf("no run %s", uid)
		return nil
	}
	settings := rules.DefaultSettings()
	e := &sync.Engine{Zone: ical.LoadLocation}
	var prev *rules.Snapshot
	plan := func() *sync.Result {
		t.Helper()
		write()
		res, err := e.Run(context.Background(), sync.Request{Sources: []sync.Source{sync.FileSource{Path: path}},
			Start: rules.Date{Year: 2026, Month: time.March, Day: 2}, Weeks: 3, TimeZone: "UTC", Settings: settings, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		prev = &res.Snapshot
		return res
	}
	texts := func(res *sync.Result) []string {
		var out []string
		for _, x := range res.Explained {
			out = append(out, x.Text)
		}
		return out
	}
	first := plan()
	if len(first.Explained) != 0 {
		t.Fatalf("a first plan explains nothing, got %q", texts(first))
	}

	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"run moved", func() { find("int1").day = 11 }, []string{
			`Strength A moved Tue 10 → Mon 9 Mar: "Intervals 6x800m" moved from Tue 10 to Fri 13 Mar`,
			`Strength B moved Thu 12 → Fri 13 Mar: "Intervals 6x800m" moved from Tue 10 to Fri 13 Mar`}},
		{"run added", func() { runs = append(runs, explainRun{"extra", "Long run 2h30", 18, 150}) }, []string{
			`Strength B removed from Thu 19 Mar: "Long run 2h30" added on Fri 20 Mar`}},
		{"long run lengthened past the long threshold", func() { r := find("easy2"); r.summary, r.minutes = "Easy run 100 min", 100 }, []string{
			`Strength A removed from Tue 17 Mar: "Easy run 40 min" on Wed 18 Mar became "Easy run 100 min", now a long run (was easy)`}},
		{"race added", func() { runs = append(runs, explainRun{"race", "Half marathon race", 13, 100}) }, []string{
			`Strength A removed from Mon 9 Mar: race "Half marathon race" on Sun 15 Mar: no strength from Sun 8 Mar (taper)`,
			`Strength B removed from Fri 13 Mar: race "Half marathon race" on Sun 15 Mar: no strength from Sun 8 Mar (taper)`}},
		{"setting changed", func() { settings.PerWeek = 1 }, []string{
			`Strength B removed from Thu 5 Mar: setting per_week changed from 2 to 1`}},
	}
	var moved, added *sync.Result
	for i, st := range steps {
		st.change()
		res := plan()
		switch i {
		case 0:
			moved = res
		case 1:
			added = res
		}
		if got := texts(res); !slices.Equal(got, st.want) {
			t.Errorf("%s:\n got  %q\n want %q", st.name, got, st.want)
		}
	}
	// A moved session's description says where it was and why, and keeps
	// saying it while the session stays (the race step left it alone).
	noted := false
	for _, s := range moved.Plan.Sessions {
		if s.Date.String() == "2026-03-09" {
			noted = strings.Contains(s.Notes, `Moved from Tue 10 Mar: "Intervals 6x800m" moved from Tue 10 to Fri 13 Mar.`)
		}
	}
	if !noted {
		t.Error("the moved session's notes do not say where it was and why")
	}
	carried := false
	for _, s := range added.Plan.Sessions {
		if s.Date.String() == "2026-03-09" {
			carried = strings.Contains(s.Notes, "Moved from Tue 10 Mar")
		}
	}
	if !carried {
		t.Error("the next sync dropped the moved session's note")
	}
}
