package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/queue"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/sqlite"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// The tests run the real Server on the real SQLite store and the real
// sync.Service and the in-process queue, against a calendar served on
// 127.0.0.1: nothing of ours is faked.

// monday is the test's "today": the plan starts here.
var monday = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// runsICS is a runner's plan in Europe/London: intervals on Tuesdays, easy
// runs on Wednesdays, a tempo on Thursdays and a long run on Sundays, every
// week for twelve weeks. With tuesdayEasy the Tuesday session turns easy,
// which moves strength sessions (the "coach changed the plan" case).
func runsICS(tuesdayEasy bool) []byte {
	tue := "Intervals 6x800m"
	if tuesdayEasy {
		tue = "Easy run 40 min"
	}
	ev := func(uid, start, end, summary string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART;TZID=Europe/London:" + start + "\r\nDTEND;TZID=Europe/London:" + end + "\r\n" +
			"RRULE:FREQ=WEEKLY;COUNT=12\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\n"
	}
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//strengthsync tests//EN\r\nX-WR-TIMEZONE:Europe/London\r\n" +
		// The plan starts on Monday: dates before its first entry are no plan.
		ev("mon@test", "20260302T060000", "20260302T060500", "Rest day") +
		ev("tue@test", "20260303T070000", "20260303T080000", tue) +
		ev("wed@test", "20260304T070000", "20260304T074000", "Easy run 40 min") +
		ev("thu@test", "20260305T070000", "20260305T080000", "Tempo 3 x 10 min") +
		ev("sun@test", "20260308T090000", "20260308T110000", "Long run 2h") +
		"END:VCALENDAR\r\n")
}

// calServer serves a run calendar on 127.0.0.1 with an ETag, as a
// training platform would.
type calServer struct {
	*httptest.Server
	mu       stdsync.Mutex
	body     []byte
	status   int
	block    chan struct{} // when set, requests wait for it to close
	requests int
}

func newCalServer(t testing.TB) *calServer {
	c := &calServer{body: runsICS(false), status: http.StatusOK}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *calServer) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.requests++
	body, status, block := c.body, c.status, c.block
	c.mu.Unlock()
	if block != nil {
		<-block
	}
	if status != http.StatusOK {
		http.Error(w, "nope", status)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Write(body)
}

func (c *calServer) set(body []byte, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body, c.status = body, status
}

// sourceURL is the calendar's address; its path carries a secret, as real
// feed addresses do, so the log test can look for it.
func (c *calServer) sourceURL() string { return c.URL + "/ical/secret-c4l3nd4r-k3y/runs.ics" }

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	t     testing.TB
	srv   *Server
	ts    *httptest.Server
	store *sqlite.Store
	svc   *sync.Service
	cal   *calServer
	queue *queue.Local
	clock *storetest.Clock
	// synced hears the plan ID of every sync the queue's worker ran.
	synced    chan string
	stopQueue func()
	logs      *syncBuffer
	key       []byte

	transport *http.Transport
}

