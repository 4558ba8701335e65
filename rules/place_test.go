package rules_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// The golden file flag is shared with other tests of the package; whoever
// registers it first wins, so no two files declare it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func plUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func plLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func plDate(t testing.TB, s string) rules.Date {
	t.Helper()
	d, err := rules.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// plCal builds a calendar for table tests. A plan is written one letter a
// day: H hard, E easy, L long, R race, X cross, . rest; upper case is a
// timed run (07:00–08:00), lower case an all-day one.
type plCal struct {
	t    testing.TB
	loc  *time.Location
	days map[rules.Date]*rules.Day
	lo   rules.Date
	n    int
}

var plTitles = map[byte]struct {
	kind  rules.Kind
	title string
}{
	'h': {rules.KindHard, "Intervals 6x800m"},
	'e': {rules.KindEasy, "Easy 8 km"},
	'l': {rules.KindLong, "Long run 30 km"},
	'r': {rules.KindRace, "Berlin Marathon"},
	'x': {rules.KindCross, "Bike 60 min"},
}

// newPlCal lays plan out from date lo; every other date up to n days is rest.
func newPlCal(t testing.TB, loc *time.Location, lo rules.Date, n int, plan string) *plCal {
	c := &plCal{t: t, loc: loc, days: map[rules.Date]*rules.Day{}, lo: lo, n: n}
	for i := range n {
		d := lo.AddDays(i)
		c.days[d] = &rules.Day{Date: d, Kind: rules.KindRest}
	}
	for i := 0; i < len(plan); i++ {
		ch := plan[i]
		if ch == '.' || ch == ' ' {
			continue
		}
		lower := ch | 0x20
		k, ok := plTitles[lower]
		if !ok {
			t.Fatalf("plan letter %q", ch)
		}
		d := lo.AddDays(i)
		if ch == lower {
			c.allDay(d, k.kind, k.title)
		} else {
			c.timed(d, k.kind, k.title, "07:00", "08:00")
		}
	}
	return c
}

func (c *plCal) add(d rules.Date, ev rules.Classified) {
	day, ok := c.days[d]
	if !ok {
		c.t.Fatalf("date %s is outside the calendar", d)
	}
	day.Events = append(day.Events, ev)
	if ev.Kind.IsRun() && !ev.Busy && ev.Kind > day.Kind {
		day.Kind = ev.Kind
	}
}

func (c *plCal) clock(s string) rules.Clock {
	k, err := rules.ParseClock(s)
	if err != nil {
		c.t.Fatal(err)
	}
	return k
}

func (c *plCal) timed(d rules.Date, k rules.Kind, title, from, to string) {
	s, e := d.At(c.clock(from), c.loc), d.At(c.clock(to), c.loc)
	c.add(d, rules.Classified{Event: rules.Event{ID: title + d.String(), Summary: title, Start: s, End: e}, Kind: k})
}

func (c *plCal) allDay(d rules.Date, k rules.Kind, title string) {
	c.add(d, rules.Classified{Event: rules.Event{ID: title + d.String(), Summary: title,
		Start: d.In(c.loc), End: d.AddDays(1).In(c.loc), AllDay: true}, Kind: k})
}

func (c *plCal) busy(d rules.Date, title, from, to string) {
	s, e := d.At(c.clock(from), c.loc), d.At(c.clock(to), c.loc)
	c.add(d, rules.Classified{Event: rules.Event{ID: title + d.String(), Summary: title, Start: s, End: e, Busy: true}, Kind: rules.KindOther})
}

func (c *plCal) list() []rules.Day {
	out := make([]rules.Day, 0, c.n)
	for i := range c.n {
		out = append(out, *c.days[c.lo.AddDays(i)])
	}
	return out
}

// Mondays used throughout: 2026-03-02 starts ISO week 2026-W10.
const plMon = "2026-03-02"

func plDates(ps []rules.Placement, hand bool) []string {
	var out []string
	for _, p := range ps {
		if p.Hand == hand {
			out = append(out, p.Date.String())
		}
	}
	return out
}

func plOnly(days ...time.Weekday) [7]bool {
	var w [7]bool
	for _, d := range days {
		w[d] = true
	}
	return w
}

// TestPlaceRules covers each hard rule of SPEC §4 with a case that breaks
// it and, where useful, the same case without the breach. The plan string
// starts one week before the window (From = Mon 2026-03-09, W11).
func TestPlaceRules(t *testing.T) {
	from := "2026-03-09"
	type tc struct {
		name  string
		plan  string // from Mon 2026-03-02, one letter a day
		races []string
		set   func(*rules.Settings)
		cal   func(*plCal)
		weeks int
		want  []string
	}
	cases := []tc{
		// H1 (SPEC §4; seed "Strength Training 101": avoid strength on the
		// same days as your longer duration runs).
		{name: "H1 not on the long run", plan: "......." + ".....l.", set: func(s *rules.Settings) {
			s.Weekdays = plOnly(time.Saturday)
		}},
		{name: "H1 control: an easy Sat is free", plan: "......." + ".....e.", set: func(s *rules.Settings) {
			s.Weekdays = plOnly(time.Saturday)
		}, want: []string{"2026-03-14"}},
		{name: "H1 not on race day", plan: "......." + ".....r.", races: []string{"2026-03-14"}, set: func(s *rules.Settings) {
			s.Weekdays, s.Taper = plOnly(time.Saturday), 0
		}},
		// H2: not on the eve of a long run or race.
		{name: "H2 not on the eve of the long run", plan: "......." + "......L", set: func(s *rules.Settings) {
			s.Weekdays = plOnly(time.Saturday)
		}},
		{name: "H2 not on the eve of a race known only from Races", plan: "......." + ".......", races: []string{"2026-03-15"},
			set: func(s *rules.Settings) { s.Weekdays, s.Taper = plOnly(time.Saturday), 0 }},
		{name: "H2 control: eve of an easy day", plan: "......." + "......e", set: func(s *rules.Settings) {
			s.Weekdays = plOnly(time.Saturday)
		}, want: []string{"2026-03-14"}},
		// H3: taper and recovery around a race, also one outside Days.
		{name: "H3 taper before a race beyond the window", plan: "......." + ".......", races: []string{"2026-03-20"},
			set: func(s *rules.Settings) { s.PerWeek = 4 }, want: []string{"2026-03-09", "2026-03-12"}},
		{name: "H3 recovery 2 after a race before the window", plan: "......r" + ".......", races: []string{"2026-03-08"},
			set: func(s *rules.Settings) { s.PerWeek, s.Recovery = 4, 2 }, want: []string{"2026-03-11", "2026-03-13", "2026-03-15"}},
		{name: "H3 recovery 1 frees Tue", plan: "......r" + ".......", races: []string{"2026-03-08"},
			set: func(s *rules.Settings) { s.PerWeek, s.Recovery = 4, 1 }, want: []string{"2026-03-10", "2026-03-12", "2026-03-15"}},
		// H4: no two days in a row, none next to an existing strength
		// session, also across the window's first edge.
		{name: "H4 every other hard day", plan: "......." + "HHHHHHH", set: func(s *rules.Settings) { s.PerWeek = 4 },
			want: []string{"2026-03-09", "2026-03-11", "2026-03-13", "2026-03-15"}},
		{name: "H4 next to a strength event before the window", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Monday) },
			cal: func(c *plCal) { c.allDay(plDate(t, "2026-03-08"), rules.KindStrength, "Gym") }},
		{name: "H4 same day and next to a strength event", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Tuesday, time.Wednesday, time.Thursday) },
			cal: func(c *plCal) { c.timed(plDate(t, "2026-03-11"), rules.KindStrength, "Gym", "12:00", "13:00") }},
		// H5: never over a timed event; after the run plus the gap; never
		// before a run.
		{name: "H5 evening run leaves no time", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Monday) },
			cal: func(c *plCal) { c.timed(plDate(t, "2026-03-09"), rules.KindEasy, "Easy 8 km", "19:00", "20:00") }},
		{name: "H5 run ending 18:00 plus 3h hits the window end", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Monday) },
			cal: func(c *plCal) { c.timed(plDate(t, "2026-03-09"), rules.KindHard, "Tempo", "17:00", "18:00") }},
		{name: "H5 busy all day with timed blocks", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Monday) },
			cal: func(c *plCal) { c.busy(plDate(t, "2026-03-09"), "Conference", "05:00", "22:00") }},
		{name: "H5 an all-day busy event never blocks time", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Monday) },
			cal: func(c *plCal) {
				d := plDate(t, "2026-03-09")
				c.add(d, rules.Classified{Event: rules.Event{ID: "trip", Summary: "Trip", Start: d.In(c.loc), End: d.AddDays(1).In(c.loc), AllDay: true, Busy: true}})
			}, want: []string{"2026-03-09"}},
		// H6: allowed weekdays.
		{name: "H6 only Thursdays", plan: "......." + "HHHHHHH", set: func(s *rules.Settings) { s.Weekdays = plOnly(time.Thursday) },
			want: []string{"2026-03-12"}},
		// H7: the week's existing strength events count, also those before
		// a window that starts mid-week.
		{name: "H7 existing session fills the week", plan: "......." + ".......",
			set: func(s *rules.Settings) { s.PerWeek = 1 },
			cal: func(c *plCal) { c.allDay(plDate(t, "2026-03-14"), rules.KindStrength, "Gym") }},
		{name: "H7 existing session counts toward 2", plan: "......." + ".......",
			cal: func(c *plCal) { c.allDay(plDate(t, "2026-03-14"), rules.KindStrength, "Gym") }, want: []string{"2026-03-09"}},
		{name: "H7 multi-day strength event counts once", plan: "......." + ".......",
			cal: func(c *plCal) {
				s, e := plDate(t, "2026-03-14"), plDate(t, "2026-03-16")
				ev := rules.Classified{Event: rules.Event{ID: "camp", Summary: "Gym camp", Start: s.In(c.loc), End: e.In(c.loc), AllDay: true}, Kind: rules.KindStrength}
				c.add(s, ev)
				c.add(s.AddDays(1), ev)
			}, want: []string{"2026-03-09"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := plLoc(t, "Europe/London")
			cal := newPlCal(t, loc, plDate(t, plMon), 35, c.plan)
			if c.cal != nil {
				c.cal(cal)
			}
			s := rules.DefaultSettings()
			if c.set != nil {
				c.set(&s)
			}
			var races []rules.Race
			for _, r := range c.races {
				races = append(races, rules.Race{Date: plDate(t, r), Summary: "Berlin Marathon"})
			}
			weeks := c.weeks
			if weeks == 0 {
				weeks = 1
			}
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, from), Weeks: weeks, Races: races, Loc: loc, Settings: s})
			if g := plDates(got, false); !slices.Equal(g, c.want) {
				t.Errorf("dates = %v, want %v", g, c.want)
			}
		})
	}
}

