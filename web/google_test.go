package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync/googlefake"
)

// The web consent flow against the fake Google: PKCE, a state in a sealed
// cookie, and a plan created with the token sealed into it
// (https://developers.google.com/identity/protocols/oauth2/web-server).

func withGoogle(fake *googlefake.Server) func(*env) {
	return func(e *env) {
		creds := oauth.Credentials{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret()}
		ends := oauth.Endpoints{AuthURL: fake.AuthURL(), TokenURL: fake.TokenURL(), RevokeURL: fake.RevokeURL(), APIURL: fake.APIURL()}
		e.srv.Google = &GoogleAuth{Config: oauth.Config(creds, ends, "")}
	}
}

// consent runs start → Google → callback and returns the callback's answer.
// tamper, when set, changes Google's redirect before it reaches us.
func (e *env) consent(query string, tamper func(u *url.URL)) *http.Response {
	e.t.Helper()
	start := e.do(http.MethodGet, "/auth/google/start?"+query, "", nil)
	if start.StatusCode != http.StatusFound {
		return start
	}
	var cookie *http.Cookie
	for _, c := range start.Cookies() {
		if c.Name == oauthCookie {
			cookie = c
		}
	}
	if cookie == nil {
		e.t.Fatal("start set no state cookie")
	}
	res, err := e.client().Get(start.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		e.t.Fatalf("fake Google answered %d", res.StatusCode)
	}
	back, _ := url.Parse(res.Header.Get("Location"))
	if tamper != nil {
		tamper(back)
	}
	req, _ := http.NewRequestWithContext(e.t.Context(), http.MethodGet, back.String(), nil)
	if cookie.Value != "" {
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	cb, err := e.client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cb.Body.Close() })
	return cb
}

func TestGoogleConnect(t *testing.T) {
	fake := googlefake.New(googlefake.Options{})
	t.Cleanup(fake.Close)
	e := newEnv(t, withGoogle(fake))

	home := string(readBody(t, e.do(http.MethodGet, "/", "", nil)))
	if !strings.Contains(home, `action="/auth/google/start"`) {
		t.Error("home page does not offer Google")
	}

	start := e.do(http.MethodGet, "/auth/google/start?timezone=Europe/Paris&per_week=3&policy=separate", "", nil)
	wantStatus(t, start, http.StatusFound)
	auth, _ := url.Parse(start.Header.Get("Location"))
	q := auth.Query()
	for k, want := range map[string]string{"code_challenge_method": "S256", "access_type": "offline", "prompt": "consent",
		"redirect_uri": e.ts.URL + "/auth/google/callback", "client_id": fake.ClientID(), "response_type": "code"} {
		if q.Get(k) != want {
			t.Errorf("consent URL %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(q.Get("state")) < 40 || len(q.Get("code_challenge")) < 40 {
		t.Errorf("state %q / challenge %q too short", q.Get("state"), q.Get("code_challenge"))
	}
	c := start.Cookies()[0]
	if c.Name != oauthCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/auth/google/" || c.Secure {
		t.Errorf("state cookie = %+v (Secure only with an https public URL)", c)
	}
	if strings.Contains(c.Value, q.Get("state")) {
		t.Error("the cookie shows the state in the clear")
	}

	cb := e.consent("timezone=Europe/Paris&per_week=3&policy=separate", nil)
	wantStatus(t, cb, http.StatusSeeOther)
	m := manageLink.FindStringSubmatch(cb.Header.Get("Location"))
	if m == nil {
		t.Fatalf("callback redirects to %q, want the manage link", cb.Header.Get("Location"))
	}
	for _, ck := range cb.Cookies() {
		if ck.Name == oauthCookie && ck.MaxAge >= 0 {
			t.Error("the state cookie outlives the callback")
		}
	}
	p, err := e.store.GetPlan(t.Context(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sources) != 1 || p.Sources[0] != "google:primary" || p.TimeZone != "Europe/Paris" ||
		*p.Settings.PerWeek != 3 || *p.Settings.Policy != "separate" {
		t.Errorf("Google plan = sources %v zone %q settings %s", p.Sources, p.TimeZone, fmtJSON(p.Settings))
	}
	plain, err := e.srv.Sealer.Open(p.GoogleTokenSealed, []byte(p.ID))
	if err != nil {
		t.Fatalf("sealed Google token does not open with the plan ID: %v", err)
	}
	var tok storedToken
	if err := json.Unmarshal(plain, &tok); err != nil || tok.RefreshToken == "" || tok.AccessToken == "" ||
		!strings.Contains(tok.Scope, oauth.ScopeAppCreated) {
		t.Errorf("sealed token = %s, %v", plain, err)
	}
	if strings.Contains(e.logs.String(), tok.RefreshToken) || strings.Contains(e.logs.String(), tok.AccessToken) {
		t.Error("the logs contain the Google token")
	}
	// The page works for a Google plan too (its sync fails here: this
	// server's service has no Google client).
	res := e.do(http.MethodGet, "/plans/"+m[1]+"?token="+m[2], "", nil)
	wantStatus(t, res, http.StatusOK)
	if b := string(readBody(t, res)); !strings.Contains(b, "google:primary") || !strings.Contains(b, "its Google calendar") {
		t.Error("plan page does not show the Google plan")
	}
}

func TestGoogleConnectRefused(t *testing.T) {
	fake := googlefake.New(googlefake.Options{})
	t.Cleanup(fake.Close)
	e := newEnv(t, withGoogle(fake))
	plans := func() int {
		ids, _ := e.store.DuePlans(t.Context(), monday.Add(24*time.Hour), 100)
		return len(ids)
	}

	tests := []struct {
		name   string
		setup  func()
		query  string
		tamper func(u *url.URL)
		status int
		says   string
	}{
		{"state changed", nil, "", func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}, http.StatusBadRequest, "does not match"},
		{"code missing", nil, "", func(u *url.URL) {
			q := u.Query()
			q.Del("code")
			u.RawQuery = q.Encode()
		}, http.StatusBadRequest, "no code"},
		{"code forged", nil, "", func(u *url.URL) {
			q := u.Query()
			q.Set("code", "4/0Aforged")
			u.RawQuery = q.Encode()
		}, http.StatusBadGateway, "did not accept"},
		{"access denied", func() { fake.RefuseConsent(true) }, "", nil, http.StatusForbidden, "not granted"},
		{"calendar scope unticked", func() { fake.RefuseConsent(false); fake.GrantOnly(oauth.ScopeEventsReadonly) }, "", nil,
			http.StatusForbidden, "calendar.app.created was not granted"},
		{"bad settings", func() { fake.GrantOnly() }, "per_week=12", nil, http.StatusBadRequest, "settings.per_week"},
		{"bad zone", nil, "timezone=Atlantis", nil, http.StatusBadRequest, "timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			res := e.consent(tt.query, tt.tamper)
			wantStatus(t, res, tt.status)
			if b := string(readBody(t, res)); !strings.Contains(b, tt.says) {
				t.Errorf("page does not say %q:\n%s", tt.says, b)
			}
		})
	}
	// A callback with no cookie, or an expired one.
	res := e.do(http.MethodGet, "/auth/google/callback?state=x&code=y", "", nil)
	wantStatus(t, res, http.StatusBadRequest)
	start := e.do(http.MethodGet, "/auth/google/start", "", nil)
	e.clock.Add(11 * time.Minute)
	st, _ := url.Parse(start.Header.Get("Location"))
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/auth/google/callback?code=c&state="+st.Query().Get("state"), nil)
	req.AddCookie(start.Cookies()[0])
	res, err := e.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wantStatus(t, res, http.StatusBadRequest)

	if n := plans(); n != 0 {
		t.Errorf("refused consents created %d plans", n)
	}
}

