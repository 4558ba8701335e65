package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium through the runner's journey:
// paste a calendar link, preview, change a setting, make the plan,
// subscribe, open a session and a day's note, move through the weeks,
// change settings, rotate the feed and delete the plan, each with its
// confirmation. They run once with the page's script and once with
// JavaScript disabled, check for horizontal overflow at a desktop and a
// phone width, run axe-core in the pages, and watch that no request leaves
// our origin. Screenshots go to $STRENGTHSYNC_SCREENSHOTS when it is set.

// screenshotsEnv names the folder the browser tests write screenshots to.
const screenshotsEnv = "STRENGTHSYNC_SCREENSHOTS"

// widths are the viewports checked for horizontal overflow: a laptop, a
// phone and the narrowest phone the pages promise to fit.
var widths = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}, {"small", 360, 740, true}}

// needed skips the test when a tool is missing, loudly, and fails it under
// CI=true, where the tool is part of the set-up.
func needed(t *testing.T, what, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing under CI=true: %s", what, why)
	}
	t.Skipf("SKIPPED: %s is missing (%s); install it to run the browser tests", what, why)
}

// chromium starts a headless chromium for the test with a fresh profile
// and none of its background connections (the network here is closed).
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		needed(t, "chromium", err.Error())
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true), chromedp.Flag("no-pings", true),
		chromedp.Flag("metrics-recording-only", true), chromedp.Flag("mute-audio", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

// axeSource is axe-core from npm (package.json), loaded into the page by
// the test, never from a CDN.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		needed(t, "axe-core", "run npm install at the repository's root: "+err.Error())
	}
	return string(b)
}

// tab is one browser tab on the test's server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	e    *env
	axe  string
	shot string // screenshot folder, "" for none
	mode string // "script" or "noscript"

	mu       stdsync.Mutex
	requests []string
}

func call[P any](cmd cdp.Command[P, cdp.Empty], p P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, cmd, p)
		return chromedp.Void{}, err
	}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", b.mode, err)
	}
}

func run[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", b.mode, err)
	}
	return v
}

// count is how many elements match sel.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return run(b, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// text is the page's visible text.
func (b *tab) text() string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[string]("document.body.innerText"))
}

// waitText waits until the page says want.
func (b *tab) waitText(want string) {
	b.t.Helper()
	run(b, chromedp.Poll[bool](fmt.Sprintf("document.body && document.body.innerText.includes(%q)", want),
		chromedp.WithPollingTimeout(20*time.Second)))
}

// waitCount waits until n elements match sel.
func (b *tab) waitCount(sel string, n int) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](fmt.Sprintf("document.querySelectorAll(%q).length === %d", sel, n),
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.t.Fatalf("%s: waiting for %d of %s (have %d): %v", b.mode, n, sel, b.count(sel), err)
	}
}

// click clicks sel and waits for the next page when nav is set.
func (b *tab) click(sel string, nav bool) {
	b.t.Helper()
	if !nav {
		b.do(chromedp.Click(sel))
		return
	}
	before := run(b, chromedp.Evaluate[float64]("performance.timeOrigin"))
	b.do(chromedp.Click(sel))
	// While the old page goes, the tab answers "navigated or closed":
	// ask again until the new page has loaded.
	check := fmt.Sprintf("document.readyState === 'complete' && performance.timeOrigin !== %v", before)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](check))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page after clicking %s: %v", b.mode, sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clickFirst clicks the first of the elements sel matches (a click on a
