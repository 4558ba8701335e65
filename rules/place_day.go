package rules

import (
	"fmt"
	"time"
)

// candidate is what placement knows about one date of the window: whether
// a new session may go there, how much the policy likes it, and when.
type candidate struct {
	ok    bool
	rank  int        // 0 is the policy's first choice
	good  bool       // a hard day whose next day is not hard or long
	block placeBlock // the first rule that rules the date out, when !ok

	start, end time.Time
	// pref is the start the rules asked for; moved says why start differs.
	pref  Clock
	moved string
}

// placeBlock is a rule that stops a session on a date, in a runner's
// words: text for a stretch of days (a day's note and a short week's
// summary: "the day before your long run "Long run 30 km""), day for one
// date when it says more than text ("8 days after …"), and warn for a
// hand-placed session that breaks it ("" when the rule binds only new
// sessions).
type placeBlock struct {
	rule string // "H1" … "H7", "away", "plan" or "policy"
	text string
	day  string
	warn string
}

// note is what the block says about one date.
func (b placeBlock) note() string {
	if b.day != "" {
		return b.day
	}
	return b.text
}

// rankOf ranks a day's kind under the policy (lower is preferred); ok is
// false where the policy never puts a session (separate: hard days).
func (p *placer) rankOf(k Kind) (rank int, ok bool) {
	switch {
	case p.s.Policy == PolicySeparate && k == KindHard:
		return 0, false
	case p.s.Policy == PolicySeparate && k <= KindRest:
		return 0, true
	case p.s.Policy == PolicySeparate:
		return 1, true
	case k == KindHard:
		return 0, true
	case k <= KindRest:
		return 1, true
	default:
		return 2, true
	}
}

// dayKind is the running kind of a day: a day with only meetings, gym
// work or a trip is a rest day for running.
func dayKind(day *Day) Kind { return max(day.Kind, KindRest) }

// analyse decides whether a new session may go on window date d. Rules are
// tried in the order a runner would name them in a short week's summary.
func (p *placer) analyse(d Date) *candidate {
	c := &candidate{}
	if bs := p.dateRules(d, true); len(bs) > 0 {
		c.block = bs[0]
		return c
	}
	if b, ok := p.nearStrength(d); ok {
		c.block = b
		return c
	}
	if !p.s.Weekdays[d.Weekday()] {
		c.block = placeBlock{rule: "H6", text: "not an allowed weekday (" + d.Weekday().String() + ")",
			warn: "on a " + d.Weekday().String() + ", not an allowed day"}
		return c
	}
	day, next := p.day(d), p.day(d.AddDays(1))
	k, nk := dayKind(day), dayKind(next)
	rank, ok := p.rankOf(k)
	switch {
	case !ok:
		c.block = placeBlock{rule: "policy", text: "a hard day: the separate policy keeps strength off hard days"}
		return c
	case p.s.Policy == PolicyStack && rank > 0 && nk == KindHard,
		p.s.Policy == PolicySeparate && nk >= KindHard:
		// Legs tired from lifting would spoil the next day's quality run;
		// under stack only a hard day itself may precede another one.
		c.block = placeBlock{rule: "policy", text: "the day before " + kindArticle(nk) + " (" + placeQuote(p.runName(next, "a run")) + ")"}
		return c
	}
	start, end, pref, moved, b, ok := p.slot(d, day)
	if !ok {
		c.block = b
		return c
	}
	c.ok, c.rank, c.start, c.end, c.pref, c.moved = true, rank, start, end, pref, moved
	c.good = k == KindHard && nk != KindHard && nk != KindLong
	return c
}

// kindArticle names a kind of day with its article: "a hard day".
func kindArticle(k Kind) string {
	switch k {
	case KindLong:
		return "your long run"
	case KindRace:
		return "a race"
	case KindEasy:
		return "an easy day"
	case KindCross:
		return "a cross-training day"
	}
	return "a " + k.String() + " day"
}

