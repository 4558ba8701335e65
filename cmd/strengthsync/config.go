package main

// The configuration reference: every environment variable the program
// reads, in one table, and the Markdown the README carries, generated from
// that table and the command tree. A test regenerates it and fails when the
// README's copy differs (`go test ./cmd/strengthsync -run
// TestConfigReference -update` rewrites it), and fails when the code reads
// a variable the table does not list.

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/strengthsync/strengthsync/sync/seal"
)

// Environment variables read in this package. The others in envVars are
// read where they are used (oauth, seal), under the same names.
const (
	envConfigDir      = "STRENGTHSYNC_CONFIG_DIR"
	envDataDir        = "STRENGTHSYNC_DATA_DIR"
	envCacheDir       = "STRENGTHSYNC_CACHE_DIR"
	envRedisURL       = "REDIS_URL"
	envTrustedProxies = "STRENGTHSYNC_TRUSTED_PROXIES"
	envGoogleClientID = "STRENGTHSYNC_GOOGLE_CLIENT_ID"
	envGoogleSecret   = "STRENGTHSYNC_GOOGLE_CLIENT_SECRET"
	envGoogleBackoff  = "STRENGTHSYNC_GOOGLE_BACKOFF"
	envXDGDataHome    = "XDG_DATA_HOME"
	envTZ             = "TZ"
	envZoneInfo       = "ZONEINFO"
)

// envVar is one environment variable in the reference.
type envVar struct {
	Name, Default, Meaning string
	// Indirect variables are read by Go's standard library on our behalf
	// (os.UserConfigDir), so the code never names them.
	Indirect bool
}

// envVars lists every environment variable the program reads.
func envVars() []envVar {
	return []envVar{
		{Name: envRedisURL, Default: "none: SQLite in `--data`",
			Meaning: "Redis URL (`redis://host:6379/0`) for the store and the queue of `serve` and `worker`; `--redis` wins"},
		{Name: seal.EnvKey, Default: "`<data>/" + seal.KeyFile + "`, made on first start",
			Meaning: "the sealing key for stored tokens: 32 bytes as base64 or 64 hex digits; the same for serve and every worker"},
		{Name: envTrustedProxies, Default: "none: forwarding headers are ignored",
			Meaning: "reverse proxies (CIDRs or addresses, comma-separated) whose `Forwarded` / `X-Forwarded-For` name the client; `--trusted-proxies` wins"},
		{Name: envGoogleClientID, Default: "none: no Google",
			Meaning: "the OAuth client ID for Google Calendar; `--google-credentials` wins"},
		{Name: envGoogleSecret, Default: "none: no Google", Meaning: "the OAuth client secret that goes with it"},
		{Name: "STRENGTHSYNC_GOOGLE_AUTH_URL", Default: "Google's", Meaning: "Google's consent page (a stand-in for tests)"},
		{Name: "STRENGTHSYNC_GOOGLE_TOKEN_URL", Default: "Google's", Meaning: "Google's token endpoint (a stand-in for tests)"},
		{Name: "STRENGTHSYNC_GOOGLE_REVOKE_URL", Default: "Google's", Meaning: "Google's revocation endpoint (a stand-in for tests)"},
		{Name: "STRENGTHSYNC_GOOGLE_API_URL", Default: "Google's", Meaning: "the Calendar API base URL (a stand-in for tests)"},
		{Name: envGoogleBackoff, Default: "`1s`", Meaning: "the first pause before retrying a failed Google call (up to `1m`); pauses double"},
		{Name: envDataDir, Default: "`$XDG_DATA_HOME/strengthsync`",
			Meaning: "where the CLI keeps its sync state and `serve`/`worker` their SQLite file and key: the default of `--data`"},
		{Name: envConfigDir, Default: "`$XDG_CONFIG_HOME/strengthsync`", Meaning: "where the CLI keeps the Google token of `connect google`"},
		{Name: envCacheDir, Default: "`$XDG_CACHE_HOME/strengthsync`", Meaning: "where the CLI caches calendars it fetched"},
		{Name: envXDGDataHome, Default: "`~/.local/share`", Meaning: "the base of the data directory"},
		{Name: "XDG_CONFIG_HOME", Default: "`~/.config`", Meaning: "the base of the config directory", Indirect: true},
		{Name: "XDG_CACHE_HOME", Default: "`~/.cache`", Meaning: "the base of the cache directory", Indirect: true},
		{Name: envTZ, Default: "`/etc/localtime`, else UTC", Meaning: "the CLI's time zone when a calendar names none"},
		{Name: envZoneInfo, Default: "the system's zoneinfo", Meaning: "a zone database (folder or zip) to list time zones from, for shell completion"},
	}
}

