package ical

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMessyFile reads a file with the habits of real exports: LF endings,
// no final newline, blank lines between events, VERSION:0.1, a 900-octet
// line never folded, emoji and non-Latin titles, CATEGORIES, and it checks
// every field of the events it yields.
func TestMessyFile(t *testing.T) {
	long := "Planned: 1:30:00, 18 km, TSS 120. " + strings.Repeat("Warm up easy, then steady. ", 32)
	data := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:0.1",
		"PRODID:hand made",
		"X-WR-CALNAME:My Plan",
		"X-WR-TIMEZONE:Europe/Stockholm",
		"",
		"BEGIN:VEVENT",
		"UID:long-1",
		"DTSTART;VALUE=DATE:20260307",
		"SUMMARY:🏃 Långpass",
		"DESCRIPTION:" + long,
		"CATEGORIES:Run,Long",
		"CATEGORIES:Z2",
		"END:VEVENT",
		"",
		"",
		"BEGIN:VEVENT",
		"UID:int-1",
		"DTSTART:20260303T170000Z",
		"DTEND:20260303T180000Z",
		"SUMMARY:Интервалы 5×1 км",
		"DESCRIPTION:Line one\\nLine two",
		"X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X_BROKEN=1:geo:1,2",
		"BEGIN:VALARM",
		"TRIGGER:-PT15M",
		"DESCRIPTION:Reminder",
		"END:VALARM",
		"END:VEVENT",
		"END:VCALENDAR",
	}, "\n") // LF only, and no final newline
	c, err := Parse("plan.ics", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "My Plan" || c.TimeZone != "Europe/Stockholm" || c.Source != "plan.ics" {
		t.Errorf("calendar: name %q zone %q source %q", c.Name, c.TimeZone, c.Source)
	}
	loc := mustLoad(t, "Europe/Stockholm")
	evs, err := c.Events(time.Date(2026, 3, 2, 0, 0, 0, 0, loc), time.Date(2026, 3, 9, 0, 0, 0, 0, loc), loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2: %+v", len(evs), evs)
	}
	got := []struct {
		ID, Summary, Description string
		Line                     int
		Categories               []string
		AllDay                   bool
		Start, End               string
	}{}
	for _, e := range evs {
		if e.Source != "plan.ics" {
			t.Errorf("%s: Source %q", e.ID, e.Source)
		}
		got = append(got, struct {
			ID, Summary, Description string
			Line                     int
			Categories               []string
			AllDay                   bool
			Start, End               string
		}{e.ID, e.Summary, e.Description, e.Line, e.Categories, e.AllDay,
			e.Start.In(loc).Format(time.RFC3339), e.End.In(loc).Format(time.RFC3339)})
	}
	want := []struct {
		ID, Summary, Description string
		Line                     int
		Categories               []string
		AllDay                   bool
		Start, End               string
	}{
		{"int-1", "Интервалы 5×1 км", "Line one\nLine two", 17, nil, false, "2026-03-03T18:00:00+01:00", "2026-03-03T19:00:00+01:00"},
		{"long-1", "🏃 Långpass", strings.TrimSpace(long), 7, []string{"Run", "Long", "Z2"}, true, "2026-03-07T00:00:00+01:00", "2026-03-08T00:00:00+01:00"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\ngot  %+v\nwant %+v", got, want)
	}
}

// TestInstanceIDsAndLines checks that expanded instances carry the UID
// plus their recurrence time, and the line of their own BEGIN:VEVENT.
func TestInstanceIDsAndLines(t *testing.T) {
	data := calendar(
		"BEGIN:VEVENT", "UID:w@x", "DTSTART;TZID=Europe/London:20260302T070000", "RRULE:FREQ=WEEKLY;COUNT=2", "SUMMARY:Run", "END:VEVENT",
		"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID;TZID=Europe/London:20260309T070000",
		"DTSTART;TZID=Europe/London:20260310T070000", "SUMMARY:Run moved", "END:VEVENT",
		"BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20260304", "RRULE:FREQ=DAILY;COUNT=1", "SUMMARY:Easy", "END:VEVENT",
	)
	c, err := Parse("t.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	loc := mustLoad(t, london)
	evs, err := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, loc), time.Date(2026, 3, 31, 0, 0, 0, 0, loc), loc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.ID+" line "+strconv.Itoa(e.Line))
	}
	want := []string{"w@x/20260302T070000 line 4", "d@x/20260304 line 16", "w@x/20260309T070000 line 10"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDerivedUIDIsStable: an event without UID gets the same ID on every
// parse, and different events get different IDs.
func TestDerivedUIDIsStable(t *testing.T) {
	data := calendar("BEGIN:VEVENT", "DTSTART:20260303T070000Z", "SUMMARY:A", "END:VEVENT",
		"BEGIN:VEVENT", "DTSTART:20260303T070000Z", "SUMMARY:B", "END:VEVENT")
	ids := func() []string {
		c, err := Parse("t.ics", data)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	a, b := ids(), ids()
	if len(a) != 2 || a[0] == a[1] || !reflect.DeepEqual(a, b) || !strings.HasPrefix(a[0], "nouid-") {
		t.Errorf("derived IDs %q then %q: want two distinct, stable nouid- IDs", a, b)
	}
}

// badInputs are inputs that must fail with one exact line naming the
// line and field. They also seed the fuzz corpus.
var badInputs = []struct {
	name string
	data string
	want string
}{
	{"empty file", "", "bad.ics: empty file"},
	{"blank file", "\r\n  \r\n", "bad.ics: empty file"},
	{"HTML login page", "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", "bad.ics:1: not a calendar: got HTML"},
	{"HTML after a blank line", "\n  <html>\n", "bad.ics:2: not a calendar: got HTML"},
	{"JSON error body", `{"error":"not found"}`, "bad.ics:1: not a calendar: got JSON"},
	{"plain text", "hello\n", `bad.ics:1: not a calendar: first line is "hello" (want BEGIN:VCALENDAR)`},
	{"truncated: no END:VCALENDAR", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260303\r\nEND:VEVENT\r\n",
		"bad.ics:5: VCALENDAR: truncated file: no END:VCALENDAR"},
	{"truncated: no END:VEVENT", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260303\r\nSUMMARY:Ea",
		"bad.ics:3: VEVENT: truncated file: no END:VEVENT"},
	{"END:VCALENDAR inside an event", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303\r\nEND:VCALENDAR\r\n",
		"bad.ics:4: END: END:VCALENDAR, but BEGIN:VEVENT on line 2 is not closed"},
	{"content after END:VCALENDAR", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
		`bad.ics:3: content after END:VCALENDAR: "BEGIN:VCALENDAR"`},
	{"literal ... line", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\n...\r\nDTSTART:20260303\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:5: malformed line "..."`},
	{"DTSTART;20210105", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;20210105\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:5: DTSTART: malformed property "DTSTART;20210105" (want NAME;PARAM=VALUE:VALUE)`},
	{"impossible DTSTART date", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20276719T232000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:6: DTSTART: invalid date "20276719T232000Z"`},
	{"impossible DTSTART time", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Europe/London:20260303T256000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:3: DTSTART: invalid time "20260303T256000"`},
	{"missing DTSTART", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Run\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"bad.ics:2: DTSTART: missing (every event needs a start)"},
	{"bad DTEND", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303T070000Z\r\nDTEND:2026-03-03\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:4: DTEND: invalid date "2026-03-03"`},
	{"bad DURATION", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303T070000Z\r\nDURATION:P1X\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:4: DURATION: invalid duration "P1X"`},
	{"bad RRULE", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303T070000Z\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:4: RRULE: invalid RRULE "FREQ=SOMETIMES": undefined frequency: SOMETIMES`},
	{"RRULE out of range", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303T070000Z\r\nRRULE:FREQ=DAILY;BYHOUR=25\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:4: RRULE: invalid RRULE "FREQ=DAILY;BYHOUR=25": byhour must be between 0 and 23`},
	{"bad EXDATE in a list", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303T070000Z\r\nRRULE:FREQ=DAILY\r\nEXDATE:20260304T070000Z,20261304T070000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:5: EXDATE: invalid date "20261304T070000Z"`},
	{"calendar inside a calendar", "BEGIN:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n",
		"bad.ics:2: BEGIN: a VCALENDAR inside a VCALENDAR"},
	{"control character in a component name", "BEGIN:VCALENDAR\r\nBEGIN:\r0\r\n",
		`bad.ics:2: "\r0": truncated file: no END:"\r0"`},
	{"golang-ical error mapped to the physical line", "BEGIN:VCALENDAR\r\n\r\nBEGIN:VEVENT\r\nDTSTART:20260303\r\nEND;X=1:VEVENT\r\nSUMMARY:x\r\n  y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		`bad.ics:8: END: cannot parse "END:VEVENT": expected a end`},
	{"bad DTSTART in bare VEVENTs: the file's own line", "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261304T070000Z\r\nEND:VEVENT\r\n",
		`bad.ics:3: DTSTART: invalid date "20261304T070000Z"`},
	{"bare VEVENT truncated", "\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260304T070000Z\r\n",
		"bad.ics:2: VEVENT: truncated file: no END:VEVENT"},
	{"bare VEVENT closed by an END:VCALENDAR", "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260304T070000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"bad.ics:5: END: END:VCALENDAR without BEGIN:VCALENDAR"},
	{"lower-case END of the wrong component", "begin:vcalendar\r\nbegin:vevent\r\ndtstart:20260303\r\nend:vtodo\r\nend:vcalendar\r\n",
		"bad.ics:4: END: END:VTODO, but BEGIN:VEVENT on line 2 is not closed"},
	{"nested too deep", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 60),
		"bad.ics:51: BEGIN: components nested more than 50 deep"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range badInputs {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("bad.ics", []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse succeeded with %d events, want error %q", len(c.events), tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\ngot  %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestEmptyCalendarIsNotAnError: a VCALENDAR without events is a valid
// calendar with no events (RFC 5545 §3.4), unlike an empty file.
func TestEmptyCalendarIsNotAnError(t *testing.T) {
	c, err := Parse("e.ics", calendar())
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.Events(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil || len(evs) != 0 {
		t.Errorf("Events = %v, %v; want none", evs, err)
	}
}

// TestBrokenUnusedPropertyIsSkipped: a malformed parameter on a property
// we never read costs nothing; on one we read it is an error.
func TestBrokenUnusedPropertyIsSkipped(t *testing.T) {
	data := calendar("BEGIN:VEVENT", "UID:a", "DTSTART:20260303T070000Z", "ATTENDEE;CN:nobody", "SUMMARY:Run", "END:VEVENT")
	c, err := Parse("t.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	if len(evs) != 1 || evs[0].Summary != "Run" {
		t.Errorf("got %+v, want the one run", evs)
	}
}

// badRules parse but must fail to expand over the first week of March
// 2026, with one line naming the RRULE. They also seed the fuzz corpus.
var badRules = []struct {
	name string
	ics  []string
	want string
}{
	{"endless FREQ=SECONDLY", []string{"BEGIN:VEVENT", "UID:a", "DTSTART:20260301T000000Z", "RRULE:FREQ=SECONDLY", "END:VEVENT"},
		"t.ics:7: RRULE: more than 5000 occurrences between 2026-03-01 and 2026-03-08"},
	{"FREQ=MINUTELY from years back", []string{"BEGIN:VEVENT", "UID:a", "DTSTART:20200301T000000Z", "SUMMARY:x", "RRULE:FREQ=MINUTELY;INTERVAL=2", "END:VEVENT"},
		"t.ics:8: RRULE: more than 5000 occurrences between 2026-03-01 and 2026-03-08"},
	{"dense rule with a huge COUNT from years back", []string{"BEGIN:VEVENT", "UID:a", "DTSTART:20200301T000000Z", "RRULE:FREQ=SECONDLY;COUNT=900000000", "END:VEVENT"},
		"t.ics:7: RRULE: recurs too densely to expand (more than 200000 steps before 2026-03-08)"},
	{"too many expansions per period", []string{"BEGIN:VEVENT", "UID:a", "DTSTART:20260301T000000Z",
		"RRULE:FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39", "END:VEVENT"},
		"t.ics:7: RRULE: recurs too densely to expand (more than 200000 steps before 2026-03-08)"},
}

func TestEventsErrors(t *testing.T) {
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	for _, tt := range badRules {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t.ics", calendar(tt.ics...))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Events(from, to, time.UTC)
			var e *Error
			if !errors.As(err, &e) || err.Error() != tt.want {
				t.Errorf("error\ngot  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestUnreachableRuleIsEmpty: BYHOUR values that INTERVAL can never reach
// would loop rrule-go forever; they mean no instances beyond DTSTART.
func TestUnreachableRuleIsEmpty(t *testing.T) {
	c, err := Parse("t.ics", calendar("BEGIN:VEVENT", "UID:a", "DTSTART:20260301T000000Z",
		"RRULE:FREQ=HOURLY;INTERVAL=24;BYHOUR=1", "SUMMARY:x", "END:VEVENT"))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil || len(evs) != 1 {
		t.Errorf("got %d events, %v; want only DTSTART's", len(evs), err)
	}
}

// TestImpossibleDayFilterIsEmpty: day filters that select no day ever
// (RFC 5545 §3.3.10 allows writing them) give no instances beyond DTSTART.
func TestImpossibleDayFilterIsEmpty(t *testing.T) {
	for _, rule := range []string{"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=7",
		"FREQ=DAILY;BYYEARDAY=366;BYMONTH=1", "FREQ=DAILY;BYWEEKNO=1;BYMONTH=7"} {
		c, err := Parse("t.ics", calendar("BEGIN:VEVENT", "UID:a", "DTSTART:20260301T070000Z", "RRULE:"+rule, "SUMMARY:x", "END:VEVENT"))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := c.Events(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		if err != nil || len(evs) != 1 {
			t.Errorf("%s: %d events, %v; want only DTSTART's", rule, len(evs), err)
		}
	}
	// A filter that does match, rarely, must still match.
	c, err := Parse("t.ics", calendar("BEGIN:VEVENT", "UID:a", "DTSTART:20250301T070000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", "END:VEVENT"))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.Events(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC), time.UTC)
	if err != nil || len(evs) != 1 || evs[0].Start.Format("2006-01-02") != "2028-02-29" {
		t.Errorf("leap day rule: %v, %v; want 2028-02-29", evs, err)
	}
}

func TestTooManyEventsInAll(t *testing.T) {
	lines := []string{}
	for i := 0; i < 50; i++ {
		lines = append(lines, "BEGIN:VEVENT", "UID:u"+strconv.Itoa(i), "DTSTART:20260101T000000Z", "RRULE:FREQ=HOURLY", "END:VEVENT")
	}
	c, err := Parse("t.ics", calendar(lines...))
	if err != nil {
		t.Fatal(err)
	}
	// 50 hourly events over six months: each under the 5,000 cap, too many in all.
	_, err = c.Events(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	if want := "t.ics: more than 200000 events between 2026-01-01 and 2026-07-01"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.ics")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: nothing is written or read
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(big, 0)
	if want := big + ": file is 50.0 MB, over the 10.0 MB limit"; err == nil || err.Error() != want {
		t.Errorf("50 MB file: got %v, want %s", err, want)
	}

	_, err = ReadFile(filepath.Join(dir, "missing.ics"), 0)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasSuffix(err.Error(), "missing.ics: cannot read: no such file or directory") {
		t.Errorf("missing file: got %v", err)
	}

	ok := filepath.Join(dir, "ok.ics")
	if err := os.WriteFile(ok, calendar("BEGIN:VEVENT", "DTSTART:20260303", "END:VEVENT"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(ok, 1000); err != nil {
		t.Errorf("small file: %v", err)
	}
	if _, err := ReadFile(ok, 10); err == nil || !strings.Contains(err.Error(), "over the 10 bytes limit") {
		t.Errorf("limit 10: got %v", err)
	}
}
