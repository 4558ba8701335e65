package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

func TestCreatePlan(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	if c.ID == "" || c.ManageToken == "" || c.FeedURL == "" || c.WebcalURL == "" || c.ManageURL == "" {
		t.Fatalf("create answer lacks a field: %+v", c)
	}
	if c.Status != sync.StatusOK || c.LastError != "" {
		t.Fatalf("first sync: status %q, last_error %q; want ok", c.Status, c.LastError)
	}
	if !strings.HasPrefix(c.FeedURL, e.ts.URL+"/feeds/") || !strings.HasSuffix(c.FeedURL, ".ics") {
		t.Errorf("feed_url = %q, want %s/feeds/{token}.ics", c.FeedURL, e.ts.URL)
	}
	if want := "webcal://" + strings.TrimPrefix(c.FeedURL, "http://"); c.WebcalURL != want {
		t.Errorf("webcal_url = %q, want %q", c.WebcalURL, want)
	}
	if want := e.ts.URL + "/plans/" + c.ID + "?token=" + c.ManageToken; c.ManageURL != want {
		t.Errorf("manage_url = %q, want %q", c.ManageURL, want)
	}
	if len(feedToken(t, c.FeedURL)) != 43 || len(c.ManageToken) != 43 {
		t.Errorf("tokens are not 256-bit base64url")
	}

	// At rest the tokens are hashes, and the feed token opens from its seal.
	p, err := e.store.GetPlan(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.ManageTokenHash, seal.HashToken(c.ManageToken)) || !bytes.Equal(p.FeedTokenHash, seal.HashToken(feedToken(t, c.FeedURL))) {
		t.Error("stored token hashes do not match the tokens handed out")
	}
	if bytes.Contains(p.FeedTokenSealed, []byte(feedToken(t, c.FeedURL))) {
		t.Error("the feed token is stored in the clear")
	}
	if *p.Settings.PerWeek != 2 || *p.Settings.Level != "intermediate" || p.TimeZone != "Europe/London" {
		t.Errorf("stored plan = %+v", p)
	}

	// The feed is there at once, with sessions.
	res := e.do(http.MethodGet, path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusOK)
	body := readBody(t, res)
	cal, err := ical.Parse("feed", body)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cal.Ours()); n != 16 {
		t.Errorf("feed holds %d sessions, want 16 (2 a week for 8 weeks)", n)
	}
	if loc := res.Header.Get("Location"); loc != "" {
		t.Errorf("feed answer has Location %q", loc)
	}
}

