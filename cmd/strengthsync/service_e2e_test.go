package main

// End-to-end tests of the service: the real `serve` on :0, once with SQLite
// (in-process worker) and once with a real redis-server and two `worker`
// processes (this test binary re-executed). Only Google is faked, by
// sync/googlefake; calendars are served on 127.0.0.1.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	stdsync "sync"
	"syscall"
	"testing"
	"time"

	calendar "google.golang.org/api/calendar/v3"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// svcChildEnv carries a child process's command line (JSON) when this test
// binary runs as `serve` or `worker`.
const svcChildEnv = "STRENGTHSYNC_SVC_CHILD"

// TestServiceChildProcess is not a test: the e2e tests re-execute the test
// binary with this test selected to get serve and worker processes.
func TestServiceChildProcess(t *testing.T) {
	raw := os.Getenv(svcChildEnv)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// The same wiring as main: SIGTERM cancels the context.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, args, Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now})
	stop()
	os.Exit(code)
}

// svcLog is a concurrency-safe log sink that can wait for a line.
type svcLog struct {
	mu  stdsync.Mutex
	buf bytes.Buffer
}

func (l *svcLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *svcLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// lines returns the JSON log lines whose msg is msg.
func (l *svcLog) lines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// svcEventually polls f until it holds or the deadline passes. The
// deadline only bounds a failing test; nothing asserts on time. The pace
// stays under serve's API rate limit (2 requests a second per client).
func svcEventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(700 * time.Millisecond)
	}
}

// svcCal serves a run calendar on 127.0.0.1 with an ETag.
type svcCal struct {
	*httptest.Server
	mu   stdsync.Mutex
	body []byte
}

func newSvcCal(t *testing.T, body []byte) *svcCal {
	c := &svcCal{body: body}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		body := c.body
		c.mu.Unlock()
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *svcCal) set(body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body = body
}

func (c *svcCal) url() string { return c.URL + "/private/s3cr3t-feed/runs.ics" }

// svcLondon is the runners' zone.
var svcLondon, _ = time.LoadLocation("Europe/London")

// svcMonday is this week's Monday in London: the fixtures are built around
// the real clock, as the service plans from today.
func svcMonday() time.Time {
	now := time.Now().In(svcLondon)
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, svcLondon)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// svcRunsICS is a weekly plan: intervals on Tuesday (easy with tuesdayEasy,
// the coach's change), easy Wednesday, tempo Thursday, long run Sunday.
func svcRunsICS(tuesdayEasy bool) []byte {
	mon := svcMonday()
	tue := "Intervals 6x800m"
	if tuesdayEasy {
		tue = "Easy run 40 min"
	}
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nX-WR-TIMEZONE:Europe/London\r\n")
	ev := func(uid string, day int, start, end, summary string) {
		d := mon.AddDate(0, 0, day).Format("20060102")
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/London:%sT%s\r\n"+
			"DTEND;TZID=Europe/London:%sT%s\r\nRRULE:FREQ=WEEKLY;COUNT=20\r\nSUMMARY:%s\r\nEND:VEVENT\r\n", uid, d, start, d, end, summary)
	}
	ev("tue@e2e", 1, "070000", "080000", tue)
	ev("wed@e2e", 2, "070000", "074000", "Easy run 40 min")
	ev("thu@e2e", 3, "070000", "080000", "Tempo 3 x 10 min")
	ev("sun@e2e", 6, "090000", "110000", "Long run 2h")
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// svcNoRedirect sees every redirect instead of following it.
var svcNoRedirect = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// svcDo sends a request and returns the answer with its body read.
func svcDo(t *testing.T, method, u, token string, body any, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json") // the API takes nothing else
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := svcNoRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func svcWant(t *testing.T, res *http.Response, body []byte, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

// svcServe is a running serve, in this process or another.
type svcServe struct {
	base string
	log  *svcLog
	stop func(t *testing.T) // graceful: SIGTERM or cancel; fails unless exit 0
}

// svcListening waits for serve's "listening" line and returns its base URL.
func svcListening(t *testing.T, log *svcLog, exited func() bool) string {
	t.Helper()
	var addr string
	svcEventually(t, "serve to listen", func() bool {
		if exited() {
			t.Fatalf("serve exited:\n%s", log.String())
		}
		if l := log.lines("listening"); len(l) > 0 {
			addr = l[0]["addr"].(string)
			return true
		}
		return false
	})
	return "http://" + addr
}

// startServe runs `serve` in this process, as main would.
func startServe(t *testing.T, env map[string]string, args ...string) *svcServe {
	t.Helper()
	log := &svcLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), Env{Stdout: io.Discard, Stderr: log,
			Getenv: func(k string) string { return env[k] }, Now: time.Now})
	}()
	var code = -1
	exited := func() bool {
		select {
		case code = <-done:
			return true
		default:
			return false
		}
	}
	s := &svcServe{log: log}
	s.base = svcListening(t, log, exited)
	stopped := false
	s.stop = func(t *testing.T) {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code = <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, log.String())
		}
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// svcProc is a child process of this test binary.
type svcProc struct {
	cmd  *exec.Cmd
	log  *svcLog
	done chan struct{}
	code int
}

