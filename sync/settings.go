package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// SettingsJSON is the wire form of rules.Settings, shared by the config file
// (--config) and the service's JSON API. Pointer fields tell "not given"
// from a zero value, so a file can change one setting and keep the rest.
type SettingsJSON struct {
	PerWeek  *int     `json:"per_week,omitempty"`
	Policy   *string  `json:"policy,omitempty"`
	At       *string  `json:"at,omitempty"`
	Duration *string  `json:"duration,omitempty"`
	Gap      *string  `json:"gap,omitempty"`
	Window   *string  `json:"window,omitempty"`
	Weekdays []string `json:"weekdays,omitempty"`
	Taper    *int     `json:"taper,omitempty"`
	// Recovery, when given, is the days after every race without strength;
	// absent means by each race's distance (2 to 21 days).
	Recovery *int `json:"recovery,omitempty"`
	// Fill treats dates no run calendar covers as rest days.
	Fill  *bool   `json:"fill,omitempty"`
	Level *string `json:"level,omitempty"`
	// Started (YYYY-MM-DD) anchors a beginner's progression.
	Started *string `json:"started,omitempty"`
	// FiveRM and OneRM map lift names to kilograms.
	FiveRM map[string]float64 `json:"five_rm,omitempty"`
	OneRM  map[string]float64 `json:"one_rm,omitempty"`
	// Keywords maps a kind ("hard", "long", …) to phrases that mean it.
	Keywords map[string][]string `json:"keywords,omitempty"`
}

// ConfigFile is the --config file: the settings, plus the runner's zone.
type ConfigFile struct {
	SettingsJSON
	TimeZone string `json:"timezone,omitempty"`
}

// FieldError is a bad value in settings; Field is the JSON name.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Apply overlays the given fields on base and validates the result.
func (j SettingsJSON) Apply(base rules.Settings) (rules.Settings, error) {
	s := base
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if j.PerWeek != nil {
		s.PerWeek = *j.PerWeek
	}
	if j.Policy != nil {
		p, err := rules.ParsePolicy(*j.Policy)
		if err != nil {
			return s, bad("policy", "%v", err)
		}
		s.Policy = p
	}
	if j.At != nil {
		c, err := rules.ParseClock(*j.At)
		if err != nil {
			return s, bad("at", "%v", err)
		}
		s.At = c
	}
	if j.Duration != nil {
		d, err := time.ParseDuration(*j.Duration)
		if err != nil {
			return s, bad("duration", "invalid duration %q (want e.g. 45m)", *j.Duration)
		}
		s.Duration = d
	}
	if j.Gap != nil {
		d, err := time.ParseDuration(*j.Gap)
		if err != nil {
			return s, bad("gap", "invalid duration %q (want e.g. 3h)", *j.Gap)
		}
		s.Gap = d
	}
	if j.Window != nil {
		from, to, err := ParseWindow(*j.Window)
		if err != nil {
			return s, bad("window", "%v", err)
		}
		s.WindowStart, s.WindowEnd = from, to
	}
	if j.Weekdays != nil {
		w, err := ParseWeekdays(j.Weekdays)
		if err != nil {
			return s, bad("weekdays", "%v", err)
		}
		s.Weekdays = w
	}
	if j.Taper != nil {
		s.Taper = *j.Taper
	}
	if j.Recovery != nil {
		// -1 (rules.RecoveryByDistance) asks for recovery by distance
		// again: a merge cannot say it by leaving the key out.
		if *j.Recovery != rules.RecoveryByDistance && (*j.Recovery < 0 || *j.Recovery > 28) {
			return s, bad("recovery", "%d days is out of range (0–28, or -1 or left out for recovery by distance)", *j.Recovery)
		}
		s.Recovery = *j.Recovery
	}
	if j.Fill != nil {
		s.Fill = *j.Fill
	}
	if j.Level != nil {
		l, err := rules.ParseLevel(*j.Level)
		if err != nil {
			return s, bad("level", "%v", err)
		}
		s.Level = l
	}
	if j.Started != nil {
		d, err := rules.ParseDate(*j.Started)
		if err != nil {
			return s, bad("started", "%v", err)
		}
		s.Started = d
	}
	for key, m := range map[string]map[string]float64{"five_rm": j.FiveRM, "one_rm": j.OneRM} {
		for lift := range m {
			if !rules.IsLift(lift) {
				return s, bad(key, "unknown lift %q (known lifts: %s)", lift, strings.Join(rules.Lifts(), ", "))
			}
		}
	}
	if j.FiveRM != nil {
		s.FiveRM = lowerKeys(j.FiveRM)
	}
	if j.OneRM != nil {
		s.OneRM = lowerKeys(j.OneRM)
	}
	if j.Keywords != nil {
		kw := rules.Keywords{}
		for name, phrases := range j.Keywords {
			k, err := rules.ParseKind(name)
			if err != nil {
				return s, bad("keywords", "%v", err)
			}
			for _, p := range phrases {
				if strings.TrimSpace(p) == "" {
					return s, bad("keywords", "%s: empty phrase", name)
				}
			}
			kw[k] = append(kw[k], phrases...)
		}
		s.Keywords = kw
	}
	if err := s.Validate(); err != nil {
		field, msg, ok := strings.Cut(err.Error(), ": ")
		if !ok {
			return s, err
		}
		return s, &FieldError{Field: field, Msg: msg}
	}
	return s, nil
}

