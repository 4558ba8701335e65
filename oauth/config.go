// Package oauth connects strengthsync to a Google account: the installed-app
// consent flow with a loopback redirect and PKCE, the client credentials,
// the endpoints (configurable, so tests can point at a fake), the token
// file, and revocation.
//
// It owns the refresh token and never lets it into a log line or an error
// message. It depends on nothing else of strengthsync and never talks to
// the Calendar API itself: it hands out an authorised *http.Client.
package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"
)

// Endpoints are the Google URLs strengthsync talks to. Each can be
// replaced through the environment, for a test fake or a proxy.
type Endpoints struct {
	// AuthURL is the consent page (STRENGTHSYNC_GOOGLE_AUTH_URL).
	AuthURL string
	// TokenURL exchanges codes and refreshes tokens (STRENGTHSYNC_GOOGLE_TOKEN_URL).
	TokenURL string
	// RevokeURL revokes a grant (STRENGTHSYNC_GOOGLE_REVOKE_URL).
	RevokeURL string
	// APIURL is the Calendar API base, ending in "/"
	// (STRENGTHSYNC_GOOGLE_API_URL).
	APIURL string
}

// Google's own endpoints, from
// https://developers.google.com/identity/protocols/oauth2/native-app and
// https://developers.google.com/calendar/api/v3/reference.
const (
	GoogleAuthURL   = "https://accounts.google.com/o/oauth2/auth"
	GoogleTokenURL  = "https://oauth2.googleapis.com/token"
	GoogleRevokeURL = "https://oauth2.googleapis.com/revoke"
	GoogleAPIURL    = "https://www.googleapis.com/calendar/v3/"
)

// DefaultEndpoints returns Google's own endpoints.
func DefaultEndpoints() Endpoints {
	return Endpoints{AuthURL: GoogleAuthURL, TokenURL: GoogleTokenURL, RevokeURL: GoogleRevokeURL, APIURL: GoogleAPIURL}
}

// EndpointsFromEnv fills Endpoints from the environment, with Google's own
// as defaults. The error names the variable that holds a bad URL.
func EndpointsFromEnv(getenv func(string) string) (Endpoints, error) {
	e := DefaultEndpoints()
	for _, v := range []struct {
		name string
		dst  *string
	}{
		{"STRENGTHSYNC_GOOGLE_AUTH_URL", &e.AuthURL},
		{"STRENGTHSYNC_GOOGLE_TOKEN_URL", &e.TokenURL},
		{"STRENGTHSYNC_GOOGLE_REVOKE_URL", &e.RevokeURL},
		{"STRENGTHSYNC_GOOGLE_API_URL", &e.APIURL},
	} {
		val := strings.TrimSpace(getenv(v.name))
		if val == "" {
			continue
		}
		u, err := url.Parse(val)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return e, fmt.Errorf("%s: %q is not an http(s) URL", v.name, val)
		}
		*v.dst = val
	}
	// The client library joins paths onto the API base; without the final
	// slash the last path segment would be dropped.
	if !strings.HasSuffix(e.APIURL, "/") {
		e.APIURL += "/"
	}
	return e, nil
}

// Scopes strengthsync asks for, and only these
// (https://developers.google.com/calendar/api/auth).
const (
	// ScopeAppCreated lets it create its own calendar and manage the
	// events in it, and nothing else.
	ScopeAppCreated = "https://www.googleapis.com/auth/calendar.app.created"
	// ScopeEventsReadonly lets it read the runner's runs.
	ScopeEventsReadonly = "https://www.googleapis.com/auth/calendar.events.readonly"
	// ScopeFreeBusy lets it see busy time, for --busy.
	ScopeFreeBusy = "https://www.googleapis.com/auth/calendar.freebusy"
)

// Scopes is the list asked for at consent.
var Scopes = []string{ScopeAppCreated, ScopeEventsReadonly, ScopeFreeBusy}

// Credentials are the OAuth client of an installed app.
type Credentials struct {
	ClientID, ClientSecret string
}

// clientSecretFile is Google's download format for an OAuth client
// ("Download JSON" in the Cloud console). Desktop clients are "installed";
// "web" is read too, because people download the wrong kind.
type clientSecretFile struct {
	Installed *clientSecretEntry `json:"installed"`
	Web       *clientSecretEntry `json:"web"`
}

type clientSecretEntry struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AuthURI      string `json:"auth_uri"`
	TokenURI     string `json:"token_uri"`
}

// LoadCredentials reads the client from path (a client_secret.json) when
// path is not empty, else from STRENGTHSYNC_GOOGLE_CLIENT_ID and
// STRENGTHSYNC_GOOGLE_CLIENT_SECRET. The file's auth_uri and token_uri are
// not used: Endpoints decides where requests go.
func LoadCredentials(path string, getenv func(string) string) (Credentials, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Credentials{}, fmt.Errorf("--google-credentials: %w", err)
		}
		return ParseCredentials(path, b)
	}
	c := Credentials{
		ClientID:     strings.TrimSpace(getenv("STRENGTHSYNC_GOOGLE_CLIENT_ID")),
		ClientSecret: strings.TrimSpace(getenv("STRENGTHSYNC_GOOGLE_CLIENT_SECRET")),
	}
	switch {
	case c.ClientID == "" && c.ClientSecret == "":
		return c, ErrNoClient
	case c.ClientID == "":
		return c, fmt.Errorf("STRENGTHSYNC_GOOGLE_CLIENT_ID is not set (STRENGTHSYNC_GOOGLE_CLIENT_SECRET is)")
	case c.ClientSecret == "":
		return c, fmt.Errorf("STRENGTHSYNC_GOOGLE_CLIENT_SECRET is not set (STRENGTHSYNC_GOOGLE_CLIENT_ID is)")
	}
	return c, nil
}

// ErrNoClient says no OAuth client was given.
var ErrNoClient = errors.New("no Google OAuth client: pass --google-credentials client_secret.json " +
	"or set STRENGTHSYNC_GOOGLE_CLIENT_ID and STRENGTHSYNC_GOOGLE_CLIENT_SECRET")

// ParseCredentials parses a client_secret.json; name is used in errors.
func ParseCredentials(name string, data []byte) (Credentials, error) {
	var f clientSecretFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Credentials{}, fmt.Errorf("%s: not a Google client secret file: %w", name, err)
	}
	e := f.Installed
	if e == nil {
		e = f.Web
	}
	if e == nil {
		return Credentials{}, fmt.Errorf(`%s: no "installed" client (create a Desktop app OAuth client and download its JSON)`, name)
	}
	if e.ClientID == "" || e.ClientSecret == "" {
		return Credentials{}, fmt.Errorf("%s: client_id or client_secret is empty", name)
	}
	return Credentials{ClientID: e.ClientID, ClientSecret: e.ClientSecret}, nil
}

// Config is the oauth2 configuration for c at e, asking for Scopes.
// redirectURL is the loopback address while connecting, else empty.
func Config(c Credentials, e Endpoints, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  redirectURL,
		Scopes:       Scopes,
		// Google's token endpoint takes the client in the form body.
		Endpoint: oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
}
