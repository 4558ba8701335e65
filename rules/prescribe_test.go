package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Seed articles cited below:
//   [importance]  "Running – the importance of strength training"
//   [performance] "Strength Training Can Improve Running Performance"
//   [101]         "Strength Training 101"
//   [better]      "How Strength Training Can Make You a Better Runner"
//   [why]         "Strength Training For Runners: Why You Need it"

// The -update flag rewrites golden files. Another test file of this package
// may define it too; whoever registers first wins and both read it by name.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// rxDate parses a date or fails the test.
func rxDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rxSlot is a placement on d at 18:00 UTC.
func rxSlot(d Date, ordinal int) Placement {
	start := d.At(18*60, time.UTC)
	return Placement{
		Week: d.Week(), Ordinal: ordinal, Date: d,
		Start: start, End: start.Add(45 * time.Minute),
		Reason: "test slot",
	}
}

// startedOn returns s with the runner's first week on start.
func startedOn(s Settings, start Date) Settings {
	s.Started = start
	return s
}

// longAgo is a Started date long before every test plan, so the base weeks
// (SPEC §5) are behind the runner unless a test says otherwise.
var longAgo = Date{2024, time.January, 1}

// prescribeOne prescribes placement p for a runner who started on start,
// as one of a week's two sessions: a companion slot on the same date takes
// the other ordinal (1 or 2), so slot 1 is session A and slot 2 session B
// (see TestPrescribeLetters for the sequence itself).
func prescribeOne(t testing.TB, p Placement, races []Race, start Date, s Settings) Session {
	t.Helper()
	other := rxSlot(p.Date, 1)
	if p.Ordinal <= 1 {
		other.Ordinal = 2
	}
	ss := Prescribe([]Placement{p, other}, races, nil, startedOn(s, start), "")
	if len(ss) != 2 {
		t.Fatalf("Prescribe returned %d sessions for 2 placements", len(ss))
	}
	return ss[0]
}

// rxMoves is every move of the catalogue, for mapping names back to patterns.
var rxMoves = []catalogMove{
	mvBackSquat, mvTrapBarDeadlift, mvDeadlift, mvHipThrust,
	mvSingleLegRDL, mvSplitSquat, mvStepUp, mvReverseLunge,
	mvPullUps, mvBenchPress, mvOverheadPress,
	mvCalfRaise, mvSingleLegCalfRaise, mvPallofPress, mvSidePlank, mvDeadBug,
	mvJumpSquat, mvKettlebellSwing, mvPogoJumps, mvBoxJumps, mvBounding, mvMedBallPass, mvMedBallThrow,
	mvDrills,
}

// patternsOf maps each exercise back to its catalogue patterns; a name that
// is not in the catalogue fails the test.
func patternsOf(t *testing.T, s Session) []movePattern {
	t.Helper()
	byName := map[string]movePattern{}
	for _, mv := range rxMoves {
		for _, n := range mv.names {
			byName[n] |= mv.pat
		}
	}
	var ps []movePattern
	for _, e := range s.Exercises {
		p, ok := byName[e.Name]
		if !ok {
			t.Fatalf("%s: exercise %q is not in the catalogue", s.Date, e.Name)
		}
		ps = append(ps, p)
	}
	return ps
}

func unionOf(ps []movePattern) movePattern {
	var u movePattern
	for _, p := range ps {
		u |= p
	}
	return u
}

func totalSets(s Session) int {
	n := 0
	for _, e := range s.Exercises {
		n += e.Sets
	}
	return n
}

// mainLoad is the load of the session's first exercise, its compound lift.
func mainLoad(s Session) string { return s.Exercises[0].Load }

// berlin is a marathon on Sunday 2026-09-27.
var berlin = Race{Date: Date{2026, time.September, 27}, Summary: "Berlin Marathon", DistanceKm: 42.195}

// weeksOut is the Tuesday n ISO weeks before r's week.
func weeksOut(r Race, n int) Date { return r.Date.Monday().AddDays(-7*n + 1) }

// TestPrescribePhases: phases count back from the next race of half-marathon
// length or more (SPEC §5; [better]: "Build Strength First – Train for
// Power – Translate to Running").
func TestPrescribePhases(t *testing.T) {
	tenK := Race{Date: Date{2026, time.August, 30}, Summary: "Club 10K race", DistanceKm: 10}
	half := Race{Date: Date{2026, time.August, 2}, Summary: "Half marathon", DistanceKm: 21.1}
	past := Race{Date: Date{2026, time.March, 1}, Summary: "Spring Marathon", DistanceKm: 42.2}
	noKm := Race{Date: berlin.Date, Summary: "Berlin Marathon"} // the calendar gave no distance
	tests := []struct {
		name      string
		date      Date
		races     []Race
		phase     Phase
		title     string // suffix after "Strength A · "
		notesHave string
	}{
		{"13 weeks out: strength, heaviest build week", weeksOut(berlin, 13), []Race{berlin}, PhaseStrength, "squat, hinge, pull", "build week 3 of 3"},
		{"12 weeks out: strength, the lighter week before the last build", weeksOut(berlin, 12), []Race{berlin}, PhaseStrength, "squat, hinge, pull (light)", "Weeks to Berlin Marathon: 12"},
		{"11 weeks out: strength, build week 1", weeksOut(berlin, 11), []Race{berlin}, PhaseStrength, "squat, hinge, pull", "build week 1 of 3"},
		{"9 weeks out: last strength week, the heaviest", weeksOut(berlin, 9), []Race{berlin}, PhaseStrength, "squat, hinge, pull", "build week 3 of 3"},
		{"8 weeks out: power", weeksOut(berlin, 8), []Race{berlin}, PhasePower, "power", "Weeks to Berlin Marathon: 8"},
		{"4 weeks out: still power", weeksOut(berlin, 4), []Race{berlin}, PhasePower, "power", "Weeks to Berlin Marathon: 4"},
		{"3 weeks out: maintain", weeksOut(berlin, 3), []Race{berlin}, PhaseSpecific, "maintain", "Weeks to Berlin Marathon: 3"},
		{"1 week out: maintain", weeksOut(berlin, 1), []Race{berlin}, PhaseSpecific, "maintain", "Weeks to Berlin Marathon: 1"},
		{"race week: minimal maintain", weeksOut(berlin, 0), []Race{berlin}, PhaseSpecific, "race week", "Weeks to Berlin Marathon: 0"},
		{"Sunday of the race week is 0 weeks out", berlin.Date.AddDays(-1), []Race{berlin}, PhaseSpecific, "race week", "Weeks to Berlin Marathon: 0"},
		{"a 10K is not a goal race", weeksOut(berlin, 5), []Race{tenK}, "", "", "No goal race"},
		{"a past race is not a goal race", weeksOut(berlin, 5), []Race{past}, "", "", "No goal race"},
		{"the next goal race wins over a later one", weeksOut(berlin, 12), []Race{berlin, half, tenK}, PhasePower, "power", "Weeks to Half marathon: 4"},
		{"distance read from the name when the calendar has none", weeksOut(berlin, 6), []Race{noKm}, PhasePower, "power", "Weeks to Berlin Marathon: 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := prescribeOne(t, rxSlot(tc.date, 1), tc.races, longAgo, DefaultSettings())
			if tc.phase != "" && s.Phase != tc.phase {
				t.Errorf("phase = %q, want %q", s.Phase, tc.phase)
			}
			if tc.phase == "" && s.Phase != PhaseStrength && s.Phase != PhaseDeload {
				t.Errorf("phase = %q, want a block phase (strength or deload)", s.Phase)
			}
			if tc.title != "" && s.Title != "Strength "+s.Variant+" · "+tc.title {
				t.Errorf("title = %q, want suffix %q", s.Title, tc.title)
			}
			if !strings.Contains(s.Notes, tc.notesHave) {
				t.Errorf("notes = %q, want them to contain %q", s.Notes, tc.notesHave)
			}
			if n := strings.Count(s.Notes, "\n"); n != 1 {
				t.Errorf("notes have %d lines, want 2: %q", n+1, s.Notes)
			}
		})
	}
}

