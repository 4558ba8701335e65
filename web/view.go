package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// This file turns a plan into what the pages show: a calendar of weeks and
// days, races, a phase timeline and status in words. The preview and the
// plan page share it, so both read the same.

// storedPlan is a plan as the pages read it: the `plan --json` shape. A
// plan stored before a field existed (a day's note, the races, a session's
// letter) decodes with it empty, and the page says less rather than failing.
type storedPlan = sync.PlanJSON

// planFromRules is a freshly made plan (the preview) in the stored shape.
func planFromRules(p rules.Plan, loc *time.Location) *storedPlan {
	j := sync.NewPlanJSON(p, loc)
	return &j
}

// kindInfo is one kind of day in the legend: its word and what it means.
type kindInfo struct{ Kind, Word, Meaning string }

// kinds is the legend, strongest first (SPEC §3).
var kinds = []kindInfo{
	{"race", "Race", "race day"},
	{"long", "Long run", "long run: no lifting the day before or on it"},
	{"hard", "Hard", "intervals, tempo, hills"},
	{"easy", "Easy", "easy or recovery run"},
	{"cross", "Cross", "cross-training without running"},
	{"rest", "Rest", "no run"},
}

func kindWord(k string) string {
	for _, ki := range kinds {
		if ki.Kind == k {
			return ki.Word
		}
	}
	return ""
}

// calendar is a run of weeks, Monday first.
type calendar struct {
	Weeks  []calWeek
	Legend []kindInfo
	// From is the first Monday shown; Earlier and Later are the first
	// Mondays of the neighbouring pages (plan page only).
	From, Earlier, Later string
	// ThisWeek is the Monday of today's week.
	ThisWeek string
}

type calWeek struct {
	Label string // "2–8 Mar"
	Short string // a week short of sessions, in words
	Days  []calDay
}

type calDay struct {
	Date     string
	Weekday  string // "Mon"
	Label    string // "2 Mar"
	Kind     string // race … rest, "" outside the plan
	KindWord string
	// Note says why the day has no session (or the day's reason when the
	// plan carries no note).
	Note     string
	Today    bool
	Past     bool
	Outside  string // why the day shows nothing ("not planned yet")
	Events   []calEvent
	Sessions []calSession
	Race     *calRace
}

type calEvent struct{ Time, Summary string }

type calSession struct {
	Letter, Title, Phase, Time, Reason, Warning, Notes string
	Exercises                                          []calExercise
	// Done marks a past session read back from the feed: its exercises
	// live in its description.
	Done        bool
	Description string
}

type calExercise struct{ Name, Dose, Load, Notes string }

type calRace struct {
	Date, Summary, Priority, Taper, Recovery string
	// Day is the date in words, "Sun 31 May".
	Day string
}

// calendarOf lays out weeks from monday; past holds sessions read back
// from the published feed for days before the plan's window.
func calendarOf(sp *storedPlan, monday rules.Date, weeks int, today rules.Date, past map[string][]calSession) calendar {
	days := map[string]sync.DayJSON{}
	for _, d := range sp.Days {
		days[d.Date] = d
	}
	sessions := map[string][]calSession{}
	for _, s := range sp.Sessions {
		sessions[s.Date] = append(sessions[s.Date], sessionView(s))
	}
	races := map[string]*calRace{}
	for _, r := range racesOf(sp) {
		races[r.Date] = &r
	}
	short := map[string]string{}
	for _, w := range sp.ShortWeeks {
		short[w.Week] = shortText(w)
	}
	start, _ := rules.ParseDate(sp.Start)
	end := start.AddDays(7 * sp.Weeks)
	cal := calendar{Legend: kinds, From: monday.String(), Earlier: monday.AddDays(-28).String(), Later: monday.AddDays(28).String(),
		ThisWeek: today.Monday().String()}
	for w := range weeks {
		m := monday.AddDays(7 * w)
		cw := calWeek{Label: dayRange(m, m.AddDays(6)), Short: short[m.Week()]}
		for i := range 7 {
			date := m.AddDays(i)
			t := date.In(time.UTC)
			cd := calDay{Date: date.String(), Weekday: t.Format("Mon"), Label: t.Format("2 Jan"), Today: date == today,
				Past: date.Before(today)}
			if d, ok := days[cd.Date]; ok {
				cd.Kind, cd.KindWord = d.Kind, kindWord(d.Kind)
				cd.Note = d.Note
				if cd.Note == "" {
					cd.Note = d.Reason
				}
				for _, e := range d.Events {
					if e.Kind == "other" && e.Busy {
						continue
					}
					cd.Events = append(cd.Events, calEvent{Time: clockRange(e.Start, e.End, e.AllDay), Summary: e.Summary})
				}
				cd.Sessions = sessions[cd.Date]
				cd.Race = races[cd.Date]
			} else {
				cd.Sessions = past[cd.Date]
				switch {
				case date.Before(start) && len(cd.Sessions) == 0:
					cd.Outside = "no session"
				case date.Before(start):
				case !date.Before(end):
					cd.Outside = "not planned yet"
				default:
					cd.Outside = "outside the plan"
				}
			}
			cw.Days = append(cw.Days, cd)
		}
		cal.Weeks = append(cal.Weeks, cw)
	}
	return cal
}

