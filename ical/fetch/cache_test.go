package fetch

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDirCacheRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "strengthsync", "sources")
	cache := NewDirCache(dir)
	const secretURL = "https://www.trainingpeaks.com/ical/SECRETTOKEN123.ics"
	if _, ok, err := cache.Get(ctx, secretURL); ok || err != nil {
		t.Fatalf("empty cache: ok=%v err=%v", ok, err)
	}
	body := planICS(t)
	fetched := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	in := Entry{Validators: Validators{ETag: `"e1"`, LastModified: "Sun, 01 Mar 2026 08:00:00 GMT"}, Body: body, Fetched: fetched}
	if err := cache.Put(ctx, secretURL, in); err != nil {
		t.Fatal(err)
	}
	out, ok, err := NewDirCache(dir).Get(ctx, secretURL)
	if err != nil || !ok {
		t.Fatalf("Get: ok=%v err=%v", ok, err)
	}
	if !bytes.Equal(out.Body, body) || out.Validators.ETag != in.Validators.ETag ||
		out.Validators.LastModified != in.Validators.LastModified || !out.Fetched.Equal(fetched) ||
		!strings.HasPrefix(out.Validators.Hash, "sha256:") {
		t.Errorf("round trip: %+v", out.Validators)
	}
	if _, ok, _ := cache.Get(ctx, secretURL+"?other"); ok {
		t.Error("another URL shares the entry")
	}

	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("%d files in the cache, want 1 (temporary files left behind?)", len(files))
	}
	name := files[0].Name()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(name, "SECRET") || bytes.Contains(raw, []byte("SECRET")) {
		t.Errorf("the URL's secret is readable in the cache file %s", name)
	}
	if fi, _ := files[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestDirCacheDamaged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cache := NewDirCache(dir)
	const u = "https://example.com/ical/feed.ics"
	if err := cache.Put(ctx, u, Entry{Body: planICS(t)}); err != nil {
		t.Fatal(err)
	}
	path := cache.path(u)
	good, _ := os.ReadFile(path)
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "damaged entry"},
		{"body edited", bytes.Replace(good, []byte(`"body":"`), []byte(`"body":"QUFB`), 1), "does not match its hash"},
		{"other version", bytes.Replace(good, []byte(`"version":1`), []byte(`"version":9`), 1), "entry version 9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, ok, err := cache.Get(ctx, u)
			if ok || err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cache: ") {
				t.Errorf("ok=%v err=%v, want %q", ok, err, tt.want)
			}
		})
	}
}

// TestClientGet: the CLI's path through the cache. The second run does not
// hand the caller anything to parse, and says why.
func TestClientGet(t *testing.T) {
	cal := planICS(t)
	changed := bytes.Replace(cal, []byte("Long run"), []byte("Long run 26 km"), 1)
	tests := []struct {
		name     string
		etag     bool
		wantWhy  []string
		wantHits int32
	}{
		{"etag feed", true, []string{WhyNew, WhyNotModified, WhyChanged, WhyNotModified}, 4},
		{"feed without validators", false, []string{WhyNew, WhySameContent, WhyChanged, WhySameContent}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits, version atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				body, tag := cal, `"v1"`
				if version.Load() > 0 {
					body, tag = changed, `"v2"`
				}
				if tt.etag {
					w.Header().Set("ETag", tag)
					if r.Header.Get("If-None-Match") == tag {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				}
				w.Write(body)
			}))
			defer srv.Close()
			c, _, _ := testClient(t, nil)
			cache := NewDirCache(t.TempDir())
			ctx := context.Background()
			var whys []string
			for run := range 4 {
				if run == 2 {
					version.Store(1)
				}
				body, unchanged, why, err := c.Get(ctx, cache, srv.URL+"/ical/feed.ics")
				if err != nil {
					t.Fatal(err)
				}
				want := cal
				if run >= 2 {
					want = changed
				}
				if !bytes.Equal(body, want) {
					t.Errorf("run %d: wrong body", run)
				}
				if unchanged != strings.HasPrefix(why, "unchanged") {
					t.Errorf("run %d: unchanged=%v why=%q", run, unchanged, why)
				}
				whys = append(whys, why)
			}
			if strings.Join(whys, ",") != strings.Join(tt.wantWhy, ",") {
				t.Errorf("why = %q, want %q", whys, tt.wantWhy)
			}
			if hits.Load() != tt.wantHits {
				t.Errorf("requests %d, want %d", hits.Load(), tt.wantHits)
			}
		})
	}
}

// TestClientGetDamagedCache: an unreadable cache costs a full fetch, is
// logged without the URL, and is repaired.
func TestClientGetDamagedCache(t *testing.T) {
	cal := planICS(t)
	var conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" {
			conditional.Add(1)
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(cal)
	}))
	defer srv.Close()
	u := srv.URL + "/ical/SECRETTOKEN.ics"
	cache := NewDirCache(t.TempDir())
	ctx := context.Background()
	if err := cache.Put(ctx, u, Entry{Validators: Validators{ETag: `"v1"`}, Body: cal}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cache.path(u), []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, logs := testClient(t, nil)
	body, unchanged, why, err := c.Get(ctx, cache, u)
	if err != nil || unchanged || why != WhyNew || !bytes.Equal(body, cal) {
		t.Fatalf("Get = %d bytes, %v, %q, %v", len(body), unchanged, why, err)
	}
	if conditional.Load() != 0 {
		t.Error("sent validators from a damaged entry")
	}
	if !strings.Contains(logs.String(), "source cache unreadable") || strings.Contains(logs.String(), "SECRET") {
		t.Errorf("log = %s", logs)
	}
	if _, ok, err := cache.Get(ctx, u); !ok || err != nil {
		t.Errorf("entry not repaired: ok=%v err=%v", ok, err)
	}
}