// TestPlaceTimeOfDay checks the start time: after the run plus the gap,
// else the preferred time, else the nearest free 15-minute step (SPEC §4
// "Time of day"; seed "How Strength Training Can Make You a Better
// Runner": running comes first).
func TestPlaceTimeOfDay(t *testing.T) {
	cases := []struct {
		name string
		set  func(*rules.Settings)
		cal  func(c *plCal, d rules.Date)
		want string // local start, "" for no session
	}{
		{name: "no run: preferred 18:00", want: "18:00"},
		{name: "morning run: still 18:00", cal: func(c *plCal, d rules.Date) { c.timed(d, rules.KindHard, "Tempo", "07:00", "08:00") }, want: "18:00"},
		{name: "afternoon run: end plus gap", cal: func(c *plCal, d rules.Date) { c.timed(d, rules.KindHard, "Tempo", "14:00", "15:30") }, want: "18:30"},
		{name: "gap of 90 minutes", set: func(s *rules.Settings) { s.Gap = 90 * time.Minute },
			cal: func(c *plCal, d rules.Date) { c.timed(d, rules.KindHard, "Tempo", "16:30", "17:00") }, want: "18:30"},
		{name: "last of two runs counts", cal: func(c *plCal, d rules.Date) {
			c.timed(d, rules.KindEasy, "Easy 5 km", "06:00", "06:30")
			c.timed(d, rules.KindHard, "Tempo", "15:00", "16:00")
		}, want: "19:00"},
		{name: "meeting at 18:00: nearest free start is earlier", cal: func(c *plCal, d rules.Date) { c.busy(d, "Team meeting", "18:00", "19:00") }, want: "17:15"},
		{name: "meeting 17:30-19:30 after a run: 16:45 beats 19:30", cal: func(c *plCal, d rules.Date) {
			c.timed(d, rules.KindHard, "Tempo", "07:00", "08:00")
			c.busy(d, "Team meeting", "17:30", "19:30")
		}, want: "16:45"},
		{name: "never before the run gap even when earlier is free", cal: func(c *plCal, d rules.Date) {
			c.timed(d, rules.KindHard, "Tempo", "14:00", "15:00")
			c.busy(d, "Dinner", "18:00", "21:00")
		}, want: "", set: func(s *rules.Settings) { s.At = 18 * 60 }},
		{name: "narrow morning window", set: func(s *rules.Settings) { s.WindowStart, s.WindowEnd = 6*60, 7*60 }, want: "06:15"},
		{name: "preferred time before the window", set: func(s *rules.Settings) { s.At = 5 * 60 }, want: "06:00"},
		{name: "busy 17:00-19:45: 16:15 and 19:45 are as near, earlier wins", cal: func(c *plCal, d rules.Date) { c.busy(d, "Dentist", "17:00", "19:45") }, want: "16:15"},
		{name: "busy 17:00-19:00: 19:00 is nearer than 16:15", cal: func(c *plCal, d rules.Date) { c.busy(d, "Dentist", "17:00", "19:00") }, want: "19:00"},
		{name: "an existing timed gym session on the day rules it out (H4)", cal: func(c *plCal, d rules.Date) {
			c.timed(d, rules.KindStrength, "Gym", "06:00", "07:00")
		}, want: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := plLoc(t, "America/New_York")
			d := plDate(t, "2026-03-09")
			cal := newPlCal(t, loc, plDate(t, plMon), 35, "")
			if c.cal != nil {
				c.cal(cal, d)
			}
			s := rules.DefaultSettings()
			s.Weekdays = plOnly(time.Monday)
			if c.set != nil {
				c.set(&s)
			}
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: d, Weeks: 1, Loc: loc, Settings: s})
			var start string
			for _, p := range got {
				if p.Date == d {
					start = rules.ClockOf(p.Start.In(loc)).String()
					if p.End.Sub(p.Start) != s.Duration {
						t.Errorf("length %s, want %s", p.End.Sub(p.Start), s.Duration)
					}
				}
			}
			if start != c.want {
				t.Errorf("start %q, want %q (%v)", start, c.want, got)
			}
		})
	}
}

