package web

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
)

func TestShortText(t *testing.T) {
	tests := []struct {
		in   sync.ShortWeekJSON
		want string
	}{
		{sync.ShortWeekJSON{Week: "2026-W49", Wanted: 2, Placed: 0, Reason: "0 of 2: Mon–Sun taper before 'Marathon'"},
			"no session this week instead of 2, because of Mon–Sun taper before 'Marathon'."},
		{sync.ShortWeekJSON{Week: "2026-W50", Wanted: 3, Placed: 1, Reason: "1 of 3: Tue long run eve"},
			"1 session this week instead of 3, because of Tue long run eve."},
		{sync.ShortWeekJSON{Week: "2026-W51", Wanted: 3, Placed: 2, Reason: "2 of 3"},
			"2 sessions this week instead of 3."},
	}
	for _, tt := range tests {
		if got := shortText(tt.in); got != tt.want {
			t.Errorf("shortText(%q) = %q, want %q", tt.in.Reason, got, tt.want)
		}
		if strings.Contains(shortText(tt.in), "W5") {
			t.Errorf("shortText(%q) speaks in ISO weeks", tt.in.Reason)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"}, {90 * time.Second, "1 minute ago"}, {3 * time.Minute, "3 minutes ago"},
		{61 * time.Minute, "1 hour ago"}, {5 * time.Hour, "5 hours ago"}, {72 * time.Hour, "3 days ago"},
	}
	for _, tt := range tests {
		if got := ago(now, now.Add(-tt.d)); got != tt.want {
			t.Errorf("ago(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// The timeline counts phases back from the A race (SPEC §5): ≥9 weeks
// strength, 8–4 power, 3–1 maintain, then the race's own taper and
// recovery.
func TestTimeline(t *testing.T) {
	sp := &storedPlan{Races: []sync.RaceJSON{
		{Date: "2026-03-22", Title: "Tune-up 10K", Priority: "C", TaperFrom: "2026-03-21", RecoveryTo: "2026-03-24"},
		{Date: "2026-05-31", Title: "City Marathon", Priority: "A", TaperFrom: "2026-05-24", RecoveryTo: "2026-06-14"},
	}}
	today := rules.Date{Year: 2026, Month: 3, Day: 2}
	race, spans := timeline(sp, today)
	if race == nil || race.Summary != "City Marathon" {
		t.Fatalf("goal race = %+v", race)
	}
	var got []string
	for _, s := range spans {
		got = append(got, s.Phase+" "+s.From+" – "+s.To)
	}
	want := []string{
		"strength Mon 2 Mar – Sun 29 Mar", // 12 to 9 ISO weeks out
		"power Mon 30 Mar – Sun 3 May",    // 8 to 4
		"maintain Mon 4 May – Sat 23 May", // 3 to 0, until the taper
		"taper Sun 24 May – Sat 30 May",
		"race Sun 31 May – Sun 31 May",
		"recovery Mon 1 Jun – Sun 14 Jun",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline:\n got %q\nwant %q", got, want)
	}
	if r, s := timeline(&storedPlan{Races: sp.Races[:1]}, today); r != nil || s != nil {
		t.Error("a timeline without an A race")
	}
	// Races in words, with priority, taper and recovery.
	rs := racesOf(sp)
	if len(rs) != 2 || rs[1].Priority != "A" || rs[1].Taper != "no strength from Sun 24 May" || rs[1].Recovery != "recovery until Sun 14 Jun" {
		t.Errorf("races: %+v", rs)
	}
	// A plan stored before races were: its race days, without priority.
	old := &storedPlan{Days: []sync.DayJSON{{Date: "2026-03-22", Kind: "race",
		Events: []sync.EventJSON{{Summary: "Parkrun", Kind: "easy"}, {Summary: "10K race", Kind: "race"}}}}}
	if rs := racesOf(old); len(rs) != 1 || rs[0].Summary != "10K race" || rs[0].Priority != "" {
		t.Errorf("races of an older plan: %+v", rs)
	}
}

// A day's note is what the page opens to; a plan without notes shows the
// day's reason instead.
func TestCalendarNotes(t *testing.T) {
	sp := &storedPlan{Start: "2026-03-02", Weeks: 1, Days: []sync.DayJSON{
		{Date: "2026-03-02", Kind: "rest", Reason: "no run", Note: "the day before your long run"},
		{Date: "2026-03-03", Kind: "hard", Reason: "'6x800m' is an interval session"},
	}, Sessions: []sync.SessionJSON{{Date: "2026-03-03", Title: "Strength", Variant: "A",
		Start: "2026-03-03T18:00:00Z", End: "2026-03-03T18:45:00Z",
		Exercises: []rules.Exercise{{Name: "Back squat", Sets: 3, Reps: "4-6", Load: "80% 1RM"}}}}}
	monday := rules.Date{Year: 2026, Month: 3, Day: 2}
	cal := calendarOf(sp, monday, 2, monday.AddDays(1), nil)
	days := cal.Weeks[0].Days
	if days[0].Note != "the day before your long run" || days[0].KindWord != "Rest" || !days[0].Past {
		t.Errorf("Monday: %+v", days[0])
	}
	if !days[1].Today || len(days[1].Sessions) != 1 || days[1].Sessions[0].Letter != "A" ||
		days[1].Sessions[0].Exercises[0].Dose != "3 × 4-6" || days[1].Sessions[0].Time != "18:00–18:45" {
		t.Errorf("Tuesday: %+v", days[1])
	}
	if cal.Weeks[1].Days[0].Outside != "not planned yet" {
		t.Errorf("a day after the plan: %+v", cal.Weeks[1].Days[0])
	}
}

// Every setting the forms show reaches the plan.
func TestSettingsFromForm(t *testing.T) {
	form := url.Values{"per_week": {"3"}, "policy": {"separate"}, "level": {"beginner"}, "at": {"07:30"},
		"duration": {"30m"}, "gap": {"2h"}, "window_from": {"06:30"}, "window_to": {"20:00"}, "weekdays_shown": {"1"},
		"weekdays": {"mon", "wed", "fri"}, "taper": {"10"}, "recovery": {"auto"}, "lifts_shown": {"1"},
		"rm5_backsquat": {"100"}, "rm1_benchpress": {"72,5"}}
	j, err := settingsFromForm(form)
	if err != nil {
		t.Fatal(err)
	}
	st, err := j.Apply(rules.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	want := rules.DefaultSettings()
	want.PerWeek, want.Policy, want.Level, want.At = 3, rules.PolicySeparate, rules.Beginner, 7*60+30
	want.Duration, want.Gap, want.WindowStart, want.WindowEnd = 30*time.Minute, 2*time.Hour, 6*60+30, 20*60
	want.Weekdays = [7]bool{time.Monday: true, time.Wednesday: true, time.Friday: true}
	want.Taper, want.Recovery = 10, rules.RecoveryByDistance
	want.FiveRM, want.OneRM = map[string]float64{"back squat": 100}, map[string]float64{"bench press": 72.5}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("settings:\n got %+v\nwant %+v", st, want)
	}
	// The form shows them back as they were.
	f := formOf(st, "Europe/Paris", nil, nil)
	if f.WindowFrom != "06:30" || f.WindowTo != "20:00" || f.Recovery != "auto" || !f.Weekdays[0].Checked ||
		f.Weekdays[1].Checked || f.Lifts[0].Five != "100" || f.Lifts[4].One != "72.5" || f.At != "07:30" {
		t.Errorf("form: %+v", f)
	}
	// No weekday ticked is an answer, and a wrong one.
	j, _ = settingsFromForm(url.Values{"weekdays_shown": {"1"}})
	if _, err := j.Apply(rules.DefaultSettings()); err == nil || !strings.Contains(err.Error(), "weekdays") {
		t.Errorf("no weekday: %v", err)
	}
	if _, err := settingsFromForm(url.Values{"lifts_shown": {"1"}, "rm1_deadlift": {"lots"}}); err == nil ||
		!strings.Contains(err.Error(), "settings.one_rm") {
		t.Errorf("bad weight: %v", err)
	}
}

// The pages stay small: HTML, stylesheet and script of a plan page with
// eight weeks of sessions under 100 KB together.
func TestPageWeight(t *testing.T) {
	e := newEnv(t)
	id, token := e.createByForm()
	total := 0
	for _, p := range []string{"/plans/" + id + "?token=" + token, "/static/style.css", "/static/app.js"} {
		res := e.do(http.MethodGet, p, "", nil)
		wantStatus(t, res, http.StatusOK)
		body := readBody(t, res)
		total += len(body)
		// Nothing is loaded from elsewhere: every address in our pages is
		// ours, a form field's example, or one the runner follows by hand.
		if strings.HasSuffix(p, token) {
			for _, bad := range []string{`src="http`, `href="//`, "@import", "fonts.", "analytics", "cdn"} {
				if strings.Contains(string(body), bad) {
					t.Errorf("plan page holds %q", bad)
				}
			}
		}
	}
	if total > 100*1024 {
		t.Errorf("plan page weighs %d bytes with its stylesheet and script, want under 100 KB", total)
	}
	t.Logf("plan page: %d bytes with stylesheet and script", total)
}

// Sessions before the plan's window come from the published feed: history
// stays on the page as it stays in the runner's calendar.
func TestPastSessions(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	day := rules.Date{Year: 2026, Month: 2, Day: 24}
	s := rules.Session{Placement: rules.Placement{Week: day.Week(), Ordinal: 1, Date: day,
		Start: day.At(18*60, loc), End: day.At(18*60+45, loc)}, UID: rules.SessionUID("p", day.Week(), 1),
		Title: "Strength A", Phase: rules.PhaseStrength, Variant: "A"}
	var buf bytes.Buffer
	if err := ical.Write(&buf, []rules.Session{s}, ical.WriteOptions{Loc: loc, Now: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	start := rules.Date{Year: 2026, Month: 3, Day: 2}
	past := pastSessions(buf.Bytes(), loc, start)
	got := past["2026-02-24"]
	if len(got) != 1 || got[0].Title != "Strength A" || got[0].Time != "18:00–18:45" || !got[0].Done {
		t.Fatalf("past sessions: %+v", past)
	}
	if len(pastSessions(buf.Bytes(), loc, day)) != 0 {
		t.Error("a session inside the plan's window counted as past")
	}
	cal := calendarOf(&storedPlan{Start: start.String(), Weeks: 1}, start.AddDays(-7), 1, start, past)
	if d := cal.Weeks[0].Days[1]; len(d.Sessions) != 1 || d.Outside != "" {
		t.Errorf("Tue 24 Feb: %+v", d)
	}
	if d := cal.Weeks[0].Days[0]; d.Outside != "no session" {
		t.Errorf("Mon 23 Feb: %+v", d)
	}
}
