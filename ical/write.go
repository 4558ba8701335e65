package ical

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/strengthsync/strengthsync/rules"
)

// ProdID identifies strengthsync as the producer of the calendars it writes.
const ProdID = "-//strengthsync//strengthsync//EN"

// DefaultCalendarName is the X-WR-CALNAME written when none is given.
const DefaultCalendarName = "Strength training"

// Written is a session as strengthsync wrote it into a calendar: what a
// later write compares against (SEQUENCE carry-over) and what a dry run
// diffs.
type Written struct {
	UID          string
	Start, End   time.Time
	Summary      string
	Description  string
	Sequence     int
	Hash         string // X-STRENGTHSYNC-HASH: first 16 hex digits of the content's SHA-256
	Slot         string // X-STRENGTHSYNC-SLOT: "2026-W10-1", the ISO week and ordinal
	LastModified time.Time
}

// WeekOrdinal splits Slot into the ISO week and the ordinal of the
// session's slot; ok is false when Slot is missing or malformed.
func (w Written) WeekOrdinal() (week string, ordinal int, ok bool) {
	i := strings.LastIndexByte(w.Slot, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(w.Slot[i+1:])
	if err != nil || n < 1 {
		return "", 0, false
	}
	return w.Slot[:i], n, true
}

// WriteOptions are the calendar-wide choices of Write.
type WriteOptions struct {
	// Name is X-WR-CALNAME; empty means DefaultCalendarName.
	Name string
	// Loc is the runner's zone: times are written as wall times with
	// TZID=Loc and a VTIMEZONE, or in UTC when Loc is UTC (nil means UTC).
	Loc *time.Location
	// Now is DTSTAMP, and LAST-MODIFIED of new and changed events. It
	// must be set: Write never reads the clock.
	Now time.Time
	// Previous are the sessions of the last write (see Calendar.Ours):
	// an unchanged session keeps its SEQUENCE and LAST-MODIFIED, a changed
	// one gets SEQUENCE+1 (RFC 5545 §3.8.7.4).
	Previous []Written
	// RefreshInterval is REFRESH-INTERVAL and X-PUBLISHED-TTL; 0 means 1h.
	RefreshInterval time.Duration
	// Keep are sessions of an earlier write that this one carries over
	// exactly as they were (times, SUMMARY, DESCRIPTION, SEQUENCE,
	// LAST-MODIFIED, slot and hash): those outside the planned window,
	// which a sync never changes. One whose UID is also among the sessions
	// is left out.
	Keep []Written
}

// Write writes sessions as an RFC 5545 calendar with CRLF line endings,
// sorted by start. The same sessions and options give the same bytes.
func Write(w io.Writer, sessions []rules.Session, opt WriteOptions) error {
	if opt.Now.IsZero() {
		return errors.New("ical: write: WriteOptions.Now is not set")
	}
	loc := opt.Loc
	if loc == nil {
		loc = time.UTC
	}
	name := opt.Name
	if name == "" {
		name = DefaultCalendarName
	}
	refresh := opt.RefreshInterval
	if refresh <= 0 {
		refresh = time.Hour
	}
	prev := make(map[string]Written, len(opt.Previous))
	for _, p := range opt.Previous {
		prev[p.UID] = p
	}
	utc := isUTC(loc)

	// Every event is first resolved to what it says, then written in one
	// order: planned sessions and kept ones alike.
	evs := make([]Written, 0, len(sessions)+len(opt.Keep))
	planned := make(map[string]bool, len(sessions))
	for _, s := range sessions {
		if s.UID == "" {
			return fmt.Errorf("ical: write: session on %s has no UID", s.Start.In(loc).Format("2006-01-02"))
		}
		planned[s.UID] = true
		desc := Describe(s)
		hash := ContentHash(s, desc)
		seq, modified := 0, opt.Now
		if p, ok := prev[s.UID]; ok {
			if p.Hash == hash {
				seq = p.Sequence
				if !p.LastModified.IsZero() {
					modified = p.LastModified
				}
			} else {
				seq = p.Sequence + 1
			}
		}
		evs = append(evs, Written{UID: s.UID, Start: s.Start, End: s.End, Summary: s.Title, Description: desc,
			Sequence: seq, Hash: hash, Slot: slot(s, loc), LastModified: modified})
	}
	for _, k := range opt.Keep {
		if k.UID == "" || planned[k.UID] {
			continue
		}
		if k.LastModified.IsZero() {
			k.LastModified = opt.Now
		}
		evs = append(evs, k)
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Start.Equal(evs[j].Start) {
			return evs[i].Start.Before(evs[j].Start)
		}
		return evs[i].UID < evs[j].UID
	})

	cal := &ics.Calendar{}
	addCal := func(name, value string, params map[string][]string) {
		cal.CalendarProperties = append(cal.CalendarProperties, ics.CalendarProperty{BaseProperty: prop(name, value, params)})
	}
	addCal("VERSION", "2.0", nil)
	addCal("PRODID", ProdID, nil)
	addCal("CALSCALE", "GREGORIAN", nil)
	addCal("METHOD", "PUBLISH", nil)
	addCal("X-WR-CALNAME", cleanText(name), nil)
	addCal("X-WR-TIMEZONE", loc.String(), nil)
	addCal("REFRESH-INTERVAL", formatDuration(refresh), map[string][]string{"VALUE": {"DURATION"}})
	addCal("X-PUBLISHED-TTL", formatDuration(refresh), nil)

	if len(evs) > 0 && !utc {
		first, last := evs[0].Start, evs[0].End
		for _, e := range evs {
			if e.End.After(last) {
				last = e.End
			}
		}
		cal.Components = append(cal.Components, vtimezone(loc, first, last))
	}
	stamp := opt.Now.UTC().Format("20060102T150405Z")
	for _, e := range evs {
		ev := &ics.VEvent{}
		add := func(name, value string, params map[string][]string) {
			ev.Properties = append(ev.Properties, ics.IANAProperty{BaseProperty: prop(name, value, params)})
		}
		add("UID", cleanText(e.UID), nil)
		add("DTSTAMP", stamp, nil)
		if utc {
			add("DTSTART", e.Start.UTC().Format("20060102T150405Z"), nil)
			add("DTEND", e.End.UTC().Format("20060102T150405Z"), nil)
		} else {
			tz := map[string][]string{"TZID": {loc.String()}}
			add("DTSTART", e.Start.In(loc).Format("20060102T150405"), tz)
			add("DTEND", e.End.In(loc).Format("20060102T150405"), map[string][]string{"TZID": {loc.String()}})
		}
		add("SUMMARY", cleanText(e.Summary), nil)
		add("DESCRIPTION", cleanText(e.Description), nil)
		add("CATEGORIES", "Strength", nil)
		add("SEQUENCE", strconv.Itoa(e.Sequence), nil)
		add("LAST-MODIFIED", e.LastModified.UTC().Format("20060102T150405Z"), nil)
		add("TRANSP", "OPAQUE", nil)
		add("STATUS", "CONFIRMED", nil)
		if e.Slot != "" {
			add(xPrefix+"SLOT", cleanText(e.Slot), nil)
		}
		add(xPrefix+"HASH", cleanText(e.Hash), nil)
		cal.Components = append(cal.Components, ev)
	}
	if err := cal.SerializeTo(w, ics.WithNewLineWindows); err != nil {
		return fmt.Errorf("ical: write: %w", err)
	}
	return nil
}

