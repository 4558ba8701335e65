package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
)

// SPEC §6: ETag and If-None-Match (304), gzip, Cache-Control, text/calendar,
// REFRESH-INTERVAL, HEAD.
func TestFeedHTTP(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	p := path(t, c.FeedURL)

	res := e.do(http.MethodGet, p, "", nil)
	wantStatus(t, res, http.StatusOK)
	plain := readBody(t, res)
	h := res.Header
	etag := h.Get("ETag")
	for name, want := range map[string]string{
		"Content-Type":    "text/calendar; charset=utf-8",
		"Cache-Control":   feedCacheControl,
		"Vary":            "Accept-Encoding",
		"Referrer-Policy": "no-referrer",
		"Content-Length":  strconv.Itoa(len(plain)),
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(etag) < 10 || !strings.HasPrefix(etag, `"`) {
		t.Errorf("ETag = %q, want a strong tag", etag)
	}
	if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
	}
	for _, prop := range []string{"BEGIN:VCALENDAR", "REFRESH-INTERVAL;VALUE=DURATION:", "X-PUBLISHED-TTL:", "X-WR-CALNAME:Strength training\r\n"} {
		if !bytes.Contains(plain, []byte(prop)) {
			t.Errorf("feed lacks %q", prop)
		}
	}

	// The Go client adds Accept-Encoding: gzip itself and hides the result;
	// ask explicitly to see the raw answer.
	res = e.do(http.MethodGet, p, "", nil, "Accept-Encoding", "gzip")
	wantStatus(t, res, http.StatusOK)
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	gzTag := res.Header.Get("ETag")
	if gzTag == etag || gzTag == "" {
		t.Errorf("gzip ETag %q should differ from the identity ETag %q", gzTag, etag)
	}
	zipped := readBody(t, res)
	if strconv.Itoa(len(zipped)) != res.Header.Get("Content-Length") || len(zipped) >= len(plain) {
		t.Errorf("gzip body %d bytes (Content-Length %s), plain %d", len(zipped), res.Header.Get("Content-Length"), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain) {
		t.Error("gunzipped feed differs from the plain one")
	}

	conditional := []struct {
		name   string
		hdr    []string
		status int
	}{
		{"same ETag", []string{"If-None-Match", etag}, 304},
		{"weak form", []string{"If-None-Match", "W/" + etag}, 304},
		{"in a list", []string{"If-None-Match", `"other", ` + etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"gzip ETag", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304},
		{"gzip ETag, identity asked", []string{"If-None-Match", gzTag, "Accept-Encoding", "identity"}, 304},
		{"other ETag", []string{"If-None-Match", `"abc"`}, 200},
		{"If-Modified-Since later", []string{"If-Modified-Since", monday.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", monday.Add(-time.Hour).Format(http.TimeFormat)}, 200},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"abc"`, "If-Modified-Since", monday.Add(time.Hour).Format(http.TimeFormat)}, 200},
		{"gzip refused with q=0", []string{"Accept-Encoding", "gzip;q=0"}, 200},
	}
	for _, tt := range conditional {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(http.MethodGet, p, "", nil, tt.hdr...)
			wantStatus(t, res, tt.status)
			b := readBody(t, res)
			if tt.status == 304 {
				if len(b) != 0 || res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != feedCacheControl {
					t.Errorf("304: body %d bytes, ETag %q, Cache-Control %q", len(b), res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
				}
			} else if res.Header.Get("Content-Encoding") == "" && !bytes.Equal(b, plain) {
				t.Error("200 body differs from the feed")
			}
		})
	}

	// HEAD: the GET's headers, no body.
	res = e.do(http.MethodHead, p, "", nil)
	wantStatus(t, res, http.StatusOK)
	if b := readBody(t, res); len(b) != 0 {
		t.Errorf("HEAD body: %d bytes", len(b))
	}
	if res.Header.Get("ETag") != etag || res.Header.Get("Content-Length") != strconv.Itoa(len(plain)) {
		t.Errorf("HEAD ETag %q Content-Length %q, want %q %d", res.Header.Get("ETag"), res.Header.Get("Content-Length"), etag, len(plain))
	}
	wantStatus(t, e.do(http.MethodHead, p, "", nil, "If-None-Match", etag), http.StatusNotModified)

	// Addresses that are not a current feed: one 404 for all.
	tok := feedToken(t, c.FeedURL)
	for _, bad := range []string{"/feeds/" + tok, "/feeds/" + tok + ".ICS", "/feeds/" + tok[:42] + ".ics",
		"/feeds/" + strings.Repeat("A", 43) + ".ics", "/feeds/" + tok[:42] + "!.ics", "/feeds/", "/feeds/x/y.ics"} {
		res := e.do(http.MethodGet, bad, "", nil)
		wantStatus(t, res, http.StatusNotFound)
	}
	wantStatus(t, e.do(http.MethodPost, p, "", nil), http.StatusMethodNotAllowed)
}

// The feed follows the source: unchanged inputs keep the bytes and the
// ETag (so subscribers get 304s); a changed plan changes both.
func TestFeedFollowsSource(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	p := path(t, c.FeedURL)
	first := e.do(http.MethodGet, p, "", nil)
	etag := first.Header.Get("ETag")
	before := readBody(t, first)

	e.clock.Add(20 * time.Minute)
	res, err := e.svc.SyncPlan(t.Context(), c.ID)
	if err != nil || !res.Skipped {
		t.Fatalf("resync of an unchanged source: %+v, %v; want skipped", res, err)
	}
	wantStatus(t, e.do(http.MethodGet, p, "", nil, "If-None-Match", etag), http.StatusNotModified)

	e.cal.set(runsICS(true), http.StatusOK)
	if _, err := e.svc.SyncPlan(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	res2 := e.do(http.MethodGet, p, "", nil, "If-None-Match", etag)
	wantStatus(t, res2, http.StatusOK)
	after := readBody(t, res2)
	if res2.Header.Get("ETag") == etag || bytes.Equal(before, after) {
		t.Fatal("the feed did not follow the changed source")
	}
	cal, err := ical.Parse("feed", after)
	if err != nil {
		t.Fatal(err)
	}
	// Tuesdays are easy now: no session may sit on a Tuesday.
	for _, w := range cal.Ours() {
		if w.Start.Weekday() == time.Tuesday {
			t.Errorf("session %s still on a Tuesday after the intervals became easy", w.UID)
		}
	}
}

// Feed lookups that fail in the store answer 503, not 404: a calendar app
// that sees 404 may drop the subscription.
func TestFeedStoreDown(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	e.store.Close()
	res := e.do(http.MethodGet, path(t, c.FeedURL), "", nil)
	wantStatus(t, res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	wantStatus(t, e.do(http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable)
	// The API and the pages answer 503 with Retry-After (trying again is
	// right), the API with the request ID, and the cause is logged once.
	for _, tt := range []struct{ method, path, token string }{
		{http.MethodGet, "/api/plans/" + c.ID, c.ManageToken},
		{http.MethodPatch, "/api/plans/" + c.ID, c.ManageToken},
		{http.MethodGet, path(t, c.ManageURL), ""},
	} {
		var body any
		if tt.method == http.MethodPatch {
			body = map[string]any{"settings": map[string]any{"per_week": 1}}
		}
		res = e.do(tt.method, tt.path, tt.token, body, "X-Request-ID", "req-store-down")
		wantStatus(t, res, http.StatusServiceUnavailable)
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("%s %s: Retry-After = %q", tt.method, tt.path, res.Header.Get("Retry-After"))
		}
		if b := string(readBody(t, res)); !strings.Contains(b, "req-store-down") {
			t.Errorf("%s %s: 503 body lacks the request ID: %s", tt.method, tt.path, b)
		}
	}
	if n := strings.Count(e.logs.String(), `"msg":"store unavailable","request_id":"req-store-down"`); n != 3 {
		t.Errorf("store failures logged %d times, want once per request (3)", n)
	}
	wantStatus(t, e.do(http.MethodGet, "/healthz", "", nil), http.StatusOK)
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false}, {"gzip", true}, {"GZIP", true}, {"deflate, gzip;q=0.5", true}, {"gzip;q=0", false},
		{"gzip; q=0", false}, {"br", false}, {"*", true}, {"identity", false}, {"gzip;q=0.001", true},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", tt.header)
		if got := acceptsGzip(r); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestNotModified(t *testing.T) {
	f := &sync.Feed{ETag: `"abc"`, Updated: monday}
	tests := []struct {
		inm, ims string
		want     bool
	}{
		{`"abc"`, "", true},
		{`W/"abc"`, "", true},
		{`"abc-gzip"`, "", true},
		{`"ab"`, "", false},
		{`abc`, "", false},
		{` "x" ,  "abc" `, "", true},
		{"*", "", true},
		{"", monday.Format(http.TimeFormat), true},
		{"", monday.Add(-time.Second).Format(http.TimeFormat), false},
		{"", "yesterday", false},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tt.inm != "" {
			r.Header.Set("If-None-Match", tt.inm)
		}
		if tt.ims != "" {
			r.Header.Set("If-Modified-Since", tt.ims)
		}
		if got := notModified(r, f); got != tt.want {
			t.Errorf("If-None-Match %q If-Modified-Since %q: %v, want %v", tt.inm, tt.ims, got, tt.want)
		}
	}
}

// SPEC §6 "Leaving cleanly": a deleted plan's feed answers a valid
// calendar with no events, under the same name and headers, so subscribed
// apps clear its sessions; 60 days later it is 404. A feed address
// rotated away is 404 at once, deleted or not.
func TestDeletedFeed(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	feed := path(t, c.FeedURL)
	res := e.do(http.MethodGet, feed, "", nil)
	wantStatus(t, res, http.StatusOK)
	if !bytes.Contains(readBody(t, res), []byte("BEGIN:VEVENT")) {
		t.Fatal("the live feed has no sessions; the test proves nothing")
	}
	res = e.do(http.MethodPost, "/api/plans/"+c.ID+"/feed-token", c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	rotated := feed
	feed = path(t, decode[map[string]string](t, res)["feed_url"])
	wantStatus(t, e.do(http.MethodDelete, "/api/plans/"+c.ID, c.ManageToken, nil), http.StatusNoContent)

	res = e.do(http.MethodGet, feed, "", nil)
	wantStatus(t, res, http.StatusOK)
	body := readBody(t, res)
	cal, err := ical.Parse("deleted.ics", body)
	if err != nil {
		t.Fatalf("the deleted plan's feed is not a calendar: %v\n%s", err, body)
	}
	evs, err := cal.Events(monday.AddDate(-1, 0, 0), monday.AddDate(1, 0, 0), time.UTC)
	if err != nil || len(evs) != 0 || len(cal.Ours()) != 0 || bytes.Contains(body, []byte("BEGIN:VEVENT")) {
		t.Errorf("the deleted plan's feed holds events (%v):\n%s", err, body)
	}
	if !bytes.Contains(body, []byte("X-WR-CALNAME:Strength training\r\n")) {
		t.Errorf("the deleted plan's feed has another name:\n%s", body)
	}
	for name, want := range map[string]string{
		"Content-Type":  "text/calendar; charset=utf-8",
		"Cache-Control": feedCacheControl,
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	wantStatus(t, e.do(http.MethodGet, feed, "", nil, "If-None-Match", etag), http.StatusNotModified)
	wantStatus(t, e.do(http.MethodHead, feed, "", nil), http.StatusOK)
	wantStatus(t, e.do(http.MethodGet, rotated, "", nil), http.StatusNotFound)

	e.clock.Add(deletedFeedFor - time.Minute)
	wantStatus(t, e.do(http.MethodGet, feed, "", nil), http.StatusOK)
	e.clock.Add(time.Minute)
	wantStatus(t, e.do(http.MethodGet, feed, "", nil), http.StatusNotFound)
}

// readCounter counts the store reads a feed request could make: a 304
// reads the validators only, never the plan record or the calendar.
type readCounter struct {
	sync.Store
	mu                              stdsync.Mutex
	plans, feeds, heads, wholeFeeds int
}

func (c *readCounter) count(n *int) { c.mu.Lock(); *n++; c.mu.Unlock() }

func (c *readCounter) GetPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	c.count(&c.plans)
	return c.Store.GetPlan(ctx, id)
}

func (c *readCounter) PlanByFeedToken(ctx context.Context, hash []byte) (*sync.PlanRecord, error) {
	c.count(&c.plans)
	return c.Store.PlanByFeedToken(ctx, hash)
}

func (c *readCounter) GetFeed(ctx context.Context, id string) (*sync.Feed, error) {
	c.count(&c.feeds)
	return c.Store.GetFeed(ctx, id)
}

func (c *readCounter) FeedByToken(ctx context.Context, hash []byte, withICS bool) (*sync.Feed, error) {
	if withICS {
		c.count(&c.wholeFeeds)
	} else {
		c.count(&c.heads)
	}
	return c.Store.FeedByToken(ctx, hash, withICS)
}

func (c *readCounter) reset() (plans, feeds, heads, wholeFeeds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	plans, feeds, heads, wholeFeeds = c.plans, c.feeds, c.heads, c.wholeFeeds
	c.plans, c.feeds, c.heads, c.wholeFeeds = 0, 0, 0, 0
	return
}

// A feed request reads what it sends: a 304 the validators, a full GET
// the calendar, a gzipped GET of a body already compressed nothing more;
// never the plan record or the plan JSON.
func TestFeedReadsOnlyWhatItSends(t *testing.T) {
	counter := &readCounter{}
	e := newEnv(t, func(e *env) { counter.Store = e.srv.Store; e.srv.Store = counter })
	c := e.create()
	p := path(t, c.FeedURL)
	f, err := e.store.GetFeed(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	etag := f.ETag
	counter.reset()

	for _, tt := range []struct {
		name                            string
		hdr                             []string
		status                          int
		plans, feeds, heads, wholeFeeds int
	}{
		{"304 by ETag", []string{"If-None-Match", etag}, http.StatusNotModified, 0, 0, 1, 0},
		{"304 by gzip ETag", []string{"If-None-Match", gzipETag(etag), "Accept-Encoding", "gzip"}, http.StatusNotModified, 0, 0, 1, 0},
		{"304 by date", []string{"If-Modified-Since", monday.Add(time.Hour).UTC().Format(http.TimeFormat)}, http.StatusNotModified, 0, 0, 1, 0},
		{"first full GET", nil, http.StatusOK, 0, 0, 1, 1},
		{"full GET, body in memory", nil, http.StatusOK, 0, 0, 1, 0},
		{"first gzipped GET", []string{"Accept-Encoding", "gzip"}, http.StatusOK, 0, 0, 1, 1},
		{"gzipped GET, body in memory", []string{"Accept-Encoding", "gzip"}, http.StatusOK, 0, 0, 1, 0},
		{"stale ETag", []string{"If-None-Match", `"old"`}, http.StatusOK, 0, 0, 1, 0},
	} {
		res := e.do(http.MethodGet, p, "", nil, tt.hdr...)
		wantStatus(t, res, tt.status)
		readBody(t, res)
		plans, feeds, heads, whole := counter.reset()
		if plans != tt.plans || feeds != tt.feeds || heads != tt.heads || whole != tt.wholeFeeds {
			t.Errorf("%s: plan reads %d, GetFeed %d, validator reads %d, calendar reads %d; want %d, %d, %d, %d",
				tt.name, plans, feeds, heads, whole, tt.plans, tt.feeds, tt.heads, tt.wholeFeeds)
		}
	}
}

// The body cache stays within its byte budget, the least recently sent
// going first, and keeps plain and gzipped bodies apart.
func TestBodyCacheBudget(t *testing.T) {
	c := newBodyCache(8 << 10)
	body := bytes.Repeat([]byte("x"), 1000)
	for i := range 20 {
		c.get(strconv.Itoa(i), body, false)
		if c.size > c.maxBytes {
			t.Fatalf("after %d bodies: %d bytes kept, over the %d budget", i+1, c.size, c.maxBytes)
		}
	}
	if _, ok := c.lookup("0", false); ok {
		t.Error("the oldest body is still kept")
	}
	if got, ok := c.lookup("19", false); !ok || !bytes.Equal(got, body) {
		t.Error("the newest body is not kept")
	}
	if _, ok := c.lookup("19", true); ok {
		t.Error("a plain body answered for a gzipped one")
	}
	if big := bytes.Repeat([]byte("y"), 4<<10); len(c.get("big", big, false)) != len(big) {
		t.Error("a body over an eighth of the budget was not returned")
	} else if _, ok := c.lookup("big", false); ok {
		t.Error("a body over an eighth of the budget was kept")
	}
}
