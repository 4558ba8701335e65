package rules

import "time"

// The solver is an exact dynamic programme over the dates around the
// window, one date at a time. Its state is what the future depends on:
// days since the last strength session (capped, or none yet), whether that
// session is a new one, and how many new sessions the current ISO week
// already holds. Counts, policy ranks and capped gaps add up along the
// dates, so a backward pass gives the best value from every state; the
// forward pass then takes a date whenever that is no worse, which yields
// the earliest dates among equal placements.
//
// The minimum gap does not add up, so it is handled by a threshold: a run
// with threshold g forbids gaps below g around new sessions. The first run
// (g = 2, which H4 implies) finds the best count, ranks and hard days
// before easier ones; the largest g that still reaches them wins.
//
// A year is about 380 dates × at most 144 states (fewer when the
// weekly target is small), run three or four times.

const (
	solveGapCap = 7               // gaps of a week or more are all good enough
	solveNone   = solveGapCap + 1 // no strength session seen yet
	solveSince  = solveNone + 1   // values of "days since"
	solveMinGap = 2               // H4: never two days in a row
	solveCapGap = 3               // gaps count toward the sum up to this
	solveLead   = solveGapCap + 1 // dates before the window that still matter
	solveTrail  = solveGapCap     // dates after it
	solveWorst  = -1 << 62        // marks an impossible state
)

// The objective's counts, compared in this order: new sessions, days of
// the policy's first choice, of its second choice, and hard days whose
// next day is not hard or long. Each takes 16 bits of one int, so adding
// keys adds every count and comparing keys compares them in order; no
// count can carry into the next, as a programme has fewer than 1<<15
// dates (Make allows 520 weeks).
const (
	solveOne  = 1 << 48
	solveN0   = 1 << 32
	solveN1   = 1 << 16
	solveGood = 1
)

// solveValue is the objective: key packs the counts above, spread breaks
// their ties. Two ints keep the table small and the programme fast.
type solveValue struct {
	key, spread int
}

func (a solveValue) add(b solveValue) solveValue {
	return solveValue{a.key + b.key, a.spread + b.spread}
}

func (a solveValue) less(b solveValue) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.spread < b.spread
}

func (a solveValue) sameKey(b solveValue) bool { return a.key == b.key }

func (a solveValue) impossible() bool { return a.key == solveWorst }

var solveImpossible = solveValue{key: solveWorst}

// solveDate is one date of the programme.
type solveDate struct {
	date   Date
	monday bool
	fixed  bool // an existing strength event or a hand session
	ok     bool // a new session may go here
	good   bool // a hard day whose next day is not hard or long
	rank   int
	cap    int // capacity of the date's ISO week
}

// state indexes a state: days since, last-was-new, and the week's count
// of new sessions (0 … wcMax).
func (r *solveRun) state(since int, lastNew bool, wc int) int {
	i := since * 2
	if lastNew {
		i++
	}
	return i*(r.wcMax+1) + wc
}

// states is the number of states per date.
func (r *solveRun) states() int { return solveSince * 2 * (r.wcMax + 1) }

// solve returns the chosen dates in order.
func (p *placer) solve() []Date {
	if p.s.PerWeek <= 0 {
		return nil
	}
	lo, hi := p.from.AddDays(-solveLead), p.end.AddDays(solveTrail)
	dates := make([]solveDate, 0, hi.Sub(lo))
	some := false
	for d := lo; d.Before(hi); d = d.AddDays(1) {
		sd := solveDate{
			date:   d,
			monday: d.Weekday() == time.Monday,
			fixed:  len(p.strength[d]) > 0 || p.handOn[d] > 0,
		}
		if c, in := p.cand[d]; in && c.ok && p.capacity[d.Week()] > 0 {
			sd.ok, sd.rank, sd.good, sd.cap = true, c.rank, c.good, min(p.capacity[d.Week()], 7)
			some = true
		}
		dates = append(dates, sd)
	}
	if !some {
		return nil
	}
	// Strength sessions beyond the dates still close a gap (of a week or
	// more): the first new session has one before it, the last one after.
	r := solveRun{dates: dates, since: solveNone}
	for d := range p.strength {
		r.far(d, lo, hi)
	}
	for d := range p.handOn {
		r.far(d, lo, hi)
	}
	for _, sd := range dates {
		r.wcMax = max(r.wcMax, sd.cap)
	}
	r.table = make([]solveValue, (len(dates)+1)*r.states())
	best, chosen := r.run(solveMinGap)
	// A larger threshold only removes placements, so the thresholds that
	// still reach the best count and ranks form a range from 2 up: search it.
	for lo, hi := solveMinGap+1, solveGapCap; lo <= hi; {
		g := (lo + hi) / 2
		if v, c := r.run(g); v.sameKey(best) {
			chosen, lo = c, g+1
		} else {
			hi = g - 1
		}
	}
	return chosen
}

