package rules

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Units as runners write them in titles and descriptions.
//
// The letter "m" is the awkward one: metres in "800m" and "400 m", minutes in
// TrainingPeaks' and intervals.icu's "45m" and "1h30m", and miles in Hal
// Higdon's tables ("3 m run"). A bare "m" after a number n is read as:
//   - metres when n ≥ 100, or when 50 ≤ n < 100 is written with a space ("60 m");
//   - minutes when 50 ≤ n < 100 is written without one ("90m"), and when n < 50
//     and the same text also gives a distance in km or miles or a time in hours
//     ("6.5km • 45m - 50m": a plan does not mix "m" for miles with km);
//   - otherwise, for n < 50, miles when written with a space ("3 m run", the
//     Higdon style) and minutes without ("45m").
//
// A pace ("5:45/km", "8:30 min/mi", "4'30/km", "@ 7:30") is never a duration,
// a distance before "pace" or "effort" ("5K pace") is a reference and not the
// run's length, and the quantity inside a repeat ("6x800m", "3 x 10 min") is
// never the total of the run.

// unitKind says what a scanned quantity measures.
type unitKind uint8

const (
	unitDistance unitKind = iota + 1
	unitDuration
	unitPace
)

// unitQty is one quantity found in a text.
type unitQty struct {
	kind unitKind
	km   float64
	dur  time.Duration
	// num and unit are the number and unit as to show them: 12 "mi".
	num  float64
	unit string
	// start and end delimit the quantity in the scanned (normalised) text.
	start, end int
	// repeat marks the quantity repeated in "6x800m": not the run's total.
	repeat bool
	// ref marks a reference ("5K pace", "@ 10K effort", "30 km/h").
	ref bool
	// paceRef marks a race distance used as a pace, "5K pace": hard work.
	paceRef bool
	// bareM marks a bare "m" still to be resolved; space records "3 m" vs "3m".
	bareM, space bool
	// joined marks a distance added to the one before it ("2 mi WU + 10
	// mi @ MP"): segments of one run, not a range or a choice.
	joined bool
	// parts is how many segments a summed distance adds up (0 or 1: one).
	parts uint8
}

// unitRepeat is one "N x …" found in a text.
type unitRepeat struct {
	start, end int
	// strides marks repeats of strides ("6 x 20s strides"), which belong to
	// an easy day.
	strides bool
	// run marks a repeat of a running distance or pace ("3 x 2 mi").
	run bool
}

// unitScan holds what a text says in numbers.
type unitScan struct {
	qty  []unitQty
	reps []unitRepeat
	// depth counts nested "N x (…)" groups, bounded so a pathological
	// input cannot recurse without end.
	depth int
}

// Conversion factors.
const (
	unitMileKm = 1.609344
	// unitMaxKm bounds what a single workout can plausibly be, so a typo
	// ("5000 km") or a fuzzed input cannot claim a 5,000 km run.
	unitMaxKm  = 1000
	unitMaxDur = 72 * time.Hour
)

// ParseDistanceKm finds the planned distance of a run in s, a title or a
// description line, in kilometres: "Long run 18 mi" is 28.97, "Run 8 km"
// is 8, "10k" is 10, "800m" is 0.8. It ignores repeats ("6x800m"), race-pace
// references ("@ 5K pace") and speeds; segments joined by "+" or "then"
// add up ("2 mi WU + 10 mi @ MP + 2 mi CD" is 14 mi), and otherwise, when s
// gives several distances (a range "10-12 km", "18 mi w/ 10 @ MP"), the
// largest wins. Chinese and Japanese units count too ("3公里", "800米",
// "25キロ"). ok is false when s states no distance.
func ParseDistanceKm(s string) (km float64, ok bool) {
	var t clsText
	t.normalize(s)
	var sc unitScan
	sc.scan(t.norm)
	q, ok := sc.distance()
	return q.km, ok
}

// ParseDuration finds the planned duration of a run in s: "45 min", "1h30",
// "90'", "1:30:00", "Planned: 1:45:00". It ignores paces ("5:45/km"),
// repeats ("3 x 10 min"), and clock times that look like times of day
// ("7:00"); a bare "h:mm" counts only up to 5:59. When s gives several
// durations (a range "45m - 50m") the longest wins. ok is false when s
// states no duration.
func ParseDuration(s string) (time.Duration, bool) {
	var t clsText
	t.normalize(s)
	var sc unitScan
	sc.scan(t.norm)
	q, ok := sc.duration()
	return q.dur, ok
}

