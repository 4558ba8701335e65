package ical

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// Events expands the calendar's events overlapping [from, to) into
// rules.Event values in loc (nil means UTC), sorted by start.
//
// Recurrences follow RFC 5545 §3.8.5: RRULE, RDATE and EXDATE, with
// RECURRENCE-ID overrides replacing their instance (and moving it into or
// out of the window). Rules expand in the event's own wall time (its
// TZID's zone; loc for floating times and dates), so a weekly 07:00 run
// stays at 07:00 across DST; a start written in UTC ("…Z") recurs at the
// same UTC time, as RFC 5545 §3.3.10 says and calendar apps show it.
// Cancelled events and instances are dropped, and so are the events
// strengthsync wrote (any X-STRENGTHSYNC-* property). Floating times and
// all-day dates are placed in loc; a TZID that is neither a known zone nor
// described by a usable VTIMEZONE in the file is also read in loc,
// without error. Start and End are returned in loc.
//
// An event with more than 5,000 instances in the window is an *Error
// naming its RRULE line; so are more than 200,000 events in all (a
// decade of daily runs is under 4,000).
func (c *Calendar) Events(from, to time.Time, loc *time.Location) ([]rules.Event, error) {
	return c.EventsUpTo(from, to, loc, maxEvents)
}

// ErrTooManyEvents is wrapped by the *Error of EventsUpTo (and Events) when
// the window holds more events than allowed.
var ErrTooManyEvents = errors.New("too many events")

// EventsUpTo is Events that stops expanding as soon as it holds more than
// max events (at most 200,000 whatever max says), failing with an *Error
// that wraps ErrTooManyEvents: an oversized calendar is refused before it
// is all in memory.
func (c *Calendar) EventsUpTo(from, to time.Time, loc *time.Location, max int) ([]rules.Event, error) {
	if max <= 0 || max > maxEvents {
		max = maxEvents
	}
	if loc == nil {
		loc = time.UTC
	}
	if !to.After(from) {
		return nil, nil
	}
	masters := make(map[string]*vevent, len(c.events))
	overridden := map[string]map[time.Time]bool{}
	for _, ev := range c.events {
		if !ev.ours && !ev.hasRecurID {
			if _, dup := masters[ev.uid]; !dup {
				masters[ev.uid] = ev
			}
		}
	}
	for _, ev := range c.events {
		if ev.ours || !ev.hasRecurID {
			continue
		}
		m := masters[ev.uid]
		if m == nil {
			continue
		}
		zone := c.expansionZone(m, loc)
		if overridden[ev.uid] == nil {
			overridden[ev.uid] = map[time.Time]bool{}
		}
		overridden[ev.uid][c.key(ev.recurID, m.start.kind == dateOnly, zone, loc)] = true
	}
	out := make([]rules.Event, 0, min(len(c.events), max+1))
	for _, ev := range c.events {
		if len(out) > max {
			break
		}
		if ev.ours || ev.cancelled {
			continue
		}
		if ev.hasRecurID {
			// An override is an instance in its own right (§3.8.4.4); it
			// dies with a cancelled series.
			m := masters[ev.uid]
			if m != nil && m.cancelled {
				continue
			}
			var id string
			if m != nil {
				zone := c.expansionZone(m, loc)
				id = instanceID(ev.uid, c.key(ev.recurID, m.start.kind == dateOnly, zone, loc), m.start.kind == dateOnly)
			} else {
				id = instanceID(ev.uid, ev.recurID.wall, ev.recurID.kind == dateOnly)
			}
			zone := c.expansionZone(ev, loc)
			s, e := c.span(ev, ev.start.wall, zone, loc, rdate{})
			if overlaps(s, e, from, to) {
				out = append(out, c.event(ev, id, s, e, loc))
			}
			continue
		}
		got, err := c.expand(ev, from, to, loc, overridden[ev.uid])
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	if len(out) > max {
		return nil, &Error{Source: c.Source, Msg: fmt.Sprintf("more than %d events between %s and %s",
			max, from.In(loc).Format("2006-01-02"), to.In(loc).Format("2006-01-02")), err: ErrTooManyEvents}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case !a.Start.Equal(b.Start):
			return a.Start.Before(b.Start)
		case !a.End.Equal(b.End):
			return a.End.Before(b.End)
		case a.ID != b.ID:
			return a.ID < b.ID
		}
		return a.Line < b.Line
	})
	return out, nil
}