// solveRun is the programme over some dates.
type solveRun struct {
	dates []solveDate
	table []solveValue
	// since is the state before the first date: solveGapCap when a strength
	// session lies before the dates, else solveNone; after says one lies
	// after them.
	since int
	after bool
	// wcMax bounds the week counts worth a state: the largest capacity.
	wcMax int
}

// far notes a strength session on d if it lies outside [lo, hi).
func (r *solveRun) far(d, lo, hi Date) {
	switch {
	case d.Before(lo):
		r.since = solveGapCap
	case !d.Before(hi):
		r.after = true
	}
}

// run runs the programme with minimum gap g around new sessions and
// returns its best value and dates.
func (r *solveRun) run(g int) (solveValue, []Date) {
	dates, n := r.dates, len(r.dates)
	ns := r.states()
	row := func(i int) []solveValue { return r.table[i*ns : (i+1)*ns] }
	clear(row(n))
	if r.after {
		for since := 0; since < solveNone; since++ {
			for wc := 0; wc <= r.wcMax; wc++ {
				row(n)[r.state(since, true, wc)].spread = solveCapGap
			}
		}
	}
	for i := n - 1; i >= 0; i-- {
		cur, next := row(i), row(i+1)
		for since := 0; since < solveSince; since++ {
			for ln := 0; ln < 2; ln++ {
				for wc := 0; wc <= r.wcMax; wc++ {
					cur[r.state(since, ln == 1, wc)] = r.best(dates[i], since, ln == 1, wc, g, next)
				}
			}
		}
	}
	best := row(0)[r.state(r.since, false, 0)]
	var chosen []Date
	since, lastNew, wc := r.since, false, 0
	for i, sd := range dates {
		skip, place, gain, ok := r.options(sd, since, lastNew, wc, g, row(i+1))
		wc = solveWeek(sd, wc)
		switch {
		case sd.fixed:
			since, lastNew = 0, false
		case ok && (skip.impossible() || !place.add(gain).less(skip)):
			chosen = append(chosen, sd.date)
			since, lastNew, wc = 0, true, wc+1
		}
		since = solveAdvance(since)
	}
	return best, chosen
}

// solveWeek is the week's count of new sessions at the start of sd.
func solveWeek(sd solveDate, wc int) int {
	if sd.monday {
		return 0
	}
	return wc
}

func solveAdvance(since int) int {
	if since == solveNone {
		return solveNone
	}
	return min(since+1, solveGapCap)
}

// options evaluates the choices on date sd from a state: skip (or the
// forced path through a fixed session) and, when ok, placing a session,
// whose total is place.add(gain).
func (r *solveRun) options(sd solveDate, since int, lastNew bool, wc, g int, next []solveValue) (skip, place, gain solveValue, ok bool) {
	wc = solveWeek(sd, wc)
	if sd.fixed {
		var v solveValue
		if lastNew && since != solveNone {
			if since < g {
				return solveImpossible, solveValue{}, solveValue{}, false
			}
			v.spread = min(since, solveCapGap)
		}
		nv := next[r.state(solveAdvance(0), false, wc)]
		if nv.impossible() {
			return solveImpossible, solveValue{}, solveValue{}, false
		}
		return v.add(nv), solveValue{}, solveValue{}, false
	}
	skip = next[r.state(solveAdvance(since), lastNew, wc)]
	if !sd.ok || wc >= sd.cap || (since != solveNone && since < g) {
		return skip, solveValue{}, solveValue{}, false
	}
	place = next[r.state(solveAdvance(0), true, wc+1)]
	if place.impossible() {
		return skip, solveValue{}, solveValue{}, false
	}
	gain = solveValue{key: solveOne}
	switch sd.rank {
	case 0:
		gain.key += solveN0
	case 1:
		gain.key += solveN1
	}
	if sd.good {
		gain.key += solveGood
	}
	if since != solveNone {
		gain.spread = min(since, solveCapGap)
	}
	return skip, place, gain, true
}

// best is the better of the options on sd from a state.
func (r *solveRun) best(sd solveDate, since int, lastNew bool, wc, g int, next []solveValue) solveValue {
	skip, place, gain, ok := r.options(sd, since, lastNew, wc, g, next)
	if ok {
		if v := place.add(gain); skip.impossible() || !v.less(skip) {
			return v
		}
	}
	return skip
}