// TestPlacePolicies checks both policies and the fallback order of SPEC §4:
// stack puts sessions on hard days ("keep the hard days hard and the easy
// days easy", seed "Strength Training Can Improve Running Performance"),
// separate on rest then easy days ("low volume training days or rest
// days", seed "Strength Training 101").
func TestPlacePolicies(t *testing.T) {
	cases := []struct {
		name   string
		week   string // from Mon 2026-03-09; later dates are rest
		policy rules.Policy
		per    int
		want   []string
	}{
		{"stack: hard days", ".h.e.h.", rules.PolicyStack, 2, []string{"2026-03-10", "2026-03-14"}},
		{"separate: rest days, never hard nor its eve", ".h.e.h.", rules.PolicySeparate, 2, []string{"2026-03-11", "2026-03-15"}},
		{"stack: one hard day, then a rest day not before a hard day", ".hexe.e", rules.PolicyStack, 2, []string{"2026-03-10", "2026-03-14"}},
		{"stack: a rest day beats a better-spaced easy day", "h.ee.eh", rules.PolicyStack, 3, []string{"2026-03-09", "2026-03-13", "2026-03-15"}},
		{"stack: easy only when no rest day fits", "ehexhee", rules.PolicyStack, 3, []string{"2026-03-10", "2026-03-13", "2026-03-15"}},
		{"stack: no fallback on the eve of a hard day", "eheheh.", rules.PolicyStack, 4, []string{"2026-03-10", "2026-03-12", "2026-03-14"}},
		{"separate: easy and cross after rest", "xee.eh.", rules.PolicySeparate, 3, []string{"2026-03-09", "2026-03-12", "2026-03-15"}},
		{"separate: no day before hard, long or race", "ehelehe" + "h", rules.PolicySeparate, 2, nil},
		{"separate: ... but the Sunday before a rest Monday", "ehelehe", rules.PolicySeparate, 2, []string{"2026-03-15"}},
		// SPEC §4: among hard days, prefer one whose next day is not hard
		// or long; a lift on the first of two stacks fatigue into the second.
		{"stack: two hard days in a row, one session: the second", "..hh...", rules.PolicyStack, 1, []string{"2026-03-12"}},
		{"stack: two hard days in a row before a long run: the first", "..hhl..", rules.PolicyStack, 1, []string{"2026-03-11"}},
		{"stack: a hard day before an easy one beats an earlier one before a hard day", "hh.h...", rules.PolicyStack, 1, []string{"2026-03-10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := plLoc(t, "Europe/London")
			cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+c.week)
			s := rules.DefaultSettings()
			s.Policy, s.PerWeek = c.policy, c.per
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 1, Loc: loc, Settings: s})
			if g := plDates(got, false); !slices.Equal(g, c.want) {
				t.Errorf("dates = %v, want %v", g, c.want)
			}
		})
	}
}

// TestPlaceWholeWindow checks that weeks are solved together: a greedy
// week-by-week choice would take the hard Sunday and lose the next
// Monday to H4 (SPEC §4 "never on two consecutive days").
func TestPlaceWholeWindow(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+"l.....h"+"...l..l")
	s := rules.DefaultSettings()
	s.PerWeek = 1
	s.Weekdays = plOnly(time.Monday, time.Thursday, time.Sunday)
	got, short := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 2, Loc: loc, Settings: s})
	if g, want := plDates(got, false), []string{"2026-03-12", "2026-03-16"}; !slices.Equal(g, want) {
		t.Errorf("dates = %v, want %v", g, want)
	}
	if len(short) != 0 {
		t.Errorf("short weeks %v, want none", short)
	}
}

// TestPlaceHand checks sessions the runner moved or deleted: never moved,
// their slots keep their ordinals, deleted ones are not re-created, and a
// moved one that breaks a rule carries a warning (SPEC §6 "a session the
// runner moved or deleted by hand stays as they left it").
func TestPlaceHand(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+"....l..")
	thu := plDate(t, "2026-03-12")
	hand := []rules.HandSession{
		{Week: "2026-W11", Ordinal: 1, Start: thu.At(19*60, loc), End: thu.At(19*60+45, loc)},
		{Week: "2026-W12", Ordinal: 2, Deleted: true},
	}
	got, short := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 2, Loc: loc,
		Settings: rules.DefaultSettings(), Hand: hand})
	var lines []string
	for _, p := range got {
		line := fmt.Sprintf("%s %s#%d hand=%v %s", p.Date, p.Week, p.Ordinal, p.Hand, p.Warning)
		if !p.Suggest.IsZero() {
			line += " → try " + p.Suggest.String()
		}
		lines = append(lines, line)
	}
	want := []string{
		"2026-03-09 2026-W11#2 hand=false ",
		"2026-03-12 2026-W11#1 hand=true on the eve of the long run \"Long run 30 km\" (H2) → try 2026-03-14",
		"2026-03-16 2026-W12#1 hand=false ",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("placements:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !got[1].Start.Equal(hand[0].Start) || !got[1].End.Equal(hand[0].End) {
		t.Errorf("hand session moved to %v–%v", got[1].Start, got[1].End)
	}
	if len(short) != 0 {
		t.Errorf("short weeks %v, want none", short)
	}
}

// TestPlaceReasons pins the wording a runner sees (SPEC §4: every placed
// session carries its reason, every short week says why).
func TestPlaceReasons(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	t.Run("hard day", func(t *testing.T) {
		cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+".He....")
		s := rules.DefaultSettings()
		s.PerWeek = 1
		got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 1, Loc: loc, Settings: s})
		want := `Tue: hard day — "Intervals 6x800m" 07:00–08:00; lift ≥3 h later; Wed is easy`
		if len(got) != 1 || got[0].Reason != want {
			t.Fatalf("got %+v\nwant reason %s", got, want)
		}
	})
	t.Run("fallback", func(t *testing.T) {
		cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+".He.e..")
		s := rules.DefaultSettings()
		s.Weekdays = plOnly(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
		got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 1, Loc: loc, Settings: s})
		want := `Thu: rest day (no hard day left this week); Fri is easy`
		if len(got) != 2 || got[1].Reason != want {
			t.Fatalf("got %+v\nwant reason %s", got, want)
		}
	})
	t.Run("moved", func(t *testing.T) {
		cal := newPlCal(t, loc, plDate(t, plMon), 35, "")
		cal.busy(plDate(t, "2026-03-09"), "Team meeting", "17:30", "18:30")
		s := rules.DefaultSettings()
		s.PerWeek, s.Weekdays = 1, plOnly(time.Monday)
		got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 1, Loc: loc, Settings: s})
		want := `Mon: rest day (no hard day this week); 18:00 clashes with "Team meeting", so 18:30; Tue is a rest day`
		if len(got) != 1 || got[0].Reason != want {
			t.Fatalf("got %+v\nwant reason %s", got, want)
		}
	})
	t.Run("short week", func(t *testing.T) {
		cal := newPlCal(t, loc, plDate(t, plMon), 35, "......."+"......."+".....lr")
		races := []rules.Race{{Date: plDate(t, "2026-03-22"), Summary: "Berlin Marathon", DistanceKm: 42.195}}
		_, short := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-16"), Weeks: 1, Races: races, Loc: loc,
			Settings: rules.DefaultSettings()})
		want := []rules.ShortWeek{{Week: "2026-W12", Wanted: 2, Placed: 0,
			Reason: `0 of 2 — Mon 16 – Thu 19 Mar: in the taper before "Berlin Marathon" (Sun 22 Mar) — no strength for 7 days before an A race; ` +
				`Fri 20 Mar: the day before your long run "Long run 30 km"; Sat 21 Mar: your long run "Long run 30 km"; Sun 22 Mar: race day: "Berlin Marathon"`}}
		if !slices.Equal(short, want) {
			t.Fatalf("short = %+v\nwant    %+v", short, want)
		}
	})
	t.Run("partial week", func(t *testing.T) {
		cal := newPlCal(t, loc, plDate(t, plMon), 35, "")
		cal.allDay(plDate(t, "2026-03-10"), rules.KindStrength, "Gym")
		_, short := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-14"), Weeks: 1, Loc: loc,
			Settings: rules.DefaultSettings()})
		want := rules.ShortWeek{Week: "2026-W11", Wanted: 2, Placed: 1 + 1, Reason: ""}
		// W11 holds the Tuesday gym session and a new one on Sat 14: full.
		if len(short) != 0 {
			t.Fatalf("short = %+v, want none (W11 has %d of 2)", short, want.Placed)
		}
	})
}