// TestPrescribePhaseContent: what each phase holds (SPEC §5; [performance]:
// a warm-up set and about 2 hard working sets at 70–85% 1RM; [better]: 4–6
// reps, then explosive movements and plyometrics, then sprinting and drills).
func TestPrescribePhaseContent(t *testing.T) {
	tests := []struct {
		name string
		wo   int
		ord  int
		want func(t *testing.T, s Session, ps []movePattern)
	}{
		{"strength: warm-up set, 2–3 sets of 4–6 at 75–85% 1RM, compound first", 11, 1, func(t *testing.T, s Session, ps []movePattern) {
			first := s.Exercises[0]
			if ps[0]&patBilateral == 0 || first.Reps != "4-6" || !strings.Contains(first.Notes, "warm-up set first") {
				t.Errorf("first exercise = %+v, want a bilateral compound lift, 4-6 reps, warm-up set first", first)
			}
			for i, e := range s.Exercises[:3] {
				if e.Sets < 2 || e.Sets > 3 || e.Reps != "4-6" {
					t.Errorf("lift %d = %+v, want 2–3 sets of 4-6", i, e)
				}
			}
			if first.Load != "75% 1RM" {
				t.Errorf("first week of a build: load = %q, want 75%% 1RM", first.Load)
			}
		}},
		{"power: one or two heavy lifts at lower volume, plyometrics, explosive lifts", 6, 1, func(t *testing.T, s Session, ps []movePattern) {
			heavy, plyo, explosive := 0, 0, 0
			for i, p := range ps {
				if p&(patBilateral|patUnilateral) != 0 && p&(patPlyo|patExplosive|patCalf) == 0 {
					heavy++
					if s.Exercises[i].Sets > 2 {
						t.Errorf("heavy lift %+v: want at most 2 sets in the power phase", s.Exercises[i])
					}
				}
				if p&patPlyo != 0 {
					plyo++
				}
				if p&patExplosive != 0 {
					explosive++
				}
			}
			if heavy < 1 || heavy > 2 || plyo == 0 || explosive == 0 {
				t.Errorf("heavy=%d plyo=%d explosive=%d, want 1–2, ≥1, ≥1: %+v", heavy, plyo, explosive, s.Exercises)
			}
			if s.Exercises[0].Load != "85% 1RM" || s.Exercises[0].Reps != "3-5" {
				t.Errorf("heavy lift = %+v, want 3-5 at 85%% 1RM", s.Exercises[0])
			}
		}},
		{"power B: plyometrics and a med-ball throw", 6, 2, func(t *testing.T, s Session, ps []movePattern) {
			u := unionOf(ps)
			if u&patPlyo == 0 || u&patExplosive == 0 || u&patHinge == 0 {
				t.Errorf("patterns %b: want plyometrics, explosive work and the heavy hinge", u)
			}
		}},
		{"maintain: drills, low-volume jumps, one maintenance lift, short core; no run", 2, 1, func(t *testing.T, s Session, ps []movePattern) {
			drills, plyo, lifts, core := 0, 0, 0, 0
			for i, p := range ps {
				switch {
				case p&patRunning != 0:
					drills++
				case p&patPlyo != 0:
					plyo++
					if s.Exercises[i].Sets > 2 {
						t.Errorf("%+v: maintain wants low-volume jumps", s.Exercises[i])
					}
				case p&patBilateral != 0:
					lifts++
				case p&patCore != 0:
					core++
				}
			}
			if drills != 1 || plyo != 1 || lifts != 1 || core != 1 {
				t.Errorf("drills=%d plyo=%d lifts=%d core=%d, want 1 each: %+v", drills, plyo, lifts, core, s.Exercises)
			}
		}},
		{"race week: minimal volume", 0, 1, func(t *testing.T, s Session, ps []movePattern) {
			for _, e := range s.Exercises {
				if e.Sets > 4 {
					t.Errorf("%+v: race week wants minimal volume", e)
				}
			}
			if n := totalSets(s); n > 8 {
				t.Errorf("race week total sets = %d, want ≤ 8", n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := weeksOut(berlin, tc.wo)
			s := prescribeOne(t, rxSlot(d, tc.ord), []Race{berlin}, longAgo, DefaultSettings())
			tc.want(t, s, patternsOf(t, s))
		})
	}
}

// TestPrescribeBlocks: with no goal race, 4-week blocks anchored to a fixed
// epoch: 3 build weeks with rising load, then a deload at about 60% volume
// with the same or a slightly lower load (SPEC §5; [101]: "progressively
// overload ... don't go too hard too soon").
func TestPrescribeBlocks(t *testing.T) {
	first := rxDate(t, "2026-02-24") // Tuesday; 2026-02-23 is 1312 weeks after 2001-01-01, a block start
	wantPhase := []Phase{PhaseStrength, PhaseStrength, PhaseStrength, PhaseDeload}
	for _, level := range []Level{Beginner, Intermediate, Advanced} {
		t.Run(level.String(), func(t *testing.T) {
			s := DefaultSettings()
			s.Level = level
			start := first
			if level == Beginner {
				start = first.AddDays(-7 * 12) // past the body-weight and band weeks
			}
			var ps []Placement
			for w := range 8 {
				ps = append(ps, rxSlot(first.AddDays(7*w), 1))
			}
			ss := Prescribe(ps, nil, nil, startedOn(s, start), "")
			wantPct := []string{"75% 1RM", "80% 1RM", "85% 1RM", "80% 1RM"}
			if level == Beginner {
				wantPct = []string{"70% 1RM", "75% 1RM", "80% 1RM", "70% 1RM"}
			}
			for w, sess := range ss {
				if sess.Phase != wantPhase[w%4] {
					t.Errorf("week %d (%s): phase %q, want %q", w+1, sess.Date, sess.Phase, wantPhase[w%4])
				}
				if got := mainLoad(sess); got != wantPct[w%4] {
					t.Errorf("week %d: main lift load %q, want %q", w+1, got, wantPct[w%4])
				}
			}
			for w := 3; w < len(ss); w += 4 {
				build, deload := ss[w-1], ss[w]
				ratio := float64(totalSets(deload)) / float64(totalSets(build))
				if ratio < 0.5 || ratio > 0.67 {
					t.Errorf("deload %s: %d sets vs %d in the last build week (%.0f%%), want about 60%%",
						deload.Date, totalSets(deload), totalSets(build), ratio*100)
				}
				if len(deload.Exercises) != len(build.Exercises) {
					t.Errorf("deload keeps the session's shape: %d exercises vs %d", len(deload.Exercises), len(build.Exercises))
				}
				if !strings.HasSuffix(deload.Title, "· deload") || !strings.Contains(deload.Notes, "Deload week") {
					t.Errorf("deload title %q / notes %q should say so", deload.Title, deload.Notes)
				}
			}
		})
	}
}

// TestPrescribeBlockAnchor: the block week is counted from the fixed epoch
// Monday 2001-01-01, with floor arithmetic so weeks before it still fall into
// blocks of four (Go's % truncates towards zero). Weeks since the epoch are
// given per case, computed independently.
func TestPrescribeBlockAnchor(t *testing.T) {
	tests := []struct {
		date  string
		weeks int // ISO weeks since 2001-01-01
		phase Phase
		load  string
	}{
		{"2001-01-02", 0, PhaseStrength, "75% 1RM"},
		{"2001-01-07", 0, PhaseStrength, "75% 1RM"}, // Sunday of the epoch week
		{"2001-01-23", 3, PhaseDeload, "80% 1RM"},
		{"2000-12-26", -1, PhaseDeload, "80% 1RM"},
		{"2000-12-19", -2, PhaseStrength, "85% 1RM"},
		{"2000-12-12", -3, PhaseStrength, "80% 1RM"},
		{"2000-12-05", -4, PhaseStrength, "75% 1RM"},
		{"1999-12-28", -53, PhaseDeload, "80% 1RM"},
		{"2026-03-03", 1313, PhaseStrength, "80% 1RM"},
		{"2026-11-24", 1351, PhaseDeload, "80% 1RM"},
		{"2027-01-05", 1357, PhaseStrength, "80% 1RM"}, // across a year end
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			d := rxDate(t, tc.date)
			if got := d.Monday().Sub(rxEpochWeek()) / 7; got != tc.weeks {
				t.Fatalf("weeks since epoch = %d, want %d", got, tc.weeks)
			}
			s := prescribeOne(t, rxSlot(d, 1), nil, d, DefaultSettings())
			if s.Phase != tc.phase || mainLoad(s) != tc.load {
				t.Errorf("phase %q load %q, want %q %q", s.Phase, mainLoad(s), tc.phase, tc.load)
			}
		})
	}
}

