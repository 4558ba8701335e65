package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// GoogleAuth configures "connect Google" on the web: Google's consent page
// sends the runner back to /auth/google/callback, which creates a plan that
// reads google:primary and writes sessions into a calendar of its own.
type GoogleAuth struct {
	// Config is the OAuth client (oauth.Config). An empty RedirectURL is
	// filled in as PublicURL + "/auth/google/callback".
	Config *oauth2.Config
	// HTTPClient makes the code exchange [http.DefaultClient].
	HTTPClient *http.Client
}

// oauthCookie carries the consent flow's state between start and callback,
// sealed with the service key: the browser holds it but can neither read
// the PKCE verifier nor forge a state.
const (
	oauthCookie    = "strengthsync_oauth"
	oauthCookieAD  = "oauth-state"
	oauthCookieTTL = 10 * time.Minute
	callbackPath   = "/auth/google/callback"
)

// oauthState is what the cookie holds: the state and verifier of one
// consent, and the plan the runner asked for.
type oauthState struct {
	State    string            `json:"state"`
	Verifier string            `json:"verifier"`
	Expires  time.Time         `json:"expires"`
	TimeZone string            `json:"timezone"`
	Settings sync.SettingsJSON `json:"settings"`
	// PlanID and ManageToken are set when an existing plan connects
	// again after its access was revoked.
	PlanID      string `json:"plan_id,omitempty"`
	ManageToken string `json:"manage_token,omitempty"`
}

// storedToken is the OAuth token as sealed into a plan: oauth2.Token's JSON
// names, plus the scopes Google granted.
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
}

// requiredScopes are those a web plan cannot work without: it reads runs
// and writes sessions. Busy time (freebusy) is optional.
var requiredScopes = []string{oauth.ScopeEventsReadonly, oauth.ScopeAppCreated}

func (s *Server) googleConfig(r *http.Request) *oauth2.Config {
	cfg := *s.Google.Config
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = s.base(r) + callbackPath
	}
	return &cfg
}

// googleStart checks the runner's choices, then sends them to Google's
// consent page with a fresh state and a PKCE S256 challenge.
func (s *Server) googleStart(w http.ResponseWriter, r *http.Request) {
	if s.Google == nil {
		s.message(w, r, http.StatusNotFound, "Google is not available", "This service is not set up to connect Google accounts. Paste a calendar feed address instead.")
		return
	}
	q := r.URL.Query()
	if id := q.Get("plan"); id != "" {
		// Reconnect: the plan keeps its settings; only its grant changes.
		p, err := s.authorize(r.Context(), id, q.Get("token"))
		if err != nil {
			s.pageFail(w, r, err)
			return
		}
		s.consent(w, r, oauthState{TimeZone: p.TimeZone, PlanID: p.ID, ManageToken: q.Get("token")})
		return
	}
	in := planInput{Sources: []string{"google:primary"}, TimeZone: q.Get("timezone")}
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	settings, err := settingsFromForm(q)
	if err == nil {
		in.Settings = settings
		err = s.validate(&in, true, false)
	}
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			s.render(w, r, http.StatusBadRequest, "home", homeData{Title: "Strength training for runners", Google: true,
				Zones: commonZones, Error: ae.Msg, Form: formFromPost(q), FormToken: s.formToken("")})
			return
		}
		s.pageFail(w, r, err)
		return
	}
	s.consent(w, r, oauthState{TimeZone: in.TimeZone, Settings: in.Settings})
}

// consent sends the runner to Google's consent page with a fresh state and
// PKCE verifier, kept sealed in a cookie with what st says to do after.
func (s *Server) consent(w http.ResponseWriter, r *http.Request, st oauthState) {
	st.State, st.Verifier, st.Expires = seal.NewToken(), oauth2.GenerateVerifier(), s.Now().Add(oauthCookieTTL)
	plain, err := json.Marshal(st)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	sealed, err := s.Sealer.Seal(plain, []byte(oauthCookieAD))
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oauthCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: "/auth/google/", MaxAge: int(oauthCookieTTL.Seconds()), HttpOnly: true, Secure: s.secure(),
		// Lax: Google's redirect back is a top-level GET, which Lax lets through.
		SameSite: http.SameSiteLaxMode})
	authURL := s.googleConfig(r).AuthCodeURL(st.State, oauth2.AccessTypeOffline, oauth2.ApprovalForce,
		oauth2.S256ChallengeOption(st.Verifier))
	http.Redirect(w, r, authURL, http.StatusFound)
}

