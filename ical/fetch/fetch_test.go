package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConditionalGet: a feed with validators is fetched conditionally the
// second time (RFC 9110 §13.1.1 If-None-Match, §13.1.3 If-Modified-Since)
// and reports 304.
func TestConditionalGet(t *testing.T) {
	cal := planICS(t)
	const etag = `"v1-abc"`
	const lastMod = "Sun, 01 Mar 2026 08:00:00 GMT"
	tests := []struct {
		name       string
		setHeaders func(http.Header)
		fresh      func(*http.Request) bool
		wantHeader string
		wantValue  string
	}{
		{
			name:       "etag",
			setHeaders: func(h http.Header) { h.Set("ETag", etag) },
			fresh:      func(r *http.Request) bool { return r.Header.Get("If-None-Match") == etag },
			wantHeader: "If-None-Match", wantValue: etag,
		},
		{
			name:       "last-modified",
			setHeaders: func(h http.Header) { h.Set("Last-Modified", lastMod) },
			fresh:      func(r *http.Request) bool { return r.Header.Get("If-Modified-Since") == lastMod },
			wantHeader: "If-Modified-Since", wantValue: lastMod,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu stdsync.Mutex
			var seen []http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Clone())
				mu.Unlock()
				tt.setHeaders(w.Header())
				if tt.fresh(r) {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
				w.Write(cal)
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			ctx := context.Background()

			first, err := c.Fetch(ctx, srv.URL+"/ical/feed.ics", Validators{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Body, cal) || first.NotModified || first.SameContent {
				t.Fatalf("first fetch: body %d bytes, NotModified=%v SameContent=%v", len(first.Body), first.NotModified, first.SameContent)
			}
			if first.ContentType != "text/calendar" {
				t.Errorf("ContentType = %q", first.ContentType)
			}
			second, err := c.Fetch(ctx, srv.URL+"/ical/feed.ics", first.Validators)
			if err != nil {
				t.Fatal(err)
			}
			if !second.NotModified || second.Body != nil {
				t.Fatalf("second fetch: NotModified=%v body=%d bytes, want 304 and no body", second.NotModified, len(second.Body))
			}
			if second.Validators != first.Validators {
				t.Errorf("validators after 304 = %+v, want %+v", second.Validators, first.Validators)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(seen))
			}
			if got := seen[0].Get(tt.wantHeader); got != "" {
				t.Errorf("first request sent %s: %q, want none", tt.wantHeader, got)
			}
			if got := seen[1].Get(tt.wantHeader); got != tt.wantValue {
				t.Errorf("second request %s = %q, want %q", tt.wantHeader, got, tt.wantValue)
			}
		})
	}
}

// TestHeadersSent: the User-Agent names us and how to reach us, and gzip is
// accepted.
func TestHeadersSent(t *testing.T) {
	cal := planICS(t)
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write(cal)
	}))
	defer srv.Close()
	c, _, _ := testClient(t, func(o *Options) { o.UserAgent = UserAgent("v1.2.3") })
	if _, err := c.Fetch(context.Background(), srv.URL, Validators{}); err != nil {
		t.Fatal(err)
	}
	if ua := got.Get("User-Agent"); ua != "strengthsync/v1.2.3 (+https://github.com/strengthsync/strengthsync)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if ae := got.Get("Accept-Encoding"); ae != "gzip" {
		t.Errorf("Accept-Encoding = %q, want gzip", ae)
	}
	if !strings.HasPrefix(got.Get("Accept"), "text/calendar") {
		t.Errorf("Accept = %q, want text/calendar first", got.Get("Accept"))
	}
}

