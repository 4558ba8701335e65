package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// reason explains a new session on d in a runner's words:
// `Tue: hard day — "Intervals 6x800m" 07:00–08:00; lift ≥3 h later; Wed is easy`.
func (p *placer) reason(d Date) string { return placeWeekday(d) + ": " + p.reasonBody(d) }

// reasonBody is reason without its weekday.
func (p *placer) reasonBody(d Date) string {
	c, day := p.cand[d], p.day(d)
	k := dayKind(day)
	var b strings.Builder
	b.WriteString(kindDayName(k))
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
	for _, ev := range day.Events {
		if ev.Kind == KindStrength && ev.Light {
			// SPEC §4: a light entry never takes the day's place.
			b.WriteString("; your light " + placeQuote(eventName(ev)) + " does not count")
			break
		}
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
	for _, b := range p.dateRules(hd, false) {
		if b.warn != "" {
			warns = append(warns, b.warn+" ("+b.rule+")")
		}
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
		m := hd.Monday()
		warns = append(warns, fmt.Sprintf("%d sessions in the week %s, more than %d (H7)", n, SpanText(m, m.AddDays(6)), p.s.PerWeek))
	}
	return Placement{
		Variant: h.Variant,
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

// suggest finds a better day for a hand session on hd that breaks a rule:
// the nearest date of its ISO week (the earlier on a tie) where a new
// session could go and that keeps a day clear of every other session,
// planned (taken), the runner's own strength, or another hand session
// (H4). The runner's hand still wins: this is only advice.
func (p *placer) suggest(hd Date, taken map[Date]bool) Date {
	mon := hd.Monday()
	clash := func(d Date) bool {
		for _, n := range []Date{d.AddDays(-1), d, d.AddDays(1)} {
			others := p.handOn[n]
			if n == hd {
				others-- // the session being moved
			}
			if taken[n] || len(p.strength[n]) > 0 || others > 0 {
				return true
			}
		}
		return false
	}
	for dist := 1; dist <= 6; dist++ {
		for _, d := range []Date{hd.AddDays(-dist), hd.AddDays(dist)} {
			if d.Before(mon) || d.After(mon.AddDays(6)) {
				continue
			}
			if c := p.cand[d]; c != nil && c.ok && !clash(d) {
				return d
			}
		}
	}
	return Date{}
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
// wanted, naming what blocked each free date in the words of its note.
func (p *placer) shortWeeks(chosen []Date, newIn map[string]int) []ShortWeek {
	if p.s.PerWeek <= 0 {
		return nil
	}
	st := p.newNoteState(chosen)
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
			if runText != "" {
				parts = append(parts, SpanText(runStart, last)+": "+runText)
			}
		}
		for i := 0; i < 7; i++ {
			d := m.AddDays(i)
			t, _ := p.why(d, st)
			if t != runText {
				flush(d.AddDays(-1))
				runStart, runText = d, t
			}
		}
		flush(m.AddDays(6))
		reason := fmt.Sprintf("%d of %d", placed, p.s.PerWeek)
		if len(parts) > 0 {
			reason += " — " + strings.Join(parts, "; ")
		}
		out = append(out, ShortWeek{Week: w, Wanted: p.s.PerWeek, Placed: placed, Reason: reason})
	}
	return out
}

// noPlanWarning is the one warning for a window that no run calendar
// covers at all; ok is false when some date is covered or sessions are not
// wanted.
func (p *placer) noPlanWarning() (string, bool) {
	if p.s.PerWeek <= 0 || len(p.uncovered) == 0 {
		return "", false
	}
	for d := p.from; d.Before(p.end); d = d.AddDays(1) {
		if !p.uncovered[d] {
			return "", false
		}
	}
	return fmt.Sprintf("no training plan in the run calendars for %s: no sessions placed "+
		"(the fill setting treats dates with no plan as rest days)", SpanText(p.from, p.end.AddDays(-1))), true
}

// noteState is what the notes of a window share: the sessions chosen and
// where every session lies.
type noteState struct {
	isNew map[Date]bool
	hand  map[Date]Placement
	// all holds the dates of every session, new, hand-placed and the
	// runner's own, in order, for spacing.
	all []Date
	// weekNew lists each ISO week's new sessions.
	weekNew map[string][]Date
}

func (p *placer) newNoteState(chosen []Date) *noteState {
	st := &noteState{isNew: make(map[Date]bool, len(chosen)), hand: map[Date]Placement{}, weekNew: map[string][]Date{}}
	for _, d := range chosen {
		st.isNew[d] = true
		st.weekNew[d.Week()] = append(st.weekNew[d.Week()], d)
		st.all = append(st.all, d)
	}
	for d := range p.strength {
		st.all = append(st.all, d)
	}
	for d := range p.handOn {
		st.all = append(st.all, d)
	}
	sort.Slice(st.all, func(i, j int) bool { return st.all[i].Before(st.all[j]) })
	return st
}

// notes says for every window date why it has its session or not.
func (p *placer) notes(chosen []Date, placed []Placement) []string {
	st := p.newNoteState(chosen)
	for _, pl := range placed {
		if pl.Hand {
			st.hand[pl.Date] = pl
		}
	}
	out := make([]string, 0, p.end.Sub(p.from))
	for d := p.from; d.Before(p.end); d = d.AddDays(1) {
		_, note := p.why(d, st)
		out = append(out, d.Text()+": "+note)
	}
	return out
}

// why says why d has its session or not: text for a stretch of days in a
// short week ("" on a date that holds a session) and the note of the date.
func (p *placer) why(d Date, st *noteState) (text, note string) {
	switch {
	case st.isNew[d]:
		return "", p.reasonBody(d)
	case p.handOn[d] > 0:
		note = "your session, placed by you, kept where you put it"
		if h, ok := st.hand[d]; ok && h.Warning != "" {
			note += "; it breaks a rule: " + h.Warning
		}
		return "", note
	case len(p.strength[d]) > 0:
		return "", "your own strength session " + placeQuote(p.strength[d][0])
	case d.Before(p.from):
		return "before the first date planned", ""
	case !d.Before(p.end):
		return "after the last date planned", ""
	case p.s.PerWeek <= 0:
		return "no sessions wanted (0 a week)", "no sessions wanted (0 a week)"
	}
	c := p.cand[d]
	if !c.ok {
		return c.block.text, c.block.note()
	}
	var next Date
	adjacent := false
	for _, n := range []Date{d.AddDays(-1), d.AddDays(1)} {
		if st.isNew[n] {
			next, adjacent = n, true
			break
		}
	}
	w := d.Week()
	total := p.existing[w] + p.hands[w] + len(st.weekNew[w])
	full := total >= p.s.PerWeek
	switch {
	case adjacent && !full:
		text = next.Text() + " was chosen: " + p.whyChosen(next, d, st) + "; never two days in a row"
	case full && len(st.weekNew[w]) == 0:
		text = fmt.Sprintf("%d %s this week already, your own counted", total, placeSessions(total))
	case full:
		others := st.weekNew[w]
		if adjacent {
			others = []Date{next}
		}
		if len(others) == 1 {
			text = others[0].Text() + " was chosen: " + p.whyChosen(others[0], d, st)
		} else {
			var names []string
			for _, o := range others {
				names = append(names, o.Text()+" ("+p.whyChosen(o, d, st)+")")
			}
			text = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " were chosen"
		}
		text += fmt.Sprintf("; %d %s this week already", total, placeSessions(total))
	default:
		text = "kept free to space the sessions"
	}
	return text, text
}

func placeSessions(n int) string {
	if n == 1 {
		return "session"
	}
	return "sessions"
}

// whyChosen says why the new session on c beat the free date d.
func (p *placer) whyChosen(c, d Date, st *noteState) string {
	cc, dc := p.cand[c], p.cand[d]
	kind := kindArticle(dayKind(p.day(c)))
	switch {
	case cc.rank < dc.rank:
		return kind
	case cc.rank > dc.rank:
		return kind + ", which leaves room for the other sessions"
	case cc.good && !dc.good:
		return kind + " before an easier day"
	case st.gapAround(c, c) > st.gapAround(d, c):
		return kind + " as well, better spaced from the other sessions"
	case c.Before(d):
		return kind + " as well, and earlier"
	}
	return kind + " as well, better spaced from the other sessions"
}

// gapAround is the days from d to the nearest session other than skip,
// capped at a week.
func (st *noteState) gapAround(d, skip Date) int {
	best := 7
	i := sort.Search(len(st.all), func(i int) bool { return !st.all[i].Before(d) })
	for _, j := range []int{i - 2, i - 1, i, i + 1} {
		if j < 0 || j >= len(st.all) || st.all[j] == skip || st.all[j] == d {
			continue
		}
		g := d.Sub(st.all[j])
		if g < 0 {
			g = -g
		}
		best = min(best, g)
	}
	return best
}
