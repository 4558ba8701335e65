package main

// Google: `connect google`, `disconnect google`, and the google:ID sources
// and destinations of plan and sync.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	stdsync "sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/filestate"
	"github.com/strengthsync/strengthsync/sync/google"
)

// googleProvider turns google:ID specs into sources and sinks.
type googleProvider interface {
	Source(ctx context.Context, calendarID string) (sync.Source, error)
	Busy(ctx context.Context, calendarID string) (sync.Source, error)
	Sink(ctx context.Context, calendarID string) (sync.Sink, error)
}

// googleCLI builds one Google client per command, on first use, from the
// token file and the environment.
type googleCLI struct {
	a      *App
	once   stdsync.Once
	client *google.Client
	saved  *oauth.Saved
	err    error
}

func newGoogleProvider(a *App) googleProvider { return &googleCLI{a: a} }

// tokenFile is $STRENGTHSYNC_CONFIG_DIR (else os.UserConfigDir()/strengthsync)/google-token.json.
func (a *App) tokenFile() oauth.TokenFile {
	return oauth.TokenFile{Path: filepath.Join(a.configDir, oauth.TokenFileName)}
}

// statePath is where Google sync tokens and write records live.
func (a *App) statePath() string { return filepath.Join(a.dataDir, "state.json") }

// googleEnv reads the endpoints, an OAuth client given in the environment
// (nil when none), and the first retry pause (STRENGTHSYNC_GOOGLE_BACKOFF).
func (a *App) googleEnv() (oauth.Endpoints, *oauth.Credentials, time.Duration, error) {
	ep, err := oauth.EndpointsFromEnv(a.Getenv)
	if err != nil {
		return ep, nil, 0, usageErr(err)
	}
	var cred *oauth.Credentials
	if a.Getenv(envGoogleClientID) != "" || a.Getenv(envGoogleSecret) != "" {
		c, err := oauth.LoadCredentials("", a.Getenv)
		if err != nil {
			return ep, nil, 0, usageErr(err)
		}
		cred = &c
	}
	var backoff time.Duration
	if v := a.Getenv(envGoogleBackoff); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			return ep, nil, 0, usageErr(fmt.Errorf("STRENGTHSYNC_GOOGLE_BACKOFF: %q is not a duration between 0 and 1m", v))
		}
		backoff = d
	}
	return ep, cred, backoff, nil
}

func (g *googleCLI) get(ctx context.Context) (*google.Client, *oauth.Saved, error) {
	g.once.Do(func() {
		ep, cred, backoff, err := g.a.googleEnv()
		if err != nil {
			g.err = err
			return
		}
		hc, saved, err := oauth.Client(ctx, ep, g.a.tokenFile(), cred)
		if err != nil {
			g.err = err
			return
		}
		c, err := google.New(ctx, google.Options{
			HTTPClient: hc,
			APIURL:     ep.APIURL,
			State:      filestate.Open(g.a.statePath()),
			Backoff:    backoff,
			Log:        g.a.log,
		})
		g.client, g.saved, g.err = c, saved, err
	})
	return g.client, g.saved, g.err
}

// need fails early, with the consequence in the runner's words, when the
// saved grant lacks scope. An old token file without scopes passes: Google
// will say.
func (g *googleCLI) need(spec, scope string) error {
	if len(g.saved.Scopes) == 0 || slices.Contains(g.saved.Scopes, scope) {
		return nil
	}
	for _, l := range oauth.Missing(g.saved.Scopes) {
		if l.Scope == scope {
			return fmt.Errorf("%s: %s; run `strengthsync connect google` again and allow it", spec, l)
		}
	}
	return nil
}

