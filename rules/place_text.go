package rules

import (
	"fmt"
	"strings"
	"time"
)

// reason explains a new session on d in a runner's words:
// `Tue: hard day — "Intervals 6x800m" 07:00–08:00; lift ≥3 h later; Wed is easy`.
func (p *placer) reason(d Date) string {
	c, day := p.cand[d], p.day(d)
	k := dayKind(day)
	var b strings.Builder
	b.WriteString(placeWeekday(d) + ": " + kindDayName(k))
	main, hasMain := mainRun(day)
	if hasMain {
		b.WriteString(" — " + placeQuote(eventName(main)))
		if !main.AllDay {
			b.WriteString(" " + p.clock(main.Start) + "–" + p.clock(main.End))
		}
	}
	if c.rank > 0 {
		b.WriteString(" (" + p.fallbackNote(d) + ")")
	}
	if _, last, hasRun := placeTimed(day); hasRun {
		lift := "; lift "
		if span := gapSpan(p.s.Gap); span != "" {
			lift += "≥" + span + " "
		}
		if hasMain && !main.AllDay && last.ID == main.ID && last.Start.Equal(main.Start) {
			if p.s.Gap > 0 {
				lift += "later"
			} else {
				lift += "after the run"
			}
		} else {
			// The gap counts from the day's last run, not the one named.
			lift += "after " + placeQuote(eventName(last)) + " (ends " + p.clock(last.End) + ")"
		}
		b.WriteString(lift)
	}
	if c.moved != "" {
		b.WriteString("; " + c.moved + ", so " + p.clock(c.start))
	}
	next := d.AddDays(1)
	b.WriteString("; " + placeWeekday(next) + " is " + nextDayName(dayKind(p.day(next))))
	return b.String()
}

// fallbackNote says why a session is not on the policy's first choice.
func (p *placer) fallbackNote(d Date) string {
	first, firstKind := "hard day", KindHard
	if p.s.Policy == PolicySeparate {
		first, firstKind = "rest day", KindRest
	}
	m := d.Monday()
	for i := 0; i < 7; i++ {
		x := m.AddDays(i)
		if !x.Before(p.from) && x.Before(p.end) && dayKind(p.day(x)) == firstKind {
			return "no " + first + " left this week"
		}
	}
	return "no " + first + " this week"
}

func (p *placer) clock(t time.Time) string { return ClockOf(t.In(p.loc)).String() }

func kindDayName(k Kind) string {
	if k == KindCross {
		return "cross-training day"
	}
	return k.String() + " day"
}

func nextDayName(k Kind) string {
	switch k {
	case KindRest:
		return "a rest day"
	case KindCross:
		return "cross-training"
	case KindRace:
		return "race day"
	case KindLong:
		return "the long run"
	}
	return k.String()
}