// TestPrescribeVariants: two alternating sessions (SPEC §5), alternating
// stably by (weeks since epoch × per week + ordinal − 1) mod 2: with two a
// week it is A then B every week; with one or three they alternate
// straight through, across week boundaries.
func TestPrescribeVariants(t *testing.T) {
	monday := rxDate(t, "2026-02-23") // 1312 weeks after the epoch: even, so the first session is A
	tests := []struct {
		name    string
		perWeek int
		want    string // variants of consecutive sessions, ordinals 1..perWeek each week
	}{
		{"two a week: A then B every week", 2, "ABABABAB"},
		{"one a week: alternates weekly", 1, "ABAB"},
		{"three a week: alternates straight through", 3, "ABABABABABAB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.PerWeek = tc.perWeek
			var ps []Placement
			for w := 0; len(ps) < len(tc.want); w++ {
				for o := 1; o <= tc.perWeek; o++ {
					ps = append(ps, rxSlot(monday.AddDays(7*w+2*(o-1)), o))
				}
			}
			var got strings.Builder
			for _, sess := range Prescribe(ps, nil, nil, startedOn(s, monday), "") {
				got.WriteString(sess.Variant)
				if !strings.HasPrefix(sess.Title, "Strength "+sess.Variant+" · ") {
					t.Errorf("title %q does not name variant %s", sess.Title, sess.Variant)
				}
			}
			if got.String() != tc.want {
				t.Errorf("variants = %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// TestPrescribeCoverage: each session covers squat, hinge, push or pull,
// calf and core, with one bilateral and one unilateral lift; A and B
// together cover squat, hinge, push, pull and rotate ([better]: key movement
// patterns; [performance]: bilateral, unilateral and upper-body examples;
// [101]: "squats, dead lift variations, lunges and calf exercises ... don't
// forget your core").
func TestPrescribeCoverage(t *testing.T) {
	start := rxDate(t, "2026-01-05")
	cases := []struct {
		name  string
		level Level
		week  int // week of the plan, from 1
	}{
		{"beginner body weight", Beginner, 1},
		{"beginner bands", Beginner, 5},
		{"beginner weights", Beginner, 9},
		{"intermediate", Intermediate, 1},
		{"advanced", Advanced, 1},
	}
	for _, c := range cases {
		s := DefaultSettings()
		s.Level = c.level
		// Four consecutive weeks: three build weeks and a deload, whatever
		// the block week of the first.
		for w := range 4 {
			monday := start.AddDays(7 * (c.week - 1 + w))
			ss := Prescribe([]Placement{rxSlot(monday.AddDays(1), 1), rxSlot(monday.AddDays(3), 2)}, nil, nil, startedOn(s, start), "")
			var both movePattern
			for _, sess := range ss {
				t.Run(fmt.Sprintf("%s/%s/%s", c.name, sess.Date, sess.Variant), func(t *testing.T) {
					ps := patternsOf(t, sess)
					u := unionOf(ps)
					both |= u
					for _, need := range []struct {
						what string
						p    movePattern
					}{{"squat", patSquat}, {"hinge", patHinge}, {"push or pull", patPush | patPull}, {"calf", patCalf}, {"core", patCore}} {
						if u&need.p == 0 {
							t.Errorf("%s (%s) lacks %s: %+v", sess.Title, sess.Phase, need.what, sess.Exercises)
						}
					}
					bil, uni := 0, 0
					for _, p := range ps {
						if p&patBilateral != 0 && p&(patSquat|patHinge) != 0 {
							bil++
						}
						if p&patUnilateral != 0 && p&(patSquat|patHinge) != 0 {
							uni++
						}
					}
					if bil != 1 || uni != 1 {
						t.Errorf("bilateral=%d unilateral=%d leg lifts, want 1 and 1", bil, uni)
					}
					if ps[0]&patBilateral == 0 {
						t.Errorf("first exercise %q is not the bilateral compound lift", sess.Exercises[0].Name)
					}
					for _, e := range sess.Exercises {
						if e.Sets < 1 || e.Reps == "" || e.Load == "" || e.Name == "" {
							t.Errorf("incomplete exercise %+v", e)
						}
					}
				})
			}
			for _, need := range []movePattern{patSquat, patHinge, patPush, patPull, patRotate} {
				if both&need == 0 {
					t.Errorf("%s week %d: A and B together lack pattern %b", c.name, c.week+w, need)
				}
			}
		}
	}
}

// TestPrescribeBeginner: beginners start with body weight, then bands, then
// weights ([101]: "start with body weight exercises ... introduce more
// resistance with resistance bands before picking up weights"); other
// levels lift from the first week (SPEC §5).
func TestPrescribeBeginner(t *testing.T) {
	start := rxDate(t, "2026-03-04") // a Wednesday: weeks count from its ISO week
	tests := []struct {
		level Level
		week  int
		stage string // "bodyweight", "band" or "1RM": what every leg lift's load says
		name  string // the squat of session A
	}{
		{Beginner, 1, "bodyweight", "Body-weight squat"},
		{Beginner, 4, "bodyweight", "Body-weight squat"},
		{Beginner, 5, "band", "Banded squat"},
		{Beginner, 8, "band", "Banded squat"},
		{Beginner, 9, "1RM", "Back squat"},
		{Beginner, 20, "1RM", "Back squat"},
		{Intermediate, 1, "1RM", "Back squat"},
		{Advanced, 1, "1RM", "Back squat"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s week %d", tc.level, tc.week), func(t *testing.T) {
			s := DefaultSettings()
			s.Level = tc.level
			d := start.Monday().AddDays(7*(tc.week-1) + 1)
			sess := prescribeOne(t, rxSlot(d, 1), nil, start, s)
			if sess.Variant != "A" {
				d = d.AddDays(2)
				sess = prescribeOne(t, rxSlot(d, 2), nil, start, s)
			}
			if sess.Exercises[0].Name != tc.name {
				t.Errorf("first exercise %q, want %q", sess.Exercises[0].Name, tc.name)
			}
			for i, p := range patternsOf(t, sess) {
				if p&(patSquat|patHinge) != 0 && !strings.Contains(sess.Exercises[i].Load, tc.stage) &&
					!(tc.stage == "1RM" && strings.HasPrefix(sess.Exercises[i].Load, "RPE")) {
					t.Errorf("%+v: load should say %q", sess.Exercises[i], tc.stage)
				}
			}
			if tc.level == Beginner && tc.week <= 8 && !strings.Contains(sess.Notes, fmt.Sprintf("beginner week %d", tc.week)) {
				t.Errorf("notes %q should tell the beginner where they are", sess.Notes)
			}
		})
	}
	// Before the plan's start the body-weight stage still applies.
	s := DefaultSettings()
	s.Level = Beginner
	if sess := prescribeOne(t, rxSlot(start.AddDays(-20), 1), nil, start, s); mainLoad(sess) != "bodyweight" {
		t.Errorf("before start: main load %q, want bodyweight", mainLoad(sess))
	}
}

// TestPrescribeBeginnerStageOpensLight: whatever the block week, a new
// stage opens at its lightest load and climbs at most a step a week ([101]:
// "don't go too hard too soon"), while lighter weeks stay on the epoch grid.
func TestPrescribeBeginnerStageOpensLight(t *testing.T) {
	s := DefaultSettings()
	s.Level = Beginner
	for shift := range 4 {
		start := rxDate(t, "2026-02-23").AddDays(7 * shift) // each block week in turn
		for _, tc := range []struct {
			week int
			load string // first week of the stage
			reps string
		}{{1, "bodyweight", "10"}, {5, "light band", "8-12"}, {9, "70% 1RM", "4-6"}} {
			t.Run(fmt.Sprintf("start %s week %d", start, tc.week), func(t *testing.T) {
				var loads []string
				for w := range 4 {
					d := start.AddDays(7*(tc.week-1+w) + 1)
					sess := prescribeOne(t, rxSlot(d, 1), nil, start, s)
					loads = append(loads, mainLoad(sess)+" × "+sess.Exercises[0].Reps)
					if w == 0 && (mainLoad(sess) != tc.load || sess.Exercises[0].Reps != tc.reps) {
						t.Errorf("first week of the stage: %s × %s, want %s × %s",
							mainLoad(sess), sess.Exercises[0].Reps, tc.load, tc.reps)
					}
					if (sess.Phase == PhaseDeload) != (rxMod(d.Monday().Sub(rxEpochWeek())/7, 4) == 3) {
						t.Errorf("%s: phase %s is off the epoch's block grid", d, sess.Phase)
					}
				}
				t.Logf("loads over the stage's first 4 weeks: %v", loads)
			})
		}
	}
}

// TestPrescribeBeginnerReps: body-weight reps grow over a build (low load,
// high reps first, [101]) and every beginner session has 2 working sets.
func TestPrescribeBeginnerReps(t *testing.T) {
	first := rxDate(t, "2026-02-24") // block week 1
	s := DefaultSettings()
	s.Level = Beginner
	var reps []string
	for w := range 3 {
		sess := prescribeOne(t, rxSlot(first.AddDays(7*w), 1), nil, first, s)
		reps = append(reps, sess.Exercises[0].Reps)
		for _, e := range sess.Exercises {
			if e.Sets != 2 {
				t.Errorf("week %d %+v: beginners do 2 sets", w+1, e)
			}
		}
	}
	if want := []string{"10", "12", "15"}; !slices.Equal(reps, want) {
		t.Errorf("body-weight reps over a build = %v, want %v", reps, want)
	}
}

// TestPrescribeUltra: for a goal of 50 km or more, strength is built as
// usual, then its volume falls as running volume ramps up ([101]: "building
// a solid strength base initially and then decreasing strength training
// volume as your running volume ramps up").
func TestPrescribeUltra(t *testing.T) {
	ultra := Race{Date: berlin.Date, Summary: "Lakeland 100", DistanceKm: 160}
	for _, level := range []Level{Beginner, Intermediate, Advanced} {
		for _, wo := range []int{12, 9, 8, 6, 4, 3, 1, 0} {
			for _, ord := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%d weeks out/%d", level, wo, ord), func(t *testing.T) {
					s := DefaultSettings()
					s.Level = level
					d := weeksOut(berlin, wo).AddDays(2 * (ord - 1))
					start := d.AddDays(-7 * 12)
					m := prescribeOne(t, rxSlot(d, ord), []Race{berlin}, start, s)
					u := prescribeOne(t, rxSlot(d, ord), []Race{ultra}, start, s)
					if m.Phase != u.Phase {
						t.Fatalf("phase %q vs %q: the distance must not change the phase", m.Phase, u.Phase)
					}
					if m.Phase == PhaseStrength {
						if !reflect.DeepEqual(m.Exercises, u.Exercises) {
							t.Errorf("strength phase: ultra should build strength as usual\nmarathon %+v\nultra    %+v", m.Exercises, u.Exercises)
						}
						return
					}
					if len(u.Exercises) != len(m.Exercises)-1 {
						t.Errorf("%s: ultra has %d exercises, marathon %d; want one fewer", m.Phase, len(u.Exercises), len(m.Exercises))
					}
					if totalSets(u) >= totalSets(m) {
						t.Errorf("%s: ultra total sets %d, marathon %d; want fewer", m.Phase, totalSets(u), totalSets(m))
					}
					if !strings.Contains(u.Notes, "ultra") {
						t.Errorf("notes %q should explain the trim", u.Notes)
					}
				})
			}
		}
	}
}

// TestPrescribeUltraThreshold: ultra means a goal of 50 km or more (SPEC §5).
func TestPrescribeUltraThreshold(t *testing.T) {
	d := weeksOut(berlin, 6)
	for _, tc := range []struct {
		km    float64
		ultra bool
	}{{42.195, false}, {49.9, false}, {50, true}, {100, true}} {
		r := berlin
		r.DistanceKm = tc.km
		s := prescribeOne(t, rxSlot(d, 1), []Race{r}, longAgo, DefaultSettings())
		if got := strings.Contains(s.Notes, "ultra"); got != tc.ultra {
			t.Errorf("%g km: ultra = %v, want %v (notes %q)", tc.km, got, tc.ultra, s.Notes)
		}
	}
}

// TestPrescribeKg: with a 5RM or 1RM, loads are written in kg rounded to
// 2.5 kg (SPEC §5); a 5RM is turned into a 1RM with Epley's formula,
// 1RM = 5RM × (1 + 5/30). All cases are in a block's second build week
// (80% 1RM) with no goal race; [importance]: 80–100% of a 5RM.
func TestPrescribeKg(t *testing.T) {
	d := rxDate(t, "2026-03-03") // 1313 weeks after the epoch: build week 2
	tests := []struct {
		name    string
		fiveRM  map[string]float64
		oneRM   map[string]float64
		ord     int    // 1 = A (squat), 2 = B (hinge, push)
		index   int    // exercise to check
		wantEx  string // its name
		wantKgs string // its load
	}{
		{"no max: percent only", nil, nil, 1, 0, "Back squat", "80% 1RM"},
		{"5RM 100 → 1RM 116.7 → 93.3 → 92.5 kg", map[string]float64{"back squat": 100}, nil, 1, 0, "Back squat", "92.5 kg (80% 1RM)"},
		{"1RM 120 → 96 → 95 kg", nil, map[string]float64{"back squat": 120}, 1, 0, "Back squat", "95 kg (80% 1RM)"},
		{"1RM wins over 5RM", map[string]float64{"back squat": 100}, map[string]float64{"back squat": 120}, 1, 0, "Back squat", "95 kg (80% 1RM)"},
		{"names match case-insensitively", map[string]float64{"Back Squat": 100}, nil, 1, 0, "Back squat", "92.5 kg (80% 1RM)"},
		{"hyphens and spaces do not matter", map[string]float64{"Trap Bar  Deadlift": 140}, nil, 2, 0, "Trap-bar deadlift", "130 kg (80% 1RM)"},
		{"only a deadlift max: session B deadlifts", map[string]float64{"deadlift": 150}, nil, 2, 0, "Deadlift", "140 kg (80% 1RM)"},
		{"only a hip thrust max: session B hip thrusts", nil, map[string]float64{"hip thrust": 101}, 2, 0, "Hip thrust", "80 kg (80% 1RM)"},
		{"bench press 1RM 60 → 48 → 47.5 kg", nil, map[string]float64{"bench press": 60}, 2, 2, "Bench press", "47.5 kg (80% 1RM)"},
		{"only an overhead press max: B presses overhead", map[string]float64{"overhead press": 40}, nil, 2, 2, "Overhead press", "37.5 kg (80% 1RM)"},
		{"a max for an unrelated lift changes nothing", map[string]float64{"leg press": 200}, nil, 1, 0, "Back squat", "80% 1RM"},
		{"an absurd max is ignored", map[string]float64{"back squat": 1e308}, map[string]float64{"back squat": math.NaN()}, 1, 0, "Back squat", "80% 1RM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.FiveRM, s.OneRM = tc.fiveRM, tc.oneRM
			sess := prescribeOne(t, rxSlot(d.AddDays(2*(tc.ord-1)), tc.ord), nil, d, s)
			e := sess.Exercises[tc.index]
			if e.Name != tc.wantEx || e.Load != tc.wantKgs {
				t.Errorf("exercise %d = %q %q, want %q %q", tc.index, e.Name, e.Load, tc.wantEx, tc.wantKgs)
			}
		})
	}
}

