package googlefake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// The OAuth side follows
// https://developers.google.com/identity/protocols/oauth2/native-app:
// step 2 (the authorization request with a loopback redirect_uri and a
// PKCE code_challenge), step 4 (the redirect back with code and state, or
// error=access_denied), step 5 (exchanging the code with the
// code_verifier), "Refreshing an access token" and "Revoking a token".

type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	scopes      []string
	offline     bool
	used        bool
}

type grant struct {
	clientID string
	scopes   []string
	revoked  bool
}

type accessToken struct {
	scopes []string
	expiry time.Time
	grant  *grant // nil for tokens minted by tests
}

// GrantOnly makes the next consents grant only the given scopes (those
// requested and listed here), as a user who unticks boxes on Google's
// consent screen would. With no arguments, consent grants all it is asked.
func (s *Server) GrantOnly(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grantOnly = slices.Clone(scopes)
}

// RefuseConsent makes consent answer error=access_denied (refuse=true) or
// approve again (false).
func (s *Server) RefuseConsent(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

// RevokeAll revokes every grant, as the user removing the app at
// myaccount.google.com/permissions would: refreshes answer invalid_grant
// ("Token has been expired or revoked.") and access tokens stop working at
// once, long before their expiry, answering 401 (the identity guide's
// "Refresh token expiration": the user has revoked your app's access,
// https://developers.google.com/identity/protocols/oauth2#expiration).
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants {
		g.revoked = true
	}
	for tok, a := range s.access {
		if a.grant != nil {
			delete(s.access, tok)
		}
	}
}

// FailTokenRequests makes every token request answer invalid_grant
// (true), or behave again (false).
func (s *Server) FailTokenRequests(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forceInvalid = fail
}

// ExpireAccessTokens makes every access token issued so far invalid, so
// the API answers 401 until the client refreshes.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.access {
		a.expiry = s.opt.Now().Add(-time.Second)
	}
}

// MintToken issues an access token with the given scopes without an OAuth
// dance, for tests of the API alone.
func (s *Server) MintToken(scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "ya29.minted-" + newID(16)
	s.access[tok] = &accessToken{scopes: slices.Clone(scopes), expiry: s.opt.Now().Add(100 * 365 * 24 * time.Hour)}
	return tok
}

// Client returns an HTTP client that sends a freshly minted token with
// the given scopes.
func (s *Server) Client(scopes ...string) *http.Client {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.MintToken(scopes...), TokenType: "Bearer"})
	return oauth2.NewClient(context.Background(), ts)
}

// Grants returns how many grants (refresh tokens) are live.
func (s *Server) Grants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.grants {
		if !g.revoked {
			n++
		}
	}
	return n
}

func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request, rt routed) {
	switch rt.kind {
	case "oauth.authorize":
		s.authorize(w, r)
	case "oauth.token":
		s.token(w, r)
	case "oauth.revoke":
		s.revoke(w, r)
	}
}

// authorize is the consent screen. Errors about the request itself are
// shown to the user (Google renders an error page and does not redirect);
// the user's decision is sent to the redirect URI.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Get("client_id") != s.opt.ClientID {
		http.Error(w, "Error 401: invalid_client", http.StatusUnauthorized)
		return
	}
	redirect := q.Get("redirect_uri")
	if !loopback(redirect) {
		http.Error(w, "Error 400: redirect_uri_mismatch", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "Error 400: invalid_request (response_type)", http.StatusBadRequest)
		return
	}
	// Google accepts plain too; the fake insists on S256 because that is
	// what strengthsync must send.
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "Error 400: invalid_request (code_challenge_method must be S256)", http.StatusBadRequest)
		return
	}
	requested := strings.Fields(q.Get("scope"))
	if len(requested) == 0 {
		http.Error(w, "Error 400: invalid_request (Missing required parameter: scope)", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(redirect)
	v := back.Query()
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	if s.refuse {
		v.Set("error", "access_denied")
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	granted := requested
	if s.grantOnly != nil {
		granted = nil
		for _, sc := range requested {
			if slices.Contains(s.grantOnly, sc) {
				granted = append(granted, sc)
			}
		}
	}
	code := "4/0A" + newID(24)
	s.codes[code] = &authCode{
		clientID:    s.opt.ClientID,
		redirectURI: redirect,
		challenge:   q.Get("code_challenge"),
		scopes:      granted,
		offline:     q.Get("access_type") == "offline",
	}
	v.Set("code", code)
	v.Set("scope", strings.Join(granted, " "))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// loopback accepts the redirect URIs the native-app guide allows for
// desktop clients: http on a loopback IP (or localhost) with any port.
func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Port() == "" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

type tokenReply struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	TokenType    string `json:"token_type"`
}

func oauthError(w http.ResponseWriter, code int, e, desc string) {
	writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Could not read the form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.opt.ClientID || secret != s.opt.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	if s.forceInvalid {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c := s.codes[r.PostForm.Get("code")]
		if c == nil || c.used {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
			return
		}
		c.used = true // codes are single use, even when the exchange fails
		if r.PostForm.Get("redirect_uri") != c.redirectURI {
			oauthError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
			return
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
			return
		}
		reply := tokenReply{TokenType: "Bearer", Scope: strings.Join(c.scopes, " ")}
		var g *grant
		if c.offline {
			g = &grant{clientID: c.clientID, scopes: c.scopes}
			reply.RefreshToken = "1//0g" + newID(32)
			s.grants[reply.RefreshToken] = g
		}
		reply.AccessToken, reply.ExpiresIn = s.issue(c.scopes, g)
		writeJSON(w, http.StatusOK, reply)
	case "refresh_token":
		g := s.grants[r.PostForm.Get("refresh_token")]
		if g == nil || g.revoked {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		reply := tokenReply{TokenType: "Bearer", Scope: strings.Join(g.scopes, " ")}
		reply.AccessToken, reply.ExpiresIn = s.issue(g.scopes, g)
		writeJSON(w, http.StatusOK, reply)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
	}
}

// issue makes an access token; s.mu is held.
func (s *Server) issue(scopes []string, g *grant) (string, int) {
	tok := "ya29.a0" + newID(24)
	s.access[tok] = &accessToken{scopes: scopes, expiry: s.opt.Now().Add(s.opt.TokenLifetime), grant: g}
	return tok, int(s.opt.TokenLifetime/time.Second) - 1
}

// revoke takes the token from the query or the form body, as Google's
// endpoint does. Revoking either token of a grant revokes the grant.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	var g *grant
	if gg, ok := s.grants[tok]; ok && !gg.revoked {
		g = gg
	} else if a, ok := s.access[tok]; ok {
		g = a.grant
		delete(s.access, tok)
		if g == nil {
			writeJSON(w, http.StatusOK, map[string]string{})
			return
		}
	}
	if g == nil {
		oauthError(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	g.revoked = true
	for t, a := range s.access {
		if a.grant == g {
			delete(s.access, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{})
}

// authenticate checks the bearer token; s.mu is held. It answers 401 as
// https://developers.google.com/calendar/api/guides/errors#401_invalid_credentials
// shows and returns nil when the request may not go on.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *accessToken {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	a := s.access[tok]
	if !ok || a == nil || !s.opt.Now().Before(a.expiry) || (a.grant != nil && a.grant.revoked) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "global", "authError", "Invalid Credentials")
		return nil
	}
	return a
}

func (a *accessToken) has(scopes ...string) bool {
	for _, sc := range scopes {
		if slices.Contains(a.scopes, sc) {
			return true
		}
	}
	return false
}