// distance returns the distance of the run itself: the largest one
// stated, or the sum of segments joined by "+" or "then" when that is
// larger ("8 km at 88% MP + 8 km at 90% MP + 6 km" is 22 km).
func (sc *unitScan) distance() (unitQty, bool) {
	return sc.distanceSkipping(0, 0)
}

// distanceSkipping is distance without the quantities inside [a, b): the
// gym part of a compound entry ("Run 5 km + 20 min core").
func (sc *unitScan) distanceSkipping(a, b int) (unitQty, bool) {
	var best, chain unitQty
	found := false
	for _, q := range sc.qty {
		if q.kind != unitDistance || q.repeat || q.ref || q.start >= a && q.end <= b && b > a {
			continue
		}
		if q.joined && chain.parts > 0 && chain.km+q.km <= unitMaxKm {
			if chain.unit != q.unit {
				chain.unit, chain.num = "km", chain.km
				if q.unit == "km" {
					chain.num += q.num
				} else {
					chain.num += q.km
				}
			} else {
				chain.num += q.num
			}
			chain.km += q.km
			if chain.parts < 255 {
				chain.parts++
			}
			chain.end = q.end
		} else {
			chain = q
			chain.parts = 1
		}
		if !found || chain.km > best.km {
			best, found = chain, true
		}
	}
	return best, found
}

// durationSkipping is duration without the quantities inside [a, b).
func (sc *unitScan) durationSkipping(a, b int) (unitQty, bool) {
	var best unitQty
	found := false
	for _, q := range sc.qty {
		if q.kind == unitDuration && !q.repeat && !q.ref && !(q.start >= a && q.end <= b && b > a) && (!found || q.dur > best.dur) {
			best, found = q, true
		}
	}
	return best, found
}

// markJoined marks each distance that a "+", "plus" or "then" joins to the
// distance before it. "with" and "w/" do not: "18 mi w/ 10 @ MP" holds its
// marathon-pace miles inside the 18.
func (sc *unitScan) markJoined(t string) {
	prev := -1
	for i := range sc.qty {
		q := &sc.qty[i]
		if q.kind != unitDistance || q.repeat || q.ref {
			continue
		}
		if prev >= 0 {
			gap := t[sc.qty[prev].end:q.start]
			if strings.IndexByte(gap, '\n') < 0 && (strings.IndexByte(gap, '+') >= 0 || unitHasWord(gap, "then") ||
				unitHasWord(gap, "plus") || unitHasWord(gap, "dann") || unitHasWord(gap, "puis")) &&
				!unitHasWord(gap, "with") && !unitHasWord(gap, "w") && !unitHasWord(gap, "incl") && !unitHasWord(gap, "including") {
				q.joined = true
			}
		}
		prev = i
	}
}

// unitHasWord reports whether s holds the ASCII word w.
func unitHasWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || !clsWordByte(s[i-1])) && (i+len(w) == len(s) || !clsWordByte(s[i+len(w)])) {
			return true
		}
	}
	return false
}

// duration returns the longest duration of the run itself.
func (sc *unitScan) duration() (unitQty, bool) {
	return sc.durationSkipping(0, 0)
}

// runEvidence reports whether the text measures a run: a running distance
// (not a speed), a pace, or a repeat of either.
func (sc *unitScan) runEvidence() bool {
	for _, q := range sc.qty {
		if q.kind == unitPace || q.kind == unitDistance && !q.ref {
			return true
		}
	}
	for _, r := range sc.reps {
		if r.run {
			return true
		}
	}
	return false
}

// onlyQuantities reports whether every word of the text is part of a
// quantity, as in a title that is just "10 km" or "45 min".
func (sc *unitScan) onlyQuantities(toks []clsToken) bool {
	if len(sc.qty) == 0 || len(toks) == 0 {
		return false
	}
	var cur unitCursor
	for _, tk := range toks {
		if !cur.covers(sc, tk.start, tk.end) {
			return false
		}
	}
	return true
}

// unitCursor answers "is this span inside a quantity or a repeat?" for
// spans visited in increasing order, in linear time overall. Quantities and
// top-level repeats are recorded in order and do not overlap.
type unitCursor struct{ q, r int }

func (c *unitCursor) covers(sc *unitScan, a, b int) bool {
	for c.q < len(sc.qty) && sc.qty[c.q].end <= a {
		c.q++
	}
	if c.q < len(sc.qty) && sc.qty[c.q].start <= a && b <= sc.qty[c.q].end {
		return true
	}
	for c.r < len(sc.reps) && sc.reps[c.r].end <= a {
		c.r++
	}
	return c.r < len(sc.reps) && sc.reps[c.r].start <= a && b <= sc.reps[c.r].end
}