// TestPrescribeKgPhases: kg loads follow the phase's percentage.
func TestPrescribeKgPhases(t *testing.T) {
	s := DefaultSettings()
	s.OneRM = map[string]float64{"back squat": 100}
	tests := []struct {
		wo   int
		want string
	}{
		{11, "75 kg (75% 1RM)"}, // strength, build week 1
		{10, "80 kg (80% 1RM)"},
		{9, "85 kg (85% 1RM)"},
		{6, "85 kg (85% 1RM)"}, // power: heavy, low volume
		{2, "80 kg (80% 1RM)"}, // maintenance lift
		{0, "70 kg (70% 1RM)"}, // race week: light
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.wo), func(t *testing.T) {
			d := weeksOut(berlin, tc.wo)
			sess := prescribeOne(t, rxSlot(d, 1), []Race{berlin}, longAgo, s)
			found := false
			for _, e := range sess.Exercises {
				if e.Name == "Back squat" {
					found = true
					if e.Load != tc.want {
						t.Errorf("back squat load %q, want %q", e.Load, tc.want)
					}
				}
			}
			if !found {
				t.Errorf("no back squat in %+v", sess.Exercises)
			}
		})
	}
}

func TestRoundKg(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 0}, {1.2, 0}, {1.25, 2.5}, {71.24, 70}, {71.25, 72.5}, {73.74, 72.5}, {73.75, 75}, {93.333, 92.5}, {100, 100},
	}
	for _, tc := range tests {
		if got := roundKg(tc.in); got != tc.want {
			t.Errorf("roundKg(%g) = %g, want %g", tc.in, got, tc.want)
		}
	}
	if got := epley1RM(100); math.Abs(got-116.6667) > 0.001 {
		t.Errorf("epley1RM(100) = %g, want 116.667", got)
	}
}

