package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const okHead = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"

func event(lines ...string) string {
	return "BEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20260101T000000Z\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
}

// Bad input exits 2 with one line naming the file, and where it can the
// line and the field; never a panic or a stack trace, and nothing already
// written is lost.
func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := filepath.Join(dir, "big.ics")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(50 << 20) // 50 MB
	f.Close()
	cfg := write("bad.json", "{\n  \"per_week\": 12\n}\n")

	tests := []struct {
		name string
		args []string
		want []string // substrings of the one line
	}{
		{"html page", []string{"--from", write("login.ics", "<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n")},
			[]string{"login.ics", "not a calendar"}},
		{"truncated", []string{"--from", write("trunc.ics", okHead+"BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T070000Z\r\nSUMM")},
			[]string{"trunc.ics"}},
		{"literal dots", []string{"--from", write("dots.ics", okHead+event("DTSTART:20261201T070000Z", "SUMMARY:Easy run")+"...\r\nEND:VCALENDAR\r\n")},
			[]string{"dots.ics:", "..."}},
		{"parameter without value", []string{"--from", write("param.ics", okHead+event("DTSTART;20210105", "SUMMARY:Tempo")+"END:VCALENDAR\r\n")},
			[]string{"param.ics:", "DTSTART"}},
		{"impossible date", []string{"--from", write("date.ics", okHead+event("DTSTART:20276719T232000Z", "SUMMARY:Tempo")+"END:VCALENDAR\r\n")},
			[]string{"date.ics:", "DTSTART", "20276719"}},
		{"endless dense rrule", []string{"--from", write("rrule.ics", okHead+event("DTSTART:20261201T070000Z", "RRULE:FREQ=SECONDLY", "SUMMARY:Run")+"END:VCALENDAR\r\n")},
			[]string{"rrule.ics:", "RRULE"}},
		{"50 MB file", []string{"--from", big}, []string{"big.ics", "limit"}},
		{"empty file", []string{"--from", write("empty.ics", "")}, []string{"empty.ics", "empty"}},
		{"missing file", []string{"--from", filepath.Join(dir, "nope.ics")}, []string{"nope.ics"}},
		{"bad config", []string{"--from", "../../examples/runna-weekly.ics", "--config", cfg}, []string{"bad.json:2: per_week"}},
		{"bad flag value", []string{"--from", "../../examples/runna-weekly.ics", "--window", "21:00-06:00"}, []string{"--window"}},
		{"bad start", []string{"--from", "../../examples/runna-weekly.ics", "--start", "2026-02-30"}, []string{"--start", "2026-02-30"}},
		{"bad zone", []string{"--from", "../../examples/runna-weekly.ics", "--tz", "Mars/Olympus"}, []string{"--tz", "Mars/Olympus"}},
		{"bad policy", []string{"--from", "../../examples/runna-weekly.ics", "--policy", "both"}, []string{"--policy"}},
		{"unknown lift in --5rm", []string{"--from", "../../examples/runna-weekly.ics", "--5rm", "bench pres=60"},
			[]string{"--5rm", `unknown lift "bench pres"`, "known lifts: back squat, bench press,", "trap-bar deadlift"}},
		{"unknown lift in --1rm", []string{"--from", "../../examples/runna-weekly.ics", "--1rm", "Trap-Bar  Deadlift=130", "--1rm", "squat=100"},
			[]string{"--1rm", `unknown lift "squat"`, "back squat"}},
		{"unknown flag", []string{"--from", "../../examples/runna-weekly.ics", "--bogus"}, []string{"bogus"}},
		{"no source", []string{}, []string{"--from"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"plan"}, tt.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, errs)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
			lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one line, got %d:\n%s", len(lines), errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("error %q does not mention %q", lines[0], w)
				}
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stack trace in %q", errs)
			}
		})
	}
}

// A failed sync must not damage the calendar written before it.
func TestBadInputKeepsWhatWasWritten(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "strength.ics")
	if _, errs, code := run(t, "sync", "--from", "../../examples/runna-weekly.ics", "--to", dest, "--start", "2026-12-07"); code != 0 {
		t.Fatal(errs)
	}
	before, _ := os.ReadFile(dest)
	bad := filepath.Join(dir, "bad.ics")
	os.WriteFile(bad, []byte("<html>oops</html>"), 0o644)
	if _, _, code := run(t, "sync", "--from", bad, "--to", dest, "--start", "2026-12-07"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	after, _ := os.ReadFile(dest)
	if string(before) != string(after) || len(after) == 0 {
		t.Error("a failed sync changed the calendar already written")
	}
}

// A bad --redis URL (or REDIS_URL) is named, but its password never
// printed, however broken the URL is (url.Parse quotes it whole).
func TestRedisURLErrorHidesPassword(t *testing.T) {
	for _, tt := range []struct {
		url, secret string
	}{
		{"redis://:hunter2@localhost:6379/abc", "hunter2"},
		{"redis://:hunt%zzer2@localhost/0", "hunt%zzer2"},
		{"redis://user:hunter2@local host/0", "hunter2"},
		{"redis://u:hun%20ter2@[::1/0", "hun%20ter2"},
		{"redis://hunter2@local host/0", "hunter2"},
		{"redis://u:p\"w\\d@[::1/0", `p\"w\\d`},
	} {
		for _, cmd := range []string{"serve", "worker"} {
			t.Run(cmd+" "+tt.url, func(t *testing.T) {
				_, errs, code := run(t, cmd, "--redis", tt.url, "--data", t.TempDir())
				if code != 2 || !strings.Contains(errs, "--redis") {
					t.Errorf("exit %d, %q; want 2 naming --redis", code, errs)
				}
				if strings.Contains(errs, tt.secret) || strings.Contains(errs, "hunter2") {
					t.Errorf("the password is in %q", errs)
				}
			})
		}
	}
}

// --to into a folder that is not there is bad usage that names the
// folder, not a runtime failure on a temporary file.
func TestSyncToMissingFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, nil, 0o644)
	for _, tt := range []struct{ to, want string }{
		{filepath.Join(dir, "nope", "strength.ics"), "the folder " + filepath.Join(dir, "nope") + " does not exist"},
		{filepath.Join(file, "strength.ics"), file + " is not a folder"},
	} {
		_, errs, code := run(t, "sync", "--from", "../../examples/runna-weekly.ics", "--to", tt.to, "--start", "2026-12-14")
		if code != 2 || !strings.Contains(errs, "--to") || !strings.Contains(errs, tt.want) || strings.Contains(errs, ".tmp") {
			t.Errorf("--to %s: exit %d, %q; want 2 and %q", tt.to, code, errs, tt.want)
		}
	}
}

// webcal:// to a server that speaks only plain HTTP says what happened and
// what to type instead, as bad input.
func TestWebcalToPlainHTTPServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "../../examples/runna-weekly.ics")
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, errs, code := run(t, "plan", "--from", "webcal://"+host+"/runna.ics", "--allow-private-sources")
	if code != 2 || !strings.Contains(errs, "answered plain HTTP on the https port (webcal:// means https://)") ||
		!strings.Contains(errs, "use http://"+host+"/runna.ics if it has no https") || strings.Contains(errs, "check your connection") {
		t.Errorf("exit %d, %q", code, errs)
	}
}
