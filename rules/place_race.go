package rules

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Race priorities and the days of rest around races (SPEC §4 "Races").
const (
	raceLookaheadDays = 12 * 7 // a race with no race as long in this many days after it is an A race
	raceMarathonMinKm = 42.0   // marathon length or more (26.2 mi is 42.16 km)
	raceHalfMinKm     = 21.0   // half-marathon length or more (13.1 mi is 21.08 km)
	raceTaperB        = 3      // days of taper before a B race
	raceTaperC        = 1      // before a C race: the day before, as H2 already says
)

// raceRecoveryRows is recovery by distance: up to km, days (SPEC §4).
// Each limit leaves room for a distance written in miles or rounded.
var raceRecoveryRows = []struct {
	upToKm float64
	days   int
	what   string
}{
	{10.1, 2, "a race of up to 10 km"},
	{21.2, 5, "a race of up to a half marathon"},
	{42.3, 14, "a race of up to a marathon"},
	{math.Inf(1), 21, "a race longer than a marathon"},
}

// raceUnknownRecovery is the recovery after a race whose distance the
// calendar does not say.
const raceUnknownRecovery = 5

// RacePriorityHint reads a priority the runner or the plan wrote into a
// race entry's texts (title, description, categories), the first text that
// says one winning: "A race", "Berlin Marathon (A)", "Priority: B",
// "B-Rennen", "RACE_A", "goal", "target race" → that letter or A; "C race",
// "tune-up", parkrun, time trial, "fitness check", "benchmark", "no taper",
// "train through" → C (SPEC §4 "Races"). It returns "" when the texts say
// nothing. A letter written out ("A race") must be a capital, so "treat it
// as a race" is no hint.
func RacePriorityHint(texts ...string) string {
	var first string
	firstAt := -1
	for _, text := range texts {
		lower := strings.ToLower(text)
		for _, letter := range []string{"A", "B", "C"} {
			l := strings.ToLower(letter)
			for _, at := range []int{
				raceFindWord(text, letter+" race"), raceFindWord(text, letter+"-race"),
				raceFindWord(text, letter+" Race"), raceFindWord(text, letter+"-Race"),
				raceFindWord(text, letter+"-Rennen"), raceFindWord(text, letter+" Rennen"),
				raceFindWord(text, letter+"-Wettkampf"), raceFindWord(text, letter+"-Lauf"),
				strings.Index(text, "("+letter+")"), strings.Index(text, "["+letter+"]"),
				raceFindWord(lower, "priority: "+l), raceFindWord(lower, "priority "+l),
				raceFindWord(lower, "prio: "+l), raceFindWord(lower, "prio "+l),
				raceFindWord(lower, "race_"+l),
			} {
				if at >= 0 && (firstAt < 0 || at < firstAt) {
					first, firstAt = letter, at
				}
			}
		}
		if first != "" {
			return first
		}
	}
	for _, text := range texts {
		lower := strings.ToLower(text)
		for _, w := range []string{"tune-up", "tune up", "tuneup", "parkrun", "park run", "time trial", "fitness check",
			"benchmark", "no taper", "without taper", "train through", "training through", "test race", "rust buster",
			"as a workout", "as training", "training race", "just for fun", "prep race", "preparation race",
			"warm up race", "warm-up race", "build up race", "build-up race", "ohne tapering", "testwettkampf",
			"sans affûtage", "sans affutage", "sin tapering", "gara di preparazione",
			"vorbereitungswettkampf", "vorbereitungsrennen", "course de préparation", "carrera de preparación", "carrera de preparacion"} {
			if raceFindWord(lower, w) >= 0 {
				return "C"
			}
		}
	}
	for _, text := range texts {
		lower := strings.ToLower(text)
		for _, w := range []string{"target race", "key race", "main race", "peak race", "hauptwettkampf",
			"saisonhöhepunkt", "zielwettkampf", "course objectif", "objectif de la saison", "carrera objetivo", "gara obiettivo"} {
			if raceFindWord(lower, w) >= 0 {
				return "A"
			}
		}
		for from := 0; ; {
			at := raceFindWord(lower[from:], "goal")
			if at < 0 {
				break
			}
			at += from
			if !raceGoalPace(lower[at+len("goal"):]) {
				return "A"
			}
			from = at + len("goal")
		}
	}
	return ""
}

// raceGoalPace reports whether the words after "goal" speak of a pace or
// an effort ("goal pace", "goal marathon effort"), which says how to run,
// not which race matters.
func raceGoalPace(rest string) bool {
	words := strings.FieldsFunc(rest, func(r rune) bool { return !raceWordRune(r) })
	for i, w := range words {
		if i == 3 {
			break
		}
		if w == "pace" || w == "mp" || w == "hmp" || w == "effort" {
			return true
		}
	}
	return false
}

// raceFindWord finds w in s where it stands as a word of its own (no letter
// or digit touching it), or returns -1.
func raceFindWord(s, w string) int {
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		before := i == 0 || !raceWordByte(s[i-1])
		after := i+len(w) == len(s) || !raceWordByte(s[i+len(w)])
		if before && after {
			return i
		}
		from = i + 1
	}
	return -1
}

func raceWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func raceWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127
}