// googleCallback is where Google sends the runner back: it checks the state
// against the cookie, exchanges the code with the verifier, and creates the
// plan with the token sealed into it.
func (s *Server) googleCallback(w http.ResponseWriter, r *http.Request) {
	if s.Google == nil {
		s.message(w, r, http.StatusNotFound, "Google is not available", "This service is not set up to connect Google accounts.")
		return
	}
	st, ok := s.readOAuthCookie(r)
	// The cookie is for one consent only, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: oauthCookie, Value: "", Path: "/auth/google/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure(), SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		s.message(w, r, http.StatusBadRequest, "Please start again",
			"This answer from Google does not match a sign-in started here, or it took more than ten minutes.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "Google did not connect the account (" + e + ")."
		if e == "access_denied" {
			msg = "Access was not granted on Google's consent page, so nothing was created."
		}
		s.message(w, r, http.StatusForbidden, "Not connected", msg)
		return
	}
	code := q.Get("code")
	if code == "" {
		s.message(w, r, http.StatusBadRequest, "Please start again", "Google's answer has no code.")
		return
	}
	ctx := r.Context()
	if s.Google.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, s.Google.HTTPClient)
	}
	tok, err := s.googleConfig(r).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		s.Log.LogAttrs(r.Context(), slog.LevelWarn, "google code exchange failed", slog.String("request_id", requestID(r.Context())),
			slog.Any("error", oauthError(err)))
		s.message(w, r, http.StatusBadGateway, "Not connected", "Google did not accept the sign-in. Please start again.")
		return
	}
	granted := s.googleConfig(r).Scopes
	if sc, ok := tok.Extra("scope").(string); ok {
		granted = strings.Fields(sc)
	}
	for _, l := range oauth.Missing(granted) {
		if slices.Contains(requiredScopes, l.Scope) {
			s.message(w, r, http.StatusForbidden, "More access needed",
				"Nothing was created: "+l.String()+". Please start again and leave the calendar permissions ticked.")
			return
		}
	}
	if tok.RefreshToken == "" {
		s.message(w, r, http.StatusBadGateway, "Not connected",
			"Google sent no refresh token. Remove strengthsync at myaccount.google.com/permissions and connect again.")
		return
	}
	plain, err := json.Marshal(storedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType,
		RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Scope: strings.Join(granted, " ")})
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if st.PlanID != "" {
		s.reconnect(w, r, st, plain)
		return
	}
	out, err := s.create(r, planInput{Sources: []string{"google:primary"}, TimeZone: st.TimeZone, Settings: st.Settings, GoogleToken: plain},
		time.Now().Add(s.FirstSyncWait))
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/plans/"+out.ID+"?token="+out.ManageToken+"&done=created", http.StatusSeeOther)
}

// googleConnectPath starts Google's consent for a plan just made from
// URLs, so it writes its sessions into Google too (hybrid output).
func googleConnectPath(c *created) string {
	return "/auth/google/start?" + url.Values{"plan": {c.ID}, "token": {c.ManageToken}}.Encode()
}

// reconnect gives an existing plan its new grant and syncs it again: a
// revoked plan comes back, and a plan that reads URLs starts writing its
// sessions into Google too (hybrid output).
func (s *Server) reconnect(w http.ResponseWriter, r *http.Request, st oauthState, token []byte) {
	ctx := r.Context()
	err := s.mutate(ctx, st.PlanID, func(p *sync.PlanRecord) error {
		sealed, err := s.Sealer.Seal(token, []byte(p.ID))
		if err != nil {
			return fmt.Errorf("seal google token: %w", err)
		}
		now := s.Now()
		p.GoogleTokenSealed, p.Status, p.LastError, p.NextSync, p.Updated = sealed, sync.StatusNew, "", now, now
		return s.Store.UpdatePlan(ctx, p)
	})
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.Log.LogAttrs(ctx, slog.LevelInfo, "google connected", slog.String("plan_id", st.PlanID))
	s.enqueue(ctx, st.PlanID)
	http.Redirect(w, r, "/plans/"+st.PlanID+"?token="+url.QueryEscape(st.ManageToken)+"&done=reconnected", http.StatusSeeOther)
}

func (s *Server) readOAuthCookie(r *http.Request) (oauthState, bool) {
	c, err := r.Cookie(oauthCookie)
	if err != nil {
		return oauthState{}, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return oauthState{}, false
	}
	plain, err := s.Sealer.Open(sealed, []byte(oauthCookieAD))
	if err != nil {
		return oauthState{}, false
	}
	var st oauthState
	if json.Unmarshal(plain, &st) != nil || st.State == "" || s.Now().After(st.Expires) {
		return oauthState{}, false
	}
	return st, true
}

// oauthError keeps what is safe to log of an exchange failure: Google's
// error code, never the response body, which could echo a token.
func oauthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return errors.New("oauth: " + re.ErrorCode)
		}
		if re.Response != nil {
			return errors.New("oauth: token endpoint answered " + re.Response.Status)
		}
	}
	return errors.New("oauth: exchange failed")
}
