package google

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
)

// Sink keeps strength sessions in a Google calendar: google:new (a
// calendar of its own, created once and remembered) or google:ID.
//
// Each Apply writes only the difference with what it last wrote: insert,
// patch or delete, each write conditional on the ETag it last saw. Before
// a write it records its intent in State and after it the outcome, so a
// run killed between the two is recognised on the next run (the event is
// either there with our content, or not there) instead of being mistaken
// for the runner's hand or left behind.
type Sink struct {
	c    *Client
	spec string
	// st is the state refreshed from Google in this run, reused by Apply
	// after Hand and dropped after Apply.
	st *sinkState
}

var _ sync.Sink = (*Sink)(nil)

// Sink returns the destination for spec: "new" or a calendar ID.
func (c *Client) Sink(spec string) *Sink { return &Sink{c: c, spec: spec} }

// Name is "google:new" or "google:ID".
func (s *Sink) Name() string { return "google:" + s.spec }

func (s *Sink) key() string { return "google/sink/" + s.spec }

// CalendarID returns the calendar the sink writes to: for google:new the
// one it created (remembered in State), "" before the first Apply.
func (s *Sink) CalendarID(ctx context.Context) (string, error) {
	if s.spec != "new" {
		return s.spec, nil
	}
	var st sinkState
	if err := loadJSON(ctx, s.c.o.State, s.key(), &st); err != nil {
		return "", err
	}
	return st.CalendarID, nil
}

// sinkState is what a Sink remembers: its calendar, the sync token of that
// calendar, and one record per event it wrote, by event ID.
type sinkState struct {
	CalendarID string             `json:"calendar_id,omitempty"`
	SyncToken  string             `json:"sync_token,omitempty"`
	From       time.Time          `json:"from"`
	Records    map[string]*record `json:"records"`
}

// record is one session's event. Written is what we last wrote and saw
// land; Pending a write begun and not yet seen to land; Remote the event
// as Google last showed it. The runner's hand is Remote differing from
// Written.
type record struct {
	UID      string `json:"uid"`
	Week     string `json:"week"`
	Ordinal  int    `json:"ordinal"`
	ETag     string `json:"etag,omitempty"`
	Written  *view  `json:"written,omitempty"`
	Pending  *view  `json:"pending,omitempty"`
	Remote   *view  `json:"remote,omitempty"`
	Deleting bool   `json:"deleting,omitempty"`
}

// hand reports a session the runner moved or renamed.
func (r *record) hand() bool {
	if r.Written == nil || r.Remote == nil || r.Remote.Cancelled || sameSlot(r.Remote, r.Written) {
		return false
	}
	return r.Pending == nil || !sameSlot(r.Remote, r.Pending)
}

// runnerDeleted reports a session deleted in Google by someone else than
// us.
func (r *record) runnerDeleted() bool {
	return r.Remote != nil && r.Remote.Cancelled && !r.Deleting
}

// at is where the record's session was planned, for window checks.
func (r *record) at() time.Time {
	switch {
	case r.Written != nil:
		return r.Written.Start
	case r.Pending != nil:
		return r.Pending.Start
	case r.Remote != nil:
		return r.Remote.Start
	}
	return time.Time{}
}

func (s *Sink) save(ctx context.Context, st *sinkState) error {
	return saveJSON(ctx, s.c.o.State, s.key(), st)
}

// refresh loads the state and brings it up to date with Google: an
// incremental list of the calendar (which doubles as the check that the
// calendar still exists), or a full one when there is no usable sync
// token, preceded for google:new by calendars.get.
func (s *Sink) refresh(ctx context.Context, from time.Time) (*sinkState, error) {
	if s.st != nil {
		return s.st, nil
	}
	st := &sinkState{}
	if err := loadJSON(ctx, s.c.o.State, s.key(), st); err != nil {
		return nil, err
	}
	if st.Records == nil {
		st.Records = map[string]*record{}
	}
	for id, r := range st.Records {
		if r == nil { // a damaged entry: forget it rather than fail every run
			delete(st.Records, id)
		}
	}
	if s.spec != "new" {
		st.CalendarID = s.spec
	}
	if st.CalendarID == "" {
		s.st = st
		return st, nil
	}
	if st.SyncToken != "" && !from.Before(st.From) {
		err := s.list(ctx, st, true)
		switch {
		case err == nil:
			s.st = st
			return st, s.save(ctx, st)
		case status(err) == http.StatusGone:
			st.SyncToken = ""
		case status(err) == http.StatusNotFound:
			return s.gone(ctx, st, err)
		default:
			return nil, err
		}
	}
	if s.spec == "new" {
		_, err := call(ctx, s.c, "calendars.get", s.c.svc.Calendars.Get(st.CalendarID).Context(ctx).Do)
		if code := status(err); code == http.StatusNotFound || code == http.StatusGone {
			return s.gone(ctx, st, err)
		} else if err != nil {
			return nil, err
		}
	}
	st.SyncToken = ""
	st.From = from
	if err := s.list(ctx, st, false); err != nil {
		if status(err) == http.StatusNotFound {
			return s.gone(ctx, st, err)
		}
		return nil, err
	}
	s.st = st
	return st, s.save(ctx, st)
}