// selector waits for every match to be visible).
func (b *tab) clickFirst(sel string) {
	b.t.Helper()
	run(b, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { document.querySelector(%q).id = "first-match"; return true })()`, sel)))
	b.do(chromedp.Click("#first-match"), chromedp.RemoveAttribute("#first-match", "id"))
}

// choose picks a select's option as a person would: the change event fires.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	run(b, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, sel, value)))
}

// look checks the page at both widths: no horizontal overflow, no serious
// accessibility violation (light and dark), and a screenshot.
func (b *tab) look(name string) {
	b.t.Helper()
	for _, w := range widths {
		opts := []chromedp.EmulateViewportOption{}
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.do(chromedp.EmulateViewport(w.width, w.height, opts...))
		over := run(b, chromedp.Evaluate[int]("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
		if over > 0 {
			wide := run(b, chromedp.Evaluate[string](`(() => { const w = document.documentElement.clientWidth;
				const out = e => e.getBoundingClientRect().right > w + 1;
				return [...document.querySelectorAll("body, body *")].filter(e => out(e) && (e === document.body || !out(e.parentElement))).slice(0, 5)
				.map(e => e.tagName + "." + e.className + " in " + e.parentElement.tagName + "." + e.parentElement.className +
				" " + Math.round(e.getBoundingClientRect().right)).join(", ") + " text: " + (() => { const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); const r = document.createRange(); const found = [];
				while (tw.nextNode()) { r.selectNodeContents(tw.currentNode); const b = r.getBoundingClientRect(); if (b.right > w + 1) found.push(tw.currentNode.parentElement.tagName + "." + tw.currentNode.parentElement.className + ":" + tw.currentNode.textContent.slice(0, 30) + "@" + Math.round(b.right)); }
				return found.slice(0, 5).join(" | ") })() })()`))
			b.t.Errorf("%s: %s at %d px scrolls sideways by %d px: %s", b.mode, name, w.width, over, wide)
		}
		if b.shot != "" {
			png := run(b, chromedp.CaptureScreenshot())
			file := filepath.Join(b.shot, fmt.Sprintf("%s-%s-%s.png", name, w.name, b.mode))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
	for _, scheme := range []string{"light", "dark"} {
		b.do(call(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}))
		b.axeCheck(name + " (" + scheme + ")")
	}
	b.do(call(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}))
}

// readmeShots are the README's two pictures of the plan page: this week's
// calendar with a session open, on a laptop and on a phone.
func (b *tab) readmeShots() {
	b.t.Helper()
	b.click(`.pager a:not([rel])`, true)
	b.clickFirst("#calendar details.session > summary")
	for _, w := range widths[:2] {
		opts := []chromedp.EmulateViewportOption{}
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		b.do(chromedp.EmulateViewport(w.width, w.height, opts...))
		run(b, chromedp.Evaluate[bool](`document.getElementById("cal-h").scrollIntoView(); true`))
		png := run(b, chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(b.shot, "plan-"+w.name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

// axeCheck runs axe-core in the page and fails on serious or critical
// violations of WCAG 2.2 AA.
func (b *tab) axeCheck(name string) {
	b.t.Helper()
	if b.mode == "noscript" {
		// axe needs timers: let scripts run for it alone. The page was
		// loaded, and stays, without its own script.
		b.do(call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}))
		defer b.do(call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}))
	}
	run(b, chromedp.Evaluate[bool](b.axe+";true"))
	out := run(b, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag",
		values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]})
		.then(r => JSON.stringify({passes: r.passes.length, violations: r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))}))`,
		chromedp.EvalAwaitPromise))
	var found struct {
		Passes     int
		Violations []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		b.t.Fatalf("axe: %v: %s", err, out)
	}
	if found.Passes < 10 {
		b.t.Fatalf("%s: %s: axe checked only %d rules: it did not run on the page", b.mode, name, found.Passes)
	}
	for _, v := range found.Violations {
		b.t.Errorf("%s: %s: axe %v (%v): %v %v", b.mode, name, v["id"], v["impact"], v["help"], v["nodes"])
	}
}

// feed is the feed address the plan page shows.
func (b *tab) feed() string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[string](`document.getElementById("feedurl").value`))
}

// thirdParty lists the requests the browser made to anywhere but us.
func (b *tab) thirdParty() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if !strings.HasPrefix(u, b.e.ts.URL+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			out = append(out, u)
		}
	}
	return out
}

func newTab(t *testing.T, script bool) *tab {
	ctx := chromium(t)
	axe := axeSource(t)
	e := newEnv(t)
	b := &tab{t: t, ctx: ctx, e: e, axe: axe, mode: "script"}
	if !script {
		b.mode = "noscript"
	}
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b.shot = dir
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, r.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.do(call(network.Enable, network.EnableParams{}))
	if !script {
		b.do(call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}))
	}
	return b
}

func TestBrowserJourney(t *testing.T) {
	for _, script := range []bool{true, false} {
		name := "script"
		if !script {
			name = "noscript"
		}
		t.Run(name, func(t *testing.T) { journey(t, script) })
	}
}

