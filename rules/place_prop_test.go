package rules_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// This file checks Place against an independent model: a generator of
// random calendars that remembers what it made, a checker of the hard
// rules H1–H7 and of the policies (SPEC §4) written from the spec, and a
// brute-force search over every subset of eligible days for the best
// placement. Nothing here calls into the implementation besides Place.

// plModel is a generated calendar and what the checker knows about it.
type plModel struct {
	loc      *time.Location
	from     rules.Date
	weeks    int
	lo, hi   rules.Date // Days cover [lo, hi]
	kind     map[rules.Date]rules.Kind
	onDate   map[rules.Date][]rules.Classified // every event touching a date
	timed    []rules.Classified                // every timed event, once
	strength []rules.Classified                // the runner's strength events, once
	races    []rules.Race
	s        rules.Settings
	hand     []rules.HandSession
}

var plDSTDays = []struct {
	zone string
	day  rules.Date
}{
	{"Europe/London", rules.Date{Year: 2026, Month: time.March, Day: 29}},
	{"Europe/London", rules.Date{Year: 2026, Month: time.October, Day: 25}},
	{"America/New_York", rules.Date{Year: 2026, Month: time.March, Day: 8}},
	{"America/New_York", rules.Date{Year: 2026, Month: time.November, Day: 1}},
}

func plClockAt(r *rand.Rand, lo, hi int) rules.Clock { // a 15-minute step in [lo, hi] hours
	return rules.Clock(lo*60 + 15*r.IntN((hi-lo)*4+1))
}

