package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// TokenSource returns a token source that refreshes saved.Token through
// cfg and saves every new token to file, so the next run starts from it.
// Refreshes use ctx for their HTTP client but not for cancellation: the
// source outlives the call that built it. A refused refresh
// (invalid_grant) is ErrRevoked.
func TokenSource(ctx context.Context, cfg *oauth2.Config, file TokenFile, saved *Saved) oauth2.TokenSource {
	long := context.WithoutCancel(ctx)
	cp := *saved
	s := &savingSource{src: cfg.TokenSource(long, saved.Token), file: file, last: saved.Token.AccessToken, saved: &cp}
	// oauth2 has no refresh hook: savingSource sees every token, and the
	// outer ReuseTokenSource keeps it from being asked on each request.
	return oauth2.ReuseTokenSource(saved.Token, s)
}

type savingSource struct {
	mu    stdsync.Mutex
	src   oauth2.TokenSource
	file  TokenFile
	last  string
	saved *Saved
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.src.Token()
	if err != nil {
		return nil, classify(err)
	}
	if t.AccessToken != s.last {
		if sc, ok := t.Extra("scope").(string); ok && sc != "" {
			s.saved.Scopes = strings.Fields(sc)
		}
		s.saved.Token = t
		if err := s.file.Save(s.saved); err != nil {
			// The token works for this run; only the next run pays by
			// refreshing again.
			return t, nil
		}
		s.last = t.AccessToken
	}
	return t, nil
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
// net/http) when Google refuses the refresh token.
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
	ts := TokenSource(ctx, Config(saved.Client, e, ""), file, saved)
	return oauth2.NewClient(ctx, ts), saved, nil
}
