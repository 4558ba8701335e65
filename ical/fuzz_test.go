package ical

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are the bad inputs plus a few good calendars that exercise
// recurrences, zones and overrides, for the fuzzer to mutate.
func fuzzSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for _, b := range badInputs {
		seeds["bad-"+b.name] = []byte(b.data)
	}
	for _, b := range badRules {
		seeds["rule-"+b.name] = calendar(b.ics...)
	}
	for _, f := range forgivenInputs {
		seeds["forgiven-"+f.name] = []byte(f.data)
	}
	seeds["good-recurring"] = calendar(
		"BEGIN:VTIMEZONE", "TZID:CEST", "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE",
		"BEGIN:VEVENT", "UID:w@x", "DTSTART;TZID=CEST:20260302T070000", "DURATION:PT1H",
		"RRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260430T000000Z", "EXDATE;TZID=CEST:20260305T070000,20260309T070000",
		"RDATE;VALUE=PERIOD:20260311T060000Z/PT2H", "SUMMARY:Intervals\\, 6x800m", "CATEGORIES:Run,Hard", "END:VEVENT",
		"BEGIN:VEVENT", "UID:w@x", "RECURRENCE-ID;TZID=CEST:20260312T070000", "DTSTART:20260313T170000Z", "STATUS:CANCELLED", "END:VEVENT",
		"BEGIN:VEVENT", "DTSTART:20260307", "SUMMARY:Long run", "DESCRIPTION:Planned: 1:30:00\\, 18 km", "END:VEVENT",
	)
	seeds["good-dense"] = calendar("BEGIN:VEVENT", "UID:d", "DTSTART:20260301T000000", "RRULE:FREQ=MINUTELY;INTERVAL=7;BYHOUR=6,7", "END:VEVENT")
	seeds["good-written"] = []byte(strings.ReplaceAll(string(mustRead("testdata/write_london.golden.ics")), "\r\n", "\n"))
	return seeds
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzParse in step with the seeds
// above; -update rewrites it.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for name, data := range fuzzSeeds() {
		file := filepath.Join(dir, strings.NewReplacer(" ", "-", ":", "", ";", "", ".", "", "/", "-").Replace(name))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := os.ReadFile(file); err != nil || string(got) != body {
			t.Errorf("seed corpus file %s is missing or stale (run go test ./ical -run TestFuzzSeedCorpus -update)", file)
		}
	}
}

// FuzzParse checks that no input makes Parse, Events or Ours panic, that
// every failure is a one-line *Error, and that expansion stays within
// its caps.
func FuzzParse(f *testing.F) {
	for _, data := range fuzzSeeds() {
		f.Add(data)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, berlin)
	to := from.AddDate(0, 0, 56)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := func(what string, err error) {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: error %T is not *Error: %v", what, err, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || e.Msg == "" {
				t.Fatalf("%s: error is not one useful line: %q", what, msg)
			}
		}
		// normalize keeps every line on its number (plus the lines it
		// wraps around bare components) and leaves its own output alone.
		norm, shift := normalize(data)
		lines := bytes.Count(data, []byte("\n"))
		got := bytes.Count(norm, []byte("\n"))
		if shift > 0 {
			// BEGIN and END:VCALENDAR, and a line end after the last line.
			got -= 2
			if got == lines+1 && !bytes.HasSuffix(data, []byte("\n")) {
				got--
			}
		}
		if got != lines {
			t.Fatalf("normalize: %d lines from %d (shift %d):\n%q\n%q", got, bytes.Count(data, []byte("\n")), shift, data, norm)
		}
		if again, s2 := normalize(norm); s2 != 0 || !bytes.Equal(again, norm) {
			t.Fatalf("normalize is not idempotent:\n%q\n%q", norm, again)
		}
		c, err := Parse("fuzz.ics", data)
		if err != nil {
			checkErr("Parse", err)
			return
		}
		evs, err := c.Events(from, to, berlin)
		if err != nil {
			checkErr("Events", err)
		}
		if limit := (len(c.events) + 1) * maxOccurrences; len(evs) > limit {
			t.Fatalf("%d events from %d VEVENTs: over the cap", len(evs), len(c.events))
		}
		for _, e := range evs {
			if e.End.Before(e.Start) || !e.Start.Before(to) || (e.End.After(e.Start) && !e.End.After(from)) {
				t.Fatalf("event %s %v–%v outside [%v, %v) or ends before it starts", e.ID, e.Start, e.End, from, to)
			}
		}
		ours := c.Ours()
		for _, w := range ours {
			if w.End.Before(w.Start) {
				t.Fatalf("written session %s ends before it starts", w.UID)
			}
			if week, ord, ok := w.WeekOrdinal(); ok && (ord < 1 || !strings.HasPrefix(w.Slot, week+"-")) {
				t.Fatalf("slot %q reads as %q %d", w.Slot, week, ord)
			}
		}
		// Sessions kept from a calendar, whatever it held, write back into
		// one that parses with the same sessions (SPEC §6).
		var buf bytes.Buffer
		if err := Write(&buf, nil, WriteOptions{Loc: berlin, Now: from, Keep: ours}); err != nil {
			t.Fatalf("writing the kept sessions: %v", err)
		}
		back, err := Parse("kept.ics", buf.Bytes())
		if err != nil {
			t.Fatalf("the kept sessions do not parse back: %v\n%s", err, buf.Bytes())
		}
		if got := back.Ours(); len(got) != len(ours) {
			t.Fatalf("%d sessions kept, %d read back", len(ours), len(got))
		}
	})
}