// TestSameContent: a feed without validators is still cheap: the hash tells
// the second body is the first.
func TestSameContent(t *testing.T) {
	cal := planICS(t)
	var body atomic.Value
	body.Store(cal)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			t.Errorf("conditional request without validators: %v", r.Header)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body.Load().([]byte))
	}))
	defer srv.Close()
	c, _, _ := testClient(t, nil)
	ctx := context.Background()
	first, err := c.Fetch(ctx, srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Validators.ETag != "" || first.Validators.LastModified != "" || !strings.HasPrefix(first.Validators.Hash, "sha256:") {
		t.Fatalf("validators = %+v, want only a sha256 hash", first.Validators)
	}
	second, err := c.Fetch(ctx, srv.URL, first.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if !second.SameContent || second.NotModified {
		t.Errorf("same body: SameContent=%v NotModified=%v, want SameContent", second.SameContent, second.NotModified)
	}
	body.Store(bytes.Replace(cal, []byte("Long run"), []byte("Long run 26 km"), 1))
	third, err := c.Fetch(ctx, srv.URL, first.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if third.SameContent || third.Validators.Hash == first.Validators.Hash {
		t.Errorf("changed body reported as the same (hash %s)", third.Validators.Hash)
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzipFixture returns testdata/name, the gzip of a calendar of size bytes.
// The files are made by go test -update: compressing tens of megabytes on
// every run, under the race detector, would take most of a minute.
func gzipFixture(t testing.TB, name string, size int) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, gzipped(t, calendarOfSize(size)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	return b
}

// TestGzip: a gzip body is decoded, and the size limit applies to what it
// decodes to, so a small bomb cannot pass.
func TestGzip(t *testing.T) {
	tests := []struct {
		name     string
		wire     []byte
		size     int
		wantErr  error
		wantText string
	}{
		{name: "calendar", wire: gzipped(t, planICS(t)), size: len(planICS(t))},
		{name: "exactly the limit", wire: gzipFixture(t, "10MB.ics.gz", DefaultMaxBytes), size: DefaultMaxBytes},
		{name: "bomb one byte over", wire: gzipFixture(t, "10MB+1.ics.gz", DefaultMaxBytes+1),
			wantErr: ErrTooLarge, wantText: "is larger than the 10 MB limit (after decompression)"},
		{name: "bomb", wire: gzipFixture(t, "64MB.ics.gz", 64<<20), wantErr: ErrTooLarge, wantText: "(after decompression)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.wire) > DefaultMaxBytes/100 {
				t.Fatalf("fixture compresses to %d bytes; a bomb should be small", len(tt.wire))
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Content-Type", "text/calendar")
				w.Write(tt.wire)
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			res, err := c.Fetch(context.Background(), srv.URL, Validators{})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Body) != tt.size || !bytes.HasSuffix(res.Body, []byte("END:VCALENDAR\r\n")) {
					t.Fatalf("decoded %d bytes, want %d", len(res.Body), tt.size)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			fe := asError(t, err)
			if fe.Kind() != Permanent || fe.Attempts != 1 || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q kind %v attempts %d", err, fe.Kind(), fe.Attempts)
			}
		})
	}
}

// TestRedirects: up to MaxRedirects hops are followed; one more is refused.
func TestRedirects(t *testing.T) {
	cal := planICS(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/")); err == nil && n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
			return
		}
		w.Write(cal)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		hops    int
		wantErr bool
	}{{0, false}, {1, false}, {5, false}, {6, true}, {20, true}} {
		t.Run(strconv.Itoa(tt.hops), func(t *testing.T) {
			hits.Store(0)
			c, _, _ := testClient(t, nil)
			res, err := c.Fetch(context.Background(), fmt.Sprintf("%s/hop/%d", srv.URL, tt.hops), Validators{})
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(res.FinalURL, "/hop/0") || int(hits.Load()) != tt.hops+1 {
					t.Errorf("FinalURL %s after %d requests", res.FinalURL, hits.Load())
				}
				return
			}
			if !errors.Is(err, errTooManyRedirects) {
				t.Fatalf("err = %v, want too many redirects", err)
			}
			if fe := asError(t, err); fe.Kind() != Permanent || fe.Attempts != 1 {
				t.Errorf("kind %v attempts %d, want permanent and not retried", fe.Kind(), fe.Attempts)
			}
			if got := hits.Load(); got != 6 {
				t.Errorf("server saw %d requests, want 6 (the first and 5 redirects)", got)
			}
		})
	}
}

