package googlefake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// pageState is a listing in progress: the result is fixed at the first
// page, so later pages never skip or repeat an event that changes meanwhile.
type pageState struct {
	calendar  string
	items     []*calendar.Event
	offset    int
	max       int
	syncToken string
}

func (s *Server) serveCalendar(w http.ResponseWriter, r *http.Request, rt routed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	if rt.calendar == "primary" {
		rt.calendar = s.opt.Account
	}
	switch rt.kind {
	case "calendars.insert":
		s.calendarsInsert(w, r, a)
		return
	case "freebusy.query":
		s.freebusy(w, r, a)
		return
	case "channels.stop":
		s.channelsStop(w, r, a)
		return
	}
	c := s.calendars[rt.calendar]
	if c == nil {
		// https://developers.google.com/calendar/api/guides/errors#404_not_found
		writeError(w, http.StatusNotFound, "global", "notFound", "Not Found")
		return
	}
	read := a.has(ScopeCalendar, ScopeReadonly, ScopeEvents, ScopeEventsReadonly) || (c.appCreated && a.has(ScopeAppCreated))
	write := a.has(ScopeCalendar, ScopeEvents) || (c.appCreated && a.has(ScopeAppCreated))
	switch rt.kind {
	case "events.watch":
		if !read {
			insufficient(w)
			return
		}
		s.eventsWatch(w, r, a, c)
	case "calendars.get":
		if !read && !a.has(ScopeCalendarsManage) {
			insufficient(w)
			return
		}
		writeJSON(w, http.StatusOK, c.cal)
	case "calendars.delete":
		if !(a.has(ScopeCalendar, ScopeCalendarsManage) || (c.appCreated && a.has(ScopeAppCreated))) {
			insufficient(w)
			return
		}
		if rt.calendar == s.opt.Account {
			writeError(w, http.StatusBadRequest, "global", "cannotDeletePrimaryCalendar", "Cannot delete primary calendar.")
			return
		}
		delete(s.calendars, rt.calendar)
		w.WriteHeader(http.StatusNoContent)
	case "events.list":
		if !read {
			insufficient(w)
			return
		}
		s.eventsList(w, r, rt.calendar, c)
	case "events.get":
		if !read {
			insufficient(w)
			return
		}
		se := c.events[rt.event]
		if se == nil {
			writeError(w, http.StatusNotFound, "global", "notFound", "Not Found")
			return
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == se.ev.Etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeJSON(w, http.StatusOK, se.ev)
	case "events.insert", "events.patch", "events.update", "events.delete":
		if !a.has(ScopeCalendar, ScopeEvents, ScopeAppCreated) {
			insufficient(w)
			return
		}
		if !write {
			writeError(w, http.StatusForbidden, "global", "requiredAccessLevel", "You need to have writer access to this calendar.")
			return
		}
		switch rt.kind {
		case "events.insert":
			s.eventsInsert(w, r, c)
		case "events.delete":
			s.eventsDelete(w, r, c, rt.event)
		default:
			s.eventsModify(w, r, c, rt.event, rt.kind == "events.patch")
		}
	}
}

func insufficient(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "global", "insufficientPermissions", "Request had insufficient authentication scopes.")
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "global", "invalid", msg)
}

// syncTokenForbidden are the parameters events.list refuses next to a
// syncToken (reference/events/list, "syncToken").
var syncTokenForbidden = []string{"iCalUID", "orderBy", "privateExtendedProperty", "q",
	"sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"}

