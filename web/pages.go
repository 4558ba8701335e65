package web

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// The HTML pages work without JavaScript: every action is a form. Forms
// that change a plan are POSTs carrying the manage token in a hidden field,
// which another site cannot know; every form also carries a form token and
// passes pageForm's cross-site check (forms.go).

// pageCSP allows our own stylesheet and forms, and Google's consent page as
// a form target (the "connect Google" form redirects there).
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

var templateFuncs = template.FuncMap{
	"lower": strings.ToLower,
}

// commonZones seed the time zone field's suggestions; any IANA name works.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Helsinki", "Europe/Athens", "Europe/Warsaw",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
	"America/Sao_Paulo", "Asia/Tokyo", "Asia/Shanghai", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney",
	"Pacific/Auckland", "Africa/Johannesburg",
}

// homeData is the home page: the create form, filled again after an error.
type homeData struct {
	Title    string
	Google   bool
	Zones    []string
	Error    string
	Sources  string
	Busy     string
	TimeZone string
	PerWeek  string
	Policy   string
	// FormToken is the create form's token (formToken).
	FormToken string
}

// planPage is the manage page of one plan.
type planPage struct {
	Title     string
	ID        string
	Token     string
	Status    string
	LastSync  string
	NextSync  string
	LastError string
	Google    bool
	// Reconnect offers Google's consent again: the plan's access was revoked.
	Reconnect bool
	FeedURL   string
	// WebcalURL is trusted: html/template would blank a webcal: link, and
	// this one is built from PublicURL and a token of ours.
	WebcalURL  template.URL
	Notice     string
	Error      string
	Weeks      []gridWeek
	ShortWeeks []sync.ShortWeekJSON
	Synced     bool
	Form       settingsForm
	Sources    []string // redacted, for display
	// FormToken is the plan's forms' token (formToken, scoped to the plan).
	FormToken string
	// Changes is the plan's change log, the newest first ("What changed").
	Changes []sync.LoggedChange
}

// settingsForm holds the settings form's values as the runner sees them.
type settingsForm struct {
	TimeZone, PerWeek, Policy, At, Duration, Gap, Window, Taper, Level, Sources, Busy string
}

// gridWeek is one row of the four-week calendar.
type gridWeek struct {
	Label string
	Days  []gridDay
}

// gridDay is one cell.
type gridDay struct {
	Date     string
	Label    string // "Tue 3 Mar"
	Kind     string // race … rest, or "" when outside the plan
	Reason   string
	Today    bool
	Events   []gridEvent
	Sessions []gridSession
}

type gridEvent struct {
	Summary string
	Time    string
	Kind    string
}

type gridSession struct {
	Title     string
	Time      string
	Phase     string
	Reason    string
	Warning   string
	Exercises []rules.Exercise
}

type messagePage struct {
	Title    string
	Message  string
	Link     string
	LinkText string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.Log.LogAttrs(r.Context(), slog.LevelError, "template failed", slog.String("template", name),
			slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.csp())
	// Manage pages show tokens and the runner's feed addresses.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) csp() string {
	if s.Google == nil {
		return pageCSP
	}
	if u, err := url.Parse(s.Google.Config.Endpoint.AuthURL); err == nil && u.Host != "" {
		return pageCSP + " " + u.Scheme + "://" + u.Host
	}
	return pageCSP
}

func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.render(w, r, status, "message", messagePage{Title: title, Message: msg, Link: "/", LinkText: "Back to the start"})
}

