package fetch

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzRedact: Redact never panics and never shows more than scheme, host
// and a short first path segment.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"webcal://www.trainingpeaks.com/ical/ABCD1234.ics",
		"https://calendar.google.com/calendar/ical/a%40b/private-x/basic.ics",
		"https://user:pw@example.com:8443/a/b?c=d#e",
		"https://example.com/%zz/secret",
		"http://[::1]/x", "not a url", "", "https://", "a://b@c@d/e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := Redact(raw)
		if got == "(not a URL)" {
			return
		}
		scheme, rest, ok := strings.Cut(got, "://")
		if !ok || scheme == "" {
			t.Fatalf("Redact(%q) = %q: no scheme", raw, got)
		}
		host := rest
		if i := strings.IndexAny(host, "/?"); i >= 0 {
			host = host[:i]
		}
		after := rest[len(host):]
		// At most "/" + a kept segment + "/" + "…", or "?…".
		if len(after) > 1+maxKeptSegment+1+len(ellipsis)+1 {
			t.Fatalf("Redact(%q) = %q shows %d bytes of path", raw, got, len(after))
		}
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil {
			if q := u.RawQuery; len(q) > 3 && strings.Contains(got, q) {
				t.Fatalf("Redact(%q) = %q shows the query", raw, got)
			}
			if p, ok := u.User.Password(); ok && len(p) > 3 && strings.Contains(got, p) {
				t.Fatalf("Redact(%q) = %q shows the password", raw, got)
			}
		}
	})
}

// FuzzNormalizeURL: what normalizeURL accepts is an http(s) URL with a host
// and no fragment, and normalising it again changes nothing.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{
		"webcal://www.trainingpeaks.com/ical/X.ics", "HTTPS://Example.com:443/x#y",
		"http://[::ffff:127.0.0.1]/", "ftp://x", "https://x:99999/", " webcals://a.b/c?d ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := normalizeURL(raw)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("normalizeURL(%q) scheme %q", raw, u.Scheme)
		}
		if u.Hostname() == "" || u.Fragment != "" {
			t.Fatalf("normalizeURL(%q) = %q", raw, u)
		}
		again, err := normalizeURL(u.String())
		if err != nil {
			t.Fatalf("normalizeURL(%q) = %q, which it then refuses: %v", raw, u, err)
		}
		if again.String() != u.String() {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, u, again)
		}
	})
}

// FuzzParseRetryAfter: never negative, never beyond the cap, never a panic.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "Sun, 01 Mar 2026 08:01:30 GMT", "99999999999999999999", "-5", "1e3", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 || d > maxRetryAfter || (!ok && d != 0) {
			t.Fatalf("parseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

// FuzzCheckCalendarStart: the sniffer accepts exactly the bodies that start
// (after a BOM and blank space) with BEGIN:VCALENDAR.
func FuzzCheckCalendarStart(f *testing.F) {
	for _, s := range []string{"BEGIN:VCALENDAR\r\n", "\xef\xbb\xbf\r\nbegin:vcalendar", "<html>", `{"a":1}`, "", "BEGIN:VCAL", "begin:vevent\r\n", "BEGIN:VEV"} {
		f.Add("text/calendar", []byte(s))
	}
	f.Fuzz(func(t *testing.T, ctype string, head []byte) {
		err := checkCalendarStart("https://example.com/…", mediaType(ctype), head)
		trimmed := strings.TrimLeft(strings.TrimPrefix(string(head), "\xef\xbb\xbf"), " \t\r\n")
		isCal := false
		for _, begin := range []string{"BEGIN:VCALENDAR", "BEGIN:VEVENT", "BEGIN:VTIMEZONE"} {
			isCal = isCal || len(trimmed) >= len(begin) && strings.EqualFold(trimmed[:len(begin)], begin)
		}
		if (err == nil) != isCal {
			t.Fatalf("checkCalendarStart(%q) = %v", head, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("message is not one line: %q", err)
		}
	})
}

// FuzzDecodeEntry: a cache file, however damaged, is either refused or
// yields a body that matches its hash.
func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(`{"version":1,"hash":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","fetched":"2026-03-01T08:00:00Z","body":""}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		if !strings.HasPrefix(e.Validators.Hash, "sha256:") {
			t.Fatalf("accepted entry with hash %q", e.Validators.Hash)
		}
	})
}
