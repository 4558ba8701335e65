package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"time"

	"golang.org/x/oauth2"
)

// ErrRevoked is what the runner sees when Google no longer honours the
// refresh token (revoked at myaccount.google.com, expired after seven days
// of a "testing" app, or the password changed).
var ErrRevoked = errors.New("Google access was revoked — run `strengthsync connect google` again")

// ErrNotConnected is returned when there is no token file yet.
var ErrNotConnected = errors.New("not connected to Google — run `strengthsync connect google` first")

// TokenFileName is the token file's name inside the config directory.
const TokenFileName = "google-token.json"

// DefaultTokenPath is os.UserConfigDir()/strengthsync/google-token.json.
func DefaultTokenPath() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("oauth: no config directory: %w", err)
	}
	return filepath.Join(d, "strengthsync", TokenFileName), nil
}

// TokenFile is where the token lives between runs: readable by the user
// only (0600), in a directory only the user can enter.
type TokenFile struct{ Path string }

// Saved is what the token file holds: the token, the scopes Google
// granted with it, and the OAuth client it was issued to (refreshing needs
// the same client; an installed app's client secret is not a secret, see
// the native-app guide).
type Saved struct {
	Token  *oauth2.Token
	Scopes []string
	Client Credentials
}

// storedToken is the file's format. Scope keeps what Google granted, which
// the oauth2.Token type only holds in an unexported field.
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
}

// Load reads the file. A missing file is ErrNotConnected.
func (f TokenFile) Load() (*Saved, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	var st storedToken
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("oauth: %s is damaged (%v): run `strengthsync connect google` again", f.Path, err)
	}
	if st.RefreshToken == "" && st.AccessToken == "" {
		return nil, fmt.Errorf("oauth: %s holds no token: run `strengthsync connect google` again", f.Path)
	}
	return &Saved{
		Token:  &oauth2.Token{AccessToken: st.AccessToken, TokenType: st.TokenType, RefreshToken: st.RefreshToken, Expiry: st.Expiry},
		Scopes: strings.Fields(st.Scope),
		Client: Credentials{ClientID: st.ClientID, ClientSecret: st.ClientSecret},
	}, nil
}

// Save writes the file atomically with mode 0600.
func (f TokenFile) Save(s *Saved) error {
	tok := s.Token
	st := storedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken,
		Expiry: tok.Expiry, Scope: strings.Join(s.Scopes, " "), ClientID: s.Client.ClientID, ClientSecret: s.Client.ClientSecret}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*")
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	// CreateTemp already makes 0600; say it anyway, it is the contract.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("oauth: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("oauth: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("oauth: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	return nil
}

// Delete removes the token file; a missing file is not an error.
func (f TokenFile) Delete() error {
	if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("oauth: %w", err)
	}
	return nil
}

// Source hands out the access tokens of one grant: the current one while
// it is valid, a refreshed one when it has expired or when the API refused
// it (Refused). Every new token goes to save, so the next run starts from
// it. A refused refresh (invalid_grant) is ErrRevoked. It is safe for
// concurrent use; concurrent refusals of one token refresh it once.
type Source struct {
	cfg  *oauth2.Config
	ctx  context.Context
	save func(*oauth2.Token)

	mu  stdsync.Mutex
	tok *oauth2.Token
}

var _ oauth2.TokenSource = (*Source)(nil)

// NewSource returns a Source starting from tok. Refreshes use ctx for
// their HTTP client (oauth2.HTTPClient) but not for cancellation: the
// source outlives the call that built it. save may be nil.
func NewSource(ctx context.Context, cfg *oauth2.Config, tok *oauth2.Token, save func(*oauth2.Token)) *Source {
	if save == nil {
		save = func(*oauth2.Token) {}
	}
	cp := *tok
	return &Source{cfg: cfg, ctx: context.WithoutCancel(ctx), save: save, tok: &cp}
}

// Token returns a valid access token, refreshing it when needed.
func (s *Source) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.Valid() {
		return s.tok, nil
	}
	if s.tok.RefreshToken == "" {
		return nil, ErrRevoked
	}
	// A token without an access token makes oauth2 refresh at once.
	t, err := s.cfg.TokenSource(s.ctx, &oauth2.Token{RefreshToken: s.tok.RefreshToken}).Token()
	if err != nil {
		return nil, classify(err)
	}
	s.tok = t
	s.save(t)
	return t, nil
}

// Refused tells the source that the API answered 401 to access: Google
// ends an access token before its expiry when the runner removes the app
// at myaccount.google.com/permissions, changes their password, or the
// token is revoked (https://developers.google.com/identity/protocols/oauth2#expiration).
// Unless a newer token has replaced it meanwhile, the next Token refreshes,
// and that refresh tells a dead token (a new one comes) from a revoked
// grant (invalid_grant, ErrRevoked).
func (s *Source) Refused(access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.AccessToken == access {
		cp := *s.tok
		cp.AccessToken = ""
		s.tok = &cp
	}
}

// Transport authorises requests with a Source's tokens. On a 401 it
// refreshes once and sends the request again: the token the client
// thought valid may have died early.
type Transport struct {
	Source *Source
	// Base sends the requests [http.DefaultTransport].
	Base http.RoundTripper
}

// RoundTrip is http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.Source.Token()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	// The body is sent twice at most: keep a way to read it again.
	replay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	res, err := t.send(req, tok, req.Body)
	if err != nil || res.StatusCode != http.StatusUnauthorized || !replay {
		return res, err
	}
	t.Source.Refused(tok.AccessToken)
	fresh, err := t.Source.Token()
	if err != nil {
		res.Body.Close()
		return nil, err
	}
	var body io.ReadCloser
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			// Keep the first answer: it says what went wrong.
			return res, nil
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return t.send(req, fresh, body)
}

func (t *Transport) send(req *http.Request, tok *oauth2.Token, body io.ReadCloser) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	r := req.Clone(req.Context())
	r.Body = body
	tok.SetAuthHeader(r)
	return base.RoundTrip(r)
}

// classify turns Google's refusal into ErrRevoked and leaves the rest.
func classify(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		return ErrRevoked
	}
	return err
}

// Client returns an HTTP client authorised with the saved token, for the
// Calendar API, and what was saved. cred, when not nil, replaces the OAuth
// client saved with the token. Requests fail with ErrRevoked (wrapped by
// net/http) when Google refuses the refresh token, also when the access
// token dies before its expiry (see Source.Refused).
func Client(ctx context.Context, e Endpoints, file TokenFile, cred *Credentials) (*http.Client, *Saved, error) {
	saved, err := file.Load()
	if err != nil {
		return nil, nil, err
	}
	if cred != nil {
		saved.Client = *cred
	}
	if saved.Client.ClientID == "" {
		return nil, nil, ErrNoClient
	}
	cp := *saved
	src := NewSource(ctx, Config(saved.Client, e, ""), saved.Token, func(t *oauth2.Token) {
		if sc, ok := t.Extra("scope").(string); ok && sc != "" {
			cp.Scopes = strings.Fields(sc)
		}
		cp.Token = t
		// A failed save costs only a refresh on the next run.
		_ = file.Save(&cp)
	})
	var base http.RoundTripper
	if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
		base = hc.Transport
	}
	return &http.Client{Transport: &Transport{Source: src, Base: base}}, saved, nil
}