// pageFail answers a page request that failed, like apiFail does for the API.
func (s *Server) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfter(ae.RetryAfter))
		}
		switch ae.Status {
		case http.StatusUnauthorized:
			s.message(w, r, ae.Status, "Manage link needed", "Open this plan with the manage link you were given: it carries the plan's key.")
		case http.StatusNotFound:
			s.message(w, r, ae.Status, "Not found", "There is no plan at this address, or the link's key is wrong.")
		default:
			s.message(w, r, ae.Status, "Something went wrong", ae.Msg)
		}
		return
	}
	var ue *unavailableError
	if errors.As(err, &ue) {
		s.Log.LogAttrs(r.Context(), slog.LevelError, "store unavailable", slog.String("request_id", requestID(r.Context())),
			slog.String("route", route(r)), slog.Any("error", err))
		w.Header().Set("Retry-After", retryAfter(storeRetryAfter))
		s.message(w, r, http.StatusServiceUnavailable, "Try again shortly",
			"The service cannot reach its plans just now. Please try again in a minute. (Request "+requestID(r.Context())+")")
		return
	}
	s.Log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("request_id", requestID(r.Context())),
		slog.String("route", route(r)), slog.Any("error", err))
	s.message(w, r, http.StatusInternalServerError, "Something went wrong", "The service failed: please try again. (Request "+requestID(r.Context())+")")
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", homeData{Title: "Strength training for runners", Google: s.Google != nil,
		Zones: commonZones, PerWeek: "2", Policy: "stack", FormToken: s.formToken("")})
}