// dateRules lists the rules that date d breaks among H1–H3, the plan's
// coverage (only when forNew: it binds new sessions, not the runner's own)
// and away, in the order a runner would name them.
func (p *placer) dateRules(d Date, forNew bool) []placeBlock {
	var bs []placeBlock
	day, next := p.day(d), p.day(d.AddDays(1))
	switch dayKind(day) {
	case KindLong:
		name := placeQuote(p.runName(day, "the long run"))
		bs = append(bs, placeBlock{rule: "H1", text: "your long run " + name, warn: "on the long run day " + name})
	case KindRace:
		name := placeQuote(p.runName(day, "the race"))
		bs = append(bs, placeBlock{rule: "H1", text: "race day: " + name, warn: "on race day " + name})
	}
	if forNew && p.uncovered[d] {
		bs = append(bs, placeBlock{rule: "plan", text: "no training plan on these days"})
	}
	if ev, ok := p.away[d]; ok {
		a, b := ev.FirstDate(p.loc), ev.LastDate(p.loc)
		text := "away: " + placeQuote(eventName(ev)) + " (" + SpanText(a, b) + ")"
		bs = append(bs, placeBlock{rule: "away", text: text, warn: "while " + text})
	}
	switch dayKind(next) {
	case KindLong:
		name := placeQuote(p.runName(next, "the long run"))
		bs = append(bs, placeBlock{rule: "H2", text: "the day before your long run " + name, warn: "on the eve of the long run " + name})
	case KindRace:
		name := placeQuote(p.runName(next, "the race"))
		bs = append(bs, placeBlock{rule: "H2", text: "the day before the race " + name, warn: "on the eve of the race " + name})
	default:
		for _, r := range p.races {
			if r.Date == d.AddDays(1) {
				name := placeQuote(raceName(r))
				bs = append(bs, placeBlock{rule: "H2", text: "the day before the race " + name, warn: "on the eve of the race " + name})
				break
			}
		}
	}
	for _, r := range p.races {
		name, when := placeQuote(raceName(r)), r.Date.Text()
		switch {
		case d == r.Date && dayKind(day) != KindRace:
			bs = append(bs, placeBlock{rule: "H3", text: "race day: " + name, warn: "on race day " + name})
		case d.Before(r.Date) && !d.Before(r.TaperFrom):
			n := r.Date.Sub(r.TaperFrom)
			text := fmt.Sprintf("in the taper before %s (%s) — no strength for %d %s before %s %s race",
				name, when, n, placeDays(n), placeAn(r.Priority), r.Priority)
			bs = append(bs, placeBlock{rule: "H3", text: text, warn: text})
		case d.After(r.Date) && !d.After(r.RecoveryTo):
			n := r.RecoveryTo.Sub(r.Date)
			after := raceDistanceWords(r)
			if p.s.Recovery != RecoveryByDistance {
				after = "every race (your recovery setting)"
			}
			rule := fmt.Sprintf("— no strength for %d %s after %s", n, placeDays(n), after)
			text := fmt.Sprintf("in the recovery after %s (%s) %s", name, when, rule)
			k := d.Sub(r.Date)
			bs = append(bs, placeBlock{rule: "H3", text: text, warn: text,
				day: fmt.Sprintf("%d %s after %s (%s) %s", k, placeDays(k), name, when, rule)})
		}
	}
	return bs
}

func placeDays(n int) string {
	if n == 1 {
		return "day"
	}
	return "days"
}

// placeAn is the article before a priority letter: "an A race", "a B race".
func placeAn(priority string) string {
	if priority == "A" {
		return "an"
	}
	return "a"
}

// nearStrength reports the H4 block for a new session on d: a strength
// event or a hand session on d or on a neighbouring date.
func (p *placer) nearStrength(d Date) (placeBlock, bool) {
	if names := p.strength[d]; len(names) > 0 {
		return placeBlock{rule: "H4", text: "your own strength session " + placeQuote(names[0])}, true
	}
	if p.handOn[d] > 0 {
		return placeBlock{rule: "H4", text: "the session you placed yourself"}, true
	}
	for i, n := range []Date{d.AddDays(-1), d.AddDays(1)} {
		when := [2]string{"the day before", "the day after"}[i]
		if names := p.strength[n]; len(names) > 0 {
			return placeBlock{rule: "H4", text: "your own strength session " + placeQuote(names[0]) + " is " + when}, true
		}
		if p.handOn[n] > 0 {
			return placeBlock{rule: "H4", text: "the session you placed on " + n.Text() + " is " + when}, true
		}
	}
	return placeBlock{}, false
}