// rxPlan is a varied 30-week plan: two sessions a week up to a marathon,
// then beyond it with no goal race.
func rxPlan() []Placement {
	first := berlin.Date.Monday().AddDays(-7 * 20)
	var ps []Placement
	for w := range 30 {
		m := first.AddDays(7 * w)
		ps = append(ps, rxSlot(m.AddDays(1), 1), rxSlot(m.AddDays(3), 2))
	}
	return ps
}

// TestPrescribeDeterministic: same input, same output; the order of races
// does not matter and the inputs are not modified.
func TestPrescribeDeterministic(t *testing.T) {
	races := []Race{berlin, {Date: berlin.Date.AddDays(-60), Summary: "Tune-up half", DistanceKm: 21.1}, {Date: berlin.Date.AddDays(-30), Summary: "parkrun", DistanceKm: 5}}
	s := DefaultSettings()
	s.FiveRM = map[string]float64{"Back squat": 100, "back squat": 90, "BACK SQUAT": 80, "deadlift": 120}
	ps := rxPlan()
	keepPs, keepRaces := slices.Clone(ps), slices.Clone(races)
	a := Prescribe(ps, races, nil, s, "ns")
	for range 20 {
		b := Prescribe(ps, races, nil, s, "ns")
		if !reflect.DeepEqual(a, b) {
			t.Fatal("two runs on the same input differ")
		}
	}
	rev := slices.Clone(races)
	slices.Reverse(rev)
	if b := Prescribe(ps, rev, nil, s, "ns"); !reflect.DeepEqual(a, b) {
		t.Error("the order of races changed the sessions")
	}
	if !reflect.DeepEqual(ps, keepPs) || !reflect.DeepEqual(races, keepRaces) {
		t.Error("Prescribe modified its arguments")
	}
	// "BACK SQUAT" sorts first among the spellings: its 5RM of 80 is used.
	for _, sess := range a {
		for _, e := range sess.Exercises {
			if e.Name == "Back squat" && strings.Contains(e.Load, "kg") {
				want := fmt.Sprintf("%s kg", formatKg(roundKg(epley1RM(80)*pctOf(t, e.Load)/100)))
				if !strings.HasPrefix(e.Load, want) {
					t.Fatalf("%s: load %q, want %s… from the 5RM spelled BACK SQUAT", sess.Date, e.Load, want)
				}
			}
		}
	}
}

// pctOf reads the percentage of "72.5 kg (80% 1RM)".
func pctOf(t testing.TB, load string) float64 {
	t.Helper()
	var kg, pct float64
	if _, err := fmt.Sscanf(load, "%g kg (%g%% 1RM)", &kg, &pct); err != nil {
		t.Fatalf("load %q: %v", load, err)
	}
	return pct
}

// TestPrescribeWindowMoves: a plan made again a week or more later, from
// the same Settings.Started, keeps the content and letter of every session
// it still holds (SPEC §5: blocks anchored to a fixed epoch; the A/B
// sequence anchored so that re-planning does not reshuffle it). The runner
// who syncs daily must not see sessions change.
func TestPrescribeWindowMoves(t *testing.T) {
	ps := rxPlan() // two a week
	one := make([]Placement, 0, len(ps)/2)
	for _, p := range ps {
		if p.Ordinal == 1 {
			one = append(one, p)
		}
	}
	for _, level := range []Level{Intermediate, Advanced, Beginner} {
		for _, tc := range []struct {
			name    string
			perWeek int
			ps      []Placement
		}{{"two a week", 2, ps}, {"one a week", 1, one}} {
			t.Run(fmt.Sprintf("%s/%s", level, tc.name), func(t *testing.T) {
				s := startedOn(DefaultSettings(), tc.ps[0].Date.AddDays(-7*2))
				s.Level, s.PerWeek = level, tc.perWeek
				for _, races := range [][]Race{{berlin}, nil} {
					full := Prescribe(tc.ps, races, nil, s, "")
					for weeks := 1; weeks <= 5; weeks++ {
						drop := weeks * tc.perWeek
						later := Prescribe(tc.ps[drop:], races, nil, s, "")
						for i, sess := range later {
							if !reflect.DeepEqual(sess, full[drop+i]) {
								t.Fatalf("window %d week(s) later, %s changed:\n%+v\nwas\n%+v", weeks, sess.Date, sess, full[drop+i])
							}
						}
					}
				}
			})
		}
	}
}

// TestPrescribeIdentity: the placement is kept as is (only a maintain
// session ends early, see TestPrescribeMaintainNoRun) and the UID comes from
// the slot (types.go SessionUID).
func TestPrescribeIdentity(t *testing.T) {
	ps := rxPlan()[:4]
	ps[1].Hand, ps[1].Warning = true, "H4: the day after another session"
	for _, ns := range []string{"", "plan-7"} {
		for i, sess := range Prescribe(ps, nil, nil, DefaultSettings(), ns) {
			if !reflect.DeepEqual(sess.Placement, ps[i]) {
				t.Errorf("placement changed: %+v, want %+v", sess.Placement, ps[i])
			}
			if want := SessionUID(ns, ps[i].Week, ps[i].Ordinal); sess.UID != want {
				t.Errorf("UID %q, want %q", sess.UID, want)
			}
		}
	}
	if got := Prescribe(nil, nil, nil, DefaultSettings(), ""); len(got) != 0 {
		t.Errorf("no placements gave %d sessions", len(got))
	}
}

// TestRaceNameKm: a race whose calendar entry gives no distance is measured
// by its name (SPEC §5: the goal is a half marathon or longer).
func TestRaceNameKm(t *testing.T) {
	tests := []struct {
		name string
		want float64
	}{
		{"Berlin Marathon", 42.195},
		{"London Half Marathon", 21.0975},
		{"Great North half-marathon", 21.0975},
		{"Semi-Marathon de Paris", 21.0975},
		{"Berliner Halbmarathon", 21.0975},
		{"1/2 Marathon", 21.0975},
		{"Maratón de Valencia", 42.195},
		{"UTMB ultra trail", 50},
		{"Ultramarathon", 50},
		{"10K race", 10},
		{"Parkrun 5k", 5},
		{"Comrades 90 km", 90},
		{"Western States 100-mile", 160.9344},
		{"Tokyo 42,2 km", 42.2},
		{"13.1 mi race", 21.0820},
		{"2026 Marathon", 42.195}, // a year is not a distance
		{"Marathon 2026 – 42km", 42},
		{"400m repeats", 0},
		{"A race", 0},
		{"", 0},
	}
	for _, tc := range tests {
		if got := raceNameKm(tc.name); math.Abs(got-tc.want) > 0.001 {
			t.Errorf("raceNameKm(%q) = %g, want %g", tc.name, got, tc.want)
		}
	}
	if got := raceKm(Race{Summary: "Berlin Marathon", DistanceKm: 10}); got != 10 {
		t.Errorf("the calendar's distance wins over the name: got %g", got)
	}
}