func prop(name, value string, params map[string][]string) ics.BaseProperty {
	if params == nil {
		params = map[string][]string{}
	}
	return ics.BaseProperty{IANAToken: name, ICalParameters: params, Value: value}
}

func isUTC(loc *time.Location) bool {
	switch loc.String() {
	case "UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu":
		return true
	}
	return loc == time.UTC
}

// slot is the X-STRENGTHSYNC-SLOT value: ISO week and ordinal.
func slot(s rules.Session, loc *time.Location) string {
	week := s.Week
	if week == "" {
		week = rules.DateOf(s.Start.In(loc)).Week()
	}
	return fmt.Sprintf("%s-%d", week, s.Ordinal)
}

// cleanText is rules.CleanText: every TEXT value Write writes goes through
// it.
func cleanText(s string) string { return rules.CleanText(s) }

// Describe is the DESCRIPTION written for a session: one line per
// exercise (name, sets × reps, load, notes), then the phase, why the
// session sits on its day, any warning, and the prescription notes.
func Describe(s rules.Session) string {
	var b strings.Builder
	for _, e := range s.Exercises {
		b.WriteString("- ")
		b.WriteString(e.Name)
		var dose []string
		switch {
		case e.Sets > 0 && e.Reps != "":
			dose = append(dose, fmt.Sprintf("%d × %s", e.Sets, e.Reps))
		case e.Sets > 0:
			dose = append(dose, fmt.Sprintf("%d sets", e.Sets))
		case e.Reps != "":
			dose = append(dose, e.Reps)
		}
		if e.Load != "" {
			dose = append(dose, e.Load)
		}
		if len(dose) > 0 {
			b.WriteString(": ")
			b.WriteString(strings.Join(dose, " @ "))
		}
		if e.Notes != "" {
			b.WriteString(" (" + e.Notes + ")")
		}
		b.WriteByte('\n')
	}
	var tail []string
	if s.Phase != "" {
		p := "Phase: " + string(s.Phase)
		if s.Variant != "" {
			p += ", session " + s.Variant
		}
		tail = append(tail, p)
	}
	if s.Reason != "" {
		tail = append(tail, "Why this day: "+s.Reason)
	}
	if s.Warning != "" {
		tail = append(tail, "Warning: "+s.Warning)
	}
	if s.Notes != "" {
		tail = append(tail, s.Notes)
	}
	if len(tail) > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(tail, "\n"))
	}
	return cleanText(strings.TrimRight(b.String(), "\n"))
}