// eventsList follows https://developers.google.com/calendar/api/v3/reference/events/list
// and the sync guide: an incremental list returns every event changed since
// the token, cancelled ones included, and nextSyncToken comes with the last
// page only.
func (s *Server) eventsList(w http.ResponseWriter, r *http.Request, calID string, c *fakeCalendar) {
	q := r.URL.Query()
	if pt := q.Get("pageToken"); pt != "" {
		ps := s.pages[pt]
		if ps == nil || ps.calendar != calID {
			badRequest(w, "Invalid page token value.")
			return
		}
		delete(s.pages, pt)
		s.writePage(w, c, ps)
		return
	}
	max := 250
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			badRequest(w, "Invalid value for maxResults.")
			return
		}
		max = min(n, 2500)
	}
	ps := &pageState{calendar: calID, max: max}
	var items []*storedEvent
	if st := q.Get("syncToken"); st != "" {
		for _, p := range syncTokenForbidden {
			if q.Has(p) {
				badRequest(w, "Sync token cannot be used with the "+p+" parameter.")
				return
			}
		}
		if q.Get("showDeleted") == "false" {
			badRequest(w, "showDeleted cannot be false with a sync token.")
			return
		}
		since, ok := s.parseSyncToken(st, calID)
		if !ok {
			// https://developers.google.com/calendar/api/guides/errors#410_gone
			writeError(w, http.StatusGone, "global", "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
			return
		}
		for _, se := range c.events {
			if se.seq > since {
				items = append(items, se)
			}
		}
	} else {
		f, err := parseFilter(q, c.cal.TimeZone)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		for _, se := range c.events {
			if f.match(se.ev, c.cal.TimeZone) {
				items = append(items, se)
			}
		}
		if ob := q.Get("orderBy"); ob != "" && ob != "startTime" && ob != "updated" {
			badRequest(w, "Invalid value for orderBy.")
			return
		} else if ob == "startTime" && q.Get("singleEvents") != "true" {
			// The reference: "startTime … only available when querying single events".
			badRequest(w, "The requested ordering is not available for the particular query.")
			return
		}
	}
	sort.Slice(items, func(i, j int) bool {
		a, _ := instant(items[i].ev.Start, c.cal.TimeZone)
		b, _ := instant(items[j].ev.Start, c.cal.TimeZone)
		if !a.Equal(b) {
			return a.Before(b)
		}
		return items[i].ev.Id < items[j].ev.Id
	})
	for _, se := range items {
		ps.items = append(ps.items, cloneEvent(se.ev))
	}
	ps.syncToken = s.syncToken(calID)
	s.writePage(w, c, ps)
}

func (s *Server) writePage(w http.ResponseWriter, c *fakeCalendar, ps *pageState) {
	end := min(ps.offset+ps.max, len(ps.items))
	out := calendar.Events{
		Kind: "calendar#events", Etag: etag(s.seq), Summary: c.cal.Summary,
		TimeZone: c.cal.TimeZone, AccessRole: "owner",
		Updated: s.opt.Now().UTC().Format(time.RFC3339Nano),
		Items:   ps.items[ps.offset:end],
	}
	if out.Items == nil {
		out.Items = []*calendar.Event{}
	}
	if end < len(ps.items) {
		next := *ps
		next.offset = end
		tok := newID(20)
		s.pages[tok] = &next
		out.NextPageToken = tok
	} else {
		out.NextSyncToken = ps.syncToken
	}
	writeJSON(w, http.StatusOK, out)
}

// Sync tokens are opaque to clients; here they carry the generation, the
// calendar and the change sequence they were issued at.
func (s *Server) syncToken(calID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%d|%s", s.syncGen, s.seq, calID)))
}

func (s *Server) parseSyncToken(tok, calID string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 || parts[2] != calID {
		return 0, false
	}
	gen, err1 := strconv.ParseInt(parts[0], 10, 64)
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || gen != s.syncGen {
		return 0, false
	}
	return seq, true
}

// ExpireSyncTokens invalidates every sync token issued so far, as Google
// does "for various reasons including token expiration or changes in
// related ACLs" (guides/sync): the next incremental list answers 410.
func (s *Server) ExpireSyncTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncGen++
}

type filter struct {
	showDeleted      bool
	timeMin, timeMax time.Time
	private, shared  map[string]string
	q                string
	iCalUID          string
	updatedMin       time.Time
}

func parseFilter(q map[string][]string, tz string) (filter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := filter{showDeleted: get("showDeleted") == "true", q: strings.ToLower(get("q")), iCalUID: get("iCalUID")}
	var err error
	// timeMin and timeMax "must be an RFC3339 timestamp with mandatory
	// time zone offset".
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"timeMin", &f.timeMin}, {"timeMax", &f.timeMax}, {"updatedMin", &f.updatedMin}} {
		if v := get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339, v); err != nil {
				return f, fmt.Errorf("Bad Request: %s is not an RFC3339 timestamp with an offset", p.name)
			}
		}
	}
	if !f.timeMin.IsZero() && !f.timeMax.IsZero() && !f.timeMin.Before(f.timeMax) {
		return f, fmt.Errorf("The specified time range is empty.")
	}
	props := func(name string) (map[string]string, error) {
		m := map[string]string{}
		for _, v := range q[name] {
			k, val, ok := strings.Cut(v, "=")
			if !ok {
				return nil, fmt.Errorf("Invalid %s value: want propertyName=value", name)
			}
			m[k] = val
		}
		return m, nil
	}
	if f.private, err = props("privateExtendedProperty"); err != nil {
		return f, err
	}
	if f.shared, err = props("sharedExtendedProperty"); err != nil {
		return f, err
	}
	return f, nil
}

