// Package googlefake is a fake of the parts of Google that strengthsync
// talks to: the OAuth 2.0 endpoints for installed apps and the Calendar API
// v3 (events, calendars, freebusy, push channels). It exists for tests only: it listens on
// 127.0.0.1, keeps everything in memory, and follows Google's documented
// behaviour closely enough that the real client library cannot tell:
//
//   - https://developers.google.com/identity/protocols/oauth2/native-app
//     (loopback redirect, PKCE, token exchange, refresh, revocation)
//   - https://developers.google.com/calendar/api/v3/reference/events
//     (list, get, insert, patch, update, delete)
//   - https://developers.google.com/calendar/api/guides/sync
//     (sync tokens, nextSyncToken on the last page only, 410 fullSyncRequired)
//   - https://developers.google.com/calendar/api/guides/errors
//     (error bodies, 403 rateLimitExceeded and quotaExceeded, 409, 410, 412, 429, 5xx)
//   - https://developers.google.com/calendar/api/guides/version-resources
//     (ETags and If-Match)
//   - https://developers.google.com/calendar/api/guides/push
//     (events.watch, channels.stop, notifications POSTed to the channel's
//     address; see push.go)
//
// Tests act as the runner or the coach through helper methods (MoveEvent,
// DeleteEvent, AddRun, …), inject faults (FailNext, InjectFaults), and read
// request counters (Count, Counts). The fake never expands recurring events:
// it stores single events only, which is all strengthsync writes and all its
// tests need to read.
package googlefake

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	calendar "google.golang.org/api/calendar/v3"
)

// Options configure a fake. The zero value works.
type Options struct {
	// ClientID and ClientSecret are the OAuth client the fake accepts
	// [test-client.apps.googleusercontent.com / test-secret].
	ClientID, ClientSecret string
	// Account is the signed-in user's e-mail, which is also the ID of the
	// primary calendar [runner@example.com].
	Account string
	// TimeZone is the primary calendar's zone [Europe/London].
	TimeZone string
	// Now is the fake's clock [time.Now].
	Now func() time.Time
	// TokenLifetime is how long issued access tokens live [1h]; Google
	// answers expires_in 3599.
	TokenLifetime time.Duration
}

// Scope names, as Google spells them.
const (
	ScopeCalendar        = "https://www.googleapis.com/auth/calendar"
	ScopeReadonly        = "https://www.googleapis.com/auth/calendar.readonly"
	ScopeAppCreated      = "https://www.googleapis.com/auth/calendar.app.created"
	ScopeEventsReadonly  = "https://www.googleapis.com/auth/calendar.events.readonly"
	ScopeEvents          = "https://www.googleapis.com/auth/calendar.events"
	ScopeFreeBusy        = "https://www.googleapis.com/auth/calendar.freebusy"
	ScopeEventsFreeBusy  = "https://www.googleapis.com/auth/calendar.events.freebusy"
	ScopeCalendarsManage = "https://www.googleapis.com/auth/calendar.calendars"
)

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
	ts  *httptest.Server
	opt Options

	mu        stdsync.Mutex
	calendars map[string]*fakeCalendar
	seq       int64 // bumped on every event change; sync tokens point into it
	syncGen   int64 // sync tokens of an older generation answer 410
	pages     map[string]*pageState

	// OAuth state.
	codes        map[string]*authCode
	access       map[string]*accessToken
	grants       map[string]*grant // by refresh token
	grantOnly    []string          // when set, consent grants only these scopes
	refuse       bool              // when set, consent is refused
	forceInvalid bool              // when set, every token request answers invalid_grant

	// Faults and counters.
	next       []Fault
	rate       float64
	rng        *mathrand.Rand
	kinds      []Fault
	only       func(kind string) bool
	retryAfter int
	counts     map[string]int
	injected   map[Fault]int
	total      int
	hook       func(kind string, n int) Action

	// Push notification channels by ID, and the notifications in flight.
	channels  map[string]*channel
	resources map[string]string // calendar ID → its resource ID
	inflight  stdsync.WaitGroup
	delivered map[string]int // by resource state
}

