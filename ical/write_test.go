package ical

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strengthsync/strengthsync/rules"
)

var update = flag.Bool("update", false, "rewrite golden files and the fuzz seed corpus")

// sampleSessions are two weeks of sessions around the 2026 spring DST
// change in London, out of order on purpose.
func sampleSessions(t testing.TB) []rules.Session {
	loc := mustLoad(t, london)
	mk := func(week string, ord int, day time.Time, title, variant, reason string, ex []rules.Exercise) rules.Session {
		return rules.Session{
			Placement: rules.Placement{Week: week, Ordinal: ord, Date: rules.DateOf(day), Start: day, End: day.Add(45 * time.Minute), Reason: reason},
			UID:       rules.SessionUID("", week, ord), Title: title, Phase: rules.PhaseStrength, Variant: variant, Exercises: ex,
		}
	}
	a := []rules.Exercise{
		{Name: "Back squat", Sets: 3, Reps: "4-6", Load: "80% 1RM"},
		{Name: "Split squat", Sets: 2, Reps: "6 each leg", Load: "body weight", Notes: "slow lowering; 3 s"},
		{Name: "Pull-ups", Sets: 3, Reps: "5"},
		{Name: "Calf raises", Sets: 3, Reps: "12", Load: "20 kg"},
		{Name: "Pallof press, anti-rotation", Sets: 2, Reps: "10 each side"},
	}
	b := []rules.Exercise{
		{Name: "Trap-bar deadlift", Sets: 3, Reps: "4-6", Load: "82.5 kg"},
		{Name: "Step-up", Sets: 2, Reps: "8 each leg"},
		{Name: "Bench press", Sets: 3, Reps: "5", Load: "80% 1RM"},
	}
	return []rules.Session{
		mk("2026-W14", 1, time.Date(2026, 3, 31, 18, 0, 0, 0, loc), "Strength A (power)", "A", "Tue: hard day — 'Tempo 3x10'; lift ≥3 h later", a),
		mk("2026-W13", 1, time.Date(2026, 3, 24, 18, 0, 0, 0, loc), "Strength A", "A", "Tue: hard day — 'Intervals 6x800m' 07:00–08:00; lift ≥3 h later; Wed is easy", a),
		mk("2026-W13", 2, time.Date(2026, 3, 26, 19, 30, 0, 0, loc), "Strength B", "B", "Thu: hard day — 'Hills 8x60s'", b),
	}
}

var writeNow = time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)

// controlSessions carry control characters in every text that reaches the
// file, as titles and notes copied from a source calendar can.
func controlSessions(t testing.TB) []rules.Session {
	s := sampleSessions(t)[:2]
	s[0].Title = "Strength\x00 A\u0085(power)\u2028after\u2029tempo\x1b[31m\x7f\u009b"
	s[0].Notes = "From 'Tempo\x00 3x10\u0085': keep\tit\r\nlight\rtoday \xff"
	s[0].Exercises = append([]rules.Exercise{{Name: "Back\x07 squat\u2028", Sets: 3, Reps: "4-6\x0b", Load: "80%\x0c 1RM", Notes: "slow\u0085down"}}, s[0].Exercises[1:]...)
	s[1].UID = "strength-2026-W13-1\x00@strengthsync"
	s[1].Reason = "Tue: hard day \u2014 'Intervals\u2028 6x800m'"
	return s
}

// TestWriteDropsControlCharacters: nothing but CRLF line ends and
// printable text reaches the file, whatever the titles held (RFC 5545
// §3.1: "CONTROL" is not allowed in a value; §3.3.11).
func TestWriteDropsControlCharacters(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, controlSessions(t), WriteOptions{Name: "Gym\x00\u0085plan\u2028", Loc: mustLoad(t, london), Now: writeNow}); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not UTF-8: %q", i+1, l)
		}
		for _, r := range l {
			if r < 0x20 && !(r == ' ' || r == '\t' && strings.HasPrefix(l, " ")) || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029' {
				t.Errorf("line %d holds control character %U: %q", i+1, r, l)
			}
		}
	}
	c, err := Parse("controls.ics", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := c.Ours()
	want := []string{"Strength A", "Strength A\n(power)\nafter\ntempo[31m"} // sorted by start: W13, then W14
	if len(got) != 2 || got[0].Summary != want[0] || got[1].Summary != want[1] || got[0].UID != "strength-2026-W13-1@strengthsync" {
		t.Errorf("read back %+v, want titles %q", got, want)
	}
	if d := got[1].Description; !strings.Contains(d, "- Back squat\n: 3 × 4-6 @ 80% 1RM (slow\ndown)") ||
		!strings.Contains(d, "From 'Tempo 3x10\n': keep it\nlight\ntoday \uFFFD") {
		t.Errorf("description read back as %q", d)
	}
}