func TestCreateBadInput(t *testing.T) {
	e := newEnv(t)
	src := e.cal.sourceURL()
	with := func(f func(m map[string]any)) map[string]any {
		m := e.createBody()
		f(m)
		return m
	}
	settings := func(k string, v any) map[string]any {
		return with(func(m map[string]any) { m["settings"].(map[string]any)[k] = v })
	}
	tests := []struct {
		name      string
		body      any
		status    int
		field     string
		msgSubstr string
	}{
		{"empty body", "", 400, "", "empty body"},
		{"not JSON", "{sources:", 400, "", "invalid JSON"},
		{"truncated", `{"sources":["x"]`, 400, "", "invalid JSON"},
		{"two values", `{"sources":["` + src + `"],"timezone":"UTC"} {}`, 400, "", "more than one value"},
		{"array", `[]`, 400, "", "object"},
		{"unknown field", with(func(m map[string]any) { m["color"] = "red" }), 400, "color", "unknown field"},
		{"unknown setting", settings("reps", 5), 400, "reps", "unknown field"},
		{"per_week type", settings("per_week", "two"), 400, "settings.per_week", "want a number"},
		{"per_week range", settings("per_week", 9), 400, "settings.per_week", ""},
		{"policy", settings("policy", "sometimes"), 400, "settings.policy", ""},
		{"at", settings("at", "25:00"), 400, "settings.at", ""},
		{"duration", settings("duration", "long"), 400, "settings.duration", "45m"},
		{"window", settings("window", "21:00-06:00"), 400, "settings.window", ""},
		{"level", settings("level", "elite"), 400, "settings.level", ""},
		{"no sources", with(func(m map[string]any) { delete(m, "sources") }), 400, "sources", "at least 1"},
		{"ftp source", with(func(m map[string]any) { m["sources"] = []string{"ftp://x.example/a.ics"} }), 400, "sources[0]", "https://"},
		{"not a URL", with(func(m map[string]any) { m["sources"] = []string{src, "runs.ics"} }), 400, "sources[1]", "not a URL"},
		{"google without Google", with(func(m map[string]any) { m["sources"] = []string{"google:primary"} }), 400, "sources[0]", "connected to Google"},
		{"bad busy", with(func(m map[string]any) { m["busy"] = []string{"mailto:x@example.com"} }), 400, "busy[0]", ""},
		{"too many sources", with(func(m map[string]any) {
			m["sources"] = []string{src, src, src, src, src, src, src, src, src, src, src}
		}), 400, "sources", "at most 5"},
		{"too many busy calendars", with(func(m map[string]any) {
			m["busy"] = []string{src, src, src, src, src, src}
		}), 400, "busy", "at most 5"},
		{"bad timezone", with(func(m map[string]any) { m["timezone"] = "Mars/Olympus" }), 400, "timezone", "unknown time zone"},
		{"too large", `{"sources":["` + strings.Repeat("a", maxBody) + `"]}`, 413, "", "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(http.MethodPost, "/api/plans", "", tt.body)
			wantStatus(t, res, tt.status)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			got := decode[map[string]string](t, res)
			if got["field"] != tt.field {
				t.Errorf("field = %q, want %q (error %q)", got["field"], tt.field, got["error"])
			}
			if tt.field != "" && !strings.HasPrefix(got["error"], tt.field+": ") {
				t.Errorf("error %q does not start with the field name %q", got["error"], tt.field)
			}
			if !strings.Contains(got["error"], tt.msgSubstr) {
				t.Errorf("error %q does not say %q", got["error"], tt.msgSubstr)
			}
		})
	}
	// Nothing was stored by any of them.
	due, err := e.store.DuePlans(t.Context(), monday.Add(time.Hour), 100)
	if err != nil || len(due) != 0 {
		t.Errorf("bad requests stored plans: %v %v", due, err)
	}
}

// A calendar that can never be read is refused before anything is made:
// 422 naming the calendar and what to do, and no plan stored.
func TestCreateRefusesUnreadableSource(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(e *env)
		field   string
		errWord string
	}{
		{"404", func(e *env) { e.cal.set(nil, http.StatusNotFound) }, "sources[0]", "404"},
		{"401", func(e *env) { e.cal.set(nil, http.StatusUnauthorized) }, "sources[0]", "401"},
		{"410", func(e *env) { e.cal.set(nil, http.StatusGone) }, "sources[0]", "410"},
		{"not a calendar", func(e *env) { e.cal.set([]byte("<html>hello</html>"), http.StatusOK) }, "sources[0]", "not a calendar"},
		{"private address refused", func(e *env) {
			opts := fetch.DefaultOptions()
			opts.Retries = -1
			e.srv.Fetcher = fetch.New(opts) // the service default: no private addresses
		}, "sources[0]", "permanent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.setup)
			res := e.do(http.MethodPost, "/api/plans", "", e.createBody())
			wantStatus(t, res, http.StatusUnprocessableEntity)
			got := decode[map[string]string](t, res)
			if got["field"] != tt.field || !strings.HasPrefix(got["error"], tt.field+": ") || !strings.Contains(got["error"], tt.errWord) {
				t.Errorf("422 body = %v, want field %s and %q", got, tt.field, tt.errWord)
			}
			if strings.Contains(got["error"], "secret-c4l3nd4r-k3y") {
				t.Errorf("the error shows the source's secret path: %q", got["error"])
			}
			if ids, err := e.store.DuePlans(t.Context(), monday.Add(time.Hour), 100); err != nil || len(ids) != 0 {
				t.Errorf("a refused create stored plans: %v %v", ids, err)
			}
		})
	}

	// A busy calendar is checked too, and named as such.
	e := newEnv(t)
	gone := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(gone.Close)
	body := e.createBody()
	body["busy"] = []string{gone.URL + "/work.ics"}
	res := e.do(http.MethodPost, "/api/plans", "", body)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := decode[map[string]string](t, res); got["field"] != "busy[0]" {
		t.Errorf("busy 404: %v", got)
	}

	// The home form says the same on the form, keeping what was typed.
	e.cal.set(nil, http.StatusNotFound)
	res = e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if b := string(readBody(t, res)); !strings.Contains(b, "sources[0]") || !strings.Contains(b, "404") ||
		!strings.Contains(b, `role="alert"`) || !strings.Contains(b, templateEscape(e.cal.sourceURL())) {
		t.Errorf("form after a 404 source:\n%s", b)
	}
	if ids, _ := e.store.DuePlans(t.Context(), monday.Add(time.Hour), 100); len(ids) != 0 {
		t.Errorf("the form stored a plan whose source is 404: %v", ids)
	}
}