// plGenerate makes calendar number i. Times sit on 15-minute steps, so
// a free start exists on the 15-minute grid whenever any free start does.
func plGenerate(t testing.TB, i int) *plModel {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	m := &plModel{kind: map[rules.Date]rules.Kind{}, onDate: map[rules.Date][]rules.Classified{}}
	zones := []string{"UTC", "Europe/London", "America/New_York"}
	if r.IntN(2) == 0 {
		x := plDSTDays[r.IntN(len(plDSTDays))]
		m.loc = plLoc(t, x.zone)
		m.from = x.day.AddDays(-r.IntN(21))
	} else {
		m.loc = plLoc(t, zones[r.IntN(len(zones))])
		m.from = rules.Date{Year: 2026, Month: time.January, Day: 1}.AddDays(r.IntN(730))
	}
	m.weeks = 1 + r.IntN(4)

	s := rules.DefaultSettings()
	s.PerWeek = 1 + r.IntN(4)
	if r.IntN(2) == 0 {
		s.Policy = rules.PolicySeparate
	}
	s.At = plClockAt(r, 5, 21)
	s.Duration = []time.Duration{30, 45, 60, 90}[r.IntN(4)] * time.Minute
	s.Gap = time.Duration(r.IntN(5)) * time.Hour
	if r.IntN(3) == 0 {
		// A narrow window, starting after the night's DST switch.
		s.WindowStart = plClockAt(r, 3, 12)
		s.WindowEnd = min(s.WindowStart+rules.Clock(s.Duration/time.Minute)+rules.Clock(15*r.IntN(41)), 24*60)
	}
	if r.IntN(10) < 3 {
		for {
			for d := range s.Weekdays {
				s.Weekdays[d] = r.IntN(2) == 0
			}
			if slices.Contains(s.Weekdays[:], true) {
				break
			}
		}
	}
	s.Taper, s.Recovery = r.IntN(8), r.IntN(4)
	m.s = s

	end := m.from.AddDays(7 * m.weeks)
	m.lo = m.from.AddDays(-7 - r.IntN(4))
	m.hi = end.AddDays(max(s.Taper, 1) + r.IntN(3))
	id := 0
	add := func(ev rules.Classified) {
		id++
		ev.ID = fmt.Sprintf("ev%d", id)
		for d := ev.FirstDate(m.loc); !d.After(ev.LastDate(m.loc)); d = d.AddDays(1) {
			m.onDate[d] = append(m.onDate[d], ev)
		}
		if !ev.AllDay {
			m.timed = append(m.timed, ev)
		}
		if ev.Kind == rules.KindStrength && !ev.Busy {
			m.strength = append(m.strength, ev)
		}
	}
	timed := func(d rules.Date, k rules.Kind, title string, start rules.Clock, minutes int, busy bool) {
		s := d.At(start, m.loc)
		add(rules.Classified{Event: rules.Event{Summary: title, Start: s, End: s.Add(time.Duration(minutes) * time.Minute), Busy: busy}, Kind: k})
	}
	allDay := func(d rules.Date, days int, k rules.Kind, title string, busy bool) {
		add(rules.Classified{Event: rules.Event{Summary: title, Start: d.In(m.loc), End: d.AddDays(days).In(m.loc), AllDay: true, Busy: busy}, Kind: k})
	}
	kinds := []rules.Kind{rules.KindRest, rules.KindRest, rules.KindRest, rules.KindEasy, rules.KindEasy, rules.KindEasy,
		rules.KindHard, rules.KindHard, rules.KindHard, rules.KindCross, rules.KindLong}
	for d := m.lo; !d.After(m.hi); d = d.AddDays(1) {
		k := kinds[r.IntN(len(kinds))]
		if r.IntN(80) == 0 {
			k = rules.KindRace
		}
		switch {
		case k == rules.KindRest && r.IntN(3) == 0:
			allDay(d, 1, rules.KindRest, "Rest day", false)
		case k == rules.KindRest:
		case r.IntN(10) < 6:
			timed(d, k, k.String()+" run", plClockAt(r, 5, 20), 30+15*r.IntN(9), false)
		default:
			allDay(d, 1, k, k.String()+" run", false)
		}
		if k != rules.KindRest && r.IntN(7) == 0 {
			timed(d, rules.KindEasy, "Double", plClockAt(r, 5, 21), 30, false)
		}
		if r.IntN(10) < 3 {
			timed(d, rules.KindOther, "Busy", plClockAt(r, 6, 21), 30+15*r.IntN(15), true)
		}
		if r.IntN(25) == 0 {
			timed(d, rules.KindOther, "Night shift", plClockAt(r, 21, 23), 8*60, true)
		}
		if r.IntN(20) == 0 {
			allDay(d, 1, rules.KindOther, "Away", true)
		}
		if r.IntN(10) == 0 {
			timed(d, rules.KindOther, "Meeting", plClockAt(r, 8, 18), 60, false)
		}
		switch r.IntN(32) {
		case 0:
			timed(d, rules.KindStrength, "Gym", plClockAt(r, 6, 20), 60, false)
		case 1:
			allDay(d, 1+r.IntN(2), rules.KindStrength, "Gym camp", false)
		}
	}
	for d := m.lo; !d.After(m.hi); d = d.AddDays(1) {
		k := rules.KindRest
		for _, ev := range m.onDate[d] {
			if ev.Kind.IsRun() && !ev.Busy && ev.Kind > k {
				k = ev.Kind
			}
		}
		m.kind[d] = k
		if k == rules.KindRace {
			m.races = append(m.races, rules.Race{Date: d, Summary: "Race"})
		}
	}
	if r.IntN(8) == 0 { // a race only the race list knows, maybe beyond Days
		m.races = append(m.races, rules.Race{Date: m.from.AddDays(r.IntN(7*m.weeks+s.Taper+6) - 3), Summary: "Other race"})
	}
	if r.IntN(6) == 0 {
		used := map[string]bool{}
		for range 1 + r.IntN(2) {
			d := m.from.AddDays(r.IntN(7 * m.weeks))
			h := rules.HandSession{Week: d.Week(), Ordinal: 1 + r.IntN(s.PerWeek)}
			if used[fmt.Sprint(h.Week, h.Ordinal)] {
				continue
			}
			used[fmt.Sprint(h.Week, h.Ordinal)] = true
			if r.IntN(2) == 0 {
				h.Deleted = true
			} else {
				h.Start = d.At(plClockAt(r, 6, 20), m.loc)
				h.End = h.Start.Add(s.Duration)
			}
			m.hand = append(m.hand, h)
		}
	}
	return m
}

func (m *plModel) input() rules.PlaceInput {
	var days []rules.Day
	for d := m.lo; !d.After(m.hi); d = d.AddDays(1) {
		evs := slices.Clone(m.onDate[d])
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Start.Before(evs[j].Start) })
		days = append(days, rules.Day{Date: d, Kind: m.kind[d], Events: evs})
	}
	return rules.PlaceInput{Days: days, From: m.from, Weeks: m.weeks, Races: m.races, Loc: m.loc, Settings: m.s, Hand: m.hand}
}

