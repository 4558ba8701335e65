package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCommonHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	paths := []struct{ method, path, token string }{
		{"GET", "/", ""}, {"GET", "/healthz", ""}, {"GET", "/readyz", ""}, {"GET", "/metrics", ""},
		{"GET", path(t, c.FeedURL), ""}, {"GET", "/feeds/nope.ics", ""}, {"GET", "/api/plans/" + c.ID, c.ManageToken},
		{"GET", "/api/plans/" + c.ID, ""}, {"GET", path(t, c.ManageURL), ""}, {"GET", "/nothing", ""},
		{"POST", "/api/plans", ""}, {"GET", "/static/style.css", ""},
	}
	for _, p := range paths {
		res := e.do(p.method, p.path, p.token, nil)
		for name, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
			"X-Frame-Options": "DENY"} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s %s: %s = %q, want %q", p.method, strings.SplitN(p.path, "?", 2)[0], name, got, want)
			}
		}
		if id := res.Header.Get("X-Request-ID"); len(id) != 16 {
			t.Errorf("%s: X-Request-ID = %q, want a generated one", p.path, id)
		}
	}
}

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		in   string
		keep bool
	}{
		{"abc-123_DEF.4", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{`quote"d`, false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		res := e.do("GET", "/healthz", "", nil, "X-Request-ID", tt.in)
		got := res.Header.Get("X-Request-ID")
		if tt.keep && got != tt.in {
			t.Errorf("X-Request-ID %q answered %q, want it echoed", tt.in, got)
		}
		if !tt.keep && (got == tt.in || len(got) != 16) {
			t.Errorf("X-Request-ID %q answered %q, want a fresh one", tt.in, got)
		}
		if !strings.Contains(e.logs.String(), `"request_id":"`+got+`"`) {
			t.Errorf("request ID %q not in the logs", got)
		}
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(e *env) {
		e.srv.APILimit = Limit{Rate: 0.01, Burst: 3}
		e.srv.FeedLimit = Limit{Rate: 0.5, Burst: 2}
	})
	c := e.create() // one of the API's three
	for i := range 2 {
		wantStatus(t, e.do("GET", "/api/plans/"+c.ID, c.ManageToken, nil), http.StatusOK)
		_ = i
	}
	res := e.do("GET", "/api/plans/"+c.ID, c.ManageToken, nil)
	wantStatus(t, res, http.StatusTooManyRequests)
	ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 100 {
		t.Errorf("Retry-After = %q, want whole seconds until a token is back (≤100 at 0.01/s)", res.Header.Get("Retry-After"))
	}
	if got := decode[map[string]string](t, res); !strings.Contains(got["error"], "too many requests") {
		t.Errorf("429 body = %v", got)
	}
	// Wrong tokens and pages share the budget: guessing costs the same.
	wantStatus(t, e.do("GET", "/api/plans/"+c.ID, "wrong", nil), http.StatusTooManyRequests)
	wantStatus(t, e.do("GET", path(t, c.ManageURL), "", nil), http.StatusTooManyRequests)
	// Feeds have their own budget; health and metrics have none.
	wantStatus(t, e.do("GET", path(t, c.FeedURL), "", nil), http.StatusOK)
	wantStatus(t, e.do("GET", path(t, c.FeedURL), "", nil), http.StatusOK)
	res = e.do("GET", path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusTooManyRequests)
	if ra := res.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("feed Retry-After = %q, want 2 (one token every 2 s)", ra)
	}
	for range 5 {
		wantStatus(t, e.do("GET", "/healthz", "", nil), http.StatusOK)
		wantStatus(t, e.do("GET", "/", "", nil), http.StatusOK)
	}

	// A feed is limited per token, whoever asks: calendar services fetch
	// every user's feed from a few addresses.
	for _, ip := range []string{"192.0.2.1:5555", "[2001:db8::1]:443"} {
		if code := e.serveAs(ip, "GET", path(t, c.FeedURL), nil); code != http.StatusTooManyRequests {
			t.Errorf("feed from client %s: %d, want 429 (the token's budget is spent)", ip, code)
		}
	}
	// Another plan's feed is not limited by the first one's use.
	other := newEnvPlan(t, e)
	if code := e.serveAs("127.0.0.1:1", "GET", path(t, other.FeedURL), nil); code != http.StatusOK {
		t.Errorf("another feed from the same client: %d, want 200", code)
	}
	// X-Forwarded-For from an untrusted peer picks no bucket.
	if code := e.serveAs("127.0.0.1:1", "GET", "/api/plans/"+c.ID, nil, "Authorization", "Bearer "+c.ManageToken,
		"X-Forwarded-For", "198.51.100.7"); code != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For escaped the limit: %d", code)
	}
}