// match applies the list filters. timeMin bounds an event's end and
// timeMax its start, both exclusive (reference/events/list).
func (f filter) match(ev *calendar.Event, tz string) bool {
	if ev.Status == "cancelled" && !f.showDeleted {
		return false
	}
	start, err1 := instant(ev.Start, tz)
	end, err2 := instant(ev.End, tz)
	if err1 != nil || err2 != nil {
		return false
	}
	if !f.timeMin.IsZero() && !end.After(f.timeMin) {
		return false
	}
	if !f.timeMax.IsZero() && !start.Before(f.timeMax) {
		return false
	}
	if f.iCalUID != "" && ev.ICalUID != f.iCalUID {
		return false
	}
	if !f.updatedMin.IsZero() {
		u, err := time.Parse(time.RFC3339Nano, ev.Updated)
		if err != nil || u.Before(f.updatedMin) {
			return false
		}
	}
	if f.q != "" && !strings.Contains(strings.ToLower(ev.Summary+" "+ev.Description+" "+ev.Location), f.q) {
		return false
	}
	var priv, shared map[string]string
	if ev.ExtendedProperties != nil {
		priv, shared = ev.ExtendedProperties.Private, ev.ExtendedProperties.Shared
	}
	for k, v := range f.private {
		if priv[k] != v {
			return false
		}
	}
	for k, v := range f.shared {
		if shared[k] != v {
			return false
		}
	}
	return true
}

// instant is the start or end of an event as an instant: an all-day date
// is midnight in the calendar's zone.
func instant(dt *calendar.EventDateTime, calTZ string) (time.Time, error) {
	if dt == nil {
		return time.Time{}, fmt.Errorf("missing time")
	}
	zone := calTZ
	if dt.TimeZone != "" {
		zone = dt.TimeZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	if dt.Date != "" {
		return time.ParseInLocation("2006-01-02", dt.Date, loc)
	}
	if t, err := time.Parse(time.RFC3339, dt.DateTime); err == nil {
		return t, nil
	}
	// A dateTime without an offset needs timeZone (reference/events).
	if dt.TimeZone == "" {
		return time.Time{}, fmt.Errorf("dateTime %q has no offset and no timeZone", dt.DateTime)
	}
	return time.ParseInLocation("2006-01-02T15:04:05", dt.DateTime, loc)
}

// validID is the rule for client-chosen event IDs (reference/events/insert,
// "id"): characters of base32hex (a-v, 0-9), 5 to 1024 of them.
var validID = regexp.MustCompile(`^[a-v0-9]+$`)

func validEventID(id string) bool {
	return len(id) >= 5 && len(id) <= 1024 && validID.MatchString(id)
}

func checkTimes(ev *calendar.Event, tz string) (string, bool) {
	if ev.Start == nil || ev.End == nil {
		return "Missing end time.", false
	}
	if (ev.Start.Date == "") != (ev.End.Date == "") {
		return "Start and end times must either both be date or both be dateTime.", false
	}
	start, err1 := instant(ev.Start, tz)
	end, err2 := instant(ev.End, tz)
	if err1 != nil || err2 != nil {
		return "Invalid start or end time.", false
	}
	if end.Before(start) {
		return "The specified time range is empty.", false
	}
	return "", true
}

func readEvent(r *http.Request) (*calendar.Event, map[string]any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	var ev calendar.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, nil, err
	}
	return &ev, raw, nil
}

func (s *Server) bump(c *fakeCalendar, se *storedEvent) {
	defer s.changed(c)
	s.seq++
	se.seq = s.seq
	se.ev.Etag = etag(s.seq)
	se.ev.Updated = s.opt.Now().UTC().Format("2006-01-02T15:04:05.000Z")
}

// eventsInsert follows reference/events/insert: a client-chosen ID that is
// already taken answers 409, also when the event holding it was deleted
// (its status is then cancelled, and it can be restored by an update).
func (s *Server) eventsInsert(w http.ResponseWriter, r *http.Request, c *fakeCalendar) {
	ev, _, err := readEvent(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Parse Error")
		return
	}
	if ev.Id != "" && !validEventID(ev.Id) {
		badRequest(w, "Invalid resource id value.")
		return
	}
	if msg, ok := checkTimes(ev, c.cal.TimeZone); !ok {
		code := "required"
		if strings.Contains(msg, "empty") {
			code = "timeRangeEmpty"
		}
		writeError(w, http.StatusBadRequest, "calendar", code, msg)
		return
	}
	if ev.Id == "" {
		ev.Id = newID(16)
	}
	if _, dup := c.events[ev.Id]; dup {
		writeError(w, http.StatusConflict, "global", "duplicate", "The requested identifier already exists.")
		return
	}
	now := s.opt.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	ev.Kind = "calendar#event"
	ev.Created = now
	ev.ICalUID = ev.Id + "@google.com"
	ev.HtmlLink = "https://www.google.com/calendar/event?eid=" + ev.Id
	ev.Creator = &calendar.EventCreator{Email: s.opt.Account, Self: true}
	ev.Organizer = &calendar.EventOrganizer{Email: c.cal.Id, DisplayName: c.cal.Summary, Self: c.cal.Id == s.opt.Account}
	if ev.Status == "" {
		ev.Status = "confirmed"
	}
	if ev.EventType == "" {
		ev.EventType = "default"
	}
	if ev.Reminders == nil {
		ev.Reminders = &calendar.EventReminders{UseDefault: true}
	}
	se := &storedEvent{ev: ev}
	c.events[ev.Id] = se
	s.bump(c, se)
	writeJSON(w, http.StatusOK, se.ev)
}