// scan finds the quantities and repeats in t, a normalised text.
func (sc *unitScan) scan(t string) {
	sc.qty = sc.qty[:0]
	sc.reps = sc.reps[:0]
	for i := 0; i < len(t); {
		if !unitIsDigit(t[i]) || i > 0 && unitNumberGlued(t, i) ||
			i > 1 && (t[i-1] == '-' || t[i-1] == '+') && 'a' <= t[i-2] && t[i-2] <= 'z' {
			// Not a quantity of its own: "z2", "vo2max", or an offset
			// from a pace, "MP-10s", "HMP+5s".
			i = unitSkipWord(t, i)
			continue
		}
		i = sc.quantityAt(t, i)
	}
	sc.resolveBareM()
	sc.markJoined(t)
}

// unitNumberGlued reports whether the number at i belongs to the word
// before it ("z2", "vo2max", "ga1", "w3d2") or to another number ("1.5").
// Chinese and Japanese put numbers right after words ("间歇跑6×800米",
// "ジョグ60分"): there a number stands on its own.
func unitNumberGlued(t string, i int) bool {
	c := t[i-1]
	if c >= utf8.RuneSelf {
		r, _ := utf8.DecodeLastRuneInString(t[:i])
		return !clsIdeo(r)
	}
	return 'a' <= c && c <= 'z' || unitIsDigit(c) || c == '.'
}

// unitSkipWord moves past the word or byte at i. A number right after a
// Chinese or Japanese character starts a quantity ("轻松跑5公里"), so the
// word ends there.
func unitSkipWord(t string, i int) int {
	if !clsWordByte(t[i]) {
		return i + 1
	}
	for i < len(t) && clsWordByte(t[i]) {
		if i > 0 && unitIsDigit(t[i]) && t[i-1] >= utf8.RuneSelf {
			if r, _ := utf8.DecodeLastRuneInString(t[:i]); clsIdeo(r) {
				return i
			}
		}
		i++
	}
	return i
}

// quantityAt reads what starts with the number at i and returns where to
// continue.
func (sc *unitScan) quantityAt(t string, i int) int {
	n, j, ok := unitNumber(t, i)
	if !ok {
		return unitSkipWord(t, i)
	}
	k := unitSpaces(t, j)
	// A repeat: "6x800m", "5 x 1 km", "2 x (4 x 400m)", "8 x hill".
	if k < len(t) && (t[k] == 'x' || t[k] == '*') && n >= 1 && n <= 100 && n == math.Trunc(n) {
		if end, ok := sc.repeatAt(t, i, k+1); ok {
			return end
		}
	}
	if k >= len(t) {
		return j
	}
	switch {
	case t[k] == ':' && k == j:
		return sc.clockAt(t, i, n, k)
	case t[k] == '\'':
		return sc.primeAt(t, i, n, k)
	case t[k] == '"':
		sc.add(unitQty{kind: unitDuration, dur: unitDur(n, time.Second), num: n, unit: "s", start: i, end: k + 1})
		return k + 1
	}
	q, end, ok := unitWithUnit(t, i, n, j)
	if !ok {
		return j
	}
	end = sc.qualify(t, &q, end)
	if e, ok := unitTimesAfter(t, end); ok && !q.ref && q.kind != unitPace {
		// Japanese and Chinese plans write the count last: "400m×10",
		// "1000米×5".
		q.repeat = true
		sc.add(q)
		sc.reps = append(sc.reps, unitRepeat{start: q.start, end: e,
			run: q.kind == unitDistance, strides: unitStridesNear(t, q.start, e)})
		return e
	}
	sc.add(q)
	return end
}

// unitTimesAfter reads a trailing count "×10" (with an optional counter
// word, "本", "组", "次", "reps") at i and returns where it ends.
func unitTimesAfter(t string, i int) (int, bool) {
	k := unitSpaces(t, i)
	if k >= len(t) || t[k] != 'x' && t[k] != '*' {
		return 0, false
	}
	n, j, ok := unitNumber(t, unitSpaces(t, k+1))
	if !ok || n < 1 || n > 100 || n != math.Trunc(n) || j < len(t) && (t[j] == '.' || t[j] == ',' || t[j] == ':') {
		return 0, false
	}
	if w, _ := unitLetters(t, unitSpaces(t, j)); w != "" && w != "reps" && w != "rep" && w != "times" {
		return 0, false // "1 km x 400m" is no count
	}
	for _, c := range [...]string{"本", "组", "組", "次", "回", "趟"} {
		if strings.HasPrefix(t[j:], c) {
			return j + len(c), true
		}
	}
	return j, true
}

