package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// Fuzz targets for everything here that parses what a client sends: JSON
// bodies, forms, conditional and encoding headers, the state cookie.

// FuzzCreateBody: any body is either a valid plan or a 400/413 whose
// message starts with the field it names.
func FuzzCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"sources":["https://x.example/a.ics"],"timezone":"Europe/London","settings":{"per_week":2}}`,
		`{"sources":["webcal://x.example/a.ics"],"busy":["http://b.example/"],"timezone":"UTC"}`,
		`{"sources":[],"timezone":""}`, `{"settings":{"per_week":"2"}}`, `{"settings":{"window":"21:00-06:00"}}`,
		`{"sources":["google:primary"],"timezone":"UTC"}`, `[]`, `null`, `{`, `{"a":1}{}`, "",
		`{"sources":["https://x"],"timezone":"UTC","settings":{"keywords":{"hard":[""]}}}`,
	} {
		f.Add([]byte(seed))
	}
	s := &Server{Zone: ical.LoadLocation}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/plans", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var req createRequest
		err := decodeJSON(rec, r, &req)
		if err == nil {
			in := planInput{Sources: req.Sources, Busy: req.Busy, TimeZone: req.TimeZone, Settings: req.Settings}
			err = s.validate(&in, false, false)
			if err == nil {
				if len(in.Sources) == 0 || in.TimeZone == "" {
					t.Fatalf("accepted a plan without sources or zone: %q", body)
				}
				return
			}
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is not an apiError", err)
		}
		if ae.Status != http.StatusBadRequest && ae.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d for %q", ae.Status, body)
		}
		if ae.Field != "" && !strings.HasPrefix(ae.Msg, ae.Field+": ") {
			t.Fatalf("message %q does not start with its field %q", ae.Msg, ae.Field)
		}
	})
}

// FuzzSettingsForm: form values become settings or a field error.
func FuzzSettingsForm(f *testing.F) {
	f.Add("2", "stack", "18:00", "45m", "3h", "06:00-21:00", "7", "beginner", "auto", "06:00", "21:00", "mon", "100")
	f.Add("", "", "", "", "", "", "", "", "", "", "", "", "")
	f.Add("x", "both", "25:61", "-1h", "1y", "9-5", "-3", "pro", "-2", "21:00", "06:00", "funday", "-5")
	f.Add("1", "separate", "07:00", "30m", "0s", "", "0", "advanced", "14", "", "20:00", "", "1,5e3")
	f.Fuzz(func(t *testing.T, perWeek, policy, at, dur, gap, window, taper, level, recovery, wfrom, wto, weekday, kg string) {
		form := url.Values{"per_week": {perWeek}, "policy": {policy}, "at": {at}, "duration": {dur}, "gap": {gap},
			"window": {window}, "taper": {taper}, "level": {level}, "recovery": {recovery}, "window_from": {wfrom},
			"window_to": {wto}, "weekdays_shown": {"1"}, "weekdays": {weekday}, "lifts_shown": {"1"},
			"rm5_backsquat": {kg}, "rm1_deadlift": {kg}}
		j, err := settingsFromForm(form)
		if err == nil {
			s := &Server{Zone: ical.LoadLocation}
			in := planInput{Sources: []string{"https://x.example/"}, TimeZone: "UTC", Settings: j}
			err = s.validate(&in, false, false)
			if err == nil {
				return
			}
		}
		var ae *apiError
		if !errors.As(err, &ae) || !strings.HasPrefix(ae.Field, "settings.") || ae.Status != http.StatusBadRequest {
			t.Fatalf("form %v: error %v does not name a settings field", form, err)
		}
	})
}

// FuzzConditional: header parsing never panics, and an exact ETag always
// matches.
func FuzzConditional(f *testing.F) {
	f.Add(`"abc"`, `"abc"`, "gzip")
	f.Add(`W/"abc", *`, "", "gzip;q=0, br")
	f.Add(`"a`, "Mon, 02 Jan 2006 15:04:05 GMT", "*;q=0.5")
	f.Fuzz(func(t *testing.T, inm, ims, ae string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["If-None-Match"] = []string{inm}
		r.Header["If-Modified-Since"] = []string{ims}
		r.Header["Accept-Encoding"] = []string{ae}
		feed := &sync.Feed{ETag: `"abc"`, Updated: monday}
		notModified(r, feed)
		acceptsGzip(r)
		if len(inm) >= 2 && inm[0] == '"' && inm[len(inm)-1] == '"' && !strings.ContainsAny(inm, ", \t") {
			own := &sync.Feed{ETag: inm}
			r.Header["If-None-Match"] = []string{inm}
			if !notModified(r, own) {
				t.Fatalf("If-None-Match %q does not match its own ETag", inm)
			}
		}
	})
}

