package rules

import (
	"sort"
	"time"
)

// PlaceInput is everything placement needs.
type PlaceInput struct {
	// Days are consecutive dates (classified days with their events, see
	// Day) covering at least From-7 … From+Weeks*7 so that H2, H4 and H7
	// can look across the window's edges (races carry their own taper and
	// recovery). A date missing from
	// Days is taken as a rest day with no events. Days must not contain the
	// sessions placement itself wrote (readers filter them out).
	Days     []Day
	From     Date           // first date of the window (any weekday)
	Weeks    int            // the window is [From, From+7*Weeks); at most 520, as Make allows
	Races    []Race         // every race known, also beyond the window (taper, priority)
	Loc      *time.Location // the runner's zone; nil means UTC
	Settings Settings
	// Hand holds sessions the runner moved or deleted by hand (may be nil).
	// Every non-deleted one is returned as a Hand placement, so the caller
	// passes those of the window's weeks.
	Hand []HandSession
	// Uncovered lists the stretches of the window no run calendar covers
	// (see Uncovered): no new session goes there unless Settings.Fill.
	// Nil means the whole window is covered.
	Uncovered []Span
}

// Placed is what Place decides.
type Placed struct {
	// Placements are the sessions, new and hand-placed, in start order.
	Placements []Placement
	// ShortWeeks are the window's ISO weeks that fall short, and why.
	ShortWeeks []ShortWeek
	// Notes holds, for every date of the window in order, why it has its
	// session or, for a date without one, the first rule that ruled it out
	// or why another date was chosen: "Wed 9 Dec: the day before your long
	// run "Long run 30 km"".
	Notes []string
	// Warnings are messages about the plan as a whole: a window no run
	// calendar covers at all gets one, instead of a short week for each
	// of its weeks.
	Warnings []string
}

// Place returns the placements in date order, the ISO weeks of the window
// that fall short, and a note for every date.
//
// Placement never breaks the hard rules H1–H7 of SPEC §4, nor puts a
// session on a date no run calendar covers (unless Settings.Fill) or while
// the runner is away. Races carry their taper and recovery (TaperFrom,
// RecoveryTo, see FindRaces); a race without them gets them here from its
// priority, distance and the settings. Light strength entries never count
// for H4 or H7 (a timed one still blocks its time, H5). Within those rules
// it chooses, over the whole window at once (weeks interact through H4 at
// their edges), the placement that is best by, in this order:
//
//  1. the number of new sessions (each ISO week capped at PerWeek minus the
//     strength events and hand sessions already in it);
//  2. the policy's order of days, compared as counts: for stack, most hard
//     days, then most rest days (easy and cross days last); for separate,
//     most rest days (easy and cross days last);
//  3. most hard days whose next day is not hard or long: a lift on the
//     first of two hard days in a row stacks its fatigue into the second;
//  4. spread: the largest minimum gap in days between a new session and
//     the strength session before or after it (existing and hand sessions
//     included; gaps of 7 days or more count as 7), then the largest sum of
//     those gaps each capped at 3 days, which pushes gaps of 2 days apart;
//  5. earlier dates first.
//
// Hand sessions are never moved; a non-deleted one is returned with Hand
// set and a Warning naming any hard rule it now breaks. Their slots keep
// their ordinals; new sessions take the other ordinals of their week in
// date order.
//
// Settings are expected to have passed Validate; Place does not fail.
func Place(in PlaceInput) Placed {
	if in.Weeks <= 0 {
		return Placed{}
	}
	p := newPlacer(in)
	chosen := p.solve()

	out := make([]Placement, 0, len(chosen)+len(in.Hand))
	used := map[string]map[int]bool{}
	for _, h := range in.Hand {
		if used[h.Week] == nil {
			used[h.Week] = map[int]bool{}
		}
		used[h.Week][h.Ordinal] = true
	}
	next := map[string]int{}
	newIn := map[string]int{}
	for _, d := range chosen {
		w := d.Week()
		n := next[w] + 1
		for used[w][n] {
			n++
		}
		next[w] = n
		newIn[w]++
		c := p.cand[d]
		out = append(out, Placement{
			Week:    w,
			Ordinal: n,
			Date:    d,
			Start:   c.start,
			End:     c.end,
			Reason:  p.reason(d),
		})
	}
	taken := map[Date]bool{}
	for _, d := range chosen {
		taken[d] = true
	}
	for _, h := range in.Hand {
		if h.Deleted {
			continue
		}
		hp := p.handPlacement(h)
		if hp.Warning != "" {
			hp.Suggest = p.suggest(hp.Date, taken)
		}
		out = append(out, hp)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		if out[i].Week != out[j].Week {
			return out[i].Week < out[j].Week
		}
		return out[i].Ordinal < out[j].Ordinal
	})
	res := Placed{Placements: out, Notes: p.notes(chosen, out)}
	if w, ok := p.noPlanWarning(); ok {
		res.Warnings = []string{w}
	} else {
		res.ShortWeeks = p.shortWeeks(chosen, newIn)
	}
	return res
}

