package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

// The pages work without JavaScript: plain GETs and form POSTs, each POST
// answered with a 303 back to a page.

func TestHomePage(t *testing.T) {
	e := newEnv(t)
	res := e.do(http.MethodGet, "/", "", nil)
	wantStatus(t, res, http.StatusOK)
	body := string(readBody(t, res))
	for _, want := range []string{`<html lang="en">`, `<form method="post" action="/plans"`, `name="sources"`,
		`name="timezone"`, `name="per_week"`, `name="policy"`, `<label`, `/static/style.css`, `formaction="/preview"`,
		// every setting is on the form
		`name="level"`, `name="at"`, `name="duration"`, `name="gap"`, `name="window_from"`, `name="window_to"`,
		`name="weekdays"`, `name="taper"`, `name="recovery"`, `name="rm5_backsquat"`, `name="rm1_benchpress"`, `name="browser_tz"`,
		// and where each platform keeps its link
		"TrainingPeaks", "Final Surge", "intervals.icu", "Runna", "Garmin Connect", "Secret address in iCal format",
		"Apple iCloud", "Outlook", "keep the hard days hard"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// Scripts are ours, from a file: the CSP allows no inline script.
	if n, m := strings.Count(body, "<script"), strings.Count(body, `<script src="/static/app.js" defer></script>`); n != m || n != 1 {
		t.Errorf("home page has %d scripts, %d of them app.js", n, m)
	}
	if strings.Contains(body, "/auth/google/start") {
		t.Error("home page offers Google on a server without Google")
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP = %q", csp)
	}
	css := e.do(http.MethodGet, "/static/style.css", "", nil)
	wantStatus(t, css, http.StatusOK)
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("stylesheet Content-Type = %q", ct)
	}
}

var manageLink = regexp.MustCompile(`^/plans/([a-v0-9]+)\?token=([A-Za-z0-9_-]{43})&done=created$`)

// createByForm posts the home form and follows the 303 to the plan page.
func (e *env) createByForm() (id, token string) {
	e.t.Helper()
	res := e.form("/plans", url.Values{"sources": {e.cal.sourceURL() + "\r\n"}, "timezone": {"Europe/London"},
		"per_week": {"2"}, "policy": {"stack"}})
	wantStatus(e.t, res, http.StatusSeeOther)
	m := manageLink.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		e.t.Fatalf("create redirects to %q, want the manage link", res.Header.Get("Location"))
	}
	return m[1], m[2]
}

