package rules

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Thresholds of the classifier (SPEC §3 and the classifier issue).
const (
	// A run planned for 90 minutes or more is a long run, the usual floor
	// of marathon plans' long runs.
	clsLongMinutes = 90 * time.Minute
	// So is a run of 25 km or more, or 16 miles or more when the plan
	// counts in miles (16 mi is 25.7 km; each unit keeps its round number).
	clsLongKm = 25.0
	clsLongMi = 16.0
	// A run written as segments ("2 mi WU + 10 mi @ MP + 2 mi CD") with
	// faster work inside is a long run from 13 mi or 21 km: Pfitzinger's
	// and Hansons' marathon-pace long runs, not an interval day.
	clsLongSegKm = 21.0
	clsLongSegMi = 13.0
	// Week context: the longest run of an ISO week is its long run, with
	// no keyword at all, when it is at least 1.5 times the longest run of
	// any other day that week and at least 9.5 km or 60 minutes. 9.5 km
	// lets Hal Higdon's first novice long run (6 mi, 9.7 km, after a week
	// of 3 mi runs) count; 1.5× keeps a week of even runs free of a long
	// run.
	clsContextRatio   = 1.5
	clsContextMinKm   = 9.5
	clsContextMinTime = 60 * time.Minute
	// Comparing a run known by its distance with one known by its time
	// assumes 6 min/km, an easy pace for most runners of these plans.
	clsPaceMinPerKm = 6.0
	// A multi-day entry of five days or more is a summary ("Training Week
	// 3 Distance: 33 mi"), never one workout.
	clsSummaryDays = 5
	// Descriptions beyond this many bytes are not read: the workout is
	// always stated at the top, and the rest is prose.
	clsMaxDescription = 4096
	clsMaxTitle       = 1024
	// A strength entry of 30 minutes or less is light (SPEC §3).
	clsLightMax = 30 * time.Minute
)