func (m *plModel) end() rules.Date { return m.from.AddDays(7 * m.weeks) }

func (m *plModel) kindOf(d rules.Date) rules.Kind {
	if k, ok := m.kind[d]; ok {
		return k
	}
	return rules.KindRest
}

func (m *plModel) raceOn(d rules.Date) bool {
	return slices.ContainsFunc(m.races, func(r rules.Race) bool { return r.Date == d })
}

// fixed lists the dates of strength sessions already there: the runner's
// strength events (every date they touch) and hand sessions not deleted.
func (m *plModel) fixed() map[rules.Date]bool {
	f := map[rules.Date]bool{}
	for _, ev := range m.strength {
		for d := ev.FirstDate(m.loc); !d.After(ev.LastDate(m.loc)); d = d.AddDays(1) {
			f[d] = true
		}
	}
	for _, h := range m.hand {
		if !h.Deleted {
			f[rules.DateOf(h.Start.In(m.loc))] = true
		}
	}
	return f
}

// capacity is H7: what a week has left after strength events (counted by
// their first date) and hand sessions (in their slot's week and, when
// moved to another week, there too).
func (m *plModel) capacity(week string) int { return max(0, m.s.PerWeek-m.already(week)) }

// already counts the sessions a week holds before placement.
func (m *plModel) already(week string) int {
	n := 0
	for _, ev := range m.strength {
		if ev.FirstDate(m.loc).Week() == week {
			n++
		}
	}
	for _, h := range m.hand {
		if h.Week == week || (!h.Deleted && rules.DateOf(h.Start.In(m.loc)).Week() == week) {
			n++
		}
	}
	return n
}

// timeOK checks H5 and H6's window for a session [s, e) on d.
func (m *plModel) timeOK(d rules.Date, s, e time.Time) error {
	if rules.DateOf(s.In(m.loc)) != d {
		return fmt.Errorf("starts on %s, not %s", rules.DateOf(s.In(m.loc)), d)
	}
	if s.Before(d.At(m.s.WindowStart, m.loc)) || e.After(d.At(m.s.WindowEnd, m.loc)) {
		return fmt.Errorf("H6: %s–%s outside the window", s.In(m.loc).Format("15:04"), e.In(m.loc).Format("15:04"))
	}
	for _, ev := range m.timed {
		ee := ev.End
		if !ee.After(ev.Start) {
			ee = ev.Start.Add(time.Nanosecond)
		}
		if s.Before(ee) && ev.Start.Before(e) {
			return fmt.Errorf("H5: overlaps %q %s–%s", ev.Summary, ev.Start.In(m.loc).Format("15:04"), ev.End.In(m.loc).Format("15:04"))
		}
	}
	for _, ev := range m.onDate[d] {
		if ev.Kind.IsRun() && !ev.Busy && !ev.AllDay && s.Before(ev.End.Add(m.s.Gap)) {
			return fmt.Errorf("H5: %s is within the gap after (or before) run %q ending %s", s.In(m.loc).Format("15:04"), ev.Summary, ev.End.In(m.loc).Format("15:04"))
		}
	}
	return nil
}

// dateOK checks the rules that depend on the date alone: H1–H3, H4
// against sessions already there, H6's weekdays, and the policy.
func (m *plModel) dateOK(d rules.Date, fixed map[rules.Date]bool) error {
	k, next := m.kindOf(d), m.kindOf(d.AddDays(1))
	switch {
	case d.Before(m.from) || !d.Before(m.end()):
		return fmt.Errorf("outside the window")
	case k == rules.KindLong || k == rules.KindRace:
		return fmt.Errorf("H1: a %s day", k)
	case next == rules.KindLong || next == rules.KindRace || m.raceOn(d.AddDays(1)):
		return fmt.Errorf("H2: eve of a %s day", next)
	case fixed[d] || fixed[d.AddDays(-1)] || fixed[d.AddDays(1)]:
		return fmt.Errorf("H4: on or next to a strength session")
	case !m.s.Weekdays[d.Weekday()]:
		return fmt.Errorf("H6: weekday %s not allowed", d.Weekday())
	case m.s.Policy == rules.PolicySeparate && k == rules.KindHard:
		return fmt.Errorf("separate: on a hard day")
	case m.s.Policy == rules.PolicySeparate && next >= rules.KindHard:
		return fmt.Errorf("separate: eve of a %s day", next)
	case m.s.Policy == rules.PolicyStack && k != rules.KindHard && next == rules.KindHard:
		return fmt.Errorf("stack: a fallback day on the eve of a hard day")
	}
	for _, r := range m.races {
		if n := d.Sub(r.Date); n >= -m.s.Taper && n <= m.s.Recovery {
			return fmt.Errorf("H3: %d days from the race on %s", n, r.Date)
		}
	}
	return nil
}