// pageCreate makes a plan from the home form (pageForm has read it). The
// time zone may be left empty: the calendar's own is used, else UTC.
func (s *Server) pageCreate(w http.ResponseWriter, r *http.Request) {
	form := homeData{Title: "Strength training for runners", Google: s.Google != nil, Zones: commonZones,
		Sources: r.PostForm.Get("sources"), Busy: r.PostForm.Get("busy"), TimeZone: r.PostForm.Get("timezone"),
		PerWeek: r.PostForm.Get("per_week"), Policy: r.PostForm.Get("policy"), FormToken: s.formToken("")}
	in := planInput{Sources: lines(form.Sources), Busy: lines(form.Busy), TimeZone: form.TimeZone}
	var err error
	var out *created
	if in.Settings, err = settingsFromForm(r.PostForm); err == nil {
		if err = s.validate(&in, false, true); err == nil {
			out, err = s.createChecked(r, in, "UTC")
		}
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity) {
			form.Error = ae.Msg
			s.render(w, r, ae.Status, "home", form)
			return
		}
		s.pageFail(w, r, err)
		return
	}
	if r.PostForm.Get("google") == "on" && s.Google != nil {
		// Hybrid output: the plan exists; Google's consent connects it.
		http.Redirect(w, r, googleConnectPath(out), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/plans/"+out.ID+"?token="+out.ManageToken+"&done=created", http.StatusSeeOther)
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// settingsFromForm reads the settings fields a form sent; empty fields are
// "not given" and keep the plan's value.
func settingsFromForm(form url.Values) (sync.SettingsJSON, error) {
	var j sync.SettingsJSON
	str := func(name string) *string {
		v := strings.TrimSpace(form.Get(name))
		if v == "" {
			return nil
		}
		return &v
	}
	num := func(name string) (*int, error) {
		v := str(name)
		if v == nil {
			return nil, nil
		}
		n, err := strconv.Atoi(*v)
		if err != nil {
			return nil, badField("settings."+name, "want a whole number, got %q", *v)
		}
		return &n, nil
	}
	var err error
	if j.PerWeek, err = num("per_week"); err != nil {
		return j, err
	}
	if j.Taper, err = num("taper"); err != nil {
		return j, err
	}
	j.Policy, j.At, j.Duration, j.Gap, j.Window, j.Level = str("policy"), str("at"), str("duration"), str("gap"), str("window"), str("level")
	return j, nil
}

// pageAuth checks the token a page request carries: in the query for GET,
// in the hidden form field for POST.
func (s *Server) pageAuth(w http.ResponseWriter, r *http.Request) (*sync.PlanRecord, string, bool) {
	token := r.URL.Query().Get("token")
	if r.Method == http.MethodPost {
		token = r.PostForm.Get("token")
	}
	p, err := s.authorize(r.Context(), r.PathValue("id"), token)
	if err != nil {
		s.pageFail(w, r, err)
		return nil, "", false
	}
	return p, token, true
}

var notices = map[string]string{
	"created": "Your plan is ready. Bookmark this page: its address is the only key to it.",
	// created while its calendar could not be read (a transient failure):
	// "ready" would be a lie next to the error.
	"created-error": "Your plan is saved, but its calendar could not be read yet (see Last error): it will keep trying. " +
		"Bookmark this page: its address is the only key to it.",
	"settings":    "Settings saved. The plan is being synced again.",
	"sync":        "A sync was asked for. Reload in a moment to see it.",
	"rotated":     "The feed has a new address. The old one no longer works: subscribe again with the new one.",
	"reconnected": "Google is connected again. The plan is being synced.",
}

func (s *Server) pagePlan(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	data, err := s.planData(r, p, token)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	done := r.URL.Query().Get("done")
	if done == "created" && p.Status == sync.StatusError {
		done = "created-error"
	}
	data.Notice = notices[done]
	s.render(w, r, http.StatusOK, "plan", data)
}

func (s *Server) planData(r *http.Request, p *sync.PlanRecord, token string) (*planPage, error) {
	p = s.shown(p)
	feedTok, err := s.openFeedToken(p)
	if err != nil {
		return nil, err
	}
	loc, err := s.Zone(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	d := &planPage{Title: "Your strength plan", ID: p.ID, Token: token, Status: p.Status, LastError: p.LastError,
		Google: p.GoogleTokenSealed != nil, FeedURL: s.feedURL(r, feedTok), FormToken: s.formToken(p.ID)}
	d.Reconnect = p.Status == sync.StatusNeedsReconnect && s.Google != nil
	if d.Changes, err = s.Changes(r.Context(), p.ID); err != nil {
		return nil, err
	}
	d.WebcalURL = template.URL(webcalURL(d.FeedURL))
	if d.Status == sync.StatusNew {
		d.Status = sync.StatusSyncing
	}
	if !p.LastSync.IsZero() {
		d.LastSync = p.LastSync.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
	}
	if !p.NextSync.IsZero() {
		d.NextSync = p.NextSync.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	for _, src := range p.Sources {
		d.Sources = append(d.Sources, displaySource(src))
	}
	settings, err := p.Settings.Apply(rules.DefaultSettings())
	if err != nil {
		settings = rules.DefaultSettings()
	}
	sj := sync.FromSettings(settings)
	d.Form = settingsForm{TimeZone: p.TimeZone, PerWeek: strconv.Itoa(*sj.PerWeek), Policy: *sj.Policy, At: *sj.At,
		Duration: *sj.Duration, Gap: *sj.Gap, Window: *sj.Window, Taper: strconv.Itoa(*sj.Taper), Level: *sj.Level,
		Sources: strings.Join(p.Sources, "\n"), Busy: strings.Join(p.Busy, "\n")}
	pj, err := s.planJSON(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	if pj != nil {
		d.Synced = true
		d.Weeks = grid(pj, rules.DateOf(s.Now().In(loc)), 4)
		d.ShortWeeks = pj.ShortWeeks
	}
	return d, nil
}

// displaySource shows a source without its secret parts: feed addresses
// carry their key in the path or query.
func displaySource(src string) string {
	if strings.HasPrefix(src, "google:") {
		return src
	}
	return fetch.Redact(src)
}

// grid lays the plan's days out as weeks, Monday first, from the week of
// today for n weeks. Days before today or outside the plan stay blank.
func grid(pj *sync.PlanJSON, today rules.Date, n int) []gridWeek {
	days := map[string]sync.DayJSON{}
	for _, d := range pj.Days {
		days[d.Date] = d
	}
	sessions := map[string][]sync.SessionJSON{}
	for _, ss := range pj.Sessions {
		sessions[ss.Date] = append(sessions[ss.Date], ss)
	}
	wd := int(today.In(time.UTC).Weekday())
	monday := today.AddDays(-((wd + 6) % 7))
	var weeks []gridWeek
	for w := range n {
		start := monday.AddDays(7 * w)
		t := start.In(time.UTC)
		yr, wk := t.ISOWeek()
		gw := gridWeek{Label: "Week of " + t.Format("2 Jan") + " (" + strconv.Itoa(yr) + "-W" + twoDigits(wk) + ")"}
		for i := range 7 {
			date := start.AddDays(i)
			dt := date.In(time.UTC)
			cell := gridDay{Date: date.String(), Label: dt.Format("Mon 2 Jan"), Today: date == today}
			if day, ok := days[date.String()]; ok && !date.Before(today) {
				cell.Kind, cell.Reason = day.Kind, day.Reason
				for _, e := range day.Events {
					cell.Events = append(cell.Events, gridEvent{Summary: e.Summary, Time: clockRange(e.Start, e.End, e.AllDay), Kind: e.Kind})
				}
				for _, ss := range sessions[date.String()] {
					cell.Sessions = append(cell.Sessions, gridSession{Title: ss.Title, Time: clockRange(ss.Start, ss.End, false),
						Phase: ss.Phase, Reason: ss.Reason, Warning: ss.Advice(), Exercises: ss.Exercises})
				}
			}
			gw.Days = append(gw.Days, cell)
		}
		weeks = append(weeks, gw)
	}
	return weeks
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// clockRange shows "07:00–08:00" from RFC 3339 times, which the plan wrote
// in the runner's zone.
func clockRange(start, end string, allDay bool) string {
	if allDay {
		return "all day"
	}
	a, err1 := time.Parse(time.RFC3339, start)
	b, err2 := time.Parse(time.RFC3339, end)
	if err1 != nil || err2 != nil {
		return ""
	}
	return a.Format("15:04") + "–" + b.Format("15:04")
}

func (s *Server) pageSettings(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	patch := planPatch{}
	settings, err := settingsFromForm(r.PostForm)
	if err == nil {
		patch.Settings = &settings
		if tz := strings.TrimSpace(r.PostForm.Get("timezone")); tz != "" {
			patch.TimeZone = &tz
		}
		if _, ok := r.PostForm["sources"]; ok {
			patch.Sources = append([]string{}, lines(r.PostForm.Get("sources"))...)
		}
		if _, ok := r.PostForm["busy"]; ok {
			patch.Busy = append([]string{}, lines(r.PostForm.Get("busy"))...)
		}
		_, err = s.update(r.Context(), p.ID, patch)
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			data, derr := s.planData(r, p, token)
			if derr != nil {
				s.pageFail(w, r, derr)
				return
			}
			data.Error = ae.Msg
			s.render(w, r, http.StatusBadRequest, "plan", data)
			return
		}
		s.pageFail(w, r, err)
		return
	}
	s.backToPlan(w, r, p.ID, token, "settings")
}

func (s *Server) pageSync(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	if err := s.enqueue(r.Context(), p.ID); err != nil {
		s.message(w, r, http.StatusServiceUnavailable, "Try again later", "The sync queue is unavailable.")
		return
	}
	s.backToPlan(w, r, p.ID, token, "sync")
}

func (s *Server) pageRotate(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	if _, err := s.rotate(r.Context(), p.ID); err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.backToPlan(w, r, p.ID, token, "rotated")
}

func (s *Server) pageDelete(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.message(w, r, http.StatusBadRequest, "Not deleted", "Tick the box to confirm that the plan and its feed should be deleted.")
		return
	}
	if err := s.remove(r.Context(), p.ID); err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.Log.LogAttrs(r.Context(), slog.LevelInfo, "plan deleted", slog.String("request_id", requestID(r.Context())), slog.String("plan_id", p.ID))
	s.message(w, r, http.StatusOK, "Plan deleted", "The plan and its keys are gone. For 60 days its feed address answers a calendar with no sessions, so calendar apps subscribed to it clear them; then it stops working.")
}

// backToPlan answers a form with a redirect (POST, then GET): reloading
// the page never submits the form twice.
func (s *Server) backToPlan(w http.ResponseWriter, r *http.Request, id, token, done string) {
	q := url.Values{"token": {token}, "done": {done}}
	http.Redirect(w, r, "/plans/"+id+"?"+q.Encode(), http.StatusSeeOther)
}

// staticHandler serves the embedded stylesheet with a day's caching.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
