package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
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

// pageCSP allows our own stylesheet, script and forms, the script's
// requests to us, and Google's consent page as a form target (the "connect
// Google" form redirects there). No inline script or style: nothing leaves
// our origin but a form the runner sends to Google.
const pageCSP = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

var templateFuncs = template.FuncMap{
	"lower": strings.ToLower,
	"list":  func(v ...string) []string { return v },
	// dict passes several values to a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// commonZones seed the time zone field's suggestions; any IANA name works.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Helsinki", "Europe/Athens", "Europe/Warsaw",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
	"America/Sao_Paulo", "Asia/Tokyo", "Asia/Shanghai", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney",
	"Pacific/Auckland", "Africa/Johannesburg",
}

// homeData is the home page: the form, filled again after a preview or
// an error, and the preview when one was asked for.
type homeData struct {
	Title   string
	Google  bool
	Zones   []string
	Error   string
	Form    settingsForm
	Preview *previewData
	// FormToken is the create form's token (formToken).
	FormToken string
}

// planPage is the manage page of one plan.
type planPage struct {
	Title  string
	ID     string
	Token  string
	Status string
	// StatusText is the status in words; Advice says what to do about an
	// error.
	StatusText string
	Advice     string
	LastError  string
	LastSync   string
	NextSync   string
	Google     bool
	// Reconnect offers Google's consent again: the plan's access was revoked.
	Reconnect bool
	FeedURL   string
	// WebcalURL is trusted: html/template would blank a webcal: link, and
	// this one is built from PublicURL and a token of ours.
	WebcalURL template.URL
	// GoogleAddURL is Google Calendar's add-by-URL link for the feed.
	GoogleAddURL string
	Notice       string
	Error        string
	Synced       bool
	Calendar     calendar
	Races        []calRace
	GoalRace     *calRace
	Timeline     []phaseSpan
	Form         settingsForm
	Zones        []string
	Sources      []string // redacted, for display
	// FormToken is the plan's forms' token (formToken, scoped to the plan).
	FormToken string
	// RotateBreaks and DeleteBreaks fill the confirmation dialogs.
	RotateBreaks, DeleteBreaks []string
	// Changes is the plan's change log, the newest first ("What changed").
	Changes []sync.LoggedChange
}

// settingsForm holds the settings form's values as the runner sees them.
type settingsForm struct {
	TimeZone, BrowserZone, PerWeek, Policy, Level, At, Duration, Gap, WindowFrom, WindowTo, Taper, Recovery string
	Sources, Busy                                                                                           string
	Weekdays                                                                                                []weekdayBox
	Lifts                                                                                                   []liftBox
	Durations, Gaps                                                                                         []string
}

type weekdayBox struct {
	Value, Label string
	Checked      bool
}

type liftBox struct{ Name, Slug, Five, One string }

// mainLifts are the lifts whose loads a 5RM or 1RM turns into kilograms.
var mainLifts = []string{"back squat", "trap-bar deadlift", "deadlift", "hip thrust", "bench press", "overhead press"}

func liftSlug(name string) string { return strings.NewReplacer(" ", "", "-", "").Replace(name) }

// formOf fills the settings form from settings.
func formOf(st rules.Settings, zone string, sources, busy []string) settingsForm {
	sj := sync.FromSettings(st)
	from, to, _ := strings.Cut(*sj.Window, "-")
	f := settingsForm{TimeZone: zone, PerWeek: strconv.Itoa(st.PerWeek), Policy: *sj.Policy, Level: *sj.Level, At: *sj.At,
		Duration: *sj.Duration, Gap: *sj.Gap, WindowFrom: from, WindowTo: to, Taper: strconv.Itoa(st.Taper),
		Recovery: "auto", Sources: strings.Join(sources, "\n"), Busy: strings.Join(busy, "\n")}
	if st.Recovery != rules.RecoveryByDistance {
		f.Recovery = strconv.Itoa(st.Recovery)
	}
	for i := range 7 {
		d := time.Weekday((i + 1) % 7) // Monday first
		name := d.String()
		f.Weekdays = append(f.Weekdays, weekdayBox{Value: strings.ToLower(name[:3]), Label: name, Checked: st.Weekdays[d]})
	}
	kg := func(m map[string]float64, lift string) string {
		if v, ok := m[lift]; ok {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	for _, l := range mainLifts {
		f.Lifts = append(f.Lifts, liftBox{Name: l, Slug: liftSlug(l), Five: kg(st.FiveRM, l), One: kg(st.OneRM, l)})
	}
	f.Durations = withValue([]string{"20m", "30m", "45m", "1h", "1h15m", "1h30m"}, f.Duration)
	f.Gaps = withValue([]string{"0s", "1h", "2h", "3h", "4h", "6h", "8h"}, f.Gap)
	return f
}

// withValue adds v to a select's options when it is not one of them.
func withValue(opts []string, v string) []string {
	if v == "" || slices.Contains(opts, v) {
		return opts
	}
	return append(opts, v)
}

// formFromPost fills the form again from what was sent: the settings when
// they are valid, else the defaults with the runner's own entries kept.
func formFromPost(form url.Values) settingsForm {
	st := rules.DefaultSettings()
	if j, err := settingsFromForm(form); err == nil {
		if applied, err := j.Apply(st); err == nil {
			st = applied
		}
	}
	f := formOf(st, strings.TrimSpace(form.Get("timezone")), nil, nil)
	f.Sources, f.Busy, f.BrowserZone = form.Get("sources"), form.Get("busy"), form.Get("browser_tz")
	return f
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
		Zones: commonZones, Form: formOf(rules.DefaultSettings(), "", nil, nil), FormToken: s.formToken("")})
}

