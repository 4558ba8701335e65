package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	stdsync "sync"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
)

// Engine runs plans. Its fields are its dependencies; the zero value is not
// usable, build one with a clock and a zone resolver.
type Engine struct {
	// Zone resolves a zone name (IANA, Windows, Mozilla forms).
	Zone func(name string) (*time.Location, error)
	Log  *slog.Logger

	// plain is the classifier for settings without keywords of their own,
	// built once: compiling the vocabulary costs more than classifying a
	// plan's worth of events.
	plainOnce stdsync.Once
	plain     *rules.Classifier
	// zones keeps the zones resolved so far: Zone reads the zone database
	// from disk, a tenth of an unchanged sync's CPU.
	zones stdsync.Map // name → *time.Location
}

// Location resolves a zone name through Zone, once per name: a process
// loads each zone it meets once.
func (e *Engine) Location(name string) (*time.Location, error) {
	if loc, ok := e.zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := e.Zone(name)
	if err != nil {
		return nil, err
	}
	e.zones.Store(name, loc)
	return loc, nil
}

func (e *Engine) classifier(s rules.Settings) *rules.Classifier {
	if len(s.Keywords) > 0 {
		return rules.NewClassifier(s.Keywords)
	}
	e.plainOnce.Do(func() { e.plain = rules.NewClassifier(nil) })
	return e.plain
}

// Request is one plan or sync.
type Request struct {
	Sources []Source // run calendars
	Busy    []Source // calendars that only block time
	Sink    Sink     // nil for a plan that writes nothing
	Start   rules.Date
	Weeks   int
	// TimeZone is the runner's zone when given explicitly (flag, config);
	// otherwise the first source's own zone, then DefaultZone.
	TimeZone    string
	DefaultZone string
	Settings    rules.Settings
	Namespace   string
	DryRun      bool
	// Keep are destinations besides Sink whose sessions outside the window
	// stay (the service's feed); the plan keeps clear of their slots.
	Keep []Keeper
	// Unchanged, when set, is asked with the fingerprint of the inputs
	// before anything is parsed; true skips the plan (Result.Skipped).
	Unchanged func(fingerprint string) bool
	// StillStart, when set, is an earlier Start whose plan may stand a
	// while longer: Unchanged is asked with its fingerprint too, and a plan
	// made from it with the same inputs is kept. The service uses it to
	// spread the daily move of the window over the early hours instead of
	// planning every plan again at midnight.
	StillStart rules.Date
	// MaxEvents, when positive, caps the events read in the window from
	// all calendars together; the source that goes over fails the run with
	// a *LimitError, before the rest is read.
	MaxEvents int
	// Previous is what the last plan was made from; when set, the result
	// explains each session change (Result.Explained) and a moved
	// session's notes say where it was and why (SPEC §6).
	Previous *rules.Snapshot
	// MaxBytes, when positive, caps the calendars as loaded, all together;
	// the source that goes over fails the run with a *LimitError before
	// any is parsed.
	MaxBytes int
}

// Result is what a Run produced.
type Result struct {
	Plan    rules.Plan
	Loc     *time.Location
	Changes Changes
	// Fingerprint identifies the inputs: sources, settings and window. Two
	// runs with the same fingerprint plan the same sessions.
	Fingerprint string
	// Skipped reports that Unchanged said the inputs were already planned.
	Skipped bool
	// Snapshot is what this plan was made from, for the next run's
	// Request.Previous; Explained lists the session changes since
	// Previous and their causes.
	Snapshot  rules.Snapshot
	Explained []rules.Explained
}

