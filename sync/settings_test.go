package sync

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

func TestParseConfig(t *testing.T) {
	base := rules.DefaultSettings()
	good := `{
  "per_week": 3,
  "policy": "separate",
  "at": "07:15",
  "duration": "1h",
  "gap": "4h",
  "window": "06:30-20:30",
  "weekdays": ["mon", "Wednesday", "fri"],
  "taper": 10,
  "recovery": 3,
  "level": "beginner",
  "five_rm": {"Back Squat": 80},
  "keywords": {"hard": ["sharpening"]},
  "timezone": "Europe/Berlin"
}`
	s, zone, err := ParseConfig("c.json", []byte(good), base)
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.PerWeek, want.Policy, want.At, want.Duration, want.Gap = 3, rules.PolicySeparate, 7*60+15, time.Hour, 4*time.Hour
	want.WindowStart, want.WindowEnd, want.Taper, want.Recovery, want.Level = 6*60+30, 20*60+30, 10, 3, rules.Beginner
	want.Weekdays = [7]bool{time.Monday: true, time.Wednesday: true, time.Friday: true}
	if s.PerWeek != want.PerWeek || s.Policy != want.Policy || s.At != want.At || s.Duration != want.Duration ||
		s.Gap != want.Gap || s.WindowStart != want.WindowStart || s.WindowEnd != want.WindowEnd ||
		s.Taper != want.Taper || s.Recovery != want.Recovery || s.Level != want.Level || s.Weekdays != want.Weekdays {
		t.Errorf("settings = %+v\nwant %+v", s, want)
	}
	if s.FiveRM["back squat"] != 80 {
		t.Errorf("five_rm keys are not normalised: %v", s.FiveRM)
	}
	if got := s.Keywords[rules.KindHard]; len(got) != 1 || got[0] != "sharpening" {
		t.Errorf("keywords = %v", s.Keywords)
	}
	if zone != "Europe/Berlin" {
		t.Errorf("zone = %q", zone)
	}
}

func TestParseConfigErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"out of range", "{\n  \"policy\": \"stack\",\n  \"per_week\": 9\n}", "c.json:3: per_week: 9 is out of range"},
		{"bad policy", "{\n\n \"policy\": \"both\"}", "c.json:3: policy: unknown policy \"both\""},
		{"unknown key", "{\"per_week\": 2,\n \"perweek\": 3}", "c.json:2: perweek: unknown setting"},
		{"wrong type", "{\n\"per_week\": \"two\"}", "c.json:2: per_week: want a number, got string"},
		{"syntax", "{\n\"per_week\": 2,,\n}", "c.json:2: invalid character ','"},
		{"bad window", `{"window": "21:00-06:00"}`, "c.json:1: window: window \"21:00-06:00\" ends before it starts"},
		{"bad weekday", `{"weekdays": ["funday"]}`, "c.json:1: weekdays: unknown weekday \"funday\""},
		{"bad kind", `{"keywords": {"medium": ["x"]}}`, "c.json:1: keywords: unknown kind \"medium\""},
		{"bad duration", `{"duration": "forty"}`, "c.json:1: duration: invalid duration \"forty\""},
		{"duration too short", `{"duration": "5m"}`, "c.json:1: duration: 5m0s is out of range"},
		{"negative max", `{"one_rm": {"deadlift": -5}}`, "c.json:1: one_rm: \"deadlift\": -5 kg is out of range"},
		{"negative recovery", "{\n \"recovery\": -2}", "c.json:2: recovery: -2 days is out of range (0–28, or -1 or left out for recovery by distance)"},
		{"recovery too long", `{"recovery": 29}`, "c.json:1: recovery: 29 days is out of range"},
		{"fill not a bool", "{\"taper\": 7,\n\"fill\": \"yes\"}", "c.json:2: fill: want true or false, got string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseConfig("c.json", []byte(tt.in), rules.DefaultSettings())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant prefix %q", err, tt.want)
			}
		})
	}
}

func TestFromSettingsRoundTrips(t *testing.T) {
	s := rules.DefaultSettings()
	s.PerWeek, s.Policy, s.Gap = 3, rules.PolicySeparate, 150*time.Minute
	s.Weekdays = [7]bool{time.Tuesday: true, time.Saturday: true}
	s.Keywords = rules.Keywords{rules.KindLong: {"big day"}}
	got, err := FromSettings(s).Apply(rules.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if got.PerWeek != 3 || got.Policy != s.Policy || got.Gap != s.Gap || got.Weekdays != s.Weekdays ||
		got.Keywords[rules.KindLong][0] != "big day" || got.Duration != s.Duration || got.At != s.At {
		t.Errorf("round trip = %+v\nwant %+v", got, s)
	}
}

// TestSettingsRecoveryAndFill: recovery absent means by each race's
// distance, a number overrides it for every race; fill is off unless given.
// Both survive the round trip through the wire form that the service stores,
// and a plan stored with the old default "recovery": 2 keeps it.
func TestSettingsRecoveryAndFill(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		recovery int
		fill     bool
	}{
		{"nothing given", `{}`, rules.RecoveryByDistance, false},
		{"recovery given", `{"recovery": 3}`, 3, false},
		{"recovery zero", `{"recovery": 0}`, 0, false},
		{"recovery null", `{"recovery": null}`, rules.RecoveryByDistance, false},
		{"an old stored plan", `{"per_week": 2, "taper": 7, "recovery": 2}`, 2, false},
		{"fill", `{"fill": true}`, rules.RecoveryByDistance, true},
		{"fill off", `{"fill": false, "recovery": 14}`, 14, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, err := ParseConfig("c.json", []byte(tc.in), rules.DefaultSettings())
			if err != nil {
				t.Fatal(err)
			}
			if s.Recovery != tc.recovery || s.Fill != tc.fill {
				t.Fatalf("recovery %d fill %v, want %d %v", s.Recovery, s.Fill, tc.recovery, tc.fill)
			}
			// The service stores the wire form as JSON and applies it to
			// the defaults when it syncs.
			data, err := json.Marshal(FromSettings(s))
			if err != nil {
				t.Fatal(err)
			}
			var stored SettingsJSON
			if err := json.Unmarshal(data, &stored); err != nil {
				t.Fatal(err)
			}
			back, err := stored.Apply(rules.DefaultSettings())
			if err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			if back.Recovery != tc.recovery || back.Fill != tc.fill {
				t.Errorf("round trip through %s: recovery %d fill %v, want %d %v", data, back.Recovery, back.Fill, tc.recovery, tc.fill)
			}
			if hasRecovery := strings.Contains(string(data), `"recovery"`); hasRecovery != (tc.recovery != rules.RecoveryByDistance) {
				t.Errorf("wire form %s: recovery written = %v", data, hasRecovery)
			}
		})
	}
}

// A max for a lift no session uses would change nothing: the config says so.
func TestParseConfigUnknownLift(t *testing.T) {
	_, _, err := ParseConfig("c.json", []byte(`{"five_rm": {"back squat": 80, "leg press": 200}}`), rules.DefaultSettings())
	if err == nil || !strings.Contains(err.Error(), `five_rm: unknown lift "leg press"`) || !strings.Contains(err.Error(), "trap-bar deadlift") {
		t.Fatalf("error = %v", err)
	}
}