// add appends q unless it is implausible.
func (sc *unitScan) add(q unitQty) {
	if q.kind == unitDistance && (q.km <= 0 || q.km > unitMaxKm) {
		return
	}
	if q.kind == unitDuration && (q.dur <= 0 || q.dur > unitMaxDur) {
		return
	}
	sc.qty = append(sc.qty, q)
}

// unitWithUnit reads the unit word after the number n (ending at j) and
// returns the quantity and where it ends. Hours may carry minutes:
// "1h30", "1h 30m", "1 h 30 min", "2 hrs 15".
func unitWithUnit(t string, start int, n float64, j int) (unitQty, int, bool) {
	k := unitSpaces(t, j)
	if k == j && k+1 < len(t) && t[k] == '-' && 'a' <= t[k+1] && t[k+1] <= 'z' {
		// Higdon's "5-K", "100-mile", "10-km".
		k++
	}
	w, e := unitLetters(t, k)
	if w == "" {
		w, e = unitOtherScript(t, k)
	}
	if w == "" {
		return unitQty{}, j, false
	}
	q := unitQty{num: n, start: start, end: e}
	switch w {
	case "km", "kms", "k", "kilometer", "kilometers", "kilometre", "kilometres", "kilometro", "kilometros", "kilometri":
		q.kind, q.km, q.unit = unitDistance, n, "km"
	case "mi", "mile", "miles", "mls", "milla", "millas":
		q.kind, q.km, q.unit = unitDistance, n*unitMileKm, "mi"
	case "mtr", "mtrs", "meter", "meters", "metre", "metres", "metro", "metros", "metri":
		q.kind, q.km, q.unit = unitDistance, n/1000, "m"
	case "m":
		q.kind, q.bareM, q.space, q.unit = unitDistance, true, k > j, "m"
		q.km = n / 1000
	case "min", "mins", "minute", "minutes", "minuten", "minuto", "minutos", "minuti", "minuut", "mn", "mnt":
		q.kind, q.dur, q.unit = unitDuration, unitDur(n, time.Minute), "min"
	case "s", "sec", "secs", "second", "seconds", "sek", "seg", "segundos", "secondes", "sekunden", "secondi":
		q.kind, q.dur, q.unit = unitDuration, unitDur(n, time.Second), "s"
	case "h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden", "heure", "heures", "hora", "horas", "ora", "ore", "uur":
		q.kind, q.dur, q.unit = unitDuration, unitDur(n, time.Hour), "h"
		// Minutes after the hours: "1h30", "1h 30m", "1 h 30 min".
		if m, mj, ok := unitNumber(t, unitSpaces(t, e)); ok && m < 60 && m == math.Trunc(m) && n == math.Trunc(n) {
			mk := unitSpaces(t, mj)
			mw, me := unitLetters(t, mk)
			switch mw {
			case "", "m", "min", "mins", "minutes", "minuten", "minutos", "minuti", "mn":
				if mw == "" && mj < len(t) && (t[mj] == ':' || t[mj] == '.' || t[mj] == 'x') {
					break
				}
				q.dur += unitDur(m, time.Minute)
				q.end = mj
				if mw != "" {
					q.end = me
				}
			}
		}
	default:
		return unitQty{}, j, false
	}
	return q, q.end, true
}

// qualify marks a distance or duration that is a pace, a speed or a
// reference rather than the run's own ("5K pace", "@ 10K", "30 km/h",
// "5 min/km"), and returns where scanning continues.
func (sc *unitScan) qualify(t string, q *unitQty, end int) int {
	// "5 min/km", "30 km/h", "5 min per mile".
	k := unitSpaces(t, end)
	if k < len(t) && t[k] == '/' {
		w, e := unitLetters(t, unitSpaces(t, k+1))
		if q.kind == unitDuration && unitIsDistanceWord(w) {
			q.kind, q.end = unitPace, e
			return e
		}
		if q.kind == unitDistance && (w == "h" || w == "hr" || w == "hour" || w == "std") {
			q.ref, q.end = true, e
			return e
		}
	}
	if w, e := unitLetters(t, k); w == "per" {
		w2, e2 := unitLetters(t, unitSpaces(t, e))
		if q.kind == unitDuration && unitIsDistanceWord(w2) {
			q.kind, q.end = unitPace, e2
			return e2
		}
	}
	if q.kind == unitDistance && q.unit == "km" {
		// A race distance as an intensity: "5K pace", "10K race effort".
		// Higdon's "5 m pace" is five miles at race pace, so only km count.
		w, e := unitLetters(t, k)
		if w == "race" && unitNextIsPaceWord(t, k) {
			_, e = unitLetters(t, unitSpaces(t, e))
			w = "pace"
		}
		// "5 km tempo" is five kilometres at tempo; "5K tempo" a pace.
		if unitIsPaceWord(w) && (w != "tempo" || t[q.end-1] == 'k' && unitIsDigit(t[q.end-2])) {
			q.ref, q.paceRef, q.end = true, true, e
			return e
		}
	}
	if q.kind == unitDistance && unitPrecededByAt(t, q.start) {
		// "@ 10K": a target, not the run's length.
		q.ref = true
	}
	return end
}

