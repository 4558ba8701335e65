package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedNow is the clock of every test: DTSTAMP and "today" must not move.
var fixedNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// run executes the real command line in-process.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	dir := t.TempDir()
	env := map[string]string{
		"STRENGTHSYNC_CONFIG_DIR": filepath.Join(dir, "config"),
		"STRENGTHSYNC_CACHE_DIR":  filepath.Join(dir, "cache"),
		"STRENGTHSYNC_DATA_DIR":   filepath.Join(dir, "data"),
		"TZ":                      "Europe/London",
	}
	code = Main(context.Background(), args, Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return fixedNow },
	})
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./cmd/strengthsync -update and review the diff\n%s",
			name, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n want: " + w + "\n  got: " + g
		}
	}
	return ""
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNumber(i)) }

func jsonNumber(i int) string { b, _ := json.Marshal(i); return string(b) }

// The examples, each at a fixed start so the golden files never age.
var goldenCases = []struct {
	name string
	args []string
}{
	{"runna", []string{"--from", "../../examples/runna-weekly.ics", "--start", "2026-12-14", "--weeks", "4"}},
	{"trainingpeaks", []string{"--from", "../../examples/trainingpeaks-marathon.ics", "--start", "2027-01-25", "--weeks", "14"}},
	{"higdon", []string{"--from", "../../examples/higdon-novice-half.ics", "--start", "2027-01-04", "--weeks", "12", "--level", "beginner"}},
	{"separate", []string{"--from", "../../examples/trainingpeaks-marathon.ics", "--start", "2026-11-30", "--weeks", "6", "--policy", "separate", "--5rm", "back squat=80", "--1rm", "trap-bar deadlift=130"}},
	// A coach's 48-week plan with "run + gym" days and the runner's life in
	// the same calendar: its start, then its B half marathon.
	{"coach", []string{"--from", "../../examples/coach-48-week-run-gym.ics", "--start", "2026-12-28", "--weeks", "10"}},
	{"coach-race", []string{"--from", "../../examples/coach-48-week-run-gym.ics", "--start", "2027-09-13", "--weeks", "6"}},
	// Pfitzinger-style marathon plan with three tune-up races.
	{"pfitzinger", []string{"--from", "../../examples/pfitzinger-18-55-marathon.ics", "--start", "2027-02-15", "--weeks", "12"}},
	// A plan that starts 6 weeks before a half marathon.
	{"half", []string{"--from", "../../examples/intervals-icu-6-weeks-to-half.ics", "--start", "2027-03-01", "--weeks", "8"}},
}

// TestSyncGoldenCalendars writes the new examples' sessions as .ics files
// (validated by ical.js and python-icalendar in the ical package's tests).
func TestSyncGoldenCalendars(t *testing.T) {
	for _, tc := range goldenCases {
		switch tc.name {
		case "coach", "pfitzinger", "half":
		default:
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "strength.ics")
			if _, errs, code := run(t, append([]string{"sync", "--to", dest}, tc.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tc.name+".golden.ics", mustRead(t, dest))
		})
	}
}

func TestPlanGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"plan"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tc.name+".golden.txt", []byte(out))

			out, errs, code = run(t, append([]string{"plan", "--json"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, tc.name+".golden.json", []byte(out))
			checkJSONContract(t, []byte(out), tc.args)
		})
	}
}

