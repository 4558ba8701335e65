package rules

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what an event or a day is, for the purpose of placing strength work.
// Kinds of days are ordered: a day takes the strongest kind of its runs,
// race > long > hard > easy > cross > rest (SPEC §3).
type Kind int

// Kinds, weakest first. KindOther, KindAway and KindStrength never raise a
// day's kind: a day whose only entry is a gym session, a meeting or a trip is
// a rest day for running.
const (
	KindOther Kind = iota // not a workout: errands, life events, notes, weekly summaries, busy time
	// KindAway is an entry saying the runner is away or unable to train
	// ("Ski trip", "Sick", #away): no strength on any of its days (SPEC §3).
	KindAway
	KindStrength // strength or gym work already in the calendar
	KindRest
	KindCross
	KindEasy
	KindHard
	KindLong
	KindRace
)

var kindNames = [...]string{"other", "away", "strength", "rest", "cross", "easy", "hard", "long", "race"}

// String returns the lowercase name used in JSON and the terminal.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// ParseKind parses a kind name as written by String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown kind %q (want race, long, hard, easy, cross, rest, strength, away or other)", s)
}

// IsRun reports whether k is a running (or cross-training) workout, i.e. one
// that decides the kind of its day.
func (k Kind) IsRun() bool { return k >= KindRest }

// Event is one calendar entry after recurrence expansion, in the runner's zone.
// Readers (ical, Google) produce Events; rules never sees a file format.
type Event struct {
	// ID identifies the occurrence in its source: the UID, plus the
	// recurrence date for an expanded instance.
	ID string
	// Source names where the event came from (a path, URL or calendar ID),
	// for messages.
	Source string
	// Line is the line of the event's BEGIN:VEVENT in its source file, or 0.
	Line        int
	Summary     string
	Description string
	Categories  []string
	// Start and End are instants. For an all-day event they are midnight of
	// the first date and midnight after the last date in the runner's zone.
	Start, End time.Time
	AllDay     bool
	// Busy marks events from a --busy calendar: they block time but are
	// never runs and never strength sessions.
	Busy bool
}

// FirstDate is the date the event starts on, in loc.
func (e Event) FirstDate(loc *time.Location) Date { return DateOf(e.Start.In(loc)) }

// LastDate is the last date the event touches, in loc (an event ending at
// midnight does not touch the next day).
func (e Event) LastDate(loc *time.Location) Date {
	end := e.End.In(loc)
	if !e.End.After(e.Start) {
		return DateOf(e.Start.In(loc))
	}
	d := DateOf(end)
	if end.Hour() == 0 && end.Minute() == 0 && end.Second() == 0 {
		d = d.AddDays(-1)
	}
	return d
}

// Classified is an Event with the classifier's verdict.
type Classified struct {
	Event
	Kind Kind
	// Reason says in a runner's words why the event got its kind:
	// "'6x800m' is an interval session".
	Reason string
	// DistanceKm is the planned distance, 0 when unknown.
	DistanceKm float64
	// Duration is the planned duration (from the text, else from a timed
	// event's length), 0 when unknown.
	Duration time.Duration
	// Light marks a KindStrength entry that is light (30 minutes or less,
	// or core, mobility, stretching, activation, prehab, "light",
	// "optional"): it does not count for H4, H7 or the weekly target and
	// never makes a day ineligible (SPEC §4 "Light entries").
	Light bool
	// Part is "" for a whole entry. A compound entry ("Threshold intervals
	// + Gym B") is classified as two Classified values sharing one Event:
	// Part "run" carries the run's kind, Part "strength" is KindStrength.
	Part string
}

// Day is one date of the plan with its strongest kind.
type Day struct {
	Date   Date
	Kind   Kind
	Reason string
	// Note says in plain words why the day has its session, or, for a day
	// without one, the first rule that ruled it out or why another day was
	// chosen ("the day before your long run"). Set by Make for the window.
	Note string
	// Events holds every event touching the date, runs and others, in start order.
	Events []Classified
}

// Policy is where sessions go first.
type Policy int

// Policies (SPEC §4).
const (
	// PolicyStack puts strength on hard days ("keep the hard days hard").
	PolicyStack Policy = iota
	// PolicySeparate puts strength on rest days, then easy days.
	PolicySeparate
)

// String returns "stack" or "separate".
func (p Policy) String() string {
	if p == PolicySeparate {
		return "separate"
	}
	return "stack"
}

// ParsePolicy parses "stack" or "separate".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "stack":
		return PolicyStack, nil
	case "separate":
		return PolicySeparate, nil
	}
	return 0, fmt.Errorf("unknown policy %q (want stack or separate)", s)
}