// homeAgain is the home page filled with what the runner sent.
func (s *Server) homeAgain(r *http.Request) homeData {
	return homeData{Title: "Strength training for runners", Google: s.Google != nil, Zones: commonZones,
		Form: formFromPost(r.PostForm), FormToken: s.formToken("")}
}

// planInputOf reads the home form.
func planInputOf(form url.Values) (planInput, error) {
	in := planInput{Sources: lines(form.Get("sources")), Busy: lines(form.Get("busy")), TimeZone: form.Get("timezone")}
	var err error
	in.Settings, err = settingsFromForm(form)
	return in, err
}

// browserZone is the zone the runner's browser reported (a hidden field
// the script fills), when we know it: the fallback after the calendar's own.
func (s *Server) browserZone(form url.Values) string {
	z := strings.TrimSpace(form.Get("browser_tz"))
	if z == "" || len(z) > 64 {
		return ""
	}
	if _, err := s.Zone(z); err != nil {
		return ""
	}
	return z
}

// pageCreate makes a plan from the home form (pageForm has read it). The
// time zone may be left empty: the calendar's own is used, else the
// browser's, else UTC.
func (s *Server) pageCreate(w http.ResponseWriter, r *http.Request) {
	in, err := planInputOf(r.PostForm)
	var out *created
	if err == nil {
		if err = s.validate(&in, false, true); err == nil {
			out, err = s.createChecked(r, in, cmp.Or(s.browserZone(r.PostForm), "UTC"))
		}
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity) {
			form := s.homeAgain(r)
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
// "not given" and keep the plan's value. Weekdays and lifts count as given
// when the form showed them (weekdays_shown, lifts_shown): no box ticked
// and every weight cleared are answers too.
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
	if v := str("recovery"); v != nil && *v == "auto" {
		auto := rules.RecoveryByDistance
		j.Recovery = &auto
	} else if j.Recovery, err = num("recovery"); err != nil {
		return j, err
	}
	j.Policy, j.At, j.Duration, j.Gap, j.Window, j.Level = str("policy"), str("at"), str("duration"), str("gap"), str("window"), str("level")
	if from, to := str("window_from"), str("window_to"); from != nil && to != nil {
		win := *from + "-" + *to
		j.Window = &win
	}
	if form.Has("weekdays_shown") {
		j.Weekdays = append([]string{}, form["weekdays"]...)
	}
	if form.Has("lifts_shown") {
		j.FiveRM, j.OneRM = map[string]float64{}, map[string]float64{}
		for _, lift := range mainLifts {
			for field, m := range map[string]map[string]float64{"five_rm": j.FiveRM, "one_rm": j.OneRM} {
				name := "rm5_"
				if field == "one_rm" {
					name = "rm1_"
				}
				v := str(name + liftSlug(lift))
				if v == nil {
					continue
				}
				kg, err := strconv.ParseFloat(strings.Replace(*v, ",", ".", 1), 64)
				if err != nil {
					return j, badField("settings."+field, "%s: want kilograms, got %q", lift, *v)
				}
				m[lift] = kg
			}
		}
	}
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

// calendarWeeks is how much of the calendar the plan page shows: the past
// 2 weeks and the next 6.
const calendarWeeks, calendarPast = 8, 2

// googleAddURL is Google Calendar's "add by URL" link for a feed: it opens
// Google Calendar with the subscription ready to confirm.
func googleAddURL(webcal string) string {
	return "https://calendar.google.com/calendar/r?" + url.Values{"cid": {webcal}}.Encode()
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
	now := s.Now()
	d := &planPage{Title: "Your strength plan", ID: p.ID, Token: token, Status: p.Status, LastError: p.LastError,
		Google: p.GoogleTokenSealed != nil, FeedURL: s.feedURL(r, feedTok), FormToken: s.formToken(p.ID), Zones: commonZones,
		RotateBreaks: rotateBreaks, DeleteBreaks: deleteBreaks}
	d.Reconnect = p.Status == sync.StatusNeedsReconnect && s.Google != nil
	if d.Changes, err = s.Changes(r.Context(), p.ID); err != nil {
		return nil, err
	}
	d.WebcalURL = template.URL(webcalURL(d.FeedURL))
	d.GoogleAddURL = googleAddURL(webcalURL(d.FeedURL))
	if !p.LastSync.IsZero() {
		d.LastSync = p.LastSync.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
	}
	if !p.NextSync.IsZero() {
		d.NextSync = p.NextSync.In(loc).Format("Mon 2 Jan 15:04 MST")
	}
	switch p.Status {
	case sync.StatusNew, sync.StatusSyncing:
		d.Status, d.StatusText = sync.StatusSyncing, "Reading your calendar now. Reload this page in a moment."
	case sync.StatusOK:
		d.StatusText = "Synced " + ago(now, p.LastSync)
		if p.NextSync.After(now) {
			d.StatusText += "; next check " + until(now, p.NextSync)
		}
		d.StatusText += "."
	case sync.StatusError:
		// LastSync is the last attempt, this failed one.
		d.StatusText = "The last sync failed"
		if !p.LastSync.IsZero() {
			d.StatusText += " (" + ago(now, p.LastSync) + ")"
		}
		d.StatusText += "."
		d.Advice = advice(p.LastError)
	default:
		d.StatusText = "Status: " + strings.ReplaceAll(p.Status, "_", " ") + "."
	}
	for _, src := range p.Sources {
		d.Sources = append(d.Sources, displaySource(src))
	}
	settings, err := p.Settings.Apply(rules.DefaultSettings())
	if err != nil {
		settings = rules.DefaultSettings()
	}
	d.Form = formOf(settings, p.TimeZone, p.Sources, p.Busy)
	sp, feed, err := s.storedPlan(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	today := rules.DateOf(now.In(loc))
	monday := today.Monday().AddDays(-7 * calendarPast)
	if f, err := rules.ParseDate(r.URL.Query().Get("from")); err == nil && f.Sub(today) < 5*366 && today.Sub(f) < 5*366 {
		monday = f.Monday()
	}
	if sp != nil {
		d.Synced = true
		start, _ := rules.ParseDate(sp.Start)
		d.Calendar = calendarOf(sp, monday, calendarWeeks, today, pastSessions(feed.ICS, loc, start))
		d.Races = racesOf(sp)
		d.GoalRace, d.Timeline = timeline(sp, today)
	}
	return d, nil
}

// storedPlan is the plan as last synced with its feed, or nil before the
// first sync.
func (s *Server) storedPlan(ctx context.Context, id string) (*storedPlan, *sync.Feed, error) {
	f, err := s.Store.GetFeed(ctx, id)
	if errors.Is(err, sync.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, storeFailed("get feed", err)
	}
	if len(f.PlanJSON) == 0 {
		return nil, nil, nil
	}
	var sp storedPlan
	if err := json.Unmarshal(f.PlanJSON, &sp); err != nil {
		return nil, nil, fmt.Errorf("stored plan: %w", err)
	}
	return &sp, f, nil
}

// displaySource shows a source without its secret parts: feed addresses
// carry their key in the path or query.
func displaySource(src string) string {
	if strings.HasPrefix(src, "google:") {
		return src
	}
	return fetch.Redact(src)
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

// confirmPage asks before a change that cannot be undone, saying what
// breaks. Without JavaScript it is its own page; with it, the plan page
// shows the same words in a dialog.
type confirmPage struct {
	Title, Heading, Action, Button, Back string
	Breaks                               []string
	ID, Token, FormToken                 string
}

// rotateBreaks and deleteBreaks say what each change breaks; the plan
// page's dialogs show them too.
var (
	rotateBreaks = []string{
		"The current feed address stops working at once.",
		"Every calendar app subscribed to it (phone, laptop, Google) stops updating and may drop the sessions.",
		"You then subscribe again with the new address shown on the plan page.",
	}
	deleteBreaks = []string{
		"The plan, its settings and its manage link are deleted.",
		"Subscribed calendar apps get an empty calendar: the strength sessions disappear from them.",
		"This cannot be undone: a new plan gets new addresses.",
	}
)

func (s *Server) confirm(w http.ResponseWriter, r *http.Request, p *sync.PlanRecord, token string, c confirmPage) {
	c.ID, c.Token, c.FormToken = p.ID, token, s.formToken(p.ID)
	c.Back = "/plans/" + p.ID + "?" + url.Values{"token": {token}}.Encode()
	s.render(w, r, http.StatusOK, "confirm", c)
}

// pageRotate gives the feed a new address once the runner confirmed it;
// the first post without confirm=yes answers the confirmation page.
func (s *Server) pageRotate(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.confirm(w, r, p, token, confirmPage{Title: "New feed address?", Heading: "Give the feed a new address?",
			Action: "feed-token", Button: "Yes, give it a new address", Breaks: rotateBreaks})
		return
	}
	if _, err := s.rotate(r.Context(), p.ID); err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.backToPlan(w, r, p.ID, token, "rotated")
}

// pageDelete deletes the plan once the runner confirmed it.
func (s *Server) pageDelete(w http.ResponseWriter, r *http.Request) {
	p, token, ok := s.pageAuth(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		c := confirmPage{Title: "Delete this plan?", Heading: "Delete this plan?", Action: "delete",
			Button: "Yes, delete the plan", Breaks: deleteBreaks}
		if p.GoogleTokenSealed != nil {
			c.Breaks = append(slices.Clone(c.Breaks), "The “Strength training” calendar in your Google account is deleted.")
		}
		s.confirm(w, r, p, token, c)
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