// gone handles a calendar that no longer exists: ours is created again by
// the next Apply; one the runner named is an error.
func (s *Sink) gone(ctx context.Context, st *sinkState, err error) (*sinkState, error) {
	if s.spec != "new" {
		return nil, fmt.Errorf("calendar %s not found: %w", s.spec, err)
	}
	s.c.log.Warn("google: the strength calendar was deleted; it will be created again", slog.String("calendar", st.CalendarID))
	fresh := &sinkState{Records: map[string]*record{}}
	s.st = fresh
	return fresh, s.save(ctx, fresh)
}

// list reads the calendar's events, all of them from st.From on, or those
// changed since st.SyncToken, and folds ours into the records. Deleted
// events are asked for in both cases so the runner's deletions show.
func (s *Sink) list(ctx context.Context, st *sinkState, incremental bool) error {
	seen := map[string]bool{}
	pageToken := ""
	for {
		req := s.c.svc.Events.List(st.CalendarID).SingleEvents(true).ShowDeleted(true).
			MaxResults(int64(s.c.o.PageSize)).Context(ctx)
		if incremental {
			req = req.SyncToken(st.SyncToken)
		} else {
			req = req.TimeMin(st.From.Format(time.RFC3339))
		}
		if pageToken != "" {
			req = req.PageToken(pageToken)
		}
		res, err := call(ctx, s.c, "events.list "+st.CalendarID, req.Do)
		if err != nil {
			return err
		}
		for _, ev := range res.Items {
			seen[ev.Id] = true
			s.observe(st, ev)
		}
		if res.NextPageToken == "" {
			st.SyncToken = res.NextSyncToken
			break
		}
		pageToken = res.NextPageToken
	}
	if !incremental {
		// Google forgets deleted events after a while: one we wrote that a
		// full list no longer shows was deleted.
		for id, r := range st.Records {
			if !seen[id] && r.Written != nil && r.Written.End.After(st.From) {
				if r.Deleting {
					delete(st.Records, id)
					continue
				}
				gone := *r.Written
				gone.Cancelled = true
				r.Remote = &gone
			}
		}
	}
	return nil
}

// observe folds one listed event into the records. Only events with our
// mark count.
func (s *Sink) observe(st *sinkState, ev *calendar.Event) {
	if !ours(ev) {
		return
	}
	v := viewOf(ev)
	r := st.Records[ev.Id]
	if r == nil {
		if v.Cancelled {
			return // one we deleted ourselves, long forgotten
		}
		// Ours, but not remembered: the state was lost after the write.
		// Adopt it as written, so it is updated or removed like the rest.
		p := ev.ExtendedProperties.Private
		week, ord := parseSlot(p[propSlot])
		r = &record{UID: p[propUID], Week: week, Ordinal: ord, Written: v}
		st.Records[ev.Id] = r
	}
	r.ETag = ev.Etag
	r.Remote = v
	switch {
	case r.Deleting && v.Cancelled:
		delete(st.Records, ev.Id)
	case r.Pending != nil && !v.Cancelled && v.Hash == r.Pending.Hash:
		// A write whose answer we never got did land.
		r.Written, r.Pending = v, nil
	}
}

func parseSlot(s string) (string, int) {
	week, ord, _ := strings.Cut(s, "/")
	n, _ := strconv.Atoi(ord)
	return week, n
}

// Hand reports the sessions in [from, to) the runner moved, renamed or
// deleted in Google since we wrote them.
func (s *Sink) Hand(ctx context.Context, from, to time.Time) ([]rules.HandSession, error) {
	return s.slots(ctx, from, func(r *record) bool {
		return r.Written != nil && (in(r.Written.Start, from, to) || r.Remote != nil && in(r.Remote.Start, from, to)) &&
			(r.runnerDeleted() || r.hand())
	})
}