// TestSizeLimit: 10 MB passes, 10 MB + 1 does not, whether or not the
// server says how big it is.
func TestSizeLimit(t *testing.T) {
	tests := []struct {
		name          string
		size          int
		contentLength bool
		wantErr       bool
		wantText      string
	}{
		{"10 MB chunked", DefaultMaxBytes, false, false, ""},
		{"10 MB with length", DefaultMaxBytes, true, false, ""},
		{"10 MB+1 chunked", DefaultMaxBytes + 1, false, true, "is larger than the 10 MB limit (permanent)"},
		{"10 MB+1 with length", DefaultMaxBytes + 1, true, true, "is larger than the 10 MB limit (it declares 10485761 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := calendarOfSize(tt.size)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.Header().Set("Content-Type", "text/calendar")
				// Writes in pieces so net/http cannot compute a length.
				for b := body; len(b) > 0; {
					n := min(len(b), 64<<10)
					if _, err := w.Write(b[:n]); err != nil {
						return
					}
					b = b[n:]
				}
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			res, err := c.Fetch(context.Background(), srv.URL, Validators{})
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Body) != tt.size {
					t.Errorf("body %d bytes, want %d", len(res.Body), tt.size)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v, want %q", err, tt.wantText)
			}
			if fe := asError(t, err); fe.Kind() != Permanent || fe.Attempts != 1 {
				t.Errorf("kind %v attempts %d, want permanent and not retried", fe.Kind(), fe.Attempts)
			}
		})
	}
}

// TestContentLengthLies: the bytes that arrive decide, not the header. A
// short header cuts the calendar off; a long one ends with the connection
// closed early. Neither is passed on as a calendar.
func TestContentLengthLies(t *testing.T) {
	cal := planICS(t)
	tests := []struct {
		name     string
		declared int
		send     []byte
		maxBytes int64
		wantErr  error
		wantText string
	}{
		{"says small, sends more", 40, cal, 0, errCutOff, "sent a calendar that is cut off (no END:VCALENDAR)"},
		{"says small, sends more than the limit", 100, calendarOfSize(4 << 10), 1 << 10, errCutOff, "cut off"},
		{"says big, sends less", 5000, cal, 0, errCutOff, "closed the connection before the whole calendar arrived (it declared 5000 bytes)"},
		{"says over the limit, sends less", 2 << 10, cal, 1 << 10, ErrTooLarge, "is larger than the 1 KB limit (it declares 2 KB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			base := rawServer(t, func(conn net.Conn) {
				hits.Add(1)
				fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", tt.declared)
				conn.Write(tt.send)
			})
			c, _, _ := testClient(t, func(o *Options) { o.MaxBytes = tt.maxBytes })
			_, err := c.Fetch(context.Background(), base+"/feed.ics", Validators{})
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v, want %q", err, tt.wantText)
			}
			fe := asError(t, err)
			wantKind, wantHits := Transient, int32(DefaultRetries+1)
			if tt.wantErr == ErrTooLarge {
				wantKind, wantHits = Permanent, 1
			}
			if fe.Kind() != wantKind || hits.Load() != wantHits {
				t.Errorf("kind %v after %d requests, want %v after %d", fe.Kind(), hits.Load(), wantKind, wantHits)
			}
		})
	}
}

// TestTrickle: a server that sends a byte a second cannot hold a worker
// past the total timeout.
func TestTrickle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		io.WriteString(w, "BEGIN:VCALENDAR\r\n")
		w.(http.Flusher).Flush()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := io.WriteString(w, "X"); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	c, _, _ := testClient(t, func(o *Options) { o.Timeout = 2 * time.Second })
	_, err := c.Fetch(context.Background(), srv.URL+"/ical/slow.ics", Validators{})
	want := "fetch: " + srv.URL + "/ical/… timed out after 2s (transient): the server is too slow or stalled; try again later"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err does not wrap context.DeadlineExceeded")
	}
	if fe := asError(t, err); fe.Kind() != Transient {
		t.Errorf("kind = %v, want transient", fe.Kind())
	}
}

