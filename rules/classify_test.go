package rules_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// clMonday is a Monday, so tests can lay out ISO weeks.
var clMonday = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// clEvent builds an event on day (0 = clMonday): all-day when length is 0,
// else starting at 07:00.
func clEvent(day int, title, desc string, cats []string, length time.Duration) rules.Event {
	ev := rules.Event{ID: fmt.Sprintf("e%d-%s", day, title), Summary: title, Description: desc, Categories: cats}
	d := clMonday.AddDate(0, 0, day)
	if length == 0 {
		ev.Start, ev.End, ev.AllDay = d, d.AddDate(0, 0, 1), true
	} else {
		ev.Start = d.Add(7 * time.Hour)
		ev.End = ev.Start.Add(length)
	}
	return ev
}

// TestClassifyCases classifies every case alone (no week context) and
// checks the kind, the decisive phrase in the reason and the distance.
func TestClassifyCases(t *testing.T) {
	if len(clCases) < 250 {
		t.Fatalf("only %d cases; the issue asks for at least 250", len(clCases))
	}
	c := rules.NewClassifier(nil)
	seen := map[string]bool{}
	for _, tc := range clCases {
		key := tc.title + "\x00" + tc.desc + "\x00" + strings.Join(tc.cats, ",") + tc.length.String()
		if seen[key] {
			t.Errorf("duplicate case %q", tc.title)
		}
		seen[key] = true
		t.Run(tc.title, func(t *testing.T) {
			got := c.Classify([]rules.Event{clEvent(0, tc.title, tc.desc, tc.cats, tc.length)}, time.UTC)
			want := 1
			if tc.gym != clNoGym {
				want = 2
			}
			if len(got) != want {
				t.Fatalf("%q: got %d results, want %d: %+v", tc.title, len(got), want, got)
			}
			g := got[0]
			if want == 2 {
				s := got[1]
				if g.Part != "run" || s.Part != "strength" || s.Kind != clStrength || s.Event.ID != g.Event.ID {
					t.Errorf("%q: parts %q %s, %q %s; want run and a strength part of one event", tc.title, g.Part, g.Kind, s.Part, s.Kind)
				}
				if s.Light != (tc.gym == clLight) || s.Reason == "" {
					t.Errorf("%q: strength part light %v (%q), want %v", tc.title, s.Light, s.Reason, tc.gym == clLight)
				}
			} else if g.Part != "" {
				t.Errorf("%q: Part %q on a whole entry", tc.title, g.Part)
			}
			if g.Light != tc.light {
				t.Errorf("%q: Light %v, want %v (%q)", tc.title, g.Light, tc.light, g.Reason)
			}
			if g.Kind != tc.want {
				t.Errorf("%q (desc %q, cats %q): kind %s, want %s; reason %q", tc.title, tc.desc, tc.cats, g.Kind, tc.want, g.Reason)
			}
			if g.Reason == "" {
				t.Errorf("%q: empty reason", tc.title)
			}
			if tc.why != "" && !strings.Contains(g.Reason, tc.why) {
				t.Errorf("%q: reason %q does not contain %q", tc.title, g.Reason, tc.why)
			}
			if tc.km != 0 && math.Abs(g.DistanceKm-tc.km) > 0.001 {
				t.Errorf("%q: DistanceKm %g, want %g", tc.title, g.DistanceKm, tc.km)
			}
		})
	}
}

// TestClassifyReasonsQuoteOriginal checks that reasons quote what the
// runner wrote, accents and symbols included, not the folded form.
func TestClassifyReasonsQuoteOriginal(t *testing.T) {
	c := rules.NewClassifier(nil)
	for _, tc := range []struct{ title, want string }{
		{"Fractionné 10x400m", `"Fractionné"`},
		{"Séance de côtes", `"côtes"`},
		{"8×400", `"8×400"`},
		{"Zügiger Dauerlauf 8 km", `"Zügiger Dauerlauf"`},
		{"Récupération", `"Récupération"`},
		{"Rest or cross-train", `"Rest or cross-train"`},
	} {
		got := c.Classify([]rules.Event{clEvent(0, tc.title, "", nil, 0)}, time.UTC)[0]
		if !strings.Contains(got.Reason, tc.want) {
			t.Errorf("%q: reason %q does not quote %s", tc.title, got.Reason, tc.want)
		}
	}
}