// ContentHash is the X-STRENGTHSYNC-HASH of a session with description
// desc: what a runner sees (times, title, description), not its identity.
func ContentHash(s rules.Session, desc string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%s\x00%s", s.Start.Unix(), s.End.Unix(), s.Title, desc)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// formatDuration writes a positive duration as RFC 5545 §3.3.6 text.
func formatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	var b strings.Builder
	b.WriteString("P")
	if days := secs / 86400; days > 0 {
		b.WriteString(strconv.FormatInt(days, 10) + "D")
		secs %= 86400
	}
	if secs > 0 {
		b.WriteString("T")
		if h := secs / 3600; h > 0 {
			b.WriteString(strconv.FormatInt(h, 10) + "H")
		}
		if m := secs / 60 % 60; m > 0 {
			b.WriteString(strconv.FormatInt(m, 10) + "M")
		}
		if s := secs % 60; s > 0 {
			b.WriteString(strconv.FormatInt(s, 10) + "S")
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

// vtimezone builds a VTIMEZONE for loc from Go's zone data (RFC 5545
// §3.6.5): one STANDARD or DAYLIGHT per onset, from the one in force at
// first through every transition up to last. golang-ical's AddTimezone
// writes an empty VTIMEZONE, which clients reject.
func vtimezone(loc *time.Location, first, last time.Time) *ics.VTimezone {
	tz := &ics.VTimezone{}
	tz.Properties = []ics.IANAProperty{{BaseProperty: prop("TZID", loc.String(), nil)}}
	t := first.In(loc)
	start, end := t.ZoneBounds()
	name, off := t.Zone()
	from := off
	onset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	if !start.IsZero() {
		_, from = start.Add(-time.Second).In(loc).Zone()
		onset = wallOf(start.In(time.FixedZone("", from)))
	}
	tz.Components = append(tz.Components, observanceComponent(t.IsDST(), onset, from, off, name))
	for n := 0; !end.IsZero() && !end.After(last) && n < 1000; n++ {
		t = end.In(loc)
		name2, off2 := t.Zone()
		onset = wallOf(end.In(time.FixedZone("", off)))
		tz.Components = append(tz.Components, observanceComponent(t.IsDST(), onset, off, off2, name2))
		off = off2
		_, end = t.ZoneBounds()
	}
	return tz
}

func observanceComponent(dst bool, onset time.Time, from, to int, name string) ics.Component {
	base := ics.ComponentBase{Properties: []ics.IANAProperty{
		{BaseProperty: prop("DTSTART", onset.Format("20060102T150405"), nil)},
		{BaseProperty: prop("TZOFFSETFROM", formatOffset(from), nil)},
		{BaseProperty: prop("TZOFFSETTO", formatOffset(to), nil)},
		{BaseProperty: prop("TZNAME", name, nil)},
	}}
	if dst {
		return &ics.Daylight{ComponentBase: base}
	}
	return &ics.Standard{ComponentBase: base}
}

// Ours returns the sessions strengthsync wrote into this calendar (events
// with an X-STRENGTHSYNC-* property), sorted by start, for dry-run diffs,
// SEQUENCE carry-over and round trips.
func (c *Calendar) Ours() []Written {
	var out []Written
	for _, ev := range c.events {
		if !ev.ours {
			continue
		}
		zone := c.zoneOf(ev.start, time.UTC)
		s, e := c.span(ev, ev.start.wall, zone, time.UTC, rdate{})
		out = append(out, Written{
			UID:          ev.uid,
			Start:        s,
			End:          e,
			Summary:      ev.summary,
			Description:  ev.description,
			Sequence:     ev.sequence,
			Hash:         ev.hash,
			Slot:         ev.slot,
			LastModified: ev.lastModified,
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].UID < out[j].UID
	})
	return out
}