// eligible says whether any start on the 15-minute grid fits d.
func (m *plModel) eligible(d rules.Date, fixed map[rules.Date]bool) bool {
	if m.dateOK(d, fixed) != nil {
		return false
	}
	for c := rules.Clock(0); c < 24*60; c += 15 {
		s := d.At(c, m.loc)
		if rules.ClockOf(s.In(m.loc)) != c {
			continue
		}
		if m.timeOK(d, s, s.Add(m.s.Duration)) == nil {
			return true
		}
	}
	return false
}

// startOn is the SPEC's time of day: after the day's last timed run plus
// the gap, else the preferred time; when that is taken, the nearest free
// start on the 15-minute grid, the earlier of two as near.
func (m *plModel) startOn(d rules.Date) (time.Time, bool) {
	pref := int(m.s.At)
	for _, ev := range m.onDate[d] {
		if !ev.Kind.IsRun() || ev.Busy || ev.AllDay {
			continue
		}
		e := ev.End.Add(m.s.Gap).In(m.loc)
		switch {
		case rules.DateOf(e).After(d):
			return time.Time{}, false
		case rules.DateOf(e) == d:
			pref = max(pref, e.Hour()*60+e.Minute())
		}
	}
	var best time.Time
	bestDist := -1
	for c := 0; c < 24*60; c += 15 {
		s := d.At(rules.Clock(c), m.loc)
		if int(rules.ClockOf(s.In(m.loc))) != c || m.timeOK(d, s, s.Add(m.s.Duration)) != nil {
			continue
		}
		dist := c - pref
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = s, dist
		}
	}
	return best, bestDist >= 0
}

func (m *plModel) rank(d rules.Date) int {
	k := m.kindOf(d)
	if m.s.Policy == rules.PolicySeparate {
		if k == rules.KindRest {
			return 0
		}
		return 1
	}
	switch k {
	case rules.KindHard:
		return 0
	case rules.KindRest:
		return 1
	}
	return 2
}

// plScore is the objective of Place's documentation, computed directly.
type plScore struct {
	count, n0, n1, minGap, spread int
	dates                         []rules.Date
}

func (a plScore) better(b plScore) bool {
	for _, x := range [][2]int{{a.count, b.count}, {a.n0, b.n0}, {a.n1, b.n1}, {a.minGap, b.minGap}, {a.spread, b.spread}} {
		if x[0] != x[1] {
			return x[0] > x[1]
		}
	}
	for i := range min(len(a.dates), len(b.dates)) {
		if a.dates[i] != b.dates[i] {
			return a.dates[i].Before(b.dates[i])
		}
	}
	return false
}

func (m *plModel) score(chosen []rules.Date, fixed map[rules.Date]bool) plScore {
	sc := plScore{count: len(chosen), minGap: 7, dates: slices.Clone(chosen)}
	isNew := map[rules.Date]bool{}
	all := slices.Clone(chosen)
	for _, d := range chosen {
		isNew[d] = true
		switch m.rank(d) {
		case 0:
			sc.n0++
		case 1:
			sc.n1++
		}
	}
	for d := range fixed {
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b rules.Date) int { return a.Sub(b) })
	for i := 1; i < len(all); i++ {
		if isNew[all[i-1]] || isNew[all[i]] {
			g := all[i].Sub(all[i-1])
			sc.minGap = min(sc.minGap, g)
			sc.spread += min(g, 3)
		}
	}
	return sc
}