// A transient failure (the server is down just now) still makes the plan,
// and the answer says so; the page does not call it ready.
func TestCreateTransientSourceFailure(t *testing.T) {
	e := newEnv(t)
	e.cal.set(nil, http.StatusServiceUnavailable)
	res := e.do(http.MethodPost, "/api/plans", "", e.createBody())
	wantStatus(t, res, http.StatusCreated)
	c := decode[created](t, res)
	if c.Status != sync.StatusError || !strings.Contains(c.Warning, "sources[0]") || !strings.Contains(c.Warning, "transient") {
		t.Fatalf("status %q, warning %q; want error and a warning naming sources[0]", c.Status, c.Warning)
	}
	if strings.Contains(c.Warning, "secret-c4l3nd4r-k3y") || strings.Contains(c.LastError, "secret-c4l3nd4r-k3y") {
		t.Errorf("the answer shows the source's secret path")
	}
	// The feed is the empty "syncing" calendar until a sync works.
	res = e.do(http.MethodGet, path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusOK)
	if b := readBody(t, res); !bytes.Contains(b, []byte("X-WR-CALNAME:"+SyncingName)) {
		t.Errorf("feed before a good sync:\n%s", b)
	}
	res = e.do(http.MethodGet, path(t, c.ManageURL)+"&done=created", "", nil)
	b := string(readBody(t, res))
	if strings.Contains(b, "Your plan is ready") || !strings.Contains(b, "could not be read yet") {
		t.Errorf("the page of a plan whose calendar failed claims it is ready")
	}
}

// The time zone is optional when the calendar names one (X-WR-TIMEZONE),
// as in the CLI; without one the API asks for it.
func TestCreateZoneFromCalendar(t *testing.T) {
	e := newEnv(t)
	body := e.createBody()
	delete(body, "timezone")
	res := e.do(http.MethodPost, "/api/plans", "", body)
	wantStatus(t, res, http.StatusCreated)
	c := decode[created](t, res)
	if p, err := e.store.GetPlan(t.Context(), c.ID); err != nil || p.TimeZone != "Europe/London" {
		t.Fatalf("zone of a plan made without one: %+v %v", p, err)
	}
	e.cal.set(bytes.Replace(runsICS(false), []byte("X-WR-TIMEZONE:Europe/London\r\n"), nil, 1), http.StatusOK)
	res = e.do(http.MethodPost, "/api/plans", "", body)
	wantStatus(t, res, http.StatusBadRequest)
	if got := decode[map[string]string](t, res); got["field"] != "timezone" || !strings.Contains(got["error"], "X-WR-TIMEZONE") {
		t.Errorf("no zone anywhere: %v", got)
	}
}

