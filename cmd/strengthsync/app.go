package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// version is the module version Go stamped into the binary
// ("v1.2.0", or a pseudo-version such as "v0.0.0-20261205…-abc1234…"),
// "devel" when it stamped none: one token, fit for a User-Agent.
var version = moduleVersion(debug.ReadBuildInfo())

func moduleVersion(info *debug.BuildInfo, ok bool) string {
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}

// versionLine is what --version prints after the name: the module version
// and the commit it was built from, "+dirty" when the work tree had
// changes, and the commit's date: `v0.0.0-… (abc1234, 2026-12-05)`.
func versionLine(info *debug.BuildInfo, ok bool) string {
	v := moduleVersion(info, ok)
	if !ok {
		return v
	}
	var rev, when string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		if len(rev) > 7 {
			rev = rev[:7]
		}
		if dirty {
			rev += "+dirty"
		}
		extra = append(extra, rev)
	}
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		extra = append(extra, t.UTC().Format("2006-01-02"))
	}
	if len(extra) > 0 {
		v += " (" + strings.Join(extra, ", ") + ")"
	}
	return v
}

// Env is the process's view of the world, injected so tests control it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
}

// App holds what every command needs.
type App struct {
	Env
	log *slog.Logger
	// dirs are where the CLI keeps its files; STRENGTHSYNC_CONFIG_DIR,
	// STRENGTHSYNC_DATA_DIR and STRENGTHSYNC_CACHE_DIR override them.
	configDir, dataDir, cacheDir string
	google                       googleProvider
}

// Main runs the command line and returns the process exit code: 0 on
// success, 1 on a runtime failure, 2 on bad usage or bad input.
func Main(ctx context.Context, args []string, env Env) int {
	a := newApp(env)
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	fmt.Fprintln(env.Stderr, "strengthsync: "+oneLine(err.Error()))
	return code
}

func newApp(env Env) *App {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	a := &App{Env: env}
	a.log = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a.configDir = a.dir(envConfigDir, os.UserConfigDir)
	a.cacheDir = a.dir(envCacheDir, os.UserCacheDir)
	a.dataDir = a.dir(envDataDir, userDataDir(env.Getenv))
	a.google = newGoogleProvider(a)
	return a
}

func (a *App) dir(envName string, def func() (string, error)) string {
	if d := a.Getenv(envName); d != "" {
		return d
	}
	d, err := def()
	if err != nil || d == "" {
		d = filepath.Join(os.TempDir(), "strengthsync-"+fmt.Sprint(os.Getuid()))
		return d
	}
	return filepath.Join(d, "strengthsync")
}

// userDataDir follows XDG: $XDG_DATA_HOME, else ~/.local/share.
func userDataDir(getenv func(string) string) func() (string, error) {
	return func() (string, error) {
		if d := getenv(envXDGDataHome); d != "" {
			return d, nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "share"), nil
	}
}

func (a *App) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "strengthsync",
		Short: "Put strength training into a runner's calendar: hard days hard, easy days easy",
		Long: `strengthsync reads a runner's plan from a calendar, works out which days are hard,
easy, long, race or rest, and places strength sessions where they help the running:
on the hard days, never the day before a long run or race, never in a taper.`,
		Version:       versionLine(debug.ReadBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	// Declared here so cobra does not add its -v shorthand: -v means
	// --verbose in every command that has it.
	root.Flags().Bool("version", false, "print the version and the commit it was built from")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(a.planCmd(), a.syncCmd())
	root.AddCommand(a.googleCmds()...)
	root.AddCommand(a.serviceCmds()...)
	root.AddCommand(a.healthcheckCmd())
	registerCompletions(root)
	return root
}

// exitError carries the exit code decided where the error is understood.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks bad usage or bad input: exit code 2.
func usageErr(err error) error { return &exitError{code: 2, err: err} }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isBadInput(err) {
		return 2
	}
	msg := err.Error()
	// cobra reports unknown commands and arguments without a type.
	if strings.HasPrefix(msg, "unknown command") || strings.Contains(msg, "arg(s)") ||
		strings.HasPrefix(msg, "required flag") || strings.HasPrefix(msg, "unknown flag") {
		return 2
	}
	return 1
}

// oneLine keeps the message on one line, whatever a library put in it.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
