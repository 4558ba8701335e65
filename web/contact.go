package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
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
	probes := s.readCalendars(ctx, in)

	var warnings []string
	for _, p := range probes {
		var fe *fetch.Error
		switch {
		case p.err == nil:
		case errors.As(p.err, &fe) && fe.Kind() == fetch.Permanent:
			return "", &apiError{Status: http.StatusUnprocessableEntity, Field: p.field,
				Msg: p.field + ": " + fe.Error() + "; nothing was created"}
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

// readCalendars fetches every URL calendar of in at once, sources first,
// then busy ones; Google calendars are skipped.
func (s *Server) readCalendars(ctx context.Context, in *planInput) []*probe {
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
	var wg stdsync.WaitGroup
	for _, p := range probes {
		wg.Go(func() {
			res, err := s.Fetcher.Fetch(ctx, p.url, fetch.Validators{})
			if err == nil {
				p.body = res.Body
			}
			p.err = err
		})
	}
	wg.Wait()
	return probes
}

// safeMessage is a fetch failure's one-line message, which names only the
// redacted address; anything else is summed up without its text.
func safeMessage(err error) string {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return "the calendar could not be read"
}