func journey(t *testing.T, script bool) {
	b := newTab(t, script)
	e := b.e

	// The plan ends with a marathon: the pages show it with its phases.
	e.cal.set([]byte(strings.Replace(string(runsICS(false)), "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:race@test\r\n"+
		"DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260531\r\nSUMMARY:City Marathon\r\nEND:VEVENT\r\nEND:VCALENDAR", 1)), 200)

	// Home: paste the link and preview.
	b.do(chromedp.Navigate(e.ts.URL + "/"))
	b.waitText("Where is my calendar link?")
	b.do(chromedp.SetValue("#sources", e.cal.sourceURL()))
	b.click("#preview-button", !script)
	b.waitCount("#preview details.session", 12)
	if text := b.text(); !strings.Contains(text, "Europe/London (your calendar)") || !strings.Contains(text, "City Marathon") {
		t.Errorf("%s: the preview does not say its zone or its race", b.mode)
	}
	b.look("preview")

	// A setting changes the preview: in place with the script, by a new
	// post without it.
	origin := run(b, chromedp.Evaluate[float64]("performance.timeOrigin"))
	if script {
		b.choose("#f-pw", "1")
	} else {
		b.do(chromedp.SetValue("#f-pw", "1"))
		b.click("#preview-button", true)
	}
	b.waitCount("#preview details.session", 6)
	if same := run(b, chromedp.Evaluate[float64]("performance.timeOrigin")) == origin; same != script {
		t.Errorf("%s: the preview changed in place: %v", b.mode, same)
	}
	if ids, _ := e.store.DuePlans(t.Context(), e.clock.Now().Add(time.Hour), 10); len(ids) != 0 {
		t.Fatalf("%s: a preview stored a plan", b.mode)
	}

	// Create.
	b.click("#create-button", true)
	b.waitText("Your plan is ready")
	loc := run(b, chromedp.Location())
	if !strings.Contains(loc, "/plans/") {
		t.Fatalf("%s: after create the page is %s", b.mode, loc)
	}
	if n := b.count(`#calendar details.session`); n != 6 {
		t.Errorf("%s: the plan page shows %d sessions in the next 6 weeks, want 6", b.mode, n)
	}

	// Subscribe: a button per app, the feed address, a copy button with
	// the script.
	if n := b.count(`.subscribe a[href^="webcal://"]`); n != 2 {
		t.Errorf("%s: %d webcal buttons, want 2 (Apple, Outlook)", b.mode, n)
	}
	if n := b.count(`.subscribe a[href^="https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F"]`); n != 1 {
		t.Errorf("%s: no Google add-by-URL button", b.mode)
	}
	if script {
		b.click("[data-copy]", false)
		b.waitText("Copied")
	} else if n := b.count("[data-copy][hidden]"); n != 1 {
		t.Errorf("%s: the copy button shows without the script that makes it work", b.mode)
	}

	// A session opens to its exercises and reason, a day to its note.
	b.clickFirst("#calendar details.session > summary")
	b.waitCount("#calendar details.session[open] ul.ex", 1)
	b.clickFirst("#calendar details.note > summary")
	b.waitCount("#calendar details.note[open]", 1)
	if !strings.Contains(b.text(), "Why this day:") {
		t.Errorf("%s: an open session does not say why", b.mode)
	}
	b.look("plan")
	if b.shot != "" && script {
		b.readmeShots()
	}

	// Later weeks, and back.
	firstWeek := `document.querySelector(".week-label").textContent`
	first := run(b, chromedp.Evaluate[string](firstWeek))
	b.click(`.pager a[rel="next"]`, true)
	if later := run(b, chromedp.Evaluate[string](firstWeek)); later == first {
		t.Errorf("%s: later weeks show the same first week %q", b.mode, later)
	}
	b.click(`.pager a[rel="prev"]`, true)

	// Settings: three a week on the plan page.
	b.do(chromedp.SetValue("#settings-form #f-pw", "3"))
	b.click("#save-settings", true)
	b.waitText("Settings saved")
	id := strings.TrimPrefix(strings.SplitN(loc[len(e.ts.URL):], "?", 2)[0], "/plans/")
	if p, err := e.store.GetPlan(t.Context(), id); err != nil || *p.Settings.PerWeek != 3 {
		t.Errorf("%s: settings not saved: %v", b.mode, err)
	}

	// Rotate, after a confirmation that says what breaks.
	oldFeed := b.feed()
	b.click("#rotate-button", !script)
	if script {
		run(b, chromedp.Poll[bool](`document.getElementById("rotate-dialog").open`, chromedp.WithPollingTimeout(10*time.Second)))
	} else {
		b.look("confirm")
	}
	b.waitText("stops working at once")
	if script && b.feed() != oldFeed {
		t.Errorf("%s: the feed changed before the confirmation", b.mode)
	}
	if script {
		b.click("#rotate-dialog-yes", true)
	} else {
		b.click("#confirm-yes", true)
	}
	b.waitText("The feed has a new address")
	if nu := b.feed(); nu == oldFeed {
		t.Errorf("%s: the feed address did not change", b.mode)
	}

	// Delete, after a confirmation.
	b.click("#delete-button", !script)
	if script {
		run(b, chromedp.Poll[bool](`document.getElementById("delete-dialog").open`))
		b.click("#delete-dialog-yes", true)
	} else {
		b.waitText("cannot be undone")
		b.click("#confirm-yes", true)
	}
	b.waitText("Plan deleted")
	if _, err := e.store.GetPlan(t.Context(), id); err == nil {
		t.Errorf("%s: the plan is still there", b.mode)
	}

	if tp := b.thirdParty(); len(tp) > 0 {
		t.Errorf("%s: requests left our origin: %v", b.mode, tp)
	}
	b.mu.Lock()
	n := len(b.requests)
	b.mu.Unlock()
	if n == 0 {
		t.Errorf("%s: no request was seen: the network watch is broken", b.mode)
	}
}
