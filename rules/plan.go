package rules

import (
	"fmt"
	"sort"
	"time"
)

// RaceHorizonDays is how far past the window the planner looks for races:
// a goal race half a year out still sets this month's phase.
const RaceHorizonDays = 26 * 7

// Input is everything one plan needs.
type Input struct {
	// Events are the run calendars' events and busy time (Busy set),
	// expanded over at least Range().
	Events   []Event
	Start    Date // first date of the plan
	Weeks    int  // the plan covers [Start, Start+7*Weeks)
	Loc      *time.Location
	Settings Settings
	// Hand holds sessions the runner moved or deleted by hand.
	Hand []HandSession
	// Namespace keeps the session UIDs of different plans apart.
	Namespace string
	// Classifier, when set, must have been built by NewClassifier with
	// Settings.Keywords; a service planning many calendars builds it once
	// instead of once per plan. Nil builds one.
	Classifier *Classifier
}

// Range is the span of instants the events must cover: before the plan
// for spacing, the plan's coverage and the recovery after a race (up to 21
// days after an ultra, or the runner's own recovery), and RaceHorizonDays
// after it for tapers, race priorities and the goal race.
func (in Input) Range() (from, to time.Time) {
	back := max(14, PlanGapDays, raceRecoveryRows[len(raceRecoveryRows)-1].days+1)
	if in.Settings.Recovery != RecoveryByDistance {
		back = max(14, PlanGapDays, in.Settings.Recovery+1)
	}
	return in.Start.AddDays(-back).In(in.Loc), in.Start.AddDays(7*in.Weeks + RaceHorizonDays).In(in.Loc)
}

// Plan is the outcome: every day of the window classified, the sessions
// placed and prescribed, and the weeks that fall short.
type Plan struct {
	Timezone   string
	Start      Date
	Weeks      int
	Days       []Day
	Sessions   []Session
	ShortWeeks []ShortWeek
	Races      []Race
	// Warnings are messages about the plan as a whole, such as a window no
	// run calendar covers (then there are no short weeks).
	Warnings []string
}

// Make classifies, places and prescribes.
func Make(in Input) (Plan, error) {
	if in.Loc == nil {
		return Plan{}, fmt.Errorf("plan: no time zone")
	}
	if in.Weeks < 1 || in.Weeks > 520 {
		return Plan{}, fmt.Errorf("weeks: %d is out of range (1–520)", in.Weeks)
	}
	if err := in.Settings.Validate(); err != nil {
		return Plan{}, err
	}
	from, to := in.Range()
	events := make([]Event, 0, len(in.Events))
	for _, e := range in.Events {
		if e.End.After(from) && e.Start.Before(to) || e.Start.Equal(from) {
			events = append(events, e)
		}
	}
	c := in.Classifier
	if c == nil {
		c = NewClassifier(in.Settings.Keywords)
	}
	p, placed := planClassified(c.Classify(events, in.Loc), in)
	p.Sessions = Prescribe(placed.Placements, p.Races, p.Days, in.Settings, in.Namespace)
	return p, nil
}

// planClassified is Make after classification: races, the plan's coverage,
// days, placement and the days' notes; the sessions are left to prescribe.
func planClassified(cs []Classified, in Input) (Plan, Placed) {
	races := FindRaces(cs, in.Loc, in.Settings)

	// Placement looks a week back (spacing, recovery after a race) and past
	// the end (the eve of a long run); races carry their own taper.
	ctxFrom := in.Start.AddDays(-7)
	end := in.Start.AddDays(7 * in.Weeks)
	ctxTo := end.AddDays(7)
	days := BuildDays(cs, ctxFrom, ctxTo.Sub(ctxFrom), in.Loc)
	var uncovered []Span
	if !in.Settings.Fill {
		// Range reaches 14 days before the start and far past the end, more
		// than the PlanGapDays Uncovered needs either side.
		uncovered = Uncovered(cs, in.Start, 7*in.Weeks, in.Loc)
	}
	placed := Place(PlaceInput{
		Days: days, From: in.Start, Weeks: in.Weeks, Races: races,
		Loc: in.Loc, Settings: in.Settings, Hand: in.Hand, Uncovered: uncovered,
	})
	window := days[7 : 7+7*in.Weeks]
	for i := range window {
		window[i].Note = placed.Notes[i]
	}
	return Plan{
		Timezone:   in.Loc.String(),
		Start:      in.Start,
		Weeks:      in.Weeks,
		Days:       window,
		ShortWeeks: placed.ShortWeeks,
		Races:      races,
		Warnings:   placed.Warnings,
	}, placed
}

// FindRaces lists the race days among classified events, in date order,
// each with its priority (what its entry says, else by distance), the
// first date of its taper and the last of its recovery (SPEC §4 "Races").
// Races beyond the window matter: a race's priority depends on the races
// in the 12 weeks after it.
func FindRaces(cs []Classified, loc *time.Location, s Settings) []Race {
	var races []Race
	for _, c := range cs {
		if c.Kind == KindRace {
			races = append(races, Race{Date: c.FirstDate(loc), Summary: c.Summary, DistanceKm: c.DistanceKm,
				Priority: RacePriorityHint(raceText(c)...)})
		}
	}
	return completeRaces(races, s)
}

// BuildDays gives each of n dates from first its events and its kind: the
// strongest kind of its runs, rest when it has none (SPEC §3).
func BuildDays(cs []Classified, first Date, n int, loc *time.Location) []Day {
	days := make([]Day, n)
	for i := range days {
		days[i] = Day{Date: first.AddDays(i), Kind: KindRest}
	}
	for _, c := range cs {
		a, b := c.FirstDate(loc).Sub(first), c.LastDate(loc).Sub(first)
		if b-a > 31 { // a months-long entry is a note, not something per day
			b = a + 31
		}
		for i := max(a, 0); i <= b && i < n; i++ {
			days[i].Events = append(days[i].Events, c)
		}
	}
	for i := range days {
		d := &days[i]
		sort.SliceStable(d.Events, func(a, b int) bool { return d.Events[a].Start.Before(d.Events[b].Start) })
		best := -1
		for j, e := range d.Events {
			if e.Kind.IsRun() && (best < 0 || e.Kind > d.Events[best].Kind) {
				best = j
			}
		}
		switch {
		case best >= 0:
			d.Kind, d.Reason = d.Events[best].Kind, d.Events[best].Reason
		case len(d.Events) > 0:
			d.Reason = "no run planned"
		default:
			d.Reason = "nothing planned"
		}
	}
	return days
}