// unitNextIsPaceWord reports whether the word after the one at k is a pace
// word: "10K race pace".
func unitNextIsPaceWord(t string, k int) bool {
	_, e := unitLetters(t, k)
	w, _ := unitLetters(t, unitSpaces(t, e))
	return unitIsPaceWord(w)
}

// unitPrecededByAt reports whether the word before i is "at" (also "@",
// which normalisation spells "at"), "a" as in French "à", or "al".
func unitPrecededByAt(t string, i int) bool {
	j := i
	for j > 0 && t[j-1] == ' ' {
		j--
	}
	k := j
	for k > 0 && 'a' <= t[k-1] && t[k-1] <= 'z' {
		k--
	}
	if k > 0 && clsWordByte(t[k-1]) {
		return false
	}
	switch t[k:j] {
	case "at", "al":
		return true
	}
	return false
}

// unitPrecededByGoal reports whether the word before i announces a target
// time: "goal", "target", "sub", "PB", "Ziel", "objectif", "objetivo".
func unitPrecededByGoal(t string, i int) bool {
	j := i
	for j > 0 && (t[j-1] == ' ' || t[j-1] == ':' || t[j-1] == '-') {
		j--
	}
	k := j
	for k > 0 && 'a' <= t[k-1] && t[k-1] <= 'z' {
		k--
	}
	switch t[k:j] {
	case "goal", "target", "sub", "pb", "pr", "ziel", "zielzeit", "objectif", "objetivo", "obiettivo", "doel":
		return true
	}
	return false
}

func unitIsPaceWord(w string) bool {
	switch w {
	case "pace", "effort", "tempo", "rhythm", "allure", "ritmo", "intensity", "speed":
		return true
	}
	return false
}

func unitIsDistanceWord(w string) bool {
	switch w {
	case "km", "k", "mi", "mile", "miles", "kilometer", "kilometre", "kilometro":
		return true
	}
	return false
}

// repeatAt reads the repeated part of "N x …" whose x ends at k. It records
// the repeat and the quantity repeated, marked so it never counts as the
// run's total.
func (sc *unitScan) repeatAt(t string, start, k int) (int, bool) {
	// "x" must stand alone: "2 xc races" is not a repeat.
	if k < len(t) && 'a' <= t[k] && t[k] <= 'z' {
		return 0, false
	}
	b := unitSpaces(t, k)
	if b >= len(t) {
		return 0, false
	}
	rep := unitRepeat{start: start}
	first := len(sc.qty)
	switch {
	case (t[b] == '(' || t[b] == '[') && sc.depth < 3:
		closer := byte(')')
		if t[b] == '[' {
			closer = ']'
		}
		e := strings.IndexByte(t[b:], closer)
		if e < 0 {
			e = len(t)
		} else {
			e += b + 1
		}
		inner := unitScan{depth: sc.depth + 1}
		inner.scan(t[b:e])
		for _, q := range inner.qty {
			q.start += b
			q.end += b
			q.repeat = true
			sc.qty = append(sc.qty, q)
		}
		for _, r := range inner.reps {
			rep.run = rep.run || r.run
			rep.strides = rep.strides || r.strides
		}
		rep.end = e
	case unitIsDigit(t[b]):
		n, j, ok := unitNumber(t, b)
		if !ok {
			return 0, false
		}
		end := j
		jj := unitSpaces(t, j)
		switch {
		case jj < len(t) && t[jj] == '\'':
			end = sc.primeAt(t, b, n, jj)
		case jj < len(t) && t[jj] == '"':
			sc.add(unitQty{kind: unitDuration, dur: unitDur(n, time.Second), num: n, unit: "s", start: b, end: jj + 1})
			end = jj + 1
		case jj < len(t) && t[jj] == ':' && jj == j:
			end = sc.clockAt(t, b, n, jj)
		default:
			if q, e, ok := unitWithUnit(t, b, n, j); ok {
				if q.bareM {
					// Inside a repeat a bare "m" is metres from 100 up
					// ("6x800m") and minutes below ("3x10m").
					q.bareM = false
					if n < 100 {
						q.kind, q.dur, q.km, q.unit = unitDuration, unitDur(n, time.Minute), 0, "min"
					}
				}
				e = sc.qualify(t, &q, e)
				sc.add(q)
				end = e
			} else if n >= 100 && n == math.Trunc(n) {
				// "8×400" with no unit: metres on a track.
				sc.add(unitQty{kind: unitDistance, km: n / 1000, num: n, unit: "m", start: b, end: j})
			}
		}
		rep.end = end
	default:
		// "8 x hill", "6 x strides"; "2x/week" is no repeat, nor "2x easy
		// 30 min" (twice that day).
		w, e := unitLetters(t, b)
		switch w {
		case "", "easy", "daily", "a", "per", "week", "weekly", "day", "run", "runs", "recovery", "jog", "rest":
			return 0, false
		}
		rep.end = e
	}
	for i := first; i < len(sc.qty); i++ {
		sc.qty[i].repeat = true
		if sc.qty[i].kind == unitDistance && !sc.qty[i].ref || sc.qty[i].kind == unitPace {
			rep.run = true
		}
	}
	rep.strides = rep.strides || unitStridesNear(t, start, rep.end) || sc.shortSprints(t, first, rep.end)
	sc.reps = append(sc.reps, rep)
	return rep.end, true
}