// TestStatusAnswers: permanent answers are not retried; transient ones are,
// with backoff and Retry-After honoured.
func TestStatusAnswers(t *testing.T) {
	cal := planICS(t)
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	type answer struct {
		status int
		header map[string]string
	}
	tests := []struct {
		name      string
		answers   []answer // the last one repeats
		wantErr   string   // "" for success
		wantKind  ErrorKind
		wantHits  int
		wantWaits []time.Duration // exact waits; nil to check the jitter range instead
	}{
		{name: "404", answers: []answer{{status: 404}}, wantKind: Permanent, wantHits: 1,
			wantErr: "returns 404 Not Found (permanent): was the feed regenerated in the app that publishes it? copy its new address"},
		{name: "401", answers: []answer{{status: 401}}, wantKind: Permanent, wantHits: 1,
			wantErr: "returns 401 Unauthorized (permanent): the feed is private; use its secret/share address"},
		{name: "403", answers: []answer{{status: 403}}, wantKind: Permanent, wantHits: 1,
			wantErr: "returns 403 Forbidden (permanent): the feed is private"},
		{name: "410", answers: []answer{{status: 410}}, wantKind: Permanent, wantHits: 1,
			wantErr: "returns 410 Gone (permanent): the feed was removed"},
		{name: "500 then success", answers: []answer{{status: 500}, {status: 200}}, wantHits: 2},
		{name: "502 503 then success", answers: []answer{{status: 502}, {status: 503}, {status: 200}}, wantHits: 3},
		{name: "always 503", answers: []answer{{status: 503}}, wantKind: Transient, wantHits: 4,
			wantErr: "returns 503 Service Unavailable (transient, 4 attempts): the feed's server is having trouble; try again later"},
		{name: "429 Retry-After seconds", answers: []answer{{429, map[string]string{"Retry-After": "7"}}, {status: 200}},
			wantHits: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "503 Retry-After date", answers: []answer{{503, map[string]string{"Retry-After": now.Add(20 * time.Second).Format(http.TimeFormat)}}, {status: 200}},
			wantHits: 2, wantWaits: []time.Duration{20 * time.Second}},
		{name: "429 Retry-After too long", answers: []answer{{429, map[string]string{"Retry-After": "3600"}}}, wantKind: Transient, wantHits: 1,
			wantErr: "returns 429 Too Many Requests (transient): the server asks to wait 1h0m0s; try again later", wantWaits: []time.Duration{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(hits.Add(1)) - 1
				a := tt.answers[min(i, len(tt.answers)-1)]
				for k, v := range a.header {
					w.Header().Set(k, v)
				}
				if a.status == 200 {
					w.Write(cal)
					return
				}
				w.WriteHeader(a.status)
				io.WriteString(w, "<html>error page</html>")
			}))
			defer srv.Close()
			c, sl, _ := testClient(t, func(o *Options) { o.Now = func() time.Time { return now } })
			res, err := c.Fetch(context.Background(), srv.URL+"/ical/feed.ics", Validators{})
			if got := int(hits.Load()); got != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tt.wantHits)
			}
			waits := sl.waits()
			if len(waits) != tt.wantHits-1 {
				t.Errorf("waited %d times, want %d", len(waits), tt.wantHits-1)
			}
			if tt.wantWaits != nil {
				if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
					t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
				}
			} else {
				// ExponentialBackOff: 1 s, 2 s, 4 s … each ±50 %.
				for i, w := range waits {
					base := time.Second << i
					if w < base/2 || w > base*3/2+time.Nanosecond {
						t.Errorf("wait %d = %v, want within ±50%% of %v", i, w, base)
					}
				}
			}
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(res.Body, cal) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v\nwant …%s", err, tt.wantErr)
			}
			fe := asError(t, err)
			if fe.Kind() != tt.wantKind || fe.Status != tt.answers[len(tt.answers)-1].status {
				t.Errorf("kind %v status %d", fe.Kind(), fe.Status)
			}
		})
	}
}

