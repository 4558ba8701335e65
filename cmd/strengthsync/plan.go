package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/filestate"
)

// planFlags are the flags plan and sync share.
type planFlags struct {
	from, busy   []string
	to           string
	start        string
	weeks        int
	tz           string
	config       string
	json, dryRun bool
	verbose      bool
	allowPrivate bool

	// settings, applied over the config file only when given.
	perWeek, taper, recovery         int
	fill                             bool
	policy, at, duration, gap        string
	window, level, weekdays, started string
	fiveRM, oneRM                    []string
	maxBytes                         int64
	fetchTimeout, fetchConnTimeout   time.Duration
}

func (f *planFlags) register(cmd *cobra.Command, withTo bool) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.from, "from", nil, "run calendar: path.ics, https://…, webcal://… or google:CALENDAR_ID (repeatable)")
	fl.StringArrayVar(&f.busy, "busy", nil, "calendar that only blocks time (repeatable)")
	if withTo {
		fl.StringVar(&f.to, "to", "", "destination: path.ics, google:CALENDAR_ID or google:new")
		fl.BoolVar(&f.dryRun, "dry-run", false, "show what would be added, moved and removed; write nothing")
	}
	fl.StringVar(&f.start, "start", "", "first date of the plan, YYYY-MM-DD (default today)")
	fl.IntVar(&f.weeks, "weeks", 8, "number of weeks to plan")
	fl.StringVar(&f.tz, "tz", "", "the runner's time zone (default: the calendar's, else the local zone)")
	fl.StringVar(&f.config, "config", "", "settings file (JSON, see README)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "say more: sources, reasons")
	fl.BoolVar(&f.allowPrivate, "allow-private-sources", false, "allow source URLs on private or loopback networks (self-hosting)")

	fl.IntVar(&f.perWeek, "per-week", 2, "strength sessions per week (existing ones count)")
	fl.StringVar(&f.policy, "policy", "stack", "stack (on hard days) or separate (on rest/easy days)")
	fl.StringVar(&f.at, "at", "18:00", "preferred start when the day has no timed run")
	fl.StringVar(&f.duration, "duration", "45m", "session length")
	fl.StringVar(&f.gap, "gap", "3h", "minimum time from the end of a run to the session")
	fl.StringVar(&f.window, "window", "06:00-21:00", "allowed time of day")
	fl.StringVar(&f.weekdays, "weekdays", "mon,tue,wed,thu,fri,sat,sun", "allowed weekdays")
	fl.IntVar(&f.taper, "taper", 7, "days before an A race without strength (B races 3, C races 1)")
	fl.IntVar(&f.recovery, "recovery", rules.RecoveryByDistance, "days after every race without strength, instead of by each race's distance (2 to 21 days)")
	fl.Lookup("recovery").DefValue = "by distance"
	fl.BoolVar(&f.fill, "fill", false, "treat dates no run calendar covers as rest days")
	fl.StringVar(&f.level, "level", "intermediate", "beginner, intermediate or advanced")
	fl.StringVar(&f.started, "started", "", "when you began strength training with this plan, YYYY-MM-DD (beginner stages count from it)")
	fl.StringArrayVar(&f.fiveRM, "5rm", nil, `a 5-rep max, "back squat=80" (kg; repeatable)`)
	fl.StringArrayVar(&f.oneRM, "1rm", nil, `a 1-rep max, "deadlift=120" (kg; repeatable)`)
	fl.Int64Var(&f.maxBytes, "source-max-bytes", 10<<20, "largest calendar accepted from a file or URL")
	fl.DurationVar(&f.fetchTimeout, "source-timeout", 60*time.Second, "total time allowed to fetch one URL")
	fl.DurationVar(&f.fetchConnTimeout, "source-connect-timeout", 10*time.Second, "time allowed to connect to a URL's server")
}

// settings builds the settings: defaults, then the config file, then the
// flags the user actually gave.
func (f *planFlags) settings(cmd *cobra.Command) (rules.Settings, string, error) {
	s := rules.DefaultSettings()
	zone := ""
	if f.config != "" {
		data, err := os.ReadFile(f.config)
		if err != nil {
			return s, "", usageErr(fmt.Errorf("config: %w", err))
		}
		if s, zone, err = sync.ParseConfig(f.config, data, s); err != nil {
			return s, "", usageErr(err)
		}
	}
	var j sync.SettingsJSON
	changed := cmd.Flags().Changed
	if changed("per-week") {
		j.PerWeek = &f.perWeek
	}
	if changed("policy") {
		j.Policy = &f.policy
	}
	if changed("at") {
		j.At = &f.at
	}
	if changed("duration") {
		j.Duration = &f.duration
	}
	if changed("gap") {
		j.Gap = &f.gap
	}
	if changed("window") {
		j.Window = &f.window
	}
	if changed("weekdays") {
		j.Weekdays = strings.Split(f.weekdays, ",")
	}
	if changed("taper") {
		j.Taper = &f.taper
	}
	if changed("recovery") {
		j.Recovery = &f.recovery
	}
	if changed("fill") {
		j.Fill = &f.fill
	}
	if changed("level") {
		j.Level = &f.level
	}
	if changed("started") {
		j.Started = &f.started
	}
	var err error
	if j.FiveRM, err = parseMaxes("5rm", f.fiveRM); err != nil {
		return s, "", err
	}
	if j.OneRM, err = parseMaxes("1rm", f.oneRM); err != nil {
		return s, "", err
	}
	s, err = j.Apply(s)
	if err != nil {
		var fe *sync.FieldError
		if errors.As(err, &fe) {
			return s, "", usageErr(fmt.Errorf("--%s: %s", flagName(fe.Field), fe.Msg))
		}
		return s, "", usageErr(err)
	}
	if f.tz != "" {
		zone = f.tz
	}
	return s, zone, nil
}

