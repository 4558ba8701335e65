package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// Planner plans calendars; *sync.Engine is one. The preview uses it with
// calendars already read and no sink, so nothing is written anywhere.
type Planner interface {
	Run(ctx context.Context, req sync.Request) (*sync.Result, error)
}

var _ Planner = (*sync.Engine)(nil)

// previewWeeks is how far the preview looks ahead.
const previewWeeks = 6

// previewData is what the home page shows under the form after a preview.
type previewData struct {
	Calendar calendar
	Zone     string
	// ZoneFrom says where the zone came from ("your calendar", "your browser").
	ZoneFrom string
	Sessions int
	Races    []calRace
	GoalRace *calRace
	Timeline []phaseSpan
	// Warning names a busy calendar that could not be read: the preview
	// went on without it.
	Warning string
}

// pagePreview plans the home form's calendars with its settings and shows
// the coming weeks, without storing anything: no plan, no token, no cached
// copy of the calendars. It is rate limited with the other page forms.
// With JavaScript the page swaps in the new preview as settings change.
func (s *Server) pagePreview(w http.ResponseWriter, r *http.Request) {
	data := s.homeAgain(r)
	fail := func(status int, msg string) {
		data.Error = msg
		s.render(w, r, status, "home", data)
	}
	in, err := planInputOf(r.PostForm)
	if err == nil {
		err = s.validate(&in, false, true)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		fail(ae.Status, ae.Msg)
		return
	} else if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if s.Fetcher == nil {
		fail(http.StatusServiceUnavailable, "Previews are not available on this server; make the plan to see it.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.FirstSyncWait)
	defer cancel()
	probes, err := s.readCalendars(ctx, &in)
	if errors.As(err, &ae) {
		fail(ae.Status, ae.Msg)
		return
	}
	pv := &previewData{}
	var req sync.Request
	for _, p := range probes {
		if p.err != nil {
			msg := p.field + ": " + safeMessage(p.err)
			var fe *fetch.Error
			if errors.As(p.err, &fe) && fe.Kind() == fetch.Permanent {
				msg += ". Check the address: copy the iCal link again from your training platform (see “Where is my calendar link?”)."
			} else {
				msg += ". The calendar did not answer in time: try again in a minute."
			}
			if p.field[0] == 'b' { // a busy calendar: preview without it
				pv.Warning = msg
				continue
			}
			fail(http.StatusUnprocessableEntity, msg)
			return
		}
		src := sync.BytesSource{Label: fetch.Redact(p.url), Data: p.body}
		if p.field[0] == 's' {
			req.Sources = append(req.Sources, src)
		} else {
			req.Busy = append(req.Busy, src)
		}
	}
	zone, zoneFrom := in.TimeZone, "your choice"
	if zone == "" {
		first := req.Sources[0].(sync.BytesSource)
		cal, perr := ical.Parse(first.Label, first.Data)
		if perr != nil {
			fail(http.StatusUnprocessableEntity, "sources[0]: not a calendar we can read: "+perr.Error()+
				". Check that the address is the iCal (.ics) link, not the platform's web page.")
			return
		}
		if _, zerr := s.Zone(cal.TimeZone); cal.TimeZone != "" && zerr == nil {
			zone, zoneFrom = cal.TimeZone, "your calendar"
		} else if bz := s.browserZone(r.PostForm); bz != "" {
			zone, zoneFrom = bz, "your browser"
		} else {
			zone, zoneFrom = "UTC", "no calendar or browser zone: UTC"
		}
	}
	loc, err := s.Zone(zone)
	if err != nil {
		fail(http.StatusBadRequest, "timezone: unknown time zone "+zone)
		return
	}
	settings, _ := in.Settings.Apply(rules.DefaultSettings()) // validated above
	today := rules.DateOf(s.Now().In(loc))
	if settings.Started.IsZero() {
		settings.Started = today
	}
	req.Start, req.Weeks, req.TimeZone, req.Settings = today, previewWeeks, zone, settings
	res, err := s.Planner.Run(ctx, req)
	if err != nil {
		fail(http.StatusUnprocessableEntity, cmp.Or(safeParseMessage(err), "the calendar could not be planned")+
			". Check that the address is your plan's iCal link.")
		return
	}
	sp := planFromRules(res.Plan, res.Loc)
	pv.Calendar = calendarOf(sp, today.Monday(), previewWeeks, today, nil)
	pv.Zone, pv.ZoneFrom, pv.Sessions = zone, zoneFrom, len(sp.Sessions)
	pv.Races = racesOf(sp)
	pv.GoalRace, pv.Timeline = timeline(sp, today)
	data.Preview = pv
	data.Form.TimeZone = in.TimeZone
	s.render(w, r, http.StatusOK, "home", data)
}

// safeParseMessage is a planning error's message when it is the parser's
// (which names the redacted source and a line), else "".
func safeParseMessage(err error) string {
	var ie *ical.Error
	if errors.As(err, &ie) {
		return ie.Error()
	}
	return ""
}