// TestClassifyWeekContext covers the long run found by context alone.
func TestClassifyWeekContext(t *testing.T) {
	type run struct {
		day    int
		title  string
		length time.Duration
	}
	for _, tc := range []struct {
		name string
		runs []run
		// want is the kind of each run, in order.
		want []rules.Kind
		// why must appear in the reason of the run that became long.
		why string
	}{{
		// Hal Higdon, Novice 2 marathon, week 3: 3, 5, 3, 5 mi then 12 mi.
		name: "higdon week",
		runs: []run{{1, "3 mi run", 0}, {2, "5 mi run", 0}, {3, "3 mi run", 0}, {5, "5 mi", 0}, {6, "12 mi", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy, clEasy, clLong},
		why:  "longest run of the week: 12 mi vs ≤ 5 mi on other days",
	}, {
		name: "higdon novice 1 week 1, 6 mi after 3 mi runs",
		runs: []run{{1, "3 m run", 0}, {2, "3 m run", 0}, {3, "3 m run", 0}, {5, "6 m run", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy, clLong},
		why:  "6 mi vs ≤ 3 mi",
	}, {
		name: "even week: no long run by context",
		runs: []run{{0, "5 mi", 0}, {1, "5 mi", 0}, {2, "5 mi", 0}, {4, "5 mi", 0}, {6, "5 mi", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy, clEasy, clEasy},
	}, {
		name: "mildly longer Sunday is not clearly long",
		runs: []run{{1, "8 km", 0}, {3, "8 km", 0}, {6, "11 km", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy},
	}, {
		name: "short runs stay short even when one is twice the others",
		runs: []run{{1, "2 mi", 0}, {3, "2 mi", 0}, {6, "4 mi", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy},
	}, {
		name: "a named long run leaves the week alone",
		runs: []run{{1, "4 mi", 0}, {5, "Long run", 0}, {6, "12 mi", 0}},
		want: []rules.Kind{clEasy, clLong, clEasy},
	}, {
		name: "timed runs compared by duration",
		runs: []run{{1, "Run", 40 * time.Minute}, {3, "Run", 45 * time.Minute}, {6, "Run", 80 * time.Minute}},
		want: []rules.Kind{clEasy, clEasy, clLong},
		why:  "1:20:00 vs ≤ 0:45:00",
	}, {
		name: "weeks are ISO weeks: a long Monday run compares with its own week only",
		runs: []run{{1, "3 mi", 0}, {2, "3 mi", 0}, {7, "12 mi", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy},
	}, {
		name: "a hard session stays hard even when it is the longest",
		runs: []run{{1, "3 mi", 0}, {2, "Tempo 10 mi", 0}, {4, "3 mi", 0}},
		want: []rules.Kind{clEasy, clHard, clEasy},
	}, {
		name: "two runs on one day count as that day",
		runs: []run{{1, "5 km", 0}, {3, "5 km", 0}, {3, "5 km", 0}, {6, "14 km", 0}},
		want: []rules.Kind{clEasy, clEasy, clEasy, clLong},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var evs []rules.Event
			for _, r := range tc.runs {
				evs = append(evs, clEvent(r.day, r.title, "", nil, r.length))
			}
			got := rules.NewClassifier(nil).Classify(evs, time.UTC)
			for i, g := range got {
				if g.Kind != tc.want[i] {
					t.Errorf("run %d %q: kind %s, want %s (%s)", i, g.Summary, g.Kind, tc.want[i], g.Reason)
				}
				if g.Kind == clLong && tc.why != "" && !strings.Contains(g.Reason, tc.why) {
					t.Errorf("run %d: reason %q does not contain %q", i, g.Reason, tc.why)
				}
				if g.ID != evs[i].ID {
					t.Errorf("result %d is event %q, want %q: order not kept", i, g.ID, evs[i].ID)
				}
			}
		})
	}
}

// TestClassifyWeekInZone checks that weeks are cut in the runner's zone: a
// Sunday-evening run in New York is Monday in UTC.
func TestClassifyWeekInZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	day := func(d, hour int) time.Time { return time.Date(2026, time.March, 2+d, hour, 0, 0, 0, ny) }
	evs := []rules.Event{
		{ID: "a", Summary: "3 mi", Start: day(1, 7), End: day(1, 8)},
		{ID: "b", Summary: "3 mi", Start: day(3, 7), End: day(3, 8)},
		{ID: "c", Summary: "12 mi", Start: day(6, 20), End: day(6, 22)}, // Sunday 20:00 in New York
	}
	got := rules.NewClassifier(nil).Classify(evs, ny)
	if got[2].Kind != clLong {
		t.Errorf("Sunday-evening 12 mi in New York: %s (%s), want long", got[2].Kind, got[2].Reason)
	}
	got = rules.NewClassifier(nil).Classify(evs, time.UTC)
	if got[2].Kind == clLong {
		t.Errorf("in UTC the 12 mi falls on the next Monday and is alone in its week, got long: %s", got[2].Reason)
	}
}

// TestClassifyOverrides covers busy calendars, #tags, the user's keywords
// and multi-day summaries, and their order.
func TestClassifyOverrides(t *testing.T) {
	kw := rules.Keywords{
		rules.KindHard:  {"Club night"},
		rules.KindEasy:  {"Sunday social"},
		rules.KindRest:  {"Pilates"},
		rules.KindLong:  {"big one"},
		rules.KindCross: {"Aqua*"},
	}
	c := rules.NewClassifier(kw)
	for _, tc := range []struct {
		name string
		ev   rules.Event
		want rules.Kind
		why  string
	}{
		{"busy beats everything", rules.Event{Summary: "Long run #long", Busy: true}, clOther, "busy calendar"},
		{"tag in title", rules.Event{Summary: "Track club #hard"}, clHard, "tagged #hard"},
		{"tag beats built-in", rules.Event{Summary: "Long run #easy"}, clEasy, "tagged #easy"},
		{"tag in description", rules.Event{Summary: "Run", Description: "Coach says: #long"}, clLong, "tagged #long"},
		{"tag beats keyword", rules.Event{Summary: "Club night #easy"}, clEasy, "tagged #easy"},
		{"tag rest", rules.Event{Summary: "Yoga #rest"}, clRest, "tagged #rest"},
		{"tag race", rules.Event{Summary: "Parkrun #race"}, clRace, "tagged #race"},
		{"tag cross", rules.Event{Summary: "Hike #cross"}, clCross, "tagged #cross"},
		{"not a tag", rules.Event{Summary: "Easy #hardest"}, clEasy, "Easy"},
		{"hashtag of no kind", rules.Event{Summary: "Easy #sunny"}, clEasy, "Easy"},
		{"# inside a word", rules.Event{Summary: "Easy run C#rest"}, clEasy, `"Easy run" is`},
		{"second tag counts when the first is no kind", rules.Event{Summary: "Run #sunny #long"}, clLong, "tagged #long"},
		{"tag strength", rules.Event{Summary: "Session #strength"}, clStrength, "tagged #strength"},
		{"keyword", rules.Event{Summary: "Club night"}, clHard, "your keyword for hard"},
		{"keyword in description", rules.Event{Summary: "Thursday", Description: "club night at the track"}, clHard, "your keyword for hard"},
		{"keyword beats built-in", rules.Event{Summary: "Pilates"}, clRest, "your keyword for rest"},
		{"keyword folded", rules.Event{Summary: "SUNDAY SOCIAL 10 km"}, clEasy, `"SUNDAY SOCIAL"`},
		{"keyword whole words only", rules.Event{Summary: "Bigger one"}, clOther, ""},
		{"strongest keyword wins", rules.Event{Summary: "Sunday social: the big one"}, clLong, "your keyword for long"},
		{"prefix keyword", rules.Event{Summary: "Aquafit"}, clCross, `"Aquafit" is your keyword for cross`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev
			ev.Start = clMonday
			ev.End = clMonday.AddDate(0, 0, 1)
			ev.AllDay = true
			got := c.Classify([]rules.Event{ev}, time.UTC)[0]
			if got.Kind != tc.want || !strings.Contains(got.Reason, tc.why) {
				t.Errorf("%q: %s (%q), want %s with %q", ev.Summary, got.Kind, got.Reason, tc.want, tc.why)
			}
		})
	}
}

// TestClassifySummaries checks multi-day entries: a week-long summary is
// never a workout, whatever it says.
func TestClassifySummaries(t *testing.T) {
	c := rules.NewClassifier(rules.Keywords{rules.KindLong: {"distance"}})
	for _, tc := range []struct {
		title string
		days  int
		want  rules.Kind
	}{
		{"Training Week 3 Distance: 33 mi", 7, clOther},
		{"Long run block", 5, clOther},
		{"Race week", 6, clOther},
		// On one day, the user's keyword beats the built-in "training week".
		{"Training Week 3 Distance: 33 mi", 1, clLong},
		{"Training Week 3", 1, clOther},
		{"Long run", 1, clLong},
		{"Marathon weekend", 2, clRace},
	} {
		ev := rules.Event{Summary: tc.title, Start: clMonday, End: clMonday.AddDate(0, 0, tc.days), AllDay: true}
		got := c.Classify([]rules.Event{ev}, time.UTC)[0]
		if got.Kind != tc.want {
			t.Errorf("%q over %d days: %s (%s), want %s", tc.title, tc.days, got.Kind, got.Reason, tc.want)
		}
	}
}

// TestClassifyDurations checks where Duration comes from: the text first,
// then a timed run's length, never a meeting's.
func TestClassifyDurations(t *testing.T) {
	c := rules.NewClassifier(nil)
	for _, tc := range []struct {
		ev   rules.Event
		want time.Duration
	}{
		{clEvent(0, "Easy 45 min", "", nil, 2*time.Hour), 45 * time.Minute},
		{clEvent(0, "Run", "", nil, 50*time.Minute), 50 * time.Minute},
		{clEvent(0, "Team meeting", "", nil, 2*time.Hour), 0},
		{clEvent(0, "Run", "", nil, 0), 0},
		{clEvent(0, "Run", "Planned: 1:05:00, 12 km", nil, 0), 65 * time.Minute},
		{clEvent(0, "Easy 5 mi @ 8:30/mi", "", nil, 0), 0},
		{clEvent(0, "Sortie longue 1h45", "", nil, 0), 105 * time.Minute},
		{clEvent(0, "Team meeting 2h", "", nil, 0), 0},
		{clEvent(0, "Easy 8 km", "Goal: 3:30 marathon", nil, 0), 0},
		{clEvent(0, "Rest", "", nil, time.Hour), 0},
		{clEvent(0, "Gym", "", nil, time.Hour), time.Hour},
	} {
		got := c.Classify([]rules.Event{tc.ev}, time.UTC)[0]
		if got.Duration != tc.want {
			t.Errorf("%q (%s): Duration %s, want %s", tc.ev.Summary, tc.ev.End.Sub(tc.ev.Start), got.Duration, tc.want)
		}
	}
}

// TestClassifyEmpty checks the edges: no events, and an event with no text.
func TestClassifyEmpty(t *testing.T) {
	c := rules.NewClassifier(nil)
	if got := c.Classify(nil, time.UTC); len(got) != 0 {
		t.Errorf("Classify(nil) = %v, want empty", got)
	}
	got := c.Classify([]rules.Event{{Start: clMonday, End: clMonday.Add(time.Hour)}}, nil)
	if got[0].Kind != clOther || got[0].Reason == "" {
		t.Errorf("untitled event: %s %q, want other with a reason", got[0].Kind, got[0].Reason)
	}
}

// TestClassifyConcurrent checks that one Classifier serves many goroutines
// (run with -race).
func TestClassifyConcurrent(t *testing.T) {
	c := rules.NewClassifier(rules.Keywords{rules.KindHard: {"club night"}})
	var evs []rules.Event
	for i, tc := range clCases {
		evs = append(evs, clEvent(i%28, tc.title, tc.desc, tc.cats, tc.length))
	}
	want := c.Classify(evs, time.UTC)
	done := make(chan []rules.Classified)
	for range 4 {
		go func() { done <- c.Classify(evs, time.UTC) }()
	}
	for range 4 {
		got := <-done
		for i := range got {
			if got[i].Kind != want[i].Kind || got[i].Reason != want[i].Reason {
				t.Fatalf("event %d: %s %q, then %s %q", i, want[i].Kind, want[i].Reason, got[i].Kind, got[i].Reason)
			}
		}
	}
}

// BenchmarkClassify classifies a year of a realistic plan: seven entries a
// week drawn from the case table, with descriptions.
func BenchmarkClassify(b *testing.B) {
	var evs []rules.Event
	for i := range 365 {
		tc := clCases[(i*7)%len(clCases)]
		evs = append(evs, clEvent(i, tc.title, tc.desc, tc.cats, tc.length))
	}
	c := rules.NewClassifier(rules.Keywords{rules.KindHard: {"club night"}})
	b.ReportAllocs()
	for b.Loop() {
		c.Classify(evs, time.UTC)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkNewClassifier measures compiling the vocabulary, done once.
func BenchmarkNewClassifier(b *testing.B) {
	for b.Loop() {
		rules.NewClassifier(nil)
	}
}

// TestClassifyAwayAndOther covers entries that are no workout: trips and
// sickness over several days (away, not summaries), the #away and #other
// tags, and the user's keywords for both kinds (SPEC §3 "Away", "Not
// training").
func TestClassifyAwayAndOther(t *testing.T) {
	c := rules.NewClassifier(rules.Keywords{
		rules.KindAway:  {"Training camp"},
		rules.KindOther: {"Club run"},
	})
	for _, tc := range []struct {
		title, desc string
		days        int
		want        rules.Kind
		why         string
	}{
		{"Ski trip", "", 7, clAway, `"Ski trip"`},
		{"Urlaub Mallorca", "", 10, clAway, `"Urlaub Mallorca"`},
		{"Vacances à la mer", "", 6, clAway, "time away"},
		{"Vacaciones", "", 14, clAway, "time away"},
		{"Sick", "", 3, clAway, "sick"},
		{"Krank", "", 1, clAway, "sick"},
		{"Training Week 3 Distance: 33 mi", "", 7, clOther, "summary"},
		{"Week 12", "Total 55 km", 7, clOther, "summary"},
		{"Long run", "", 7, clOther, "summary"},
		{"Family week", "#away", 7, clAway, "tagged #away"},
		{"Easy 5 mi #other", "", 1, clOther, "tagged #other"},
		{"Training camp", "", 5, clAway, "your keyword for away"},
		{"Club run 8 km", "", 1, clOther, "your keyword for other"},
		{"Holiday", "If you are on holiday, swap the days.", 1, clAway, `"Holiday"`},
		{"Easy 6 mi", "If you are on holiday, swap the days.", 1, clEasy, "Easy"},
	} {
		ev := rules.Event{Summary: tc.title, Description: tc.desc, Start: clMonday, End: clMonday.AddDate(0, 0, tc.days), AllDay: true}
		got := c.Classify([]rules.Event{ev}, time.UTC)
		if len(got) != 1 || got[0].Kind != tc.want || !strings.Contains(got[0].Reason, tc.why) {
			t.Errorf("%q over %d days: %s (%q), want %s with %q", tc.title, tc.days, got[0].Kind, got[0].Reason, tc.want, tc.why)
		}
		if tc.want == clAway && (got[0].DistanceKm != 0 || got[0].Duration != 0) {
			t.Errorf("%q: away with distance %g, duration %s", tc.title, got[0].DistanceKm, got[0].Duration)
		}
	}
}

// TestClassifyCompoundDownstream checks that the two parts of a compound
// entry keep their order among other events, that the week pass leaves
// the strength part alone, and that days and races read them right: the
// run decides the day, the gym part rides along.
func TestClassifyCompoundDownstream(t *testing.T) {
	evs := []rules.Event{
		clEvent(0, "Easy 5 mi", "", nil, 0),
		clEvent(1, "Threshold intervals + Gym B", "", nil, 90*time.Minute),
		clEvent(2, "Easy 40 min + core", "", nil, 0),
		clEvent(5, "Half Marathon Race", "", nil, 0),
	}
	cs := rules.NewClassifier(nil).Classify(evs, time.UTC)
	want := []struct {
		id    string
		kind  rules.Kind
		part  string
		light bool
	}{
		{evs[0].ID, clEasy, "", false},
		{evs[1].ID, clHard, "run", false},
		{evs[1].ID, clStrength, "strength", false},
		{evs[2].ID, clEasy, "run", false},
		{evs[2].ID, clStrength, "strength", true},
		{evs[3].ID, clRace, "", false},
	}
	if len(cs) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(cs), len(want), cs)
	}
	for i, w := range want {
		g := cs[i]
		if g.ID != w.id || g.Kind != w.kind || g.Part != w.part || g.Light != w.light {
			t.Errorf("result %d: %s %s part %q light %v, want %s %s part %q light %v (%s)",
				i, g.ID, g.Kind, g.Part, g.Light, w.id, w.kind, w.part, w.light, g.Reason)
		}
	}
	if !strings.Contains(cs[2].Reason, `"Gym" is a gym session, part of "Threshold intervals + Gym B"`) {
		t.Errorf("strength part reason %q", cs[2].Reason)
	}
	// The event's 1:30 holds both parts: neither part's own length.
	if cs[1].Duration != 0 || cs[2].Duration != 0 {
		t.Errorf("durations: run %s, gym %s; want neither to claim the event's length", cs[1].Duration, cs[2].Duration)
	}
	days := rules.BuildDays(cs, rules.DateOf(clMonday), 7, time.UTC)
	for i, k := range []rules.Kind{clEasy, clHard, clEasy, clRest, clRest, clRace, clRest} {
		if days[i].Kind != k {
			t.Errorf("day %d: %s, want %s (%s)", i, days[i].Kind, k, days[i].Reason)
		}
	}
	if len(days[1].Events) != 2 {
		t.Errorf("Tuesday holds %d events, want the run and its gym part", len(days[1].Events))
	}
	if races := rules.FindRaces(cs, time.UTC, rules.DefaultSettings()); len(races) != 1 || races[0].DistanceKm != 21.0975 {
		t.Errorf("races %+v, want the half marathon only", races)
	}
}

// TestClassifyPlanEnds checks that a plan's last day ("Plan Ends") is its
// goal race after taper weeks, and not otherwise (SPEC §3 race).
func TestClassifyPlanEnds(t *testing.T) {
	week := func(first int, km ...int) []rules.Event {
		var evs []rules.Event
		for i, k := range km {
			evs = append(evs, clEvent(first+2*i, fmt.Sprintf("Easy %d km", k), "", nil, 0))
		}
		return evs
	}
	build := func(volumes [][]int, endDay int, after bool) []rules.Event {
		var evs []rules.Event
		for w, km := range volumes {
			evs = append(evs, week(7*w, km...)...)
		}
		evs = append(evs, clEvent(endDay, "Plan Ends", "", nil, 0))
		if after {
			evs = append(evs, clEvent(endDay+2, "Easy 5 km", "", nil, 0))
		}
		return evs
	}
	peak := [][]int{{10, 12, 14, 30}, {10, 12, 14, 32}, {10, 12, 14, 32}, {8, 10, 10, 20}, {6, 8, 5}}
	flat := [][]int{{10, 12, 14, 20}, {10, 12, 14, 20}, {10, 12, 14, 20}, {10, 12, 14, 20}, {10, 12, 14, 20}}
	for _, tc := range []struct {
		name  string
		evs   []rules.Event
		race  bool
		endAt int
	}{
		{"after a taper", build(peak, 7*5+6, false), true, 7*5 + 6},
		{"no taper", build(flat, 7*5+6, false), false, 7*5 + 6},
		{"runs after it", build(peak, 7*5+6, true), false, 7*5 + 6},
	} {
		cs := rules.NewClassifier(nil).Classify(tc.evs, time.UTC)
		var end rules.Classified
		for _, c := range cs {
			if c.Summary == "Plan Ends" {
				end = c
			}
		}
		if (end.Kind == clRace) != tc.race {
			t.Errorf("%s: %s (%s), race %v wanted", tc.name, end.Kind, end.Reason, tc.race)
		}
		if tc.race && !strings.Contains(end.Reason, "after its taper weeks") {
			t.Errorf("%s: reason %q", tc.name, end.Reason)
		}
	}
}

// TestRacePriorityHint covers the priorities race entries state.
func TestRacePriorityHint(t *testing.T) {
	for _, tc := range []struct{ title, desc, want string }{
		{"A race: Boston Marathon", "", "A"},
		{"B race: half marathon", "", "B"},
		{"C race — no taper", "", "C"},
		{"C-Race 10K", "", "C"},
		{"Berlin Marathon (A)", "", "A"},
		{"Hamburg Halbmarathon [B]", "", "B"},
		{"10K", "Priority: B", "B"},
		{"B-Rennen Stadtlauf", "", "B"},
		{"tune-up 10K", "", "C"},
		{"Half marathon tune up", "", "C"},
		{"Parkrun", "Run it as a workout, no taper", "C"},
		{"Goal race: Chicago Marathon", "", "A"},
		{"Zielwettkampf: Frankfurt Marathon", "", "A"},
		{"Marathon", "", ""},
		{"Plan A: easy 5 mi", "", ""},
		{"Vitamin C run", "", ""},
		{"", "", ""},
	} {
		if got := rules.RacePriorityHint(tc.title, tc.desc); got != tc.want {
			t.Errorf("RacePriorityHint(%q, %q) = %q, want %q", tc.title, tc.desc, got, tc.want)
		}
	}
}
