package ical

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// calendar wraps VEVENT lines (and anything else) in a VCALENDAR, CRLF.
func calendar(lines ...string) []byte {
	all := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN"}, lines...)
	all = append(all, "END:VCALENDAR", "")
	return []byte(strings.Join(all, "\r\n"))
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// render prints an event in loc, with its UTC offset so DST shows.
func render(e rules.Event, loc *time.Location) string {
	s := fmt.Sprintf("%s–%s %s", e.Start.In(loc).Format("2006-01-02 15:04 -0700"), e.End.In(loc).Format("2006-01-02 15:04"), e.Summary)
	if e.AllDay {
		s += " (all day)"
	}
	return s
}

var london = "Europe/London"

// TestEventsRFC5545 covers each reading feature with the RFC 5545 section
// that defines it. Unless a case says otherwise the window is March 2026
// and the runner's zone is Europe/London (DST starts 2026-03-29).
func TestEventsRFC5545(t *testing.T) {
	march := [2]time.Time{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	weekly := []string{"BEGIN:VEVENT", "UID:w@x", "DTSTART;TZID=Europe/London:20260302T070000",
		"DTEND;TZID=Europe/London:20260302T080000", "SUMMARY:Intervals"}
	tests := []struct {
		name   string
		rfc    string
		ics    []string
		loc    string
		window [2]time.Time
		want   []string
	}{
		{
			name: "weekly RRULE with COUNT", rfc: "§3.3.10, §3.8.5.3",
			ics: append(weekly, "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-09 07:00 +0000–2026-03-09 08:00 Intervals",
				"2026-03-16 07:00 +0000–2026-03-16 08:00 Intervals",
			},
		},
		{
			name: "weekly event keeps its local time across DST", rfc: "§3.3.10 (expansion in DTSTART's zone), §3.3.5 form #3",
			ics:    append(weekly, "RRULE:FREQ=WEEKLY;UNTIL=20260406T060000Z", "END:VEVENT"),
			window: [2]time.Time{time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 13, 0, 0, 0, 0, time.UTC)},
			want: []string{
				"2026-03-23 07:00 +0000–2026-03-23 08:00 Intervals",
				"2026-03-30 07:00 +0100–2026-03-30 08:00 Intervals",
				"2026-04-06 07:00 +0100–2026-04-06 08:00 Intervals",
			},
		},
		{
			name: "UNTIL as a DATE keeps the last day's instance", rfc: "§3.3.10 UNTIL",
			ics: append(weekly, "RRULE:FREQ=WEEKLY;UNTIL=20260316", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-09 07:00 +0000–2026-03-09 08:00 Intervals",
				"2026-03-16 07:00 +0000–2026-03-16 08:00 Intervals",
			},
		},
		{
			name: "lower-case RRULE with trailing semicolon and an X- part", rfc: "§3.3.10",
			ics: append(weekly, "RRULE:freq=weekly;count=2;x-foo=1;", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-09 07:00 +0000–2026-03-09 08:00 Intervals",
			},
		},
		{
			name: "EXDATE list with several values", rfc: "§3.8.5.1",
			ics: append(weekly, "RRULE:FREQ=WEEKLY;COUNT=4",
				"EXDATE;TZID=Europe/London:20260309T070000,20260316T070000", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-23 07:00 +0000–2026-03-23 08:00 Intervals",
			},
		},
		{
			name: "EXDATE in UTC matches by local wall time after DST", rfc: "§3.8.5.1, §3.3.5",
			ics: append(weekly, "RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE:20260330T060000Z", "EXDATE:20260309T070000Z", "END:VEVENT"),
			want: []string{ // 06:00Z on 30 March is 07:00 BST; 07:00Z on 9 March is 07:00 GMT
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-16 07:00 +0000–2026-03-16 08:00 Intervals",
				"2026-03-23 07:00 +0000–2026-03-23 08:00 Intervals",
			},
		},
		{
			name: "RDATE adds instances, PERIOD with its own end", rfc: "§3.8.5.2",
			ics: append(weekly, "RRULE:FREQ=WEEKLY;COUNT=1", "RDATE;TZID=Europe/London:20260305T180000",
				"RDATE;VALUE=PERIOD:20260307T090000Z/PT2H", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-05 18:00 +0000–2026-03-05 19:00 Intervals",
				"2026-03-07 09:00 +0000–2026-03-07 11:00 Intervals",
			},
		},
		{
			name: "RECURRENCE-ID override replaces its instance", rfc: "§3.8.4.4",
			ics: append(append(weekly, "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT"),
				"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID;TZID=Europe/London:20260309T070000",
				"DTSTART;TZID=Europe/London:20260310T180000", "DTEND;TZID=Europe/London:20260310T190000",
				"SUMMARY:Intervals (moved)", "END:VEVENT"),
			want: []string{
				"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals",
				"2026-03-10 18:00 +0000–2026-03-10 19:00 Intervals (moved)",
				"2026-03-16 07:00 +0000–2026-03-16 08:00 Intervals",
			},
		},
		{
			name: "override moves an instance out of the window", rfc: "§3.8.4.4",
			ics: append(append(weekly, "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT"),
				"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID:20260309T070000Z",
				"DTSTART;TZID=Europe/London:20260420T070000", "SUMMARY:Intervals (moved)", "END:VEVENT"),
			window: [2]time.Time{march[0], time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
			want:   []string{"2026-03-02 07:00 +0000–2026-03-02 08:00 Intervals"},
		},
		{
			name: "override moves an instance into the window", rfc: "§3.8.4.4",
			ics: append(append(weekly, "RRULE:FREQ=WEEKLY;COUNT=6", "END:VEVENT"),
				"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID;TZID=Europe/London:20260406T070000",
				"DTSTART;TZID=Europe/London:20260320T070000", "DURATION:PT30M", "SUMMARY:Intervals (early)", "END:VEVENT"),
			window: [2]time.Time{time.Date(2026, 3, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 22, 0, 0, 0, 0, time.UTC)},
			want:   []string{"2026-03-20 07:00 +0000–2026-03-20 07:30 Intervals (early)"},
		},
		{
			name: "STATUS:CANCELLED event is dropped", rfc: "§3.8.1.11",
			ics: []string{"BEGIN:VEVENT", "UID:c@x", "DTSTART:20260303T070000Z", "SUMMARY:Tempo", "STATUS:CANCELLED", "END:VEVENT",
				"BEGIN:VEVENT", "UID:k@x", "DTSTART:20260304T070000Z", "SUMMARY:Easy", "STATUS:CONFIRMED", "END:VEVENT"},
			want: []string{"2026-03-04 07:00 +0000–2026-03-04 07:00 Easy"},
		},
		{
			name: "cancelled instance of a series is dropped", rfc: "§3.8.1.11, §3.8.4.4",
			ics: append(append(weekly, "RRULE:FREQ=WEEKLY;COUNT=2", "END:VEVENT"),
				"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID;TZID=Europe/London:20260302T070000",
				"DTSTART;TZID=Europe/London:20260302T070000", "STATUS:CANCELLED", "SUMMARY:Intervals", "END:VEVENT"),
			want: []string{"2026-03-09 07:00 +0000–2026-03-09 08:00 Intervals"},
		},
		{
			name: "TZID with its VTIMEZONE", rfc: "§3.2.19, §3.6.5",
			ics: []string{"BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "BEGIN:STANDARD", "DTSTART:19701025T030000",
				"TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
				"END:VTIMEZONE", "BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=Europe/Berlin:20260303T070000", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 06:00 +0000–2026-03-03 06:00 Run"},
		},
		{
			name: "TZID without VTIMEZONE uses Go's zone data", rfc: "§3.2.19",
			ics:  []string{"BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=America/New_York:20260303T070000", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 12:00 +0000–2026-03-03 12:00 Run"},
		},
		{
			name: "Windows zone name", rfc: "§3.2.19 (TZID text is implementation-defined)",
			ics:  []string{"BEGIN:VEVENT", "UID:b@x", `DTSTART;TZID="W. Europe Standard Time":20260303T070000`, "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 06:00 +0000–2026-03-03 06:00 Run"},
		},
		{
			name: "Mozilla-style TZID path", rfc: "§3.2.19",
			ics:  []string{"BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=/mozilla.org/20070129_1/Europe/Berlin:20260303T070000", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 06:00 +0000–2026-03-03 06:00 Run"},
		},
		{
			name: "non-IANA TZID CEST uses the file's VTIMEZONE offsets", rfc: "§3.6.5",
			ics: []string{"BEGIN:VTIMEZONE", "TZID:CEST", "BEGIN:DAYLIGHT", "DTSTART:19700329T020000",
				"TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT", "END:VTIMEZONE",
				"BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=CEST:20260303T070000", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 05:00 +0000–2026-03-03 05:00 Run"},
		},
		{
			name: "VTIMEZONE with yearly STANDARD and DAYLIGHT rules under a custom name", rfc: "§3.6.5",
			ics: []string{"BEGIN:VTIMEZONE", "TZID:Customized Time Zone", "BEGIN:STANDARD", "DTSTART:16010101T030000",
				"TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
				"BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
				"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
				"BEGIN:VEVENT", "UID:a@x", "DTSTART;TZID=Customized Time Zone:20260327T070000", "SUMMARY:Before", "END:VEVENT",
				"BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=Customized Time Zone:20260330T070000", "SUMMARY:After", "END:VEVENT"},
			want: []string{
				"2026-03-27 06:00 +0000–2026-03-27 06:00 Before",
				"2026-03-30 06:00 +0100–2026-03-30 06:00 After",
			},
		},
		{
			name: "unknown TZID without VTIMEZONE falls back to the runner's zone", rfc: "§3.2.19",
			ics:  []string{"BEGIN:VEVENT", "UID:b@x", "DTSTART;TZID=Mystery Time:20260303T070000", "SUMMARY:Run", "END:VEVENT"},
			loc:  "Asia/Tokyo",
			want: []string{"2026-03-03 07:00 +0900–2026-03-03 07:00 Run"},
		},
		{
			name: "floating time is placed in the runner's zone", rfc: "§3.3.5 form #1",
			ics:  []string{"BEGIN:VEVENT", "UID:f@x", "DTSTART:20260303T070000", "DTEND:20260303T080000", "SUMMARY:Run", "END:VEVENT"},
			loc:  "America/Los_Angeles",
			want: []string{"2026-03-03 07:00 -0800–2026-03-03 08:00 Run"},
		},
		{
			name: "UTC time", rfc: "§3.3.5 form #2",
			ics:  []string{"BEGIN:VEVENT", "UID:u@x", "DTSTART:20260303T070000Z", "DTEND:20260303T080000Z", "SUMMARY:Run", "END:VEVENT"},
			loc:  "America/Los_Angeles",
			want: []string{"2026-03-02 23:00 -0800–2026-03-03 00:00 Run"},
		},
		{
			name: "all-day VALUE=DATE is the date in the runner's zone", rfc: "§3.3.4, §3.6.1",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20260303", "DTEND;VALUE=DATE:20260304", "SUMMARY:Easy", "END:VEVENT"},
			loc:  "Australia/Sydney",
			want: []string{"2026-03-03 00:00 +1100–2026-03-04 00:00 Easy (all day)"},
		},
		{
			name: "bare DTSTART:20251020 is an all-day date", rfc: "§3.3.4 (VALUE=DATE omitted, as real feeds do)",
			ics:    []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART:20251020", "SUMMARY:Easy", "END:VEVENT"},
			window: [2]time.Time{time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)},
			want:   []string{"2025-10-20 00:00 +0100–2025-10-21 00:00 Easy (all day)"},
		},
		{
			name: "7-day all-day summary event overlapping the window start", rfc: "§3.6.1 (DTEND is exclusive)",
			ics: []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20260223", "DTEND;VALUE=DATE:20260302",
				"SUMMARY:Training Week 8 Distance: 52 km", "END:VEVENT"},
			want: []string{"2026-02-23 00:00 +0000–2026-03-02 00:00 Training Week 8 Distance: 52 km (all day)"},
		},
		{
			name: "DURATION instead of DTEND", rfc: "§3.8.2.5",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;TZID=Europe/London:20260303T063000", "DURATION:PT1H30M", "SUMMARY:Long", "END:VEVENT"},
			want: []string{"2026-03-03 06:30 +0000–2026-03-03 08:00 Long"},
		},
		{
			name: "all-day DURATION in days", rfc: "§3.8.2.5, §3.3.6",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20260303", "DURATION:P2D", "SUMMARY:Camp", "END:VEVENT"},
			want: []string{"2026-03-03 00:00 +0000–2026-03-05 00:00 Camp (all day)"},
		},
		{
			name: "DURATION of a day follows the wall clock across DST", rfc: "§3.3.6 (nominal days)",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;TZID=Europe/London:20260328T120000", "DURATION:P1D", "SUMMARY:Camp", "END:VEVENT"},
			want: []string{"2026-03-28 12:00 +0000–2026-03-29 12:00 Camp"},
		},
		{
			name: "missing DTEND: timed event has no length", rfc: "§3.6.1",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;TZID=Europe/London:20260303T063000", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 06:30 +0000–2026-03-03 06:30 Run"},
		},
		{
			name: "missing DTEND: all-day event lasts one day", rfc: "§3.6.1",
			ics:  []string{"BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20260303", "SUMMARY:Easy", "END:VEVENT"},
			want: []string{"2026-03-03 00:00 +0000–2026-03-04 00:00 Easy (all day)"},
		},
		{
			name: "missing UID and DTSTAMP, impossible DTSTAMP tolerated", rfc: "§3.6.1 (both required; real files omit them)",
			ics: []string{"BEGIN:VEVENT", "DTSTART:20260303T070000Z", "SUMMARY:No UID", "END:VEVENT",
				"BEGIN:VEVENT", "UID:s@x", "DTSTAMP:20276719T232000Z", "DTSTART:20260304T070000Z", "SUMMARY:Bad stamp", "END:VEVENT"},
			want: []string{"2026-03-03 07:00 +0000–2026-03-03 07:00 No UID", "2026-03-04 07:00 +0000–2026-03-04 07:00 Bad stamp"},
		},
		{
			name: "unordered events come out sorted", rfc: "§3.6 (components are unordered)",
			ics: []string{"BEGIN:VEVENT", "UID:2@x", "DTSTART:20260310T070000Z", "SUMMARY:Second", "END:VEVENT",
				"BEGIN:VEVENT", "UID:1@x", "DTSTART:20260303T070000Z", "SUMMARY:First", "END:VEVENT"},
			want: []string{"2026-03-03 07:00 +0000–2026-03-03 07:00 First", "2026-03-10 07:00 +0000–2026-03-10 07:00 Second"},
		},
		{
			name: "folded lines, including a fold inside a \\, escape, and escaped text", rfc: "§3.1, §3.3.11",
			ics: []string{"BEGIN:VEVENT", "UID:e@x", "DTSTART:20260303T070000Z",
				`SUMMARY:Tempo\, 3x10 min\; hills \\ more\`, ` , then easy`, "END:VEVENT"},
			want: []string{`2026-03-03 07:00 +0000–2026-03-03 07:00 Tempo, 3x10 min; hills \ more, then easy`},
		},
		{
			name: "daily all-day RRULE with a DATE EXDATE", rfc: "§3.8.5.1, §3.8.5.3",
			ics: []string{"BEGIN:VEVENT", "UID:a@x", "DTSTART;VALUE=DATE:20260302", "RRULE:FREQ=DAILY;COUNT=3",
				"EXDATE;VALUE=DATE:20260303", "SUMMARY:Easy", "END:VEVENT"},
			want: []string{
				"2026-03-02 00:00 +0000–2026-03-03 00:00 Easy (all day)",
				"2026-03-04 00:00 +0000–2026-03-05 00:00 Easy (all day)",
			},
		},
		{
			name: "our own written events never read as runs", rfc: "§3.8.8.2 (X- properties)",
			ics: []string{"BEGIN:VEVENT", "UID:strength-2026-W10-1@strengthsync", "DTSTART:20260303T180000Z",
				"SUMMARY:Strength A", "X-STRENGTHSYNC-SLOT:2026-W10-1", "END:VEVENT",
				"BEGIN:VEVENT", "UID:r@x", "DTSTART:20260303T070000Z", "SUMMARY:Run", "END:VEVENT"},
			want: []string{"2026-03-03 07:00 +0000–2026-03-03 07:00 Run"},
		},
		{
			name: "window is half-open: an event starting at its end is out", rfc: "§3.6.1",
			ics:    []string{"BEGIN:VEVENT", "UID:r@x", "DTSTART:20260401T000000Z", "SUMMARY:Run", "END:VEVENT"},
			loc:    "UTC",
			window: march,
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			locName := tt.loc
			if locName == "" {
				locName = london
			}
			loc := mustLoad(t, locName)
			window := tt.window
			if window[0].IsZero() {
				window = march
			}
			c, err := Parse("t.ics", calendar(tt.ics...))
			if err != nil {
				t.Fatalf("Parse (%s): %v", tt.rfc, err)
			}
			evs, err := c.Events(window[0], window[1], loc)
			if err != nil {
				t.Fatalf("Events (%s): %v", tt.rfc, err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, render(e, loc))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("RFC 5545 %s\ngot:\n  %s\nwant:\n  %s", tt.rfc, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestEventsConcurrent: a Calendar is immutable after Parse, so callers
// may expand it from several goroutines (run with -race).
func TestEventsConcurrent(t *testing.T) {
	c, err := Parse("t.ics", calendar("BEGIN:VEVENT", "UID:w@x", "DTSTART;TZID=Europe/London:20260302T070000",
		"RRULE:FREQ=DAILY", "EXDATE;TZID=Europe/London:20260303T070000", "SUMMARY:Run", "END:VEVENT"))
	if err != nil {
		t.Fatal(err)
	}
	loc := mustLoad(t, london)
	done := make(chan int)
	for i := 0; i < 4; i++ {
		go func() {
			evs, err := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, loc), time.Date(2026, 4, 1, 0, 0, 0, 0, loc), loc)
			if err != nil {
				t.Error(err)
			}
			done <- len(evs)
		}()
	}
	for i := 0; i < 4; i++ {
		if n := <-done; n != 29 { // 2–31 March less the 3rd
			t.Errorf("got %d events, want 29", n)
		}
	}
}