// checkJSONContract checks the documented shape, independently of the
// golden bytes: names, types, and every date of the window in order.
func checkJSONContract(t *testing.T, data []byte, args []string) {
	t.Helper()
	var p struct {
		Timezone string `json:"timezone"`
		Days     []struct {
			Date, Kind, Reason string
			Events             []struct {
				Summary, Start, End, Kind, Reason string
				AllDay                            *bool `json:"all_day"`
			}
		}
		Sessions []struct {
			UID, Date, Start, End, Title, Phase, Reason string
			Variant, Letter                             string
			Exercises                                   []struct {
				Name       string
				Sets       *int
				Reps, Load string
			}
		}
		ShortWeeks []struct {
			Week           string
			Wanted, Placed *int
			Reason         string
		} `json:"short_weeks"`
		Races []struct {
			Date, Title, Priority string
			DistanceKm            *float64 `json:"distance_km"`
			TaperFrom             string   `json:"taper_from"`
			RecoveryTo            string   `json:"recovery_to"`
		}
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Timezone == "" || p.Days == nil || p.Sessions == nil || p.ShortWeeks == nil || p.Races == nil {
		t.Fatalf("missing top-level fields in %s", data[:min(200, len(data))])
	}
	start, weeks := "", 8
	for i, a := range args {
		if a == "--start" {
			start = args[i+1]
		}
		if a == "--weeks" {
			json.Unmarshal([]byte(args[i+1]), &weeks)
		}
	}
	if len(p.Days) != 7*weeks {
		t.Errorf("days = %d, want %d", len(p.Days), 7*weeks)
	}
	d, _ := time.Parse("2006-01-02", start)
	kinds := map[string]bool{"race": true, "long": true, "hard": true, "easy": true, "cross": true, "rest": true}
	for i, day := range p.Days {
		if want := d.AddDate(0, 0, i).Format("2006-01-02"); day.Date != want {
			t.Fatalf("days[%d].date = %s, want %s", i, day.Date, want)
		}
		if !kinds[day.Kind] {
			t.Errorf("days[%d].kind = %q", i, day.Kind)
		}
		for _, e := range day.Events {
			if e.AllDay == nil {
				t.Errorf("event without all_day: %+v", e)
			}
			if _, err := time.Parse(time.RFC3339, e.Start); err != nil {
				t.Errorf("event start %q: %v", e.Start, err)
			}
		}
	}
	for _, s := range p.Sessions {
		if s.UID == "" || s.Title == "" || s.Phase == "" || s.Reason == "" || len(s.Exercises) == 0 {
			t.Errorf("incomplete session %+v", s)
		}
		if (s.Letter != "A" && s.Letter != "B") || s.Letter != s.Variant {
			t.Errorf("session %s: letter %q, variant %q", s.Date, s.Letter, s.Variant)
		}
		for _, e := range s.Exercises {
			if e.Name == "" || e.Sets == nil || e.Reps == "" {
				t.Errorf("incomplete exercise %+v", e)
			}
		}
		st, err1 := time.Parse(time.RFC3339, s.Start)
		en, err2 := time.Parse(time.RFC3339, s.End)
		if err1 != nil || err2 != nil || !en.After(st) || st.Format("2006-01-02") != s.Date {
			t.Errorf("session times %s–%s on %s", s.Start, s.End, s.Date)
		}
	}
	for _, r := range p.Races {
		for _, d := range []string{r.Date, r.TaperFrom, r.RecoveryTo} {
			if _, err := time.Parse("2006-01-02", d); err != nil && d != "" {
				t.Errorf("race %+v: date %q is not YYYY-MM-DD", r, d)
			}
		}
		if r.Date == "" || r.Title == "" || (r.DistanceKm != nil && *r.DistanceKm <= 0) {
			t.Errorf("incomplete race %+v", r)
		}
	}
	for _, w := range p.ShortWeeks {
		if w.Wanted == nil || w.Placed == nil || *w.Placed >= *w.Wanted || w.Reason == "" {
			t.Errorf("short week %+v", w)
		}
	}
}

func TestSyncWritesGoldenCalendarAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "strength.ics")
	args := append([]string{"sync", "--to", dest}, goldenCases[1].args...)
	out, errs, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "added") {
		t.Errorf("sync output = %q", out)
	}
	written, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "trainingpeaks.golden.ics", written)

	// Round trip: what sync wrote reads back as the same sessions.
	planOut, _, _ := run(t, append([]string{"plan", "--json"}, goldenCases[1].args...)...)
	var plan sync.PlanJSON
	if err := json.Unmarshal([]byte(planOut), &plan); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.Parse(dest, written)
	if err != nil {
		t.Fatal(err)
	}
	ours := cal.Ours()
	if len(ours) != len(plan.Sessions) || len(ours) == 0 {
		t.Fatalf("read back %d sessions, planned %d", len(ours), len(plan.Sessions))
	}
	byUID := map[string]ical.Written{}
	for _, w := range ours {
		byUID[w.UID] = w
	}
	for _, s := range plan.Sessions {
		w, ok := byUID[s.UID]
		if !ok {
			t.Errorf("session %s missing from the file", s.UID)
			continue
		}
		if w.Start.Format(time.RFC3339) != mustUTC(t, s.Start) && !sameInstant(t, w.Start, s.Start) || !sameInstant(t, w.End, s.End) || w.Summary != s.Title {
			t.Errorf("%s: read back %v–%v %q, planned %s–%s %q", s.UID, w.Start, w.End, w.Summary, s.Start, s.End, s.Title)
		}
		for _, e := range s.Exercises {
			if !strings.Contains(w.Description, e.Name) {
				t.Errorf("%s: description lacks %q", s.UID, e.Name)
			}
		}
	}
	// And the file is never read back as runs.
	evs, err := cal.Events(fixedNow.AddDate(-1, 0, 0), fixedNow.AddDate(2, 0, 0), time.UTC)
	if err != nil || len(evs) != 0 {
		t.Errorf("our own file reads as %d runs (err %v)", len(evs), err)
	}

	// A second sync with nothing changed changes nothing, not even bytes.
	out, errs, code = run(t, args...)
	if code != 0 || !strings.Contains(out, " 0 added, 0 moved, 0 updated, 0 removed") {
		t.Errorf("resync: exit %d, %q %s", code, out, errs)
	}
	again, _ := os.ReadFile(dest)
	if !bytes.Equal(again, written) {
		t.Error("an unchanged resync rewrote the file differently")
	}
}

