package main

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

// A feed behind a URL: the second plan is a conditional request, and -v
// says the calendar was unchanged.
func TestPlanFromURLIsConditionalSecondTime(t *testing.T) {
	body, err := os.ReadFile("../../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	var requests, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()

	dir := t.TempDir()
	env := map[string]string{"STRENGTHSYNC_CACHE_DIR": filepath.Join(dir, "cache"), "TZ": "Europe/London"}
	runShared := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return fixedNow }})
		return out.String(), errb.String(), code
	}
	args := []string{"plan", "--from", srv.URL + "/feed/secret-token-123.ics", "--allow-private-sources", "-v", "--start", "2026-12-14", "--weeks", "2"}
	out1, errs1, code := runShared(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs1)
	}
	out2, errs2, code := runShared(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs2)
	}
	if !strings.Contains(errs2, "unchanged (304)") {
		t.Errorf("second run says %q, want unchanged (304)", errs2)
	}
	if conditional.Load() != 1 || requests.Load() != 2 {
		t.Errorf("requests = %d, conditional = %d; want 2 and 1", requests.Load(), conditional.Load())
	}
	if out1 != out2 {
		t.Error("the plan from the cached body differs from the first plan")
	}
	if strings.Contains(errs1+errs2, "secret-token-123") {
		t.Error("the feed's secret path was printed")
	}

	// Without the flag, a loopback URL is refused, and that is bad input.
	_, errs, code := runShared("plan", "--from", srv.URL+"/feed.ics")
	if code != 2 || !strings.Contains(errs, "allow-private-sources") {
		t.Errorf("loopback without the flag: exit %d, %q", code, errs)
	}
}