// FuzzOAuthCookie: only a cookie sealed by this server opens.
func FuzzOAuthCookie(f *testing.F) {
	sealer, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	s := &Server{Sealer: sealer, Now: func() time.Time { return monday }}
	f.Add("")
	f.Add("not base64!")
	f.Add(strings.Repeat("A", 64))
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest(http.MethodGet, "/auth/google/callback", nil)
		r.Header.Set("Cookie", oauthCookie+"="+value)
		if _, ok := s.readOAuthCookie(r); ok {
			t.Fatalf("cookie %q opened without our seal", value)
		}
	})
}

// FuzzFeedToken: plausibleToken accepts exactly what NewToken makes.
func FuzzFeedToken(f *testing.F) {
	f.Add(seal.NewToken())
	f.Add("short")
	f.Fuzz(func(t *testing.T, tok string) {
		if plausibleToken(tok) && (len(tok) != 43 || strings.ContainsAny(tok, "/+=.")) {
			t.Fatalf("accepted %q", tok)
		}
	})
}

// FuzzClientIP: any forwarding headers from a trusted peer give a short
// key, never a panic, and one from an untrusted peer is ignored.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:1", "198.51.100.7, 10.0.0.2", "")
	f.Add("10.0.0.1:1", "", `for="[2001:db8::1]:80";proto=https, for=unknown`)
	f.Add("192.0.2.1:5", "6.6.6.6", "for=6.6.6.6")
	f.Add("junk", ",,,", ";;=;")
	trusted, _ := ParseTrustedProxies("10.0.0.0/8")
	s := &Server{TrustedProxies: trusted}
	f.Fuzz(func(t *testing.T, peer, xff, fwd string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("Forwarded", fwd)
		got := s.clientIP(r)
		if p := peerAddr(peer); p.IsValid() && !s.trusted(p) && got != p.String() {
			t.Fatalf("untrusted peer %q: key %q, want its own address", peer, got)
		}
		if len(got) > len(peer)+70 && len(got) > 70 {
			t.Fatalf("key %q is longer than any address", got)
		}
	})
}

// FuzzTrustedProxies: a list parses or names the bad entry.
func FuzzTrustedProxies(f *testing.F) {
	f.Add("10.0.0.0/8,127.0.0.1")
	f.Add("::1, fd00::/8,")
	f.Add("10.0.0.0/99")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTrustedProxies(s)
		if err != nil {
			if !strings.Contains(err.Error(), `"`) {
				t.Fatalf("error %q names no entry", err)
			}
			return
		}
		for _, p := range got {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("%q gave prefix %v", s, p)
			}
		}
	})
}

// FuzzFormToken: a token passes for one scope only, and a changed token
// for none. (Each fuzz worker seals its own tokens, so the seeds' own
// token may or may not open.)
func FuzzFormToken(f *testing.F) {
	sealer, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	s := &Server{Sealer: sealer, Now: func() time.Time { return monday }}
	f.Add(s.formToken("abc"), "abc", 3)
	f.Add("AAAA", "", 0)
	f.Fuzz(func(t *testing.T, tok, scope string, flip int) {
		good := s.formToken(scope)
		if !s.checkFormToken(scope, good) {
			t.Fatalf("a fresh token for %q did not pass", scope)
		}
		if s.checkFormToken(scope+"x", good) {
			t.Fatalf("a token for %q passed for %q", scope, scope+"x")
		}
		b := []byte(good)
		i := (flip%len(b) + len(b)) % len(b)
		b[i] ^= 1
		if s.checkFormToken(scope, string(b)) {
			t.Fatalf("a changed token passed: %q", b)
		}
		if s.checkFormToken(scope, tok) && s.checkFormToken(scope+"x", tok) {
			t.Fatalf("token %q passed for two scopes", tok)
		}
	})
}
