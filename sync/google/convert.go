package google

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	calendar "google.golang.org/api/calendar/v3"
)

// The private extended properties that mark an event as ours
// (reference/events, "extendedProperties.private": visible only to this
// app's copy of the event).
const (
	propMark = "strengthsync"      // "1"
	propSlot = "strengthsync_slot" // "2026-W10/1"
	propUID  = "strengthsync_uid"  // the session's UID
)

// ours reports whether ev carries our mark.
func ours(ev *calendar.Event) bool {
	return ev != nil && ev.ExtendedProperties != nil && ev.ExtendedProperties.Private[propMark] == "1"
}

// eventTime is an event's start or end as Google sent it: an all-day
// date, or a dateTime with its zone.
type eventTime struct {
	Date     string `json:"date,omitempty"`
	DateTime string `json:"date_time,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
}

func timeOf(dt *calendar.EventDateTime) eventTime {
	if dt == nil {
		return eventTime{}
	}
	return eventTime{Date: dt.Date, DateTime: dt.DateTime, TimeZone: dt.TimeZone}
}

// instant places t on the timeline; an all-day date is midnight in loc,
// because the runner's days are the runner's dates.
func (t eventTime) instant(loc *time.Location) (time.Time, error) {
	if t.Date != "" {
		d, err := rules.ParseDate(t.Date)
		if err != nil {
			return time.Time{}, err
		}
		return d.In(loc), nil
	}
	if v, err := time.Parse(time.RFC3339, t.DateTime); err == nil {
		return v, nil
	}
	// Google always sends an offset; a bare local time needs its zone.
	if t.TimeZone != "" {
		if zl, err := time.LoadLocation(t.TimeZone); err == nil {
			if v, err := time.ParseInLocation("2006-01-02T15:04:05", t.DateTime, zl); err == nil {
				return v, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", t.DateTime)
}

// view is what the adapter compares about one of its events: where it is,
// what it is called, and a hash of everything it writes.
type view struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Summary   string    `json:"summary"`
	Hash      string    `json:"hash"`
	Cancelled bool      `json:"cancelled,omitempty"`
}

// sameSlot reports whether a and b sit at the same time under the same
// title: what the runner's hand changes.
func sameSlot(a, b *view) bool {
	return a != nil && b != nil && a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Summary == b.Summary
}

// viewOf describes ev. Times are compared as instants: Google may write
// back a dateTime with another offset than the one sent.
func viewOf(ev *calendar.Event) *view {
	v := &view{Summary: ev.Summary, Cancelled: ev.Status == "cancelled"}
	v.Start, _ = timeOf(ev.Start).instant(time.UTC)
	v.End, _ = timeOf(ev.End).instant(time.UTC)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00", ev.Summary, ev.Description, v.Start.Unix(), v.End.Unix())
	if ev.Start != nil {
		fmt.Fprintf(h, "%s\x00", ev.Start.TimeZone)
	}
	if ev.ExtendedProperties != nil {
		fmt.Fprintf(h, "%s\x00%s\x00", ev.ExtendedProperties.Private[propSlot], ev.ExtendedProperties.Private[propUID])
	}
	v.Hash = hex.EncodeToString(h.Sum(nil)[:12])
	return v
}

// eventFor is the Google event for a session.
func eventFor(s rules.Session) *calendar.Event {
	zone := zoneName(s.Start.Location())
	return &calendar.Event{
		Id:          EventID(s.UID),
		Summary:     rules.CleanText(s.Title),
		Description: rules.CleanText(describe(s)),
		Start:       &calendar.EventDateTime{DateTime: s.Start.Format(time.RFC3339), TimeZone: zone},
		End:         &calendar.EventDateTime{DateTime: s.End.Format(time.RFC3339), TimeZone: zone},
		// Busy, so the runner's other tools see the time as taken.
		Transparency: "opaque",
		ExtendedProperties: &calendar.EventExtendedProperties{Private: map[string]string{
			propMark: "1",
			propSlot: fmt.Sprintf("%s/%d", s.Week, s.Ordinal),
			propUID:  s.UID,
		}},
	}
}

// zoneName is loc's IANA name, or "" when it has none worth sending
// (Google then keeps the offset of the dateTime).
func zoneName(loc *time.Location) string {
	n := loc.String()
	if n == "Local" || n == "" {
		return ""
	}
	if _, err := time.LoadLocation(n); err != nil {
		return ""
	}
	return n
}

// describe writes the session for the runner, in the event's description.
func describe(s rules.Session) string {
	var b strings.Builder
	if s.Reason != "" {
		b.WriteString(s.Reason)
		b.WriteString("\n\n")
	}
	if s.Phase != "" {
		fmt.Fprintf(&b, "Phase: %s", s.Phase)
		if s.Variant != "" {
			fmt.Fprintf(&b, " · session %s", s.Variant)
		}
		b.WriteString("\n")
	}
	for _, e := range s.Exercises {
		fmt.Fprintf(&b, "• %s", e.Name)
		if e.Sets > 0 {
			fmt.Fprintf(&b, " — %d × %s", e.Sets, e.Reps)
		} else if e.Reps != "" {
			fmt.Fprintf(&b, " — %s", e.Reps)
		}
		if e.Load != "" {
			fmt.Fprintf(&b, " @ %s", e.Load)
		}
		if e.Notes != "" {
			fmt.Fprintf(&b, " (%s)", e.Notes)
		}
		b.WriteString("\n")
	}
	if s.Notes != "" {
		b.WriteString("\n")
		b.WriteString(s.Notes)
		b.WriteString("\n")
	}
	b.WriteString("\nPlaced by strengthsync. Move or delete this event and strengthsync keeps your change.")
	return strings.TrimSpace(b.String())
}

// runEvent turns a stored Google event into a rules.Event in loc.
func (e storedEvent) runEvent(id, source string, loc *time.Location) (rules.Event, error) {
	start, err := e.Start.instant(loc)
	if err != nil {
		return rules.Event{}, err
	}
	end, err := e.End.instant(loc)
	if err != nil {
		return rules.Event{}, err
	}
	if end.Before(start) {
		end = start
	}
	return rules.Event{
		ID: id, Source: source, Summary: e.Summary, Description: e.Description,
		Start: start, End: end, AllDay: e.Start.Date != "",
	}, nil
}