// TestNotACalendar: login pages and JSON errors are named for what they
// are; calendars are accepted whatever their label.
func TestNotACalendar(t *testing.T) {
	cal := planICS(t)
	tests := []struct {
		name, ctype string
		body        []byte
		wantErr     string // "" when it is a calendar
	}{
		{"html login page", "text/html; charset=utf-8", []byte("<!DOCTYPE html>\n<html><title>Sign in</title></html>"),
			"not a calendar (got text/html from BASE/login/…) (permanent): it is a web page, perhaps a login page; use the calendar's iCal (subscribe) address"},
		{"json error", "application/json", []byte(`{"error":"invalid token"}`),
			"not a calendar (got application/json from BASE/login/…) (permanent): the server answered with data, perhaps an error message"},
		{"json labelled text/plain", "text/plain", []byte(`{"error":"invalid token"}`),
			"not a calendar (got text/plain from BASE/login/…) (permanent): the server answered with data"},
		{"unlabelled html", "", []byte("  <html><body>hi</body></html>"),
			"not a calendar (got no Content-Type from BASE/login/…) (permanent): it is a web page"},
		{"empty", "text/calendar", nil,
			"not a calendar (got an empty text/calendar body from BASE/login/…) (permanent)"},
		{"calendar as text/plain", "text/plain", cal, ""},
		{"calendar as octet-stream", "application/octet-stream", cal, ""},
		{"calendar with BOM and blank lines", "text/calendar", append([]byte("\xef\xbb\xbf\r\n\r\n"), cal...), ""},
		{"calendar lowercase, LF", "text/calendar", []byte("begin:vcalendar\nversion:2.0\nend:vcalendar"), ""},
		{"calendar labelled html", "text/html", cal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header()["Content-Type"] = []string{tt.ctype}
				w.Write(tt.body)
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			res, err := c.Fetch(context.Background(), srv.URL+"/login/session?token=s3cret", Validators{})
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(res.Body, tt.body) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			want := "fetch: " + strings.ReplaceAll(tt.wantErr, "BASE", srv.URL)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %v\nwant %s…", err, want)
			}
			if !errors.Is(err, ErrNotCalendar) || asError(t, err).Kind() != Permanent || hits.Load() != 1 {
				t.Errorf("want a permanent ErrNotCalendar, not retried (requests %d)", hits.Load())
			}
		})
	}
}

// TestTransientNetworkFailures: a reset connection is retried and the
// retry succeeds; a refused connection is retried and then reported.
func TestTransientNetworkFailures(t *testing.T) {
	cal := planICS(t)
	var hits atomic.Int32
	base := rawServer(t, func(conn net.Conn) {
		if hits.Add(1) == 1 {
			// Reset instead of answering.
			conn.(*net.TCPConn).SetLinger(0)
			return
		}
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(cal))
		conn.Write(cal)
	})
	c, sl, _ := testClient(t, nil)
	res, err := c.Fetch(context.Background(), base+"/feed.ics", Validators{})
	if err != nil || !bytes.Equal(res.Body, cal) {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 2 || len(sl.waits()) != 1 {
		t.Errorf("requests %d, waits %v; want a reset retried once", hits.Load(), sl.waits())
	}

	// A port nobody listens on: take one and give it back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, err = c.Fetch(context.Background(), closed+"/feed.ics", Validators{})
	want := "fetch: " + closed + "/feed.ics refused the connection (transient, 4 attempts): the server may be down; try again later"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// TestWebcal: webcal:// means https://.
func TestWebcal(t *testing.T) {
	cal := planICS(t)
	var scheme string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			scheme = "https"
		}
		w.Write(cal)
	}))
	defer srv.Close()
	c, _, _ := testClient(t, nil)
	c.tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	u := "webcal://" + strings.TrimPrefix(srv.URL, "https://") + "/ical/feed.ics"
	res, err := c.Fetch(context.Background(), u, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if scheme != "https" || !strings.HasPrefix(res.FinalURL, "https://") {
		t.Errorf("fetched over %q, final URL %s; want https", scheme, Redact(res.FinalURL))
	}

	// The same server without its certificate trusted fails for good.
	c2, _, _ := testClient(t, nil)
	_, err = c2.Fetch(context.Background(), u, Validators{})
	if err == nil || !strings.Contains(err.Error(), "has an invalid TLS certificate (permanent)") {
		t.Fatalf("err = %v, want an invalid certificate", err)
	}
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Errorf("err does not wrap the certificate error")
	}
}

