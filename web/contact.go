package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
)

// SourceFetcher reads one calendar URL; *fetch.Client is one. Its errors
// are *fetch.Error, which say whether trying again can help.
type SourceFetcher interface {
	Fetch(ctx context.Context, rawURL string, prev fetch.Validators) (*fetch.Result, error)
}

var _ SourceFetcher = (*fetch.Client)(nil)

// probe is what reading one of a new plan's calendars gave.
type probe struct {
	field string // "sources[0]", "busy[1]"
	url   string
	body  []byte
	err   error
}

// firstContact reads a new plan's calendars (sources and busy ones, at
// once) before the plan exists, bounded by ctx. A permanent failure (404,
// 401, 403, 410, not a calendar, too large, a private address) is a 422
// naming the calendar and what to do. A transient one (timeout, 5xx) lets
// the plan be made, and the returned warning says so. When in.TimeZone is
// empty it becomes the first calendar's X-WR-TIMEZONE, when that names a
// zone we know. Google calendars are read by the first sync instead.
func (s *Server) firstContact(ctx context.Context, in *planInput) (warning string, err error) {
	if s.Fetcher == nil {
		return "", nil
	}
	probes, err := s.readCalendars(ctx, in)
	if err != nil {
		return "", err
	}

	var warnings []string
	for _, p := range probes {
		switch {
		case p.err == nil:
		case sync.IsPermanent(p.err):
			return "", &apiError{Status: http.StatusUnprocessableEntity, Field: p.field,
				Msg: p.field + ": " + safeMessage(p.err) + "; nothing was created"}
		default:
			warnings = append(warnings, p.field+": "+safeMessage(p.err))
		}
	}
	if in.TimeZone == "" && len(probes) > 0 && probes[0].field == "sources[0]" && probes[0].body != nil {
		cal, perr := ical.Parse(fetch.Redact(probes[0].url), probes[0].body)
		if perr != nil {
			return "", &apiError{Status: http.StatusUnprocessableEntity, Field: "sources[0]",
				Msg: "sources[0]: not a calendar we can read: " + perr.Error() + "; nothing was created"}
		}
		if _, zerr := s.Zone(cal.TimeZone); cal.TimeZone != "" && zerr == nil {
			in.TimeZone = cal.TimeZone
		}
	}
	if len(warnings) > 0 {
		warning = "the plan was made, but a calendar could not be read just now; its syncs keep trying. " +
			strings.Join(warnings, "; ")
	}
	return warning, nil
}

// firstContacts is how many creates and previews may read their calendars
// at once.
const firstContacts = 4

// readCalendars fetches every URL calendar of in, sources first, then busy
// ones; Google calendars are skipped. It reads one calendar at a time, at
// most firstContacts requests at once, and stops keeping bodies once they
// pass the plan's SourceBytes limit, so requests cannot hold more calendar
// bytes in memory than the workers would.
func (s *Server) readCalendars(ctx context.Context, in *planInput) ([]*probe, error) {
	var probes []*probe
	add := func(field string, list []string) {
		for i, src := range list {
			if !strings.HasPrefix(src, "google:") {
				probes = append(probes, &probe{field: fmt.Sprintf("%s[%d]", field, i), url: src})
			}
		}
	}
	add("sources", in.Sources)
	add("busy", in.Busy)
	if len(probes) == 0 {
		return nil, nil
	}
	select {
	case s.contacts <- struct{}{}:
		defer func() { <-s.contacts }()
	case <-ctx.Done():
		return nil, &apiError{Status: http.StatusServiceUnavailable, Msg: "too many plans are being made right now: try again in a minute"}
	}
	budget := s.Limits.WithDefaults().SourceBytes
	for _, p := range probes {
		res, err := s.Fetcher.Fetch(ctx, p.url, fetch.Validators{})
		switch {
		case err != nil:
			p.err = err
		case len(res.Body) > budget:
			p.err = &sync.LimitError{Msg: fmt.Sprintf("the plan's calendars are larger than %d MB together", s.Limits.WithDefaults().SourceBytes>>20)}
		default:
			budget -= len(res.Body)
			p.body = res.Body
		}
	}
	return probes, nil
}

// safeMessage is a fetch failure's one-line message, which names only the
// redacted address; anything else is summed up without its text.
func safeMessage(err error) string {
	var fe *fetch.Error
	var le *sync.LimitError
	switch {
	case errors.As(err, &fe):
		return fe.Error()
	case errors.As(err, &le):
		return le.Error()
	}
	return "the calendar could not be read"
}
