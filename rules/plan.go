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

// Range is the span of instants the events must cover: a week before the
// plan for spacing and race recovery, and RaceHorizonDays after it for tapers
// and the goal race.
func (in Input) Range() (from, to time.Time) {
	return in.Start.AddDays(-14).In(in.Loc), in.Start.AddDays(7*in.Weeks + RaceHorizonDays).In(in.Loc)
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
	cs := c.Classify(events, in.Loc)
	races := FindRaces(cs, in.Loc)

	// Placement looks a week back (spacing, recovery after a race) and past
	// the end (the eve of a long run, the taper before a race).
	ctxFrom := in.Start.AddDays(-7)
	end := in.Start.AddDays(7 * in.Weeks)
	ctxTo := end.AddDays(max(in.Settings.Taper, 1) + 7)
	days := BuildDays(cs, ctxFrom, ctxTo.Sub(ctxFrom), in.Loc)

	ps, short := Place(PlaceInput{
		Days: days, From: in.Start, Weeks: in.Weeks, Races: races,
		Loc: in.Loc, Settings: in.Settings, Hand: in.Hand,
	})
	return Plan{
		Timezone:   in.Loc.String(),
		Start:      in.Start,
		Weeks:      in.Weeks,
		Days:       days[7 : 7+7*in.Weeks],
		Sessions:   Prescribe(ps, races, days, in.Settings, in.Namespace),
		ShortWeeks: short,
		Races:      races,
	}, nil
}

// FindRaces lists the race days among classified events, in date order.
func FindRaces(cs []Classified, loc *time.Location) []Race {
	var races []Race
	for _, c := range cs {
		if c.Kind == KindRace {
			races = append(races, Race{Date: c.FirstDate(loc), Summary: c.Summary, DistanceKm: c.DistanceKm})
		}
	}
	sort.SliceStable(races, func(i, j int) bool { return races[i].Date.Before(races[j].Date) })
	return races
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
