package rules_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// This file checks placement against an independent model: a generator of
// random calendars that remembers what it made, a checker of the rules of
// SPEC §4 (H1–H7, the plan's coverage, race priorities with their taper
// and recovery, away entries, light strength, the policies) written from
// the spec, and a brute-force search over every subset of eligible days for
// the best placement. The calendars go through Make's steps after
// classification (PlanClassified); nothing else of the implementation is
// called.

// plModel is a generated calendar and what the checker knows about it.
type plModel struct {
	loc      *time.Location
	from     rules.Date
	weeks    int
	lo, hi   rules.Date // events lie in [lo, hi]
	events   []rules.Classified
	kind     map[rules.Date]rules.Kind
	onDate   map[rules.Date][]rules.Classified // every event touching a date
	timed    []rules.Classified                // every timed event
	strength []rules.Classified                // the runner's full strength entries, once each
	train    map[rules.Date]bool               // dates holding a training entry
	away     map[rules.Date]bool
	races    []plRace // in date order
	s        rules.Settings
	hand     []rules.HandSession
	// what the generator made, for the statistics
	made map[string]bool
}

// plRace is a race the generator wrote, with the priority its title hints
// at ("" for none).
type plRace struct {
	date rules.Date
	km   float64
	hint string
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

// plRaceTitles are race entries and the priority their words give (SPEC
// §4 "Races": what the entry says wins).
var plRaceTitles = []struct{ title, hint string }{
	{"Race", ""}, {"City race", ""}, {"Race day", ""}, {"Road race", ""},
	{"Race (A race)", "A"}, {"Race — goal", "A"}, {"Race, RACE_A", "A"},
	{"Race (B race)", "B"}, {"Race B-race", "B"},
	{"Race (C race — no taper)", "C"}, {"Tune-up race", "C"}, {"parkrun", "C"}, {"Time trial", "C"},
	{"Race: fitness check", "C"}, {"Race, train through", "C"},
}

var plRaceKm = []float64{5, 10, 15, 21.0975, 30, 42.195, 50, 0}

// plGenerate makes calendar number i. Times sit on 15-minute steps, so
// a free start exists on the 15-minute grid whenever any free start does.
func plGenerate(t testing.TB, i int) *plModel {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	m := &plModel{kind: map[rules.Date]rules.Kind{}, onDate: map[rules.Date][]rules.Classified{},
		train: map[rules.Date]bool{}, away: map[rules.Date]bool{}, made: map[string]bool{}}
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
	s.Taper = r.IntN(11)
	if r.IntN(3) == 0 {
		s.Recovery = r.IntN(5)
	}
	s.Fill = r.IntN(4) == 0
	m.s = s

	end := m.from.AddDays(7 * m.weeks)
	m.lo = m.from.AddDays(-24 - r.IntN(8))
	m.hi = end.AddDays(14 + r.IntN(70))

	// The plan: from planLo to planHi, maybe starting or ending inside the
	// window, maybe with a gap of 10 days or more without a training entry.
	planLo, planHi := m.lo, m.hi
	if r.IntN(4) == 0 {
		planLo = m.from.AddDays(r.IntN(7*m.weeks+4) - 4)
	}
	if r.IntN(4) == 0 {
		planHi = m.from.AddDays(r.IntN(7*m.weeks + 4))
	}
	var gapLo, gapHi rules.Date
	if r.IntN(4) == 0 {
		gapLo = m.from.AddDays(r.IntN(7*m.weeks+10) - 12)
		gapHi = gapLo.AddDays(8 + r.IntN(10))
	}
	inPlan := func(d rules.Date) bool {
		return !d.Before(planLo) && !d.After(planHi) && (gapLo.IsZero() || d.Before(gapLo) || d.After(gapHi))
	}

	id := 0
	add := func(evs ...rules.Classified) {
		id++
		for _, ev := range evs {
			ev.ID = fmt.Sprintf("ev%d", id)
			m.events = append(m.events, ev)
			for d := ev.FirstDate(m.loc); !d.After(ev.LastDate(m.loc)); d = d.AddDays(1) {
				m.onDate[d] = append(m.onDate[d], ev)
				if !ev.Busy && (ev.Kind.IsRun() || ev.Kind == rules.KindStrength) {
					m.train[d] = true
				}
				if ev.Kind == rules.KindAway {
					m.away[d] = true
				}
			}
			if !ev.AllDay {
				m.timed = append(m.timed, ev)
			}
			if ev.Kind == rules.KindStrength && !ev.Busy && !ev.Light {
				m.strength = append(m.strength, ev)
			}
		}
	}
	at := func(d rules.Date, start rules.Clock, minutes int) rules.Event {
		s := d.At(start, m.loc)
		return rules.Event{Start: s, End: s.Add(time.Duration(minutes) * time.Minute)}
	}
	allDay := func(d rules.Date, days int) rules.Event {
		return rules.Event{Start: d.In(m.loc), End: d.AddDays(days).In(m.loc), AllDay: true}
	}
	named := func(ev rules.Event, title string, busy bool) rules.Event {
		ev.Summary, ev.Busy = title, busy
		return ev
	}
	kinds := []rules.Kind{rules.KindRest, rules.KindRest, rules.KindRest, rules.KindEasy, rules.KindEasy, rules.KindEasy,
		rules.KindHard, rules.KindHard, rules.KindHard, rules.KindCross, rules.KindLong}
	// Races mid-plan, some of them with a priority in their title.
	raceOn := map[rules.Date]bool{}
	for range r.IntN(3) {
		raceOn[m.from.AddDays(r.IntN(7*m.weeks+40)-14)] = true
	}
	for d := m.lo; !d.After(m.hi); d = d.AddDays(1) {
		if inPlan(d) {
			k := kinds[r.IntN(len(kinds))]
			if raceOn[d] || r.IntN(150) == 0 {
				k = rules.KindRace
			}
			var ev rules.Event
			switch {
			case k == rules.KindRest && r.IntN(3) == 0:
				add(rules.Classified{Event: named(allDay(d, 1), "Rest day", false), Kind: rules.KindRest})
			case k == rules.KindRest:
			case r.IntN(10) < 6:
				ev = at(d, plClockAt(r, 5, 20), 30+15*r.IntN(9))
			default:
				ev = allDay(d, 1)
			}
			switch {
			case ev.Start.IsZero():
			case k == rules.KindRace:
				rt := plRaceTitles[r.IntN(len(plRaceTitles))]
				km := plRaceKm[r.IntN(len(plRaceKm))]
				add(rules.Classified{Event: named(ev, rt.title, false), Kind: k, DistanceKm: km})
				m.races = append(m.races, plRace{date: d, km: km, hint: rt.hint})
				m.made["race "+rt.hint] = true
			case (k == rules.KindHard || k == rules.KindEasy) && r.IntN(6) == 0:
				// A compound entry: the run part decides the day, the gym
				// part is a strength entry, light or full.
				light := r.IntN(2) == 0
				ev = named(ev, k.String()+" run + gym", false)
				add(rules.Classified{Event: ev, Kind: k, Part: "run"},
					rules.Classified{Event: ev, Kind: rules.KindStrength, Part: "strength", Light: light})
				m.made[fmt.Sprint("compound light=", light)] = true
			default:
				add(rules.Classified{Event: named(ev, k.String()+" run", false), Kind: k})
			}
			if k != rules.KindRest && r.IntN(7) == 0 {
				add(rules.Classified{Event: named(at(d, plClockAt(r, 5, 21), 30), "Double", false), Kind: rules.KindEasy})
			}
			switch r.IntN(32) {
			case 0:
				add(rules.Classified{Event: named(at(d, plClockAt(r, 6, 20), 60), "Gym", false), Kind: rules.KindStrength})
			case 1:
				add(rules.Classified{Event: named(allDay(d, 1+r.IntN(2)), "Gym camp", false), Kind: rules.KindStrength})
			case 2, 3:
				add(rules.Classified{Event: named(at(d, plClockAt(r, 6, 20), 15), "Core", false), Kind: rules.KindStrength, Light: true})
				m.made["light"] = true
			case 4:
				add(rules.Classified{Event: named(allDay(d, 1), "Mobility", false), Kind: rules.KindStrength, Light: true})
				m.made["light"] = true
			}
		}
		if r.IntN(10) < 3 {
			add(rules.Classified{Event: named(at(d, plClockAt(r, 6, 21), 30+15*r.IntN(15)), "Busy", true), Kind: rules.KindOther})
		}
		if r.IntN(25) == 0 {
			add(rules.Classified{Event: named(at(d, plClockAt(r, 21, 23), 8*60), "Night shift", true), Kind: rules.KindOther})
		}
		if r.IntN(20) == 0 {
			add(rules.Classified{Event: named(allDay(d, 1), "Conference", true), Kind: rules.KindOther})
		}
		if r.IntN(10) == 0 {
			add(rules.Classified{Event: named(at(d, plClockAt(r, 8, 18), 60), "Meeting", false), Kind: rules.KindOther})
		}
		if r.IntN(90) == 0 {
			add(rules.Classified{Event: named(allDay(d, 2+r.IntN(8)), "Ski trip", false), Kind: rules.KindAway})
			m.made["away"] = true
		}
		if r.IntN(120) == 0 {
			add(rules.Classified{Event: named(at(d, plClockAt(r, 6, 12), 180), "Travel", false), Kind: rules.KindAway})
			m.made["away"] = true
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
	for d := m.from; d.Before(end); d = d.AddDays(1) {
		if !m.coveredRaw(d) {
			m.made["uncovered"] = true
		}
	}
	return m
}

func (m *plModel) input() rules.Input {
	return rules.Input{Start: m.from, Weeks: m.weeks, Loc: m.loc, Settings: m.s, Hand: m.hand}
}

// place runs Make's steps after classification on the model's events.
func (m *plModel) place() rules.Placed {
	_, placed := rules.PlanClassified(m.events, m.input())
	return placed
}

// coveredRaw is SPEC §4 "Only where there is a plan": d lies between two
// training entries less than 10 days apart, or holds one.
func (m *plModel) coveredRaw(d rules.Date) bool {
	if m.train[d] {
		return true
	}
	var prev, next rules.Date
	for x := d; !x.Before(m.lo); x = x.AddDays(-1) {
		if m.train[x] {
			prev = x
			break
		}
	}
	for x := d; !x.After(m.hi); x = x.AddDays(1) {
		if m.train[x] {
			next = x
			break
		}
	}
	return !prev.IsZero() && !next.IsZero() && next.Sub(prev)-1 < 10
}

func (m *plModel) covered(d rules.Date) bool { return m.s.Fill || m.coveredRaw(d) }

// priority is SPEC §4's race priority: the title's hint, else A for a
// race with no race as long in the 12 weeks after it (unknown distance is
// the longest) or of marathon length, B from half-marathon length, else C.
func (m *plModel) priority(i int) string {
	rc := m.races[i]
	if rc.hint != "" {
		return rc.hint
	}
	long := func(km float64) float64 {
		if km == 0 {
			return 1e9
		}
		return km
	}
	for _, o := range m.races {
		if n := o.date.Sub(rc.date); n >= 1 && n <= 84 && long(o.km) >= long(rc.km) {
			switch {
			case rc.km >= 42:
				return "A"
			case rc.km >= 21:
				return "B"
			}
			return "C"
		}
	}
	return "A"
}

// restAround is the taper before race i and the recovery after it, in days.
func (m *plModel) restAround(i int) (taper, recovery int) {
	switch m.priority(i) {
	case "A":
		taper = m.s.Taper
	case "B":
		taper = 3
	default:
		taper = 1
	}
	km := m.races[i].km
	switch {
	case m.s.Recovery != rules.RecoveryByDistance:
		recovery = m.s.Recovery
	case km == 0:
		recovery = 5
	case km <= 10:
		recovery = 2
	case km <= 21.1:
		recovery = 5
	case km <= 42.2:
		recovery = 14
	default:
		recovery = 21
	}
	return taper, recovery
}

func (m *plModel) end() rules.Date { return m.from.AddDays(7 * m.weeks) }

func (m *plModel) kindOf(d rules.Date) rules.Kind {
	if k, ok := m.kind[d]; ok {
		return k
	}
	return rules.KindRest
}

func (m *plModel) raceOn(d rules.Date) bool {
	return slices.ContainsFunc(m.races, func(r plRace) bool { return r.date == d })
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
	case !m.covered(d):
		return fmt.Errorf("no training plan on %s", d)
	case m.away[d]:
		return fmt.Errorf("away on %s", d)
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
	for i, r := range m.races {
		taper, recovery := m.restAround(i)
		if n := d.Sub(r.date); n >= -taper && n <= recovery {
			return fmt.Errorf("H3: %d days from the %s race on %s (taper %d, recovery %d)", n, m.priority(i), r.date, taper, recovery)
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
	count, n0, n1, good, minGap, spread int
	dates                               []rules.Date
}

func (a plScore) better(b plScore) bool {
	for _, x := range [][2]int{{a.count, b.count}, {a.n0, b.n0}, {a.n1, b.n1}, {a.good, b.good}, {a.minGap, b.minGap}, {a.spread, b.spread}} {
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
		// SPEC §4: among hard days, prefer one whose next day is not hard
		// or long.
		if next := m.kindOf(d.AddDays(1)); m.kindOf(d) == rules.KindHard && next != rules.KindHard && next != rules.KindLong {
			sc.good++
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

// plISOWeek finds an ISO week code ("2026-W49"), which a runner's reasons
// and notes must not show.
var plISOWeek = regexp.MustCompile(`\d{4}-W\d{2}`)

// check asserts every rule of SPEC §4 on the placement, that its new
// sessions are exactly the brute force's best, and that every date has
// its note.
func (m *plModel) check(t *testing.T, res rules.Placed) {
	t.Helper()
	got, short := res.Placements, res.ShortWeeks
	fixed := m.fixed()
	var chosen []rules.Date
	perWeek := map[string]int{}
	ordinals := map[string]bool{}
	handSeen := 0
	handOn := map[rules.Date]bool{}
	newOn := map[rules.Date]rules.Placement{}
	for i, p := range got {
		if i > 0 && p.Start.Before(got[i-1].Start) {
			t.Errorf("placements out of order at %d", i)
		}
		key := fmt.Sprint(p.Week, "#", p.Ordinal)
		if ordinals[key] || p.Ordinal < 1 {
			t.Errorf("slot %s used twice or invalid", key)
		}
		ordinals[key] = true
		if plISOWeek.MatchString(p.Reason + p.Warning) {
			t.Errorf("%s: an ISO week code in %q / %q", p.Date, p.Reason, p.Warning)
		}
		if p.Hand {
			handSeen++
			handOn[p.Date] = true
			if !slices.ContainsFunc(m.hand, func(h rules.HandSession) bool {
				return !h.Deleted && h.Week == p.Week && h.Ordinal == p.Ordinal && h.Start.Equal(p.Start) && h.End.Equal(p.End)
			}) {
				t.Errorf("hand placement %s at %v was not given or was moved", key, p.Start)
			}
			continue
		}
		d := p.Date
		newOn[d] = p
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

	// A window no run calendar covers gets one warning and no short weeks.
	noPlan := !m.s.Fill
	for d := m.from; d.Before(m.end()); d = d.AddDays(1) {
		noPlan = noPlan && !m.covered(d)
	}
	switch {
	case noPlan && (len(res.Warnings) != 1 || len(short) != 0 || len(chosen) != 0):
		t.Errorf("no plan in the window: warnings %q, short weeks %v, sessions %v; want one warning and nothing else", res.Warnings, short, chosen)
	case !noPlan && len(res.Warnings) != 0:
		t.Errorf("warnings %q, want none", res.Warnings)
	}
	var wantShort []string
	for mon := m.from.Monday(); mon.Before(m.end()) && !noPlan; mon = mon.AddDays(7) {
		w := mon.Week()
		if n := m.already(w) + perWeek[w]; n < m.s.PerWeek {
			wantShort = append(wantShort, fmt.Sprintf("%s %d/%d", w, n, m.s.PerWeek))
		}
	}
	var gotShort []string
	for _, w := range short {
		gotShort = append(gotShort, fmt.Sprintf("%s %d/%d", w.Week, w.Placed, w.Wanted))
		if !strings.HasPrefix(w.Reason, fmt.Sprintf("%d of %d", w.Placed, w.Wanted)) || plISOWeek.MatchString(w.Reason) {
			t.Errorf("short week %s: reason %q", w.Week, w.Reason)
		}
	}
	if !slices.Equal(gotShort, wantShort) {
		t.Errorf("short weeks %v, want %v", gotShort, wantShort)
	}

	// Every date has its note: a session's reason, or what ruled it out.
	if len(res.Notes) != 7*m.weeks {
		t.Fatalf("%d notes, want %d", len(res.Notes), 7*m.weeks)
	}
	for i, note := range res.Notes {
		d := m.from.AddDays(i)
		body, ok := strings.CutPrefix(note, d.Text()+": ")
		switch {
		case !ok || body == "":
			t.Errorf("note %q does not start with %q", note, d.Text()+": ")
		case plISOWeek.MatchString(note):
			t.Errorf("note %q shows an ISO week", note)
		case newOn[d].Reason != "":
			if want := strings.TrimPrefix(newOn[d].Reason, d.Weekday().String()[:3]+": "); body != want {
				t.Errorf("%s: note %q, want the session's reason %q", d, body, want)
			}
		case handOn[d] || fixed[d]:
		case m.kindOf(d) == rules.KindLong || m.kindOf(d) == rules.KindRace:
			if !strings.Contains(body, m.kindOf(d).String()) {
				t.Errorf("%s: note %q, want it to name the %s", d, body, m.kindOf(d))
			}
		case !m.covered(d):
			if body != "no training plan on these days" {
				t.Errorf("%s: uncovered, note %q", d, body)
			}
		case m.away[d]:
			if !strings.HasPrefix(body, "away: ") {
				t.Errorf("%s: away, note %q", d, body)
			}
		case m.kindOf(d.AddDays(1)) == rules.KindLong || m.kindOf(d.AddDays(1)) == rules.KindRace || m.raceOn(d.AddDays(1)):
			if !strings.HasPrefix(body, "the day before ") {
				t.Errorf("%s: eve of a long run or race, note %q", d, body)
			}
		default:
			// In a race's taper or recovery the note names the race and
			// the rule's days.
			for i, r := range m.races {
				taper, recovery := m.restAround(i)
				n := d.Sub(r.date)
				if (n < 0 && -n <= taper) || (n > 0 && n <= recovery) {
					if !strings.Contains(body, "no strength for ") || !strings.Contains(body, r.date.Text()) {
						t.Errorf("%s: %d days from the race on %s, note %q", d, n, r.date, body)
					}
					break
				}
			}
		}
	}
}

// TestPlaceProperties runs 1,200 generated calendars through placement
// and the checker (SPEC §4: H1–H7 never broken, no session outside the
// plan or while away, taper and recovery by race priority and distance,
// light strength left out of H4 and H7, the weekly target met whenever
// eligible days exist, the policy's order, hard days before easier ones,
// spread, earlier first; a note for every date).
func TestPlaceProperties(t *testing.T) {
	n := 1200
	if testing.Short() {
		n = 200
	}
	stats := map[string]int{}
	for i := range n {
		m := plGenerate(t, i)
		res := m.place()
		ok := t.Run(fmt.Sprint(i), func(t *testing.T) { m.check(t, res) })
		if !ok {
			t.Logf("calendar %d: from %s, %d weeks, %s, settings %+v", i, m.from, m.weeks, m.loc, m.s)
		}
		stats[m.s.Policy.String()]++
		stats[fmt.Sprintf("placed %d", min(len(res.Placements), 6))]++
		if len(res.ShortWeeks) > 0 {
			stats["with short weeks"]++
		}
		if len(res.Warnings) > 0 {
			stats["no plan at all"]++
		}
		if len(m.hand) > 0 {
			stats["with hand sessions"]++
		}
		if m.s.Fill {
			stats["fill"]++
		}
		for k := range m.made {
			stats[k]++
		}
	}
	t.Logf("%d calendars: %v", n, stats)
}

// FuzzPlace feeds placement calendars built from fuzzed seeds and checks
// the same properties as TestPlaceProperties.
func FuzzPlace(f *testing.F) {
	for _, s := range []int{0, 1, 42, 999} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int) {
		m := plGenerate(t, seed)
		m.check(t, m.place())
	})
}

// BenchmarkPlace places a year of a marathon plan.
func BenchmarkPlace(b *testing.B) {
	loc := time.UTC
	from := rules.Date{Year: 2026, Month: time.January, Day: 5}
	r := rand.New(rand.NewPCG(7, 7))
	week := []rules.Kind{rules.KindRest, rules.KindEasy, rules.KindHard, rules.KindEasy, rules.KindHard, rules.KindLong, rules.KindEasy}
	var cs []rules.Classified
	for d := from.AddDays(-7); d.Before(from.AddDays(53 * 7)); d = d.AddDays(1) {
		s := d.At(plClockAt(r, 6, 8), loc)
		cs = append(cs, rules.Classified{Event: rules.Event{ID: d.String(), Summary: "Run", Start: s, End: s.Add(time.Hour)}, Kind: week[d.Weekday()]})
	}
	s := rules.DefaultSettings()
	in := rules.PlaceInput{Days: rules.BuildDays(cs, from.AddDays(-7), 53*7+7, loc), From: from, Weeks: 52,
		Races: rules.FindRaces(cs, loc, s), Loc: loc, Settings: s}
	b.ResetTimer()
	for b.Loop() {
		rules.Place(in)
	}
}