// FromSettings is the inverse of Apply: the wire form of s, every field set
// but recovery, which is left out when it follows each race's distance
// (rules.RecoveryByDistance), as Apply reads it.
func FromSettings(s rules.Settings) SettingsJSON {
	policy, at, dur, gap := s.Policy.String(), s.At.String(), fmtDuration(s.Duration), fmtDuration(s.Gap)
	window, level := s.WindowStart.String()+"-"+s.WindowEnd.String(), s.Level.String()
	per, taper, fill := s.PerWeek, s.Taper, s.Fill
	j := SettingsJSON{PerWeek: &per, Policy: &policy, At: &at, Duration: &dur, Gap: &gap, Window: &window,
		Taper: &taper, Fill: &fill, Level: &level, FiveRM: s.FiveRM, OneRM: s.OneRM}
	if s.Recovery != rules.RecoveryByDistance {
		rec := s.Recovery
		j.Recovery = &rec
	}
	if !s.Started.IsZero() {
		started := s.Started.String()
		j.Started = &started
	}
	for d, ok := range s.Weekdays {
		if ok {
			j.Weekdays = append(j.Weekdays, strings.ToLower(time.Weekday(d).String()[:3]))
		}
	}
	if len(s.Keywords) > 0 {
		j.Keywords = map[string][]string{}
		for k, v := range s.Keywords {
			j.Keywords[k.String()] = v
		}
	}
	return j
}

func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func lowerKeys(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return out
}

// ParseWindow parses "06:00-21:00".
func ParseWindow(s string) (from, to rules.Clock, err error) {
	a, b, ok := strings.Cut(strings.ReplaceAll(s, "–", "-"), "-")
	if !ok {
		return 0, 0, fmt.Errorf("invalid window %q (want HH:MM-HH:MM)", s)
	}
	if from, err = rules.ParseClock(strings.TrimSpace(a)); err != nil {
		return 0, 0, err
	}
	if to, err = rules.ParseClock(strings.TrimSpace(b)); err != nil {
		return 0, 0, err
	}
	if to <= from {
		return 0, 0, fmt.Errorf("window %q ends before it starts", s)
	}
	return from, to, nil
}

// ParseWeekdays parses day names ("mon", "Tuesday") into the allowed set.
func ParseWeekdays(names []string) ([7]bool, error) {
	var w [7]bool
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		found := false
		for d := time.Sunday; d <= time.Saturday; d++ {
			full := strings.ToLower(d.String())
			if n != "" && (n == full || n == full[:3]) {
				w[d], found = true, true
			}
		}
		if !found {
			return w, fmt.Errorf("unknown weekday %q (want mon … sun)", n)
		}
	}
	return w, nil
}

// ParseConfig parses a --config file. Errors name the file, the line and
// the field: "strength.json:4: per_week: 9 is out of range (0–7)".
func ParseConfig(name string, data []byte, base rules.Settings) (rules.Settings, string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cf ConfigFile
	if err := dec.Decode(&cf); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return base, "", fmt.Errorf("%s:%d: %v", name, lineAt(data, se.Offset), err)
		case errors.As(err, &te):
			field := te.Field[strings.LastIndex(te.Field, ".")+1:]
			return base, "", fmt.Errorf("%s:%d: %s: want %s, got %s", name, lineAt(data, te.Offset), field, typeName(te.Type.Kind()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return base, "", fmt.Errorf("%s:%d: %s: unknown setting", name, lineOfKey(data, field), field)
		}
		return base, "", fmt.Errorf("%s: %v", name, err)
	}
	s, err := cf.SettingsJSON.Apply(base)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return base, "", fmt.Errorf("%s:%d: %w", name, lineOfKey(data, fe.Field), err)
		}
		return base, "", fmt.Errorf("%s: %w", name, err)
	}
	return s, cf.TimeZone, nil
}

// typeName says what JSON a Go kind wants, in words a config author uses.
func typeName(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return k.String()
}

func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// lineOfKey finds the line of a top-level key; 1 when it cannot be found.
func lineOfKey(data []byte, key string) int {
	i := bytes.Index(data, []byte(`"`+key+`"`))
	if i < 0 {
		return 1
	}
	return lineAt(data, int64(i))
}