func TestPlanPage(t *testing.T) {
	e := newEnv(t)
	id, token := e.createByForm()
	res := e.do(http.MethodGet, "/plans/"+id+"?token="+token+"&done=created", "", nil)
	wantStatus(t, res, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("Referrer-Policy = %q", rp)
	}
	body := string(readBody(t, res))
	p, _ := e.store.GetPlan(t.Context(), id)
	feedTok, _ := e.srv.openFeedToken(p)
	feed := e.ts.URL + "/feeds/" + feedTok + ".ics"
	for _, want := range []string{
		"Bookmark this page",             // the created notice
		"Synced just now",                // status in words
		"Mon 2 Mar 2026 08:00 GMT",       // last sync, in the runner's zone
		`value="` + feed + `"`,           // feed URL
		`href="` + webcalURL(feed) + `"`, // subscribe link
		`href="https://calendar.google.com/calendar/r?cid=` + url.QueryEscape(webcalURL(feed)) + `"`,
		"every 8 to 24 hours",                 // Google's refresh, said plainly
		`<ol class="days">`,                   // the calendar
		`kind-long`, `kind-easy`, `kind-hard`, // kinds by colour
		">Long run</p>", ">Easy</p>", ">Hard</p>", // and by word
		"No session: why?",                // days without a session open to their note
		"Intervals 6x800m", "Long run 2h", // the runs
		`name="token" value="` + token + `"`, // forms carry the token
		`name="form_token" value="`,          // and a form token
		`action="/plans/` + id + `/settings"`, `action="/plans/` + id + `/sync"`,
		`action="/plans/` + id + `/feed-token"`, `action="/plans/` + id + `/delete"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	// Four forms and the two confirmation dialogs' forms.
	if n := strings.Count(body, `name="form_token"`); n != 6 {
		t.Errorf("%d of the plan page's 6 forms carry a form token", n)
	}
	// Eight weeks of seven days (the past 2, the next 6), Monday first, today marked.
	if n := strings.Count(body, `<li class="day`); n != 56 {
		t.Errorf("calendar has %d days, want 56", n)
	}
	if !strings.Contains(body, `k-rest today" aria-current="date">`) {
		t.Error("today (a rest Monday) is not marked")
	}
	// Every session in the next six weeks is shown with its reason.
	pj, err := e.srv.planJSON(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, s := range pj.Sessions {
		d, _ := rules.ParseDate(s.Date)
		if d.Sub(rules.Date{Year: 2026, Month: 3, Day: 2}) < 42 {
			shown++
			if !strings.Contains(body, templateEscape(s.Reason)) {
				t.Errorf("session reason %q is not on the page", s.Reason)
			}
		}
	}
	if got := strings.Count(body, `<details class="session">`); got != shown || shown != 12 {
		t.Errorf("page shows %d sessions, want %d (12)", got, shown)
	}
	if strings.Contains(body, "secret-c4l3nd4r-k3y") && !strings.Contains(body, `name="sources"`) {
		t.Error("the source's secret path is shown outside the settings form")
	}
}

// templateEscape is what html/template makes of text in an element.
func templateEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")
	return r.Replace(s)
}

func TestPlanPageAuth(t *testing.T) {
	e := newEnv(t)
	id, token := e.createByForm()
	tests := []struct {
		name, path string
		status     int
	}{
		{"no token", "/plans/" + id, http.StatusUnauthorized},
		{"empty token", "/plans/" + id + "?token=", http.StatusUnauthorized},
		{"no token, unknown plan", "/plans/" + newPlanID(), http.StatusUnauthorized},
		{"wrong token", "/plans/" + id + "?token=" + strings.Repeat("x", 43), http.StatusNotFound},
		{"unknown plan", "/plans/" + newPlanID() + "?token=" + token, http.StatusNotFound},
	}
	bodies := map[int]string{}
	for _, tt := range tests {
		res := e.do(http.MethodGet, tt.path, "", nil)
		if res.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, res.StatusCode, tt.status)
		}
		b := string(readBody(t, res))
		if prev, ok := bodies[tt.status]; ok && prev != b {
			t.Errorf("%s: body differs from another %d", tt.name, tt.status)
		}
		bodies[tt.status] = b
		if strings.Contains(b, token) {
			t.Errorf("%s: the page shows the token", tt.name)
		}
	}
	// Forms without the token do nothing.
	for _, action := range []string{"settings", "sync", "feed-token", "delete"} {
		res := e.form("/plans/"+id+"/"+action, url.Values{"per_week": {"1"}, "confirm": {"yes"}})
		wantStatus(t, res, http.StatusUnauthorized)
		res = e.form("/plans/"+id+"/"+action, url.Values{"token": {strings.Repeat("y", 43)}, "confirm": {"yes"}})
		wantStatus(t, res, http.StatusNotFound)
	}
	if _, err := e.store.GetPlan(t.Context(), id); err != nil {
		t.Errorf("plan gone after refused forms: %v", err)
	}
}