func FuzzRaceNameKm(f *testing.F) {
	for _, s := range []string{"Berlin Marathon", "10K", "13.1 mi", "100-mile", "42,2 km", "1e400 km", "9.9.9 k", "5 kk", "\xff1k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		km := raceNameKm(name)
		if km < 0 || math.IsNaN(km) || math.IsInf(km, 0) || km > 5000 {
			t.Fatalf("raceNameKm(%q) = %g", name, km)
		}
	})
}

// FuzzPrescribe checks invariants over arbitrary dates, slots, levels and
// races: one complete session per placement, never a panic.
func FuzzPrescribe(f *testing.F) {
	f.Add(int16(9000), uint8(1), uint8(2), uint8(1), int16(60), 42.195, 100.0)
	f.Add(int16(-4000), uint8(3), uint8(3), uint8(0), int16(0), 160.0, 0.0)
	f.Add(int16(0), uint8(0), uint8(0), uint8(2), int16(-5), 5.0, 1e9)
	f.Fuzz(func(t *testing.T, day int16, ordinal, perWeek, level uint8, raceIn int16, km, fiveRM float64) {
		d := rxEpochWeek().AddDays(int(day))
		s := DefaultSettings()
		s.PerWeek = int(perWeek % 8)
		s.Level = Level(level % 3)
		s.FiveRM = map[string]float64{"back squat": fiveRM, "Deadlift": fiveRM / 2}
		race := Race{Date: d.AddDays(int(raceIn)), Summary: "race", DistanceKm: km, Priority: string("ABC"[ordinal%3])}
		race.RecoveryTo = race.Date.AddDays(int(perWeek) % 22)
		p := rxSlot(d, int(ordinal%5))
		sess := prescribeOne(t, p, []Race{race}, d.AddDays(-int(raceIn)), s)
		if sess.Variant != "A" && sess.Variant != "B" {
			t.Fatalf("variant %q", sess.Variant)
		}
		switch sess.Phase {
		case PhaseStrength, PhasePower, PhaseSpecific, PhaseDeload:
		default:
			t.Fatalf("phase %q", sess.Phase)
		}
		if !strings.HasPrefix(sess.Title, "Strength "+sess.Variant+" · ") || strings.Count(sess.Notes, "\n") != 1 {
			t.Fatalf("title %q notes %q", sess.Title, sess.Notes)
		}
		if len(sess.Exercises) < 3 {
			t.Fatalf("only %d exercises", len(sess.Exercises))
		}
		for _, e := range sess.Exercises {
			if e.Name == "" || e.Reps == "" || e.Load == "" || e.Sets < 1 || e.Sets > 6 {
				t.Fatalf("bad exercise %+v", e)
			}
			if strings.Contains(e.Load, "NaN") || strings.Contains(e.Load, "Inf") || strings.Contains(e.Load, "-") && strings.Contains(e.Load, "kg (") {
				t.Fatalf("bad load %q", e.Load)
			}
		}
	})
}

// goldenSession is the JSON shape of a session in the golden files: what a
// runner reads, without the placement's instants.
type goldenSession struct {
	UID       string     `json:"uid"`
	Date      string     `json:"date"`
	Title     string     `json:"title"`
	Phase     Phase      `json:"phase"`
	Variant   string     `json:"variant"`
	Notes     string     `json:"notes"`
	Exercises []Exercise `json:"exercises"`
}

// TestPrescribeGolden pins whole plans so that any change of content shows
// up in review. Run with -update to rewrite testdata/prescribe/*.json.
func TestPrescribeGolden(t *testing.T) {
	ps := rxPlan()
	tests := []struct {
		name   string
		races  []Race
		level  Level
		fiveRM map[string]float64
	}{
		{"marathon_intermediate", []Race{berlin}, Intermediate, map[string]float64{"back squat": 100, "trap-bar deadlift": 130, "bench press": 50}},
		{"ultra_advanced", []Race{{Date: berlin.Date, Summary: "Lakeland 100", DistanceKm: 160}}, Advanced, nil},
		{"no_race_beginner", nil, Beginner, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.Level, s.FiveRM = tc.level, tc.fiveRM
			var out []goldenSession
			for _, sess := range Prescribe(ps, tc.races, nil, s, "golden") {
				out = append(out, goldenSession{sess.UID, sess.Date.String(), sess.Title, sess.Phase, sess.Variant, sess.Notes, sess.Exercises})
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "prescribe", tc.name+".json")
			if updateGolden() {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run with -update and review the diff", path)
			}
		})
	}
}

func BenchmarkPrescribe(b *testing.B) {
	ps := rxPlan()
	s := DefaultSettings()
	s.FiveRM = map[string]float64{"back squat": 100}
	races := []Race{berlin}
	for b.Loop() {
		Prescribe(ps, races, nil, s, "bench")
	}
}

// A tune-up half marathon on the way to a marathon is not the goal: the
// phases count back to the marathon (SPEC §5, "the goal race").
func TestGoalRaceSkipsTuneUps(t *testing.T) {
	marathon := Date{2027, time.April, 25}
	races := []Race{
		{Date: Date{2027, time.February, 14}, Summary: "Half Marathon race (tune-up)"},
		{Date: Date{2027, time.March, 7}, Summary: "B race: Bath Half"},
		{Date: marathon, Summary: "London Marathon"},
	}
	g, ok := newGoalRaces(races).next(Date{2027, time.January, 25})
	if !ok || g.Date != marathon {
		t.Fatalf("goal race = %+v, want the London Marathon", g)
	}
	for _, s := range []string{"Half Marathon race (tune-up)", "B race: Bath Half", "Hilly 10 (C race)"} {
		if p := racePriority(Race{Summary: s}); p == "A" {
			t.Errorf("racePriority(%q) = A, want a tune-up's B or C", s)
		}
	}
	for _, s := range []string{"London Marathon", "Boston Marathon 🦄", "Berlin Half Marathon"} {
		if p := racePriority(Race{Summary: s}); p != "A" {
			t.Errorf("racePriority(%q) = %s, want A", s, p)
		}
	}
}

// letters is the A/B sequence of sessions, "ABAB…".
func letters(ss []Session) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.Variant)
	}
	return b.String()
}

// weeksOfSlots places counts[w] sessions in week w from monday: Tuesday,
// Thursday, Saturday.
func weeksOfSlots(monday Date, counts ...int) []Placement {
	var ps []Placement
	for w, n := range counts {
		for o := 1; o <= n; o++ {
			ps = append(ps, rxSlot(monday.AddDays(7*w+2*o-1), o))
		}
	}
	return ps
}

// TestPrescribeLetters: sessions A and B alternate in sequence across weeks,
// whatever each week holds, so a week with room for one session still
// covers every pattern over two weeks (SPEC §5; the coaching issue: "a week
// with one session always gets Strength A").
func TestPrescribeLetters(t *testing.T) {
	monday := rxDate(t, "2026-02-23") // 1312 weeks after the epoch
	tests := []struct {
		name    string
		perWeek int
		started Date
		counts  []int // sessions in each week
		want    string
	}{
		{"one a week", 1, Date{}, []int{1, 1, 1, 1}, "ABAB"},
		{"one a week, odd weeks after the epoch", 1, Date{}, []int{0, 1, 1, 1, 1}, "BABA"},
		{"one a week, from Started", 1, monday.AddDays(7), []int{0, 1, 1, 1, 1}, "ABAB"},
		{"two a week", 2, Date{}, []int{2, 2, 2}, "ABABAB"},
		{"two a week with short weeks", 2, Date{}, []int{2, 1, 2, 1, 1, 0, 2}, "ABABABABA"},
		{"two a week, a short first week", 2, Date{}, []int{1, 1, 2}, "ABAB"},
		{"three a week", 3, Date{}, []int{3, 2, 3}, "ABABABAB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.PerWeek, s.Started = tc.perWeek, tc.started
			ss := Prescribe(weeksOfSlots(monday, tc.counts...), nil, nil, s, "")
			if got := letters(ss); got != tc.want {
				t.Errorf("letters = %s, want %s", got, tc.want)
			}
			for _, sess := range ss {
				if !strings.HasPrefix(sess.Title, "Strength "+sess.Variant+" · ") {
					t.Errorf("title %q does not name variant %s", sess.Title, sess.Variant)
				}
			}
		})
	}
}