func sessionView(s sync.SessionJSON) calSession {
	letter := s.Letter
	if letter == "" {
		letter = s.Variant
	}
	cs := calSession{Letter: letter, Title: s.Title, Phase: s.Phase, Time: clockRange(s.Start, s.End, false),
		Reason: s.Reason, Warning: s.Advice(), Notes: s.Notes}
	for _, e := range s.Exercises {
		ce := calExercise{Name: e.Name, Load: e.Load, Notes: e.Notes}
		if e.Sets > 0 {
			ce.Dose = strconv.Itoa(e.Sets) + " × " + e.Reps
		} else {
			ce.Dose = e.Reps
		}
		cs.Exercises = append(cs.Exercises, ce)
	}
	return cs
}

// pastSessions reads the sessions the feed still publishes for days
// before from: history stays the runner's (SPEC §6), and the page shows it.
func pastSessions(ics []byte, loc *time.Location, from rules.Date) map[string][]calSession {
	out := map[string][]calSession{}
	if len(ics) == 0 {
		return out
	}
	cal, err := ical.Parse("feed", ics)
	if err != nil {
		return out
	}
	for _, w := range cal.Ours() {
		d := rules.DateOf(w.Start.In(loc))
		if !d.Before(from) {
			continue
		}
		out[d.String()] = append(out[d.String()], calSession{Title: w.Summary, Done: true, Description: w.Description,
			Time: w.Start.In(loc).Format("15:04") + "–" + w.End.In(loc).Format("15:04")})
	}
	return out
}

// shortPrefix is the "1 of 2: " that starts a short week's reason.
var shortPrefix = regexp.MustCompile(`^\d+ of \d+(: )?`)

// shortText says in words why a week has fewer sessions than asked for.
func shortText(w sync.ShortWeekJSON) string {
	why := shortPrefix.ReplaceAllString(w.Reason, "")
	n := "no session"
	switch {
	case w.Placed == 1:
		n = "1 session"
	case w.Placed > 1:
		n = strconv.Itoa(w.Placed) + " sessions"
	}
	s := fmt.Sprintf("%s this week instead of %d", n, w.Wanted)
	if why != "" {
		s += ", because of " + why
	}
	return s + "."
}

// dayRange is "2–8 Mar" or "30 Mar – 5 Apr".
func dayRange(a, b rules.Date) string {
	ta, tb := a.In(time.UTC), b.In(time.UTC)
	if ta.Month() == tb.Month() {
		return ta.Format("2") + "–" + tb.Format("2 Jan")
	}
	return ta.Format("2 Jan") + " – " + tb.Format("2 Jan")
}

// racesOf lists the plan's races in words. A plan stored without races
// falls back to its race days, with no priority.
func racesOf(sp *storedPlan) []calRace {
	var out []calRace
	for _, r := range sp.Races {
		d, _ := rules.ParseDate(r.Date)
		cr := calRace{Date: r.Date, Day: longDate(d), Summary: r.Title, Priority: r.Priority}
		if tf, err := rules.ParseDate(r.TaperFrom); err == nil && tf.Before(d) {
			cr.Taper = "no strength from " + longDate(tf)
		}
		if rt, err := rules.ParseDate(r.RecoveryTo); err == nil && rt.After(d) {
			cr.Recovery = "recovery until " + longDate(rt)
		}
		out = append(out, cr)
	}
	if len(sp.Races) > 0 {
		return out
	}
	for _, d := range sp.Days {
		if d.Kind != "race" {
			continue
		}
		cr := calRace{Date: d.Date}
		if dd, err := rules.ParseDate(d.Date); err == nil {
			cr.Day = longDate(dd)
		}
		for _, e := range d.Events {
			if e.Kind == "race" {
				cr.Summary = e.Summary
				break
			}
		}
		out = append(out, cr)
	}
	return out
}