// Level is the runner's experience with strength training.
type Level int

// Levels (SPEC §5).
const (
	Beginner Level = iota
	Intermediate
	Advanced
)

// String returns the level's name.
func (l Level) String() string {
	switch l {
	case Beginner:
		return "beginner"
	case Advanced:
		return "advanced"
	}
	return "intermediate"
}

// ParseLevel parses beginner, intermediate or advanced.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "beginner":
		return Beginner, nil
	case "intermediate":
		return Intermediate, nil
	case "advanced":
		return Advanced, nil
	}
	return 0, fmt.Errorf("unknown level %q (want beginner, intermediate or advanced)", s)
}

// Keywords is a user's own classification map: phrases that, found in a
// title or description, give the event a kind. They win over the built-in
// vocabulary but lose to a per-event #tag.
type Keywords map[Kind][]string

// Settings are the runner's placement and prescription choices. The zero
// value is not useful: start from DefaultSettings.
type Settings struct {
	PerWeek  int           // H7: sessions per ISO week, existing strength included [2]
	Policy   Policy        // [stack]
	At       Clock         // preferred start when the day has no timed run [18:00]
	Duration time.Duration // session length [45m]
	Gap      time.Duration // H5: minimum time from the end of a run to the session [3h]
	// WindowStart and WindowEnd bound every session (H6) [06:00–21:00].
	WindowStart, WindowEnd Clock
	// Weekdays allowed for sessions, indexed by time.Weekday (H6) [all].
	Weekdays [7]bool
	// Taper is the days before an A race with no session [7]; B races
	// taper 3 days and C races 1 (SPEC §4 "Races").
	Taper int
	// Recovery is the days after every race with no session; the default
	// RecoveryByDistance takes them from each race's distance.
	Recovery int
	// Fill treats dates no run calendar covers as rest days instead of
	// leaving them without sessions (SPEC §4 "Only where there is a plan").
	Fill  bool
	Level Level
	// Started is when the runner began strength training with this plan;
	// a beginner's stages (body weight, bands, weights) count from it. Zero
	// means the plan's start, which moves when the plan is made again later.
	Started Date
	// FiveRM and OneRM map a lift name ("back squat") to kilograms; when
	// given, loads are written in kg rounded to 2.5 kg.
	FiveRM   map[string]float64
	OneRM    map[string]float64
	Keywords Keywords
}

// RecoveryByDistance is Settings.Recovery's default: each race's recovery
// follows its distance (SPEC §4: ≤10 km 2 days, ≤half 5, ≤marathon 14,
// longer 21, unknown 5).
const RecoveryByDistance = -1

// DefaultSettings returns the defaults of SPEC §4.
func DefaultSettings() Settings {
	return Settings{
		PerWeek:     2,
		Policy:      PolicyStack,
		At:          18 * 60,
		Duration:    45 * time.Minute,
		Gap:         3 * time.Hour,
		WindowStart: 6 * 60,
		WindowEnd:   21 * 60,
		Weekdays:    [7]bool{true, true, true, true, true, true, true},
		Taper:       7,
		Recovery:    RecoveryByDistance,
		Level:       Intermediate,
	}
}

// Validate checks the settings across fields; the error names the setting
// as it is spelled in the config file.
func (s Settings) Validate() error {
	switch {
	case s.PerWeek < 0 || s.PerWeek > 7:
		return fmt.Errorf("per_week: %d is out of range (0–7)", s.PerWeek)
	case s.Duration < 10*time.Minute || s.Duration > 4*time.Hour:
		return fmt.Errorf("duration: %s is out of range (10m–4h)", s.Duration)
	case s.Gap < 0 || s.Gap > 12*time.Hour:
		return fmt.Errorf("gap: %s is out of range (0–12h)", s.Gap)
	case s.WindowStart < 0 || s.WindowEnd > 24*60 || s.WindowEnd <= s.WindowStart:
		return fmt.Errorf("window: %s-%s is not a window (start must be before end)", s.WindowStart, s.WindowEnd)
	case time.Duration(s.WindowEnd-s.WindowStart)*time.Minute < s.Duration:
		return fmt.Errorf("window: %s-%s is shorter than duration %s", s.WindowStart, s.WindowEnd, s.Duration)
	case s.At < 0 || s.At >= 24*60:
		return fmt.Errorf("at: %s is not a time of day", s.At)
	case s.Taper < 0 || s.Taper > 28:
		return fmt.Errorf("taper: %d days is out of range (0–28)", s.Taper)
	case s.Recovery != RecoveryByDistance && (s.Recovery < 0 || s.Recovery > 28):
		return fmt.Errorf("recovery: %d days is out of range (0–28)", s.Recovery)
	}
	any := false
	for _, ok := range s.Weekdays {
		any = any || ok
	}
	if !any && s.PerWeek > 0 {
		return fmt.Errorf("weekdays: no weekday is allowed")
	}
	for name, m := range map[string]map[string]float64{"five_rm": s.FiveRM, "one_rm": s.OneRM} {
		for lift, kg := range m {
			if kg <= 0 || kg > 500 {
				return fmt.Errorf("%s: %q: %g kg is out of range", name, lift, kg)
			}
		}
	}
	return nil
}