// unitStridesNear reports whether a repeat at [a, b) is strides: the word
// before or one of the two words after it says so.
func unitStridesNear(t string, a, b int) bool {
	e := b
	for range 2 {
		w, we := unitLetters(t, unitSkipPunct(t, e))
		if w == "" {
			break
		}
		if unitIsStrides(w) {
			return true
		}
		e = we
	}
	// The word before: "Strides 6x100m", "strides: 6 x 20s".
	j := a
	for j > 0 && !clsWordByte(t[j-1]) {
		j--
	}
	i := j
	for i > 0 && clsWordByte(t[i-1]) {
		i--
	}
	return unitIsStrides(t[i:j])
}

// shortSprints reports whether the repeat whose quantities start at
// sc.qty[first] and which ends at end is of hill sprints or sprints of 20
// seconds or less ("8 x 10s hill sprints"): strides, not intervals.
func (sc *unitScan) shortSprints(t string, first, end int) bool {
	if first >= len(sc.qty) {
		return false
	}
	for _, q := range sc.qty[first:] {
		if q.kind != unitDuration || q.dur > 20*time.Second {
			return false
		}
	}
	e := end
	for range 2 {
		w, we := unitLetters(t, unitSkipPunct(t, e))
		if w == "sprint" || w == "sprints" {
			return true
		}
		e = we
	}
	return false
}

