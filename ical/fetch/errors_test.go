package fetch

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestErrorMessagesGolden pins what a runner reads for each kind of failure
// (testdata/errors.golden; refresh with go test -update). The README's table
// of failures is written from this file.
func TestErrorMessagesGolden(t *testing.T) {
	cal := planICS(t)
	type scenario struct {
		name    string
		handler http.HandlerFunc // nil: url is used as is
		url     string           // path on the test server, or a full URL
		mod     func(*Options)
	}
	status := func(code int, hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
		}
	}
	body := func(ctype string, b []byte, hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.Header().Set("Content-Type", ctype)
			w.Write(b)
		}
	}
	scenarios := []scenario{
		{name: "404", handler: status(404)},
		{name: "410", handler: status(410)},
		{name: "401", handler: status(401)},
		{name: "403", handler: status(403)},
		{name: "400", handler: status(400)},
		{name: "500, retried", handler: status(500)},
		{name: "429, retried", handler: status(429)},
		{name: "429, asks for an hour", handler: status(429, "Retry-After", "3600")},
		{name: "html login page", handler: body("text/html", []byte("<!doctype html><title>Log in</title>"))},
		{name: "json error", handler: body("application/json", []byte(`{"error":"unauthorized"}`))},
		{name: "empty body", handler: body("text/calendar", nil)},
		{name: "over the limit", handler: body("text/calendar", calendarOfSize(2<<10)), mod: func(o *Options) { o.MaxBytes = 1 << 10 }},
		{name: "gzip bomb", handler: body("text/calendar", gzipped(t, calendarOfSize(64<<10)), "Content-Encoding", "gzip"), mod: func(o *Options) { o.MaxBytes = 1 << 10 }},
		{name: "damaged gzip", handler: body("text/calendar", cal, "Content-Encoding", "gzip")},
		{name: "unknown compression", handler: body("text/calendar", cal, "Content-Encoding", "br")},
		{name: "cut off", handler: body("text/calendar", cal[:200])},
		{name: "too many redirects", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}},
		{name: "redirect to another scheme", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://example.com/cal.ics", http.StatusFound)
		}},
		{name: "timeout", handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			mod: func(o *Options) { o.Timeout = 200 * time.Millisecond }},
		{name: "connection refused", url: "CLOSED"},
		{name: "loopback address", url: "http://127.0.0.1/ical/x.ics", mod: func(o *Options) { o.AllowPrivate = false }},
		{name: "cloud metadata", url: "http://169.254.169.254/latest/meta-data/", mod: func(o *Options) { o.AllowPrivate = false }},
		{name: "port", url: "https://1.1.1.1:6379/", mod: func(o *Options) { o.AllowPrivate = false }},
		{name: "unsupported scheme", url: "ftp://example.com/cal.ics"},
	}
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}()

	var out bytes.Buffer
	for _, s := range scenarios {
		base, u := "", s.url
		if s.handler != nil {
			srv := httptest.NewServer(s.handler)
			base, u = srv.URL, srv.URL+"/ical/SECRET.ics"
			defer srv.Close()
		}
		if u == "CLOSED" {
			base, u = closed, closed+"/ical/SECRET.ics"
		}
		c, _, _ := testClient(t, s.mod)
		_, err := c.Fetch(context.Background(), u, Validators{})
		if err == nil {
			t.Errorf("%s: no error", s.name)
			continue
		}
		msg := err.Error()
		if base != "" {
			msg = hostPort(msg, base)
		}
		fmt.Fprintf(&out, "%s\n\t%s\n", s.name, msg)
	}
	// Hints that depend on the feed's provider, for hosts tests cannot reach.
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, p := range []struct {
		url  string
		code int
	}{
		{"webcal://www.trainingpeaks.com/ical/SECRET.ics", 404},
		{"https://log.finalsurge.com/delivery/ical/SECRET", 410},
		{"https://calendar.google.com/calendar/ical/x%40gmail.com/private-SECRET/basic.ics", 401},
		{"https://intervals.icu/api/v1/athlete/SECRET/calendar.ics", 403},
	} {
		u, err := normalizeURL(p.url)
		if err != nil {
			t.Fatal(err)
		}
		e := statusError(Redact(p.url), u.Hostname(), &http.Response{StatusCode: p.code, Header: http.Header{}}, now)
		e.Attempts = 1
		fmt.Fprintf(&out, "%d from %s\n\t%s\n", p.code, u.Hostname(), e.Error())
	}
	if strings.Contains(out.String(), "SECRET") {
		t.Errorf("a message shows the secret:\n%s", out.String())
	}

	const golden = "testdata/errors.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("messages differ from %s (go test -update to accept):\n%s", golden, out.String())
	}
}

func TestProvider(t *testing.T) {
	tests := []struct{ host, want string }{
		{"www.trainingpeaks.com", "TrainingPeaks"},
		{"trainingpeaks.com", "TrainingPeaks"},
		{"TRAININGPEAKS.COM.", "TrainingPeaks"},
		{"nottrainingpeaks.com", "the app that publishes it"},
		{"trainingpeaks.com.evil.example", "the app that publishes it"},
		{"calendar.google.com", "Google Calendar"},
		{"intervals.icu", "intervals.icu"},
		{"log.finalsurge.com", "Final Surge"},
		{"cal.runna.com", "Runna"},
	}
	for _, tt := range tests {
		if got := provider(tt.host).name; got != tt.want {
			t.Errorf("provider(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}