func TestGoogleSecureCookie(t *testing.T) {
	fake := googlefake.New(googlefake.Options{})
	t.Cleanup(fake.Close)
	e := newEnv(t, withGoogle(fake), func(e *env) { e.srv.PublicURL = "https://strength.example" })
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/google/start", nil))
	res := rec.Result()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("start: %d", res.StatusCode)
	}
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookie with an https public URL: %+v, want Secure", c)
	}
	u, _ := url.Parse(res.Header.Get("Location"))
	if got := u.Query().Get("redirect_uri"); got != "https://strength.example/auth/google/callback" {
		t.Errorf("redirect_uri = %q, want it built from the public URL", got)
	}
}

func TestGoogleNotConfigured(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.do(http.MethodGet, "/auth/google/start", "", nil), http.StatusNotFound)
	wantStatus(t, e.do(http.MethodGet, "/auth/google/callback?code=x&state=y", "", nil), http.StatusNotFound)
}

// TestHybridForm: the home form's "also in Google" makes the URL plan,
// then sends the runner through Google's consent; the plan keeps its
// calendar addresses and gains the grant (hybrid output).
func TestHybridForm(t *testing.T) {
	fake := googlefake.New(googlefake.Options{})
	t.Cleanup(fake.Close)
	e := newEnv(t, withGoogle(fake))
	res := e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}, "timezone": {"Europe/London"}, "google": {"on"}})
	wantStatus(t, res, http.StatusSeeOther)
	to, err := url.Parse(res.Header.Get("Location"))
	if err != nil || to.Path != "/auth/google/start" || to.Query().Get("plan") == "" || to.Query().Get("token") == "" {
		t.Fatalf("the form went to %q, want Google's consent for the new plan", res.Header.Get("Location"))
	}
	id := to.Query().Get("plan")
	cb := e.consent(to.RawQuery, nil)
	wantStatus(t, cb, http.StatusSeeOther)
	if loc := cb.Header.Get("Location"); !strings.HasPrefix(loc, "/plans/"+id+"?") {
		t.Fatalf("the consent went back to %q", loc)
	}
	p, err := e.store.GetPlan(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sources) != 1 || p.Sources[0] != e.cal.sourceURL() || p.GoogleTokenSealed == nil {
		t.Fatalf("hybrid plan: sources %v, google %v", p.Sources, p.GoogleTokenSealed != nil)
	}
	// Without the box the form makes a feed-only plan, as before.
	res = e.form("/plans", url.Values{"sources": {e.cal.sourceURL()}, "timezone": {"Europe/London"}})
	wantStatus(t, res, http.StatusSeeOther)
	if m := manageLink.FindStringSubmatch(res.Header.Get("Location")); m == nil {
		t.Fatalf("the form without the box went to %q", res.Header.Get("Location"))
	}
}
