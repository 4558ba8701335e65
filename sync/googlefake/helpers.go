package googlefake

import (
	"fmt"
	"sort"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// The helpers below let a test act as the runner or the coach, editing
// calendars the way Google's own apps do: every change gets a new ETag and
// shows up in the next incremental sync.

// AddEvent stores ev in calendar calID ("primary" works) as if created in
// Google Calendar, and returns a copy as stored. An empty ID gets a random
// one.
func (s *Server) AddEvent(calID string, ev *calendar.Event) (*calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cal(calID)
	if err != nil {
		return nil, err
	}
	ev = cloneEvent(ev)
	if ev.Id == "" {
		ev.Id = newID(16)
	}
	if _, dup := c.events[ev.Id]; dup {
		return nil, fmt.Errorf("googlefake: event %s already exists", ev.Id)
	}
	if msg, ok := checkTimes(ev, c.cal.TimeZone); !ok {
		return nil, fmt.Errorf("googlefake: %s", msg)
	}
	ev.Kind = "calendar#event"
	ev.ICalUID = ev.Id + "@google.com"
	ev.Created = s.opt.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	ev.Creator = &calendar.EventCreator{Email: s.opt.Account, Self: true}
	if ev.Status == "" {
		ev.Status = "confirmed"
	}
	se := &storedEvent{ev: ev}
	c.events[ev.Id] = se
	s.bump(c, se)
	return cloneEvent(se.ev), nil
}

// AddRun adds a timed event (a run, for strengthsync) and returns its ID.
func (s *Server) AddRun(calID, summary string, start, end time.Time) (string, error) {
	zone := start.Location().String()
	if zone == "Local" {
		zone = ""
	}
	ev, err := s.AddEvent(calID, &calendar.Event{
		Summary: summary,
		Start:   &calendar.EventDateTime{DateTime: start.Format(time.RFC3339), TimeZone: zone},
		End:     &calendar.EventDateTime{DateTime: end.Format(time.RFC3339), TimeZone: zone},
	})
	if err != nil {
		return "", err
	}
	return ev.Id, nil
}

// AddAllDay adds an all-day event on date (YYYY-MM-DD) lasting days days.
func (s *Server) AddAllDay(calID, summary, date string, days int) (string, error) {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return "", err
	}
	ev, err := s.AddEvent(calID, &calendar.Event{
		Summary: summary,
		Start:   &calendar.EventDateTime{Date: date},
		End:     &calendar.EventDateTime{Date: d.AddDate(0, 0, days).Format("2006-01-02")},
	})
	if err != nil {
		return "", err
	}
	return ev.Id, nil
}

// EditEvent changes an event in place with f, as the runner editing it in
// Google Calendar would.
func (s *Server) EditEvent(calID, id string, f func(*calendar.Event)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cal(calID)
	if err != nil {
		return err
	}
	se := c.events[id]
	if se == nil {
		return fmt.Errorf("googlefake: no event %s in %s", id, calID)
	}
	next := cloneEvent(se.ev)
	f(next)
	if msg, ok := checkTimes(next, c.cal.TimeZone); !ok {
		return fmt.Errorf("googlefake: %s", msg)
	}
	next.Id = se.ev.Id
	if !sameTime(se.ev.Start, next.Start) || !sameTime(se.ev.End, next.End) {
		next.Sequence++
	}
	se.ev = next
	s.bump(c, se)
	return nil
}

// MoveEvent moves a timed event to [start, end), keeping its zone.
func (s *Server) MoveEvent(calID, id string, start, end time.Time) error {
	return s.EditEvent(calID, id, func(ev *calendar.Event) {
		ev.Start = &calendar.EventDateTime{DateTime: start.Format(time.RFC3339), TimeZone: ev.Start.TimeZone}
		ev.End = &calendar.EventDateTime{DateTime: end.Format(time.RFC3339), TimeZone: ev.End.TimeZone}
	})
}

// DeleteEvent deletes an event as the runner would: it becomes cancelled.
func (s *Server) DeleteEvent(calID, id string) error {
	return s.EditEvent(calID, id, func(ev *calendar.Event) { ev.Status = "cancelled" })
}

// Event returns a copy of an event, cancelled or not.
func (s *Server) Event(calID, id string) (*calendar.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cal(calID)
	if err != nil {
		return nil, false
	}
	se := c.events[id]
	if se == nil {
		return nil, false
	}
	return cloneEvent(se.ev), true
}

// Events returns copies of the live (not cancelled) events of a calendar
// in start order; nil when the calendar does not exist.
func (s *Server) Events(calID string) []*calendar.Event {
	return s.events(calID, false)
}

// AllEvents is Events with the cancelled ones too.
func (s *Server) AllEvents(calID string) []*calendar.Event {
	return s.events(calID, true)
}

func (s *Server) events(calID string, all bool) []*calendar.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cal(calID)
	if err != nil {
		return nil
	}
	out := []*calendar.Event{}
	for _, se := range c.events {
		if all || se.ev.Status != "cancelled" {
			out = append(out, cloneEvent(se.ev))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := instant(out[i].Start, c.cal.TimeZone)
		b, _ := instant(out[j].Start, c.cal.TimeZone)
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].Id < out[j].Id
	})
	return out
}

// Calendars returns copies of all calendars, primary first.
func (s *Server) Calendars() []calendar.Calendar {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []calendar.Calendar
	for _, c := range s.calendars {
		out = append(out, c.cal)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Id == s.opt.Account) != (out[j].Id == s.opt.Account) {
			return out[i].Id == s.opt.Account
		}
		return out[i].Id < out[j].Id
	})
	return out
}

// AddCalendar creates a secondary calendar as the runner would in Google
// Calendar (not created by the app) and returns its ID.
func (s *Server) AddCalendar(summary string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	c := &fakeCalendar{
		cal: calendar.Calendar{Kind: "calendar#calendar", Etag: etag(s.seq),
			Id: newID(26) + "@group.calendar.google.com", Summary: summary, TimeZone: s.opt.TimeZone},
		events: map[string]*storedEvent{},
	}
	s.calendars[c.cal.Id] = c
	return c.cal.Id
}

// DeleteCalendar deletes a secondary calendar as the runner would.
func (s *Server) DeleteCalendar(calID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if calID == "primary" || calID == s.opt.Account {
		return fmt.Errorf("googlefake: cannot delete the primary calendar")
	}
	if _, ok := s.calendars[calID]; !ok {
		return fmt.Errorf("googlefake: no calendar %s", calID)
	}
	delete(s.calendars, calID)
	return nil
}

func (s *Server) cal(id string) (*fakeCalendar, error) {
	if id == "primary" {
		id = s.opt.Account
	}
	c := s.calendars[id]
	if c == nil {
		return nil, fmt.Errorf("googlefake: no calendar %s", id)
	}
	return c, nil
}
