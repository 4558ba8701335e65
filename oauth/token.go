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

// storedToken is the file's format. Scope keeps what Google granted, which
// the oauth2.Token type only holds in an unexported field.
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
}

// Load reads the token and the scopes granted with it. A missing file is
// ErrNotConnected.
func (f TokenFile) Load() (*oauth2.Token, []string, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, ErrNotConnected
	}
	if err != nil {
		return nil, nil, fmt.Errorf("oauth: %w", err)
	}
	var st storedToken
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, nil, fmt.Errorf("oauth: %s is damaged (%v): run `strengthsync connect google` again", f.Path, err)
	}
	if st.RefreshToken == "" && st.AccessToken == "" {
		return nil, nil, fmt.Errorf("oauth: %s holds no token: run `strengthsync connect google` again", f.Path)
	}
	tok := &oauth2.Token{AccessToken: st.AccessToken, TokenType: st.TokenType, RefreshToken: st.RefreshToken, Expiry: st.Expiry}
	return tok, strings.Fields(st.Scope), nil
}

// Save writes the token atomically with mode 0600. scopes are those
// granted.
func (f TokenFile) Save(tok *oauth2.Token, scopes []string) error {
	st := storedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken,
		Expiry: tok.Expiry, Scope: strings.Join(scopes, " ")}
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

// TokenSource returns a token source that refreshes tok through cfg and
// saves every new token to file, so the next run starts from it. Refreshes
// use ctx for their HTTP client but not for cancellation: the source
// outlives the call that built it. A refused refresh (invalid_grant) is
// ErrRevoked.
func TokenSource(ctx context.Context, cfg *oauth2.Config, file TokenFile, tok *oauth2.Token, scopes []string) oauth2.TokenSource {
	long := context.WithoutCancel(ctx)
	s := &savingSource{src: cfg.TokenSource(long, tok), file: file, last: tok.AccessToken, scopes: scopes}
	// oauth2 has no refresh hook: savingSource sees every token, and the
	// outer ReuseTokenSource keeps it from being asked on each request.
	return oauth2.ReuseTokenSource(tok, s)
}

type savingSource struct {
	mu     stdsync.Mutex
	src    oauth2.TokenSource
	file   TokenFile
	last   string
	scopes []string
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
			s.scopes = strings.Fields(sc)
		}
		if err := s.file.Save(t, s.scopes); err != nil {
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
// Calendar API. Requests fail with ErrRevoked (wrapped by net/http) when
// Google refuses the refresh token. It also returns the granted scopes.
func Client(ctx context.Context, c Credentials, e Endpoints, file TokenFile) (*http.Client, []string, error) {
	tok, scopes, err := file.Load()
	if err != nil {
		return nil, nil, err
	}
	ts := TokenSource(ctx, Config(c, e, ""), file, tok, scopes)
	return oauth2.NewClient(ctx, ts), scopes, nil
}
