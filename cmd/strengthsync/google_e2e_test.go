package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	calendar "google.golang.org/api/calendar/v3"
)

// googleCLI is a runner's machine pointed at a fake Google: the command
// line runs in-process with its own config and data directories, which
// persist between commands as they would between runs.
type googleWorld struct {
	t    *testing.T
	srv  *googlefake.Server
	env  map[string]string
	runs map[string]string
	loc  *time.Location
}

func newGoogleWorld(t *testing.T) *googleWorld {
	t.Helper()
	srv := googlefake.New(googlefake.Options{TimeZone: "Europe/London"})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	loc, _ := time.LoadLocation("Europe/London")
	w := &googleWorld{t: t, srv: srv, loc: loc, runs: map[string]string{}, env: map[string]string{
		"STRENGTHSYNC_CONFIG_DIR":           filepath.Join(dir, "config"),
		"STRENGTHSYNC_CACHE_DIR":            filepath.Join(dir, "cache"),
		"STRENGTHSYNC_DATA_DIR":             filepath.Join(dir, "data"),
		"TZ":                                "Europe/London",
		"STRENGTHSYNC_GOOGLE_API_URL":       srv.APIURL(),
		"STRENGTHSYNC_GOOGLE_AUTH_URL":      srv.AuthURL(),
		"STRENGTHSYNC_GOOGLE_TOKEN_URL":     srv.TokenURL(),
		"STRENGTHSYNC_GOOGLE_REVOKE_URL":    srv.RevokeURL(),
		"STRENGTHSYNC_GOOGLE_CLIENT_ID":     srv.ClientID(),
		"STRENGTHSYNC_GOOGLE_CLIENT_SECRET": srv.ClientSecret(),
		"STRENGTHSYNC_GOOGLE_BACKOFF":       "1ms", // retries without the wait
	}}
	// Six weeks: intervals Tuesday, tempo Thursday, easy Saturday, long
	// run Sunday; a dentist appointment that is not a run.
	start := rules.Date{Year: 2026, Month: time.March, Day: 2}
	for wk := 0; wk < 6; wk++ {
		mon := start.AddDays(7 * wk)
		w.run(fmt.Sprintf("W%d intervals", wk+1), "Intervals 6x800m", mon.AddDays(1), 7*60, 60)
		w.run(fmt.Sprintf("W%d tempo", wk+1), "Tempo 40 min", mon.AddDays(3), 7*60, 60)
		w.run(fmt.Sprintf("W%d easy", wk+1), "Easy run 8 km", mon.AddDays(5), 9*60, 50)
		w.run(fmt.Sprintf("W%d long", wk+1), "Long run 26 km", mon.AddDays(6), 8*60, 150)
		w.run(fmt.Sprintf("W%d dentist", wk+1), "Dentist", mon.AddDays(2), 12*60, 60)
	}
	return w
}

func (w *googleWorld) run(key, summary string, d rules.Date, at rules.Clock, minutes int) {
	w.t.Helper()
	s := d.At(at, w.loc)
	id, err := w.srv.AddRun("primary", summary, s, s.Add(time.Duration(minutes)*time.Minute))
	if err != nil {
		w.t.Fatal(err)
	}
	w.runs[key] = id
}

// cli runs the command line; stderr goes to errw when given.
func (w *googleWorld) cli(errw io.Writer, args ...string) (string, string, int) {
	w.t.Helper()
	var out, errb bytes.Buffer
	var stderr io.Writer = &errb
	if errw != nil {
		stderr = io.MultiWriter(&errb, errw)
	}
	code := Main(context.Background(), args, Env{
		Stdout: &out, Stderr: stderr,
		Getenv: func(k string) string { return w.env[k] },
		Now:    func() time.Time { return fixedNow },
	})
	return out.String(), errb.String(), code
}

// browser watches the command's stderr for the consent address and opens
// it as the runner's browser would, following Google's redirect back to
// the command's loopback listener.
type browser struct {
	t    *testing.T
	mu   stdsync.Mutex
	buf  bytes.Buffer
	done bool
	wg   stdsync.WaitGroup
}

var consentURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+/o/oauth2/auth\?\S+`)

func (b *browser) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if u := consentURL.FindString(b.buf.String()); u != "" && !b.done {
		b.done = true
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			res, err := http.Get(u)
			if err != nil {
				b.t.Errorf("browser: %v", err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}()
	}
	return len(p), nil
}

func (w *googleWorld) connect() string {
	w.t.Helper()
	b := &browser{t: w.t}
	out, errs, code := w.cli(b, "connect", "google", "--no-browser")
	b.wg.Wait()
	if code != 0 {
		w.t.Fatalf("connect: exit %d\n%s\n%s", code, out, errs)
	}
	return out
}

func (w *googleWorld) sync(extra ...string) string {
	w.t.Helper()
	args := append([]string{"sync", "--from", "google:primary", "--to", "google:new", "--start", "2026-03-02", "--weeks", "4"}, extra...)
	out, errs, code := w.cli(nil, args...)
	if code != 0 {
		w.t.Fatalf("sync: exit %d\n%s\n%s", code, out, errs)
	}
	return out
}

func (w *googleWorld) strengthCalendar() string {
	w.t.Helper()
	for _, c := range w.srv.Calendars() {
		if c.Summary == "Strength training" {
			return c.Id
		}
	}
	w.t.Fatal("no Strength training calendar")
	return ""
}

// contents maps each event of a calendar to its ETag and what it says.
func contents(evs []*calendar.Event) map[string][2]string {
	m := map[string][2]string{}
	for _, ev := range evs {
		m[ev.Id] = [2]string{ev.Etag, ev.Status + "|" + ev.Summary + "|" + ev.Description + "|" + ev.Start.DateTime + "|" + ev.End.DateTime}
	}
	return m
}

// checkClean asserts every live event of ours is there once under its
// deterministic ID, and returns them by UID.
func (w *googleWorld) checkClean(cal string) map[string]*calendar.Event {
	w.t.Helper()
	byUID := map[string]*calendar.Event{}
	for _, ev := range w.srv.Events(cal) {
		uid := ev.ExtendedProperties.Private["strengthsync_uid"]
		if _, dup := byUID[uid]; dup {
			w.t.Errorf("session %s is there twice", uid)
		}
		if ev.Id != google.EventID(uid) {
			w.t.Errorf("event %s holds session %s", ev.Id, uid)
		}
		byUID[uid] = ev
	}
	return byUID
}

var summaryLine = regexp.MustCompile(`(\d+) added, (\d+) moved, (\d+) updated, (\d+) removed, (\d+) unchanged`)

func changed(t *testing.T, out string) (added, moved, updated, removed, unchanged int) {
	t.Helper()
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary line in %q", out)
	}
	fmt.Sscan(m[1]+" "+m[2]+" "+m[3]+" "+m[4]+" "+m[5], &added, &moved, &updated, &removed, &unchanged)
	return
}

// TestGoogleEndToEnd is the story through the real command line,
// the real planner and the real consent flow, against the fake Google.
func TestGoogleEndToEnd(t *testing.T) {
	w := newGoogleWorld(t)
	runner := contents(w.srv.AllEvents("primary"))

	// 1. Connect, through the loopback redirect with PKCE.
	out := w.connect()
	if !strings.Contains(out, "Connected to Google Calendar") || strings.Contains(out, "Not granted") {
		t.Fatalf("connect said %q", out)
	}
	tokenPath := filepath.Join(w.env["STRENGTHSYNC_CONFIG_DIR"], oauth.TokenFileName)
	if fi, err := os.Stat(tokenPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}

	// 2. First sync into a calendar of our own.
	out = w.sync()
	added, _, _, _, _ := changed(t, out)
	cal := w.strengthCalendar()
	first := w.checkClean(cal)
	if added == 0 || added != len(first) {
		t.Fatalf("first sync added %d, the calendar holds %d:\n%s", added, len(first), out)
	}
	t.Logf("first sync: %d sessions, %s", added, w.srv.CountsString())

	// 3. The coach moves week 2's long run from Sunday to Friday. Exactly
	// the sessions whose time or text changes are written.
	before := contents(w.srv.AllEvents(cal))
	fri := rules.Date{Year: 2026, Month: time.March, Day: 13}.At(8*60, w.loc)
	if err := w.srv.MoveEvent("primary", w.runs["W2 long"], fri, fri.Add(150*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCounts()
	out = w.sync()
	a, m, u, r, _ := changed(t, out)
	after := contents(w.srv.AllEvents(cal))
	touched := 0
	for id, now := range after {
		was, ok := before[id]
		switch {
		case !ok:
			touched++
		case was[0] != now[0] && was[1] == now[1]:
			t.Errorf("event %s was written without a change", id)
		case was[0] != now[0]:
			touched++
		case was[1] != now[1]:
			t.Errorf("event %s changed without a write", id)
		}
	}
	if touched == 0 || touched != a+m+u+r || w.srv.Writes() != touched {
		t.Errorf("the coach's move: %d events changed, output %d/%d/%d/%d, %s\n%s", touched, a, m, u, r, w.srv.CountsString(), out)
	}
	t.Logf("one run moved: %d sessions written, %s", touched, w.srv.CountsString())

	// 4. Nothing changed: at most two API calls, no writes.
	w.srv.ResetCounts()
	out = w.sync()
	if a, m, u, r, _ := changed(t, out); a+m+u+r != 0 || w.srv.APICalls() > 2 || w.srv.Writes() != 0 {
		t.Errorf("no-change sync: %s\n%s", w.srv.CountsString(), out)
	}
	t.Logf("no change: %s", w.srv.CountsString())

	// 5. The runner drags a week-3 session to Wednesday evening; the
	// resync keeps it there (and plans the week around it).
	byUID := w.checkClean(cal)
	var dragged *calendar.Event
	for _, ev := range byUID {
		if strings.Contains(ev.ExtendedProperties.Private["strengthsync_slot"], "2026-W12/") {
			dragged = ev
			break
		}
	}
	if dragged == nil {
		t.Fatal("no week-3 session")
	}
	wed := rules.Date{Year: 2026, Month: time.March, Day: 18}.At(19*60, w.loc)
	w.srv.MoveEvent(cal, dragged.Id, wed, wed.Add(45*time.Minute))
	moved, _ := w.srv.Event(cal, dragged.Id)
	w.sync()
	if now, _ := w.srv.Event(cal, dragged.Id); now.Etag != moved.Etag || now.Status != "confirmed" {
		t.Errorf("the dragged session was touched: %s %s → %s", now.Status, moved.Start.DateTime, now.Start.DateTime)
	}
	// It counts toward its week: two sessions a week, the dragged one
	// included.
	inWeek := 0
	for _, ev := range w.checkClean(cal) {
		st, _ := time.Parse(time.RFC3339, ev.Start.DateTime)
		if rules.DateOf(st.In(w.loc)).Week() == "2026-W12" {
			inWeek++
		}
	}
	if inWeek != 2 {
		t.Errorf("week 12 holds %d sessions with the dragged one, want 2", inWeek)
	}

	// 6. The runner deletes a week-4 session; the resync does not bring
	// it back.
	var deleted string
	for uid, ev := range w.checkClean(cal) {
		if strings.Contains(ev.ExtendedProperties.Private["strengthsync_slot"], "2026-W13/") {
			deleted = uid
			break
		}
	}
	if deleted == "" {
		t.Fatal("no week-4 session")
	}
	w.srv.DeleteEvent(cal, google.EventID(deleted))
	w.sync()
	if ev, _ := w.srv.Event(cal, google.EventID(deleted)); ev.Status != "cancelled" {
		t.Errorf("the deleted session came back")
	}

	// 7. The coach moves another long run while 30% of requests fail:
	// the sync ends with the plan in the calendar, each session once,
	// and the runner's own events untouched.
	fri1 := rules.Date{Year: 2026, Month: time.March, Day: 6}.At(8*60, w.loc)
	w.srv.MoveEvent("primary", w.runs["W1 long"], fri1, fri1.Add(150*time.Minute))
	fri4 := rules.Date{Year: 2026, Month: time.March, Day: 27}.At(8*60, w.loc)
	w.srv.MoveEvent("primary", w.runs["W4 long"], fri4, fri4.Add(150*time.Minute))
	w.srv.DeleteEvent("primary", w.runs["W3 intervals"])
	runner = contents(w.srv.AllEvents("primary"))
	w.srv.ResetCounts()
	w.srv.InjectFaults(googlefake.Faults{Rate: 0.3, Seed: 5})

	var code int
	for tries := 0; tries < 5; tries++ {
		// Two more weeks, so there are inserts as well as patches.
		if _, _, code = w.cli(nil, "sync", "--from", "google:primary", "--to", "google:new", "--start", "2026-03-02", "--weeks", "6"); code == 0 {
			break
		}
	}
	w.srv.InjectFaults(googlefake.Faults{})
	if code != 0 {
		t.Fatal("no sync got through 30% failures in 5 tries")
	}
	t.Logf("under 30%% faults: %s, injected %v", w.srv.CountsString(), w.srv.Injected())
	w.checkClean(cal)
	if got := contents(w.srv.AllEvents("primary")); !sameContents(got, runner) {
		t.Error("the runner's own events were changed")
	}
	// Nothing left to do means the calendar holds exactly the plan.
	w.srv.ResetCounts()
	out = w.sync("--weeks", "6")
	if a, m, u, r, _ := changed(t, out); a+m+u+r != 0 || w.srv.Writes() != 0 {
		t.Errorf("after the faulty sync there is still work: %s\n%s", w.srv.CountsString(), out)
	}
	if ev, _ := w.srv.Event(cal, google.EventID(deleted)); ev.Status != "cancelled" {
		t.Errorf("the deleted session came back")
	}
	if now, _ := w.srv.Event(cal, dragged.Id); now.Etag != moved.Etag {
		t.Errorf("the dragged session was touched")
	}
}

func sameContents(a, b map[string][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestGoogleConnectScopesAndRevocation: missing scopes are named at
// connect and stop the commands that need them; a refused refresh gives
// the exact message; disconnect revokes and deletes the token.
func TestGoogleConnectScopesAndRevocation(t *testing.T) {
	w := newGoogleWorld(t)
	w.srv.GrantOnly(oauth.ScopeAppCreated, oauth.ScopeEventsReadonly)
	out := w.connect()
	if !strings.Contains(out, "Not granted: calendar.freebusy was not granted: strengthsync cannot see when you are busy") {
		t.Errorf("connect did not name the missing scope:\n%s", out)
	}
	_, errs, code := w.cli(nil, "plan", "--from", "google:primary", "--busy", "google:primary", "--start", "2026-03-02", "--weeks", "1")
	if code == 0 || !strings.Contains(errs, "calendar.freebusy was not granted") {
		t.Errorf("plan --busy without freebusy: exit %d, %q", code, errs)
	}
	if _, errs, code := w.cli(nil, "plan", "--from", "google:primary", "--start", "2026-03-02", "--weeks", "1"); code != 0 {
		t.Errorf("plan without --busy: exit %d, %q", code, errs)
	}

	// The refresh is refused (access removed at Google; expired token).
	tokenPath := filepath.Join(w.env["STRENGTHSYNC_CONFIG_DIR"], oauth.TokenFileName)
	f := oauth.TokenFile{Path: tokenPath}
	saved, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	saved.Token.Expiry = fixedNow.Add(-time.Hour)
	f.Save(saved)
	w.srv.RevokeAll()
	_, errs, code = w.cli(nil, "sync", "--from", "google:primary", "--to", "google:new", "--start", "2026-03-02", "--weeks", "1")
	t.Logf("revoked: %q", errs)
	if code != 1 || !strings.Contains(errs, "Google access was revoked — run `strengthsync connect google` again") {
		t.Errorf("revoked: exit %d, %q", code, errs)
	}
	if line, ok := googleErrorLine(fmt.Errorf("google:primary: %w", oauth.ErrRevoked)); !ok ||
		line != "Google access was revoked — run `strengthsync connect google` again" {
		t.Errorf("googleErrorLine = %q", line)
	}

	// Connect again, then disconnect: the grant is revoked at Google and
	// the token file is gone.
	w.srv.GrantOnly()
	w.connect()
	if w.srv.Grants() != 1 {
		t.Fatalf("%d live grants", w.srv.Grants())
	}
	out, errs, code = w.cli(nil, "disconnect", "google")
	if code != 0 || !strings.Contains(out, "Disconnected") {
		t.Fatalf("disconnect: %d %q %q", code, out, errs)
	}
	if _, err := os.Stat(tokenPath); !os.IsNotExist(err) {
		t.Errorf("token file still there: %v", err)
	}
	if w.srv.Grants() != 0 || w.srv.Count("oauth.revoke") != 1 {
		t.Errorf("grants %d, revokes %d", w.srv.Grants(), w.srv.Count("oauth.revoke"))
	}
	if out, _, code := w.cli(nil, "disconnect", "google"); code != 0 || !strings.Contains(out, "Not connected") {
		t.Errorf("second disconnect: %d %q", code, out)
	}
	if _, errs, code := w.cli(nil, "plan", "--from", "google:primary", "--weeks", "1"); code == 0 || !strings.Contains(errs, "connect google") {
		t.Errorf("plan after disconnect: %d %q", code, errs)
	}
}

func TestGoogleConnectRefused(t *testing.T) {
	w := newGoogleWorld(t)
	w.srv.RefuseConsent(true)
	b := &browser{t: t}
	_, errs, code := w.cli(b, "connect", "google", "--no-browser")
	b.wg.Wait()
	if code == 0 || !strings.Contains(errs, "access_denied") {
		t.Errorf("refused consent: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(w.env["STRENGTHSYNC_CONFIG_DIR"], oauth.TokenFileName)); !os.IsNotExist(err) {
		t.Error("a token file was written")
	}
	// No client at all is bad usage.
	delete(w.env, "STRENGTHSYNC_GOOGLE_CLIENT_ID")
	delete(w.env, "STRENGTHSYNC_GOOGLE_CLIENT_SECRET")
	if _, errs, code := w.cli(nil, "connect", "google", "--no-browser"); code != 2 || !strings.Contains(errs, "--google-credentials") {
		t.Errorf("no client: exit %d, %q", code, errs)
	}
	// A client_secret.json in Google's format works.
	path := filepath.Join(t.TempDir(), "client_secret.json")
	j, _ := json.Marshal(map[string]any{"installed": map[string]string{"client_id": w.srv.ClientID(), "client_secret": w.srv.ClientSecret()}})
	os.WriteFile(path, j, 0o600)
	w.srv.RefuseConsent(false)
	b = &browser{t: t}
	out, errs, code := w.cli(b, "connect", "google", "--no-browser", "--google-credentials", path)
	b.wg.Wait()
	if code != 0 || !strings.Contains(out, "Connected") {
		t.Errorf("with a client file: exit %d, %q %q", code, out, errs)
	}
}

// TestGoogleRevokedBeforeExpiry: the runner removes strengthsync in their
// Google account while the saved access token has not expired. The API
// answers 401; the command refreshes once, Google refuses the grant, and
// the runner reads one line that tells them to connect again (exit 1), not
// "googleapi: Error 401: Invalid Credentials".
func TestGoogleRevokedBeforeExpiry(t *testing.T) {
	w := newGoogleWorld(t)
	w.connect()
	w.sync()
	w.srv.RevokeAll()
	w.srv.ResetCounts()
	_, errs, code := w.cli(nil, "sync", "--from", "google:primary", "--to", "google:new", "--start", "2026-03-02", "--weeks", "4")
	if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("revoked: exit %d, %q", code, errs)
	}
	if !strings.Contains(errs, "strengthsync connect google") || strings.Contains(errs, "401") {
		t.Errorf("revoked: %q", errs)
	}
	if n := w.srv.Count("oauth.token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}