// TestPlaceDST checks wall-clock times across DST switches: a session keeps
// its local time, lasts its real duration, and skips wall times that do
// not exist.
func TestPlaceDST(t *testing.T) {
	cases := []struct {
		zone, day string
		at        string
		window    [2]string
		want      time.Time
	}{
		{"Europe/London", "2026-03-29", "18:00", [2]string{"06:00", "21:00"}, time.Date(2026, 3, 29, 17, 0, 0, 0, time.UTC)},
		{"Europe/London", "2026-03-29", "01:30", [2]string{"00:00", "24:00"}, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)}, // 02:00 BST, the nearest wall time that exists
		{"Europe/London", "2026-10-25", "18:00", [2]string{"06:00", "21:00"}, time.Date(2026, 10, 25, 18, 0, 0, 0, time.UTC)},
		{"America/New_York", "2026-03-08", "18:00", [2]string{"06:00", "21:00"}, time.Date(2026, 3, 8, 22, 0, 0, 0, time.UTC)},
		{"America/New_York", "2026-11-01", "18:00", [2]string{"06:00", "21:00"}, time.Date(2026, 11, 1, 23, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.zone+" "+c.day+" "+c.at, func(t *testing.T) {
			loc := plLoc(t, c.zone)
			d := plDate(t, c.day)
			cal := newPlCal(t, loc, d.AddDays(-13), 28, "")
			s := rules.DefaultSettings()
			s.Weekdays = plOnly(time.Sunday)
			s.At = cal.clock(c.at)
			s.WindowStart, s.WindowEnd = cal.clock(c.window[0]), cal.clock(c.window[1])
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: d.Monday(), Weeks: 1, Loc: loc, Settings: s})
			if len(got) != 1 || !got[0].Start.Equal(c.want) || got[0].End.Sub(got[0].Start) != s.Duration {
				t.Fatalf("got %+v, want start %v lasting %s", got, c.want, s.Duration)
			}
		})
	}
}

// TestPlaceGolden renders a three-week plan with races, busy time, an
// existing gym session and hand sessions; run with -update to rewrite.
func TestPlaceGolden(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	c := newPlCal(t, loc, plDate(t, plMon), 42, "......."+"eHxHeL."+"eHe.Hl."+"eHeE.xr")
	c.busy(plDate(t, "2026-03-10"), "Team meeting", "18:00", "19:00")
	c.timed(plDate(t, "2026-03-12"), rules.KindEasy, "Easy 5 km", "12:00", "12:30")
	c.allDay(plDate(t, "2026-03-18"), rules.KindStrength, "Gym with Sam")
	c.busy(plDate(t, "2026-03-24"), "Flight", "15:00", "23:00")
	races := []rules.Race{{Date: plDate(t, "2026-03-29"), Summary: "Berlin Marathon", DistanceKm: 42.195}}
	wed := plDate(t, "2026-03-25")
	sat := plDate(t, "2026-03-28")
	hand := []rules.HandSession{
		{Week: "2026-W13", Ordinal: 1, Start: wed.At(20*60, loc), End: wed.At(20*60+45, loc)},
		{Week: "2026-W13", Ordinal: 2, Start: sat.At(20*60+30, loc), End: sat.At(21*60+15, loc)},
	}
	s := rules.DefaultSettings()
	s.Taper = 3
	res := rules.Place(rules.PlaceInput{Days: c.list(), From: plDate(t, "2026-03-09"), Weeks: 3, Races: races, Loc: loc, Settings: s, Hand: hand})
	got, short := res.Placements, res.ShortWeeks
	var b strings.Builder
	for _, p := range got {
		fmt.Fprintf(&b, "%s#%d %s %s–%s hand=%v\n  %s\n", p.Week, p.Ordinal, p.Date, p.Start.In(loc).Format("15:04"), p.End.In(loc).Format("15:04"), p.Hand, p.Reason)
		if p.Warning != "" {
			fmt.Fprintf(&b, "  warning: %s\n", p.Warning)
		}
	}
	for _, w := range short {
		fmt.Fprintf(&b, "short %s %d/%d: %s\n", w.Week, w.Placed, w.Wanted, w.Reason)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	plGolden(t, filepath.Join("testdata", "place", "three_weeks.golden"), b.String())
}

// plGolden compares got with the golden file at path; -update rewrites it.
func plGolden(t *testing.T, path, got string) {
	t.Helper()
	if plUpdate() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestPlaceSpread pins the spread objective documented on Place: the
// largest minimum gap first, then the sum of gaps capped at 3 days,
// counting strength sessions already there, however far away.
func TestPlaceSpread(t *testing.T) {
	cases := []struct {
		name  string
		per   int
		weeks int
		days  []time.Weekday
		gyms  []string
		want  []string
	}{
		{name: "two a week for two weeks: every fourth day", per: 2, weeks: 2,
			want: []string{"2026-03-09", "2026-03-13", "2026-03-17", "2026-03-21"}},
		{name: "three a week: Mon, Thu, Sun", per: 3, want: []string{"2026-03-09", "2026-03-12", "2026-03-15"}},
		{name: "a gym session on Thu: Mon, gaps 3 and 7+", per: 2, gyms: []string{"2026-03-12"}, want: []string{"2026-03-09"}},
		{name: "a gym session three weeks back still closes a gap", per: 2, days: []time.Weekday{time.Tuesday, time.Saturday},
			gyms: []string{"2026-02-20", "2026-03-12", "2026-03-16"}, want: []string{"2026-03-10"}},
		{name: "a gym session a fortnight on still closes a gap", per: 3, days: []time.Weekday{time.Wednesday, time.Sunday},
			gyms: []string{"2026-03-09", "2026-03-13", "2026-03-27"}, want: []string{"2026-03-15"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := plLoc(t, "Europe/London")
			cal := newPlCal(t, loc, plDate(t, "2026-02-16"), 49, "")
			for _, g := range c.gyms {
				cal.timed(plDate(t, g), rules.KindStrength, "Gym", "07:00", "08:00")
			}
			s := rules.DefaultSettings()
			s.PerWeek = c.per
			if c.days != nil {
				s.Weekdays = plOnly(c.days...)
			}
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: max(c.weeks, 1), Loc: loc, Settings: s})
			if g := plDates(got, false); !slices.Equal(g, c.want) {
				t.Errorf("dates = %v, want %v", g, c.want)
			}
		})
	}
}