// Kept reports the sessions of ours whose events were written to start in
// [from, to): where they are now, or Deleted when the runner deleted them.
func (s *Sink) Kept(ctx context.Context, from, to time.Time) ([]rules.HandSession, error) {
	return s.slots(ctx, from, func(r *record) bool {
		return r.Written != nil && !r.Deleting && r.Week != "" && r.Ordinal > 0 && in(r.Written.Start, from, to)
	})
}

// slots lists, in date order, the sessions of the records pick takes, as
// the planner sees them: deleted, where the runner put them, or where we
// wrote them; times in from's zone.
func (s *Sink) slots(ctx context.Context, from time.Time, pick func(*record) bool) ([]rules.HandSession, error) {
	st, err := s.refresh(ctx, from)
	if err != nil {
		return nil, err
	}
	loc := from.Location()
	var out []rules.HandSession
	for _, id := range sortedIDs(st) {
		r := st.Records[id]
		if !pick(r) {
			continue
		}
		h := rules.HandSession{Week: r.Week, Ordinal: r.Ordinal}
		if r.Written != nil {
			h.Variant = rules.VariantOf(r.Written.Summary)
		}
		switch {
		case r.runnerDeleted():
			h.Deleted = true
		case r.hand():
			h.Start, h.End = r.Remote.Start.In(loc), r.Remote.End.In(loc)
		default:
			h.Start, h.End = r.Written.Start.In(loc), r.Written.End.In(loc)
		}
		out = append(out, h)
	}
	return out, nil
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

func sortedIDs(st *sinkState) []string {
	ids := make([]string, 0, len(st.Records))
	for id := range st.Records {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := st.Records[ids[i]].at(), st.Records[ids[j]].at()
		if !a.Equal(b) {
			return a.Before(b)
		}
		return ids[i] < ids[j]
	})
	return ids
}

// errSkipped says a write was not made because the runner changed or
// deleted the event meanwhile; the runner's hand wins.
var errSkipped = errors.New("left as the runner put it")

// Apply makes the calendar hold sessions in [from, to): it inserts new
// ones, patches changed ones, deletes stale ones, and leaves alone the
// sessions the runner moved or deleted, our events outside the window
// (the past is the runner's, SPEC §6) and every event that is not ours.
func (s *Sink) Apply(ctx context.Context, sessions []rules.Session, from, to time.Time, dryRun bool) (sync.Changes, error) {
	var ch sync.Changes
	st, err := s.refresh(ctx, from)
	if err != nil {
		return ch, err
	}
	defer func() { s.st = nil }() // the next run reads Google again

	sessions = append([]rules.Session(nil), sessions...)
	sort.SliceStable(sessions, func(i, j int) bool { return sessions[i].Start.Before(sessions[j].Start) })

	if st.CalendarID == "" && !dryRun {
		if err := s.create(ctx, st, from); err != nil {
			return ch, err
		}
	}
	planned := map[string]bool{}
	for _, sess := range sessions {
		id := EventID(sess.UID)
		planned[id] = true
		r := st.Records[id]
		if sess.Hand || (r != nil && (r.hand() || r.runnerDeleted())) {
			ch.Unchanged++
			continue
		}
		if r != nil && r.Written != nil && !r.Deleting && !in(r.Written.Start, from, to) {
			// The slot's event lies outside the window, most likely in
			// the past: it stays as written. The engine plans around such
			// slots, so a plan that still lands here came from elsewhere.
			s.c.log.Warn("google: a planned session's event lies outside the window; leaving it",
				slog.String("event", id), slog.String("uid", r.UID))
			ch.Unchanged++
			continue
		}
		want := eventFor(sess)
		wv := viewOf(want)
		change := sync.Change{UID: sess.UID, Title: sess.Title, To: sess.Start}
		switch {
		case r == nil || r.Written == nil || r.Deleting:
			if !dryRun {
				if err := s.upsert(ctx, st, sess, want); errors.Is(err, errSkipped) {
					ch.Unchanged++
					continue
				} else if err != nil {
					return ch, err
				}
			}
			ch.Added = append(ch.Added, change)
		case r.Written.Hash == wv.Hash:
			ch.Unchanged++
		default:
			was := *r.Written
			change.From = was.Start
			if !dryRun {
				if err := s.patch(ctx, st, id, want); errors.Is(err, errSkipped) {
					ch.Unchanged++
					continue
				} else if err != nil {
					return ch, err
				}
			}
			if was.Start.Equal(wv.Start) && was.End.Equal(wv.End) {
				ch.Updated = append(ch.Updated, change)
			} else {
				ch.Moved = append(ch.Moved, change)
			}
		}
	}
	if !dryRun {
		if err := s.prune(ctx, st, from); err != nil {
			return ch, err
		}
	}
	for _, id := range sortedIDs(st) {
		r := st.Records[id]
		if planned[id] || r.hand() || r.runnerDeleted() || !in(r.at(), from, to) {
			continue
		}
		change := sync.Change{UID: r.UID, From: r.at()}
		if r.Written != nil {
			change.Title = r.Written.Summary
		}
		if !dryRun {
			if err := s.remove(ctx, st, id); errors.Is(err, errSkipped) {
				continue
			} else if err != nil {
				return ch, err
			}
		}
		ch.Removed = append(ch.Removed, change)
	}
	return ch, nil
}

