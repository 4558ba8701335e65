package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The preview plans the runner's calendar with their settings and stores
// nothing: no plan, no token, no cached copy.
func TestPreview(t *testing.T) {
	e := newEnv(t)
	preview := func(vals url.Values) (int, string) {
		t.Helper()
		vals.Set(formTokenField, e.srv.formToken("")) // the home page's scope
		res := e.form("/preview", vals)
		return res.StatusCode, string(readBody(t, res))
	}
	base := url.Values{"sources": {e.cal.sourceURL()}, "per_week": {"2"}, "policy": {"stack"}}
	status, body := preview(base)
	if status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", status, body)
	}
	two := strings.Count(body, `<details class="session">`)
	for _, want := range []string{`id="preview"`, "Your next 6 weeks", "Europe/London (your calendar)", "Intervals 6x800m",
		"No session: why?", templateEscape(e.cal.sourceURL()) + "</textarea>"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if two != 12 {
		t.Errorf("preview shows %d sessions, want 12 (2 a week for 6 weeks)", two)
	}

	// Another setting, another preview; the form keeps the runner's choice.
	one := url.Values{"sources": base["sources"], "per_week": {"1"}, "policy": {"separate"}}
	_, body = preview(one)
	if n := strings.Count(body, `<details class="session">`); n != 6 {
		t.Errorf("one a week: preview shows %d sessions, want 6", n)
	}
	if !strings.Contains(body, `<option value="1" selected>`) || !strings.Contains(body, `value="separate" checked>`) {
		t.Error("the preview's form lost the settings")
	}

	// Without the calendar's zone, the browser's.
	e.cal.set([]byte(strings.Replace(string(runsICS(false)), "X-WR-TIMEZONE:Europe/London\r\n", "", 1)), http.StatusOK)
	bz := url.Values{"sources": base["sources"], "browser_tz": {"America/New_York"}}
	if _, body = preview(bz); !strings.Contains(body, "America/New_York (your browser)") {
		t.Error("the browser's zone is not the fallback")
	}

	// Nothing was stored.
	ids, err := e.store.DuePlans(t.Context(), e.clock.Now().Add(24*time.Hour), 100)
	if err != nil || len(ids) != 0 {
		t.Errorf("previews stored plans: %v %v", ids, err)
	}

	// A calendar that is gone: the error in words, with what to do.
	e.cal.set(nil, http.StatusNotFound)
	status, body = preview(base)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) ||
		!strings.Contains(body, "copy the iCal link again") {
		t.Errorf("gone calendar: %d\n%s", status, body)
	}
	// A bad setting names the field.
	e.cal.set(runsICS(false), http.StatusOK)
	status, body = preview(url.Values{"sources": base["sources"], "window_from": {"21:00"}, "window_to": {"06:00"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "settings.window") {
		t.Errorf("bad window: %d", status)
	}
}

// A preview is a form like create: it needs a form token and is rate
// limited per client.
func TestPreviewGuarded(t *testing.T) {
	e := newEnv(t, func(e *env) { e.srv.APILimit = Limit{Rate: 0.001, Burst: 2} })
	vals := url.Values{"sources": {e.cal.sourceURL()}, formTokenField: {"forged"}}
	wantStatus(t, e.form("/preview", vals), http.StatusForbidden)
	vals.Set(formTokenField, e.srv.formToken(""))
	e.form("/preview", vals)
	wantStatus(t, e.form("/preview", vals), http.StatusTooManyRequests)
}