// TestPrescribeLettersHand: a session the runner moved by hand keeps the
// letter of its slot, so the event they moved and the plan agree.
func TestPrescribeLettersHand(t *testing.T) {
	monday := rxDate(t, "2026-02-23")
	ps := weeksOfSlots(monday, 2, 2)
	before := Prescribe(ps, nil, nil, DefaultSettings(), "")
	// The runner moves week 1's session B from Thursday to Monday.
	moved := slices.Clone(ps)
	moved[1].Date, moved[1].Hand = monday, true
	moved[1].Start, moved[1].End = monday.At(7*60, time.UTC), monday.At(7*60+45, time.UTC)
	moved[0], moved[1] = moved[1], moved[0] // placements come in date order
	after := Prescribe(moved, nil, nil, DefaultSettings(), "")
	if after[0].Variant != before[1].Variant || after[1].Variant != before[0].Variant {
		t.Errorf("hand session %s, other %s; want %s and %s as before the move",
			after[0].Variant, after[1].Variant, before[1].Variant, before[0].Variant)
	}
	if got, want := letters(after[2:]), letters(before[2:]); got != want {
		t.Errorf("week 2 = %s, want %s", got, want)
	}
}

// TestPrescribeLettersWindowMoves: the runner re-plans a week later; every
// session still in the window keeps its letter when the weeks that left it
// held their target, short weeks inside the window included.
func TestPrescribeLettersWindowMoves(t *testing.T) {
	monday := rxDate(t, "2026-02-23")
	tests := []struct {
		name    string
		perWeek int
		counts  []int
	}{
		{"one a week", 1, []int{1, 1, 1, 1, 1, 1}},
		{"one a week, an empty week later on", 1, []int{1, 1, 0, 1, 1, 1}},
		{"two a week, a short week later on", 2, []int{2, 2, 1, 2, 2, 1}},
		{"two a week, short weeks after a full one", 2, []int{2, 1, 1, 2, 1}},
		{"three a week, a week of one", 3, []int{3, 1, 3, 2}},
	}
	for _, tc := range tests {
		for _, started := range []Date{{}, monday.AddDays(-7 * 5)} {
			t.Run(fmt.Sprintf("%s/started %s", tc.name, started), func(t *testing.T) {
				s := DefaultSettings()
				s.PerWeek, s.Started = tc.perWeek, started
				ps := weeksOfSlots(monday, tc.counts...)
				all := Prescribe(ps, nil, nil, s, "")
				later := Prescribe(ps[tc.counts[0]:], nil, nil, s, "")
				if got, want := letters(later), letters(all[tc.counts[0]:]); got != want {
					t.Errorf("a week later: %s, want %s (whole plan %s)", got, want, letters(all))
				}
			})
		}
	}
}

// halfOn is an A half marathon on d whose 5-day recovery is set.
func halfOn(d Date) Race {
	return Race{Date: d, Summary: "City Half Marathon", DistanceKm: 21.1, Priority: "A", TaperFrom: d.AddDays(-7), RecoveryTo: d.AddDays(5)}
}

// TestPrescribeBaseBeforePower: the runner's first 3 weeks of sessions are
// strength phase whatever the race calendar says; power only after them
// (SPEC §5; the coaching issue: a plan starting 6 weeks before its half
// marathon opened with power and bounding).
func TestPrescribeBaseBeforePower(t *testing.T) {
	race := rxDate(t, "2026-05-03") // a Sunday
	tests := []struct {
		name    string
		weeks   int // weeks of sessions before the race week
		started Date
		want    []Phase // phase of each week's sessions
	}{
		{"6 weeks before a half, first session starts the count", 6, Date{},
			[]Phase{PhaseStrength, PhaseStrength, PhaseStrength, PhaseSpecific, PhaseSpecific, PhaseSpecific}},
		{"7 weeks before: base, then power, then maintain", 7, Date{},
			[]Phase{PhaseStrength, PhaseStrength, PhaseStrength, PhasePower, PhaseSpecific, PhaseSpecific, PhaseSpecific}},
		{"8 weeks before", 8, Date{},
			[]Phase{PhaseStrength, PhaseStrength, PhaseStrength, PhasePower, PhasePower, PhaseSpecific, PhaseSpecific, PhaseSpecific}},
		{"started two weeks before the plan: one base week left", 7, race.Monday().AddDays(-7*9 + 3),
			[]Phase{PhaseStrength, PhasePower, PhasePower, PhasePower, PhaseSpecific, PhaseSpecific, PhaseSpecific}},
		{"started long ago: the race calendar alone", 6, longAgo,
			[]Phase{PhasePower, PhasePower, PhasePower, PhaseSpecific, PhaseSpecific, PhaseSpecific}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.Started = tc.started
			first := race.Monday().AddDays(-7 * tc.weeks)
			counts := make([]int, tc.weeks)
			for i := range counts {
				counts[i] = 2
			}
			ss := Prescribe(weeksOfSlots(first, counts...), []Race{halfOn(race)}, nil, s, "")
			for _, sess := range ss {
				w := sess.Date.Monday().Sub(first) / 7
				if sess.Phase != tc.want[w] {
					t.Errorf("week %d (%s, %s): phase %s, want %s", w+1, sess.Date, sess.Variant, sess.Phase, tc.want[w])
				}
				if tc.want[w] == PhaseStrength && tc.started != longAgo {
					for _, e := range sess.Exercises {
						if e.Name == "Bounding" || e.Name == "Box jumps" || e.Name == "Pogo jumps" {
							t.Errorf("week %d: %s in a base week", w+1, e.Name)
						}
					}
				}
			}
			if tc.started.IsZero() && !strings.HasPrefix(ss[0].Notes, "Base week 1 of 3") {
				t.Errorf("first session's notes %q should say it is base week 1", ss[0].Notes)
			}
		})
	}
}

// TestPrescribeBeginnerJumps: beginners get no jumps beyond low pogo hops
// before their 7th week (SPEC §5), whatever the phase.
func TestPrescribeBeginnerJumps(t *testing.T) {
	race := rxDate(t, "2026-07-05")
	first := race.Monday().AddDays(-7 * 12) // weeks 1–3 base, then strength, power from week 5
	counts := make([]int, 12)
	for i := range counts {
		counts[i] = 2
	}
	s := DefaultSettings()
	s.Level = Beginner
	ss := Prescribe(weeksOfSlots(first, counts...), []Race{halfOn(race)}, nil, s, "")
	sawPower, sawBigJumps := false, false
	for _, sess := range ss {
		week := sess.Date.Monday().Sub(first)/7 + 1
		sawPower = sawPower || sess.Phase == PhasePower
		for i, p := range patternsOf(t, sess) {
			e := sess.Exercises[i]
			jump := p&patPlyo != 0 || e.Name == "Broad jump"
			if !jump {
				continue
			}
			if week >= 7 && e.Name != "Pogo jumps" {
				sawBigJumps = true
			}
			if week < 7 && (e.Name != "Pogo jumps" || !strings.Contains(e.Notes, "low hops")) {
				t.Errorf("week %d %s (%s): %+v; want low pogo hops at most", week, sess.Variant, sess.Phase, e)
			}
		}
	}
	if !sawPower || !sawBigJumps {
		t.Errorf("power phase seen %v, bigger jumps from week 7 seen %v; want both", sawPower, sawBigJumps)
	}
}