func startProc(t *testing.T, env map[string]string, args ...string) *svcProc {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServiceChildProcess$")
	cmd.Env = append(os.Environ(), svcChildEnv+"="+string(a))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &svcProc{cmd: cmd, log: &svcLog{}, done: make(chan struct{})}
	cmd.Stderr = p.log
	cmd.Stdout = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *svcProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// term sends SIGTERM and expects a drained exit 0.
func (p *svcProc) term(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("process ignored SIGTERM:\n%s", p.log.String())
	}
	if p.code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0:\n%s", p.code, p.log.String())
	}
}

func (p *svcProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// startServeProc runs `serve` as a process.
func startServeProc(t *testing.T, env map[string]string, args ...string) (*svcServe, *svcProc) {
	t.Helper()
	p := startProc(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	s := &svcServe{log: p.log, stop: func(t *testing.T) { p.term(t) }}
	s.base = svcListening(t, p.log, p.exited)
	return s, p
}

// svcPlan is what creating a plan answered.
type svcPlan struct {
	ID          string `json:"id"`
	FeedURL     string `json:"feed_url"`
	WebcalURL   string `json:"webcal_url"`
	ManageURL   string `json:"manage_url"`
	ManageToken string `json:"manage_token"`
	Status      string `json:"status"`
	LastError   string `json:"last_error"`
}

// svcView is the part of GET /api/plans/{id} the tests read.
type svcView struct {
	Status    string     `json:"status"`
	LastSync  *time.Time `json:"last_sync"`
	LastError string     `json:"last_error"`
	FeedURL   string     `json:"feed_url"`
	Sessions  []struct {
		UID   string `json:"uid"`
		Date  string `json:"date"`
		Start string `json:"start"`
	} `json:"sessions"`
}

// feedPath turns a feed URL (built from the public URL) into one on base.
func feedPath(t *testing.T, base, feed string) string {
	u, err := url.Parse(feed)
	if err != nil {
		t.Fatal(err)
	}
	return base + u.Path
}

func (s *svcServe) create(t *testing.T, source string) svcPlan {
	t.Helper()
	res, body := svcDo(t, http.MethodPost, s.base+"/api/plans", "", map[string]any{
		"sources": []string{source}, "timezone": "Europe/London",
		"settings": map[string]any{"per_week": 2, "policy": "stack", "at": "18:00", "duration": "45m", "gap": "3h",
			"window": "06:00-21:00", "taper": 7, "level": "intermediate"}})
	svcWant(t, res, body, http.StatusCreated)
	var p svcPlan
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *svcServe) view(t *testing.T, p svcPlan) svcView {
	t.Helper()
	res, body := svcDo(t, http.MethodGet, s.base+"/api/plans/"+p.ID, p.ManageToken, nil)
	svcWant(t, res, body, http.StatusOK)
	var v svcView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// feed fetches the feed and checks its calendar: parseable, no UID twice.
func (s *svcServe) feed(t *testing.T, p svcPlan, hdr ...string) (*http.Response, []ical.Written) {
	t.Helper()
	res, body := svcDo(t, http.MethodGet, feedPath(t, s.base, p.FeedURL), "", nil, hdr...)
	if res.StatusCode != http.StatusOK {
		return res, nil
	}
	cal, err := ical.Parse("feed", body)
	if err != nil {
		t.Fatalf("feed is not a calendar: %v", err)
	}
	ours := cal.Ours()
	seen := map[string]bool{}
	for _, w := range ours {
		if seen[w.UID] {
			t.Fatalf("feed holds %s twice", w.UID)
		}
		seen[w.UID] = true
	}
	return res, ours
}

// exercise runs the steps 1–4 on a URL plan: create, feed, follow a
// change after a sync, 304, wrong token, rotation, deletion.
func (s *svcServe) exercise(t *testing.T, cal *svcCal) {
	t.Helper()
	cal.set(svcRunsICS(false))
	// 1. Create from a loopback URL; the first sync runs before the answer.
	p := s.create(t, cal.url())
	if p.Status != "ok" || p.LastError != "" {
		t.Fatalf("created plan: %+v", p)
	}
	// 2. The feed appears, with the sessions the API lists.
	res, ours := s.feed(t, p)
	v := s.view(t, p)
	if res.StatusCode != http.StatusOK || len(ours) == 0 || len(ours) != len(v.Sessions) {
		t.Fatalf("feed: %d with %d sessions; API lists %d", res.StatusCode, len(ours), len(v.Sessions))
	}
	etag := res.Header.Get("ETag")
	// 4a. Unchanged: 304.
	if res, _ := s.feed(t, p, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged feed with If-None-Match: %d, want 304", res.StatusCode)
	}
	// 3. The coach turns Tuesday's intervals easy; after a sync the feed
	// follows: new ETag, no session on a Tuesday.
	cal.set(svcRunsICS(true))
	r, b := svcDo(t, http.MethodPost, s.base+"/api/plans/"+p.ID+"/sync", p.ManageToken, nil)
	svcWant(t, r, b, http.StatusAccepted)
	var after []ical.Written
	svcEventually(t, "the feed to follow the changed source", func() bool {
		res, ours := s.feed(t, p, "If-None-Match", etag)
		after = ours
		return res.StatusCode == http.StatusOK
	})
	for _, w := range after {
		if w.Start.In(svcLondon).Weekday() == time.Tuesday {
			t.Errorf("session %s on a Tuesday after the intervals became easy", w.UID)
		}
	}
	// 4b. A wrong token: 404, for the API and for feeds.
	if r, _ := svcDo(t, http.MethodGet, s.base+"/api/plans/"+p.ID, "wrong-"+p.ManageToken, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("wrong manage token: %d, want 404", r.StatusCode)
	}
	if r, _ := svcDo(t, http.MethodGet, s.base+"/api/plans/"+p.ID, "", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("no manage token: %d, want 401", r.StatusCode)
	}
	if r, _ := svcDo(t, http.MethodGet, s.base+"/feeds/"+strings.Repeat("A", 43)+".ics", "", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("wrong feed token: %d, want 404", r.StatusCode)
	}
	// 4c. Rotation: the old address is 404, the new one serves.
	r, b = svcDo(t, http.MethodPost, s.base+"/api/plans/"+p.ID+"/feed-token", p.ManageToken, nil)
	svcWant(t, r, b, http.StatusOK)
	var rot map[string]string
	json.Unmarshal(b, &rot)
	if res, _ := s.feed(t, p); res.StatusCode != http.StatusNotFound {
		t.Errorf("rotated-away feed: %d, want 404", res.StatusCode)
	}
	p.FeedURL = rot["feed_url"]
	if res, _ := s.feed(t, p); res.StatusCode != http.StatusOK {
		t.Errorf("new feed: %d, want 200", res.StatusCode)
	}
	// 4d. Deletion: the plan is gone; its feed is an empty calendar that
	// clears subscribed apps (for 60 days, then 404).
	r, b = svcDo(t, http.MethodDelete, s.base+"/api/plans/"+p.ID, p.ManageToken, nil)
	svcWant(t, r, b, http.StatusNoContent)
	if res, ours := s.feed(t, p); res.StatusCode != http.StatusOK || len(ours) != 0 {
		t.Errorf("deleted plan's feed: %d with %d sessions, want 200 with none", res.StatusCode, len(ours))
	}
	if r, _ := svcDo(t, http.MethodGet, s.base+"/api/plans/"+p.ID, p.ManageToken, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted plan: %d, want 404", r.StatusCode)
	}
}

// svcGoogle is the fake Google and the runner's runs in it.
type svcGoogle struct {
	fake *googlefake.Server
	tue  []string // the Tuesday interval sessions' event IDs
	env  map[string]string
}

func newSvcGoogle(t *testing.T) *svcGoogle {
	fake := googlefake.New(googlefake.Options{})
	t.Cleanup(fake.Close)
	g := &svcGoogle{fake: fake, env: map[string]string{
		"STRENGTHSYNC_GOOGLE_CLIENT_ID": fake.ClientID(), "STRENGTHSYNC_GOOGLE_CLIENT_SECRET": fake.ClientSecret(),
		"STRENGTHSYNC_GOOGLE_AUTH_URL": fake.AuthURL(), "STRENGTHSYNC_GOOGLE_TOKEN_URL": fake.TokenURL(),
		"STRENGTHSYNC_GOOGLE_REVOKE_URL": fake.RevokeURL(), "STRENGTHSYNC_GOOGLE_API_URL": fake.APIURL(),
		"STRENGTHSYNC_GOOGLE_BACKOFF": "10ms",
	}}
	mon := svcMonday()
	at := func(week, day, h, m int) time.Time {
		d := mon.AddDate(0, 0, 7*week+day)
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, svcLondon)
	}
	for w := range 10 {
		id, err := fake.AddRun("primary", "Intervals 6x800m", at(w, 1, 7, 0), at(w, 1, 8, 0))
		if err != nil {
			t.Fatal(err)
		}
		g.tue = append(g.tue, id)
		fake.AddRun("primary", "Easy run 40 min", at(w, 2, 7, 0), at(w, 2, 7, 40))
		fake.AddRun("primary", "Tempo 3 x 10 min", at(w, 3, 7, 0), at(w, 3, 8, 0))
		fake.AddRun("primary", "Long run 2h", at(w, 6, 9, 0), at(w, 6, 11, 0))
	}
	return g
}

// connect walks the web consent flow: start, Google's page, callback.
func (g *svcGoogle) connect(t *testing.T, s *svcServe) svcPlan {
	t.Helper()
	loc := g.consent(t, s, "/auth/google/start?timezone=Europe/London&per_week=2&policy=stack")
	m := regexp.MustCompile(`^/plans/([a-v0-9]+)\?token=([A-Za-z0-9_-]{43})&done=created$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("callback went to %q", loc)
	}
	p := svcPlan{ID: m[1], ManageToken: m[2]}
	v := s.view(t, p)
	p.FeedURL, p.Status, p.LastError = v.FeedURL, v.Status, v.LastError
	return p
}

// consent follows start (a path on serve) to Google's consent page and
// back to the callback, and returns where the callback sends the runner.
func (g *svcGoogle) consent(t *testing.T, s *svcServe, start string) string {
	t.Helper()
	res, body := svcDo(t, http.MethodGet, s.base+start, "", nil)
	svcWant(t, res, body, http.StatusFound)
	cookies := res.Cookies()
	res, body = svcDo(t, http.MethodGet, res.Header.Get("Location"), "", nil)
	svcWant(t, res, body, http.StatusFound)
	back, _ := url.Parse(res.Header.Get("Location"))
	req, _ := http.NewRequest(http.MethodGet, s.base+back.Path+"?"+back.RawQuery, nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	cb, err := svcNoRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(cb.Body)
	cb.Body.Close()
	svcWant(t, cb, b, http.StatusSeeOther)
	return cb.Header.Get("Location")
}

// strength returns the calendar the service created and its events.
func (g *svcGoogle) strength(t *testing.T) (string, []*calendar.Event) {
	t.Helper()
	for _, c := range g.fake.Calendars() {
		if c.Summary == "Strength training" {
			return c.Id, g.fake.Events(c.Id)
		}
	}
	return "", nil
}

// checkGoogle: the Google calendar holds exactly the planned sessions,
// none twice.
func (g *svcGoogle) check(t *testing.T, s *svcServe, p svcPlan) []*calendar.Event {
	t.Helper()
	v := s.view(t, p)
	if v.Status != "ok" {
		t.Fatalf("Google plan status %q: %s", v.Status, v.LastError)
	}
	_, evs := g.strength(t)
	starts := map[string]bool{}
	for _, ev := range evs {
		if starts[ev.Start.DateTime] {
			t.Errorf("two sessions at %s", ev.Start.DateTime)
		}
		starts[ev.Start.DateTime] = true
	}
	if len(evs) == 0 || len(evs) != len(v.Sessions) {
		t.Errorf("Google calendar holds %d events, the plan %d sessions", len(evs), len(v.Sessions))
	}
	return evs
}

// noTuesdays reports whether the strength calendar holds sessions, none on
// a Tuesday: it followed the coach easing Tuesdays.
func (g *svcGoogle) noTuesdays(t *testing.T) bool {
	_, evs := g.strength(t)
	for _, ev := range evs {
		if st, _ := time.Parse(time.RFC3339, ev.Start.DateTime); st.In(svcLondon).Weekday() == time.Tuesday {
			return false
		}
	}
	return len(evs) > 0
}

// coachEasesTuesdays turns every Tuesday interval session easy.
func (g *svcGoogle) coachEasesTuesdays(t *testing.T) { g.coachSetsTuesdays(t, true) }

// coachSetsTuesdays makes every Tuesday session easy, or intervals again.
func (g *svcGoogle) coachSetsTuesdays(t *testing.T, easy bool) {
	summary := "Intervals 6x800m"
	if easy {
		summary = "Easy run 40 min"
	}
	for _, id := range g.tue {
		if err := g.fake.EditEvent("primary", id, func(e *calendar.Event) { e.Summary = summary }); err != nil {
			t.Fatal(err)
		}
	}
}

func svcEnv(t *testing.T, extra map[string]string) map[string]string {
	env := map[string]string{
		"STRENGTHSYNC_CONFIG_DIR": t.TempDir(), "STRENGTHSYNC_DATA_DIR": t.TempDir(), "STRENGTHSYNC_CACHE_DIR": t.TempDir(),
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// svcNoSecrets fails if a log holds a token or the source's secret path.
func svcNoSecrets(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "s3cr3t-feed") {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("logs contain the secret %q", s)
		}
	}
}

func TestServiceSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := newSvcGoogle(t)
	cal := newSvcCal(t, svcRunsICS(false))
	data := t.TempDir()
	env := svcEnv(t, g.env)
	// A short schedule: plans come due again within seconds.
	s := startServe(t, env, "--data", data, "--allow-private-sources", "--sync-every", "3s")

	s.exercise(t, cal)

	// 5. Google: consent on the web creates a plan whose first sync fills
	// a calendar of its own; the coach's change follows; deleting the plan
	// deletes that calendar and revokes the grant.
	gp := g.connect(t, s)
	first := g.check(t, s, gp)
	g.coachEasesTuesdays(t)
	r, b := svcDo(t, http.MethodPost, s.base+"/api/plans/"+gp.ID+"/sync", gp.ManageToken, nil)
	svcWant(t, r, b, http.StatusAccepted)
	svcEventually(t, "the Google calendar to follow the coach", func() bool { return g.noTuesdays(t) })
	g.check(t, s, gp)
	t.Logf("Google plan: %d sessions; %s", len(first), g.fake.CountsString())
	_, metrics := svcDo(t, http.MethodGet, s.base+"/metrics", "", nil)
	for _, want := range []string{`strengthsync_google_api_calls_total{method="events.insert",status="200"}`,
		`strengthsync_google_api_calls_total{method="oauth.token",status="200"}`, `strengthsync_syncs_total{result="ok"}`,
		`strengthsync_feed_requests_total{status="304"}`, `strengthsync_queue_depth`} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if g.fake.Grants() != 1 {
		t.Fatalf("grants = %d, want 1", g.fake.Grants())
	}
	r, b = svcDo(t, http.MethodDelete, s.base+"/api/plans/"+gp.ID, gp.ManageToken, nil)
	svcWant(t, r, b, http.StatusNoContent)
	if id, _ := g.strength(t); id != "" {
		t.Error("the Google calendar outlived its plan")
	}
	if g.fake.Grants() != 0 {
		t.Error("the Google grant was not revoked with the plan")
	}

	// The store keeps working across a restart of serve: a plan made
	// before it is served after it, and its schedule runs (the restarted
	// serve runs as a process, stopped by SIGTERM).
	cal.set(svcRunsICS(false))
	kept := s.create(t, cal.url())
	keptRes, _ := s.feed(t, kept)
	s.stop(t)
	svcNoSecrets(t, s.log.String(), kept.ManageToken, feedToken(kept.FeedURL))
	s2, proc := startServeProc(t, env, "--data", data, "--allow-private-sources", "--sync-every", "3s")
	if v := s2.view(t, kept); v.Status != "ok" {
		t.Errorf("plan after restart: %+v", v)
	}
	cal.set(svcRunsICS(true))
	svcEventually(t, "the schedule to sync the kept plan after the restart", func() bool {
		res, _ := s2.feed(t, kept, "If-None-Match", keptRes.Header.Get("ETag"))
		return res.StatusCode == http.StatusOK
	})
	proc.term(t)
	if !strings.Contains(proc.log.String(), `"msg":"stopped"`) {
		t.Error("serve did not drain and stop")
	}
}

func feedToken(feedURL string) string {
	u, _ := url.Parse(feedURL)
	return strings.TrimSuffix(strings.TrimPrefix(u.Path, "/feeds/"), ".ics")
}

func TestServiceRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	rs := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
	redisURL := "redis://" + rs.Addr + "/0"
	g := newSvcGoogle(t)
	cal := newSvcCal(t, svcRunsICS(false))
	data := t.TempDir()
	env := svcEnv(t, g.env)
	workerArgs := []string{"worker", "--redis", redisURL, "--data", data, "--allow-private-sources",
		"--claim-idle", "2s", "--sync-timeout", "5s", "--workers", "2"}

	s := startServe(t, env, "--redis", redisURL, "--data", data, "--allow-private-sources", "--sync-every", "1h")
	workerA := startProc(t, env, workerArgs...)

	s.exercise(t, cal)
	if !strings.Contains(workerA.log.String(), `"msg":"synced"`) {
		t.Errorf("worker A synced nothing: serve only enqueues with Redis\n%s", workerA.log.String())
	}

	// 5. Google, and the fault: worker A is killed with SIGKILL in the
	// middle of writing to Google; worker B finishes the job, and the
	// calendar holds exactly the planned sessions, none twice.
	gp := g.connect(t, s)
	before := g.check(t, s, gp)
	reached := make(chan struct{})
	release := make(chan struct{})
	var armed stdsync.Once
	g.fake.SetHook(func(kind string, n int) googlefake.Action {
		if kind != "events.insert" && kind != "events.patch" && kind != "events.update" && kind != "events.delete" {
			return googlefake.Proceed
		}
		hit := false
		armed.Do(func() { hit = true })
		if hit {
			close(reached)
			<-release
			return googlefake.Drop
		}
		return googlefake.Proceed
	})
	g.coachEasesTuesdays(t)
	killedAt := time.Now()
	r, b := svcDo(t, http.MethodPost, s.base+"/api/plans/"+gp.ID+"/sync", gp.ManageToken, nil)
	svcWant(t, r, b, http.StatusAccepted)
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatalf("worker A never wrote to Google:\n%s", workerA.log.String())
	}
	workerB := startProc(t, env, workerArgs...)
	workerA.kill()
	close(release)
	svcEventually(t, "worker B to finish the killed worker's job", func() bool {
		v := s.view(t, gp)
		return v.LastSync != nil && v.LastSync.After(killedAt) && v.Status == "ok"
	})
	after := g.check(t, s, gp)
	for _, ev := range after {
		if st, _ := time.Parse(time.RFC3339, ev.Start.DateTime); st.In(svcLondon).Weekday() == time.Tuesday {
			t.Errorf("a session is still on a Tuesday: the job was not finished")
		}
	}
	if !strings.Contains(workerB.log.String(), `"plan_id":"`+gp.ID+`"`) {
		t.Errorf("worker B did not sync the plan:\n%s", workerB.log.String())
	}
	t.Logf("Google plan: %d sessions before, %d after the kill; %s", len(before), len(after), g.fake.CountsString())

	// The store keeps working across a restart of serve (now with a short
	// schedule); then Redis restarts (SIGKILL) mid-run: no plan and no
	// scheduled sync is lost.
	// Workers run every sync, the first one of a new plan included, and
	// schedule the next from their own --sync-every: give the new worker
	// serve's.
	s.stop(t)
	workerB.term(t)
	workerC := startProc(t, env, append(workerArgs, "--sync-every", "3s")...)
	s2 := startServe(t, env, "--redis", redisURL, "--data", data, "--allow-private-sources", "--sync-every", "3s")
	if v := s2.view(t, gp); v.Status != "ok" || len(v.Sessions) != len(after) {
		t.Errorf("Google plan after serve restart: %+v", v)
	}
	cal.set(svcRunsICS(false))
	kept := s2.create(t, cal.url())
	keptRes, _ := s2.feed(t, kept)
	cal.set(svcRunsICS(true))
	rs.Restart(t, true)
	svcEventually(t, "plans to be there after the Redis restart", func() bool {
		r, _ := svcDo(t, http.MethodGet, s2.base+"/api/plans/"+kept.ID, kept.ManageToken, nil)
		return r.StatusCode == http.StatusOK
	})
	if v := s2.view(t, gp); v.Status != "ok" {
		t.Errorf("Google plan after the Redis restart: %+v", v)
	}
	svcEventually(t, "the schedule to sync after the Redis restart", func() bool {
		res, _ := s2.feed(t, kept, "If-None-Match", keptRes.Header.Get("ETag"))
		return res.StatusCode == http.StatusOK
	})

	workerC.term(t)
	s2.stop(t)
	logs := s.log.String() + s2.log.String() + workerA.log.String() + workerB.log.String() + workerC.log.String()
	svcNoSecrets(t, logs, kept.ManageToken, gp.ManageToken, feedToken(kept.FeedURL))
}
