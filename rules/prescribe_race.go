package rules

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Distances that decide phases (SPEC §5).
const (
	rxGoalMinKm  = 21.0 // a goal race is a half marathon or longer
	rxUltraMinKm = 50.0 // from here strength volume falls as running volume rises
	rxMarathonKm = 42.195
	rxHalfKm     = 21.0975
	rxMileKm     = 1.609344
)

// goalRaces are the races that can be a goal, with their distance (0 when
// unknown), in date order (longest first on the same date, so a 50K beats
// the 10K held alongside it).
type goalRaces []goalRace

type goalRace struct {
	Race
	km float64
}

// newGoalRaces keeps the A races of goal length or of unknown length; races
// is not modified. B and C races are run on the way to the goal, so the
// phases count back past them to the goal itself (SPEC §5).
func newGoalRaces(races []Race) goalRaces {
	var g goalRaces
	for _, r := range races {
		if km := raceKm(r); racePriority(r) == "A" && (km >= rxGoalMinKm || km == 0) {
			g = append(g, goalRace{r, km})
		}
	}
	slices.SortStableFunc(g, func(a, b goalRace) int {
		if c := a.Date.Sub(b.Date); c != 0 {
			return cmp.Compare(c, 0)
		}
		return cmp.Compare(b.km, a.km)
	})
	return g
}

// racePriority is the race's priority. A race that has none (one built
// by hand rather than by FindRaces) takes what its name says, else A.
func racePriority(r Race) string {
	if r.Priority != "" {
		return r.Priority
	}
	if h := RacePriorityHint(r.Summary); h != "" {
		return h
	}
	return "A"
}

// next returns the goal race of a session on d: the first A race on or
// after d of half-marathon length or more, else the first A race on or
// after d whose distance is unknown.
func (g goalRaces) next(d Date) (goalRace, bool) {
	i, _ := slices.BinarySearchFunc(g, d, func(r goalRace, d Date) int { return cmp.Compare(r.Date.Sub(d), 0) })
	unknown := -1
	for ; i < len(g); i++ {
		if g[i].km > 0 {
			return g[i], true
		}
		if unknown < 0 {
			unknown = i
		}
	}
	if unknown < 0 {
		return goalRace{}, false
	}
	return g[unknown], true
}

// rxReturnMinDays is the shortest recovery followed by a return week.
const rxReturnMinDays = 5

// returnWeeks are the return weeks after long race recoveries: the 7 days
// after each recovery of rxReturnMinDays or more (SPEC §4).
type returnWeeks []Race

func newReturnWeeks(races []Race) returnWeeks {
	var rw returnWeeks
	for _, r := range races {
		if !r.RecoveryTo.IsZero() && r.RecoveryTo.Sub(r.Date) >= rxReturnMinDays {
			rw = append(rw, r)
		}
	}
	return rw
}

// at returns the race whose return week holds d; of two, the later race.
func (rw returnWeeks) at(d Date) (Race, bool) {
	var best Race
	found := false
	for _, r := range rw {
		if n := d.Sub(r.RecoveryTo); n >= 1 && n <= 7 && (!found || r.Date.After(best.Date)) {
			best, found = r, true
		}
	}
	return best, found
}

// easyRuns are the dates of easy days, for strides and hill sprints.
type easyRuns map[Date]bool

func newEasyRuns(days []Day) easyRuns {
	e := easyRuns{}
	for _, d := range days {
		if d.Kind == KindEasy {
			e[d.Date] = true
		}
	}
	return e
}

// after returns the first easy day after d in d's ISO week.
func (e easyRuns) after(d Date) (Date, bool) {
	for x := d.AddDays(1); x.Monday() == d.Monday(); x = x.AddDays(1) {
		if e[x] {
			return x, true
		}
	}
	return Date{}, false
}

// raceKm is the race's distance: the calendar's when it says, otherwise read
// from the race's name, so "Berlin Marathon" with no distance still counts
// as a goal race.
func raceKm(r Race) float64 {
	if r.DistanceKm > 0 {
		return r.DistanceKm
	}
	return raceNameKm(r.Summary)
}

// raceNameKm reads a race distance from a name: an explicit distance
// ("10K", "13.1 mi", "100-mile", "42,2 km") wins, then the classic names
// (half marathon, ultra, marathon). It returns 0 when the name says nothing.
func raceNameKm(name string) float64 {
	t := strings.ToLower(name)
	if km := raceExplicitKm(t); km > 0 {
		return km
	}
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("half marathon", "half-marathon", "halfmarathon", "halbmarathon", "semi-marathon",
		"semi marathon", "semimarathon", "1/2 marathon", "media maratón", "media maraton", "mezza maratona"):
		return rxHalfKm
	case has("ultra"):
		return rxUltraMinKm
	case has("marathon", "maratón", "maraton", "marató", "maratona"):
		return rxMarathonKm
	}
	return 0
}

// raceUnitKm converts the distance units race names use.
var raceUnitKm = map[string]float64{
	"k": 1, "km": 1, "kms": 1, "kilometer": 1, "kilometers": 1, "kilometre": 1, "kilometres": 1,
	"mi": rxMileKm, "mile": rxMileKm, "miles": rxMileKm, "miler": rxMileKm,
}

// raceExplicitKm finds the first "number unit" pair in a lowercased name. Metres
// are not read: "400m" names a track event or a split, not a goal race.
func raceExplicitKm(t string) float64 {
	for i := 0; i < len(t); i++ {
		if !raceDigit(t[i]) || (i > 0 && (raceDigit(t[i-1]) || raceLetter(t[i-1]) || t[i-1] == '.' || t[i-1] == ',')) {
			continue
		}
		j := i
		for j < len(t) && raceDigit(t[j]) {
			j++
		}
		if j+1 < len(t) && (t[j] == '.' || t[j] == ',') && raceDigit(t[j+1]) {
			j++
			for j < len(t) && raceDigit(t[j]) {
				j++
			}
		}
		num := strings.Replace(t[i:j], ",", ".", 1)
		k := j
		for k < len(t) && (t[k] == ' ' || t[k] == '-') && k-j < 2 {
			k++
		}
		u := k
		for u < len(t) && raceLetter(t[u]) {
			u++
		}
		per, ok := raceUnitKm[t[k:u]]
		if !ok {
			i = j - 1
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) || v*per > 5000 {
			i = j - 1
			continue
		}
		return v * per
	}
	return 0
}

func raceDigit(c byte) bool  { return c >= '0' && c <= '9' }
func raceLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 0x80 }