// Markers around the generated block in the README.
const (
	refStart = "<!-- config-reference:start -->"
	refEnd   = "<!-- config-reference:end -->"
)

// writeConfigReference writes the Markdown reference of root's flags and
// of envVars. Defaults that depend on the machine (the data directory)
// must be fixed by the App root came from (see referenceApp).
func writeConfigReference(w io.Writer, root *cobra.Command) {
	fmt.Fprintln(w, "<!-- Generated from the code: go test ./cmd/strengthsync -run TestConfigReference -update -->")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "#### Flags")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		var rows []string
		add := func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			name := "`--" + f.Name + "`"
			if f.Shorthand != "" {
				name = "`-" + f.Shorthand + "`, " + name
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s |", name, mdDefault(f), mdCell(f.Usage)))
		}
		c.LocalNonPersistentFlags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		if len(rows) > 0 {
			fmt.Fprintf(w, "\n`%s`\n\n| flag | default | meaning |\n|---|---|---|\n%s\n", c.CommandPath(), strings.Join(rows, "\n"))
		}
		subs := c.Commands()
		slices.SortFunc(subs, func(a, b *cobra.Command) int { return strings.Compare(a.Name(), b.Name()) })
		for _, sub := range subs {
			walk(sub)
		}
	}
	walk(root)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "#### Environment variables")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| variable | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, v := range envVars() {
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", v.Name, v.Default, mdCell(v.Meaning))
	}
}

func mdDefault(f *pflag.Flag) string {
	switch {
	case f.DefValue == "" || f.DefValue == "[]":
		return "none"
	case f.Value.Type() == "bool" && f.DefValue == "false":
		return "off"
	case f.Value.Type() == "duration":
		return "`" + shortDuration(f.DefValue) + "`"
	}
	return "`" + f.DefValue + "`"
}

// shortDuration drops time.Duration.String's zero units: 15m0s → 15m, the
// way the flag is written.
func shortDuration(s string) string {
	for _, zero := range []string{"0s", "0m"} {
		if t, ok := strings.CutSuffix(s, zero); ok && t != "" && !strings.HasSuffix(t, ".") && t[len(t)-1] >= 'a' {
			s = t
		}
	}
	return s
}

// mdCell keeps text inside one Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// referenceApp is an App whose machine-dependent defaults read as the
// variables they come from, so the reference is the same everywhere.
func referenceApp() *App {
	dirs := map[string]string{
		envDataDir:   "$XDG_DATA_HOME/strengthsync",
		envConfigDir: "$XDG_CONFIG_HOME/strengthsync",
		envCacheDir:  "$XDG_CACHE_HOME/strengthsync",
	}
	return newApp(Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return dirs[k] }})
}

// spliceReference replaces what lies between the markers in doc with ref.
func spliceReference(doc, ref string) (string, error) {
	before, rest, ok := strings.Cut(doc, refStart)
	if !ok {
		return "", fmt.Errorf("no %s marker", refStart)
	}
	_, after, ok := strings.Cut(rest, refEnd)
	if !ok {
		return "", fmt.Errorf("no %s marker after %s", refEnd, refStart)
	}
	return before + refStart + "\n" + ref + refEnd + after, nil
}