// ifMatch enforces https://developers.google.com/calendar/api/guides/version-resources:
// a write with If-Match and a stale ETag answers 412.
func ifMatch(w http.ResponseWriter, r *http.Request, se *storedEvent) bool {
	if im := r.Header.Get("If-Match"); im != "" && im != "*" && im != se.ev.Etag {
		writeError(w, http.StatusPreconditionFailed, "global", "conditionNotMet", "Precondition Failed")
		return false
	}
	return true
}

// eventsModify is patch (reference/events/patch: fields given replace
// those stored, objects merge, arrays are replaced whole) or update
// (reference/events/update: the body replaces the event).
func (s *Server) eventsModify(w http.ResponseWriter, r *http.Request, c *fakeCalendar, id string, patch bool) {
	se := c.events[id]
	if se == nil {
		writeError(w, http.StatusNotFound, "global", "notFound", "Not Found")
		return
	}
	if !ifMatch(w, r, se) {
		return
	}
	body, raw, err := readEvent(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Parse Error")
		return
	}
	var next *calendar.Event
	if patch {
		cur, _ := json.Marshal(se.ev)
		var m map[string]any
		_ = json.Unmarshal(cur, &m)
		merge(m, raw)
		b, _ := json.Marshal(m)
		next = &calendar.Event{}
		if err := json.Unmarshal(b, next); err != nil {
			badRequest(w, "Invalid patch.")
			return
		}
	} else {
		next = body
		if next.Status == "" {
			next.Status = "confirmed"
		}
		if next.Reminders == nil {
			next.Reminders = &calendar.EventReminders{UseDefault: true}
		}
	}
	if next.Id != "" && next.Id != id {
		badRequest(w, "The event ID cannot be changed.")
		return
	}
	if msg, ok := checkTimes(next, c.cal.TimeZone); !ok {
		writeError(w, http.StatusBadRequest, "calendar", "timeRangeEmpty", msg)
		return
	}
	// Fields the server owns survive whatever the client sent.
	old := se.ev
	next.Id, next.Kind, next.Created, next.ICalUID, next.HtmlLink = old.Id, old.Kind, old.Created, old.ICalUID, old.HtmlLink
	next.Creator, next.Organizer, next.EventType = old.Creator, old.Organizer, old.EventType
	next.Sequence = old.Sequence
	if !sameTime(old.Start, next.Start) || !sameTime(old.End, next.End) {
		next.Sequence++
	}
	se.ev = next
	s.bump(c, se)
	writeJSON(w, http.StatusOK, se.ev)
}

func sameTime(a, b *calendar.EventDateTime) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Date == b.Date && a.DateTime == b.DateTime && a.TimeZone == b.TimeZone
}

// merge applies a JSON patch body to m: objects merge recursively, null
// clears a field, anything else (arrays included) replaces.
func merge(m, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			if cur, ok := m[k].(map[string]any); ok {
				merge(cur, pv)
				continue
			}
			m[k] = pv
		default:
			m[k] = pv
		}
	}
}

// eventsDelete marks the event cancelled: it keeps its ID, shows up in
// incremental syncs as cancelled, and deleting it again answers 410.
func (s *Server) eventsDelete(w http.ResponseWriter, r *http.Request, c *fakeCalendar, id string) {
	se := c.events[id]
	if se == nil {
		writeError(w, http.StatusNotFound, "global", "notFound", "Not Found")
		return
	}
	if se.ev.Status == "cancelled" {
		writeError(w, http.StatusGone, "global", "deleted", "Resource has been deleted")
		return
	}
	if !ifMatch(w, r, se) {
		return
	}
	se.ev.Status = "cancelled"
	s.bump(c, se)
	w.WriteHeader(http.StatusNoContent)
}