// unitIsStrides reports whether w names strides, in several languages.
func unitIsStrides(w string) bool {
	for _, p := range [...]string{"stride", "steigerung", "accel", "ligne", "progresion", "pickup", "allungh", "versnelling", "strides"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	// Chinese and Japanese: "加速跑4×100米", "流し 100m×5".
	return strings.HasSuffix(w, "加速跑") || strings.HasSuffix(w, "大步跑") || strings.HasSuffix(w, "流し") || strings.HasPrefix(w, "加速跑") || strings.HasPrefix(w, "流し")
}

// unitSkipPunct skips spaces and punctuation (not digits or letters).
func unitSkipPunct(t string, i int) int {
	for i < len(t) && !clsWordByte(t[i]) {
		i++
	}
	return i
}

// clockAt reads "1:30:00", "1:45", "45:00" or a pace "5:45/km" starting
// with the number n at start, whose colon is at k.
func (sc *unitScan) clockAt(t string, start int, n float64, k int) int {
	if n != math.Trunc(n) {
		return k
	}
	b, j, ok := unitTwoDigits(t, k+1)
	if !ok {
		return k
	}
	c, hasC := -1, false
	if j < len(t) && t[j] == ':' {
		if v, jj, ok := unitTwoDigits(t, j+1); ok {
			c, hasC, j = v, true, jj
		}
	}
	q := unitQty{kind: unitDuration, num: n, start: start, end: j}
	if unitPaceAfter(t, &q) || unitPrecededByAt(t, start) {
		q.kind = unitPace
		sc.add(q)
		return q.end
	}
	if unitPrecededByGoal(t, start) {
		// "Goal: 3:30", "sub 3:30", "PB 45:00": a race time, not how long
		// the session lasts.
		q.ref = true
	}
	switch {
	case hasC:
		q.dur = unitDur(n, time.Hour) + time.Duration(b)*time.Minute + time.Duration(c)*time.Second
		q.unit = "h:mm:ss"
	case n <= 5:
		// "1:45" is an hour and three quarters; 6:00–23:59 look like
		// times of day and are left alone.
		w, _ := unitLetters(t, unitSpaces(t, j))
		if w == "am" || w == "pm" || w == "uhr" {
			return j
		}
		if j < len(t) && t[j] == '-' {
			// "5:30-6:30" is a time range; "1:45-2:00" a range of durations.
			if m, _, ok := unitNumber(t, j+1); !ok || m > 5 || m < n {
				return j
			}
		}
		q.dur = unitDur(n, time.Hour) + time.Duration(b)*time.Minute
		q.unit = "h:mm"
	case n >= 24:
		// "45:00" can only be minutes and seconds.
		q.dur = unitDur(n, time.Minute) + time.Duration(b)*time.Second
		q.unit = "mm:ss"
	default:
		return j
	}
	sc.add(q)
	return q.end
}

// primeAt reads minutes written with a prime, "45'" or "1'30" (seconds may
// carry two primes), or a pace "4'30/km"; the prime is at k.
func (sc *unitScan) primeAt(t string, start int, n float64, k int) int {
	q := unitQty{kind: unitDuration, dur: unitDur(n, time.Minute), num: n, unit: "'", start: start, end: k + 1}
	if s, j, ok := unitTwoDigits(t, k+1); ok && s < 60 {
		q.dur += time.Duration(s) * time.Second
		q.end = j
		if strings.HasPrefix(t[j:], "''") {
			q.end = j + 2
		} else if j < len(t) && t[j] == '"' {
			q.end = j + 1
		}
	} else if strings.HasPrefix(t[k:], "''") {
		// 45'' is seconds.
		q.dur = unitDur(n, time.Second)
		q.unit, q.end = "s", k+2
	}
	if unitPaceAfter(t, &q) {
		q.kind = unitPace
	}
	sc.add(q)
	return q.end
}

// unitPaceAfter reports whether what follows q makes it a pace ("/km",
// " min/mi", " per mile", " pace") and extends q over it.
func unitPaceAfter(t string, q *unitQty) bool {
	k := unitSpaces(t, q.end)
	w, e := unitLetters(t, k)
	if w == "min" || w == "mins" {
		k = unitSpaces(t, e)
		w, e = unitLetters(t, k)
	}
	if k < len(t) && t[k] == '/' {
		w2, e2 := unitLetters(t, unitSpaces(t, k+1))
		if unitIsDistanceWord(w2) || w2 == "m" {
			q.end = e2
			return true
		}
		return false
	}
	if w == "per" {
		w2, e2 := unitLetters(t, unitSpaces(t, e))
		if unitIsDistanceWord(w2) {
			q.end = e2
			return true
		}
	}
	if w == "pace" {
		q.end = e
		return true
	}
	return false
}

// resolveBareM applies the "m" heuristic described at the top of the file.
func (sc *unitScan) resolveBareM() {
	other := false // km, miles or hours elsewhere in the text
	for _, q := range sc.qty {
		if q.kind == unitDistance && !q.bareM && (q.unit == "km" || q.unit == "mi") ||
			q.kind == unitDuration && (q.unit == "h" || q.unit == "h:mm:ss" || q.unit == "h:mm") {
			other = true
			break
		}
	}
	for i := range sc.qty {
		q := &sc.qty[i]
		if !q.bareM {
			continue
		}
		q.bareM = false
		n := q.num
		switch {
		case n >= 100 || n >= 50 && q.space:
			q.km, q.unit = n/1000, "m"
		case n >= 50 || other || !q.space:
			q.kind, q.km, q.dur, q.unit = unitDuration, 0, unitDur(n, time.Minute), "min"
		default:
			q.km, q.unit = n*unitMileKm, "mi"
		}
	}
}

// unitNumber reads a non-negative number at i: "12", "6.5", "6,5" (a
// decimal comma), "10,000" (a thousands separator: exactly three digits
// after the comma), ".5" is not a number. It returns the value and where it
// ends.
func unitNumber(t string, i int) (float64, int, bool) {
	j := i
	var v float64
	for j < len(t) && unitIsDigit(t[j]) {
		if j-i >= 7 {
			return 0, j, false
		}
		v = v*10 + float64(t[j]-'0')
		j++
	}
	if j == i {
		return 0, i, false
	}
	if j+1 < len(t) && (t[j] == '.' || t[j] == ',') && unitIsDigit(t[j+1]) {
		k := j + 1
		for k < len(t) && unitIsDigit(t[k]) {
			k++
		}
		frac := t[j+1 : k]
		if len(frac) > 6 {
			return 0, k, false
		}
		if t[j] == ',' && len(frac) == 3 {
			for _, c := range []byte(frac) {
				v = v*10 + float64(c-'0')
			}
		} else {
			f, scale := 0.0, 1.0
			for _, c := range []byte(frac) {
				f = f*10 + float64(c-'0')
				scale *= 10
			}
			v += f / scale
		}
		j = k
	}
	return v, j, true
}

// unitTwoDigits reads exactly two digits at i (the minutes or seconds of a
// clock), which must not be followed by a third.
func unitTwoDigits(t string, i int) (int, int, bool) {
	if i+2 > len(t) || !unitIsDigit(t[i]) || !unitIsDigit(t[i+1]) || i+2 < len(t) && unitIsDigit(t[i+2]) {
		return 0, i, false
	}
	v := int(t[i]-'0')*10 + int(t[i+1]-'0')
	if v >= 60 {
		return 0, i, false
	}
	return v, i + 2, true
}

// unitLetters returns the run of ASCII letters at i and where it ends.
func unitLetters(t string, i int) (string, int) {
	j := i
	for j < len(t) && 'a' <= t[j] && t[j] <= 'z' {
		j++
	}
	if j < len(t) && t[j] >= 0x80 {
		// Part of a longer non-ASCII word: not a unit; but "5km慢跑" has
		// its unit right before a Chinese word.
		if r, _ := utf8.DecodeRuneInString(t[j:]); !clsIdeo(r) {
			return "", i
		}
	}
	return t[i:j], j
}

// unitOtherScript reads the Russian units "км", "мин", "ч" and "м", and
// the Chinese and Japanese ones ("公里", "千米", "米", "分钟", "小时",
// "キロ", "時間") at i and returns their Latin equivalents (Russian plans
// never mean miles by "м", nor Chinese ones by "米"). Chinese and Japanese
// units run straight into the next word ("3公里慢跑"), so they need no
// word break after them.
func unitOtherScript(t string, i int) (string, int) {
	if i >= len(t) || t[i] < utf8.RuneSelf {
		return "", i
	}
	for _, u := range unitCyrillicUnits {
		if strings.HasPrefix(t[i:], u.src) {
			e := i + len(u.src)
			if r, _ := utf8.DecodeRuneInString(t[e:]); e == len(t) || !unicode.IsLetter(r) {
				return u.lat, e
			}
		}
	}
	for _, u := range unitCJKUnits {
		if strings.HasPrefix(t[i:], u.src) {
			return u.lat, i + len(u.src)
		}
	}
	return "", i
}

// Units in other scripts, longest first within each script.
var (
	unitCyrillicUnits = [...]struct{ src, lat string }{{"км", "km"}, {"мин", "min"}, {"ч", "h"}, {"м", "mtr"}}
	unitCJKUnits      = [...]struct{ src, lat string }{
		{"公里", "km"}, {"千米", "km"}, {"キロメートル", "km"}, {"キロ", "km"}, {"米", "mtr"}, {"メートル", "mtr"},
		{"分钟", "min"}, {"分鐘", "min"}, {"分間", "min"}, {"分", "min"},
		{"小时", "h"}, {"小時", "h"}, {"時間", "h"}, {"秒", "s"}, {"英里", "mi"}, {"マイル", "mi"},
		{"킬로미터", "km"}, {"킬로", "km"}, {"미터", "mtr"}, {"분", "min"}, {"시간", "h"}, {"초", "s"},
	}
)

// unitSpaces skips spaces at i.
func unitSpaces(t string, i int) int {
	for i < len(t) && t[i] == ' ' {
		i++
	}
	return i
}

func unitIsDigit(c byte) bool { return '0' <= c && c <= '9' }

// unitDur multiplies a unit by n, saturating instead of overflowing.
func unitDur(n float64, unit time.Duration) time.Duration {
	v := n * float64(unit)
	if v >= float64(math.MaxInt64) || v < 0 || math.IsNaN(v) {
		return math.MaxInt64
	}
	return time.Duration(v)
}