// Run reads the sources, plans, and writes the sink.
func (e *Engine) Run(ctx context.Context, req Request) (*Result, error) {
	if len(req.Sources) == 0 {
		return nil, fmt.Errorf("no source calendar given")
	}
	// Load with a generous span; each source filters to what is asked later.
	roughFrom := req.Start.AddDays(-14).In(time.UTC).Add(-24 * time.Hour)
	roughTo := req.Start.AddDays(7*req.Weeks + rules.RaceHorizonDays).In(time.UTC).Add(24 * time.Hour)
	all := append(append([]Source(nil), req.Sources...), req.Busy...)
	cals, err := loadAll(ctx, all, roughFrom, roughTo)
	if err != nil {
		return nil, err
	}
	if req.MaxBytes > 0 {
		total := 0
		for i, c := range cals {
			if sized, ok := c.(interface{ Size() int }); ok {
				if total += sized.Size(); total > req.MaxBytes {
					return nil, named(all[i].Name(), &LimitError{Msg: fmt.Sprintf(
						"the plan's calendars hold more than %d MiB together (the limit per plan): use calendars that hold the training only", req.MaxBytes>>20)})
				}
			}
		}
	}

	// An explicit zone keeps the sources unparsed until they are needed;
	// otherwise the first calendar's own zone is read from its content.
	zone := req.TimeZone
	if zone == "" {
		zone = cals[0].TimeZone()
	}
	if zone == "" {
		zone = req.DefaultZone
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, err := e.Location(zone)
	if err != nil {
		return nil, fmt.Errorf("time zone: %w", err)
	}

	// The runner's hand in the destination is an input like the sources:
	// a session moved or deleted there must be planned around, even when no
	// run changed.
	var hand []rules.HandSession
	winFrom, winTo := req.Start.In(loc), req.Start.AddDays(7*req.Weeks).In(loc)
	if req.Sink != nil {
		if hand, err = req.Sink.Hand(ctx, winFrom, winTo); err != nil {
			return nil, named(req.Sink.Name(), err)
		}
	}
	fp := fingerprint(cals, req, hand)
	if fp != "" && req.Unchanged != nil && req.Unchanged(fp) {
		return &Result{Fingerprint: fp, Skipped: true}, nil
	}
	if fp != "" && req.Unchanged != nil && !req.StillStart.IsZero() && req.StillStart != req.Start {
		still := req
		still.Start = req.StillStart
		if fp := fingerprint(cals, still, hand); req.Unchanged(fp) {
			return &Result{Fingerprint: fp, Skipped: true}, nil
		}
	}

	in := rules.Input{Start: req.Start, Weeks: req.Weeks, Loc: loc, Settings: req.Settings, Namespace: req.Namespace,
		Classifier: e.classifier(req.Settings)}
	from, to := in.Range()
	for i, c := range cals {
		evs, err := readEvents(c, from, to, loc, req.MaxEvents, len(in.Events))
		if err != nil {
			return nil, named(all[i].Name(), err)
		}
		// A parsed calendar can be many times its events' size: let it go
		// before the next one is parsed.
		cals[i] = nil
		if i >= len(req.Sources) {
			for j := range evs {
				evs[j].Busy = true
			}
		}
		in.Events = append(in.Events, evs...)
	}
	kept, err := e.kept(ctx, req, winFrom, winTo)
	if err != nil {
		return nil, err
	}
	// A slot the hand reports (say, a past session the runner dragged into
	// the window) is the hand's; to the planner the rest are sessions that
	// stay where they are, like the hand's.
	kept = notIn(kept, hand)
	in.Hand = append(append([]rules.HandSession(nil), hand...), kept...)
	plan, err := rules.Make(in)
	if err != nil {
		return nil, err
	}
	plan.Sessions = withoutKept(plan.Sessions, kept)
	res := &Result{Plan: plan, Loc: loc, Fingerprint: fp, Snapshot: rules.SnapshotOf(plan, req.Settings)}
	if req.Previous != nil {
		res.Explained = rules.Explain(*req.Previous, &res.Snapshot)
		notes := map[string]string{}
		for _, s := range res.Snapshot.Sessions {
			if s.Note != "" {
				notes[s.UID] = s.Note
			}
		}
		for i := range plan.Sessions {
			if n := notes[plan.Sessions[i].UID]; n != "" {
				plan.Sessions[i].Notes = strings.TrimSpace(plan.Sessions[i].Notes + " " + n)
			}
		}
	}
	if req.Sink != nil {
		if res.Changes, err = req.Sink.Apply(ctx, plan.Sessions, winFrom, winTo, req.DryRun); err != nil {
			return res, named(req.Sink.Name(), err)
		}
	}
	if e.Log != nil {
		e.Log.Debug("planned", slog.Int("sessions", len(plan.Sessions)), slog.Int("short_weeks", len(plan.ShortWeeks)),
			slog.String("timezone", loc.String()))
	}
	return res, nil
}

// boundedCalendar is a Calendar that can stop expanding once it holds more
// than max events, so an oversized source is refused before it is all in
// memory.
type boundedCalendar interface {
	EventsUpTo(from, to time.Time, loc *time.Location, max int) ([]rules.Event, error)
}

// readEvents reads c's events when read events are already in hand, within
// the plan's budget of limit (none when limit ≤ 0).
func readEvents(c Calendar, from, to time.Time, loc *time.Location, limit, read int) ([]rules.Event, error) {
	if limit <= 0 {
		return c.Events(from, to, loc)
	}
	left := limit - read
	tooMany := &LimitError{Msg: fmt.Sprintf("more than %d events in the plan's weeks, all calendars together (the limit per plan): use a calendar that holds the training only", limit)}
	var evs []rules.Event
	var err error
	if b, ok := c.(boundedCalendar); ok {
		evs, err = b.EventsUpTo(from, to, loc, max(left, 1))
		if errors.Is(err, ical.ErrTooManyEvents) {
			return nil, tooMany
		}
	} else {
		evs, err = c.Events(from, to, loc)
	}
	if err != nil {
		return nil, err
	}
	if len(evs) > left {
		return nil, tooMany
	}
	return evs, nil
}

// keptSpan is how far beyond each edge of the window the engine looks for
// sessions that stay: enough for the ISO weeks the window cuts (H7, and the
// slots, hence UIDs, already taken in them) and the days next to it (H4).
const keptSpan = 7

// kept gathers the sessions the destinations hold just outside the window
// [winFrom, winTo), each slot once. They are not the fingerprint's concern:
// they are what earlier syncs wrote, so they change only when a sync with
// other inputs ran, and reading them costs a parse of the destination.
func (e *Engine) kept(ctx context.Context, req Request, winFrom, winTo time.Time) ([]rules.HandSession, error) {
	keepers := req.Keep
	if req.Sink != nil {
		keepers = append([]Keeper{req.Sink}, keepers...)
	}
	loc := winFrom.Location()
	spans := [][2]time.Time{
		{req.Start.AddDays(-keptSpan).In(loc), winFrom},
		{winTo, req.Start.AddDays(7*req.Weeks + keptSpan).In(loc)},
	}
	var out []rules.HandSession
	seen := map[string]bool{}
	for _, k := range keepers {
		for _, sp := range spans {
			hs, err := k.Kept(ctx, sp[0], sp[1])
			if err != nil {
				if s, ok := k.(Sink); ok {
					return nil, named(s.Name(), err)
				}
				return nil, err
			}
			for _, h := range hs {
				if key := slotKey(h.Week, h.Ordinal); !seen[key] {
					seen[key] = true
					out = append(out, h)
				}
			}
		}
	}
	return out, nil
}

func slotKey(week string, ordinal int) string { return fmt.Sprintf("%s/%d", week, ordinal) }

// notIn returns the sessions of hs whose slot other does not hold.
func notIn(hs, other []rules.HandSession) []rules.HandSession {
	taken := map[string]bool{}
	for _, o := range other {
		taken[slotKey(o.Week, o.Ordinal)] = true
	}
	var out []rules.HandSession
	for _, h := range hs {
		if !taken[slotKey(h.Week, h.Ordinal)] {
			out = append(out, h)
		}
	}
	return out
}

// withoutKept drops the placements the planner returned for kept sessions:
// they are already written, and stay as they were.
func withoutKept(sessions []rules.Session, kept []rules.HandSession) []rules.Session {
	if len(kept) == 0 {
		return sessions
	}
	drop := map[string]bool{}
	for _, k := range kept {
		drop[slotKey(k.Week, k.Ordinal)] = true
	}
	out := sessions[:0:0]
	for _, s := range sessions {
		if !(s.Hand && drop[slotKey(s.Week, s.Ordinal)]) {
			out = append(out, s)
		}
	}
	return out
}

// loadAll loads the sources concurrently: a slow feed should not hold up the
// others. The first error, in source order, wins.
func loadAll(ctx context.Context, srcs []Source, from, to time.Time) ([]Calendar, error) {
	cals := make([]Calendar, len(srcs))
	errs := make([]error, len(srcs))
	var wg stdsync.WaitGroup
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cals[i], errs[i] = s.Load(ctx, from, to)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return cals, nil
}

// fingerprint hashes what decides a plan: the sources' content, the zone
// choices, the window and the settings. A source that cannot fingerprint
// itself (Google) makes it empty: unknown, never falsely equal. It is taken
// before parsing, so the calendars' own zones count through their content.
func fingerprint(cals []Calendar, req Request, hand []rules.HandSession) string {
	h := sha256.New()
	for _, c := range cals {
		f := c.Fingerprint()
		if f == "" {
			return ""
		}
		fmt.Fprintln(h, f)
	}
	fmt.Fprintf(h, "%d %d %s|%s|%s|%d|%s|%s\n", len(req.Sources), len(req.Busy), req.TimeZone, req.DefaultZone,
		req.Start, req.Weeks, req.Namespace, settingsKey(FromSettings(req.Settings)))
	for _, hs := range hand {
		fmt.Fprintf(h, "hand %s %d %v %d %d\n", hs.Week, hs.Ordinal, hs.Deleted, hs.Start.Unix(), hs.End.Unix())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// settingsKey is a canonical text of the settings: encoding/json sorts map
// keys, so equal settings give equal text.
func settingsKey(s SettingsJSON) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// named prefixes err with the source or sink it came from, unless the
// error already names it (parse errors carry their file and line).
func named(name string, err error) error {
	if strings.HasPrefix(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