// newEnv boots a server; opts adjust it before its handler is built.
func newEnv(t testing.TB, opts ...func(*env)) *env {
	t.Helper()
	ctx := t.Context()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "strengthsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	key := bytes.Repeat([]byte{7}, seal.KeySize)
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, cal: newCalServer(t), clock: storetest.NewClock(monday),
		logs: &syncBuffer{}, key: key}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fopts := fetch.DefaultOptions()
	fopts.AllowPrivate = true
	fopts.Retries = -1
	fopts.Logger = log
	e.svc = &sync.Service{Store: store, Engine: &sync.Engine{Zone: ical.LoadLocation, Log: log}, Fetch: fetch.New(fopts),
		Now: e.clock.Now, Log: log, Every: 15 * time.Minute}
	e.queue = queue.NewLocal(2, log)
	// Wired as serve wires them: every sync and every source fetch counts.
	metrics := NewMetrics(MetricsConfig{Queue: e.queue, Store: store, Unrecorded: e.svc.UnrecordedCount, Now: e.clock.Now})
	e.svc.ObserveFetch = metrics.ObserveFetch
	e.synced = make(chan string, 1000)
	qctx, cancel := context.WithCancel(context.Background())
	qdone := make(chan struct{})
	go func() {
		defer close(qdone)
		e.queue.Run(qctx, queue.HandlerFunc(func(ctx context.Context, id string) error {
			// Counted like serve's worker counts its syncs.
			_, err := e.srv.Metrics.Syncer(e.svc).SyncPlan(ctx, id)
			e.synced <- id
			return err
		}))
	}()
	e.stopQueue = stdsync.OnceFunc(func() { cancel(); <-qdone })
	t.Cleanup(e.stopQueue)
	e.srv = &Server{Store: store, Syncer: e.svc, Queue: e.queue, Sealer: sealer, Zone: ical.LoadLocation,
		Now: e.clock.Now, Log: log, Metrics: metrics,
		// Generous limits: only the rate limit test meets them.
		FeedLimit: Limit{Rate: 1000, Burst: 1000}, APILimit: Limit{Rate: 1000, Burst: 1000},
		// New plans' calendars are read first with the service's client.
		Fetcher: e.svc.Fetch}
	e.transport = &http.Transport{DisableCompression: true}
	t.Cleanup(e.transport.CloseIdleConnections)
	for _, o := range opts {
		o(e)
	}
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	if e.srv.PublicURL == "" {
		e.srv.PublicURL = e.ts.URL
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e.srv.Drain(ctx)
	})
	return e
}

// waitSynced waits for the worker to sync plan id.
func (e *env) waitSynced(id string) {
	e.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got := <-e.synced:
			if got == id {
				return
			}
		case <-timeout:
			e.t.Fatalf("plan %s was not synced by the worker", id)
		}
	}
}

// client never follows redirects (the tests look at each 303) and never
// asks for gzip unless a test does.
func (e *env) client() *http.Client {
	return &http.Client{Transport: e.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request with an optional bearer token and JSON body.
func (e *env) do(method, path, token string, body any, hdr ...string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

// form posts an HTML form, with the form token its page would carry
// unless vals has one; hdr adds headers.
func (e *env) form(path string, vals url.Values, hdr ...string) *http.Response {
	e.t.Helper()
	if !vals.Has(formTokenField) {
		vals = maps.Clone(vals)
		scope, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(path, "/plans"), "/"), "/")
		vals.Set(formTokenField, e.srv.formToken(scope))
	}
	req, err := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.ts.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

func readBody(t testing.TB, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode[T any](t testing.TB, res *http.Response) T {
	t.Helper()
	var v T
	b := readBody(t, res)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func wantStatus(t testing.TB, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: status %d, want %d; body: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, b)
	}
}

// createBody is a valid POST /api/plans body for the env's calendar.
func (e *env) createBody() map[string]any {
	return map[string]any{
		"sources":  []string{e.cal.sourceURL()},
		"timezone": "Europe/London",
		"settings": map[string]any{"per_week": 2, "policy": "stack", "at": "18:00", "duration": "45m", "gap": "3h",
			"window": "06:00-21:00", "taper": 7, "level": "intermediate"},
	}
}

// create makes a plan through the API and returns the answer.
func (e *env) create() created {
	e.t.Helper()
	res := e.do(http.MethodPost, "/api/plans", "", e.createBody())
	wantStatus(e.t, res, http.StatusCreated)
	c := decode[created](e.t, res)
	// The first sync runs in the worker: once it is recorded, let it
	// report, so a test's next waitSynced hears the sync it caused.
	if c.Status != sync.StatusSyncing {
		e.waitSynced(c.ID)
	}
	return c
}

// path returns the path and query of an absolute URL of the server.
func path(t testing.TB, abs string) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

func feedToken(t testing.TB, feedURL string) string {
	t.Helper()
	p := path(t, feedURL)
	tok, ok := strings.CutPrefix(strings.TrimSuffix(p, ".ics"), "/feeds/")
	if !ok {
		t.Fatalf("feed URL %q is not /feeds/{token}.ics", feedURL)
	}
	return tok
}

func fmtJSON(v any) string { b, _ := json.Marshal(v); return fmt.Sprintf("%s", b) }