// Race is a race found in the calendar, used for taper, recovery and phases.
type Race struct {
	Date       Date
	Summary    string
	DistanceKm float64 // 0 when the calendar does not say
	// Priority is "A", "B" or "C" (SPEC §4 "Races").
	Priority string
	// TaperFrom is the first date of the no-strength taper before the race
	// (the race date itself when there is none); RecoveryTo is the last
	// date of the no-strength recovery after it.
	TaperFrom, RecoveryTo Date
}

// HandSession is a session of ours that the runner changed by hand in a
// calendar they edit (Google): moved, or deleted. The runner's hand wins.
type HandSession struct {
	Week    string // ISO week of the slot, "2026-W10"
	Ordinal int    // the slot's ordinal within its week, from 1
	Deleted bool   // deleted by the runner: the slot stays empty
	// Variant is the letter ("A" or "B") the session was written with, ""
	// when unknown; the A/B sequence continues from it (see Prescribe).
	Variant string
	// Start and End are where the runner put it (unused when Deleted).
	Start, End time.Time
}

// Placement is a session's slot and time, before its content is prescribed.
type Placement struct {
	Week    string // ISO week, "2026-W10"
	Ordinal int    // 1-based order within the week, stable while the slot stays
	Date    Date
	Start   time.Time
	End     time.Time
	// Reason explains the choice: "Tue: hard day — 'Intervals 6x800m'
	// 07:00–08:00; lift ≥3 h later; Wed is easy".
	Reason string
	// Hand marks a session the runner placed themselves (see HandSession).
	Hand bool
	// Variant is a hand session's letter as written, "" when unknown.
	Variant string
	// Warning says which hard rule a hand-placed session breaks, if any.
	Warning string
	// Suggest is a better day for such a session: the nearest date of its
	// week that breaks no rule; zero when there is none (or no warning).
	Suggest Date
}

// ShortWeek is an ISO week that got fewer sessions than wanted, and why.
type ShortWeek struct {
	Week   string
	Wanted int
	Placed int
	Reason string
}

// Phase is the training phase a session belongs to (SPEC §5).
type Phase string

// Phases.
const (
	PhaseStrength Phase = "strength" // ≥9 weeks before the goal race, or a build week with no race
	PhasePower    Phase = "power"    // 8–4 weeks out
	PhaseSpecific Phase = "maintain" // 3–1 weeks out: running-specific, maintenance
	PhaseDeload   Phase = "deload"   // the lighter 4th week of a block with no race
)

// Exercise is one line of a session.
type Exercise struct {
	Name  string `json:"name"`
	Sets  int    `json:"sets"`
	Reps  string `json:"reps"`
	Load  string `json:"load"`
	Notes string `json:"notes,omitempty"`
}

// Session is a placed and prescribed strength session.
type Session struct {
	Placement
	// UID is derived from the slot (week and ordinal), never random, so a
	// session keeps its identity while it stays in its slot.
	UID     string
	Title   string
	Phase   Phase
	Variant string // "A" or "B": the two alternating sessions, in sequence across weeks
	// Return marks a session in the week after a recovery of 5 days or
	// more: deload volume, no plyometrics.
	Return    bool
	Exercises []Exercise
	// Notes carries prescription notes for the runner (deload, progression).
	Notes string
}

// VariantOf reads the letter back from a session title that Prescribe
// wrote ("Strength B · hinge, squat, push"); "" when it names none.
func VariantOf(title string) string {
	for _, v := range []string{"A", "B"} {
		if strings.HasPrefix(title, "Strength "+v+" ") {
			return v
		}
	}
	return ""
}

// SessionUID is the UID of the session in slot (week, ordinal). A namespace
// keeps the UIDs of different plans apart; it may be empty.
func SessionUID(namespace, week string, ordinal int) string {
	if namespace != "" {
		return fmt.Sprintf("strength-%s-%d-%s@strengthsync", week, ordinal, namespace)
	}
	return fmt.Sprintf("strength-%s-%d@strengthsync", week, ordinal)
}