func mustUTC(t *testing.T, s string) string {
	tt, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tt.UTC().Format(time.RFC3339)
}

func sameInstant(t *testing.T, a time.Time, s string) bool {
	b, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return a.Equal(b)
}

var dtstamp = regexp.MustCompile(`(?m)^(DTSTAMP|LAST-MODIFIED):.*\r?$`)

func TestSameInputSameOutput(t *testing.T) {
	dir := t.TempDir()
	var outs [2][]byte
	for i := range outs {
		dest := filepath.Join(dir, "s"+itoa(i)+".ics")
		if _, errs, code := run(t, append([]string{"sync", "--to", dest}, goldenCases[0].args...)...); code != 0 {
			t.Fatal(errs)
		}
		b, _ := os.ReadFile(dest)
		outs[i] = dtstamp.ReplaceAll(b, nil)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("the same input gave different calendars")
	}
	j1, _, _ := run(t, append([]string{"plan", "--json"}, goldenCases[1].args...)...)
	j2, _, _ := run(t, append([]string{"plan", "--json"}, goldenCases[1].args...)...)
	if j1 != j2 {
		t.Error("the same input gave different JSON")
	}
}

// Moving one long run changes only the sessions it must, and sessions that
// stay in their slot keep their UIDs.
func TestMovingOneLongRunChangesOnlyItsWeek(t *testing.T) {
	src, err := os.ReadFile("../../examples/trainingpeaks-marathon.ics")
	if err != nil {
		t.Fatal(err)
	}
	// The long run of Sun 07 Mar 2027 moves to Fri 05 Mar: Thursday's
	// session is now on the eve of the long run and must move.
	moved := bytes.Replace(src, []byte("DTSTART;VALUE=DATE:20270307\r\nDTEND;VALUE=DATE:20270308"),
		[]byte("DTSTART;VALUE=DATE:20270305\r\nDTEND;VALUE=DATE:20270306"), 1)
	if bytes.Equal(moved, src) {
		t.Fatal("fixture changed: the long run of 2027-03-07 is not where the test expects it")
	}
	path := filepath.Join(t.TempDir(), "moved.ics")
	os.WriteFile(path, moved, 0o644)
	plan := func(from string) map[string]sync.SessionJSON {
		out, errs, code := run(t, "plan", "--json", "--from", from, "--start", "2027-01-25", "--weeks", "8")
		if code != 0 {
			t.Fatal(errs)
		}
		var p sync.PlanJSON
		json.Unmarshal([]byte(out), &p)
		m := map[string]sync.SessionJSON{}
		for _, s := range p.Sessions {
			m[s.UID] = s
		}
		return m
	}
	before, after := plan("../../examples/trainingpeaks-marathon.ics"), plan(path)
	changed := 0
	for uid, b := range before {
		a, ok := after[uid]
		same := ok && a.Start == b.Start && a.End == b.End && a.Title == b.Title
		if !same {
			changed++
			if b.Week != "2027-W09" {
				t.Errorf("session %s in %s changed although the move was in 2027-W09", uid, b.Week)
			}
		}
	}
	for uid, a := range after {
		if _, ok := before[uid]; !ok && a.Week != "2027-W09" {
			t.Errorf("new session %s in %s", uid, a.Week)
		}
	}
	if changed == 0 {
		t.Error("moving the long run to the eve of a session changed nothing; the fixture no longer tests anything")
	}
}

