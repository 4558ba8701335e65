package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	stdsync "sync"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// Engine runs plans. Its fields are its dependencies; the zero value is not
// usable, build one with a clock and a zone resolver.
type Engine struct {
	// Zone resolves a zone name (IANA, Windows, Mozilla forms).
	Zone func(name string) (*time.Location, error)
	Log  *slog.Logger
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
}

// Result is what a Run produced.
type Result struct {
	Plan    rules.Plan
	Loc     *time.Location
	Changes Changes
	// Fingerprint identifies the inputs: sources, settings and window. Two
	// runs with the same fingerprint plan the same sessions.
	Fingerprint string
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
	loc, err := e.Zone(zone)
	if err != nil {
		return nil, fmt.Errorf("time zone: %w", err)
	}

	in := rules.Input{Start: req.Start, Weeks: req.Weeks, Loc: loc, Settings: req.Settings, Namespace: req.Namespace}
	from, to := in.Range()
	for i, c := range cals {
		evs, err := c.Events(from, to, loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", all[i].Name(), err)
		}
		if i >= len(req.Sources) {
			for j := range evs {
				evs[j].Busy = true
			}
		}
		in.Events = append(in.Events, evs...)
	}
	winFrom, winTo := req.Start.In(loc), req.Start.AddDays(7*req.Weeks).In(loc)
	if req.Sink != nil {
		if in.Hand, err = req.Sink.Hand(ctx, winFrom, winTo); err != nil {
			return nil, fmt.Errorf("%s: %w", req.Sink.Name(), err)
		}
	}
	plan, err := rules.Make(in)
	if err != nil {
		return nil, err
	}
	res := &Result{Plan: plan, Loc: loc, Fingerprint: fingerprint(cals, in)}
	if req.Sink != nil {
		if res.Changes, err = req.Sink.Apply(ctx, plan.Sessions, winFrom, winTo, req.DryRun); err != nil {
			return res, fmt.Errorf("%s: %w", req.Sink.Name(), err)
		}
	}
	if e.Log != nil {
		e.Log.Debug("planned", slog.Int("sessions", len(plan.Sessions)), slog.Int("short_weeks", len(plan.ShortWeeks)),
			slog.String("timezone", loc.String()))
	}
	return res, nil
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

// fingerprint hashes what decides a plan. A source that cannot fingerprint
// itself makes the whole fingerprint empty: unknown, never falsely equal.
func fingerprint(cals []Calendar, in rules.Input) string {
	h := sha256.New()
	for _, c := range cals {
		f := c.Fingerprint()
		if f == "" {
			return ""
		}
		fmt.Fprintln(h, f)
	}
	s := FromSettings(in.Settings)
	fmt.Fprintf(h, "%s %d %s %s %v\n", in.Start, in.Weeks, in.Loc, in.Namespace, settingsKey(s))
	hand := append([]rules.HandSession(nil), in.Hand...)
	sort.Slice(hand, func(i, j int) bool { return fmt.Sprint(hand[i]) < fmt.Sprint(hand[j]) })
	fmt.Fprintln(h, hand)
	return hex.EncodeToString(h.Sum(nil))
}

// settingsKey is a canonical text of the settings: encoding/json sorts map
// keys, so equal settings give equal text.
func settingsKey(s SettingsJSON) string {
	b, _ := json.Marshal(s)
	return string(b)
}