func longDate(d rules.Date) string { return d.In(time.UTC).Format("Mon 2 Jan") }

// phaseSpan is one stretch of the timeline to the next A race.
type phaseSpan struct {
	Phase, Label, From, To string
	Weeks                  int // rounded up, at least 1: sizes the bar
}

// phaseWords explain each phase in one line (SPEC §5).
var phaseWords = map[string]string{
	"strength": "Strength: heavy, few reps",
	"power":    "Power: lighter lifts, jumps",
	"maintain": "Maintain: short sessions",
	"taper":    "Taper: no strength",
	"race":     "Race",
	"recovery": "Recovery: no strength",
}

// timeline is the phases from today to the end of the next A race's
// recovery, or nil when no A race is known.
func timeline(sp *storedPlan, today rules.Date) (race *calRace, spans []phaseSpan) {
	for _, r := range sp.Races {
		d, err := rules.ParseDate(r.Date)
		if err != nil || r.Priority != "A" || d.Before(today) {
			continue
		}
		taper, _ := rules.ParseDate(r.TaperFrom)
		if taper.IsZero() {
			taper = d
		}
		rec, _ := rules.ParseDate(r.RecoveryTo)
		if rec.IsZero() {
			rec = d
		}
		phaseOn := func(x rules.Date) string {
			switch {
			case x.After(d):
				return "recovery"
			case x == d:
				return "race"
			case !x.Before(taper):
				return "taper"
			}
			// Counted in ISO weeks, Monday to Monday, as rules prescribes
			// them: 9 or more weeks out strength, 8–4 power, then maintain.
			switch out := d.Monday().Sub(x.Monday()) / 7; {
			case out >= 9:
				return "strength"
			case out >= 4:
				return "power"
			}
			return "maintain"
		}
		var cur *phaseSpan
		var curFrom rules.Date
		for x := today; !x.After(rec); x = x.AddDays(1) {
			ph := phaseOn(x)
			if cur == nil || cur.Phase != ph {
				spans = append(spans, phaseSpan{Phase: ph, Label: phaseWords[ph], From: longDate(x)})
				cur, curFrom = &spans[len(spans)-1], x
			}
			cur.To = longDate(x)
			cur.Weeks = min(30, max(1, (x.Sub(curFrom)+7)/7))
		}
		cr := calRace{Date: r.Date, Day: longDate(d), Summary: r.Title, Priority: r.Priority}
		return &cr, spans
	}
	return nil, nil
}

// ago says how long ago t was, in words.
func ago(now, t time.Time) string {
	if d := now.Sub(t); d >= time.Minute {
		return span(d) + " ago"
	}
	return "just now"
}

// until says how soon t is, in words.
func until(now, t time.Time) string {
	if d := t.Sub(now); d >= time.Minute {
		return "in " + span(d)
	}
	return "in a moment"
}

// span is a duration of a minute or more in words: "3 minutes", "1 hour".
func span(d time.Duration) string {
	n, unit := int(d/time.Minute), "minute"
	switch {
	case d >= 48*time.Hour:
		n, unit = int(d/(24*time.Hour)), "day"
	case d >= time.Hour:
		n, unit = int(d/time.Hour), "hour"
	}
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// advice says what a runner can do about a sync's error.
func advice(lastError string) string {
	e := strings.ToLower(lastError)
	switch {
	case strings.Contains(e, "404") || strings.Contains(e, "410") || strings.Contains(e, "not found"):
		return "The calendar address no longer works. Copy a fresh iCal link from your training platform and paste it under Settings."
	case strings.Contains(e, "401") || strings.Contains(e, "403") || strings.Contains(e, "forbidden") || strings.Contains(e, "unauthorized"):
		return "Your training platform refuses the address. Make sure it is the private (secret) iCal link, copy it again and paste it under Settings."
	case strings.Contains(e, "not a calendar") || strings.Contains(e, "parse") || strings.Contains(e, "line"):
		return "The address does not give a calendar we can read. Check that it is the iCal (.ics) link, not the web page's address."
	case strings.Contains(e, "timezone") || strings.Contains(e, "time zone"):
		return "Pick your time zone under Settings."
	}
	return "We keep trying every 15 minutes. If this stays, check the calendar address under Settings, or press Sync now."
}