func TestDryRunListsChangesAndWritesNothing(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "strength.ics")
	base := []string{"sync", "--to", dest, "--from", "../../examples/trainingpeaks-marathon.ics", "--weeks", "4"}
	if _, errs, code := run(t, append(base, "--start", "2027-01-25")...); code != 0 {
		t.Fatal(errs)
	}
	before, _ := os.ReadFile(dest)
	// One session a week instead of two: sessions come, move and go.
	out, errs, code := run(t, append(base, "--start", "2027-02-01", "--per-week", "1", "--dry-run")...)
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.HasPrefix(out, "would write "+dest+": ") || !strings.Contains(out, "  + ") || !strings.Contains(out, "  - ") {
		t.Errorf("dry run output:\n%s", out)
	}
	after, _ := os.ReadFile(dest)
	if !bytes.Equal(before, after) {
		t.Error("--dry-run wrote the file")
	}
}

func TestVersionLine(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{nil, false, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true, "devel"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: settings("vcs.revision", "abc1234def5678", "vcs.time", "2026-12-05T10:11:12Z", "vcs.modified", "false")},
			true, "v1.2.0 (abc1234, 2026-12-05)"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261205101112-abc1234def56+dirty"}, Settings: settings("vcs.revision", "abc1234def5678", "vcs.time", "2026-12-05T23:11:12-02:00", "vcs.modified", "true")},
			true, "v0.0.0-20261205101112-abc1234def56+dirty (abc1234+dirty, 2026-12-06)"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.info, tt.ok); got != tt.want {
			t.Errorf("versionLine = %q, want %q", got, tt.want)
		}
	}
}

// --version prints the version; -v is never the version (it is --verbose
// wherever it exists).
func TestVersionFlag(t *testing.T) {
	out, errs, code := run(t, "--version")
	if code != 0 || out != "strengthsync "+versionLine(debug.ReadBuildInfo())+"\n" || strings.Contains(out, " dev\n") {
		t.Errorf("--version: exit %d, %q %q", code, out, errs)
	}
	out, errs, code = run(t, "-v")
	if code != 2 || strings.Contains(out, "strengthsync ") || !strings.Contains(errs, "-v") {
		t.Errorf("-v at the top: exit %d, %q %q; want a usage error", code, out, errs)
	}
}

// Shell completion offers the values of --policy, --level and --tz.
func TestCompletionOffersValues(t *testing.T) {
	complete := func(args ...string) []string {
		out, errs, code := run(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[:len(lines)-1] // the last line is the directive
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"plan", "--policy", ""}, []string{"stack", "separate"}},
		{[]string{"sync", "--policy", "se"}, []string{"separate"}},
		{[]string{"plan", "--level", ""}, []string{"beginner", "intermediate", "advanced"}},
		{[]string{"sync", "--level", "Adv"}, []string{"advanced"}},
	} {
		if got := complete(tt.args...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: offered %q, want %q", tt.args, got, tt.want)
		}
	}
	if len(zoneNames()) == 0 {
		t.Skip("no zone database on this machine to list --tz names from")
	}
	got := complete("plan", "--tz", "europe/l")
	if !slices.Contains(got, "Europe/London") || !slices.Contains(got, "Europe/Lisbon") ||
		slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "Europe/L") }) {
		t.Errorf("--tz europe/l offered %q", got)
	}
	for _, z := range complete("plan", "--tz", "") {
		if strings.HasPrefix(z, "posix") || strings.HasPrefix(z, "right/") || strings.Contains(z, ".") {
			t.Errorf("--tz offers %q, not a zone name", z)
		}
	}
}

