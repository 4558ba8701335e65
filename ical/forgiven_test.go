package ical

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// forgivenInputs are calendars that break RFC 5545 (or use its rarer
// corners) in ways ical.js and Python's icalendar both forgive, so we must
// read them too. want lists the instances in March 2026 (UTC), rendered
// by render. They also seed the fuzz corpus.
var forgivenInputs = []struct {
	name string
	rfc  string
	data string
	want []string
	// mangled: the other readers decode the text before unfolding, so
	// they read the title with U+FFFD where we read it whole.
	mangled bool
}{
	{"RDATE VALUE=DATE", "§3.8.5.2, value type DATE",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:d@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART;VALUE=DATE:20260302\r\nRDATE;VALUE=DATE:20260305,20260307\r\nSUMMARY:Easy run\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{
			"2026-03-02 00:00 +0000–2026-03-03 00:00 Easy run (all day)",
			"2026-03-05 00:00 +0000–2026-03-06 00:00 Easy run (all day)",
			"2026-03-07 00:00 +0000–2026-03-08 00:00 Easy run (all day)",
		}, false},
	{"RDATE VALUE=PERIOD", "§3.8.5.2, value type PERIOD with an end and with a duration (§3.3.9)",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:p@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nDTEND:20260302T080000Z\r\n" +
			"RDATE;VALUE=PERIOD:20260305T070000Z/20260305T090000Z,20260306T070000Z/PT1H30M\r\n" +
			"SUMMARY:Tempo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{
			"2026-03-02 07:00 +0000–2026-03-02 08:00 Tempo",
			"2026-03-05 07:00 +0000–2026-03-05 09:00 Tempo",
			"2026-03-06 07:00 +0000–2026-03-06 08:30 Tempo",
		}, false},
	{"bare VEVENTs", "no VCALENDAR (§3.4 wants one)",
		"BEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T070000Z\r\nSUMMARY:Intervals\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:b@x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260303T070000Z\r\nSUMMARY:Easy\r\nEND:VEVENT",
		[]string{
			"2026-03-02 07:00 +0000–2026-03-02 07:00 Intervals",
			"2026-03-03 07:00 +0000–2026-03-03 07:00 Easy",
		}, false},
	{"continuation line starting with a TAB", "§3.1 (folding with HTAB)",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:t@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nSUMMARY:Long\r\n\t run\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{"2026-03-02 07:00 +0000–2026-03-02 07:00 Long run"}, false},
	{"fold inside a multi-byte character", "§3.1 says SHOULD NOT split a character",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:m@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nSUMMARY:L\xc3\r\n \xa5ngpass\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{"2026-03-02 07:00 +0000–2026-03-02 07:00 Långpass"}, true},
	{"lower-case names", "§3.1 and §3.6: names are case-insensitive",
		"begin:vcalendar\r\nversion:2.0\r\nprodid:-//t//t//EN\r\nbegin:vevent\r\nuid:l@x\r\ndtstamp:20260101T000000Z\r\n" +
			"dtstart:20260302T070000Z\r\ndtend:20260302T080000Z\r\nsummary:Hills\r\nend:vevent\r\nEnd:VCalendar\r\n",
		[]string{"2026-03-02 07:00 +0000–2026-03-02 08:00 Hills"}, false},
	{"line of only white space between lines", "§3.1 (an empty continuation)",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n \t \r\nBEGIN:VEVENT\r\nUID:w@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nSUMMARY:Run\r\nEND:VEVENT\r\n \t \r\nBEGIN:VEVENT\r\nUID:w2@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260304T070000Z\r\nSUMMARY:Swim\r\n   \r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{
			"2026-03-02 07:00 +0000–2026-03-02 07:00 Run",
			"2026-03-04 07:00 +0000–2026-03-04 07:00 Swim",
		}, false},
	{"long unfolded line", "§3.1 says SHOULD NOT exceed 75 octets",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nSUMMARY:Easy " + strings.Repeat("and steady ", 300) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		[]string{"2026-03-02 07:00 +0000–2026-03-02 07:00 Easy " + strings.TrimSpace(strings.Repeat("and steady ", 300))}, false},
	{"folded END line with white space", "§3.1 folding applies to every line",
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:f@x\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260302T070000Z\r\nSUMMARY:Fartlek\r\nEND:VEV\r\n ENT \r\nEND:VCALENDAR\r\n",
		[]string{"2026-03-02 07:00 +0000–2026-03-02 07:00 Fartlek"}, false},
}

// TestReadsWhatOthersRead reads each forgiven form and, where the other
// readers are installed, checks that they read the same events from it.
func TestReadsWhatOthersRead(t *testing.T) {
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	type ours struct {
		uid, summary string
		start        time.Time
		allDay       bool
		instances    int
	}
	read := map[string][]ours{} // per file, per VEVENT in order
	var files []string
	for i, tt := range forgivenInputs {
		path := filepath.Join(dir, "form"+string(rune('a'+i))+".ics")
		if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path) // files[i] is forgivenInputs[i]
		c, err := Parse("forgiven.ics", []byte(tt.data))
		if err != nil {
			t.Errorf("%s (%s): %v", tt.name, tt.rfc, err)
			continue
		}
		evs, err := c.Events(from, to, time.UTC)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var got []string
		for _, e := range evs {
			got = append(got, render(e, time.UTC))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (%s):\ngot  %q\nwant %q", tt.name, tt.rfc, got, tt.want)
		}
		for _, ev := range c.events {
			o := ours{uid: ev.uid, summary: ev.summary, start: c.instant(ev.start, time.UTC), allDay: ev.start.kind == dateOnly}
			for _, e := range evs {
				if e.ID == ev.uid || strings.HasPrefix(e.ID, ev.uid+"/") {
					o.instances++
				}
			}
			read[path] = append(read[path], o)
		}
	}
	root := moduleRoot(t)
	for _, v := range validators {
		t.Run(v.name, func(t *testing.T) {
			cmd := v.cmd(t, root)
			if cmd == nil {
				return
			}
			results := runValidator(t, cmd, append([]string{"--read"}, files...)...)
			for i, f := range files {
				name := forgivenInputs[i].name
				r, ok := results[f]
				switch {
				case !ok:
					t.Errorf("%s: no result for %s", v.name, name)
					continue
				case !r.OK:
					t.Errorf("%s does not read %s either: %s (then we need not)", v.name, name, r.Error)
					continue
				case len(r.Events) != len(read[f]):
					t.Errorf("%s: %s: %s read %d events, we read %d", v.name, name, v.name, len(r.Events), len(read[f]))
					continue
				}
				for j, e := range r.Events {
					o := read[f][j]
					if e.UID != o.uid || strings.TrimSpace(e.Summary) != o.summary && !forgivenInputs[i].mangled {
						t.Errorf("%s: %s: event %d is %q %q, we read %q %q", v.name, name, j+1, e.UID, e.Summary, o.uid, o.summary)
					}
					if e.Start != nil && !o.allDay && *e.Start != o.start.Unix() {
						t.Errorf("%s: %s: %s starts at %d, we read %v", v.name, name, o.uid, *e.Start, o.start)
					}
					if e.RDates != nil && *e.RDates+1 != o.instances {
						t.Errorf("%s: %s: %s has DTSTART and %d RDATEs, we read %d instances", v.name, name, o.uid, *e.RDates, o.instances)
					}
				}
			}
		})
	}
}
