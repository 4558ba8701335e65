package oauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	"golang.org/x/oauth2"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEndpointsFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    oauth.Endpoints
		wantErr string
	}{
		{"defaults are Google's", nil, oauth.DefaultEndpoints(), ""},
		{"all replaced", map[string]string{
			"STRENGTHSYNC_GOOGLE_API_URL":    "http://127.0.0.1:1/",
			"STRENGTHSYNC_GOOGLE_AUTH_URL":   "http://127.0.0.1:1/auth",
			"STRENGTHSYNC_GOOGLE_TOKEN_URL":  "http://127.0.0.1:1/token",
			"STRENGTHSYNC_GOOGLE_REVOKE_URL": "http://127.0.0.1:1/revoke",
		}, oauth.Endpoints{AuthURL: "http://127.0.0.1:1/auth", TokenURL: "http://127.0.0.1:1/token",
			RevokeURL: "http://127.0.0.1:1/revoke", APIURL: "http://127.0.0.1:1/"}, ""},
		{"API base gets its slash", map[string]string{"STRENGTHSYNC_GOOGLE_API_URL": "http://127.0.0.1:1/calendar/v3"},
			oauth.Endpoints{AuthURL: oauth.GoogleAuthURL, TokenURL: oauth.GoogleTokenURL, RevokeURL: oauth.GoogleRevokeURL,
				APIURL: "http://127.0.0.1:1/calendar/v3/"}, ""},
		{"not a URL", map[string]string{"STRENGTHSYNC_GOOGLE_TOKEN_URL": "oauth2.googleapis.com/token"}, oauth.Endpoints{},
			"STRENGTHSYNC_GOOGLE_TOKEN_URL"},
		{"not http", map[string]string{"STRENGTHSYNC_GOOGLE_AUTH_URL": "ftp://x/"}, oauth.Endpoints{}, "STRENGTHSYNC_GOOGLE_AUTH_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oauth.EndpointsFromEnv(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name, file string
		env        map[string]string
		want       oauth.Credentials
		wantErr    string
	}{
		{name: "installed client, Google's download format",
			file: `{"installed":{"client_id":"123.apps.googleusercontent.com","project_id":"p","auth_uri":"https://accounts.google.com/o/oauth2/auth","token_uri":"https://oauth2.googleapis.com/token","auth_provider_x509_cert_url":"https://www.googleapis.com/oauth2/v1/certs","client_secret":"GOCSPX-s","redirect_uris":["http://localhost"]}}`,
			want: oauth.Credentials{ClientID: "123.apps.googleusercontent.com", ClientSecret: "GOCSPX-s"}},
		{name: "web client read too", file: `{"web":{"client_id":"w","client_secret":"s"}}`,
			want: oauth.Credentials{ClientID: "w", ClientSecret: "s"}},
		{name: "not JSON", file: `client_id=x`, wantErr: "not a Google client secret file"},
		{name: "no client", file: `{"other":{}}`, wantErr: `no "installed" client`},
		{name: "empty secret", file: `{"installed":{"client_id":"x"}}`, wantErr: "client_secret is empty"},
		{name: "environment", env: map[string]string{"STRENGTHSYNC_GOOGLE_CLIENT_ID": "id", "STRENGTHSYNC_GOOGLE_CLIENT_SECRET": "sec"},
			want: oauth.Credentials{ClientID: "id", ClientSecret: "sec"}},
		{name: "environment half set", env: map[string]string{"STRENGTHSYNC_GOOGLE_CLIENT_ID": "id"},
			wantErr: "STRENGTHSYNC_GOOGLE_CLIENT_SECRET is not set"},
		{name: "nothing", wantErr: "--google-credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), "client_secret.json")
				os.WriteFile(path, []byte(tt.file), 0o600)
			}
			got, err := oauth.LoadCredentials(path, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseCredentials(f *testing.F) {
	f.Add([]byte(`{"installed":{"client_id":"a","client_secret":"b"}}`))
	f.Add([]byte(`{"web":{"client_id":"a"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := oauth.ParseCredentials("f", b)
		if err == nil && (c.ClientID == "" || c.ClientSecret == "") {
			t.Fatalf("accepted %q with an empty field", b)
		}
	})
}

func fakeEndpoints(s *googlefake.Server) oauth.Endpoints {
	return oauth.Endpoints{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), RevokeURL: s.RevokeURL(), APIURL: s.APIURL()}
}

// browser plays the runner's browser: it follows Google's redirect back to
// the loopback address, which is how the code reaches Connect.
func browser(t *testing.T) func(context.Context, string) error {
	return func(ctx context.Context, addr string) error {
		go func() {
			res, err := http.Get(addr)
			if err != nil {
				t.Errorf("browser: %v", err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}()
		return nil
	}
}

func TestConnect(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(*googlefake.Server)
		wantErr     error
		wantMissing []string
	}{
		{name: "all granted"},
		{name: "freebusy unticked", setup: func(s *googlefake.Server) {
			s.GrantOnly(oauth.ScopeAppCreated, oauth.ScopeEventsReadonly)
		}, wantMissing: []string{"calendar.freebusy was not granted: strengthsync cannot see when you are busy (--busy google:… will fail)"}},
		{name: "only app.created", setup: func(s *googlefake.Server) { s.GrantOnly(oauth.ScopeAppCreated) },
			wantMissing: []string{
				"calendar.events.readonly was not granted: strengthsync cannot read your runs from Google (--from google:… will fail)",
				"calendar.freebusy was not granted: strengthsync cannot see when you are busy (--busy google:… will fail)"}},
		{name: "refused", setup: func(s *googlefake.Server) { s.RefuseConsent(true) }, wantErr: oauth.ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := googlefake.New(googlefake.Options{})
			defer s.Close()
			if tt.setup != nil {
				tt.setup(s)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out strings.Builder
			g, err := oauth.Connect(ctx, oauth.ConnectOptions{
				Credentials: oauth.Credentials{ClientID: s.ClientID(), ClientSecret: s.ClientSecret()},
				Endpoints:   fakeEndpoints(s),
				Browser:     browser(t),
				Out:         &out,
			})
			if !strings.Contains(out.String(), s.AuthURL()+"?") {
				t.Errorf("the consent address was not printed: %q", out.String())
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Token.RefreshToken == "" || g.Token.AccessToken == "" {
				t.Errorf("token %+v lacks a refresh or access token", g.Token)
			}
			var missing []string
			for _, l := range g.Missing {
				missing = append(missing, l.String())
			}
			if strings.Join(missing, "\n") != strings.Join(tt.wantMissing, "\n") {
				t.Errorf("missing =\n%s\nwant\n%s", strings.Join(missing, "\n"), strings.Join(tt.wantMissing, "\n"))
			}
			if s.Count("oauth.token") != 1 {
				t.Errorf("token requests %d, want 1", s.Count("oauth.token"))
			}
		})
	}
}

// TestConnectIgnoresForeignState: a request to the loopback address that
// does not carry our state is refused and the flow keeps waiting.
func TestConnectIgnoresForeignState(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	g, err := oauth.Connect(ctx, oauth.ConnectOptions{
		Credentials: oauth.Credentials{ClientID: s.ClientID(), ClientSecret: s.ClientSecret()},
		Endpoints:   fakeEndpoints(s),
		Browser: func(ctx context.Context, addr string) error {
			// The redirect_uri is in the consent address; aim a forged
			// answer at it first.
			i := strings.Index(addr, "redirect_uri=")
			redirect := addr[i+len("redirect_uri="):]
			redirect = redirect[:strings.IndexByte(redirect, '&')]
			redirect = strings.NewReplacer("%3A", ":", "%2F", "/").Replace(redirect)
			res, err := http.Get(redirect + "?code=forged&state=wrong")
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("forged answer got %d, want 400", res.StatusCode)
			}
			return browser(t)(ctx, addr)
		},
	})
	if err != nil || g == nil {
		t.Fatalf("connect: %v", err)
	}
	if s.Count("oauth.token") != 1 {
		t.Errorf("the forged code was exchanged: %d token requests", s.Count("oauth.token"))
	}
}

// connected runs a consent and saves the token as the CLI does.
func connected(t *testing.T, s *googlefake.Server) (oauth.TokenFile, oauth.Credentials) {
	t.Helper()
	cred := oauth.Credentials{ClientID: s.ClientID(), ClientSecret: s.ClientSecret()}
	g, err := oauth.Connect(context.Background(), oauth.ConnectOptions{Credentials: cred, Endpoints: fakeEndpoints(s), Browser: browser(t)})
	if err != nil {
		t.Fatal(err)
	}
	f := oauth.TokenFile{Path: filepath.Join(t.TempDir(), "strengthsync", oauth.TokenFileName)}
	if err := f.Save(&oauth.Saved{Token: g.Token, Scopes: g.Granted, Client: cred}); err != nil {
		t.Fatal(err)
	}
	return f, cred
}

func expire(t *testing.T, f oauth.TokenFile) *oauth2.Token {
	t.Helper()
	saved, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	saved.Token.Expiry = time.Now().Add(-time.Minute)
	if err := f.Save(saved); err != nil {
		t.Fatal(err)
	}
	return saved.Token
}

func TestRefreshedTokenIsSaved(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	f, cred := connected(t, s)
	if fi, err := os.Stat(f.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	old := expire(t, f)

	ctx := context.Background()
	hc, saved, err := oauth.Client(ctx, fakeEndpoints(s), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Scopes) != 3 || saved.Client != cred {
		t.Errorf("read back scopes %v, client %+v", saved.Scopes, saved.Client)
	}
	svc, _ := calendar.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(hc))
	if _, err := svc.Events.List("primary").Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Events.List("primary").Do(); err != nil {
		t.Fatal(err)
	}
	if n := s.Count("oauth.token"); n != 2 { // the exchange, then one refresh
		t.Errorf("%d token requests, want 2 (one refresh for two calls)", n)
	}
	after, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Token; got.AccessToken == old.AccessToken || got.RefreshToken != old.RefreshToken || !got.Expiry.After(time.Now()) {
		t.Errorf("saved token %+v: want a new access token, the same refresh token, a future expiry", got)
	}
	if fi, _ := os.Stat(f.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("after refresh the mode is %v", fi.Mode().Perm())
	}
}

// calendarClient is the Calendar API at the fake, through oauth.Client.
func calendarClient(t *testing.T, s *googlefake.Server, f oauth.TokenFile, cred oauth.Credentials) *calendar.Service {
	t.Helper()
	ctx := context.Background()
	hc, _, err := oauth.Client(ctx, fakeEndpoints(s), f, &cred)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := calendar.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestRevokedAccess(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	f, cred := connected(t, s)
	expire(t, f)
	s.RevokeAll()
	_, err := calendarClient(t, s, f, cred).Events.List("primary").Do()
	if !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("err = %v, want ErrRevoked", err)
	}
	if oauth.ErrRevoked.Error() != "Google access was revoked — run `strengthsync connect google` again" {
		t.Errorf("message = %q", oauth.ErrRevoked.Error())
	}
}

// TestRevokedBeforeExpiry is the runner removing the app in their Google
// account while the saved access token has not expired: the API answers
// 401, the client refreshes once, and the refused refresh is ErrRevoked,
// not "googleapi: Error 401: Invalid Credentials".
func TestRevokedBeforeExpiry(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	f, cred := connected(t, s)
	s.RevokeAll()
	_, err := calendarClient(t, s, f, cred).Events.List("primary").Do()
	if !errors.Is(err, oauth.ErrRevoked) {
		t.Fatalf("err = %v, want ErrRevoked", err)
	}
	if n := s.Count("oauth.token"); n != 2 { // the exchange, then one refresh
		t.Errorf("%d token requests, want 2", n)
	}
}

// TestDeadTokenRefreshedOnce: an access token that dies before its expiry
// while the grant lives (a password change, Google's own limits) costs one
// refresh and one repeated request, body included, and the call succeeds.
func TestDeadTokenRefreshedOnce(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	f, cred := connected(t, s)
	before, _ := f.Load()
	s.ExpireAccessTokens()
	svc := calendarClient(t, s, f, cred)
	cal, err := svc.Calendars.Insert(&calendar.Calendar{Summary: "Strength training"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if cal.Summary != "Strength training" {
		t.Errorf("the repeated insert lost its body: %+v", cal)
	}
	if _, err := svc.Events.List("primary").Do(); err != nil {
		t.Fatal(err)
	}
	if n := s.Count("oauth.token"); n != 2 {
		t.Errorf("%d token requests, want 2 (the exchange, one refresh)", n)
	}
	if n := s.Count("calendars.insert"); n != 2 {
		t.Errorf("%d inserts, want 2 (the refused one, the repeat)", n)
	}
	if after, _ := f.Load(); after == nil || after.Token.AccessToken == before.Token.AccessToken {
		t.Error("the refreshed token was not saved")
	}
}

func TestRevoke(t *testing.T) {
	s := googlefake.New(googlefake.Options{})
	defer s.Close()
	f, _ := connected(t, s)
	saved, _ := f.Load()
	tok := saved.Token
	ctx := context.Background()
	if err := oauth.Revoke(ctx, nil, s.RevokeURL(), tok); err != nil {
		t.Fatal(err)
	}
	if s.Grants() != 0 {
		t.Errorf("%d grants live after revoke", s.Grants())
	}
	// Revoking what Google no longer knows is done, not an error.
	if err := oauth.Revoke(ctx, nil, s.RevokeURL(), tok); err != nil {
		t.Errorf("second revoke: %v", err)
	}
	if err := oauth.Revoke(ctx, nil, s.URL+"/nowhere", tok); err == nil {
		t.Error("revoke against a 404 succeeded")
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	f := oauth.TokenFile{Path: filepath.Join(dir, "a", "b", oauth.TokenFileName)}
	if _, err := f.Load(); !errors.Is(err, oauth.ErrNotConnected) {
		t.Fatalf("missing file: %v, want ErrNotConnected", err)
	}
	os.MkdirAll(filepath.Dir(f.Path), 0o700)
	os.WriteFile(f.Path, []byte("{"), 0o600)
	if _, err := f.Load(); err == nil || !strings.Contains(err.Error(), "connect google") {
		t.Fatalf("damaged file: %v", err)
	}
	if err := f.Delete(); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
}