func flagName(field string) string {
	switch field {
	case "five_rm":
		return "5rm"
	case "one_rm":
		return "1rm"
	}
	return strings.ReplaceAll(field, "_", "-")
}

func parseMaxes(flag string, vals []string) (map[string]float64, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	m := map[string]float64{}
	for _, v := range vals {
		name, kg, ok := strings.Cut(v, "=")
		var x float64
		if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kg), "kg"), &x); !ok || err != nil || strings.TrimSpace(name) == "" {
			return nil, usageErr(fmt.Errorf("--%s: %q is not lift=kg", flag, v))
		}
		if err := checkLift(flag, v, name); err != nil {
			return nil, err
		}
		m[strings.TrimSpace(name)] = x
	}
	return m, nil
}

// request turns the flags into an engine request.
func (a *App) request(ctx context.Context, cmd *cobra.Command, f *planFlags) (sync.Request, error) {
	var req sync.Request
	if len(f.from) == 0 {
		return req, usageErr(fmt.Errorf("--from: give at least one run calendar"))
	}
	settings, zone, err := f.settings(cmd)
	if err != nil {
		return req, err
	}
	if f.weeks < 1 || f.weeks > 520 {
		return req, usageErr(fmt.Errorf("--weeks: %d is out of range (1–520)", f.weeks))
	}
	req = sync.Request{Weeks: f.weeks, Settings: settings, TimeZone: zone, DefaultZone: localZoneName(a.Getenv)}
	if zone != "" {
		if _, err := ical.LoadLocation(zone); err != nil {
			return req, usageErr(fmt.Errorf("--tz: %w", err))
		}
	}
	if f.start != "" {
		if req.Start, err = rules.ParseDate(f.start); err != nil {
			return req, usageErr(fmt.Errorf("--start: %w", err))
		}
	} else {
		// "Today" is today where the runner is; before the zone is known,
		// the explicit or local zone is the best guess.
		loc, err := ical.LoadLocation(firstNonEmpty(zone, req.DefaultZone, "UTC"))
		if err != nil {
			loc = time.UTC
		}
		req.Start = rules.DateOf(a.Now().In(loc))
	}
	for _, spec := range f.from {
		src, err := a.source(ctx, spec, f, false)
		if err != nil {
			return req, err
		}
		req.Sources = append(req.Sources, src)
	}
	for _, spec := range f.busy {
		src, err := a.source(ctx, spec, f, true)
		if err != nil {
			return req, err
		}
		req.Busy = append(req.Busy, src)
	}
	return req, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// localZoneName names the machine's zone without using time.Local, whose
// name is just "Local": $TZ, else the /etc/localtime link.
func localZoneName(getenv func(string) string) string {
	if tz := strings.TrimPrefix(getenv(envTZ), ":"); tz != "" {
		return tz
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			return name
		}
	}
	return "UTC"
}

func (a *App) planCmd() *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "plan --from SRC [flags]",
		Short: "Show the classified days and the strength sessions for the coming weeks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			req, err := a.request(ctx, cmd, f)
			if err != nil {
				return err
			}
			res, err := a.engine(f).Run(ctx, req)
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.Stdout, res)
			}
			return writeTable(a.Stdout, res, f.verbose)
		},
	}
	f.register(cmd, false)
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON object (see README for the contract)")
	return cmd
}

func (a *App) syncCmd() *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "sync --from SRC --to DEST [flags]",
		Short: "Plan and write the strength sessions to a file or a Google calendar",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if f.to == "" {
				return usageErr(fmt.Errorf("--to: give a destination (path.ics, google:CALENDAR_ID or google:new)"))
			}
			req, err := a.request(ctx, cmd, f)
			if err != nil {
				return err
			}
			if req.Sink, err = a.sink(ctx, f.to); err != nil {
				return err
			}
			req.DryRun = f.dryRun
			// What the last sync to this destination planned from, so the
			// changes can say why (SPEC §6).
			state := filestate.Open(a.statePath())
			key := snapshotKey(req.Sink.Name())
			if b, ok, err := state.Get(ctx, key); err == nil && ok {
				var prev rules.Snapshot
				if json.Unmarshal(b, &prev) == nil {
					req.Previous = &prev
				}
			}
			res, err := a.engine(f).Run(ctx, req)
			if err != nil {
				return err
			}
			if !f.dryRun {
				if b, err := json.Marshal(res.Snapshot); err == nil {
					if err := state.Put(ctx, key, b); err != nil {
						a.log.Warn("the plan's inputs were not kept: the next sync cannot say why it changes", slog.Any("error", err))
					}
				}
			}
			return writeChanges(a.Stdout, res, req.Sink.Name(), f.dryRun)
		},
	}
	f.register(cmd, true)
	return cmd
}

// snapshotKey keeps, per destination, what its last sync planned from.
func snapshotKey(dest string) string {
	sum := sha256.Sum256([]byte(dest))
	return "cli/snapshot/" + hex.EncodeToString(sum[:8])
}

func (a *App) engine(f *planFlags) *sync.Engine {
	log := a.log
	if f.verbose {
		log = slogVerbose(a.Stderr)
	}
	return &sync.Engine{Zone: ical.LoadLocation, Log: log}
}