// placer holds what Place works out about the window before it chooses.
type placer struct {
	in  PlaceInput
	loc *time.Location
	s   Settings

	from, end Date // the window [from, end)
	days      map[Date]*Day
	races     []Race // sorted by date, with priority, taper and recovery

	// uncovered holds the window dates no run calendar covers (empty
	// under Fill); away maps a date to the away entry touching it.
	uncovered map[Date]bool
	away      map[Date]Classified

	// strength maps a date to the runner's own strength events touching it,
	// light ones left out; handOn counts non-deleted hand sessions per
	// date. Both block H4.
	strength map[Date][]string
	handOn   map[Date]int

	// existing and hands count, per ISO week, the runner's strength events
	// and hand sessions (H7); capacity is what is left for new sessions.
	existing map[string]int
	hands    map[string]int
	capacity map[string]int

	// cand holds the analysis of every window date.
	cand map[Date]*candidate
}

func newPlacer(in PlaceInput) *placer {
	p := &placer{
		in:       in,
		loc:      in.Loc,
		s:        in.Settings,
		from:     in.From,
		end:      in.From.AddDays(7 * in.Weeks),
		days:     make(map[Date]*Day, len(in.Days)),
		strength: map[Date][]string{},
		handOn:   map[Date]int{},
		existing: map[string]int{},
		hands:    map[string]int{},
		capacity: map[string]int{},
		cand:     map[Date]*candidate{},
		away:     map[Date]Classified{},
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	p.races = completeRaces(in.Races, p.s)
	if !p.s.Fill && len(in.Uncovered) > 0 {
		p.uncovered = map[Date]bool{}
		for _, sp := range in.Uncovered {
			for d := sp.From; !d.After(sp.To); d = d.AddDays(1) {
				p.uncovered[d] = true
			}
		}
	}

	// An event touching several dates appears in each of their Days; it
	// is one session for H7, counted in the week of its first date.
	seen := map[placeEventKey]bool{}
	for i := range in.Days {
		d := &in.Days[i]
		if _, dup := p.days[d.Date]; dup {
			continue
		}
		p.days[d.Date] = d
		for _, ev := range d.Events {
			if ev.Kind == KindAway {
				if _, ok := p.away[d.Date]; !ok {
					p.away[d.Date] = ev
				}
				continue
			}
			if ev.Kind != KindStrength || ev.Busy || ev.Light {
				continue
			}
			p.strength[d.Date] = append(p.strength[d.Date], ev.Summary)
			k := placeEventKey{ev.ID, ev.Summary, ev.Start.UnixNano(), ev.End.UnixNano()}
			if !seen[k] {
				seen[k] = true
				p.existing[ev.FirstDate(p.loc).Week()]++
			}
		}
	}
	// A hand session fills its slot's week; if the runner moved it into
	// another week it also counts there, so H7 holds in both.
	for _, h := range in.Hand {
		p.hands[h.Week]++
		if h.Deleted {
			continue
		}
		hd := DateOf(h.Start.In(p.loc))
		p.handOn[hd]++
		if w := hd.Week(); w != h.Week {
			p.hands[w]++
		}
	}
	for m := p.from.Monday(); m.Before(p.end); m = m.AddDays(7) {
		w := m.Week()
		p.capacity[w] = max(0, p.s.PerWeek-p.existing[w]-p.hands[w])
	}
	for d := p.from; d.Before(p.end); d = d.AddDays(1) {
		p.cand[d] = p.analyse(d)
	}
	return p
}

type placeEventKey struct {
	id, summary string
	start, end  int64
}

// day returns the Day of d, or an empty rest day when Days does not hold d.
func (p *placer) day(d Date) *Day {
	if day, ok := p.days[d]; ok {
		return day
	}
	return &Day{Date: d, Kind: KindRest}
}

// windowWeeks lists the Mondays of the ISO weeks the window touches.
func (p *placer) windowWeeks() []Date {
	var ms []Date
	for m := p.from.Monday(); m.Before(p.end); m = m.AddDays(7) {
		ms = append(ms, m)
	}
	return ms
}
