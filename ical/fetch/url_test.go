package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		// The feeds runners paste (SPEC §1), secrets in path or query.
		{"webcal://www.trainingpeaks.com/ical/ABCD1234EFGH5678.ics", "webcal://www.trainingpeaks.com/ical/…"},
		{"https://calendar.google.com/calendar/ical/runner%40gmail.com/private-0123456789abcdef/basic.ics", "https://calendar.google.com/calendar/…"},
		{"https://log.finalsurge.com/delivery/ical/0a1b2c3d-4e5f-6789-abcd-ef0123456789", "https://log.finalsurge.com/delivery/…"},
		{"https://intervals.icu/api/v1/athlete/i12345/calendar.ics?key=s3cr3t", "https://intervals.icu/api/…"},
		// A long first segment is a token, not a directory.
		{"https://cal.example.com/9f86d081884c7d659a2feaa0c55ad015/feed.ics", "https://cal.example.com/…"},
		{"https://cal.example.com/9f86d081884c7d659a2feaa0c55ad015", "https://cal.example.com/…"},
		// A short single segment is kept, its query is not.
		{"https://example.com/feed.ics?token=abc", "https://example.com/feed.ics?…"},
		{"https://example.com/feed.ics", "https://example.com/feed.ics"},
		{"https://example.com/ical/", "https://example.com/ical/"},
		{"https://example.com", "https://example.com"},
		{"https://example.com/", "https://example.com"},
		{"https://example.com/#frag", "https://example.com?…"},
		{"https://example.com?x=1", "https://example.com?…"},
		// User information never shows; ports and case are kept sane.
		{"https://user:hunter2@Example.COM:8443/ical/x", "https://example.com:8443/ical/…"},
		{"  https://example.com/ical/x  ", "https://example.com/ical/…"},
		{"http://[::1]:8080/a/b", "http://[::1]:8080/a/…"},
		// What url.Parse refuses still shows its host, or nothing.
		{"https://example.com/ical/%zz-secret", "https://example.com/…"},
		{"https://user:pw@example.com/%zz", "https://example.com/…"},
		{"not a url", "(not a URL)"},
		{"", "(not a URL)"},
		{"mailto:someone@example.com", "(not a URL)"},
		{"https://exa mple.com/%zz", "(not a URL)"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"webcal://www.trainingpeaks.com/ical/X.ics", "https://www.trainingpeaks.com/ical/X.ics", ""},
		{"WEBCAL://Example.com/x", "https://example.com/x", ""},
		{"webcals://example.com/x", "https://example.com/x", ""},
		{"http://example.com/x?y=1#frag", "http://example.com/x?y=1", ""},
		{" https://example.com/x ", "https://example.com/x", ""},
		{"ftp://example.com/x", "", `unsupported address: scheme "ftp"`},
		{"example.com/x", "", "unsupported address: no scheme"},
		{"https:///x", "", "unsupported address: no host"},
		{"https://example.com:0/", "", "unsupported address: bad port"},
		{"https://example.com:70000/", "", "unsupported address: bad port"},
		{"https://example.com/%zz", "", "unsupported address: not a valid URL"},
	}
	for _, tt := range tests {
		u, err := normalizeURL(tt.in)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("normalizeURL(%q) err = %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("normalizeURL(%q): %v", tt.in, err)
		case u.String() != tt.want:
			t.Errorf("normalizeURL(%q) = %q, want %q", tt.in, u, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"99999999999999999999999", maxRetryAfter, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"Sun, 01 Mar 2026 08:01:30 GMT", 90 * time.Second, true},  // IMF-fixdate
		{"Sunday, 01-Mar-26 08:01:30 GMT", 90 * time.Second, true}, // RFC 850
		{"Sun Mar  1 08:01:30 2026", 90 * time.Second, true},       // asctime
		{"Sat, 28 Feb 2026 08:00:00 GMT", 0, true},                 // in the past: now
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSecretsNeverShown: whatever fails, neither the message, nor anything
// it wraps, nor the log, carries the secret parts of the address.
func TestSecretsNeverShown(t *testing.T) {
	const secretPath = "/ical/SECRETPATH/basic.ics?token=SECRETQUERY"
	cal := planICS(t)
	handlers := map[string]http.HandlerFunc{
		"404":  func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"503":  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) },
		"html": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>login</html>")) },
		"redirects": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String()+"x", http.StatusFound)
		},
		"cut off": func(w http.ResponseWriter, r *http.Request) { w.Write(cal[:100]) },
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			c, _, logs := testClient(t, nil)
			_, err := c.Fetch(context.Background(), srv.URL+secretPath, Validators{})
			if err == nil {
				t.Fatal("no error")
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), "SECRET") {
					t.Errorf("%T in the chain shows the secret: %s", e, e)
				}
			}
			if strings.Contains(logs.String(), "SECRET") {
				t.Errorf("log shows the secret: %s", logs)
			}
		})
	}
	// Refused at dial time, and refused before any request.
	c, _, _ := testClient(t, func(o *Options) { o.AllowPrivate = false })
	for _, u := range []string{"http://127.0.0.1" + secretPath, "ftp://example.com" + secretPath, "https://example.com/%zz" + secretPath} {
		_, err := c.Fetch(context.Background(), u, Validators{})
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), "SECRET") {
				t.Errorf("%s: %T in the chain shows the secret: %s", Redact(u), e, e)
			}
		}
	}
}