// TestPrescribeMaintainNoRun: a running-specific session is a short gym
// session; hill sprints and strides go into the week's next easy run, named
// by its date, and a session never books a second run (SPEC §5; the
// coaching issue: "hill sprints at 18:00 after morning intervals").
func TestPrescribeMaintainNoRun(t *testing.T) {
	race := rxDate(t, "2026-05-03")
	tue := race.Monday().AddDays(-7*2 + 1)
	ps := []Placement{rxSlot(tue, 1), rxSlot(tue.AddDays(2), 2)}
	days := []Day{
		{Date: tue, Kind: KindHard}, {Date: tue.AddDays(1), Kind: KindEasy}, {Date: tue.AddDays(2), Kind: KindHard},
		{Date: tue.AddDays(3), Kind: KindRest}, {Date: tue.AddDays(4), Kind: KindEasy}, {Date: tue.AddDays(5), Kind: KindLong},
		{Date: tue.AddDays(6), Kind: KindEasy}, // Monday of the next week
	}
	tests := []struct {
		name string
		days []Day
		want [2]string // where each session sends the runner
	}{
		{"easy runs in the week", days, [2]string{"your easy run on " + tue.AddDays(1).Short(), "your easy run on " + tue.AddDays(4).Short()}},
		{"no days known", nil, [2]string{"your next easy run", "your next easy run"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ss := Prescribe(ps, []Race{halfOn(race)}, tc.days, startedOn(DefaultSettings(), longAgo), "")
			for i, sess := range ss {
				if sess.Phase != PhaseSpecific {
					t.Fatalf("%s: phase %s, want maintain", sess.Date, sess.Phase)
				}
				for j, p := range patternsOf(t, sess) {
					if n := sess.Exercises[j].Name; p&patRunning != 0 && !strings.HasPrefix(n, "Running drills") {
						t.Errorf("%s: %q is a run inside a strength session", sess.Date, n)
					}
				}
				suggest := "hill sprints"
				if sess.Variant == "B" {
					suggest = "strides"
				}
				if !strings.Contains(sess.Notes, suggest) || !strings.Contains(sess.Notes, "near the end of "+tc.want[i]+".") {
					t.Errorf("%s %s notes %q: want %s in %q", sess.Date, sess.Variant, sess.Notes, suggest, tc.want[i])
				}
				if d := sess.End.Sub(sess.Start); d != 30*time.Minute {
					t.Errorf("%s: %s long, want a short session of 30 min", sess.Date, d)
				}
			}
		})
	}
}

// TestPrescribeReturnWeek: the 7 days after a recovery of 5 days or more
// are a return week: deload volume, no plyometrics (SPEC §4). Recovery by
// distance: a half 5 days, a marathon 14, a 10K 2.
func TestPrescribeReturnWeek(t *testing.T) {
	race := rxDate(t, "2026-05-03")
	type rc struct {
		name     string
		km       float64
		recovery int
	}
	for _, r := range []rc{{"Half marathon", 21.1, 5}, {"Marathon", 42.2, 14}, {"10K race", 10, 2}} {
		for _, after := range []int{1, 4, 7, 8} { // days after the recovery's last day
			t.Run(fmt.Sprintf("%s/+%d", r.name, after), func(t *testing.T) {
				rec := Race{Date: race, Summary: r.name, DistanceKm: r.km, Priority: "B", RecoveryTo: race.AddDays(r.recovery)}
				// A later goal race puts the session in the power phase, with jumps.
				goal := Race{Date: race.AddDays(7 * 8), Summary: "Autumn Marathon", DistanceKm: 42.2, Priority: "A"}
				d := rec.RecoveryTo.AddDays(after)
				s := startedOn(DefaultSettings(), longAgo)
				plain := Prescribe([]Placement{rxSlot(d, 1)}, []Race{goal}, nil, s, "")[0]
				got := Prescribe([]Placement{rxSlot(d, 1)}, []Race{rec, goal}, nil, s, "")[0]
				want := r.recovery >= 5 && after <= 7
				if got.Return != want {
					t.Fatalf("Return = %v, want %v", got.Return, want)
				}
				if !want {
					if !reflect.DeepEqual(got, plain) {
						t.Errorf("outside a return week the session must not change:\n%+v\n%+v", got, plain)
					}
					return
				}
				if plain.Phase != PhasePower {
					t.Fatalf("test setup: phase %s, want power", plain.Phase)
				}
				for i, p := range patternsOf(t, got) {
					if p&patPlyo != 0 {
						t.Errorf("return week holds plyometrics: %+v", got.Exercises[i])
					}
				}
				if ratio := float64(totalSets(got)) / float64(totalSets(plain)); ratio > 0.67 {
					t.Errorf("return week: %d sets vs %d usually, want about 60%% or less", totalSets(got), totalSets(plain))
				}
				if !strings.Contains(got.Notes, "Return week after "+r.name) || !strings.Contains(got.Title, "return week") {
					t.Errorf("title %q notes %q should say it is a return week", got.Title, got.Notes)
				}
			})
		}
	}
}

// TestGoalRacePriority: the goal race is the next A race of half-marathon
// length or more, else the next A race of unknown distance; B and C races
// never set the phase (SPEC §5).
func TestGoalRacePriority(t *testing.T) {
	d := rxDate(t, "2026-03-02")
	half := Race{Date: d.AddDays(30), Summary: "Spring Half", DistanceKm: 21.1, Priority: "A"}
	bHalf := Race{Date: d.AddDays(20), Summary: "Spring Half", DistanceKm: 21.1, Priority: "B"}
	aTenK := Race{Date: d.AddDays(10), Summary: "Club 10K", DistanceKm: 10, Priority: "A"}
	unknown := Race{Date: d.AddDays(15), Summary: "Race day!", Priority: "A"}
	cUnknown := Race{Date: d.AddDays(5), Summary: "Race", Priority: "C"}
	marathon := Race{Date: d.AddDays(60), Summary: "Marathon", DistanceKm: 42.2, Priority: "A"}
	tests := []struct {
		name  string
		races []Race
		want  string // summary of the goal, "" for none
	}{
		{"an A half", []Race{half}, "Spring Half"},
		{"a B half is not a goal", []Race{bHalf}, ""},
		{"an A 10K is not a goal", []Race{aTenK}, ""},
		{"an A race of known goal length wins over an earlier unknown one", []Race{unknown, marathon}, "Marathon"},
		{"an A race of unknown distance when no other", []Race{aTenK, unknown, cUnknown}, "Race day!"},
		{"a C race of unknown distance is not", []Race{cUnknown}, ""},
		{"no priority: A unless a tune-up", []Race{{Date: d.AddDays(9), Summary: "Half marathon (tune-up)", DistanceKm: 21.1}, {Date: d.AddDays(40), Summary: "Half marathon", DistanceKm: 21.1}}, "Half marathon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, ok := newGoalRaces(tc.races).next(d)
			if got := map[bool]string{true: g.Summary}[ok]; got != tc.want {
				t.Errorf("goal = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPrescribeLettersDailyMoves: the runner re-plans every day, so
// sessions pass one by one into the past, short weeks included. The
// destination reports the last session it wrote before the window (a hand
// placement with its letter), and the sequence continues from it: no letter
// ever changes, whatever the weeks that left the window held.
func TestPrescribeLettersDailyMoves(t *testing.T) {
	monday := rxDate(t, "2026-02-23")
	tests := []struct {
		name    string
		perWeek int
		started Date
		counts  []int
	}{
		{"two a week, full", 2, Date{}, []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
		{"two a week, short weeks in the first block", 2, Date{}, []int{2, 1, 1, 2, 2, 2, 1, 1, 2, 2}},
		{"one a week with empty weeks", 1, Date{}, []int{1, 0, 1, 1, 1, 0, 0, 1, 1, 1}},
		{"from Started, mid-block", 2, monday.AddDays(-7 * 2), []int{2, 1, 2, 2, 1, 2, 1, 2, 1}},
		{"an odd week late on", 2, Date{}, []int{2, 2, 2, 2, 2, 1, 2, 2, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			s.PerWeek, s.Started = tc.perWeek, tc.started
			ps := weeksOfSlots(monday, tc.counts...)
			full := letters(Prescribe(ps, nil, nil, s, ""))
			for k := 1; k < len(ps); k++ {
				written := ps[k-1]
				written.Hand, written.Variant = true, full[k-1:k]
				got := letters(Prescribe(append([]Placement{written}, ps[k:]...), nil, nil, s, ""))
				if got != full[k-1:] {
					t.Errorf("after %d sessions passed: %s, want %s", k, got, full[k-1:])
				}
			}
		})
	}
}