func TestWriteGolden(t *testing.T) {
	tests := []struct {
		file     string
		opt      WriteOptions
		sessions []rules.Session
	}{
		{"write_london.golden.ics", WriteOptions{Loc: mustLoad(t, london), Now: writeNow}, sampleSessions(t)},
		{"write_utc.golden.ics", WriteOptions{Name: "Gym; sessions, mine", Loc: time.UTC, Now: writeNow, RefreshInterval: 90 * time.Minute}, sampleSessions(t)},
		{"write_controls.golden.ics", WriteOptions{Name: "Gym\x00\u0085plan\u2028", Loc: mustLoad(t, london), Now: writeNow}, controlSessions(t)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.sessions, tt.opt); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./ical -run TestWriteGolden -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("output differs from %s (run with -update if the change is intended)\ngot:\n%s", path, b.String())
			}
		})
	}
}

// TestWriteIsRFC5545 checks the shape rules golden files could hide.
func TestWriteIsRFC5545(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sampleSessions(t), WriteOptions{Loc: mustLoad(t, london), Now: writeNow}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("lines must end in CRLF (§3.1)")
	}
	for i, l := range strings.Split(out, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets, over 75 (§3.1)", i+1, len(l))
		}
	}
	if regexp.MustCompile(`TZID=[^:;]+:\d{8}T\d{6}Z`).MatchString(out) {
		t.Error("a TZID with a UTC time is invalid (§3.3.5)")
	}
	for _, want := range []string{
		"VERSION:2.0\r\n", "PRODID:-//strengthsync//strengthsync//EN\r\n", "CALSCALE:GREGORIAN\r\n", "METHOD:PUBLISH\r\n",
		"X-WR-CALNAME:Strength training\r\n", "X-WR-TIMEZONE:Europe/London\r\n",
		"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "X-PUBLISHED-TTL:PT1H\r\n",
		"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n", "BEGIN:DAYLIGHT\r\nDTSTART:20260329T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\n",
		"DTSTART;TZID=Europe/London:20260331T180000\r\n", "DTEND;TZID=Europe/London:20260331T184500\r\n",
		"DTSTAMP:20260320T090000Z\r\n", "CATEGORIES:Strength\r\n", "TRANSP:OPAQUE\r\n", "STATUS:CONFIRMED\r\n",
		"SEQUENCE:0\r\n", "LAST-MODIFIED:20260320T090000Z\r\n", "X-STRENGTHSYNC-SLOT:2026-W13-2\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if i, j := strings.Index(out, "UID:strength-2026-W13-1"), strings.Index(out, "UID:strength-2026-W14-1"); i < 0 || j < i {
		t.Error("sessions must be sorted by start")
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	opt := WriteOptions{Loc: mustLoad(t, london), Now: writeNow}
	ss := sampleSessions(t)
	var a, b bytes.Buffer
	if err := Write(&a, ss, opt); err != nil {
		t.Fatal(err)
	}
	reversed := []rules.Session{ss[2], ss[1], ss[0]}
	if err := Write(&b, reversed, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same sessions in another order gave different bytes")
	}
}