// A slow first sync: the answer comes after FirstSyncWait with "syncing",
// the feed is a valid empty calendar, and the sync finishes on its own.
func TestCreateSlowFirstSync(t *testing.T) {
	e := newEnv(t, func(e *env) { e.srv.FirstSyncWait = 50 * time.Millisecond })
	release := make(chan struct{})
	e.cal.mu.Lock()
	e.cal.block = release
	e.cal.mu.Unlock()
	c := e.create()
	if c.Status != sync.StatusSyncing {
		t.Fatalf("status = %q, want syncing", c.Status)
	}
	res := e.do(http.MethodGet, path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusOK)
	body := readBody(t, res)
	cal, err := ical.Parse("feed", body)
	if err != nil {
		t.Fatalf("syncing feed is not a calendar: %v\n%s", err, body)
	}
	if len(cal.Ours()) != 0 || !bytes.Contains(body, []byte("X-WR-CALNAME:Strength training (syncing…)")) {
		t.Errorf("syncing feed:\n%s", body)
	}
	if res.Header.Get("ETag") != "" {
		t.Error("the syncing feed has an ETag: a client could keep it with 304s")
	}
	close(release)
	e.waitSynced(c.ID) // in the worker pool, like every sync
	if err := e.srv.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	res = e.do(http.MethodGet, path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusOK)
	if cal, err := ical.Parse("feed", readBody(t, res)); err != nil || len(cal.Ours()) == 0 {
		t.Errorf("feed after the first sync ended: %v sessions, %v", len(cal.Ours()), err)
	}
}