// keep is how long records of past sessions are kept: long enough for a
// plan started a few weeks back to still see the runner's hand.
const keep = 90 * 24 * time.Hour

// prune forgets records of sessions long past; their events stay.
func (s *Sink) prune(ctx context.Context, st *sinkState, from time.Time) error {
	n := len(st.Records)
	for id, r := range st.Records {
		if at := r.at(); !at.IsZero() && at.Before(from.Add(-keep)) {
			delete(st.Records, id)
		}
	}
	if len(st.Records) == n {
		return nil
	}
	return s.save(ctx, st)
}

// create makes the google:new calendar and reads its (empty) event list
// once, so the next run can sync incrementally.
func (s *Sink) create(ctx context.Context, st *sinkState, from time.Time) error {
	zone := zoneName(from.Location())
	if zone == "" {
		zone = "UTC"
	}
	req := s.c.svc.Calendars.Insert(&calendar.Calendar{
		Summary:     s.c.o.CalendarName,
		Description: "Strength sessions placed by strengthsync around your runs. Move or delete them freely: strengthsync keeps your changes.",
		TimeZone:    zone,
	}).Context(ctx)
	// Not idempotent: an answer lost on the way back leaves a second,
	// empty calendar behind. Google offers no way to find it again without
	// a broader scope, so this is the one write that can leave litter.
	cal, err := call(ctx, s.c, "calendars.insert", req.Do)
	if err != nil {
		return err
	}
	st.CalendarID = cal.Id
	st.Records = map[string]*record{}
	st.SyncToken = ""
	if err := s.save(ctx, st); err != nil {
		return err
	}
	s.c.log.Info("google: created a calendar", slog.String("calendar", cal.Id), slog.String("name", cal.Summary))
	st.From = from
	if err := s.list(ctx, st, false); err != nil {
		return err
	}
	return s.save(ctx, st)
}

func ifMatch[T interface{ Header() http.Header }](c T, etag string) T {
	if etag != "" {
		c.Header().Set("If-Match", etag)
	}
	return c
}

// done records a write that landed.
func (s *Sink) done(ctx context.Context, st *sinkState, id string, ev *calendar.Event) error {
	r := st.Records[id]
	v := viewOf(ev)
	r.Written, r.Remote, r.Pending, r.ETag, r.Deleting = v, v, nil, ev.Etag, false
	return s.save(ctx, st)
}

// upsert inserts a session's event. A 409 means the ID is taken: by a copy
// an earlier, interrupted run wrote (patched to what we want now), by one
// we deleted (restored with status confirmed), or, never in practice, by
// an event that is not ours (left alone).
func (s *Sink) upsert(ctx context.Context, st *sinkState, sess rules.Session, want *calendar.Event) error {
	id := want.Id
	r := st.Records[id]
	if r == nil {
		r = &record{UID: sess.UID, Week: sess.Week, Ordinal: sess.Ordinal}
		st.Records[id] = r
	}
	// No intent is saved first: if the insert lands and the run dies
	// before the record is saved, the next run's list shows the event
	// with our mark and adopts it.
	r.Pending, r.Deleting = viewOf(want), false
	ev, err := call(ctx, s.c, "events.insert", s.c.svc.Events.Insert(st.CalendarID, want).Context(ctx).Do)
	for try := 0; status(err) == http.StatusConflict || (try > 0 && status(err) == http.StatusPreconditionFailed); try++ {
		if try == 3 {
			return fmt.Errorf("events.insert %s: the event keeps changing under us: %w", id, err)
		}
		var cur *calendar.Event
		cur, err = call(ctx, s.c, "events.get", s.c.svc.Events.Get(st.CalendarID, id).Context(ctx).Do)
		if err != nil {
			return err
		}
		switch {
		case !ours(cur):
			s.c.log.Warn("google: an event that is not ours holds a session's ID; leaving it alone", slog.String("event", id))
			delete(st.Records, id)
			return errors.Join(errSkipped, s.save(ctx, st))
		case cur.Status == "cancelled":
			restore := *want
			restore.Status = "confirmed"
			ev, err = call(ctx, s.c, "events.update", ifMatch(s.c.svc.Events.Update(st.CalendarID, id, &restore), cur.Etag).Context(ctx).Do)
		case viewOf(cur).Hash == r.Pending.Hash:
			ev, err = cur, nil
		default:
			ev, err = call(ctx, s.c, "events.patch", ifMatch(s.c.svc.Events.Patch(st.CalendarID, id, want), cur.Etag).Context(ctx).Do)
		}
	}
	if err != nil {
		return err
	}
	return s.done(ctx, st, id, ev)
}