// newEnvPlan makes one more plan in e, straight through the handler so no
// rate limit of the test's own address is spent.
func newEnvPlan(t *testing.T, e *env) created {
	t.Helper()
	body, _ := json.Marshal(e.createBody())
	req := httptest.NewRequestWithContext(t.Context(), "POST", "/api/plans", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "203.0.113.250:1"
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var c created
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// serveAs sends a request as if from peer (ip:port), straight through the
// handler, and returns the status; hdr are header pairs.
func (e *env) serveAs(peer, method, target string, body io.Reader, hdr ...string) int {
	req := httptest.NewRequestWithContext(e.t.Context(), method, target, body)
	req.RemoteAddr = peer
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec.Code
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(Limit{Rate: 0.001, Burst: 1}, 3)
	now := time.Unix(1e9, 0)
	for _, ip := range []string{"a", "b", "c"} {
		if w := l.allow(ip, now); w != 0 {
			t.Fatalf("first request of %s waits %v", ip, w)
		}
	}
	if w := l.allow("a", now); w <= 0 {
		t.Fatal("a's second request was let through with a burst of 1")
	}
	// "a" was just seen, so "b" is the least recently seen and goes first.
	l.allow("d", now)
	if n := l.size(); n != 3 {
		t.Errorf("table holds %d clients, want the bound 3", n)
	}
	if w := l.allow("b", now); w != 0 {
		t.Error("b was not evicted (it would have been limited)")
	}
	if w := l.allow("a", now); w <= 0 {
		t.Error("a, recently seen, lost its bucket")
	}
	for i := range 10000 {
		l.allow(strconv.Itoa(i), now)
	}
	if n := l.size(); n != 3 {
		t.Errorf("after a flood of addresses the table holds %d, want 3", n)
	}
}

// Logs carry route patterns, never tokens nor the runner's feed addresses.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	secrets := []string{c.ManageToken, feedToken(t, c.FeedURL), "secret-c4l3nd4r-k3y"}
	e.do("GET", "/api/plans/"+c.ID, c.ManageToken, nil)
	e.do("GET", "/api/plans/"+c.ID, c.ManageToken+"x", nil)
	e.do("PATCH", "/api/plans/"+c.ID, c.ManageToken, map[string]any{"settings": map[string]any{"per_week": 3}})
	e.waitSynced(c.ID)
	e.do("GET", path(t, c.FeedURL), "", nil)
	e.do("GET", path(t, c.FeedURL), "", nil, "Accept-Encoding", "gzip")
	e.do("GET", path(t, c.ManageURL), "", nil)
	e.form("/plans/"+c.ID+"/sync", url.Values{"token": {c.ManageToken}})
	e.waitSynced(c.ID)
	e.form("/plans/"+c.ID+"/settings", url.Values{"token": {c.ManageToken}, "per_week": {"x"}})
	res := e.do("POST", "/api/plans/"+c.ID+"/feed-token", c.ManageToken, nil)
	rotated := decode[map[string]string](t, res)["feed_url"]
	secrets = append(secrets, feedToken(t, rotated))
	e.do("GET", path(t, rotated), "", nil)
	e.do("GET", path(t, c.FeedURL), "", nil) // the old one: 404
	e.do("GET", "/feeds/"+c.ManageToken+".ics", "", nil)
	// A source that fails: its error is logged, its address redacted.
	e.cal.set(nil, http.StatusNotFound)
	e.clock.Add(time.Hour)
	e.do("POST", "/api/plans/"+c.ID+"/sync", c.ManageToken, nil)
	e.waitSynced(c.ID)
	e.do("DELETE", "/api/plans/"+c.ID, c.ManageToken, nil)

	logs := e.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain the secret %q", s)
		}
	}
	// They are logs of those requests all the same.
	routes := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Bytes())
		}
		if line["msg"] == "request" {
			routes[line["route"].(string)] = true
		}
	}
	for _, want := range []string{"GET /feeds/{file}", "GET /api/plans/{id}", "PATCH /api/plans/{id}", "GET /plans/{id}",
		"POST /plans/{id}/sync", "POST /api/plans/{id}/feed-token", "DELETE /api/plans/{id}"} {
		if !routes[want] {
			t.Errorf("no request log line for route %q (have %v)", want, routes)
		}
	}
	if !strings.Contains(logs, "sync failed") || !strings.Contains(logs, "404") {
		t.Error("the failed sync was not logged")
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	res := e.do("GET", "/healthz", "", nil)
	wantStatus(t, res, http.StatusOK)
	wantStatus(t, e.do("GET", "/readyz", "", nil), http.StatusOK)

	c := e.create()
	e.do("GET", path(t, c.FeedURL), "", nil)
	etag := e.do("GET", path(t, c.FeedURL), "", nil).Header.Get("ETag")
	e.do("GET", path(t, c.FeedURL), "", nil, "If-None-Match", etag)
	e.do("GET", "/feeds/"+strings.Repeat("a", 43)+".ics", "", nil)
	e.clock.Add(time.Hour)
	e.do("POST", "/api/plans/"+c.ID+"/sync", c.ManageToken, nil)
	e.waitSynced(c.ID) // unchanged: skipped
	// The worker reports the sync just before the queue counts it done.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n, _ := e.queue.Depth(t.Context()); n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}

	res = e.do("GET", "/metrics", "", nil)
	wantStatus(t, res, http.StatusOK)
	body := string(readBody(t, res))
	for _, want := range []string{
		`strengthsync_syncs_total{result="ok"} 1`,
		`strengthsync_source_fetches_total{result="changed"} 1`,
		`strengthsync_syncs_total{result="unchanged"} 1`,
		`strengthsync_sync_duration_seconds_count 2`,
		`strengthsync_feed_requests_total{status="200"} 2`,
		`strengthsync_feed_requests_total{status="304"} 1`,
		`strengthsync_feed_requests_total{status="404"} 1`,
		`strengthsync_queue_depth 0`,
		`strengthsync_queue_lag_seconds 0`,
		`strengthsync_source_fetches_total{result="unchanged"} 1`,
		`strengthsync_source_fetches_total{result="permanent_error"} 0`,
		`strengthsync_store_up 1`,
		`strengthsync_oldest_success_age_seconds 0`, // synced this instant
		`strengthsync_plans_failing{reason="permanent_source"} 0`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(body, "strengthsync_"))
		}
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestGoogleMethod(t *testing.T) {
	// Names from https://developers.google.com/calendar/api/v3/reference.
	tests := []struct{ method, path, want string }{
		{"GET", "/calendar/v3/calendars/primary/events", "events.list"},
		{"POST", "/calendar/v3/calendars/primary/events", "events.insert"},
		{"GET", "/calendars/abc%40group.calendar.google.com/events/ev1", "events.get"},
		{"PATCH", "/calendars/c/events/ev1", "events.patch"},
		{"PUT", "/calendars/c/events/ev1", "events.update"},
		{"DELETE", "/calendars/c/events/ev1", "events.delete"},
		{"POST", "/calendars", "calendars.insert"},
		{"GET", "/calendars/c", "calendars.get"},
		{"DELETE", "/calendar/v3/calendars/c", "calendars.delete"},
		{"POST", "/freeBusy", "freebusy.query"},
		{"POST", "/token", "oauth.token"},
		{"POST", "/revoke", "oauth.revoke"},
		{"GET", "/users/me/calendarList", "calendarList.get"},
		{"GET", "/somewhere/else", "other"},
	}
	for _, tt := range tests {
		if got := googleMethod(tt.method, tt.path); got != tt.want {
			t.Errorf("googleMethod(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