func TestPageForms(t *testing.T) {
	e := newEnv(t)
	id, token := e.createByForm()
	back := func(res *http.Response, done string) {
		t.Helper()
		wantStatus(t, res, http.StatusSeeOther)
		want := "/plans/" + id + "?" + url.Values{"done": {done}, "token": {token}}.Encode()
		if loc := res.Header.Get("Location"); loc != want {
			t.Errorf("redirect to %q, want %q", loc, want)
		}
	}

	// Settings: empty fields keep their values.
	res := e.form("/plans/"+id+"/settings", url.Values{"token": {token}, "per_week": {"1"}, "policy": {"separate"},
		"at": {""}, "level": {"beginner"}, "sources": {e.cal.sourceURL()}, "busy": {""}})
	back(res, "settings")
	p, _ := e.store.GetPlan(t.Context(), id)
	if *p.Settings.PerWeek != 1 || *p.Settings.Policy != "separate" || *p.Settings.Level != "beginner" || p.Settings.At != nil {
		t.Errorf("settings after the form: %s", fmtJSON(p.Settings))
	}
	e.waitSynced(id)
	res = e.do(http.MethodGet, "/plans/"+id+"?token="+token+"&done=settings", "", nil)
	body := string(readBody(t, res))
	if !strings.Contains(body, "Settings saved") || !strings.Contains(body, `value="separate" checked>`) {
		t.Error("plan page does not show the saved settings")
	}

	// A bad value: 400, the page again, the field named, nothing saved.
	res = e.form("/plans/"+id+"/settings", url.Values{"token": {token}, "per_week": {"lots"}})
	wantStatus(t, res, http.StatusBadRequest)
	if b := string(readBody(t, res)); !strings.Contains(b, "settings.per_week") || !strings.Contains(b, `<ol class="days">`) {
		t.Errorf("bad settings page does not name the field or lost the plan:\n%s", b)
	}
	res = e.form("/plans/"+id+"/settings", url.Values{"token": {token}, "window": {"21:00-06:00"}})
	wantStatus(t, res, http.StatusBadRequest)
	if b := string(readBody(t, res)); !strings.Contains(b, "settings.window") {
		t.Error("bad window not named")
	}
	res = e.form("/plans/"+id+"/settings", url.Values{"token": {token}, "sources": {"\n"}})
	wantStatus(t, res, http.StatusBadRequest)
	if p2, _ := e.store.GetPlan(t.Context(), id); *p2.Settings.PerWeek != 1 || len(p2.Sources) != 1 {
		t.Error("a refused form changed the plan")
	}

	// Sync now.
	e.clock.Add(20 * time.Minute)
	back(e.form("/plans/"+id+"/sync", url.Values{"token": {token}}), "sync")
	e.waitSynced(id)

	// Rotate asks first, saying what breaks; then the page shows the new
	// address and the old one is 404.
	old, _ := e.srv.openFeedToken(p)
	res = e.form("/plans/"+id+"/feed-token", url.Values{"token": {token}})
	wantStatus(t, res, http.StatusOK)
	if b := string(readBody(t, res)); !strings.Contains(b, "stops working at once") || !strings.Contains(b, `name="confirm" value="yes"`) {
		t.Errorf("rotate without confirmation does not ask first:\n%s", b)
	}
	if p2, _ := e.store.GetPlan(t.Context(), id); !bytes.Equal(p2.FeedTokenHash, p.FeedTokenHash) {
		t.Fatal("rotated without confirmation")
	}
	back(e.form("/plans/"+id+"/feed-token", url.Values{"token": {token}, "confirm": {"yes"}}), "rotated")
	p, _ = e.store.GetPlan(t.Context(), id)
	nu, _ := e.srv.openFeedToken(p)
	if nu == old {
		t.Fatal("feed token not rotated")
	}
	wantStatus(t, e.do(http.MethodGet, "/feeds/"+old+".ics", "", nil), http.StatusNotFound)
	res = e.do(http.MethodGet, "/plans/"+id+"?token="+token+"&done=rotated", "", nil)
	if b := string(readBody(t, res)); !strings.Contains(b, nu) || strings.Contains(b, old) {
		t.Error("plan page does not show the new feed address only")
	}

	// Delete asks first.
	res = e.form("/plans/"+id+"/delete", url.Values{"token": {token}})
	wantStatus(t, res, http.StatusOK)
	if b := string(readBody(t, res)); !strings.Contains(b, "cannot be undone") || !strings.Contains(b, `name="confirm" value="yes"`) {
		t.Errorf("delete without confirmation does not ask first:\n%s", b)
	}
	if _, err := e.store.GetPlan(t.Context(), id); err != nil {
		t.Fatal("deleted without confirmation")
	}
	res = e.form("/plans/"+id+"/delete", url.Values{"token": {token}, "confirm": {"yes"}})
	wantStatus(t, res, http.StatusOK)
	if b := string(readBody(t, res)); !strings.Contains(b, "Plan deleted") {
		t.Errorf("delete page: %s", b)
	}
	wantStatus(t, e.do(http.MethodGet, "/feeds/"+nu+".ics", "", nil), http.StatusOK) // empty, then 404 (TestDeletedFeed)
	wantStatus(t, e.do(http.MethodGet, "/plans/"+id+"?token="+token, "", nil), http.StatusNotFound)
}

func TestCreateFormErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"no source", url.Values{"sources": {"  \n "}, "timezone": {"UTC"}}, "sources: give at least 1"},
		{"bad source", url.Values{"sources": {"file:///etc/passwd"}, "timezone": {"UTC"}}, "sources[0]"},
		{"bad zone", url.Values{"sources": {e.cal.sourceURL()}, "timezone": {"Moon/Base"}}, "timezone"},
		{"bad per week", url.Values{"sources": {e.cal.sourceURL()}, "per_week": {"9"}}, "settings.per_week"},
		{"bad policy", url.Values{"sources": {e.cal.sourceURL()}, "policy": {"both"}}, "settings.policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.form("/plans", tt.form)
			wantStatus(t, res, http.StatusBadRequest)
			b := string(readBody(t, res))
			if !strings.Contains(b, tt.want) || !strings.Contains(b, `role="alert"`) {
				t.Errorf("error page lacks %q", tt.want)
			}
			// The runner's entries are kept.
			if src := tt.form.Get("sources"); strings.TrimSpace(src) != "" && !strings.Contains(b, templateEscape(src)) {
				t.Errorf("the form lost the source %q", src)
			}
		})
	}
	// The zone is the calendar's own when the field is left out, else UTC.
	res := e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}})
	wantStatus(t, res, http.StatusSeeOther)
	m := manageLink.FindStringSubmatch(res.Header.Get("Location"))
	if p, err := e.store.GetPlan(t.Context(), m[1]); err != nil || p.TimeZone != "Europe/London" || p.Status != sync.StatusOK {
		t.Errorf("plan from a form without zone: %+v %v", p, err)
	}
	e.cal.set([]byte(strings.Replace(string(runsICS(false)), "X-WR-TIMEZONE:Europe/London\r\n", "", 1)), http.StatusOK)
	res = e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}})
	wantStatus(t, res, http.StatusSeeOther)
	m = manageLink.FindStringSubmatch(res.Header.Get("Location"))
	if p, err := e.store.GetPlan(t.Context(), m[1]); err != nil || p.TimeZone != "UTC" {
		t.Errorf("plan from a form without zone, calendar without one: %+v %v", p, err)
	}
}

// A failed sync is said in words, with what to do about it.
func TestPlanPageError(t *testing.T) {
	e := newEnv(t)
	id, token := e.createByForm()
	e.cal.set(nil, http.StatusNotFound)
	e.clock.Add(20 * time.Minute)
	if _, err := e.svc.SyncPlan(t.Context(), id); err == nil {
		t.Fatal("a sync of a calendar that is gone succeeded")
	}
	res := e.do(http.MethodGet, "/plans/"+id+"?token="+token, "", nil)
	wantStatus(t, res, http.StatusOK)
	body := string(readBody(t, res))
	for _, want := range []string{"The last sync failed (just now).", "What went wrong:",
		"What to do:</strong> The calendar address no longer works"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
}