// TestPlaceHandWarnings checks the warning on a session the runner put
// on Wed 2026-03-11 18:00–18:45 by hand, one broken rule at a time.
func TestPlaceHandWarnings(t *testing.T) {
	wed := "2026-03-11"
	cases := []struct {
		name string
		plan string // from Mon 2026-03-02
		set  func(*rules.Settings)
		cal  func(*plCal)
		want string
	}{
		{name: "none", want: ""},
		{name: "H1 long run day", plan: "......." + "..l", want: `on the long run day "Long run 30 km" (H1)`},
		{name: "H2 eve of a race, H3 race known from the list", plan: "......." + "...r",
			want: `on the eve of the race "Berlin Marathon" (H2); in the taper before "Berlin Marathon" (Thu 12 Mar) — no strength for 7 days before an A race (H3)`},
		{name: "H4 next to a gym session", cal: func(c *plCal) { c.allDay(plDate(t, "2026-03-10"), rules.KindStrength, "Gym") },
			want: `next to the strength session "Gym" on Tue (H4)`},
		{name: "H5 overlap", cal: func(c *plCal) { c.busy(plDate(t, wed), "Team meeting", "17:30", "18:30") },
			want: `overlaps "Team meeting" (H5)`},
		{name: "H5 too soon after a run", cal: func(c *plCal) { c.timed(plDate(t, wed), rules.KindEasy, "Easy 8 km", "16:00", "17:00") },
			want: `less than 3 h after the run "Easy 8 km" (H5)`},
		{name: "H5 before a run", cal: func(c *plCal) { c.timed(plDate(t, wed), rules.KindEasy, "Easy 8 km", "19:00", "20:00") },
			want: `before the run "Easy 8 km": running comes first (H5)`},
		{name: "H6 window", set: func(s *rules.Settings) { s.WindowEnd = 18 * 60 }, want: `outside 06:00–18:00 (H6)`},
		{name: "H6 weekday", set: func(s *rules.Settings) { s.Weekdays[time.Wednesday] = false },
			want: `on a Wednesday, not an allowed day (H6)`},
		{name: "H7 week full", set: func(s *rules.Settings) { s.PerWeek = 1 },
			cal:  func(c *plCal) { c.allDay(plDate(t, "2026-03-09"), rules.KindStrength, "Gym") },
			want: `2 sessions in the week Mon 9 – Sun 15 Mar, more than 1 (H7)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := plLoc(t, "Europe/London")
			cal := newPlCal(t, loc, plDate(t, plMon), 35, c.plan)
			if c.cal != nil {
				c.cal(cal)
			}
			var races []rules.Race
			for _, d := range cal.list() {
				if d.Kind == rules.KindRace {
					races = append(races, rules.Race{Date: d.Date, Summary: "Berlin Marathon"})
				}
			}
			s := rules.DefaultSettings()
			if c.set != nil {
				c.set(&s)
			}
			d := plDate(t, wed)
			hand := []rules.HandSession{{Week: "2026-W11", Ordinal: 1, Start: d.At(18*60, loc), End: d.At(18*60+45, loc)}}
			got, _ := plRun(rules.PlaceInput{Days: cal.list(), From: plDate(t, "2026-03-09"), Weeks: 1, Races: races, Loc: loc, Settings: s, Hand: hand})
			i := slices.IndexFunc(got, func(p rules.Placement) bool { return p.Hand })
			if i < 0 {
				t.Fatalf("hand session missing from %+v", got)
			}
			if got[i].Warning != c.want {
				t.Errorf("warning %q, want %q", got[i].Warning, c.want)
			}
		})
	}
}

// plRun places and returns the placements and short weeks.
func plRun(in rules.PlaceInput) ([]rules.Placement, []rules.ShortWeek) {
	r := rules.Place(in)
	return r.Placements, r.ShortWeeks
}

// plEvents builds classified events for Make's steps after classification
// (PlanClassified), one entry a day from lo: the letters of newPlCal, plus
// "-" for a date with no entry at all (a rest letter "." writes a rest
// entry, so the plan covers it). Runs are all-day.
func plEvents(t testing.TB, loc *time.Location, lo rules.Date, plan string) []rules.Classified {
	var cs []rules.Classified
	for i := 0; i < len(plan); i++ {
		d := lo.AddDays(i)
		ev := rules.Event{ID: fmt.Sprint("p", i), Start: d.In(loc), End: d.AddDays(1).In(loc), AllDay: true}
		switch ch := plan[i]; ch {
		case '-', ' ':
			continue
		case '.':
			ev.Summary = "Rest"
			cs = append(cs, rules.Classified{Event: ev, Kind: rules.KindRest})
		default:
			k, ok := plTitles[ch|0x20]
			if !ok {
				t.Fatalf("plan letter %q", ch)
			}
			ev.Summary = k.title
			c := rules.Classified{Event: ev, Kind: k.kind}
			if k.kind == rules.KindRace {
				c.DistanceKm = 42.195
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// plAllDay is an all-day entry over days dates from d.
func plAllDay(loc *time.Location, d rules.Date, days int, k rules.Kind, title string) rules.Classified {
	return rules.Classified{Event: rules.Event{ID: title + d.String(), Summary: title, Start: d.In(loc), End: d.AddDays(days).In(loc), AllDay: true}, Kind: k}
}

func plSessionDates(p rules.Placed) []string { return plDates(p.Placements, false) }

// TestPlaceCoverage checks SPEC §4 "Only where there is a plan": sessions
// only from the first to the last training entry and never inside a gap
// of 10 days or more; Fill treats those dates as rest days; a window with
// no plan at all gets one warning.
func TestPlaceCoverage(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	lo := plDate(t, "2026-02-23") // two weeks before the window
	from := plDate(t, "2026-03-09")
	cases := []struct {
		name  string
		plan  string // from Mon 2026-02-23; the window is the third and fourth weeks
		fill  bool
		want  []string
		warn  bool
		notes map[string]string // date → note body
	}{
		{name: "plan starts inside the window: nothing before its first entry",
			plan:  "--------------" + "---h.e.h.h.e.h.----------",
			want:  []string{"2026-03-12", "2026-03-14", "2026-03-18", "2026-03-22"},
			notes: map[string]string{"2026-03-09": "no training plan on these days", "2026-03-11": "no training plan on these days"}},
		{name: "plan ends inside the window: nothing after its last entry",
			plan:  "h.e.h.h.e.h.h." + "h.e.h.h.--------",
			want:  []string{"2026-03-09", "2026-03-13", "2026-03-16"},
			notes: map[string]string{"2026-03-17": "no training plan on these days", "2026-03-22": "no training plan on these days"}},
		{name: "a gap of 10 days holds no session",
			plan:  "h.e.h.h.e.h.h." + "h.e----------e.h.h.e.h",
			want:  []string{"2026-03-09", "2026-03-11", "2026-03-22"},
			notes: map[string]string{"2026-03-12": "no training plan on these days", "2026-03-21": "no training plan on these days"}},
		{name: "a gap of 9 days is still the plan",
			plan: "h.e.h.h.e.h.h." + "h.e---------.e.h.h.e.h",
			want: []string{"2026-03-09", "2026-03-13", "2026-03-17", "2026-03-21"}},
		{name: "fill treats uncovered dates as rest days", fill: true,
			plan: "--------------" + "---h.e.h.h.e.h.----------",
			want: []string{"2026-03-09", "2026-03-12", "2026-03-16", "2026-03-22"}},
		{name: "no training entry in the window: one warning", plan: "h.e.h.h.e.", warn: true,
			notes: map[string]string{"2026-03-15": "no training plan on these days"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := rules.DefaultSettings()
			s.Fill = c.fill
			plan, res := rules.PlanClassified(plEvents(t, loc, lo, c.plan), rules.Input{Start: from, Weeks: 2, Loc: loc, Settings: s})
			if g := plSessionDates(res); !slices.Equal(g, c.want) {
				t.Errorf("dates = %v, want %v", g, c.want)
			}
			if c.warn != (len(plan.Warnings) == 1) || len(plan.Warnings) > 1 {
				t.Errorf("warnings %q, want one: %v", plan.Warnings, c.warn)
			}
			if c.warn && len(plan.ShortWeeks) != 0 {
				t.Errorf("short weeks %v beside the warning, want none", plan.ShortWeeks)
			}
			for _, w := range plan.ShortWeeks {
				if strings.Contains(w.Reason, "-W") {
					t.Errorf("short week reason %q names an ISO week", w.Reason)
				}
			}
			for date, want := range c.notes {
				d := plDate(t, date)
				if got := plan.Days[d.Sub(from)].Note; got != d.Text()+": "+want {
					t.Errorf("%s note %q, want %q", date, got, d.Text()+": "+want)
				}
			}
		})
	}
}

// TestUncovered pins the coverage spans, edges included.
func TestUncovered(t *testing.T) {
	loc := time.UTC
	lo := plDate(t, "2026-03-01")
	cs := plEvents(t, loc, lo, "-----e---------e----------e.....-")
	cs = append(cs,
		rules.Classified{Event: rules.Event{ID: "busy", Start: lo.In(loc), End: lo.AddDays(40).In(loc), Busy: true}, Kind: rules.KindEasy},
		plAllDay(loc, lo.AddDays(11), 1, rules.KindAway, "Holiday"),
		plAllDay(loc, lo.AddDays(12), 1, rules.KindOther, "Dentist"))
	got := rules.Uncovered(cs, lo, 34, loc)
	want := []rules.Span{
		{From: lo, To: lo.AddDays(4)},              // before the first entry
		{From: lo.AddDays(16), To: lo.AddDays(25)}, // a gap of 10 days (away and other entries are no training)
		{From: lo.AddDays(32), To: lo.AddDays(33)}, // after the last
	}
	if !slices.Equal(got, want) {
		t.Errorf("uncovered %v, want %v", got, want)
	}
}

// TestFindRaces checks race priorities (SPEC §4 "Races": what the entry
// says wins, else by distance and the races in the 12 weeks after) and
// the taper and recovery each gets.
func TestFindRaces(t *testing.T) {
	loc := time.UTC
	d0 := plDate(t, "2026-04-05")
	type race struct {
		day   int
		title string
		desc  string
		km    float64
	}
	cases := []struct {
		name  string
		races []race
		set   func(*rules.Settings)
		want  []string // per race: priority, taper days, recovery days
	}{
		{"a lone 10K is the goal", []race{{0, "10K race", "", 10}}, nil, []string{"A 7 2"}},
		{"10K before a marathon is C", []race{{0, "10K race", "", 10}, {56, "Marathon", "", 42.195}}, nil, []string{"C 1 2", "A 7 14"}},
		{"half 4 weeks before a marathon is B", []race{{0, "Half", "", 21.1}, {28, "Marathon", "", 42.195}}, nil, []string{"B 3 5", "A 7 14"}},
		{"a marathon before a 50K is still A", []race{{0, "Marathon", "", 42.195}, {42, "50K", "", 50}}, nil, []string{"A 7 14", "A 7 21"}},
		{"a race as long within 12 weeks wins", []race{{0, "10K race", "", 10}, {28, "10K race", "", 10}}, nil, []string{"C 1 2", "A 7 2"}},
		{"a longer race 13 weeks on does not count", []race{{0, "10K race", "", 10}, {91, "Marathon", "", 42.195}}, nil, []string{"A 7 2", "A 7 14"}},
		{"an unknown distance counts as the longest", []race{{0, "Half", "", 21.1}, {70, "Race day!", "", 0}}, nil, []string{"B 3 5", "A 7 5"}},
		{"text: C race, no taper", []race{{0, "10K (C race — no taper)", "", 10}}, nil, []string{"C 1 2"}},
		{"text: B race", []race{{0, "Half marathon", "B race", 21.1}, {20, "Half marathon", "", 21.1}}, nil, []string{"B 3 5", "A 7 5"}},
		{"text: A race beats a longer one later", []race{{0, "Half marathon (A race)", "", 21.1}, {56, "Marathon", "", 42.195}}, nil, []string{"A 7 5", "A 7 14"}},
		{"text: RACE_A", []race{{0, "10K", "RACE_A", 10}, {28, "Half", "", 21.1}}, nil, []string{"A 7 2", "A 7 5"}},
		{"text: goal", []race{{0, "Goal race: 10K", "", 10}, {28, "Half", "", 21.1}}, nil, []string{"A 7 2", "A 7 5"}},
		{"text: goal pace is no hint", []race{{0, "10K at goal pace", "", 10}, {28, "Half", "", 21.1}}, nil, []string{"C 1 2", "A 7 5"}},
		{"text: goal effort is no hint", []race{{0, "10K", "run at goal marathon effort", 10}, {28, "Half", "", 21.1}}, nil, []string{"C 1 2", "A 7 5"}},
		{"text: an explicit letter beats other words", []race{{0, "Half marathon race (tune-up)", "B race: run at goal marathon effort", 21.1}}, nil, []string{"B 3 5"}},
		{"text: a race is no hint", []race{{0, "10K, treat it as a race", "", 10}, {28, "Half", "", 21.1}}, nil, []string{"C 1 2", "A 7 5"}},
		{"text: tune-up marathon", []race{{0, "Marathon tune-up", "", 42.195}}, nil, []string{"C 1 14"}},
		{"text: parkrun", []race{{0, "parkrun", "", 5}}, nil, []string{"C 1 2"}},
		{"text: time trial", []race{{0, "5K time trial", "", 5}}, nil, []string{"C 1 2"}},
		{"text: fitness check", []race{{0, "Race", "fitness check", 10}}, nil, []string{"C 1 2"}},
		{"text: benchmark", []race{{0, "Benchmark 10K", "", 10}}, nil, []string{"C 1 2"}},
		{"text: train through", []race{{0, "Half — train through", "", 21.1}}, nil, []string{"C 1 5"}},
		{"ultra recovery", []race{{0, "100K", "", 100}}, nil, []string{"A 7 21"}},
		{"the runner's recovery overrides distance", []race{{0, "Marathon", "", 42.195}, {30, "10K", "", 10}},
			func(s *rules.Settings) { s.Recovery, s.Taper = 3, 10 }, []string{"A 10 3", "A 10 3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cs []rules.Classified
			for _, r := range c.races {
				ev := plAllDay(loc, d0.AddDays(r.day), 1, rules.KindRace, r.title)
				ev.Description, ev.DistanceKm = r.desc, r.km
				cs = append(cs, ev)
			}
			s := rules.DefaultSettings()
			if c.set != nil {
				c.set(&s)
			}
			var got []string
			for _, r := range rules.FindRaces(cs, loc, s) {
				got = append(got, fmt.Sprintf("%s %d %d", r.Priority, r.Date.Sub(r.TaperFrom), r.RecoveryTo.Sub(r.Date)))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("races %v, want %v", got, c.want)
			}
		})
	}
}

// TestPlaceRaces checks taper and recovery by priority and distance on
// placement, with the notes that name the race and the rule.
func TestPlaceRaces(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	from := plDate(t, "2026-04-13") // Mon
	t.Run("a marathon: no heavy session for 14 days after it", func(t *testing.T) {
		// London on Sun 12 Apr; every day after it is a hard day.
		cal := newPlCal(t, loc, from.AddDays(-7), 35, "......r"+strings.Repeat("h", 28))
		races := []rules.Race{{Date: from.AddDays(-1), Summary: "London Marathon", DistanceKm: 42.195}}
		s := rules.DefaultSettings()
		s.PerWeek = 4
		res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 3, Races: races, Loc: loc, Settings: s})
		got := plSessionDates(res)
		if len(got) == 0 || got[0] != "2026-04-27" {
			t.Errorf("dates = %v, want the first on Mon 27 Apr, 15 days after the race", got)
		}
		want := `Sun 19 Apr: 7 days after "London Marathon" (Sun 12 Apr) — no strength for 14 days after a marathon`
		if res.Notes[6] != want {
			t.Errorf("note %q\nwant %q", res.Notes[6], want)
		}
		if want := `Wed 15 Apr: 3 days after "London Marathon" (Sun 12 Apr) — no strength for 14 days after a marathon`; res.Notes[2] != want {
			t.Errorf("note %q\nwant %q", res.Notes[2], want)
		}
	})
	t.Run("a C race with no taper: only the day before", func(t *testing.T) {
		// A 10K "C race — no taper" on Sat 18 Apr, hard days all week.
		cal := newPlCal(t, loc, from.AddDays(-7), 28, "......."+"hhhhh.h")
		races := []rules.Race{{Date: from.AddDays(5), Summary: "10K (C race — no taper)", DistanceKm: 10, Priority: "C"}}
		s := rules.DefaultSettings()
		s.PerWeek = 3
		res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 1, Races: races, Loc: loc, Settings: s})
		// Thu 16, two days before the race, is free; the 10K's recovery
		// takes Sun 19.
		if got, want := plSessionDates(res), []string{"2026-04-13", "2026-04-16"}; !slices.Equal(got, want) {
			t.Errorf("dates = %v, want %v", got, want)
		}
		if want := `Fri 17 Apr: the day before the race "10K (C race — no taper)"`; res.Notes[4] != want {
			t.Errorf("note %q, want %q", res.Notes[4], want)
		}
	})
	t.Run("a B race tapers 3 days", func(t *testing.T) {
		cal := newPlCal(t, loc, from.AddDays(-7), 28, "......."+"hhhhh.h")
		races := []rules.Race{{Date: from.AddDays(5), Summary: "Half marathon", DistanceKm: 21.1, Priority: "B"}}
		s := rules.DefaultSettings()
		s.PerWeek = 3
		res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 1, Races: races, Loc: loc, Settings: s})
		if got, want := plSessionDates(res), []string{"2026-04-13"}; !slices.Equal(got, want) {
			t.Errorf("dates = %v, want %v", got, want)
		}
		if want := `Wed 15 Apr: in the taper before "Half marathon" (Sat 18 Apr) — no strength for 3 days before a B race`; res.Notes[2] != want {
			t.Errorf("note %q, want %q", res.Notes[2], want)
		}
	})
}

// TestPlaceAwayLightCompound checks away entries, light strength and
// compound entries (SPEC §3 and §4).
func TestPlaceAwayLightCompound(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	from := plDate(t, "2026-03-09")
	weekdays := func(days ...time.Weekday) func(*rules.Settings) {
		return func(s *rules.Settings) { s.Weekdays = plOnly(days...) }
	}
	cases := []struct {
		name string
		set  func(*rules.Settings)
		cal  func(*plCal)
		want []string
		note [2]string // a date and its note body
	}{
		{name: "away blocks each of its days, the entry named", cal: func(c *plCal) {
			ev := plAllDay(loc, plDate(t, "2026-03-10"), 4, rules.KindAway, "Ski trip")
			for i := range 4 {
				c.add(plDate(t, "2026-03-10").AddDays(i), ev)
			}
		}, want: []string{"2026-03-09", "2026-03-15"}, note: [2]string{"2026-03-12", `away: "Ski trip" (Tue 10 – Fri 13 Mar)`}},
		{name: "light strength never makes a day ineligible", set: weekdays(time.Tuesday, time.Wednesday), cal: func(c *plCal) {
			ev := plAllDay(loc, plDate(t, "2026-03-10"), 1, rules.KindStrength, "Core 20 min")
			ev.Light = true
			c.add(plDate(t, "2026-03-10"), ev)
		}, want: []string{"2026-03-10"}},
		{name: "light strength does not count towards the week", set: func(s *rules.Settings) { s.PerWeek = 1 }, cal: func(c *plCal) {
			for _, d := range []string{"2026-03-09", "2026-03-11", "2026-03-13"} {
				ev := plAllDay(loc, plDate(t, d), 1, rules.KindStrength, "Mobility")
				ev.Light = true
				c.add(plDate(t, d), ev)
			}
		}, want: []string{"2026-03-09"}},
		{name: "compound 'Strength + 5K easy run' Mon and Wed: none on Tue", set: weekdays(time.Tuesday), cal: func(c *plCal) {
			for _, d := range []string{"2026-03-09", "2026-03-11"} {
				ev := rules.Event{ID: "c" + d, Summary: "Strength + 5K easy run", Start: plDate(t, d).At(7*60, loc), End: plDate(t, d).At(8*60, loc)}
				c.add(plDate(t, d), rules.Classified{Event: ev, Kind: rules.KindEasy, Part: "run"})
				c.add(plDate(t, d), rules.Classified{Event: ev, Kind: rules.KindStrength, Part: "strength"})
			}
		}, note: [2]string{"2026-03-10", `your own strength session "Strength + 5K easy run" is the day before`}},
		{name: "compound entries fill the week (H7)", set: func(s *rules.Settings) { s.PerWeek = 2 }, cal: func(c *plCal) {
			for _, d := range []string{"2026-03-09", "2026-03-13"} {
				ev := rules.Event{ID: "c" + d, Summary: "Threshold intervals + Gym B", Start: plDate(t, d).At(7*60, loc), End: plDate(t, d).At(9*60, loc)}
				c.add(plDate(t, d), rules.Classified{Event: ev, Kind: rules.KindHard, Part: "run"})
				c.add(plDate(t, d), rules.Classified{Event: ev, Kind: rules.KindStrength, Part: "strength"})
			}
		}, note: [2]string{"2026-03-11", "2 sessions this week already, your own counted"}},
		{name: "a light compound part does not", set: func(s *rules.Settings) { s.PerWeek = 1 }, cal: func(c *plCal) {
			d := plDate(t, "2026-03-10")
			ev := rules.Event{ID: "c", Summary: "Easy 40 min + core", Start: d.At(7*60, loc), End: d.At(8*60, loc)}
			c.add(d, rules.Classified{Event: ev, Kind: rules.KindEasy, Part: "run"})
			c.add(d, rules.Classified{Event: ev, Kind: rules.KindStrength, Part: "strength", Light: true})
		}, want: []string{"2026-03-09"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cal := newPlCal(t, loc, plDate(t, plMon), 28, "")
			c.cal(cal)
			s := rules.DefaultSettings()
			if c.set != nil {
				c.set(&s)
			}
			res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 1, Loc: loc, Settings: s})
			if g := plSessionDates(res); !slices.Equal(g, c.want) {
				t.Errorf("dates = %v, want %v", g, c.want)
			}
			if c.note[0] != "" {
				d := plDate(t, c.note[0])
				if got, want := res.Notes[d.Sub(from)], d.Text()+": "+c.note[1]; got != want {
					t.Errorf("note %q, want %q", got, want)
				}
			}
		})
	}
}

// TestPlaceHandNewRules checks that a hand-placed session names the new
// rules it breaks: taper by priority, recovery by distance, away.
func TestPlaceHandNewRules(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	from := plDate(t, "2026-03-09")
	wed := plDate(t, "2026-03-11")
	cal := newPlCal(t, loc, plDate(t, plMon), 28, "")
	ev := plAllDay(loc, wed, 1, rules.KindAway, "Business trip")
	cal.add(wed, ev)
	races := []rules.Race{
		{Date: plDate(t, "2026-03-08"), Summary: "Half", DistanceKm: 21.1},
		{Date: plDate(t, "2026-03-13"), Summary: "Tune-up 10K", DistanceKm: 10, Priority: "B"},
	}
	hand := []rules.HandSession{{Week: "2026-W11", Ordinal: 1, Start: wed.At(18*60, loc), End: wed.At(18*60+45, loc)}}
	res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 1, Races: races, Loc: loc, Settings: rules.DefaultSettings(), Hand: hand})
	want := `while away: "Business trip" (Wed 11 Mar) (away); ` +
		`in the recovery after "Half" (Sun 8 Mar) — no strength for 5 days after a half marathon (H3); ` +
		`in the taper before "Tune-up 10K" (Fri 13 Mar) — no strength for 3 days before a B race (H3)`
	if len(res.Placements) == 0 || !res.Placements[0].Hand || res.Placements[0].Warning != want {
		t.Errorf("placements %+v\nwant warning %s", res.Placements, want)
	}
}

// TestPlaceNotChosen checks the note of an eligible date another date
// beat.
func TestPlaceNotChosen(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	from := plDate(t, "2026-12-07")
	cal := newPlCal(t, loc, from.AddDays(-7), 21, "......."+".h.e.h.")
	res := rules.Place(rules.PlaceInput{Days: cal.list(), From: from, Weeks: 1, Loc: loc, Settings: rules.DefaultSettings()})
	want := []string{
		"Mon 7 Dec: the day before a hard day (\"Intervals 6x800m\")",
		"Tue 8 Dec: hard day — \"Intervals 6x800m\"; Wed is a rest day",
		"Wed 9 Dec: Tue 8 Dec was chosen: a hard day; 2 sessions this week already",
		"Thu 10 Dec: Tue 8 Dec (a hard day) and Sat 12 Dec (a hard day) were chosen; 2 sessions this week already",
		"Fri 11 Dec: the day before a hard day (\"Intervals 6x800m\")",
		"Sat 12 Dec: hard day — \"Intervals 6x800m\"; Sun is a rest day",
		"Sun 13 Dec: Sat 12 Dec was chosen: a hard day; 2 sessions this week already",
	}
	if !slices.Equal(res.Notes, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(res.Notes, "\n"), strings.Join(want, "\n"))
	}
}

// TestPlanNotesGolden renders representative windows through Make's steps
// after classification: every day's note, the sessions, the short weeks
// and the warnings; run with -update to rewrite.
func TestPlanNotesGolden(t *testing.T) {
	loc := plLoc(t, "Europe/London")
	timed := func(d rules.Date, k rules.Kind, title string, from, to rules.Clock) rules.Classified {
		return rules.Classified{Event: rules.Event{ID: title + d.String(), Summary: title, Start: d.At(from, loc), End: d.At(to, loc)}, Kind: k}
	}
	// week lays a training week from Monday m: rest, intervals, easy,
	// tempo, rest, easy, long.
	week := func(m rules.Date) []rules.Classified {
		return []rules.Classified{
			plAllDay(loc, m, 1, rules.KindRest, "Rest day"),
			timed(m.AddDays(1), rules.KindHard, "Intervals 6x800m", 7*60, 8*60),
			timed(m.AddDays(2), rules.KindEasy, "Easy 8 km", 7*60, 8*60),
			timed(m.AddDays(3), rules.KindHard, "Tempo 40 min", 7*60, 8*60),
			plAllDay(loc, m.AddDays(4), 1, rules.KindRest, "Rest day"),
			timed(m.AddDays(5), rules.KindEasy, "Easy 10 km", 8*60, 9*60),
			timed(m.AddDays(6), rules.KindLong, "Long run 28 km", 8*60, 10*60+30),
		}
	}
	replace := func(cs []rules.Classified, d rules.Date, with ...rules.Classified) []rules.Classified {
		cs = slices.DeleteFunc(cs, func(c rules.Classified) bool { return c.FirstDate(loc) == d })
		return append(cs, with...)
	}
	race := func(d rules.Date, title string, km float64) rules.Classified {
		c := timed(d, rules.KindRace, title, 9*60, 12*60)
		c.DistanceKm = km
		return c
	}
	cases := []struct {
		name  string
		from  string
		weeks int
		cs    func() []rules.Classified
	}{
		{name: "race_season", from: "2026-04-06", weeks: 4, cs: func() []rules.Classified {
			var cs []rules.Classified
			for m := plDate(t, "2026-03-02"); m.Before(plDate(t, "2026-05-25")); m = m.AddDays(7) {
				cs = append(cs, week(m)...)
			}
			cs = replace(cs, plDate(t, "2026-04-05"), race(plDate(t, "2026-04-05"), "Spring Half Marathon", 21.0975))
			cs = replace(cs, plDate(t, "2026-04-18"), race(plDate(t, "2026-04-18"), "10K (C race — no taper)", 10))
			cs = replace(cs, plDate(t, "2026-04-26"), race(plDate(t, "2026-04-26"), "London Marathon", 42.195))
			return cs
		}},
		{name: "away_compound_light", from: "2026-12-07", weeks: 3, cs: func() []rules.Classified {
			var cs []rules.Classified
			for m := plDate(t, "2026-12-07"); m.Before(plDate(t, "2027-01-11")); m = m.AddDays(7) {
				cs = append(cs, week(m)...)
			}
			// The plan starts on Wed 9 Dec.
			cs = slices.DeleteFunc(cs, func(c rules.Classified) bool { return c.FirstDate(loc).Before(plDate(t, "2026-12-09")) })
			for _, d := range []rules.Date{plDate(t, "2026-12-14"), plDate(t, "2026-12-16")} {
				ev := rules.Event{ID: "c" + d.String(), Summary: "Strength + 5K easy run", Start: d.At(7*60, loc), End: d.At(8*60, loc)}
				cs = replace(cs, d, rules.Classified{Event: ev, Kind: rules.KindEasy, Part: "run"},
					rules.Classified{Event: ev, Kind: rules.KindStrength, Part: "strength"})
			}
			core := timed(plDate(t, "2026-12-10"), rules.KindStrength, "Core 15 min", 12*60, 12*60+15)
			core.Light = true
			cs = append(cs, core)
			// Two hard days in a row: the lift lands on the second.
			cs = replace(cs, plDate(t, "2026-12-23"), timed(plDate(t, "2026-12-23"), rules.KindHard, "Hill repeats 8x60s", 7*60, 8*60))
			cs = replace(cs, plDate(t, "2026-12-24"), timed(plDate(t, "2026-12-24"), rules.KindEasy, "Easy 8 km", 7*60, 8*60))
			cs = append(cs, plAllDay(loc, plDate(t, "2026-12-26"), 3, rules.KindAway, "Ski trip"))
			return cs
		}},
		{name: "no_plan", from: "2026-03-02", weeks: 2, cs: func() []rules.Classified {
			return week(plDate(t, "2026-01-05"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := rules.Input{Start: plDate(t, c.from), Weeks: c.weeks, Loc: loc, Settings: rules.DefaultSettings()}
			plan, res := rules.PlanClassified(c.cs(), in)
			var b strings.Builder
			for _, r := range plan.Races {
				fmt.Fprintf(&b, "race %s %q %s taper from %s, recovery to %s\n", r.Date, r.Summary, r.Priority, r.TaperFrom, r.RecoveryTo)
			}
			for _, d := range plan.Days {
				fmt.Fprintf(&b, "%s %-5s %s\n", d.Date, d.Kind, d.Note)
			}
			for _, p := range res.Placements {
				fmt.Fprintf(&b, "session %s %s–%s\n", p.Date, p.Start.In(loc).Format("15:04"), p.End.In(loc).Format("15:04"))
			}
			for _, w := range plan.ShortWeeks {
				fmt.Fprintf(&b, "short %s %d/%d: %s\n", w.Week, w.Placed, w.Wanted, w.Reason)
			}
			for _, w := range plan.Warnings {
				fmt.Fprintf(&b, "warning: %s\n", w)
			}
			plGolden(t, filepath.Join("testdata", "place", "notes_"+c.name+".golden"), b.String())
		})
	}
}

// TestSpanText pins the dates a runner reads in notes and short weeks.
func TestSpanText(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"2026-12-09", "2026-12-09", "Wed 9 Dec"},
		{"2026-12-07", "2026-12-13", "Mon 7 – Sun 13 Dec"},
		{"2026-12-28", "2027-01-03", "Mon 28 Dec – Sun 3 Jan"},
		{"2026-04-27", "2026-05-01", "Mon 27 Apr – Fri 1 May"},
	}
	for _, c := range cases {
		if got := rules.SpanText(plDate(t, c.a), plDate(t, c.b)); got != c.want {
			t.Errorf("SpanText(%s, %s) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