// bruteForce tries every subset of eligible days that keeps H4 between
// new sessions and H7, and returns the best by the documented objective.
func (m *plModel) bruteForce(fixed map[rules.Date]bool) (plScore, int) {
	var el []rules.Date
	for d := m.from; d.Before(m.end()); d = d.AddDays(1) {
		if m.eligible(d, fixed) {
			el = append(el, d)
		}
	}
	// left[i] counts the eligible days of el[i]'s week from i on, and
	// later[i] caps what the weeks after it can take; together they skip
	// subsets that cannot reach the best count.
	capOf := map[string]int{}
	for _, d := range el {
		capOf[d.Week()] = m.capacity(d.Week())
	}
	left, later := make([]int, len(el)+1), make([]int, len(el)+1)
	for i := len(el) - 1; i >= 0; i-- {
		if i+1 < len(el) && el[i+1].Week() == el[i].Week() {
			left[i], later[i] = left[i+1]+1, later[i+1]
		} else if i+1 < len(el) {
			left[i], later[i] = 1, later[i+1]+min(left[i+1], capOf[el[i+1].Week()])
		} else {
			left[i] = 1
		}
	}
	best := plScore{count: -1}
	used := map[string]int{}
	var cur []rules.Date
	visited := 0
	var rec func(i int)
	rec = func(i int) {
		if i < len(el) && len(cur)+min(left[i], capOf[el[i].Week()]-used[el[i].Week()])+later[i] < best.count {
			return
		}
		if i == len(el) {
			visited++
			if sc := m.score(cur, fixed); sc.better(best) {
				best = sc
			}
			return
		}
		d, w := el[i], el[i].Week()
		if (len(cur) == 0 || d.Sub(cur[len(cur)-1]) > 1) && used[w] < capOf[w] {
			cur = append(cur, d)
			used[w]++
			rec(i + 1)
			used[w]--
			cur = cur[:len(cur)-1]
		}
		rec(i + 1)
	}
	rec(0)
	return best, visited
}

// check asserts every hard rule and the policy on Place's answer, and
// that its new sessions are exactly the brute force's best.
func (m *plModel) check(t *testing.T, got []rules.Placement, short []rules.ShortWeek) {
	t.Helper()
	fixed := m.fixed()
	var chosen []rules.Date
	perWeek := map[string]int{}
	ordinals := map[string]bool{}
	handSeen := 0
	for i, p := range got {
		if i > 0 && p.Start.Before(got[i-1].Start) {
			t.Errorf("placements out of order at %d", i)
		}
		key := fmt.Sprint(p.Week, "#", p.Ordinal)
		if ordinals[key] || p.Ordinal < 1 {
			t.Errorf("slot %s used twice or invalid", key)
		}
		ordinals[key] = true
		if p.Hand {
			handSeen++
			if !slices.ContainsFunc(m.hand, func(h rules.HandSession) bool {
				return !h.Deleted && h.Week == p.Week && h.Ordinal == p.Ordinal && h.Start.Equal(p.Start) && h.End.Equal(p.End)
			}) {
				t.Errorf("hand placement %s at %v was not given or was moved", key, p.Start)
			}
			continue
		}
		d := p.Date
		if err := m.dateOK(d, fixed); err != nil {
			t.Errorf("%s (%s): %v", d, d.Weekday(), err)
		}
		if err := m.timeOK(d, p.Start, p.End); err != nil {
			t.Errorf("%s: %v", d, err)
		}
		if want, ok := m.startOn(d); !ok || !want.Equal(p.Start) {
			t.Errorf("%s: starts %s, want the free start nearest the preferred time, %s", d, p.Start.In(m.loc), want.In(m.loc))
		}
		if p.End.Sub(p.Start) != m.s.Duration {
			t.Errorf("%s: lasts %s, want %s", d, p.End.Sub(p.Start), m.s.Duration)
		}
		if len(chosen) > 0 && d.Sub(chosen[len(chosen)-1]) <= 1 {
			t.Errorf("H4: %s and %s", chosen[len(chosen)-1], d)
		}
		if p.Week != d.Week() {
			t.Errorf("%s: week %s", d, p.Week)
		}
		if p.Reason == "" || !strings.HasPrefix(p.Reason, d.Weekday().String()[:3]+": ") {
			t.Errorf("%s: reason %q", d, p.Reason)
		}
		perWeek[p.Week]++
		chosen = append(chosen, d)
	}
	for w, n := range perWeek {
		if n > m.capacity(w) {
			t.Errorf("H7: %d new sessions in %s, room for %d", n, w, m.capacity(w))
		}
	}
	wantHand := 0
	for _, h := range m.hand {
		if !h.Deleted {
			wantHand++
		}
		if !h.Deleted || !ordinals[fmt.Sprint(h.Week, "#", h.Ordinal)] {
			continue
		}
		t.Errorf("deleted slot %s#%d re-created", h.Week, h.Ordinal)
	}
	if handSeen != wantHand {
		t.Errorf("%d hand placements, want %d", handSeen, wantHand)
	}

	best, _ := m.bruteForce(fixed)
	sc := m.score(chosen, fixed)
	if sc.count != best.count {
		t.Fatalf("placed %d sessions %v, brute force finds %d: %v", sc.count, chosen, best.count, best.dates)
	}
	if sc.better(best) || best.better(sc) {
		t.Errorf("placement %v scores %+v; brute force's best %v scores %+v", chosen, sc, best.dates, best)
	}
	var wantShort []string
	for mon := m.from.Monday(); mon.Before(m.end()); mon = mon.AddDays(7) {
		w := mon.Week()
		if n := m.already(w) + perWeek[w]; n < m.s.PerWeek {
			wantShort = append(wantShort, fmt.Sprintf("%s %d/%d", w, n, m.s.PerWeek))
		}
	}
	var gotShort []string
	for _, w := range short {
		gotShort = append(gotShort, fmt.Sprintf("%s %d/%d", w.Week, w.Placed, w.Wanted))
		if !strings.HasPrefix(w.Reason, fmt.Sprintf("%d of %d", w.Placed, w.Wanted)) {
			t.Errorf("short week %s: reason %q", w.Week, w.Reason)
		}
	}
	if !slices.Equal(gotShort, wantShort) {
		t.Errorf("short weeks %v, want %v", gotShort, wantShort)
	}
}