// clsCap cuts s to at most n bytes.
func clsCap(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Classifier turns calendar events into kinds with reasons. It holds the
// vocabulary, compiled once; it is safe for concurrent use.
type Classifier struct {
	builtin clsVocab
	user    clsVocab
}

// clsEntry is a compiled vocabulary phrase.
type clsEntry struct {
	toks   []string
	prefix bool // the last word matches as a prefix
	clsDef
}

// clsVocab finds phrases in token streams.
type clsVocab struct {
	// byFirst holds the phrases by their first word, longest first.
	byFirst map[string][]*clsEntry
	// prefixes holds single-word prefix phrases by their first byte,
	// longest first, so a word is only compared with the few that could
	// start it.
	prefixes [256][]*clsEntry
}

// NewClassifier returns a classifier with the built-in vocabulary plus the
// user's keywords. A keyword matches whole words, whatever their case and
// accents ("bahn" matches "Bahn"); a trailing "*" matches the start of a
// word ("Intervall*" matches "Intervalltraining"). When keywords of several
// kinds match one field, the strongest kind wins.
func NewClassifier(kw Keywords) *Classifier {
	c := &Classifier{}
	for _, d := range clsVocabulary {
		c.builtin.add(d)
	}
	// Users' phrases are matched word by word, like the built-in ones;
	// kinds are visited in order so the result does not depend on map
	// iteration.
	for k := KindOther; k <= KindRace; k++ {
		for _, p := range kw[k] {
			if strings.TrimSpace(p) == "" {
				continue
			}
			c.user.add(clsDef{phrases: strings.ReplaceAll(p, "|", " "), kind: k, what: "your keyword for " + k.String()})
		}
	}
	c.builtin.sort()
	c.user.sort()
	return c
}

func (v *clsVocab) add(d clsDef) {
	if v.byFirst == nil {
		v.byFirst = map[string][]*clsEntry{}
	}
	var t clsText
	for p := range strings.SplitSeq(d.phrases, "|") {
		prefix := strings.HasSuffix(p, "*")
		t.normalize(strings.TrimSuffix(p, "*"))
		if len(t.toks) == 0 {
			continue
		}
		e := &clsEntry{prefix: prefix, clsDef: d}
		for _, tk := range t.toks {
			e.toks = append(e.toks, tk.s)
		}
		if prefix && len(e.toks) == 1 {
			b := e.toks[0][0]
			v.prefixes[b] = append(v.prefixes[b], e)
		}
		v.byFirst[e.toks[0]] = append(v.byFirst[e.toks[0]], e)
	}
}

func (v *clsVocab) sort() {
	for _, es := range v.byFirst {
		slices.SortStableFunc(es, func(a, b *clsEntry) int { return len(b.toks) - len(a.toks) })
	}
	for _, es := range v.prefixes {
		slices.SortStableFunc(es, func(a, b *clsEntry) int { return len(b.toks[0]) - len(a.toks[0]) })
	}
}

// clsMatch is a phrase (or a repeat) found in a text. Its kind and sig
// start as the entry's; Hansons' "Strength" turns hard.
type clsMatch struct {
	*clsEntry
	kind       Kind
	sig        clsSig
	start, end int  // in the normalised text
	seg        int  // which alternative ("Rest or cross-train") it is in
	first      bool // the text's first word: "Note:" counts only there
	// run marks words that say running: "Tempo run", "Erholungslauf",
	// "jog", as opposed to "Tempo" or "Easy", which a bike ride can be.
	run bool
}

// matchAt returns the longest phrase starting at token i and the number of
// tokens it spans.
func (v *clsVocab) matchAt(toks []clsToken, i int) (*clsEntry, int) {
	for _, e := range v.byFirst[toks[i].s] {
		n := len(e.toks)
		if i+n > len(toks) {
			continue
		}
		ok := true
		for j := 1; j < n; j++ {
			w := toks[i+j].s
			if w != e.toks[j] && !(e.prefix && j == n-1 && strings.HasPrefix(w, e.toks[j])) {
				ok = false
				break
			}
		}
		if ok {
			return e, n
		}
	}
	w := toks[i].s
	for _, e := range v.prefixes[w[0]] {
		if len(w) > len(e.toks[0]) && strings.HasPrefix(w, e.toks[0]) {
			return e, 1
		}
	}
	return nil, 0
}

// clsField names where a text came from, for reasons and for the phrases
// that only count in titles.
type clsField uint8

const (
	clsTitle clsField = iota
	clsCategories
	clsDesc
	clsFieldCount
)

func (f clsField) label() string {
	switch f {
	case clsCategories:
		return " (category)"
	case clsDesc:
		return " (description)"
	}
	return ""
}

// clsVerdict is what one field says.
type clsVerdict struct {
	kind   Kind
	sig    clsSig
	reason string
	km     float64 // distance named by a race phrase
	ok     bool
	field  clsField
	// planEnd says the text marks the end of the plan ("Plan Ends").
	planEnd bool
	// light says the entry, if strength, is light by its words.
	light bool
	// gym is set for a compound entry ("Threshold intervals + Gym B"):
	// the run decides kind, and the gym part, at [gymFrom, gymTo) in the
	// field's normalised text, is an existing strength session.
	gym              bool
	gymFrom, gymTo   int
	gymQuote, gymWhy string
	gymLight         bool
}

// clsWork is the scratch space of one Classify call.
type clsWork struct {
	text    [clsFieldCount]clsText
	scan    [clsFieldCount]unitScan
	has     [clsFieldCount]bool
	lscan   unitScan
	matches []clsMatch
	seps    []int
	// joins are where parts of a compound entry meet ("+", "then",
	// "and"); lights where a word makes strength light ("optional").
	joins, lights []int
	// descRaw is the description, read lazily: descLoaded says whether
	// text[clsDesc] holds it yet.
	descRaw    string
	descLoaded bool
	// descSplit is where the description's first line ends in its
	// normalised text: the workout is named on the first line, and later
	// lines often refer to other days ("Sunday: long run").
	descSplit int
	// line and lscan read single description lines for planned quantities.
	line clsText
	// durProse says planned's duration came from an unlabelled description
	// line ("Squats 3x8, core 10 min"): good enough for a run's size, not
	// for a gym session's length.
	durProse bool
}

// clsMeta is what the week pass needs beyond Classified.
type clsMeta struct {
	locked  bool   // tagged or matched a user keyword: never changed
	dist    string // the planned distance as written, "12 mi"
	fromLen bool   // Duration came from the event's length
	planEnd bool   // says the plan ends ("Plan Ends"): its goal race after a taper
}

// Classify classifies every event. Week context (the longest run of an ISO
// week, Monday–Sunday in loc) uses all the events given. The result is in
// the same order as events, one Classified per event, except that a
// compound entry ("Threshold intervals + Gym B") gives two in a row sharing
// its Event: Part "run" with the run's kind, then Part "strength" with
// KindStrength. Code that wants one verdict per event reads Kind only, and
// a strength part never raises a day's kind.
func (c *Classifier) Classify(events []Event, loc *time.Location) []Classified {
	if loc == nil {
		loc = time.UTC
	}
	out := make([]Classified, len(events))
	meta := make([]clsMeta, len(events))
	w := &clsWork{}
	// Gym parts are kept aside and merged at the end, so a plan with no
	// compound entry allocates its result once. The week passes read runs
	// only, never a gym part.
	var gyms []Classified
	var at []int
	for i := range events {
		var gym Classified
		var ok bool
		out[i], meta[i], gym, ok = c.classify(w, events[i], loc)
		if ok {
			gyms, at = append(gyms, gym), append(at, i)
		}
	}
	clsWeekContext(out, meta, loc)
	clsPlanEnd(out, meta, loc)
	if len(gyms) == 0 {
		return out
	}
	merged := make([]Classified, 0, len(out)+len(gyms))
	prev := 0
	for k, i := range at {
		merged = append(merged, out[prev:i+1]...)
		merged = append(merged, gyms[k])
		prev = i + 1
	}
	return append(merged, out[prev:]...)
}

// classify decides one event: busy, then a #tag, then the user's
// keywords, then the built-in vocabulary and quantities; a multi-day entry
// is a summary unless it says the runner is away. gym is the strength part
// of a compound entry, when ok.
func (c *Classifier) classify(w *clsWork, ev Event, loc *time.Location) (out Classified, meta clsMeta, gym Classified, ok bool) {
	out = Classified{Event: ev}
	if ev.Busy {
		out.Kind, out.Reason = KindOther, "busy calendar"
		return out, meta, gym, false
	}
	w.load(ev)
	dist, hasDist, dur, hasDur := w.planned(0, 0)
	setPlanned := func() {
		out.DistanceKm, out.Duration, meta.dist = 0, 0, ""
		if hasDist {
			out.DistanceKm = dist.km
			meta.dist = clsFormatNum(dist.num) + " " + dist.unit
		}
		if hasDur {
			out.Duration = dur.dur
		}
	}
	setPlanned()

	if k, tag, ok := clsTag(ev.Summary, ev.Description); ok {
		out.Kind, out.Reason = k, "tagged #"+tag
		meta.locked = true
		if k == KindAway || k == KindOther {
			out.DistanceKm, out.Duration, meta.dist = 0, 0, ""
			return out, meta, gym, false
		}
		clsGymLength(w, &out, &hasDur)
		clsFillLength(&out, &meta, hasDist || hasDur)
		clsMarkLight(&out, false)
		return out, meta, gym, false
	}
	days := ev.LastDate(loc).Sub(ev.FirstDate(loc)) + 1
	summary := ev.End.Sub(ev.Start) > (clsSummaryDays-2)*24*time.Hour && days >= clsSummaryDays
	asSummary := func() (Classified, clsMeta, Classified, bool) {
		out.Kind = KindOther
		out.Reason = "entry over " + strconv.Itoa(days) + " days: a summary, not a workout"
		out.DistanceKm, out.Duration, meta.dist = 0, 0, ""
		return out, meta, gym, false
	}
	if v, ok := c.userVerdict(w); ok {
		if summary && v.kind != KindAway {
			return asSummary()
		}
		out.Kind, out.Reason = v.kind, v.reason
		meta.locked = true
		if v.kind == KindAway || v.kind == KindOther {
			out.DistanceKm, out.Duration, meta.dist = 0, 0, ""
			return out, meta, gym, false
		}
		clsGymLength(w, &out, &hasDur)
		clsFillLength(&out, &meta, hasDist || hasDur)
		clsMarkLight(&out, false)
		return out, meta, gym, false
	}

	v := c.builtinVerdict(w)
	if summary && !(v.ok && v.kind == KindAway) {
		return asSummary()
	}
	switch {
	case !v.ok:
		out.Kind = KindOther
		out.Reason = "\"" + w.text[clsTitle].all() + "\": no workout words"
		if w.text[clsTitle].all() == "" {
			out.Reason = "no title and no workout words"
		}
	case v.kind == KindRace:
		out.Kind, out.Reason = v.kind, v.reason
		out.DistanceKm = clsRaceKm(v.km, out.DistanceKm)
	default:
		out.Kind, out.Reason = v.kind, v.reason
		if v.km > 0 && !hasDist {
			out.DistanceKm = v.km
			meta.dist = clsFormatNum(v.km) + " km"
		}
	}
	meta.planEnd = v.planEnd && out.Kind == KindOther
	if out.Kind == KindOther || out.Kind == KindAway {
		// Not a workout: no planned distance or duration either ("Team
		// meeting 2h", "Ski trip 5 days", "Training Week 3 Distance: 33 mi").
		out.DistanceKm, out.Duration, meta.dist = 0, 0, ""
		return out, meta, gym, false
	}
	if v.gym {
		gym, ok = c.gymPart(w, v, ev), true
		if v.field == clsTitle {
			// The run's own size leaves out the gym part's: "Easy 40 min
			// + 20 min core" is a 40-minute run.
			dist, hasDist, dur, hasDur = w.planned(v.gymFrom, v.gymTo)
			if out.Kind != KindRace {
				setPlanned()
			}
		}
		out.Part = "run"
	}
	clsGymLength(w, &out, &hasDur)
	// A compound entry's length holds both parts: it is neither's own.
	clsFillLength(&out, &meta, hasDist || hasDur || v.gym)
	clsLongByPlan(&out, dist, hasDist, hasDur, meta.fromLen)
	clsMarkLight(&out, v.light)
	return out, meta, gym, ok
}

// gymPart is the strength part of a compound entry.
func (c *Classifier) gymPart(w *clsWork, v clsVerdict, ev Event) Classified {
	g := Classified{Event: ev, Kind: KindStrength, Part: "strength"}
	if v.field == clsTitle {
		// Only a duration inside the gym part is the gym's: "Easy 40 min +
		// core 20 min".
		if d, ok := clsDurationIn(&w.scan[clsTitle], v.gymFrom, v.gymTo); ok {
			g.Duration = d
		}
	}
	g.Reason = "\"" + v.gymQuote + "\"" + v.field.label() + " is " + v.gymWhy + ", part of \"" + w.text[v.field].all() + "\""
	clsMarkLight(&g, v.gymLight)
	return g
}

// clsDurationIn is the longest duration stated inside [a, b).
func clsDurationIn(sc *unitScan, a, b int) (time.Duration, bool) {
	var best time.Duration
	for _, q := range sc.qty {
		if q.kind == unitDuration && !q.repeat && !q.ref && q.start >= a && q.end <= b && q.dur > best {
			best = q.dur
		}
	}
	return best, best > 0
}

// clsGymLength drops a gym session's duration read from the prose of its
// description ("Squats 3x8, core 10 min": the 10 minutes are the core's),
// so its length comes from the title, a labelled line or the event.
func clsGymLength(w *clsWork, out *Classified, hasDur *bool) {
	if out.Kind == KindStrength && w.durProse {
		out.Duration, *hasDur = 0, false
	}
}

// clsMarkLight marks a strength entry light when its words say so or it lasts
// 30 minutes or less (SPEC §3 "Light strength").
func clsMarkLight(out *Classified, byWords bool) {
	if out.Kind != KindStrength {
		return
	}
	switch {
	case byWords:
		out.Light = true
		if !strings.Contains(out.Reason, "light") {
			out.Reason += "; light by its name"
		}
	case out.Duration > 0 && out.Duration <= clsLightMax:
		out.Light = true
		out.Reason += "; light: " + clsFormatMinutes(out.Duration) + " (≤ 30 min)"
	}
}

// clsFormatMinutes writes a short duration as minutes: "20 min".
func clsFormatMinutes(d time.Duration) string {
	return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + " min"
}

// clsFillLength sets Duration from a timed event's length when the text
// states neither a duration nor a distance and the event is a workout.
func clsFillLength(out *Classified, meta *clsMeta, stated bool) {
	if out.Duration > 0 || stated || out.AllDay || out.Kind == KindOther || out.Kind == KindRest {
		return
	}
	if d := out.End.Sub(out.Start); d > 0 && d <= 24*time.Hour {
		out.Duration = d
		meta.fromLen = true
	}
}

// clsLongByPlan makes a run long by its planned size: an easy run planned
// for ≥ 90 min or ≥ 25 km / 16 mi (or, with nothing planned in the text, a
// timed run lasting ≥ 90 min); a hard run only by its distance, since a
// long-ish interval session with warm-up and cool-down is still a hard day,
// or when written as segments that add up to 13 mi / 21 km ("2 mi WU + 10
// mi @ MP + 2 mi CD" is a long run with faster miles).
func clsLongByPlan(out *Classified, dist unitQty, hasDist, hasDur, fromLen bool) {
	if out.Kind != KindEasy && out.Kind != KindHard {
		return
	}
	var why string
	switch {
	case hasDist && dist.unit == "mi" && dist.num >= clsLongMi:
		why = "planned " + clsFormatNum(dist.num) + " mi (≥ 16 mi)"
	case hasDist && dist.unit != "mi" && dist.km >= clsLongKm:
		why = "planned " + clsFormatNum(dist.num) + " " + dist.unit + " (≥ 25 km)"
	case out.Kind == KindHard && hasDist && dist.parts > 1 && (dist.unit == "mi" && dist.num >= clsLongSegMi || dist.unit != "mi" && dist.km >= clsLongSegKm):
		why = "planned " + clsFormatNum(dist.num) + " " + dist.unit + " in " + strconv.Itoa(int(dist.parts)) + " segments: a long run with faster miles"
	case out.Kind == KindHard:
		return
	case hasDur && out.Duration >= clsLongMinutes:
		why = "planned " + clsFormatDur(out.Duration) + " (≥ 90 min)"
	case fromLen && out.Duration >= clsLongMinutes:
		why = "lasts " + clsFormatDur(out.Duration) + " (≥ 90 min)"
	default:
		return
	}
	if out.Kind == KindHard {
		why += "; " + out.Reason
	}
	out.Kind, out.Reason = KindLong, why
}

// clsRaceKm is a race's distance: the one its name gives ("Marathon"),
// else the one stated, snapped to the standard distance it rounds
// ("13.1 mi" is a half marathon, not 21.08 km).
func clsRaceKm(named, stated float64) float64 {
	if named > 0 {
		return named
	}
	for _, std := range [...]float64{5, 10, 15, 16.09344, clsHalfKm, 30, clsMarathonKm, 50, 80.4672, 100, 160.9344} {
		if math.Abs(stated-std) <= std*0.01 {
			return std
		}
	}
	return stated
}

// load normalises and scans the title and categories of ev. The
// description is read only as far as it is needed: its plan lines for
// quantities (planned), all of it when no title decides (desc).
func (w *clsWork) load(ev Event) {
	w.has = [clsFieldCount]bool{}
	w.set(clsTitle, clsCap(ev.Summary, clsMaxTitle))
	if len(ev.Categories) > 0 {
		w.set(clsCategories, clsCap(strings.Join(ev.Categories, ", "), clsMaxTitle))
	}
	w.descRaw = strings.TrimLeft(clsCap(ev.Description, clsMaxDescription), " \t\r\n")
	w.descLoaded = false
	w.has[clsDesc] = strings.TrimSpace(w.descRaw) != ""
}

// desc normalises and scans the whole description, once per event.
func (w *clsWork) desc() {
	if w.descLoaded {
		return
	}
	w.descLoaded = true
	w.set(clsDesc, w.descRaw)
	norm := w.text[clsDesc].norm
	if w.descSplit = strings.IndexByte(norm, '\n'); w.descSplit < 0 {
		w.descSplit = len(norm)
	}
}

func (w *clsWork) set(f clsField, s string) {
	t := &w.text[f]
	if strings.TrimSpace(s) == "" {
		t.orig, t.norm, t.toks, t.start = "", "", t.toks[:0], t.start[:0]
		w.scan[f].qty, w.scan[f].reps = w.scan[f].qty[:0], w.scan[f].reps[:0]
		w.has[f] = false
		return
	}
	t.normalize(s)
	w.scan[f].scan(t.norm)
	w.has[f] = true
}

// planned finds the planned distance and duration, each in the first place
// that states it: the title, a labelled description line ("Planned:
// 1:30:00, 18 km, TSS 120"), the description's first line. Later lines
// hold warm-ups, notes and other days.
//
// Quantities of the title inside [skipFrom, skipTo) are left out: they
// belong to the gym part of a compound entry.
func (w *clsWork) planned(skipFrom, skipTo int) (dist unitQty, okDist bool, dur unitQty, okDur bool) {
	w.durProse = false
	take := func(sc *unitScan, a, b int) bool {
		if !okDist {
			dist, okDist = sc.distanceSkipping(a, b)
		}
		if !okDur {
			dur, okDur = sc.durationSkipping(a, b)
		}
		return okDist && okDur
	}
	if take(&w.scan[clsTitle], skipFrom, skipTo) || !w.has[clsDesc] {
		return
	}
	line := func(s string) bool {
		w.line.normalize(s)
		w.lscan.scan(w.line.norm)
		return take(&w.lscan, 0, 0)
	}
	first, firstLabelled := "", false
	for i, l := range clsLines(w.descRaw) {
		if i == 0 {
			first = l
		}
		if clsLabelled(l) {
			firstLabelled = firstLabelled || i == 0
			if line(l) {
				return
			}
		}
	}
	if !firstLabelled {
		had := okDur
		line(first)
		w.durProse = okDur && !had
	}
	return
}

// clsLines yields the lines of s with their index.
func clsLines(s string) func(yield func(int, string) bool) {
	return func(yield func(int, string) bool) {
		for i := 0; s != ""; i++ {
			l, rest, _ := strings.Cut(s, "\n")
			if !yield(i, l) {
				return
			}
			s = rest
		}
	}
}

// clsLabels start description lines that state the plan.
var clsLabels = [...]string{"planned", "plan:", "duration", "distance", "total", "geplant", "dauer", "distanz",
	"umfang", "prévu", "prevu", "durée", "duree", "duración", "duracion", "distancia", "durata", "distanza",
	"afstand", "tijd", "time:", "zeit:", "temps", "tiempo"}

// clsLabelled reports whether a description line states the plan:
// "Planned: 1:30:00, 18 km, TSS 120", "• Dauer: 1:05 h".
func clsLabelled(line string) bool {
	line = strings.TrimLeft(line, " \t-*•·")
	for _, l := range clsLabels {
		if len(line) >= len(l) && strings.EqualFold(line[:len(l)], l) {
			return true
		}
	}
	return false
}

// clsTag finds a per-event tag (#hard, #easy, #long, #rest, #race, #cross,
// #strength, #other, #away) in the title, else the description.
func clsTag(title, desc string) (Kind, string, bool) {
	for _, s := range [2]string{title, desc} {
		for i := 0; i < len(s); i++ {
			if s[i] != '#' {
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				continue // "C#rest": the # must start a word
			}
			j := i + 1
			for j < len(s) && ('a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z') {
				j++
			}
			if j == i+1 || !clsTagEnds(s, j) {
				continue
			}
			word := strings.ToLower(s[i+1 : j])
			if k, err := ParseKind(word); err == nil {
				return k, word, true
			}
		}
	}
	return 0, "", false
}

// clsTagEnds reports whether a tag's word ends at j: "#hard", "#hard," and
// "#hard🔥" are tags, "#hard2" and "#hardest" are not.
func clsTagEnds(s string, j int) bool {
	if j == len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
}

// userVerdict applies the user's keywords: the first field with a match
// decides, and within a field the strongest kind.
func (c *Classifier) userVerdict(w *clsWork) (clsVerdict, bool) {
	if len(c.user.byFirst) == 0 {
		return clsVerdict{}, false
	}
	for f := clsTitle; f < clsFieldCount; f++ {
		if f == clsDesc {
			w.desc()
		}
		if !w.has[f] {
			continue
		}
		t := &w.text[f]
		var best *clsMatch
		w.matches = w.matches[:0]
		for i := 0; i < len(t.toks); {
			e, n := c.user.matchAt(t.toks, i)
			if e == nil {
				i++
				continue
			}
			w.matches = append(w.matches, clsMatch{clsEntry: e, kind: e.kind, start: t.toks[i].start, end: t.toks[i+n-1].end})
			i += n
		}
		for i := range w.matches {
			if best == nil || w.matches[i].kind > best.kind {
				best = &w.matches[i]
			}
		}
		if best != nil {
			return clsVerdict{kind: best.kind, ok: true,
				reason: "\"" + t.quote(best.start, best.end) + "\"" + f.label() + " is " + best.what}, true
		}
	}
	return clsVerdict{}, false
}

// builtinVerdict applies the built-in vocabulary field by field: the
// first field that says something strong decides; failing that, the first
// that says something weak.
func (c *Classifier) builtinVerdict(w *clsWork) clsVerdict {
	var weak clsVerdict
	for f := clsTitle; f < clsFieldCount; f++ {
		if f == clsDesc {
			w.desc()
		}
		if !w.has[f] {
			continue
		}
		v := c.judge(w, f)
		if !v.ok {
			continue
		}
		if v.sig == clsStrong {
			return v
		}
		if !weak.ok {
			weak = v
		}
	}
	return weak
}

// clsRank orders kinds within one text: a race entry that also names its
// pace is a race, a long run with marathon-pace miles is long, intervals
// with an easy warm-up are hard. A meeting or an errand is never a
// workout, and a trip ("Ski trip") says the runner is away whatever sport
// it names.
func clsRank(k Kind) int {
	switch k {
	case KindAway:
		return 10
	case KindOther:
		return 9
	case KindStrength:
		return 1
	}
	return int(k)
}

// judge reads one field.
func (c *Classifier) judge(w *clsWork, f clsField) clsVerdict {
	t, sc := &w.text[f], &w.scan[f]
	// Reasons quote a whole title, but only a description's first line.
	whole := t.all
	if f == clsDesc {
		whole = func() string { return t.quote(0, w.descSplit) }
	}
	w.matches = w.matches[:0]
	w.seps = w.seps[:0]
	w.joins = w.joins[:0]
	w.lights = w.lights[:0]
	for i := 0; i < len(t.norm); i++ {
		switch t.norm[i] {
		case '+', ';':
			w.joins = append(w.joins, i)
		case ',', '/':
			// "Run, core", "AM: easy 5 mi / PM: strength"; "6,5 km" and
			// "5:45/km" join nothing.
			if i+1 < len(t.norm) && t.norm[i+1] == ' ' {
				w.joins = append(w.joins, i)
			}
		}
	}
	title := f == clsTitle || f == clsCategories
	var cur unitCursor
	for i := 0; i < len(t.toks); {
		tk := t.toks[i]
		if clsAlternative(tk.s) && i > 0 && i+1 < len(t.toks) {
			w.seps = append(w.seps, tk.start)
			i++
			continue
		}
		if cur.covers(sc, tk.start, tk.end) {
			// Words inside quantities ("5 m", "8:30 pace", "7 x hill") are
			// read by the unit scanner.
			i++
			continue
		}
		e, n := c.builtin.matchAt(t.toks, i)
		if e == nil {
			if i > 0 && clsSlashBetween(t, i) {
				w.seps = append(w.seps, tk.start)
			}
			if clsJoinWord(tk.s) {
				w.joins = append(w.joins, tk.start)
			}
			i++
			continue
		}
		m := clsMatch{clsEntry: e, kind: e.kind, sig: e.sig, start: tk.start, end: t.toks[i+n-1].end, first: i == 0}
		if e.kind != KindCross {
			for _, rt := range t.toks[i : i+n] {
				m.run = m.run || clsRunWord(rt.s)
			}
		}
		if i > 0 && clsSlashBetween(t, i) {
			w.seps = append(w.seps, tk.start)
		}
		i += n
		switch {
		case e.sig == clsNull:
			if e.flags&clsLight != 0 {
				w.lights = append(w.lights, m.start)
			}
			continue
		case e.flags&clsTitleOnly != 0 && !title, e.flags&clsAtStart != 0 && !m.first:
			continue
		case e.flags&clsBeforeNum != 0 && !clsNumberAfter(t.norm, m.end):
			continue
		case e.flags&clsPerson != 0 && m.start > 0 && clsWithWord(t.toks, m.start):
			// "Long run with my son" is the runner's run.
			continue
		case f == clsDesc && m.start >= w.descSplit && (m.kind == KindRace || m.kind == KindLong):
			// "Sunday: long run", "Goal: Berlin Marathon" on a later line
			// name other days.
			continue
		}
		w.matches = append(w.matches, m)
	}
	gym, cross := false, false
	for _, m := range w.matches {
		gym = gym || m.flags&clsGym != 0
		cross = cross || m.kind == KindCross
	}
	// Repeats are interval sessions, unless they are strides, or sets of a
	// gym or cross-training session ("3 x 10 squats", "Bike 5 x 3 min").
	for _, r := range sc.reps {
		switch {
		case r.strides:
			w.matches = append(w.matches, clsMatch{clsEntry: clsStridesRepeat, kind: KindEasy, start: r.start, end: r.end})
		case (gym || cross) && !r.run:
		default:
			w.matches = append(w.matches, clsMatch{clsEntry: clsIntervalRepeat, kind: KindHard, start: r.start, end: r.end})
		}
	}
	for _, q := range sc.qty {
		if q.paceRef {
			w.matches = append(w.matches, clsMatch{clsEntry: clsPaceRef, kind: KindHard, start: q.start, end: q.end})
		}
	}
	clsDropErrands(w, t, sc)
	clsDropOptional(w)
	if len(w.matches) == 0 {
		if sc.runEvidence() || sc.onlyQuantities(t.toks) {
			return clsVerdict{kind: KindEasy, sig: clsWeak, ok: true,
				reason: "\"" + whole() + "\"" + f.label() + " is a run with no intensity given: easy"}
		}
		return clsVerdict{}
	}
	// Alternatives: the first one that says anything decides.
	seg := -1
	segs := 0
	for i := range w.matches {
		m := &w.matches[i]
		m.seg, _ = slices.BinarySearch(w.seps, m.start+1)
		if seg < 0 || m.seg < seg {
			seg = m.seg
		}
		segs = max(segs, m.seg)
	}
	alt := segs > seg
	// Hansons' "Strength 3 x 2 mi" and "Strength workout 6 x 1 mile @
	// MP-10s": repeats of a running distance, or marathon pace, and no gym
	// words. "3 m run + strength" is a run with gym work after it.
	var best, bestWeak *clsMatch
	run, hansons, easy := false, false, false
	for i := range w.matches {
		m := &w.matches[i]
		if m.seg != seg {
			continue
		}
		run = run || m.run || m.flags&clsRun != 0
		easy = easy || m.flags&clsSprints == 0 && (m.run || m.flags&clsRun != 0 || m.kind == KindEasy && m.sig == clsStrong)
	}
	for i := range w.matches {
		m := &w.matches[i]
		if m.seg != seg {
			continue
		}
		if m.flags&clsHansons != 0 && !gym && w.hansonsRun(sc, m) {
			m.kind, hansons = KindHard, true
		}
		if m.flags&clsSprints != 0 && easy {
			// "GA 8 mi + speed", "run + 6 hill sprints": strides.
			m.clsEntry, m.kind = clsSprintsEasy, KindEasy
		}
		if m.sig == clsStrong {
			if best == nil || clsRank(m.kind) > clsRank(best.kind) || clsRank(m.kind) == clsRank(best.kind) && m.start < best.start {
				best = m
			}
		} else if bestWeak == nil || clsRank(m.kind) > clsRank(bestWeak.kind) {
			bestWeak = m
		}
	}
	// With a cross-training or gym activity and no word of running, an
	// intensity describes that activity: "Easy bike", "Bike intervals",
	// "Long ride 3h", "Easy strength".
	// An intensity joined to the activity by "+" is a run of its own:
	// "Threshold intervals + Gym B" is a threshold run and a gym session.
	activity := false
	if best != nil && !run && !hansons && (best.kind == KindLong || best.kind == KindHard || best.kind == KindEasy) {
		for _, k := range [...]Kind{KindCross, KindStrength} {
			if o := clsFirstStrong(w.matches, seg, k); o != nil && !w.joined(best, o) {
				best, activity = o, true
				break
			}
		}
	}
	v := clsVerdict{ok: true, sig: clsStrong}
	m := best
	if m == nil {
		m, v.sig = bestWeak, clsWeak
	}
	if alt && m.kind != KindRace && m.kind != KindAway && m.kind != KindOther {
		// "Rest or cross-train" and "X or day off" are rest, whichever
		// comes first (SPEC §3 rest).
		for i := range w.matches {
			if r := &w.matches[i]; r.seg != seg && r.kind == KindRest {
				m, v.sig = r, clsStrong
				break
			}
		}
	}
	v.kind, v.km = m.kind, m.km
	if v.kind == KindRace {
		// "Race: Chicago Marathon": the distance comes from whichever race
		// word names one.
		for _, o := range w.matches {
			if o.seg == seg && o.kind == KindRace && o.km > v.km {
				v.km = o.km
			}
		}
	}
	quote := t.quote(m.start, m.end)
	if alt || activity || m.kind == KindAway {
		quote = whole()
	}
	v.field = f
	v.planEnd = m.flags&clsPlanEnds != 0
	v.light = len(w.lights) > 0 || clsLightOnly(w.matches, seg)
	switch {
	case hansons && m.kind == KindHard && m.flags&clsHansons != 0:
		v.reason = "\"" + whole() + "\"" + f.label() + " is a Hansons strength run (repeats near marathon pace), not gym work"
	case v.sig == clsStrong && (m.kind == KindCross || m.kind == KindStrength) && run:
		v.kind = KindEasy
		v.reason = "\"" + whole() + "\"" + f.label() + " includes a run"
	case v.sig == clsWeak && m.flags&clsRun != 0:
		v.reason = "\"" + whole() + "\"" + f.label() + " is a run with no intensity given: easy"
	default:
		v.reason = "\"" + quote + "\"" + f.label() + " is " + m.what
	}
	if v.kind.IsRun() {
		c.compound(w, t, f, seg, hansons, m, &v)
	}
	return v
}

// compound finds the gym part of an entry whose run decides its kind:
// "Threshold intervals + Gym B", "Easy 40 min + core", "Strength + 5K easy
// run", "Run 8 km + S&C". Strides and hill sprints are part of the run.
func (c *Classifier) compound(w *clsWork, t *clsText, f clsField, seg int, hansons bool, decided *clsMatch, v *clsVerdict) {
	var g *clsMatch
	for i := range w.matches {
		m := &w.matches[i]
		if m.seg != seg || m.sig != clsStrong || m.kind != KindStrength {
			continue
		}
		if m.flags&clsGym != 0 || m.flags&clsHansons != 0 && !hansons {
			g = m
			break
		}
	}
	if g == nil || g == decided && v.kind == KindStrength {
		return
	}
	if f == clsDesc && g.start >= w.descSplit {
		return // a later line of a description names other days' gym work
	}
	from, to := 0, len(t.norm)
	for _, j := range w.joins {
		if j < g.start {
			from = j
		} else if j >= g.end {
			to = j
			break
		}
	}
	v.gym, v.gymFrom, v.gymTo = true, from, to
	v.gymQuote = t.quote(g.start, g.end)
	v.gymWhy = g.what
	light, full := false, false
	for _, m := range w.matches {
		if m.seg == seg && m.kind == KindStrength && from <= m.start && m.end <= to {
			light = light || m.flags&clsLight != 0
			full = full || m.flags&clsGym != 0 && m.flags&clsLight == 0
		}
	}
	v.gymLight = light && !full
	for _, l := range w.lights {
		v.gymLight = v.gymLight || from <= l && l < to
	}
}

// joined reports whether a "+" or a joining word stands between two
// matches.
func (w *clsWork) joined(a, b *clsMatch) bool {
	return w.joinedSpan(a.start, a.end, b.start, b.end)
}

// joinedSpan reports whether a "+" or a joining word stands between the
// spans [a0, a1) and [b0, b1).
func (w *clsWork) joinedSpan(a0, a1, b0, b1 int) bool {
	lo, hi := min(a1, b1), max(a0, b0)
	for _, j := range w.joins {
		if lo <= j && j < hi {
			return true
		}
	}
	return false
}

// clsLightOnly reports whether the strength words of segment seg are all
// light ones, the bare "Strength" aside: "Strength: Core Routine" is light,
// "Gym + core" is not.
func clsLightOnly(ms []clsMatch, seg int) bool {
	light := false
	for _, m := range ms {
		if m.seg != seg || m.kind != KindStrength {
			continue
		}
		switch {
		case m.flags&clsLight != 0:
			light = true
		case m.flags&clsGym != 0:
			return false
		}
	}
	return light
}

// clsNumberAfter reports whether a number follows offset i, past spaces
// and a colon: "T 3 x 1 mi", "E: 8 mi".
func clsNumberAfter(s string, i int) bool {
	for i < len(s) && (s[i] == ' ' || s[i] == ':') {
		i++
	}
	return i < len(s) && unitIsDigit(s[i])
}

// clsJoinWord reports whether w joins the parts of a compound entry.
func clsJoinWord(w string) bool {
	switch w {
	case "and", "then", "plus", "with", "w", "after", "followed", "pm", "und", "dann", "danach", "anschliessend", "mit",
		"et", "puis", "avec", "y", "luego", "con", "e", "poi", "en", "daarna", "met", "og", "och", "med":
		return true
	}
	return false
}

// clsWithWord reports whether the word before normalised offset at is
// "with" in one of the vocabulary's languages.
func clsWithWord(toks []clsToken, at int) bool {
	i, _ := slices.BinarySearchFunc(toks, at, func(tk clsToken, at int) int { return tk.start - at })
	if i == 0 {
		return false
	}
	switch toks[i-1].s {
	case "with", "mit", "avec", "con", "met", "med", "和", "跟", "与", "と":
		return true
	case "my", "the", "our", "his", "her", "meinem", "meiner", "den", "mes", "mon", "ma", "mis", "mi":
		// "with my son", "with the kids".
		return i > 1 && clsWithWord(toks, toks[i-1].start)
	}
	return false
}

// clsDropOptional keeps a rest day a rest day when the activity it
// offers is optional: "Rest day (optional 20 min walk)", like "Rest or
// cross-train".
func clsDropOptional(w *clsWork) {
	if len(w.lights) == 0 {
		return
	}
	rest := false
	for _, m := range w.matches {
		rest = rest || m.kind == KindRest && m.sig == clsStrong && m.start < w.lights[0]
	}
	if rest {
		w.matches = slices.DeleteFunc(w.matches, func(m clsMatch) bool {
			return m.start > w.lights[0] && (m.kind == KindCross || m.kind == KindEasy)
		})
	}
}

// clsDropErrands drops errand words from a text that also plans a run:
// "Easy 6 mi, pick up the last 2", "Drive to the trailhead, long run" are
// runs. A race stays an errand: "Register for the Berlin Marathon".
//
// A trip yields the same way ("Holiday long run", "Travel day - easy 30
// min"): the entry plans a run, so it is one. Sickness yields only to a
// measured run that nothing cancels: "Return from injury: run/walk 20 min"
// is a run, "Sick - skip the 5 mi" is not.
func clsDropErrands(w *clsWork, t *clsText, sc *unitScan) {
	errand, sick, run, runWord := false, false, false, false
	for _, m := range w.matches {
		errand = errand || m.flags&(clsErrand|clsTrip) != 0
		sick = sick || m.kind == KindAway && m.flags&clsTrip == 0
		run = run || m.sig == clsStrong && (m.kind == KindEasy || m.kind == KindHard || m.kind == KindLong)
		runWord = runWord || m.run || m.flags&clsRun != 0
	}
	if !errand && !sick || !run {
		return
	}
	_, timed := sc.duration()
	planned := sc.runEvidence() || timed
	cancelled := sick && clsCancelled(t)
	w.matches = slices.DeleteFunc(w.matches, func(m clsMatch) bool {
		switch {
		case m.flags&(clsErrand|clsTrip) != 0:
			return runWord || planned
		case m.kind == KindAway:
			return planned && !cancelled
		}
		return false
	})
}

// clsCancelled reports whether a text says a workout does not happen:
// "skip", "no run", "cancelled", "ausgefallen".
func clsCancelled(t *clsText) bool {
	for _, tk := range t.toks {
		switch tk.s {
		case "no", "skip", "skipped", "skipping", "missed", "miss", "cancel", "cancelled", "canceled", "instead", "kein",
			"keine", "ausgefallen", "abgesagt", "annule", "annulee", "sin", "cancelado", "cancelada", "saltato", "niente", "geen":
			return true
		}
	}
	return false
}

// clsFirstStrong returns the first strong match of kind k in segment seg.
func clsFirstStrong(ms []clsMatch, seg int, k Kind) *clsMatch {
	for i := range ms {
		if ms[i].seg == seg && ms[i].sig == clsStrong && ms[i].kind == k {
			return &ms[i]
		}
	}
	return nil
}

// clsRunWord reports whether w says running itself, in one of the
// vocabulary's languages, including German and Dutch compounds
// ("Tempodauerlauf", "Herstelloop").
func clsRunWord(w string) bool {
	switch w {
	case "run", "runs", "running", "jog", "jogging", "footing", "rodaje", "trote", "corsa", "pied", "continua",
		"hardlopen", "hardloop", "treadmill", "laufband", "trail", "trailrun", "laufen", "lauf", "lopning",
		"loping", "laf", "lafen", "бег", "пробежка":
		return true
	}
	if strings.Contains(w, "跑") {
		return true
	}
	return strings.HasSuffix(w, "lauf") || strings.HasSuffix(w, "laufe") || strings.HasSuffix(w, "loop")
}

// Entries for repeats found by the unit scanner rather than by words.
var (
	clsIntervalRepeat = &clsEntry{clsDef: clsDef{kind: KindHard, what: "an interval session"}}
	clsStridesRepeat  = &clsEntry{clsDef: clsDef{kind: KindEasy, flags: clsStrides, what: "strides (easy)"}}
	clsPaceRef        = &clsEntry{clsDef: clsDef{kind: KindHard, flags: clsRacePace, what: "race-pace work"}}
	clsSprintsEasy    = &clsEntry{clsDef: clsDef{kind: KindEasy, flags: clsStrides, what: "short sprints within an easy run (easy)"}}
)

// hansonsRun reports whether "Strength" at m is Hansons' strength run:
// the same part of the text repeats a running distance ("Strength 3 x 2
// mi") or names marathon pace. "Intervals 6 x 400m + Strength" is a gym
// session after intervals.
func (w *clsWork) hansonsRun(sc *unitScan, m *clsMatch) bool {
	for _, r := range sc.reps {
		if r.run && !r.strides && !w.joinedSpan(m.start, m.end, r.start, r.end) {
			return true
		}
	}
	for i := range w.matches {
		o := &w.matches[i]
		if o.seg == m.seg && o.flags&clsRacePace != 0 && !w.joinedSpan(m.start, m.end, o.start, o.end) {
			return true
		}
	}
	return false
}

// clsAlternative reports whether w joins alternatives: "Rest or
// cross-train", "Repos ou vélo", "Descanso o bici", "Ruhetag oder Rad".
func clsAlternative(w string) bool {
	switch w {
	case "or", "oder", "ou", "o", "oppure", "of", "eller", "lub", "albo", "или", "或":
		return true
	}
	return false
}

// clsSlashBetween reports whether tokens i-1 and i are words joined by a
// slash ("Rest/XT", "Bike / Swim"), which offers alternatives; "5:45/km"
// and "km/h" are units, not choices.
func clsSlashBetween(t *clsText, i int) bool {
	a, b := t.toks[i-1], t.toks[i]
	gap := t.norm[a.end:b.start]
	if strings.TrimSpace(gap) != "/" {
		return false
	}
	if !clsAlpha(a.s) || !clsAlpha(b.s) {
		return false
	}
	switch a.s {
	case "km", "k", "mi", "min", "m", "h", "mile", "miles":
		return false
	}
	switch b.s {
	case "km", "k", "mi", "h", "mile", "miles", "week", "wk", "w", "day":
		return false
	}
	return true
}

func clsAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return false
		}
	}
	return true
}