// slot finds the start of a session on d (H5, H6): the preferred start if
// it is free, else the nearest free start in 15-minute steps from it,
// earlier first on a tie. Times are built as wall clock in the runner's
// zone, so a session keeps its local time across a DST switch; a wall
// time that does not exist that day is skipped.
func (p *placer) slot(d Date, day *Day) (start, end time.Time, pref Clock, moved string, b placeBlock, ok bool) {
	timed, lastRun, hasRun := placeTimed(day)
	var earliest time.Time
	pref = p.s.At
	if hasRun {
		earliest = lastRun.End.Add(p.s.Gap)
		e := earliest.In(p.loc)
		switch ed := DateOf(e); {
		case ed.After(d):
			return start, end, pref, "", placeBlock{rule: "H5", text: "no time left after the run " + placeQuote(eventName(lastRun))}, false
		case ed == d:
			c := ClockOf(e)
			if e.Second() != 0 || e.Nanosecond() != 0 {
				c++
			}
			pref = max(pref, c)
		}
	}
	winStart, winEnd := d.At(p.s.WindowStart, p.loc), d.At(p.s.WindowEnd, p.loc)
	fits := func(c Clock) (time.Time, time.Time, bool) {
		if c < 0 || c >= 24*60 {
			return time.Time{}, time.Time{}, false
		}
		s := d.At(c, p.loc)
		if ClockOf(s) != c || DateOf(s) != d {
			return time.Time{}, time.Time{}, false // skipped by a DST switch
		}
		e := s.Add(p.s.Duration)
		if s.Before(winStart) || e.After(winEnd) || (hasRun && s.Before(earliest)) {
			return time.Time{}, time.Time{}, false
		}
		for _, ev := range timed {
			if placeOverlaps(s, e, ev.Start, ev.End) {
				return time.Time{}, time.Time{}, false
			}
		}
		return s, e, true
	}
	for k := Clock(0); pref-15*k >= 0 || pref+15*k < 24*60; k++ {
		for _, c := range []Clock{pref - 15*k, pref + 15*k} {
			if s, e, ok := fits(c); ok {
				if k > 0 {
					moved = p.whyMoved(d, pref, timed)
				}
				return s, e, pref, moved, placeBlock{}, true
			}
			if k == 0 {
				break
			}
		}
	}
	if hasRun {
		return start, end, pref, "", placeBlock{rule: "H5", text: "no free time after the run " + placeQuote(eventName(lastRun))}, false
	}
	return start, end, pref, "", placeBlock{rule: "H5", text: fmt.Sprintf("no free time in %s–%s", p.s.WindowStart, p.s.WindowEnd)}, false
}

// whyMoved says why the preferred start was not used.
func (p *placer) whyMoved(d Date, pref Clock, timed []Classified) string {
	s := d.At(pref, p.loc)
	if ClockOf(s) != pref {
		return fmt.Sprintf("%s does not exist that day (clocks change)", pref)
	}
	e := s.Add(p.s.Duration)
	for _, ev := range timed {
		if placeOverlaps(s, e, ev.Start, ev.End) {
			return fmt.Sprintf("%s clashes with %s", pref, placeQuote(eventName(ev)))
		}
	}
	return fmt.Sprintf("%s is outside %s–%s", pref, p.s.WindowStart, p.s.WindowEnd)
}

// placeTimed returns a day's timed events (all-day events never block
// time) and its last-ending timed run.
func placeTimed(day *Day) (timed []Classified, last Classified, hasRun bool) {
	for _, ev := range day.Events {
		if ev.AllDay {
			continue
		}
		timed = append(timed, ev)
		if ev.Kind.IsRun() && !ev.Busy && (!hasRun || ev.End.After(last.End)) {
			last, hasRun = ev, true
		}
	}
	return timed, last, hasRun
}

// placeOverlaps reports whether [s, e) meets the event [es, ee). An event
// with no length still blocks the instant it marks.
func placeOverlaps(s, e, es, ee time.Time) bool {
	if !ee.After(es) {
		ee = es.Add(time.Nanosecond)
	}
	return s.Before(ee) && es.Before(e)
}

// runName is the summary of the run that gives the day its kind.
func (p *placer) runName(day *Day, fallback string) string {
	if ev, ok := mainRun(day); ok && ev.Summary != "" {
		return ev.Summary
	}
	return fallback
}

// mainRun is the first run of the day's own kind, or else its first run.
func mainRun(day *Day) (Classified, bool) {
	var first *Classified
	for i, ev := range day.Events {
		if ev.Busy || !ev.Kind.IsRun() {
			continue
		}
		if ev.Kind == day.Kind {
			return ev, true
		}
		if first == nil {
			first = &day.Events[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return Classified{}, false
}

func raceName(r Race) string {
	if r.Summary == "" {
		return "the race"
	}
	return r.Summary
}

func eventName(ev Classified) string {
	if ev.Summary == "" {
		return "an event"
	}
	return ev.Summary
}

// placeQuote quotes a calendar title for a message without Go escapes,
// which would turn a runner's "Läufe" into "L\u00e4ufe".
func placeQuote(s string) string { return "\"" + s + "\"" }

// placeWeekday is the short weekday name, "Tue".
func placeWeekday(d Date) string { return d.Weekday().String()[:3] }
