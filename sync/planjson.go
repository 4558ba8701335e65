package sync

import (
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// The JSON shapes of `plan --json`. Tools outside the project rely on these
// names (README, "JSON contract"): fields may be added, never renamed.
type (
	// PlanJSON is a whole plan.
	PlanJSON struct {
		Timezone   string          `json:"timezone"`
		Start      string          `json:"start"`
		Weeks      int             `json:"weeks"`
		Days       []DayJSON       `json:"days"`
		Sessions   []SessionJSON   `json:"sessions"`
		ShortWeeks []ShortWeekJSON `json:"short_weeks"`
		Races      []RaceJSON      `json:"races"`
		// Warnings concern the whole plan ("no training plan in these
		// weeks"), in plain words.
		Warnings []string `json:"warnings,omitempty"`
	}
	// DayJSON is one date with its kind and events.
	DayJSON struct {
		Date   string `json:"date"`
		Kind   string `json:"kind"`
		Reason string `json:"reason"`
		// Note says why the day has its session, or why it has none.
		Note   string      `json:"note,omitempty"`
		Events []EventJSON `json:"events"`
	}
	// EventJSON is one calendar entry of a day.
	EventJSON struct {
		Summary string `json:"summary"`
		Start   string `json:"start"`
		End     string `json:"end"`
		AllDay  bool   `json:"all_day"`
		Kind    string `json:"kind"`
		Reason  string `json:"reason"`
		Busy    bool   `json:"busy,omitempty"`
	}
	// SessionJSON is one strength session.
	SessionJSON struct {
		UID       string           `json:"uid"`
		Date      string           `json:"date"`
		Start     string           `json:"start"`
		End       string           `json:"end"`
		Title     string           `json:"title"`
		Phase     string           `json:"phase"`
		Reason    string           `json:"reason"`
		Exercises []rules.Exercise `json:"exercises"`
		Week      string           `json:"week"`
		Ordinal   int              `json:"ordinal"`
		Variant   string           `json:"variant"`
		// Letter is the session's place in the A/B sequence, "A" or "B".
		Letter  string `json:"letter"`
		Notes   string `json:"notes,omitempty"`
		Hand    bool   `json:"hand,omitempty"`
		Warning string `json:"warning,omitempty"`
		// Suggest (YYYY-MM-DD) is a better day for a session the runner
		// moved onto a day that breaks a rule.
		Suggest string `json:"suggest,omitempty"`
		// Return marks a session in the week after a long race recovery.
		Return bool `json:"return,omitempty"`
	}
	// RaceJSON is a race the plan found: its priority, and the days around
	// it without strength. Dates are YYYY-MM-DD; TaperFrom and RecoveryTo
	// are empty when the plan did not work them out, DistanceKm null when
	// the calendar does not say.
	RaceJSON struct {
		Date       string   `json:"date"`
		Title      string   `json:"title"`
		Priority   string   `json:"priority"`
		DistanceKm *float64 `json:"distance_km"`
		TaperFrom  string   `json:"taper_from,omitempty"`
		RecoveryTo string   `json:"recovery_to,omitempty"`
	}
	// ShortWeekJSON is a week that got fewer sessions than wanted.
	ShortWeekJSON struct {
		Week   string `json:"week"`
		Wanted int    `json:"wanted"`
		Placed int    `json:"placed"`
		Reason string `json:"reason"`
	}
)

// NewPlanJSON converts a plan to its contract shape. Busy events keep no title:
// a runner's other calendars are nobody's business in a shared output.
func NewPlanJSON(p rules.Plan, loc *time.Location) PlanJSON {
	out := PlanJSON{Timezone: p.Timezone, Start: p.Start.String(), Weeks: p.Weeks,
		Days: []DayJSON{}, Sessions: []SessionJSON{}, ShortWeeks: []ShortWeekJSON{}, Races: []RaceJSON{}}
	why := map[rules.Date]string{}
	for _, s := range p.Sessions {
		if _, ok := why[s.Date]; !ok {
			why[s.Date] = s.Reason
		}
	}
	for _, d := range p.Days {
		note := d.Note
		if r, ok := why[d.Date]; ok && note == "" {
			note = r
		}
		jd := DayJSON{Date: d.Date.String(), Kind: d.Kind.String(), Reason: d.Reason, Note: note, Events: []EventJSON{}}
		for _, e := range d.Events {
			summary := e.Summary
			if e.Busy {
				summary = "busy"
			}
			jd.Events = append(jd.Events, EventJSON{Summary: summary, Start: rfc3339(e.Start, loc), End: rfc3339(e.End, loc),
				AllDay: e.AllDay, Kind: e.Kind.String(), Reason: e.Reason, Busy: e.Busy})
		}
		out.Days = append(out.Days, jd)
	}
	for _, s := range p.Sessions {
		ex := s.Exercises
		if ex == nil {
			ex = []rules.Exercise{}
		}
		out.Sessions = append(out.Sessions, SessionJSON{UID: s.UID, Date: s.Date.String(), Start: rfc3339(s.Start, loc),
			End: rfc3339(s.End, loc), Title: s.Title, Phase: string(s.Phase), Reason: s.Reason, Exercises: ex,
			Week: s.Week, Ordinal: s.Ordinal, Variant: s.Variant, Letter: s.Variant, Notes: s.Notes, Hand: s.Hand,
			Warning: s.Warning, Suggest: dateOrEmpty(s.Suggest), Return: s.Return})
	}
	for _, w := range p.ShortWeeks {
		out.ShortWeeks = append(out.ShortWeeks, ShortWeekJSON(w))
	}
	out.Warnings = p.Warnings
	for _, r := range p.Races {
		jr := RaceJSON{Date: r.Date.String(), Title: r.Summary, Priority: r.Priority,
			TaperFrom: dateOrEmpty(r.TaperFrom), RecoveryTo: dateOrEmpty(r.RecoveryTo)}
		if r.DistanceKm > 0 {
			km := r.DistanceKm
			jr.DistanceKm = &km
		}
		out.Races = append(out.Races, jr)
	}
	return out
}

// dateOrEmpty writes d as YYYY-MM-DD, or "" for the zero date.
func dateOrEmpty(d rules.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func rfc3339(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

// Advice is the warning of a session the runner moved onto a day that
// breaks a rule, with the better day when there is one: "on the eve of
// the long run … (H2); a better day: Sat 14 Mar". Empty without a warning.
func (s SessionJSON) Advice() string {
	d, _ := rules.ParseDate(s.Suggest)
	return AdviceText(s.Warning, d)
}

// AdviceText joins a hand session's warning and its better day (zero:
// none).
func AdviceText(warning string, suggest rules.Date) string {
	if warning == "" || suggest.IsZero() {
		return warning
	}
	return warning + "; a better day: " + suggest.Text()
}