// TestPlaceProperties runs 1,200 generated calendars through Place and the
// checker (SPEC §4: H1–H7 never broken, the weekly target met whenever
// eligible days exist, the policy's order, spread, earlier first).
func TestPlaceProperties(t *testing.T) {
	n := 1200
	if testing.Short() {
		n = 200
	}
	stats := map[string]int{}
	for i := range n {
		m := plGenerate(t, i)
		got, short := plRun(m.input())
		ok := t.Run(fmt.Sprint(i), func(t *testing.T) { m.check(t, got, short) })
		if !ok {
			t.Logf("calendar %d: from %s, %d weeks, %s, settings %+v", i, m.from, m.weeks, m.loc, m.s)
		}
		stats[m.s.Policy.String()]++
		stats[fmt.Sprintf("placed %d", min(len(got), 6))]++
		if len(short) > 0 {
			stats["with short weeks"]++
		}
		if len(m.hand) > 0 {
			stats["with hand sessions"]++
		}
	}
	t.Logf("%d calendars: %v", n, stats)
}

// FuzzPlace feeds Place calendars built from fuzzed seeds and checks the
// same properties as TestPlaceProperties.
func FuzzPlace(f *testing.F) {
	for _, s := range []int{0, 1, 42, 999} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int) {
		m := plGenerate(t, seed)
		got, short := plRun(m.input())
		m.check(t, got, short)
	})
}

// BenchmarkPlace places a year of a marathon plan.
func BenchmarkPlace(b *testing.B) {
	m := plGenerate(b, 7)
	m.weeks = 52
	m.s = rules.DefaultSettings()
	r := rand.New(rand.NewPCG(7, 7))
	m.hi = m.end().AddDays(8)
	for d := m.lo; !d.After(m.hi); d = d.AddDays(1) {
		if _, ok := m.kind[d]; !ok {
			m.kind[d] = []rules.Kind{rules.KindRest, rules.KindEasy, rules.KindHard, rules.KindEasy, rules.KindHard, rules.KindLong, rules.KindEasy}[d.Weekday()]
			if r.IntN(3) == 0 {
				s := d.At(plClockAt(r, 6, 8), m.loc)
				ev := rules.Classified{Event: rules.Event{ID: d.String(), Summary: "Run", Start: s, End: s.Add(time.Hour)}, Kind: m.kind[d]}
				m.onDate[d] = append(m.onDate[d], ev)
			}
		}
	}
	in := m.input()
	b.ResetTimer()
	for b.Loop() {
		rules.Place(in)
	}
}
