package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ConnectOptions configure the consent flow.
type ConnectOptions struct {
	Credentials Credentials
	Endpoints   Endpoints
	// Browser opens the consent page. Nil means print the address only
	// (--no-browser); when it fails the address is printed anyway.
	Browser func(ctx context.Context, addr string) error
	// Out receives the instructions for the runner.
	Out io.Writer
	// HTTPClient is used for the code exchange [http.DefaultClient].
	HTTPClient *http.Client
}

// Grant is the outcome of a consent.
type Grant struct {
	Token *oauth2.Token
	// Granted are the scopes Google says it granted.
	Granted []string
	// Missing are the scopes asked for and not granted, with what stops
	// working without each.
	Missing []Loss
}

// Loss is a scope the runner did not grant and its consequence.
type Loss struct {
	Scope  string
	Breaks string
}

// String says it plainly: "calendar.freebusy was not granted: …".
func (l Loss) String() string {
	return strings.TrimPrefix(l.Scope, "https://www.googleapis.com/auth/") + " was not granted: " + l.Breaks
}

// losses say what each scope is for, in the runner's words.
var losses = map[string]string{
	ScopeAppCreated:     "strengthsync cannot create its calendar or write sessions (--to google:… will fail)",
	ScopeEventsReadonly: "strengthsync cannot read your runs from Google (--from google:… will fail)",
	ScopeFreeBusy:       "strengthsync cannot see when you are busy (--busy google:… will fail)",
}

// Missing returns the scopes of Scopes absent from granted.
func Missing(granted []string) []Loss {
	var out []Loss
	for _, sc := range Scopes {
		if !slices.Contains(granted, sc) {
			out = append(out, Loss{Scope: sc, Breaks: losses[sc]})
		}
	}
	return out
}

// ErrDenied is the runner pressing Cancel on Google's consent page.
var ErrDenied = errors.New("access was not granted on Google's consent page (access_denied)")

// Connect runs the installed-app flow of
// https://developers.google.com/identity/protocols/oauth2/native-app: it
// listens on 127.0.0.1 at a free port, sends the runner to the consent page
// with a random state and a PKCE S256 challenge, waits for Google to
// redirect back, checks the state, and exchanges the code with the
// verifier. It returns when ctx ends, too.
func Connect(ctx context.Context, o ConnectOptions) (*Grant, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth: listen for Google's redirect: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/", ln.Addr().(*net.TCPAddr).Port)
	cfg := Config(o.Credentials, o.Endpoints, redirect)
	state, err := randomString()
	if err != nil {
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL(state,
		oauth2.AccessTypeOffline, // a refresh token, for the runs to come
		oauth2.ApprovalForce,     // a refresh token even when consented before
		oauth2.S256ChallengeOption(verifier))

	xctx := ctx
	if o.HTTPClient != nil {
		xctx = context.WithValue(ctx, oauth2.HTTPClient, o.HTTPClient)
	}
	type result struct {
		grant *Grant
		err   error
	}
	done := make(chan result, 1)
	finish := func(r result) {
		select {
		case done <- r:
		default:
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		// A request without our state is not Google's answer to our
		// request: refuse it and keep waiting.
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This address is not the one strengthsync is waiting for.")
			return
		}
		if e := q.Get("error"); e != "" {
			page(w, http.StatusOK, "strengthsync was not connected: Google says "+e+". You can close this tab.")
			if e == "access_denied" {
				finish(result{err: ErrDenied})
			} else {
				finish(result{err: fmt.Errorf("oauth: consent failed: %s", e)})
			}
			return
		}
		code := q.Get("code")
		if code == "" {
			page(w, http.StatusBadRequest, "Google's answer has no code.")
			return
		}
		tok, err := cfg.Exchange(xctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			page(w, http.StatusOK, "strengthsync could not finish connecting. See the terminal.")
			finish(result{err: fmt.Errorf("oauth: exchange the code: %w", err)})
			return
		}
		g := &Grant{Token: tok, Granted: cfg.Scopes}
		if sc, ok := tok.Extra("scope").(string); ok {
			g.Granted = strings.Fields(sc)
		}
		g.Missing = Missing(g.Granted)
		if tok.RefreshToken == "" {
			page(w, http.StatusOK, "strengthsync could not finish connecting. See the terminal.")
			finish(result{err: errors.New("oauth: Google sent no refresh token; remove strengthsync at https://myaccount.google.com/permissions and connect again")})
			return
		}
		msg := "strengthsync is connected to Google Calendar. You can close this tab."
		if len(g.Missing) > 0 {
			msg = "strengthsync is connected, with less access than it asked for. See the terminal. You can close this tab."
		}
		page(w, http.StatusOK, msg)
		finish(result{grant: g})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintf(o.Out, "To connect strengthsync to Google Calendar, open this address in a browser:\n\n  %s\n\n", authURL)
	if o.Browser != nil {
		if err := o.Browser(ctx, authURL); err != nil {
			fmt.Fprintf(o.Out, "(could not open a browser: %v)\n", err)
		}
	}
	fmt.Fprintln(o.Out, "Waiting for Google…")
	select {
	case r := <-done:
		return r.grant, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: gave up waiting for consent: %w", context.Cause(ctx))
	}
}

func page(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<!doctype html><title>strengthsync</title><p>%s</p>\n", html.EscapeString(msg))
}

func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// OpenBrowser opens addr with xdg-open, the freedesktop way.
func OpenBrowser(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "xdg-open", addr).Run()
}

// Revoke revokes the grant behind tok at Google's revocation endpoint
// (native-app guide, "Revoking a token"), using the refresh token when
// there is one. A token Google no longer knows counts as revoked.
func Revoke(ctx context.Context, hc *http.Client, revokeURL string, tok *oauth2.Token) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	t := tok.RefreshToken
	if t == "" {
		t = tok.AccessToken
	}
	body := strings.NewReader(url.Values{"token": {t}}.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, body)
	if err != nil {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauth: revoke: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	switch {
	case res.StatusCode == http.StatusOK:
		return nil
	case res.StatusCode == http.StatusBadRequest && strings.Contains(string(b), "invalid_token"):
		return nil
	}
	return fmt.Errorf("oauth: revoke: Google answered %s", res.Status)
}