// clsWeekContext makes the clearly longest run of each ISO week its long
// run, when the calendar names none.
func clsWeekContext(out []Classified, meta []clsMeta, loc *time.Location) {
	type day struct {
		date Date
		idx  int // the day's biggest run
		km   float64
	}
	type week struct {
		days    []day
		hasLong bool
	}
	weeks := map[Date]*week{}
	var order []Date
	for i := range out {
		c := &out[i]
		switch c.Kind {
		case KindRace, KindLong, KindHard, KindEasy:
		default:
			continue
		}
		d := c.FirstDate(loc)
		mon := d.Monday()
		wk := weeks[mon]
		if wk == nil {
			wk = &week{}
			weeks[mon] = wk
			order = append(order, mon)
		}
		if c.Kind == KindLong {
			wk.hasLong = true
		}
		km := clsSizeKm(c)
		if km <= 0 {
			continue
		}
		j := slices.IndexFunc(wk.days, func(x day) bool { return x.date == d })
		if j < 0 {
			wk.days = append(wk.days, day{date: d, idx: i, km: km})
		} else if km > wk.days[j].km {
			wk.days[j].idx, wk.days[j].km = i, km
		}
	}
	for _, mon := range order {
		wk := weeks[mon]
		if wk.hasLong || len(wk.days) < 2 {
			continue
		}
		top, next := -1, -1
		for j := range wk.days {
			switch {
			case top < 0 || wk.days[j].km > wk.days[top].km:
				top, next = j, top
			case next < 0 || wk.days[j].km > wk.days[next].km:
				next = j
			}
		}
		L, N := wk.days[top], wk.days[next]
		c := &out[L.idx]
		if c.Kind != KindEasy || meta[L.idx].locked || L.km < clsContextRatio*N.km {
			continue
		}
		if c.DistanceKm > 0 && c.DistanceKm < clsContextMinKm ||
			c.DistanceKm == 0 && c.Duration < clsContextMinTime {
			continue
		}
		c.Kind = KindLong
		c.Reason = "longest run of the week: " + clsSizeText(c, meta[L.idx]) +
			" vs ≤ " + clsSizeTextAs(&out[N.idx], meta[N.idx], c, meta[L.idx]) + " on other days"
	}
}