// TestWriteSequence: an unchanged session keeps SEQUENCE and LAST-MODIFIED,
// a changed one gets SEQUENCE+1 and a new LAST-MODIFIED (RFC 5545 §3.8.7.4).
func TestWriteSequence(t *testing.T) {
	loc := mustLoad(t, london)
	ss := sampleSessions(t)
	var first bytes.Buffer
	if err := Write(&first, ss, WriteOptions{Loc: loc, Now: writeNow}); err != nil {
		t.Fatal(err)
	}
	c, err := Parse("first.ics", first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	prev := c.Ours()
	prev[0].Sequence = 4 // as if written several times before

	later := writeNow.Add(48 * time.Hour)
	changed := append([]rules.Session(nil), ss...)
	changed[0].Title = "Strength A (power, lighter)" // the W14 session
	var second bytes.Buffer
	if err := Write(&second, changed, WriteOptions{Loc: loc, Now: later, Previous: prev}); err != nil {
		t.Fatal(err)
	}
	c2, err := Parse("second.ics", second.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	type seq struct {
		UID      string
		Sequence int
		Modified time.Time
	}
	var got []seq
	for _, w := range c2.Ours() {
		got = append(got, seq{w.UID, w.Sequence, w.LastModified})
	}
	want := []seq{
		{"strength-2026-W13-1@strengthsync", 4, writeNow}, // unchanged: carried over
		{"strength-2026-W13-2@strengthsync", 0, writeNow}, // unchanged
		{"strength-2026-W14-1@strengthsync", 1, later},    // changed: bumped
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if !bytes.Contains(second.Bytes(), []byte("DTSTAMP:20260322T090000Z")) {
		t.Error("DTSTAMP must be the new Now")
	}
}

// TestRoundTrip: what Write writes, Parse reads back as ours, with the
// same UIDs, times and summaries, and never as runs.
func TestRoundTrip(t *testing.T) {
	for _, locName := range []string{london, "UTC", "America/New_York", "Asia/Kolkata"} {
		loc := mustLoad(t, locName)
		ss := sampleSessions(t)
		var b bytes.Buffer
		if err := Write(&b, ss, WriteOptions{Loc: loc, Now: writeNow}); err != nil {
			t.Fatal(err)
		}
		c, err := Parse("out.ics", b.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", locName, err)
		}
		ours := c.Ours()
		if len(ours) != len(ss) {
			t.Fatalf("%s: read back %d sessions, want %d", locName, len(ours), len(ss))
		}
		byUID := map[string]Written{}
		for _, w := range ours {
			byUID[w.UID] = w
		}
		for _, s := range ss {
			w, ok := byUID[s.UID]
			switch {
			case !ok:
				t.Errorf("%s: %s missing", locName, s.UID)
			case !w.Start.Equal(s.Start) || !w.End.Equal(s.End) || w.Summary != s.Title || w.Description != Describe(s):
				t.Errorf("%s: %s read back as %v–%v %q, want %v–%v %q", locName, s.UID, w.Start, w.End, w.Summary, s.Start, s.End, s.Title)
			case w.Hash != ContentHash(s, Describe(s)) || w.Sequence != 0:
				t.Errorf("%s: %s hash %s seq %d", locName, s.UID, w.Hash, w.Sequence)
			}
		}
		evs, err := c.Events(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), loc)
		if err != nil || len(evs) != 0 {
			t.Errorf("%s: our own file read as %d runs (%v)", locName, len(evs), err)
		}
	}
}

func TestWriteNeedsNowAndUIDs(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, nil, WriteOptions{}); err == nil {
		t.Error("Write without Now succeeded")
	}
	s := sampleSessions(t)[0]
	s.UID = ""
	if err := Write(&b, []rules.Session{s}, WriteOptions{Now: writeNow}); err == nil {
		t.Error("Write of a session without UID succeeded")
	}
	b.Reset()
	if err := Write(&b, nil, WriteOptions{Now: writeNow}); err != nil || !bytes.Contains(b.Bytes(), []byte("X-WR-TIMEZONE:UTC")) {
		t.Errorf("empty calendar: %v\n%s", err, b.String())
	}
}

// Sessions kept from an earlier write (SPEC §6 "History is the runner's")
// come out exactly as they went in: a calendar written again from nothing
// but its own Ours() is the same bytes, and kept sessions sit beside new
// ones in start order with their SEQUENCE and LAST-MODIFIED.
func TestWriteKeepsEarlierSessionsAsWritten(t *testing.T) {
	loc := mustLoad(t, london)
	ss := sampleSessions(t)
	var first bytes.Buffer
	if err := Write(&first, ss, WriteOptions{Loc: loc, Now: writeNow}); err != nil {
		t.Fatal(err)
	}
	cal, err := Parse("first.ics", first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ours := cal.Ours()
	for _, w := range ours {
		week, ord, ok := w.WeekOrdinal()
		if !ok || w.UID != rules.SessionUID("", week, ord) {
			t.Errorf("%s: slot %q reads as %q %d %v", w.UID, w.Slot, week, ord, ok)
		}
	}

	var again bytes.Buffer
	if err := Write(&again, nil, WriteOptions{Loc: loc, Now: writeNow, Keep: ours}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), first.Bytes()) {
		t.Errorf("kept sessions were rewritten differently:\n%s", again.String())
	}

	// Later: the W13 sessions are past and kept, W14 is planned again with
	// new content; a kept session sharing a planned UID gives way.
	later := writeNow.Add(10 * 24 * time.Hour)
	w14 := ss[0]
	w14.Title = "Strength A (power, changed)"
	var mixed bytes.Buffer
	if err := Write(&mixed, []rules.Session{w14}, WriteOptions{Loc: loc, Now: later, Previous: ours, Keep: ours}); err != nil {
		t.Fatal(err)
	}
	got, err := Parse("mixed.ics", mixed.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	back := got.Ours()
	if len(back) != 3 {
		t.Fatalf("got %d sessions, want 3", len(back))
	}
	for i, w := range back {
		want := ours[i]
		if w.UID == w14.UID {
			if w.Sequence != want.Sequence+1 || !w.LastModified.Equal(later) || w.Summary != w14.Title {
				t.Errorf("replanned %s: seq %d modified %v %q", w.UID, w.Sequence, w.LastModified, w.Summary)
			}
			continue
		}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("kept %s changed:\n got %+v\nwant %+v", w.UID, w, want)
		}
	}
}

func TestWrittenWeekOrdinal(t *testing.T) {
	for _, tt := range []struct {
		slot string
		week string
		ord  int
		ok   bool
	}{
		{"2026-W10-1", "2026-W10", 1, true},
		{"2026-W52-12", "2026-W52", 12, true},
		{"", "", 0, false},
		{"2026-W10", "2026", 0, false}, // "W10" is no ordinal
		{"2026-W10-0", "", 0, false},
		{"-1", "", 0, false},
	} {
		week, ord, ok := Written{Slot: tt.slot}.WeekOrdinal()
		if ok != tt.ok || ok && (week != tt.week || ord != tt.ord) {
			t.Errorf("%q: %q %d %v, want %q %d %v", tt.slot, week, ord, ok, tt.week, tt.ord, tt.ok)
		}
	}
}