// expansionZone is the zone whose wall clock the event recurs in: its
// TZID's zone, UTC for a UTC start (§3.3.5 form #2), else the runner's.
func (c *Calendar) expansionZone(ev *vevent, loc *time.Location) *time.Location {
	return c.zoneOf(ev.start, loc)
}

// zoneOf is the zone a single value's wall time is read in.
func (c *Calendar) zoneOf(v dtValue, loc *time.Location) *time.Location {
	switch v.kind {
	case utcTime:
		return time.UTC
	case zoned:
		if z := c.zones[v.tzid]; z != nil {
			return z
		}
	}
	return loc
}

// instant turns a value into an instant; dates are midnight in loc.
func (c *Calendar) instant(v dtValue, loc *time.Location) time.Time {
	return wallIn(v.wall, c.zoneOf(v, loc))
}

// key expresses a RECURRENCE-ID, EXDATE or RDATE as a wall time of the
// series (in zone), so it matches instances whatever zone it was written
// in (RFC 5545 §3.8.4.4: matched against the recurrence's own time).
func (c *Calendar) key(v dtValue, allDay bool, zone, loc *time.Location) time.Time {
	var w time.Time
	switch v.kind {
	case floating, dateOnly:
		w = v.wall
	default:
		w = wallOf(c.instant(v, loc).In(zone))
	}
	if allDay {
		y, m, d := w.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return w
}

func instanceID(uid string, w time.Time, allDay bool) string {
	if allDay {
		return uid + "/" + w.Format("20060102")
	}
	return uid + "/" + w.Format("20060102T150405")
}

// span computes an instance's start and end from its wall time: all-day
// instances are dates in loc; a DURATION adds nominal days on the wall
// clock then exact time (§3.3.6); a DTEND keeps the master's exact length;
// no DTEND means one day (all-day) or no length (§3.6.1).
func (c *Calendar) span(ev *vevent, w time.Time, zone, loc *time.Location, rd rdate) (time.Time, time.Time) {
	if ev.start.kind == dateOnly {
		start := wallIn(w, loc)
		days := 1
		switch {
		case rd.hasEnd:
			days = dayDiff(rd.end.wall, rd.at.wall)
		case rd.hasDur:
			days = rd.dur.days + int(rd.dur.secs/86400)
		case ev.hasEnd:
			days = dayDiff(ev.end.wall, ev.start.wall)
			if ev.end.kind != dateOnly && (ev.end.wall.Hour() > 0 || ev.end.wall.Minute() > 0) {
				days++ // a timed end on a date event still covers that day
			}
		case ev.hasDur:
			days = ev.dur.days + int(ev.dur.secs/86400)
		}
		if days < 1 {
			days = 1
		}
		return start, wallIn(w.AddDate(0, 0, days), loc)
	}
	start := wallIn(w, zone)
	var end time.Time
	switch {
	case rd.hasEnd:
		end = c.instant(rd.end, loc)
	case rd.hasDur:
		end = wallIn(w.AddDate(0, 0, rd.dur.days), zone).Add(time.Duration(rd.dur.secs) * time.Second)
	case ev.hasDur:
		end = wallIn(w.AddDate(0, 0, ev.dur.days), zone).Add(time.Duration(ev.dur.secs) * time.Second)
	case ev.hasEnd:
		length := c.instant(ev.end, loc).Sub(c.instant(ev.start, loc))
		end = start.Add(length)
	default:
		end = start
	}
	if end.Before(start) {
		end = start
	}
	return start, end
}

func dayDiff(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return int(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC).Sub(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// overlaps reports whether [s, e) meets [from, to); a zero-length event
// counts when it starts inside the window.
func overlaps(s, e, from, to time.Time) bool {
	if !s.Before(to) {
		return false
	}
	if e.Equal(s) {
		return !s.Before(from)
	}
	return e.After(from)
}

func (c *Calendar) event(ev *vevent, id string, s, e time.Time, loc *time.Location) rules.Event {
	return rules.Event{
		ID:          id,
		Source:      c.Source,
		Line:        ev.line,
		Summary:     ev.summary,
		Description: ev.description,
		Categories:  ev.categories,
		Start:       s.In(loc),
		End:         e.In(loc),
		AllDay:      ev.start.kind == dateOnly,
	}
}

// expand lists a master event's instances overlapping [from, to).
func (c *Calendar) expand(ev *vevent, from, to time.Time, loc *time.Location, overridden map[time.Time]bool) ([]rules.Event, error) {
	allDay := ev.start.kind == dateOnly
	zone := c.expansionZone(ev, loc)
	if allDay {
		zone = loc
	}
	recurring := len(ev.rules) > 0 || len(ev.rdates) > 0
	if !recurring {
		if overridden[c.key(ev.start, allDay, zone, loc)] {
			return nil, nil
		}
		s, e := c.span(ev, ev.start.wall, zone, loc, rdate{})
		if !overlaps(s, e, from, to) {
			return nil, nil
		}
		return []rules.Event{c.event(ev, ev.uid, s, e, loc)}, nil
	}

	// Expand on the wall clock, over the window widened by the event's
	// length (an instance starting earlier may still overlap) and a day
	// for zone differences; the exact test on instants comes after.
	s0, e0 := c.span(ev, ev.start.wall, zone, loc, rdate{})
	length := e0.Sub(s0) + 48*time.Hour
	after := wallOf(from.In(zone)).Add(-length)
	before := wallOf(to.In(zone)).Add(24 * time.Hour)

	type inst struct {
		w  time.Time
		rd rdate
	}
	seen := map[time.Time]bool{}
	var list []inst
	add := func(w time.Time, rd rdate) {
		if !seen[w] {
			seen[w] = true
			list = append(list, inst{w, rd})
		}
	}
	add(ev.start.wall, rdate{}) // DTSTART is always the first instance (§3.8.5.3)
	for _, r := range ev.rules {
		occ, err := expandRule(r, ev.start.wall, after, before, zone)
		if err != nil {
			return nil, c.tooMany(ev, err, from, to, loc)
		}
		for _, w := range occ {
			add(w, rdate{})
		}
	}
	for _, rd := range ev.rdates {
		w := c.key(rd.at, allDay, zone, loc)
		if !w.Before(after) && !w.After(before) {
			add(w, rd)
		}
	}
	excluded := map[time.Time]bool{}
	excludedDays := map[time.Time]bool{}
	for _, x := range ev.exdates {
		if x.kind == dateOnly && !allDay {
			excludedDays[x.wall] = true // a DATE EXDATE on a timed series drops that day's instance
			continue
		}
		excluded[c.key(x, allDay, zone, loc)] = true
	}
	var out []rules.Event
	for _, in := range list {
		y, m, d := in.w.Date()
		if excluded[in.w] || overridden[in.w] || excludedDays[time.Date(y, m, d, 0, 0, 0, 0, time.UTC)] {
			continue
		}
		s, e := c.span(ev, in.w, zone, loc, in.rd)
		if !overlaps(s, e, from, to) {
			continue
		}
		out = append(out, c.event(ev, instanceID(ev.uid, in.w, allDay), s, e, loc))
		if len(out) > maxOccurrences {
			return nil, c.tooMany(ev, errTooMany, from, to, loc)
		}
	}
	return out, nil
}

// tooMany reports an event that recurs too often, on its RRULE line.
func (c *Calendar) tooMany(ev *vevent, err error, from, to time.Time, loc *time.Location) error {
	line, field := ev.rruleLine, "RRULE"
	if len(ev.rules) == 0 {
		line, field = ev.line, "RDATE"
	}
	if line == 0 {
		line = ev.line
	}
	msg := fmt.Sprintf("more than %d occurrences between %s and %s", maxOccurrences,
		from.In(loc).Format("2006-01-02"), to.In(loc).Format("2006-01-02"))
	if errors.Is(err, errTooDense) {
		msg = fmt.Sprintf("recurs too densely to expand (more than %d steps before %s)", maxWalk, to.In(loc).Format("2006-01-02"))
	} else if !errors.Is(err, errTooMany) {
		msg = err.Error()
	}
	return &Error{Source: c.Source, Line: line, Field: field, Msg: msg, err: err}
}