// clsSizeKm is a run's size for comparing runs within a week: its distance,
// or its duration at clsPaceMinPerKm.
func clsSizeKm(c *Classified) float64 {
	if c.DistanceKm > 0 {
		return c.DistanceKm
	}
	return c.Duration.Minutes() / clsPaceMinPerKm
}

// clsSizeText shows a run's size as the plan wrote it.
func clsSizeText(c *Classified, m clsMeta) string {
	if c.DistanceKm > 0 && m.dist != "" {
		return m.dist
	}
	if c.DistanceKm > 0 {
		return clsFormatNum(c.DistanceKm) + " km"
	}
	return clsFormatDur(c.Duration)
}

// clsSizeTextAs shows the size of c in the unit ref is shown in, so a
// reason compares like with like: "12 mi vs ≤ 5 mi".
func clsSizeTextAs(c *Classified, m clsMeta, ref *Classified, rm clsMeta) string {
	if c.DistanceKm > 0 && ref.DistanceKm > 0 {
		if strings.HasSuffix(rm.dist, " mi") {
			return clsFormatNum(c.DistanceKm/unitMileKm) + " mi"
		}
		return clsFormatNum(c.DistanceKm) + " km"
	}
	return clsSizeText(c, m)
}

// clsFormatNum writes a number with at most one decimal ("12", "6.5").
func clsFormatNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// clsFormatDur writes a duration as h:mm:ss, the way plans write them.
func clsFormatDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	b := make([]byte, 0, 8)
	b = strconv.AppendInt(b, int64(h), 10)
	b = append(b, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return string(b)
}