// gapSpan writes a gap for a runner: "3 h", "1 h 30 min", "45 min", or
// "" for none.
func gapSpan(g time.Duration) string {
	h, m := int(g/time.Hour), int(g%time.Hour/time.Minute)
	switch {
	case g <= 0:
		return ""
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// handPlacement returns a session the runner placed, where they put it,
// with a warning for every hard rule it now breaks.
func (p *placer) handPlacement(h HandSession) Placement {
	hd := DateOf(h.Start.In(p.loc))
	var warns []string
	for _, b := range p.dateRules(hd) {
		warns = append(warns, b.warn+" ("+b.rule+")")
	}
	warns = append(warns, p.handH4(hd)...)
	warns = append(warns, p.handTime(hd, h.Start, h.End)...)
	if !p.s.Weekdays[hd.Weekday()] {
		warns = append(warns, "on a "+hd.Weekday().String()+", not an allowed day (H6)")
	}
	w := hd.Week()
	n := p.existing[w]
	for _, o := range p.in.Hand {
		if !o.Deleted && DateOf(o.Start.In(p.loc)).Week() == w {
			n++
		}
	}
	if n > p.s.PerWeek {
		warns = append(warns, fmt.Sprintf("%d sessions in week %s, more than %d (H7)", n, w, p.s.PerWeek))
	}
	return Placement{
		Week:    h.Week,
		Ordinal: h.Ordinal,
		Date:    hd,
		Start:   h.Start,
		End:     h.End,
		Reason:  placeWeekday(hd) + ": placed by you, kept where you put it",
		Hand:    true,
		Warning: strings.Join(warns, "; "),
	}
}

// handH4 lists H4 breaches of a hand session on hd.
func (p *placer) handH4(hd Date) []string {
	var warns []string
	for _, name := range p.strength[hd] {
		warns = append(warns, "on the same day as the strength session "+placeQuote(name)+" (H4)")
	}
	if p.handOn[hd] > 1 {
		warns = append(warns, "on the same day as another of your sessions (H4)")
	}
	for _, n := range []Date{hd.AddDays(-1), hd.AddDays(1)} {
		for _, name := range p.strength[n] {
			warns = append(warns, "next to the strength session "+placeQuote(name)+" on "+placeWeekday(n)+" (H4)")
		}
		if p.handOn[n] > 0 {
			warns = append(warns, "next to your session on "+placeWeekday(n)+" (H4)")
		}
	}
	return warns
}

// handTime lists H5 and H6 breaches of a hand session [s, e) on hd.
func (p *placer) handTime(hd Date, s, e time.Time) []string {
	var warns []string
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			warns = append(warns, w)
		}
	}
	for d := hd; !d.After(DateOf(e.In(p.loc))); d = d.AddDays(1) {
		timed, _, _ := placeTimed(p.day(d))
		for _, ev := range timed {
			if placeOverlaps(s, e, ev.Start, ev.End) {
				add("overlaps " + placeQuote(eventName(ev)) + " (H5)")
			}
		}
		if d != hd {
			continue
		}
		for _, ev := range timed {
			switch {
			case !ev.Kind.IsRun() || ev.Busy || placeOverlaps(s, e, ev.Start, ev.End):
			case !s.After(ev.Start):
				add("before the run " + placeQuote(eventName(ev)) + ": running comes first (H5)")
			case s.Before(ev.End.Add(p.s.Gap)):
				add("less than " + gapSpan(p.s.Gap) + " after the run " + placeQuote(eventName(ev)) + " (H5)")
			}
		}
	}
	if s.Before(hd.At(p.s.WindowStart, p.loc)) || e.After(hd.At(p.s.WindowEnd, p.loc)) {
		warns = append(warns, fmt.Sprintf("outside %s–%s (H6)", p.s.WindowStart, p.s.WindowEnd))
	}
	return warns
}

// shortWeeks reports the window's ISO weeks that hold fewer sessions than
// wanted, naming what blocked each free date.
func (p *placer) shortWeeks(chosen []Date, newIn map[string]int) []ShortWeek {
	if p.s.PerWeek <= 0 {
		return nil
	}
	isNew := make(map[Date]bool, len(chosen))
	for _, d := range chosen {
		isNew[d] = true
	}
	var out []ShortWeek
	for _, m := range p.windowWeeks() {
		w := m.Week()
		placed := p.existing[w] + p.hands[w] + newIn[w]
		if placed >= p.s.PerWeek {
			continue
		}
		var parts []string
		runStart, runText := Date{}, ""
		flush := func(last Date) {
			if runText == "" {
				return
			}
			days := placeWeekday(runStart)
			if last != runStart {
				days += "–" + placeWeekday(last)
			}
			parts = append(parts, days+" "+runText)
		}
		for i := 0; i < 7; i++ {
			d := m.AddDays(i)
			t := p.blockerText(d, isNew)
			if t != runText {
				flush(d.AddDays(-1))
				runStart, runText = d, t
			}
		}
		flush(m.AddDays(6))
		reason := fmt.Sprintf("%d of %d", placed, p.s.PerWeek)
		if len(parts) > 0 {
			reason += ": " + strings.Join(parts, ", ")
		}
		out = append(out, ShortWeek{Week: w, Wanted: p.s.PerWeek, Placed: placed, Reason: reason})
	}
	return out
}

// blockerText says why no new session is on d, or "" when a session is.
func (p *placer) blockerText(d Date, isNew map[Date]bool) string {
	switch {
	case isNew[d] || len(p.strength[d]) > 0 || p.handOn[d] > 0:
		return ""
	case d.Before(p.from):
		return "before the plan starts"
	case !d.Before(p.end):
		return "after the plan ends"
	}
	if c := p.cand[d]; !c.ok {
		return c.block.short
	}
	for _, n := range []Date{d.AddDays(-1), d.AddDays(1)} {
		if isNew[n] {
			return "next to the session on " + placeWeekday(n)
		}
	}
	return "kept free to space the sessions"
}
