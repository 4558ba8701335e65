package rules

import (
	"strings"
	"time"
)

// RacePriorityHint reads the priority a race entry states, "A", "B" or
// "C", or "" when it states none. A letter named with the race wins ("A
// race", "B-Rennen", "priority: C", "Berlin Marathon (A)"); then what the
// runner plans to do: "no taper" or "train through" is a C race, a
// "tune-up" or "prep race" a B race, a "goal race" an A race. The title is
// read first, then the description. Placement decides what an unstated
// priority means.
func RacePriorityHint(summary, description string) string {
	for _, s := range [2]string{summary, clsCap(description, clsMaxDescription)} {
		if p := racePriorityIn(s); p != "" {
			return p
		}
	}
	return ""
}

// Phrases that state a priority without a letter, strongest hint first.
var racePriorityPhrases = [...]struct {
	prio    string
	phrases []string
}{
	{"C", []string{"no taper", "without taper", "train through", "training through", "as a workout", "as training",
		"training race", "just for fun", "for fun", "ohne tapering", "sans affutage", "sin tapering"}},
	{"B", []string{"tune up", "tuneup", "prep race", "preparation race", "test race", "warm up race", "build up race",
		"vorbereitungswettkampf", "vorbereitungsrennen", "testwettkampf", "course de preparation", "carrera de preparacion",
		"gara di preparazione"}},
	{"A", []string{"goal race", "target race", "key race", "main race", "peak race", "season goal", "hauptwettkampf",
		"saisonhohepunkt", "zielwettkampf", "course objectif", "objectif de la saison", "carrera objetivo", "gara obiettivo"}},
}

// racePriorityIn reads one field.
func racePriorityIn(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var t clsText
	t.normalize(s)
	toks := t.toks
	for i, tk := range toks {
		if !raceIsPriorityLetter(tk.s) {
			continue
		}
		next, prev := "", ""
		if i+1 < len(toks) {
			next = toks[i+1].s
		}
		if i > 0 {
			prev = toks[i-1].s
		}
		switch {
		case raceIsRaceWord(next), prev == "priority" || prev == "prio" || prev == "prioritat" || prev == "priorite" || prev == "prioridad":
			return strings.ToUpper(tk.s)
		case tk.start > 0 && tk.end < len(t.norm) && (t.norm[tk.start-1] == '(' && t.norm[tk.end] == ')' ||
			t.norm[tk.start-1] == '[' && t.norm[tk.end] == ']'):
			// "Berlin Marathon (A)".
			return strings.ToUpper(tk.s)
		}
	}
	words := " " + strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 0x7F {
			return r
		}
		return ' '
	}, t.norm)), " ") + " "
	for _, g := range racePriorityPhrases {
		for _, p := range g.phrases {
			if strings.Contains(words, " "+p+" ") {
				return g.prio
			}
		}
	}
	return ""
}

func raceIsPriorityLetter(w string) bool { return w == "a" || w == "b" || w == "c" }

func raceIsRaceWord(w string) bool {
	switch w {
	case "race", "races", "rennen", "wettkampf", "lauf", "course", "carrera", "gara", "wedstrijd", "priority", "prio", "event":
		return true
	}
	return false
}

// clsPlanEnd makes the day a plan ends its goal race ("Plan Ends", "End
// of plan"), when nothing runs after it and the two weeks before it are a
// taper: at most 80% of the biggest of the six weeks before those (SPEC §3
// race: "The day a race plan ends after its taper weeks is its goal race").
func clsPlanEnd(out []Classified, meta []clsMeta, loc *time.Location) {
	const taperShare = 0.8
	for i := range out {
		if !meta[i].planEnd {
			continue
		}
		end := out[i].FirstDate(loc)
		var weekKm [8]float64 // [0] is the week before the end's, [7] eight weeks back
		later := false
		for j := range out {
			c := &out[j]
			if !c.Kind.IsRun() || c.Kind == KindRest {
				continue
			}
			d := c.FirstDate(loc)
			if d.After(end) {
				later = true
				break
			}
			back := (end.Monday().Sub(d.Monday()) / 7) - 1
			if back >= 0 && back < len(weekKm) {
				weekKm[back] += clsSizeKm(c)
			}
		}
		peak := 0.0
		for _, km := range weekKm[2:] {
			peak = max(peak, km)
		}
		taper := max(weekKm[0], weekKm[1])
		if later || peak == 0 || taper > taperShare*peak {
			continue
		}
		out[i].Kind = KindRace
		out[i].Reason = "\"" + clsShorten(strings.TrimSpace(out[i].Summary)) + "\" ends the plan after its taper weeks: the goal race"
	}
}
