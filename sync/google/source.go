package google

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
	calendar "google.golang.org/api/calendar/v3"
)

// Source reads runs from one Google calendar (google:primary,
// google:ID). The first Load lists the window in full; later ones ask only
// for what changed since, with the stored sync token
// (https://developers.google.com/calendar/api/guides/sync), and rebuild the
// window from the events kept in State.
type Source struct {
	c  *Client
	id string
}

var _ sync.Source = (*Source)(nil)

// Source returns the source for calendar id ("primary" or an ID).
func (c *Client) Source(id string) *Source { return &Source{c: c, id: id} }

// Name is "google:ID".
func (s *Source) Name() string { return "google:" + s.id }

// sourceState is what a Source keeps between runs.
type sourceState struct {
	SyncToken string `json:"sync_token,omitempty"`
	// From and Until are the timeMin and timeMax of the full sync the
	// token descends from: incremental results outside them are dropped.
	From     time.Time              `json:"from"`
	Until    time.Time              `json:"until"`
	TimeZone string                 `json:"time_zone,omitempty"`
	Events   map[string]storedEvent `json:"events"`
}

// storedEvent is the part of a run event the planner reads.
type storedEvent struct {
	Summary     string    `json:"summary,omitempty"`
	Description string    `json:"description,omitempty"`
	Start       eventTime `json:"start"`
	End         eventTime `json:"end"`
	ETag        string    `json:"etag,omitempty"`
}

// slack widens a full sync past the window asked for, so the window can
// move forward day by day for weeks before a new full sync is needed.
const slack = 60 * 24 * time.Hour

func (s *Source) key() string { return "google/source/" + s.id }

// Load brings the stored copy of the calendar up to date and returns it.
func (s *Source) Load(ctx context.Context, from, to time.Time) (sync.Calendar, error) {
	var st sourceState
	if err := loadJSON(ctx, s.c.o.State, s.key(), &st); err != nil {
		return nil, err
	}
	incremental := st.SyncToken != "" && !from.Before(st.From) && !to.After(st.Until)
	if incremental {
		err := s.list(ctx, &st, true)
		if status(err) == http.StatusGone {
			// "fullSyncRequired": forget everything and start over.
			s.c.log.Info("google: sync token expired, reading the calendar again", slog.String("calendar", s.id))
			incremental = false
		} else if err != nil {
			return nil, err
		}
	}
	if !incremental {
		st = sourceState{From: from, Until: to.Add(slack), Events: map[string]storedEvent{}}
		if err := s.list(ctx, &st, false); err != nil {
			return nil, err
		}
	}
	if err := saveJSON(ctx, s.c.o.State, s.key(), st); err != nil {
		return nil, err
	}
	return &loaded{name: s.Name(), st: st}, nil
}

// list pages through events.list, full or incremental, and applies what
// it gets to st; the sync token comes with the last page only.
func (s *Source) list(ctx context.Context, st *sourceState, incremental bool) error {
	pageToken := ""
	events := st.Events
	if incremental {
		// Work on a copy: a failure half-way must not leave a state that
		// mixes old and new pages under the old token.
		events = make(map[string]storedEvent, len(st.Events))
		for k, v := range st.Events {
			events[k] = v
		}
	}
	for {
		req := s.c.svc.Events.List(s.id).SingleEvents(true).MaxResults(int64(s.c.o.PageSize)).Context(ctx)
		if incremental {
			req = req.SyncToken(st.SyncToken)
		} else {
			req = req.TimeMin(st.From.Format(time.RFC3339)).TimeMax(st.Until.Format(time.RFC3339))
		}
		if pageToken != "" {
			req = req.PageToken(pageToken)
		}
		res, err := call(ctx, s.c, "events.list "+s.id, req.Do)
		if err != nil {
			return err
		}
		if res.TimeZone != "" {
			st.TimeZone = res.TimeZone
		}
		for _, ev := range res.Items {
			s.apply(events, st, ev)
		}
		if res.NextPageToken == "" {
			st.SyncToken = res.NextSyncToken
			st.Events = events
			return nil
		}
		pageToken = res.NextPageToken
	}
}

// apply records one listed event: cancelled ones and our own sessions are
// dropped, so are incremental changes outside the synced window (Google
// reports them even after a timeMin-bounded full sync).
func (s *Source) apply(events map[string]storedEvent, st *sourceState, ev *calendar.Event) {
	if ev.Status == "cancelled" || ours(ev) || declined(ev) {
		delete(events, ev.Id)
		return
	}
	e := storedEvent{Summary: ev.Summary, Description: ev.Description, Start: timeOf(ev.Start), End: timeOf(ev.End), ETag: ev.Etag}
	loc := time.UTC
	if l, err := time.LoadLocation(st.TimeZone); err == nil {
		loc = l
	}
	start, err1 := e.Start.instant(loc)
	end, err2 := e.End.instant(loc)
	if err1 != nil || err2 != nil || !end.After(st.From) || !start.Before(st.Until) {
		delete(events, ev.Id)
		return
	}
	events[ev.Id] = e
}