func (g *googleCLI) Source(ctx context.Context, id string) (sync.Source, error) {
	c, _, err := g.get(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.need("google:"+id, oauth.ScopeEventsReadonly); err != nil {
		return nil, err
	}
	return c.Source(id), nil
}

func (g *googleCLI) Busy(ctx context.Context, id string) (sync.Source, error) {
	c, _, err := g.get(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.need("google:"+id, oauth.ScopeFreeBusy); err != nil {
		return nil, err
	}
	return c.Busy(id), nil
}

func (g *googleCLI) Sink(ctx context.Context, id string) (sync.Sink, error) {
	c, _, err := g.get(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.need("google:"+id, oauth.ScopeAppCreated); err != nil {
		return nil, err
	}
	return c.Sink(id), nil
}

// googleErrorLine is the one line the runner sees for a Google failure
// that has exact words of its own, whatever wrapped it on the way up.
func googleErrorLine(err error) (string, bool) {
	if errors.Is(err, oauth.ErrRevoked) {
		return oauth.ErrRevoked.Error(), true
	}
	return "", false
}

func (a *App) googleCmds() []*cobra.Command {
	connect := &cobra.Command{
		Use:   "connect google",
		Short: "Connect a Google account (consent in the browser)",
		Args:  cobra.NoArgs,
	}
	var noBrowser bool
	var credentials string
	connectGoogle := &cobra.Command{
		Use:   "google",
		Short: "Allow strengthsync to read your runs and keep a strength calendar in Google Calendar",
		Long: `Opens Google's consent page. strengthsync asks for three things only:
to create its own calendar and manage the events in it, to read your events
(the runs), and to see when you are busy. The token is kept in
` + "`google-token.json`" + ` in your config directory, readable by you only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.connectGoogle(cmd.Context(), credentials, noBrowser)
		},
	}
	connectGoogle.Flags().BoolVar(&noBrowser, "no-browser", false, "print the consent address instead of opening a browser")
	connectGoogle.Flags().StringVar(&credentials, "google-credentials", "",
		"OAuth client file (client_secret.json from the Google Cloud console); "+
			"default: STRENGTHSYNC_GOOGLE_CLIENT_ID and STRENGTHSYNC_GOOGLE_CLIENT_SECRET")
	connect.AddCommand(connectGoogle)

	disconnect := &cobra.Command{
		Use:   "disconnect google",
		Short: "Revoke strengthsync's access to Google and delete the token",
		Args:  cobra.NoArgs,
	}
	disconnect.AddCommand(&cobra.Command{
		Use:   "google",
		Short: "Revoke strengthsync's access to Google and delete the token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.disconnectGoogle(cmd.Context())
		},
	})
	return []*cobra.Command{connect, disconnect}
}

// consentTimeout bounds the wait for the runner to finish in the browser.
const consentTimeout = 10 * time.Minute

func (a *App) connectGoogle(ctx context.Context, credentials string, noBrowser bool) error {
	ep, _, _, err := a.googleEnv()
	if err != nil {
		return err
	}
	cred, err := oauth.LoadCredentials(credentials, a.Getenv)
	if err != nil {
		return usageErr(err)
	}
	ctx, cancel := context.WithTimeout(ctx, consentTimeout)
	defer cancel()
	opts := oauth.ConnectOptions{Credentials: cred, Endpoints: ep, Out: a.Stderr}
	if !noBrowser {
		opts.Browser = oauth.OpenBrowser
	}
	g, err := oauth.Connect(ctx, opts)
	if err != nil {
		return err
	}
	file := a.tokenFile()
	if err := file.Save(&oauth.Saved{Token: g.Token, Scopes: g.Granted, Client: cred}); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Connected to Google Calendar. The token is in %s.\n", file.Path)
	for _, l := range g.Missing {
		fmt.Fprintf(a.Stdout, "Not granted: %s. Run `strengthsync connect google` again to allow it.\n", l)
	}
	return nil
}

func (a *App) disconnectGoogle(ctx context.Context) error {
	file := a.tokenFile()
	saved, err := file.Load()
	if errors.Is(err, oauth.ErrNotConnected) {
		fmt.Fprintln(a.Stdout, "Not connected to Google; nothing to do.")
		return nil
	}
	if err != nil {
		// A damaged file cannot be revoked from; removing it is all there is.
		if derr := file.Delete(); derr != nil {
			return derr
		}
		fmt.Fprintf(a.Stdout, "Deleted %s. Remove strengthsync at https://myaccount.google.com/permissions to revoke its access.\n", file.Path)
		return nil
	}
	ep, _, _, err := a.googleEnv()
	if err != nil {
		return err
	}
	if err := oauth.Revoke(ctx, nil, ep.RevokeURL, saved.Token); err != nil {
		return fmt.Errorf("%w; %s is kept so you can try again (or remove strengthsync at https://myaccount.google.com/permissions)",
			err, file.Path)
	}
	if err := file.Delete(); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Disconnected: Google access revoked and %s deleted.\n", file.Path)
	return nil
}