// calendarsInsert follows reference/calendars/insert.
func (s *Server) calendarsInsert(w http.ResponseWriter, r *http.Request, a *accessToken) {
	if !a.has(ScopeCalendar, ScopeAppCreated, ScopeCalendarsManage) {
		insufficient(w)
		return
	}
	var body calendar.Calendar
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Parse Error")
		return
	}
	if strings.TrimSpace(body.Summary) == "" {
		writeError(w, http.StatusBadRequest, "global", "required", "Missing title.")
		return
	}
	if body.TimeZone == "" {
		body.TimeZone = s.opt.TimeZone
	} else if _, err := time.LoadLocation(body.TimeZone); err != nil {
		badRequest(w, "Invalid time zone definition for calendar.")
		return
	}
	s.seq++
	c := &fakeCalendar{
		cal: calendar.Calendar{
			Kind: "calendar#calendar", Etag: etag(s.seq),
			Id:      newID(26) + "@group.calendar.google.com",
			Summary: body.Summary, Description: body.Description, TimeZone: body.TimeZone,
		},
		appCreated: true,
		events:     map[string]*storedEvent{},
	}
	s.calendars[c.cal.Id] = c
	writeJSON(w, http.StatusOK, c.cal)
}

// freebusy follows reference/freebusy/query: busy blocks only, merged,
// from at most 50 calendars; a calendar that cannot be read gets an error
// entry instead of failing the request.
func (s *Server) freebusy(w http.ResponseWriter, r *http.Request, a *accessToken) {
	if !a.has(ScopeCalendar, ScopeReadonly, ScopeFreeBusy, ScopeEventsFreeBusy) {
		insufficient(w)
		return
	}
	var req calendar.FreeBusyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Parse Error")
		return
	}
	tmin, err1 := time.Parse(time.RFC3339, req.TimeMin)
	tmax, err2 := time.Parse(time.RFC3339, req.TimeMax)
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "global", "required", "Missing timeMin or timeMax.")
		return
	}
	if !tmin.Before(tmax) {
		writeError(w, http.StatusBadRequest, "calendar", "timeRangeEmpty", "The specified time range is empty.")
		return
	}
	// Not in the reference, but Google answers longer spans this way.
	if tmax.Sub(tmin) > 90*24*time.Hour {
		writeError(w, http.StatusBadRequest, "calendar", "timeRangeTooLong", "The requested time range is too long.")
		return
	}
	if len(req.Items) > 50 {
		writeError(w, http.StatusBadRequest, "calendar", "tooManyCalendarsRequested", "The number of calendars requested is too large.")
		return
	}
	out := calendar.FreeBusyResponse{Kind: "calendar#freeBusy", TimeMin: req.TimeMin, TimeMax: req.TimeMax,
		Calendars: map[string]calendar.FreeBusyCalendar{}}
	for _, it := range req.Items {
		id := it.Id
		if id == "primary" {
			id = s.opt.Account
		}
		c := s.calendars[id]
		if c == nil {
			out.Calendars[it.Id] = calendar.FreeBusyCalendar{Errors: []*calendar.Error{{Domain: "global", Reason: "notFound"}}}
			continue
		}
		type span struct{ a, b time.Time }
		var spans []span
		for _, se := range c.events {
			ev := se.ev
			if ev.Status == "cancelled" || ev.Transparency == "transparent" {
				continue
			}
			st, e1 := instant(ev.Start, c.cal.TimeZone)
			en, e2 := instant(ev.End, c.cal.TimeZone)
			if e1 != nil || e2 != nil || !en.After(tmin) || !st.Before(tmax) {
				continue
			}
			spans = append(spans, span{maxTime(st, tmin), minTime(en, tmax)})
		}
		sort.Slice(spans, func(i, j int) bool { return spans[i].a.Before(spans[j].a) })
		busy := []*calendar.TimePeriod{}
		for i := 0; i < len(spans); {
			cur := spans[i]
			j := i + 1
			for ; j < len(spans) && !spans[j].a.After(cur.b); j++ {
				cur.b = maxTime(cur.b, spans[j].b)
			}
			busy = append(busy, &calendar.TimePeriod{Start: cur.a.UTC().Format(time.RFC3339), End: cur.b.UTC().Format(time.RFC3339)})
			i = j
		}
		out.Calendars[it.Id] = calendar.FreeBusyCalendar{Busy: busy}
	}
	writeJSON(w, http.StatusOK, out)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func cloneEvent(ev *calendar.Event) *calendar.Event {
	b, _ := json.Marshal(ev)
	var out calendar.Event
	_ = json.Unmarshal(b, &out)
	return &out
}