func TestGetPlan(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	res := e.do(http.MethodGet, "/api/plans/"+c.ID, c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	raw := readBody(t, res)
	var v planView
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"id"`, `"status"`, `"last_sync"`, `"last_error"`, `"next_sync"`, `"sessions"`, `"days"`} {
		if !bytes.Contains(raw, []byte(key+":")) {
			t.Errorf("answer lacks %s", key)
		}
	}
	if v.ID != c.ID || v.Status != "ok" || v.LastError != "" || v.LastSync == nil || !v.LastSync.Equal(monday) {
		t.Errorf("plan view = %+v", v)
	}
	if v.NextSync == nil || !v.NextSync.Equal(monday.Add(15*time.Minute)) {
		t.Errorf("next_sync = %v, want 15 minutes after the sync", v.NextSync)
	}
	if len(v.Days) != 56 || v.Days[0].Date != "2026-03-02" {
		t.Fatalf("days: %d from %v, want 56 from 2026-03-02", len(v.Days), v.Days[0].Date)
	}
	if v.Days[1].Kind != "hard" || v.Days[6].Kind != "long" {
		t.Errorf("Tue kind %q, Sun kind %q; want hard, long", v.Days[1].Kind, v.Days[6].Kind)
	}
	if len(v.Sessions) != 16 {
		t.Fatalf("sessions = %d, want 16", len(v.Sessions))
	}
	for _, s := range v.Sessions {
		if s.UID == "" || s.Reason == "" || len(s.Exercises) == 0 || s.Start == "" {
			t.Errorf("session lacks a field: %+v", s)
		}
	}
	if v.FeedURL != c.FeedURL || v.Settings.PerWeek == nil || *v.Settings.PerWeek != 2 || v.Sources[0] != e.cal.sourceURL() {
		t.Errorf("view: feed %q, settings %+v, sources %v", v.FeedURL, v.Settings, v.Sources)
	}
}

// The 401/404 rule: a missing token is 401 whether or not the plan exists;
// a wrong token and an unknown plan are one and the same 404.
func TestAuthIndistinguishable(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	other := e.create() // a real token, for another plan
	routes := []struct{ method, suffix string }{
		{http.MethodGet, ""}, {http.MethodPatch, ""}, {http.MethodDelete, ""},
		{http.MethodPost, "/sync"}, {http.MethodPost, "/feed-token"},
	}
	type answer struct {
		status int
		body   string
		auth   string
	}
	get := func(method, p, token string, hdr ...string) answer {
		res := e.do(method, p, token, `{"settings":{"per_week":1}}`, hdr...)
		return answer{res.StatusCode, string(readBody(t, res)), res.Header.Get("WWW-Authenticate")}
	}
	for _, r := range routes {
		t.Run(r.method+r.suffix, func(t *testing.T) {
			existing := "/api/plans/" + c.ID + r.suffix
			unknown := "/api/plans/" + newPlanID() + r.suffix
			junk := "/api/plans/NOT-AN-ID" + r.suffix

			missing := []answer{get(r.method, existing, ""), get(r.method, unknown, ""),
				get(r.method, existing, "", "Authorization", "Basic "+c.ManageToken),
				get(r.method, existing, "", "Authorization", "Bearer")}
			for i, a := range missing {
				if a.status != http.StatusUnauthorized || a.body != missing[0].body || !strings.HasPrefix(a.auth, "Bearer") {
					t.Errorf("missing token case %d: %d %q (WWW-Authenticate %q), want 401 like the first", i, a.status, a.body, a.auth)
				}
			}
			wrong := []answer{get(r.method, existing, seal.NewToken()), get(r.method, unknown, seal.NewToken()),
				get(r.method, existing, other.ManageToken), get(r.method, unknown, c.ManageToken),
				get(r.method, junk, c.ManageToken)}
			for i, a := range wrong {
				if a.status != http.StatusNotFound || a.body != wrong[0].body || a.auth != "" {
					t.Errorf("wrong token case %d: %d %q, want the same 404 as case 0 (%d %q)", i, a.status, a.body, wrong[0].status, wrong[0].body)
				}
			}
		})
	}
	// None of it changed the plan.
	res := e.do(http.MethodGet, "/api/plans/"+c.ID, c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	if v := decode[planView](t, res); *v.Settings.PerWeek != 2 || v.FeedURL != c.FeedURL {
		t.Errorf("plan changed by unauthorised requests: %+v", v)
	}
}

func TestPatchPlan(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	p := "/api/plans/" + c.ID

	res := e.do(http.MethodPatch, p, c.ManageToken, map[string]any{"settings": map[string]any{"per_week": 1, "level": "beginner"}})
	wantStatus(t, res, http.StatusOK)
	v := decode[planView](t, res)
	if *v.Settings.PerWeek != 1 || *v.Settings.Level != "beginner" || *v.Settings.Policy != "stack" || *v.Settings.At != "18:00" {
		t.Errorf("settings after PATCH = %s; want per_week 1, level beginner, the rest kept", fmtJSON(v.Settings))
	}
	e.waitSynced(c.ID)
	res = e.do(http.MethodGet, p, c.ManageToken, nil)
	if v := decode[planView](t, res); len(v.Sessions) != 8 {
		t.Errorf("after per_week 1 and a sync: %d sessions, want 8", len(v.Sessions))
	}

	// Sources, busy and zone change too; the feed token does not.
	busy := e.cal.URL + "/busy.ics"
	res = e.do(http.MethodPatch, p, c.ManageToken, map[string]any{"busy": []string{busy}, "timezone": "Europe/Paris"})
	wantStatus(t, res, http.StatusOK)
	v = decode[planView](t, res)
	if v.TimeZone != "Europe/Paris" || len(v.Busy) != 1 || v.Busy[0] != busy || v.FeedURL != c.FeedURL || len(v.Sources) != 1 {
		t.Errorf("after PATCH: zone %q busy %v sources %v feed %q", v.TimeZone, v.Busy, v.Sources, v.FeedURL)
	}
	res = e.do(http.MethodPatch, p, c.ManageToken, map[string]any{"busy": []string{}})
	if v := decode[planView](t, res); len(v.Busy) != 0 {
		t.Errorf("busy [] kept %v", v.Busy)
	}

	bad := []struct {
		body  any
		field string
	}{
		{map[string]any{"settings": map[string]any{"per_week": 8}}, "settings.per_week"},
		{map[string]any{"settings": map[string]any{"gap": "soon"}}, "settings.gap"},
		{map[string]any{"sources": []string{}}, "sources"},
		{map[string]any{"sources": []string{"gopher://x"}}, "sources[0]"},
		{map[string]any{"timezone": "Nowhere/City"}, "timezone"},
		{map[string]any{"feed_token": "x"}, "feed_token"},
		{`{"settings": 3}`, "settings"},
	}
	for _, b := range bad {
		res := e.do(http.MethodPatch, p, c.ManageToken, b.body)
		wantStatus(t, res, http.StatusBadRequest)
		if got := decode[map[string]string](t, res); got["field"] != b.field {
			t.Errorf("PATCH %v: field %q (%q), want %q", b.body, got["field"], got["error"], b.field)
		}
	}
	stored, _ := e.store.GetPlan(t.Context(), c.ID)
	if *stored.Settings.PerWeek != 1 || stored.TimeZone != "Europe/Paris" {
		t.Errorf("a refused PATCH changed the plan: %+v", stored)
	}
}

func TestSyncEndpoint(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	e.clock.Add(time.Hour)
	res := e.do(http.MethodPost, "/api/plans/"+c.ID+"/sync", c.ManageToken, nil)
	wantStatus(t, res, http.StatusAccepted)
	if got := decode[map[string]string](t, res); got["status"] != "queued" || got["id"] != c.ID {
		t.Errorf("answer = %v", got)
	}
	e.waitSynced(c.ID)
	if p, _ := e.store.GetPlan(t.Context(), c.ID); !p.LastSync.Equal(monday.Add(time.Hour)) {
		t.Errorf("last sync %v, want the one asked for at %v", p.LastSync, monday.Add(time.Hour))
	}
	// A queue that is gone (stopped here) is a 503, not a lost request.
	e.stopQueue()
	res = e.do(http.MethodPost, "/api/plans/"+c.ID+"/sync", c.ManageToken, nil)
	wantStatus(t, res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}

func TestRotateFeedToken(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	old := path(t, c.FeedURL)
	res := e.do(http.MethodPost, "/api/plans/"+c.ID+"/feed-token", c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	got := decode[map[string]string](t, res)
	if got["feed_url"] == "" || got["feed_url"] == c.FeedURL || got["webcal_url"] != webcalURL(got["feed_url"]) {
		t.Fatalf("rotation answer = %v", got)
	}
	wantStatus(t, e.do(http.MethodGet, old, "", nil), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodHead, old, "", nil), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodGet, path(t, got["feed_url"]), "", nil), http.StatusOK)

	// A sync after the rotation keeps the new token (it must not write an
	// old copy of the plan back).
	if _, err := e.svc.SyncPlan(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do(http.MethodGet, old, "", nil), http.StatusNotFound)
	res = e.do(http.MethodGet, "/api/plans/"+c.ID, c.ManageToken, nil)
	if v := decode[planView](t, res); v.FeedURL != got["feed_url"] {
		t.Errorf("plan shows feed %q, want the new %q", v.FeedURL, got["feed_url"])
	}
}

// A change waits for a sync in flight instead of being undone by it.
func TestMutationWaitsForSync(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	unlock, err := e.store.Lock(t.Context(), "sync:"+c.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *http.Response)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/api/plans/"+c.ID+"/feed-token", nil)
		req.Header.Set("Authorization", "Bearer "+c.ManageToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		t.Fatalf("rotation answered %d while a sync held the plan", res.StatusCode)
	case <-time.After(200 * time.Millisecond):
	}
	unlock(t.Context())
	res := <-done
	defer res.Body.Close()
	wantStatus(t, res, http.StatusOK)

	// A sync that holds on past LockWait: 503 with Retry-After, nothing changed.
	e.srv.LockWait = 50 * time.Millisecond
	unlock, err = e.store.Lock(t.Context(), "sync:"+c.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(t.Context())
	for _, r := range []struct {
		method, suffix string
		body           any
	}{{http.MethodPatch, "", map[string]any{"settings": map[string]any{"per_week": 1}}}, {http.MethodPost, "/feed-token", nil},
		{http.MethodDelete, "", nil}} {
		res := e.do(r.method, "/api/plans/"+c.ID+r.suffix, c.ManageToken, r.body)
		wantStatus(t, res, http.StatusServiceUnavailable)
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", r.method)
		}
	}
	if p, err := e.store.GetPlan(t.Context(), c.ID); err != nil || *p.Settings.PerWeek != 2 {
		t.Errorf("plan changed while locked: %v", err)
	}
}

func TestDeletePlan(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	keep := e.create()
	res := e.do(http.MethodDelete, "/api/plans/"+c.ID, c.ManageToken, nil)
	wantStatus(t, res, http.StatusNoContent)
	if b := readBody(t, res); len(b) != 0 {
		t.Errorf("204 with a body: %q", b)
	}
	// The feed clears subscribed calendars for a while (TestDeletedFeed).
	wantStatus(t, e.do(http.MethodGet, path(t, c.FeedURL), "", nil), http.StatusOK)
	wantStatus(t, e.do(http.MethodGet, "/api/plans/"+c.ID, c.ManageToken, nil), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodDelete, "/api/plans/"+c.ID, c.ManageToken, nil), http.StatusNotFound)
	if _, err := e.store.GetFeed(t.Context(), c.ID); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("feed after delete: %v", err)
	}
	if _, err := e.store.PlanByFeedToken(t.Context(), seal.HashToken(feedToken(t, c.FeedURL))); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("feed token after delete: %v", err)
	}
	// The other plan is untouched.
	wantStatus(t, e.do(http.MethodGet, path(t, keep.FeedURL), "", nil), http.StatusOK)
}

// fakeUnlinker records which plans had their Google calendar removed.
type fakeUnlinker struct {
	err error
	ids []string
}

func (f *fakeUnlinker) Unlink(_ context.Context, p *sync.PlanRecord) error {
	f.ids = append(f.ids, p.ID)
	return f.err
}

func TestDeleteGooglePlan(t *testing.T) {
	un := &fakeUnlinker{err: errors.New("google: 503")}
	e := newEnv(t, func(e *env) { e.srv.Unlink = un })
	c := e.create()
	// Connect it to Google the way the callback does.
	p, _ := e.store.GetPlan(t.Context(), c.ID)
	p.GoogleTokenSealed, _ = e.srv.Sealer.Seal([]byte(`{"refresh_token":"r"}`), []byte(c.ID))
	if err := e.store.UpdatePlan(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	res := e.do(http.MethodDelete, "/api/plans/"+c.ID, c.ManageToken, nil)
	wantStatus(t, res, http.StatusBadGateway)
	wantStatus(t, e.do(http.MethodGet, path(t, c.FeedURL), "", nil), http.StatusOK) // kept, to try again
	un.err = nil
	wantStatus(t, e.do(http.MethodDelete, "/api/plans/"+c.ID, c.ManageToken, nil), http.StatusNoContent)
	if len(un.ids) != 2 || un.ids[1] != c.ID {
		t.Errorf("unlinked %v", un.ids)
	}
	wantStatus(t, e.do(http.MethodGet, path(t, c.FeedURL), "", nil), http.StatusOK) // empty, then 404 (TestDeletedFeed)
}

func TestUnknownAPIRoute(t *testing.T) {
	e := newEnv(t)
	res := e.do(http.MethodGet, "/api/nothing", "", nil)
	wantStatus(t, res, http.StatusNotFound)
	if got := decode[map[string]string](t, res); got["error"] != "not found" {
		t.Errorf("body = %v", got)
	}
	wantStatus(t, e.do(http.MethodPut, "/api/plans", "", nil), http.StatusMethodNotAllowed)
}