// zoneNames reads a zip named by $ZONEINFO, as Go does, and keeps only
// zone names.
func TestZoneNamesFromZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zoneinfo.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, name := range []string{"Europe/London", "zone.tab", "posix/Europe/London", "America/Argentina/Buenos_Aires", "UTC", "tzdata.zi"} {
		w, _ := zw.Create(name)
		w.Write([]byte("TZif"))
	}
	zw.Close()
	f.Close()
	t.Setenv("ZONEINFO", path)
	want := []string{"America/Argentina/Buenos_Aires", "Europe/London", "UTC"}
	if got := zoneNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("zoneNames = %q, want %q", got, want)
	}
}

// SPEC §6 "History is the runner's": a sync whose window starts later
// leaves the sessions before it exactly as they were written (content,
// SEQUENCE, LAST-MODIFIED), plans around them in the week it cuts, and
// resyncing the same window changes no byte.
func TestSyncKeepsThePast(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "strength.ics")
	base := []string{"sync", "--to", dest, "--from", "../../examples/trainingpeaks-marathon.ics", "--weeks", "4"}
	if _, errs, code := run(t, append(base, "--start", "2027-01-25")...); code != 0 {
		t.Fatal(errs)
	}
	first, _ := os.ReadFile(dest)
	// A Wednesday: the week 2027-W05 is cut, its Tuesday session is past.
	later := append(base, "--start", "2027-02-03")
	out, errs, code := run(t, later...)
	if code != 0 {
		t.Fatal(errs)
	}
	if strings.Contains(out, "  - ") {
		t.Errorf("the later sync removed sessions:\n%s", out)
	}
	second, _ := os.ReadFile(dest)
	cutoff := time.Date(2027, 2, 3, 0, 0, 0, 0, mustLoadZone(t, "Europe/London"))
	past := 0
	after := events(t, second)
	for uid, w := range events(t, first) {
		if !w.Start.Before(cutoff) {
			continue
		}
		past++
		got, ok := after[uid]
		if !ok {
			t.Errorf("past session %s (%s) disappeared", uid, w.Start)
			continue
		}
		if !got.Start.Equal(w.Start) || !got.End.Equal(w.End) || !got.LastModified.Equal(w.LastModified) ||
			got.Summary != w.Summary || got.Description != w.Description || got.Sequence != w.Sequence ||
			got.Hash != w.Hash || got.Slot != w.Slot {
			t.Errorf("past session %s changed:\n got %+v\nwant %+v", uid, got, w)
		}
		if !bytes.Contains(second, veventText(t, first, uid)) {
			t.Errorf("past session %s was rewritten differently", uid)
		}
	}
	if past < 3 {
		t.Fatalf("only %d sessions before the cut; the fixture no longer tests anything", past)
	}
	// The cut week keeps at most two sessions (H7) and no UID twice.
	weeks := map[string]int{}
	for _, w := range after {
		week, _, _ := w.WeekOrdinal()
		weeks[week]++
	}
	for week, n := range weeks {
		if n > 2 {
			t.Errorf("week %s holds %d sessions", week, n)
		}
	}
	if n := strings.Count(string(second), "BEGIN:VEVENT"); n != len(after) {
		t.Errorf("%d events for %d UIDs", n, len(after))
	}

	if _, errs, code := run(t, later...); code != 0 {
		t.Fatal(errs)
	}
	third, _ := os.ReadFile(dest)
	if !bytes.Equal(third, second) {
		t.Error("an unchanged resync rewrote the file")
	}
}

func mustLoadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// events reads our sessions in a written calendar, by UID.
func events(t *testing.T, data []byte) map[string]ical.Written {
	t.Helper()
	cal, err := ical.Parse("strength.ics", data)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]ical.Written{}
	for _, w := range cal.Ours() {
		m[w.UID] = w
	}
	return m
}

// veventText is the text of the VEVENT holding uid, from its UID line on.
func veventText(t *testing.T, data []byte, uid string) []byte {
	t.Helper()
	i := bytes.Index(data, []byte("UID:"+uid+"\r\n"))
	if i < 0 {
		t.Fatalf("no event %s", uid)
	}
	j := bytes.Index(data[i:], []byte("END:VEVENT"))
	return data[i : i+j]
}

// The same rule after the window's end: a shorter sync leaves the weeks
// it no longer plans as they were.
func TestSyncKeepsSessionsAfterItsWindow(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "strength.ics")
	base := []string{"sync", "--to", dest, "--from", "../../examples/trainingpeaks-marathon.ics", "--start", "2027-01-25"}
	if _, errs, code := run(t, append(base, "--weeks", "6")...); code != 0 {
		t.Fatal(errs)
	}
	first := events(t, mustRead(t, dest))
	out, errs, code := run(t, append(base, "--weeks", "2")...)
	if code != 0 || strings.Contains(out, "  - ") {
		t.Fatalf("exit %d, %s\n%s", code, errs, out)
	}
	second := events(t, mustRead(t, dest))
	if len(second) != len(first) {
		t.Errorf("%d sessions before, %d after the shorter sync", len(first), len(second))
	}
	for uid, w := range first {
		if g, ok := second[uid]; !ok || g.Hash != w.Hash || g.Sequence != w.Sequence || !g.Start.Equal(w.Start) {
			t.Errorf("session %s of %s left or changed", uid, w.Start.Format("Mon 2 Jan"))
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSyncSaysWhy: the second sync to a destination says which sessions
// changed and the run that caused it (SPEC §6), and the moved session's
// description says where it was and why.
func TestSyncSaysWhy(t *testing.T) {
	src, err := os.ReadFile("../../examples/trainingpeaks-marathon.ics")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runs, dest := filepath.Join(dir, "runs.ics"), filepath.Join(dir, "strength.ics")
	env := map[string]string{"STRENGTHSYNC_CONFIG_DIR": filepath.Join(dir, "config"), "STRENGTHSYNC_CACHE_DIR": filepath.Join(dir, "cache"),
		"STRENGTHSYNC_DATA_DIR": filepath.Join(dir, "data"), "TZ": "Europe/London"}
	syncOnce := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(context.Background(), []string{"sync", "--from", runs, "--to", dest, "--start", "2027-01-25", "--weeks", "8"},
			Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return fixedNow }})
		if code != 0 {
			t.Fatalf("sync: exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	os.WriteFile(runs, src, 0o644)
	if out := syncOnce(); strings.Contains(out, "why:") {
		t.Errorf("a first sync explains changes:\n%s", out)
	}
	os.WriteFile(runs, bytes.Replace(src, []byte("DTSTART;VALUE=DATE:20270307\r\nDTEND;VALUE=DATE:20270308"),
		[]byte("DTSTART;VALUE=DATE:20270305\r\nDTEND;VALUE=DATE:20270306"), 1), 0o644)
	out := syncOnce()
	why := regexp.MustCompile(`(?m)^  why: Strength [AB] (moved|removed from) .*: "[^"]+" moved from Sun 7 to Fri 5 Mar$`)
	if !why.MatchString(out) {
		t.Fatalf("the second sync does not say why:\n%s", out)
	}
	if data := mustRead(t, dest); strings.Contains(out, "why: Strength") && strings.Contains(why.FindString(out), " moved ") &&
		!bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n "), nil), []byte("Moved from ")) {
		t.Errorf("the moved session's description does not say where it was:\n%s", data)
	}
}