// TestWebcalToPlainHTTP: a webcal:// or https:// address whose server
// speaks only plain HTTP says so, and what to use instead, at once.
func TestWebcalToPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(planICS(t)) }))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, scheme := range []string{"webcal", "https"} {
		c, _, _ := testClient(t, nil)
		_, err := c.Fetch(context.Background(), scheme+"://"+host+"/ical/feed.ics", Validators{})
		want := "fetch: " + scheme + "://" + host + "/ical/…: the server answered plain HTTP on the https port " +
			"(webcal:// means https://) (permanent): use http://" + host + "/ical/… if it has no https"
		var fe *Error
		if err == nil || err.Error() != want || !errors.As(err, &fe) || fe.Kind() != Permanent || fe.Attempts != 1 {
			t.Errorf("err = %v\nwant %s, permanent, one attempt", err, want)
		}
	}
}

// TestBareComponentsFeed: a feed of VEVENTs with no VCALENDAR around them
// is read (ical.js and Python's icalendar read it), and is still checked
// for being cut off.
func TestBareComponentsFeed(t *testing.T) {
	bare := "begin:vevent\r\nUID:a\r\nDTSTART:20260302T070000Z\r\nSUMMARY:Run\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260303T070000Z\r\nSUMMARY:Easy\r\nEND:VEVENT\r\n"
	for _, tt := range []struct {
		name, body, wantErr string
	}{
		{"whole", bare, ""},
		{"cut off", bare[:len(bare)-len("END:VEVENT\r\n")], "sent a calendar that is cut off (no END:VEVENT)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/calendar")
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			res, err := c.Fetch(context.Background(), srv.URL+"/feed.ics", Validators{})
			switch {
			case tt.wantErr == "" && (err != nil || string(res.Body) != tt.body):
				t.Errorf("err = %v; want the body", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errCutOff)):
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestBadAddresses: what is not an http(s) or webcal URL is refused before
// any request, without quoting it.
func TestBadAddresses(t *testing.T) {
	c, _, _ := testClient(t, nil)
	for _, raw := range []string{"ftp://example.com/cal.ics", "file:///etc/passwd", "example.com/cal.ics", "https://", "https:///path", "https://host:99999/x", "mailto:a@b.c"} {
		_, err := c.Fetch(context.Background(), raw, Validators{})
		if err == nil {
			t.Errorf("%q: no error", raw)
			continue
		}
		if !errors.Is(err, errBadURL) || asError(t, err).Kind() != Permanent {
			t.Errorf("%q: err = %v, want a permanent bad address", raw, err)
		}
		if !strings.HasSuffix(err.Error(), "use an https://, http:// or webcal:// address") {
			t.Errorf("%q: err = %v", raw, err)
		}
	}
}

// TestConcurrentFetches: one Client serves many goroutines (run with -race).
func TestConcurrentFetches(t *testing.T) {
	cal := planICS(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(cal) }))
	defer srv.Close()
	c, _, _ := testClient(t, nil)
	var wg stdsync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			res, err := c.Fetch(context.Background(), fmt.Sprintf("%s/feed/%d.ics", srv.URL, i), Validators{})
			if err == nil && !bytes.Equal(res.Body, cal) {
				err = errors.New("wrong body")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestCancelledByCaller: the caller's cancellation is not a timeout and
// stops retries at once.
func TestCancelledByCaller(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c, _, _ := testClient(t, func(o *Options) {
		o.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	})
	_, err := c.Fetch(ctx, srv.URL, Validators{})
	fe := asError(t, err)
	if fe.Attempts != 1 || fe.Status != 503 {
		t.Errorf("attempts %d status %d, want the first failure reported", fe.Attempts, fe.Status)
	}
}