// patch changes one of our events to want, on the condition that it is
// still as we last saw it. A 412 means someone else changed it: if it
// holds what we wanted (our own earlier write, its answer lost) we take
// it; if the runner moved or renamed it, or deleted it, it stays theirs;
// anything else (say, a note in its description) is patched again.
func (s *Sink) patch(ctx context.Context, st *sinkState, id string, want *calendar.Event) error {
	r := st.Records[id]
	r.Pending = viewOf(want)
	if err := s.save(ctx, st); err != nil {
		return err
	}
	etag := r.ETag
	for try := 0; ; try++ {
		ev, err := call(ctx, s.c, "events.patch", ifMatch(s.c.svc.Events.Patch(st.CalendarID, id, want), etag).Context(ctx).Do)
		switch code := status(err); {
		case err == nil:
			return s.done(ctx, st, id, ev)
		case code == http.StatusNotFound || code == http.StatusGone:
			return s.theirs(ctx, st, id, nil)
		case code != http.StatusPreconditionFailed:
			return err
		case try == 3:
			return fmt.Errorf("events.patch %s: the event keeps changing under us: %w", id, err)
		}
		cur, err := call(ctx, s.c, "events.get", s.c.svc.Events.Get(st.CalendarID, id).Context(ctx).Do)
		if code := status(err); code == http.StatusNotFound || code == http.StatusGone {
			return s.theirs(ctx, st, id, nil)
		} else if err != nil {
			return err
		}
		cv := viewOf(cur)
		switch {
		case !ours(cur) || cv.Cancelled || !sameSlot(cv, r.Written) && cv.Hash != r.Pending.Hash:
			return s.theirs(ctx, st, id, cur)
		case cv.Hash == r.Pending.Hash:
			return s.done(ctx, st, id, cur)
		}
		etag = cur.Etag
	}
}

// theirs records that the runner has taken an event over (cur, or deleted
// when nil) and skips the write.
func (s *Sink) theirs(ctx context.Context, st *sinkState, id string, cur *calendar.Event) error {
	r := st.Records[id]
	r.Pending = nil
	if cur == nil {
		gone := *r.Written
		gone.Cancelled = true
		r.Remote = &gone
	} else {
		r.Remote, r.ETag = viewOf(cur), cur.Etag
	}
	s.c.log.Info("google: the runner changed a session; leaving it", slog.String("event", id), slog.String("uid", r.UID))
	return errors.Join(errSkipped, s.save(ctx, st))
}

// remove deletes one of our events that is no longer planned, unless the
// runner moved it meanwhile (412, then a look at it).
func (s *Sink) remove(ctx context.Context, st *sinkState, id string) error {
	r := st.Records[id]
	r.Deleting = true
	if err := s.save(ctx, st); err != nil {
		return err
	}
	etag := r.ETag
	for try := 0; ; try++ {
		_, err := call(ctx, s.c, "events.delete", func(...googleapi.CallOption) (struct{}, error) {
			return struct{}{}, ifMatch(s.c.svc.Events.Delete(st.CalendarID, id), etag).Context(ctx).Do()
		})
		code := status(err)
		switch {
		case err == nil, code == http.StatusNotFound, code == http.StatusGone:
			delete(st.Records, id)
			return s.save(ctx, st)
		case code != http.StatusPreconditionFailed:
			return err
		case try == 3:
			return fmt.Errorf("events.delete %s: the event keeps changing under us: %w", id, err)
		}
		cur, err := call(ctx, s.c, "events.get", s.c.svc.Events.Get(st.CalendarID, id).Context(ctx).Do)
		if code := status(err); code == http.StatusNotFound || code == http.StatusGone {
			delete(st.Records, id)
			return s.save(ctx, st)
		} else if err != nil {
			return err
		}
		cv := viewOf(cur)
		if cv.Cancelled {
			delete(st.Records, id)
			return s.save(ctx, st)
		}
		if r.Written != nil && !sameSlot(cv, r.Written) {
			r.Deleting = false
			return s.theirs(ctx, st, id, cur)
		}
		etag = cur.Etag
	}
}
