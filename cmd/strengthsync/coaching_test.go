package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecoveryAndFillSettings: --recovery N overrides the recovery after
// every race (by distance when not given), from the flag or the config file;
// --fill and config "fill" are accepted; bad values exit 2 with one line
// naming the flag or the key.
func TestRecoveryAndFillSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The tune-up half marathon of this plan is on Sun 14 Feb 2027; the
	// Thursday after it holds a session unless the recovery covers it.
	base := []string{"plan", "--json", "--from", "../../examples/trainingpeaks-marathon.ics", "--start", "2027-02-08", "--weeks", "3"}
	sessionsIn := func(t *testing.T, out, from, to string) int {
		t.Helper()
		var p struct{ Sessions []struct{ Date string } }
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range p.Sessions {
			if s.Date >= from && s.Date <= to {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name string
		args []string
		none bool // no session from Mon 15 to Wed 24 Feb
	}{
		{"default: by distance", nil, false},
		{"flag", []string{"--recovery", "10"}, true},
		{"config", []string{"--config", cfg("rec.json", `{"recovery": 10, "fill": true}`)}, true},
		{"flag wins over config", []string{"--config", cfg("rec2.json", `{"recovery": 10}`), "--recovery", "0"}, false},
		{"fill flag", []string{"--fill"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, append(base, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if got := sessionsIn(t, out, "2027-02-15", "2027-02-24"); (got == 0) != tc.none {
				t.Errorf("%d sessions in the 10 days after the race, want none: %v", got, tc.none)
			}
		})
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"recovery too long", []string{"--recovery", "40"}, "--recovery: 40 days is out of range"},
		{"negative recovery", []string{"--recovery", "-3"}, "--recovery: -3 days is out of range"},
		{"recovery not a number", []string{"--recovery", "lots"}, "--recovery"},
		{"config recovery", []string{"--config", cfg("bad.json", "{\n\"recovery\": 99}")}, "bad.json:2: recovery: 99 days is out of range"},
		{"config fill", []string{"--config", cfg("badfill.json", `{"fill": "yes"}`)}, "badfill.json:1: fill: want true or false"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := run(t, append(base, tc.args...)...)
			line := strings.TrimSpace(errs)
			if code != 2 || strings.Count(line, "\n") != 0 || !strings.Contains(line, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, errs, tc.want)
			}
		})
	}
}
