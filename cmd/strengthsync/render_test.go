package main

import (
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// TestTableDayNotes: with -v the table says why a day without a session has
// none (the day's note); a day with a session shows its reason instead, and
// without -v no note is shown.
func TestTableDayNotes(t *testing.T) {
	mon := rules.Date{Year: 2027, Month: time.March, Day: 1}
	start := mon.AddDays(1).At(18*60, time.UTC)
	p := rules.Plan{Timezone: "UTC", Start: mon, Weeks: 1, Days: make([]rules.Day, 7),
		Sessions: []rules.Session{{
			Placement: rules.Placement{Week: mon.Week(), Ordinal: 1, Date: mon.AddDays(1), Start: start, End: start.Add(45 * time.Minute),
				Reason: "Tue: hard day"},
			Title: "Strength A · squat, hinge, pull", Variant: "A",
		}}}
	for i := range p.Days {
		p.Days[i] = rules.Day{Date: mon.AddDays(i), Kind: rules.KindRest, Note: "note of day " + mon.AddDays(i).Short()}
	}
	p.Days[5].Note = ""
	res := &sync.Result{Plan: p, Loc: time.UTC}

	var quiet, verbose strings.Builder
	if err := writeTable(&quiet, res, false); err != nil {
		t.Fatal(err)
	}
	if err := writeTable(&verbose, res, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(quiet.String(), "note:") {
		t.Errorf("notes shown without -v:\n%s", quiet.String())
	}
	out := verbose.String()
	if got := strings.Count(out, "note: "); got != 5 {
		t.Errorf("%d notes, want 5 (7 days, one with a session, one without a note):\n%s", got, out)
	}
	for i, d := range p.Days {
		has := strings.Contains(out, "note: "+d.Note+"\n")
		if want := i != 1 && i != 5; has != want {
			t.Errorf("%s: note shown %v, want %v:\n%s", d.Date, has, want, out)
		}
	}
	if !strings.Contains(out, "why: Tue: hard day") {
		t.Errorf("the session's reason is missing:\n%s", out)
	}
}

// A title with an escape sequence must not reach the runner's terminal.
func TestTableDropsControlCharacters(t *testing.T) {
	var b strings.Builder
	w := &errWriter{w: &b}
	w.printf("  %s\n", "Intervals \x1b[2J6x800m\x00")
	if got := b.String(); got != "  Intervals [2J6x800m\n" {
		t.Errorf("printed %q", got)
	}
}