// declined reports an invitation the runner said no to: not a run.
func declined(ev *calendar.Event) bool {
	for _, a := range ev.Attendees {
		if a.Self && a.ResponseStatus == "declined" {
			return true
		}
	}
	return false
}

// loaded is a Source's calendar after Load.
type loaded struct {
	name string
	st   sourceState
}

func (l *loaded) TimeZone() string { return l.st.TimeZone }

// Events converts the stored events that overlap [from, to) in loc.
func (l *loaded) Events(from, to time.Time, loc *time.Location) ([]rules.Event, error) {
	ids := make([]string, 0, len(l.st.Events))
	for id := range l.st.Events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []rules.Event
	for _, id := range ids {
		ev, err := l.st.Events[id].runEvent(id, l.name, loc)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", id, err)
		}
		if ev.End.After(from) && ev.Start.Before(to) || (ev.Start.Equal(ev.End) && !ev.Start.Before(from) && ev.Start.Before(to)) {
			out = append(out, ev)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Fingerprint hashes the events by ID and ETag: Google gives every change
// a new ETag.
func (l *loaded) Fingerprint() string {
	ids := make([]string, 0, len(l.st.Events))
	for id := range l.st.Events {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	h := sha256.New()
	fmt.Fprintf(h, "google %s %s\n", l.name, l.st.TimeZone)
	for _, id := range ids {
		e := l.st.Events[id]
		fmt.Fprintf(h, "%s %s %s %s %s %s\n", id, e.ETag, e.Start.Date, e.Start.DateTime, e.End.Date, e.End.DateTime)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Busy is a calendar that only blocks time, read with freebusy.query: it
// sees when the runner is busy, never what they are doing.
type Busy struct {
	c  *Client
	id string
}

var _ sync.Source = (*Busy)(nil)

// Busy returns the busy-time source for calendar id.
func (c *Client) Busy(id string) *Busy { return &Busy{c: c, id: id} }

// Name is "google:ID".
func (b *Busy) Name() string { return "google:" + b.id }

// maxFreeBusySpan keeps each query under Google's limit on the span of
// one freebusy request (about 90 days; longer ones answer "The requested
// time range is too long").
const maxFreeBusySpan = 60 * 24 * time.Hour

// Load queries the busy blocks of [from, to), in spans Google accepts.
func (b *Busy) Load(ctx context.Context, from, to time.Time) (sync.Calendar, error) {
	var periods []*calendar.TimePeriod
	for lo := from; lo.Before(to); lo = lo.Add(maxFreeBusySpan) {
		hi := lo.Add(maxFreeBusySpan)
		if hi.After(to) {
			hi = to
		}
		req := b.c.svc.Freebusy.Query(&calendar.FreeBusyRequest{
			TimeMin: lo.UTC().Format(time.RFC3339), TimeMax: hi.UTC().Format(time.RFC3339),
			Items: []*calendar.FreeBusyRequestItem{{Id: b.id}},
		}).Context(ctx)
		res, err := call(ctx, b.c, "freebusy.query "+b.id, req.Do)
		if err != nil {
			return nil, err
		}
		fc, ok := res.Calendars[b.id]
		if !ok {
			return nil, fmt.Errorf("freebusy.query: no answer for %s", b.id)
		}
		if len(fc.Errors) > 0 {
			return nil, fmt.Errorf("freebusy.query: %s: %s", b.id, fc.Errors[0].Reason)
		}
		periods = append(periods, fc.Busy...)
	}
	var evs []rules.Event
	for i, p := range periods {
		st, err1 := time.Parse(time.RFC3339, p.Start)
		en, err2 := time.Parse(time.RFC3339, p.End)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("freebusy.query: unreadable period %q–%q", p.Start, p.End)
		}
		evs = append(evs, rules.Event{ID: fmt.Sprintf("busy-%d", i), Source: b.Name(), Summary: "busy", Start: st, End: en, Busy: true})
	}
	return &busyCalendar{evs: evs}, nil
}

type busyCalendar struct{ evs []rules.Event }

func (c *busyCalendar) TimeZone() string { return "" }

func (c *busyCalendar) Events(from, to time.Time, loc *time.Location) ([]rules.Event, error) {
	var out []rules.Event
	for _, e := range c.evs {
		if e.End.After(from) && e.Start.Before(to) {
			e.Start, e.End = e.Start.In(loc), e.End.In(loc)
			out = append(out, e)
		}
	}
	return out, nil
}

func (c *busyCalendar) Fingerprint() string {
	h := sha256.New()
	for _, e := range c.evs {
		fmt.Fprintf(h, "%d %d\n", e.Start.Unix(), e.End.Unix())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// loadJSON reads key into v; a missing key leaves v as it is.
func loadJSON(ctx context.Context, st State, key string, v any) error {
	b, ok, err := st.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if !ok || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		// A damaged entry costs a full sync, not the run.
		return nil
	}
	return nil
}

func saveJSON(ctx context.Context, st State, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := st.Put(ctx, key, b); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}