type fakeCalendar struct {
	cal        calendar.Calendar
	appCreated bool // created through the API by our OAuth client
	events     map[string]*storedEvent
}

type storedEvent struct {
	ev  *calendar.Event
	seq int64
}

// New starts a fake on 127.0.0.1. Close it when done (t.Cleanup(s.Close)).
func New(opt Options) *Server {
	if opt.ClientID == "" {
		opt.ClientID = "test-client.apps.googleusercontent.com"
	}
	if opt.ClientSecret == "" {
		opt.ClientSecret = "test-secret"
	}
	if opt.Account == "" {
		opt.Account = "runner@example.com"
	}
	if opt.TimeZone == "" {
		opt.TimeZone = "Europe/London"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.TokenLifetime == 0 {
		opt.TokenLifetime = time.Hour
	}
	s := &Server{
		opt:       opt,
		calendars: map[string]*fakeCalendar{},
		pages:     map[string]*pageState{},
		codes:     map[string]*authCode{},
		access:    map[string]*accessToken{},
		grants:    map[string]*grant{},
		counts:    map[string]int{},
		injected:  map[Fault]int{},
		syncGen:   1,
		channels:  map[string]*channel{},
		resources: map[string]string{},
		delivered: map[string]int{},
	}
	s.calendars[opt.Account] = &fakeCalendar{
		cal: calendar.Calendar{
			Kind: "calendar#calendar", Id: opt.Account, Summary: opt.Account,
			TimeZone: opt.TimeZone, Etag: etag(0),
		},
		events: map[string]*storedEvent{},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() {
	s.ts.Close()
	s.inflight.Wait()
}

// APIURL is the Calendar API base to give the client with
// option.WithEndpoint: paths then arrive without the /calendar/v3 prefix.
func (s *Server) APIURL() string { return s.URL + "/" }

// AuthURL is the authorization endpoint (Google's /o/oauth2/auth).
func (s *Server) AuthURL() string { return s.URL + "/o/oauth2/auth" }

// TokenURL is the token endpoint (Google's oauth2.googleapis.com/token).
func (s *Server) TokenURL() string { return s.URL + "/token" }

// RevokeURL is the revocation endpoint (oauth2.googleapis.com/revoke).
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

// ClientID returns the OAuth client ID the fake accepts.
func (s *Server) ClientID() string { return s.opt.ClientID }

// ClientSecret returns the OAuth client secret the fake accepts.
func (s *Server) ClientSecret() string { return s.opt.ClientSecret }

// Primary returns the primary calendar's ID (the account's e-mail).
func (s *Server) Primary() string { return s.opt.Account }

// Action is what a hook asks the fake to do with the request it saw.
type Action int

// Actions.
const (
	// Proceed handles the request normally.
	Proceed Action = iota
	// Drop closes the connection without handling the request.
	Drop
)

// SetHook installs f, called at the start of every request with the
// request's kind and its number (from 1, faults and OAuth included). Tests
// use it to kill a client process at a chosen point. f runs without the
// fake's lock held.
func (s *Server) SetHook(f func(kind string, n int) Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = f
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt := route(r)
	s.mu.Lock()
	s.total++
	n := s.total
	s.counts[rt.kind]++
	hook := s.hook
	s.mu.Unlock()
	if hook != nil && hook(rt.kind, n) == Drop {
		hangUp(w)
		return
	}
	s.mu.Lock()
	f := s.pickFault(rt.kind)
	retryAfter := s.retryAfter
	s.mu.Unlock()
	switch f {
	case FaultNone:
	case FaultDrop:
		hangUp(w)
		return
	case FaultDropAfter:
		// The request takes effect but the answer never arrives: the
		// client cannot tell this from FaultDrop, which is why writes
		// must be idempotent.
		rec := httptest.NewRecorder()
		s.handle(rec, r, rt)
		hangUp(w)
		return
	default:
		writeFault(w, f, retryAfter)
		return
	}
	s.handle(w, r, rt)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, rt routed) {
	switch {
	case strings.HasPrefix(rt.kind, "oauth."):
		s.serveOAuth(w, r, rt)
	case rt.kind == "unknown":
		writeError(w, http.StatusNotFound, "global", "notFound", "Not Found")
	default:
		s.serveCalendar(w, r, rt)
	}
}

// hangUp closes the client's connection without an answer, as a dropped
// connection or a crashed front end would.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("googlefake: response writer cannot be hijacked")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = buf.Flush()
	conn.Close()
}

// routed is a request's kind and path parameters.
type routed struct {
	kind     string
	calendar string
	event    string
}

// route names the request the way Google's API reference names methods.
func route(r *http.Request) routed {
	p := strings.Trim(r.URL.EscapedPath(), "/")
	p = strings.TrimPrefix(p, "calendar/v3/") // accept the full path too
	seg := strings.Split(p, "/")
	for i, s := range seg {
		if u, err := url.PathUnescape(s); err == nil {
			seg[i] = u
		}
	}
	m := r.Method
	switch {
	case p == "o/oauth2/auth" && m == http.MethodGet:
		return routed{kind: "oauth.authorize"}
	case p == "token" && m == http.MethodPost:
		return routed{kind: "oauth.token"}
	case p == "revoke" && m == http.MethodPost:
		return routed{kind: "oauth.revoke"}
	case p == "freeBusy" && m == http.MethodPost:
		return routed{kind: "freebusy.query"}
	case len(seg) == 1 && seg[0] == "calendars" && m == http.MethodPost:
		return routed{kind: "calendars.insert"}
	case len(seg) == 2 && seg[0] == "calendars":
		switch m {
		case http.MethodGet:
			return routed{kind: "calendars.get", calendar: seg[1]}
		case http.MethodDelete:
			return routed{kind: "calendars.delete", calendar: seg[1]}
		}
	case len(seg) == 3 && seg[0] == "calendars" && seg[2] == "events":
		switch m {
		case http.MethodGet:
			return routed{kind: "events.list", calendar: seg[1]}
		case http.MethodPost:
			return routed{kind: "events.insert", calendar: seg[1]}
		}
	case len(seg) == 4 && seg[0] == "calendars" && seg[2] == "events" && seg[3] == "watch" && m == http.MethodPost:
		return routed{kind: "events.watch", calendar: seg[1]}
	case p == "channels/stop" && m == http.MethodPost:
		return routed{kind: "channels.stop"}
	case len(seg) == 4 && seg[0] == "calendars" && seg[2] == "events":
		rt := routed{calendar: seg[1], event: seg[3]}
		switch m {
		case http.MethodGet:
			rt.kind = "events.get"
		case http.MethodPatch:
			rt.kind = "events.patch"
		case http.MethodPut:
			rt.kind = "events.update"
		case http.MethodDelete:
			rt.kind = "events.delete"
		default:
			return routed{kind: "unknown"}
		}
		return rt
	}
	return routed{kind: "unknown"}
}

// Count returns how many requests of kind ("events.list",
// "events.insert", "oauth.token", …) the fake received, faulted ones
// included.
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[kind]
}

// Counts returns a copy of all counters by kind.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		m[k] = v
	}
	return m
}

// APICalls sums the Calendar API counters (everything but OAuth).
func (s *Server) APICalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.counts {
		if !strings.HasPrefix(k, "oauth.") {
			n += v
		}
	}
	return n
}

// Writes sums the counters of requests that change calendars or events.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.counts {
		switch k {
		case "events.insert", "events.patch", "events.update", "events.delete",
			"calendars.insert", "calendars.delete":
			n += v
		}
	}
	return n
}

// ResetCounts zeroes the counters.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.injected = map[Fault]int{}
}

// CountsString formats the counters for test logs: "events.list=2 …".
func (s *Server) CountsString() string {
	m := s.Counts()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}

// newID returns a random ID in Google's event-ID alphabet (base32hex,
// lowercase).
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func etag(seq int64) string { return fmt.Sprintf("\"%d\"", 3180000000000000+seq) }