// raceKmOrLongest is the race's distance, with an unknown one counting as
// the longest (SPEC §4: a plan's closing race day is its A race).
func raceKmOrLongest(r Race) float64 {
	if r.DistanceKm <= 0 {
		return math.Inf(1)
	}
	return r.DistanceKm
}

// completeRaces returns the races in date order with Priority, TaperFrom
// and RecoveryTo filled where they are not set yet. races is not modified.
func completeRaces(races []Race, s Settings) []Race {
	out := append([]Race(nil), races...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	for i := range out {
		r := &out[i]
		if r.Priority == "" {
			r.Priority = racePriorityByDistance(out, i)
		}
		if r.TaperFrom.IsZero() {
			r.TaperFrom = r.Date.AddDays(-raceTaperDays(*r, s))
		}
		if r.RecoveryTo.IsZero() {
			r.RecoveryTo = r.Date.AddDays(raceRecoveryDays(*r, s))
		}
	}
	return out
}

// racePriorityByDistance is the priority of races[i] when its entry names
// none; races is in date order.
func racePriorityByDistance(races []Race, i int) string {
	r := races[i]
	km := raceKmOrLongest(r)
	longest := true
	for _, o := range races[i+1:] {
		if n := o.Date.Sub(r.Date); n > raceLookaheadDays {
			break
		} else if n > 0 && raceKmOrLongest(o) >= km {
			longest = false
			break
		}
	}
	switch {
	case longest, r.DistanceKm >= raceMarathonMinKm:
		return "A"
	case r.DistanceKm >= raceHalfMinKm:
		return "B"
	}
	return "C"
}

// raceTaperDays is the taper before a race of r's priority.
func raceTaperDays(r Race, s Settings) int {
	switch r.Priority {
	case "B":
		return raceTaperB
	case "C":
		return raceTaperC
	}
	return s.Taper
}

// raceRecoveryDays is the recovery after r: by distance unless the
// runner's setting overrides it for every race.
func raceRecoveryDays(r Race, s Settings) int {
	if s.Recovery != RecoveryByDistance {
		return s.Recovery
	}
	if r.DistanceKm <= 0 {
		return raceUnknownRecovery
	}
	for _, row := range raceRecoveryRows {
		if r.DistanceKm <= row.upToKm {
			return row.days
		}
	}
	return raceUnknownRecovery
}

// raceDistanceWords names the distance class that sets r's recovery:
// "a marathon", "a race of up to 10 km".
func raceDistanceWords(r Race) string {
	km := r.DistanceKm
	switch {
	case km <= 0:
		return "a race of unknown distance"
	case km >= raceMarathonMinKm && km <= raceRecoveryRows[2].upToKm:
		return "a marathon"
	case km >= raceHalfMinKm && km <= raceRecoveryRows[1].upToKm:
		return "a half marathon"
	}
	for _, row := range raceRecoveryRows {
		if km <= row.upToKm {
			return row.what
		}
	}
	return "a race"
}

// raceText is what a race entry says, for its priority hint.
func raceText(c Classified) []string {
	return []string{c.Summary, c.Description, strings.Join(c.Categories, " ")}
}

// Span is a stretch of dates, both ends included.
type Span struct{ From, To Date }

// PlanGapDays is the length of a stretch with no training entry that ends
// a plan's coverage (SPEC §4 "Only where there is a plan").
const PlanGapDays = 10

// Uncovered returns the stretches among the n dates from first that no run
// calendar covers (SPEC §4 "Only where there is a plan"): dates before the
// first training entry, after the last, or inside a gap of PlanGapDays or
// more days with none. A training entry is a run, a rest entry, cross
// training or strength, never busy time, away or other entries. To decide
// the dates near the edges, cs must hold the entries of PlanGapDays days
// before first and after the last date.
func Uncovered(cs []Classified, first Date, n int, loc *time.Location) []Span {
	if n <= 0 {
		return nil
	}
	lo := first.AddDays(-PlanGapDays)
	m := n + 2*PlanGapDays
	train := make([]bool, m)
	for _, c := range cs {
		if c.Busy || !(c.Kind.IsRun() || c.Kind == KindStrength) {
			continue
		}
		a, b := c.FirstDate(loc).Sub(lo), c.LastDate(loc).Sub(lo)
		if b-a > 31 { // as BuildDays: a months-long entry is a note
			b = a + 31
		}
		for i := max(a, 0); i <= b && i < m; i++ {
			train[i] = true
		}
	}
	// prev[i] is the last training index ≤ i, next[i] the first ≥ i; -1
	// and m stand for none within reach, which means a gap long enough.
	prev, next := make([]int, m), make([]int, m)
	last := -1
	for i := range m {
		if train[i] {
			last = i
		}
		prev[i] = last
	}
	last = m
	for i := m - 1; i >= 0; i-- {
		if train[i] {
			last = i
		}
		next[i] = last
	}
	var out []Span
	for i := PlanGapDays; i < PlanGapDays+n; i++ {
		p, q := prev[i], next[i]
		if p >= 0 && q < m && q-p-1 < PlanGapDays {
			continue // a training date (p == q) or a short gap
		}
		d := lo.AddDays(i)
		if len(out) > 0 && out[len(out)-1].To == d.AddDays(-1) {
			out[len(out)-1].To = d
		} else {
			out = append(out, Span{d, d})
		}
	}
	return out
}
