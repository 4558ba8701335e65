package rules

import (
	"sort"
	"time"
)

// PlaceInput is everything placement needs.
type PlaceInput struct {
	// Days are consecutive dates (classified days with their events, see
	// Day) covering at least From-7 … From+Weeks*7+max(Taper,1) so that
	// H2/H3/H4/H7 can look across the window's edges. A date missing from
	// Days is taken as a rest day with no events. Days must not contain the
	// sessions placement itself wrote (readers filter them out).
	Days     []Day
	From     Date           // first date of the window (any weekday)
	Weeks    int            // the window is [From, From+7*Weeks)
	Races    []Race         // every race known, also beyond the window (taper)
	Loc      *time.Location // the runner's zone; nil means UTC
	Settings Settings
	// Hand holds sessions the runner moved or deleted by hand (may be nil).
	// Every non-deleted one is returned as a Hand placement, so the caller
	// passes those of the window's weeks.
	Hand []HandSession
}

// Place returns the placements in date order and the ISO weeks of the
// window that fall short.
//
// Placement never breaks the hard rules H1–H7 of SPEC §4. Within them it
// chooses, over the whole window at once (weeks interact through H4 at
// their edges), the placement that is best by, in this order:
//
//  1. the number of new sessions (each ISO week capped at PerWeek minus the
//     strength events and hand sessions already in it);
//  2. the policy's order of days, compared as counts: for stack, most hard
//     days, then most rest days (easy and cross days last); for separate,
//     most rest days (easy and cross days last);
//  3. spread: the largest minimum gap in days between a new session and
//     the strength session before or after it (existing and hand sessions
//     included; gaps of 7 days or more count as 7), then the largest sum of
//     those gaps each capped at 3 days, which pushes gaps of 2 days apart;
//  4. earlier dates first.
//
// Hand sessions are never moved; a non-deleted one is returned with Hand
// set and a Warning naming any hard rule it now breaks. Their slots keep
// their ordinals; new sessions take the other ordinals of their week in
// date order.
//
// Settings are expected to have passed Validate; Place does not fail.
func Place(in PlaceInput) ([]Placement, []ShortWeek) {
	if in.Weeks <= 0 {
		return nil, nil
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
	for _, h := range in.Hand {
		if h.Deleted {
			continue
		}
		out = append(out, p.handPlacement(h))
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
	return out, p.shortWeeks(chosen, newIn)
}

// placer holds what Place works out about the window before it chooses.
type placer struct {
	in  PlaceInput
	loc *time.Location
	s   Settings

	from, end Date // the window [from, end)
	days      map[Date]*Day
	races     []Race // sorted by date

	// strength maps a date to the runner's own strength events touching it;
	// handOn counts non-deleted hand sessions per date. Both block H4.
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
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	p.races = append([]Race(nil), in.Races...)
	sort.SliceStable(p.races, func(i, j int) bool { return p.races[i].Date.Before(p.races[j].Date) })

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
			if ev.Kind != KindStrength || ev.Busy {
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
