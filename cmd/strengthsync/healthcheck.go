package main

// healthcheck is the container image's health check: the image is built
// FROM scratch, so there is no shell and no curl to ask the service whether
// it is ready; the binary asks itself.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	// A scratch image has no /etc/ssl: these roots are used when the system
	// has none, so calendar URLs and Google work over HTTPS there too.
	_ "golang.org/x/crypto/x509roots/fallback"
)

// defaultHealthURL is serve's readiness on its default --addr, as seen
// from inside its own container.
const defaultHealthURL = "http://127.0.0.1:8080/readyz"

func (a *App) healthcheckCmd() *cobra.Command {
	var target string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck [--url URL]",
		Short: "Exit 0 when the service answers 2xx on its readiness URL (the image's health check)",
		Long: `healthcheck asks a running serve (or, with --url and its --metrics-addr, a
worker) whether it is healthy: exit 0 and no output on a 2xx answer, exit 1
with one line on anything else, including no answer within --timeout.
It needs no shell and no curl, so it works in the scratch image.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return healthcheck(cmd.Context(), target, timeout) },
	}
	cmd.Flags().StringVar(&target, "url", defaultHealthURL, "URL to ask: serve's /readyz or /healthz, a worker's --metrics-addr /healthz")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "longest to wait for the answer")
	return cmd
}

func healthcheck(ctx context.Context, target string, timeout time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr(fmt.Errorf("--url: %q: want http(s)://host[:port]/path", target))
	}
	if timeout <= 0 {
		return usageErr(fmt.Errorf("--timeout: %v: want more than 0", timeout))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usageErr(fmt.Errorf("--url: %w", err))
	}
	client := &http.Client{
		// The service is asked directly: an HTTP_PROXY set for the
		// service's own fetching must not answer for it.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		// A redirect is not a health answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("healthcheck %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	// The body says why (readyz: "store not writable: …"); the first line
	// is enough for a health log.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	why, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	msg := fmt.Sprintf("healthcheck %s: %s", u.Redacted(), resp.Status)
	if why != "" {
		msg += ": " + why
	}
	return errors.New(msg)
}
