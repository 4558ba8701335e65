package sync

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// TestPlanJSONCoachingFields pins the fields the coaching change added to
// `plan --json` (README "JSON contract"): each day's note (for a day with a
// session, the session's reason when the day has no note of its own), the
// races with priority, distance, taper and recovery, and each session's
// letter and return mark.
func TestPlanJSONCoachingFields(t *testing.T) {
	loc := time.UTC
	mon := rules.Date{Year: 2027, Month: time.April, Day: 26}
	at := func(d rules.Date) time.Time { return d.At(18*60, loc) }
	p := rules.Plan{Timezone: "UTC", Start: mon, Weeks: 1,
		Days: []rules.Day{
			{Date: mon, Kind: rules.KindRest, Reason: "nothing planned", Note: "in the recovery after London Marathon"},
			{Date: mon.AddDays(1), Kind: rules.KindHard, Reason: "intervals"},
			{Date: mon.AddDays(2), Kind: rules.KindEasy, Reason: "easy"},
		},
		Sessions: []rules.Session{
			{Placement: rules.Placement{Week: mon.Week(), Ordinal: 1, Date: mon.AddDays(1), Start: at(mon.AddDays(1)),
				End: at(mon.AddDays(1)).Add(45 * time.Minute), Reason: "Tue: hard day"},
				UID: "u1", Title: "Strength B · power (return week)", Phase: rules.PhasePower, Variant: "B", Return: true},
			{Placement: rules.Placement{Week: mon.Week(), Ordinal: 2, Date: mon.AddDays(2), Start: at(mon.AddDays(2)),
				End: at(mon.AddDays(2)).Add(30 * time.Minute), Reason: "Wed: easy day"},
				UID: "u2", Title: "Strength A · maintain", Phase: rules.PhaseSpecific, Variant: "A"},
		},
		Races: []rules.Race{
			{Date: mon.AddDays(-1), Summary: "London Marathon", DistanceKm: 42.195, Priority: "A",
				TaperFrom: mon.AddDays(-8), RecoveryTo: mon.AddDays(13)},
			{Date: mon.AddDays(40), Summary: "Race day!", Priority: "A"},
		},
	}
	p.Days[2].Note = "Wed: easy day, the only one left"
	j := NewPlanJSON(p, loc)

	type day struct{ Date, Note string }
	type session struct {
		Letter, Variant, Phase string
		Return                 bool
	}
	type race struct {
		Date, Title, Priority string
		DistanceKm            *float64 `json:"distance_km"`
		TaperFrom             *string  `json:"taper_from"`
		RecoveryTo            *string  `json:"recovery_to"`
	}
	var got struct {
		Days     []day
		Sessions []session
		Races    []race
	}
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	wantDays := []day{
		{"2027-04-26", "in the recovery after London Marathon"},
		{"2027-04-27", "Tue: hard day"},
		{"2027-04-28", "Wed: easy day, the only one left"},
	}
	for i, d := range wantDays {
		if got.Days[i] != d {
			t.Errorf("day %d = %+v, want %+v", i, got.Days[i], d)
		}
	}
	wantSessions := []session{{"B", "B", "power", true}, {"A", "A", "maintain", false}}
	for i, s := range wantSessions {
		if got.Sessions[i] != s {
			t.Errorf("session %d = %+v, want %+v", i, got.Sessions[i], s)
		}
	}
	if len(got.Races) != 2 {
		t.Fatalf("races = %+v, want 2", got.Races)
	}
	r := got.Races[0]
	if r.Date != "2027-04-25" || r.Title != "London Marathon" || r.Priority != "A" || r.DistanceKm == nil || *r.DistanceKm != 42.195 ||
		r.TaperFrom == nil || *r.TaperFrom != "2027-04-18" || r.RecoveryTo == nil || *r.RecoveryTo != "2027-05-09" {
		t.Errorf("race 0 = %+v", r)
	}
	if r := got.Races[1]; r.DistanceKm != nil || r.TaperFrom != nil || r.Priority != "A" {
		t.Errorf("race of unknown distance with no taper worked out = %+v, want distance_km null and no taper_from", r)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["races"]) == "null" {
		t.Error("races must be a list, never null")
	}
	// A plan without races still has the list.
	if data, _ := json.Marshal(NewPlanJSON(rules.Plan{}, loc)); !strings.Contains(string(data), `"races":[]`) {
		t.Errorf("empty plan: %s", data)
	}
}

// TestAdvice: a hand session's warning carries its better day, when the
// plan found one, on the page, in the API and on the command line.
func TestAdvice(t *testing.T) {
	tests := []struct {
		warning, suggest, want string
	}{
		{"", "2026-03-14", ""},
		{"on the eve of the long run (H2)", "", "on the eve of the long run (H2)"},
		{"on the eve of the long run (H2)", "2026-03-14", "on the eve of the long run (H2); a better day: Sat 14 Mar"},
	}
	for _, tt := range tests {
		if got := (SessionJSON{Warning: tt.warning, Suggest: tt.suggest}).Advice(); got != tt.want {
			t.Errorf("Advice(%q, %q) = %q, want %q", tt.warning, tt.suggest, got, tt.want)
		}
	}
}
