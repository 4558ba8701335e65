package googlefake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/googlefake"
	"golang.org/x/oauth2"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

func newService(t *testing.T, s *googlefake.Server, scopes ...string) *calendar.Service {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{googlefake.ScopeCalendar}
	}
	svc, err := calendar.NewService(context.Background(), option.WithEndpoint(s.APIURL()), option.WithHTTPClient(s.Client(scopes...)))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func start(t *testing.T) *googlefake.Server {
	t.Helper()
	s := googlefake.New(googlefake.Options{})
	t.Cleanup(s.Close)
	return s
}

func apiCode(err error) (int, string) {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		return ge.Code, reason
	}
	return 0, ""
}

var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func timed(start time.Time, d time.Duration) (*calendar.EventDateTime, *calendar.EventDateTime) {
	return &calendar.EventDateTime{DateTime: start.Format(time.RFC3339)},
		&calendar.EventDateTime{DateTime: start.Add(d).Format(time.RFC3339)}
}

// TestListPagingAndSyncTokens follows guides/sync: nextSyncToken only on
// the last page, an incremental list returns what changed (deletions as
// cancelled), and an expired token answers 410 fullSyncRequired.
func TestListPagingAndSyncTokens(t *testing.T) {
	s := start(t)
	svc := newService(t, s)
	var ids []string
	for i := range 5 {
		id, err := s.AddRun("primary", "Easy run", t0.AddDate(0, 0, i), t0.AddDate(0, 0, i).Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var seen []string
	var pages int
	var syncToken string
	call := svc.Events.List("primary").MaxResults(2).SingleEvents(true)
	for tok := ""; ; {
		res, err := call.PageToken(tok).Do()
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range res.Items {
			seen = append(seen, it.Id)
		}
		if res.NextPageToken == "" {
			syncToken = res.NextSyncToken
			break
		}
		if res.NextSyncToken != "" {
			t.Fatalf("page %d has nextSyncToken and nextPageToken", pages)
		}
		tok = res.NextPageToken
	}
	if pages != 3 || len(seen) != 5 || syncToken == "" {
		t.Fatalf("pages=%d seen=%v syncToken=%q; want 3 pages, 5 events, a sync token", pages, seen, syncToken)
	}

	if err := s.DeleteEvent("primary", ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveEvent("primary", ids[2], t0.Add(2*time.Hour), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Events.List("primary").SyncToken(syncToken).SingleEvents(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range res.Items {
		got[it.Id] = it.Status
	}
	if len(got) != 2 || got[ids[1]] != "cancelled" || got[ids[2]] != "confirmed" || res.NextSyncToken == "" {
		t.Fatalf("incremental = %v, token %q; want %s cancelled and %s confirmed", got, res.NextSyncToken, ids[1], ids[2])
	}

	_, err = svc.Events.List("primary").SyncToken(res.NextSyncToken).TimeMin(t0.Format(time.RFC3339)).Do()
	if code, _ := apiCode(err); code != 400 {
		t.Errorf("syncToken with timeMin: err %v, want 400", err)
	}
	s.ExpireSyncTokens()
	_, err = svc.Events.List("primary").SyncToken(res.NextSyncToken).Do()
	if code, reason := apiCode(err); code != 410 || reason != "fullSyncRequired" {
		t.Errorf("expired token: err %v, want 410 fullSyncRequired", err)
	}
	_, err = svc.Events.List("primary").SyncToken("garbage").Do()
	if code, _ := apiCode(err); code != 410 {
		t.Errorf("garbage token: err %v, want 410", err)
	}
}

func TestListFilters(t *testing.T) {
	s := start(t)
	svc := newService(t, s)
	mine := &calendar.Event{Summary: "Strength", ExtendedProperties: &calendar.EventExtendedProperties{Private: map[string]string{"strengthsync": "1"}}}
	mine.Start, mine.End = timed(t0.AddDate(0, 0, 1), time.Hour)
	if _, err := s.AddEvent("primary", mine); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRun("primary", "Tempo", t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAllDay("primary", "Rest", "2026-03-05", 1); err != nil {
		t.Fatal(err)
	}
	gone, _ := s.AddRun("primary", "Old", t0.AddDate(0, 0, 2), t0.AddDate(0, 0, 2).Add(time.Hour))
	_ = s.DeleteEvent("primary", gone)

	tests := []struct {
		name string
		call func(*calendar.EventsListCall) *calendar.EventsListCall
		want []string
	}{
		{"all live", func(c *calendar.EventsListCall) *calendar.EventsListCall { return c }, []string{"Tempo", "Strength", "Rest"}},
		{"showDeleted", func(c *calendar.EventsListCall) *calendar.EventsListCall { return c.ShowDeleted(true) },
			[]string{"Tempo", "Strength", "Old", "Rest"}},
		{"private property", func(c *calendar.EventsListCall) *calendar.EventsListCall {
			return c.PrivateExtendedProperty("strengthsync=1")
		}, []string{"Strength"}},
		// timeMin bounds the end (exclusive), timeMax the start (exclusive).
		{"timeMin excludes an event ending at it", func(c *calendar.EventsListCall) *calendar.EventsListCall {
			return c.TimeMin(t0.Add(time.Hour).Format(time.RFC3339))
		}, []string{"Strength", "Rest"}},
		{"timeMax excludes an event starting at it", func(c *calendar.EventsListCall) *calendar.EventsListCall {
			return c.TimeMax(t0.AddDate(0, 0, 1).Format(time.RFC3339))
		}, []string{"Tempo"}},
		{"all-day in the calendar's zone", func(c *calendar.EventsListCall) *calendar.EventsListCall {
			return c.TimeMin("2026-03-05T00:30:00Z").TimeMax("2026-03-05T01:00:00Z")
		}, []string{"Rest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.call(svc.Events.List("primary").SingleEvents(true)).Do()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range res.Items {
				got = append(got, it.Summary)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWrites covers reference/events/insert, patch, update and delete:
// 409 on a taken ID (also a cancelled one), 412 on a stale If-Match, 410
// when deleting twice, restore by update with status confirmed.
func TestWrites(t *testing.T) {
	s := start(t)
	svc := newService(t, s)
	ev := &calendar.Event{Id: "abcdefv0123", Summary: "Strength A"}
	ev.Start, ev.End = timed(t0, 45*time.Minute)

	if _, err := svc.Events.Insert("primary", &calendar.Event{Id: "UPPER", Start: ev.Start, End: ev.End}).Do(); err == nil {
		t.Error("insert with an ID outside a-v0-9 succeeded")
	} else if code, _ := apiCode(err); code != 400 {
		t.Errorf("bad ID: %v, want 400", err)
	}
	got, err := svc.Events.Insert("primary", ev).Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Events.Insert("primary", ev).Do(); err == nil {
		t.Fatal("second insert succeeded")
	} else if code, reason := apiCode(err); code != 409 || reason != "duplicate" {
		t.Fatalf("duplicate insert: %v, want 409 duplicate", err)
	}

	patch := &calendar.Event{Summary: "Strength B"}
	c := svc.Events.Patch("primary", ev.Id, patch)
	c.Header().Set("If-Match", got.Etag)
	patched, err := c.Do()
	if err != nil {
		t.Fatal(err)
	}
	if patched.Summary != "Strength B" || patched.Start.DateTime != ev.Start.DateTime || patched.Etag == got.Etag {
		t.Fatalf("patched = %+v: want new summary, same start, new etag", patched)
	}
	c = svc.Events.Patch("primary", ev.Id, &calendar.Event{Summary: "stale"})
	c.Header().Set("If-Match", got.Etag)
	if _, err := c.Do(); err == nil {
		t.Fatal("patch with a stale ETag succeeded")
	} else if code, _ := apiCode(err); code != 412 {
		t.Fatalf("stale patch: %v, want 412", err)
	}

	if err := svc.Events.Delete("primary", ev.Id).Do(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Events.Delete("primary", ev.Id).Do(); err == nil {
		t.Fatal("second delete succeeded")
	} else if code, _ := apiCode(err); code != 410 {
		t.Fatalf("second delete: %v, want 410", err)
	}
	if _, err := svc.Events.Insert("primary", ev).Do(); err == nil {
		t.Fatal("insert over a cancelled event succeeded")
	} else if code, _ := apiCode(err); code != 409 {
		t.Fatalf("insert over cancelled: %v, want 409", err)
	}
	cancelled, err := svc.Events.Get("primary", ev.Id).Do()
	if err != nil || cancelled.Status != "cancelled" {
		t.Fatalf("get cancelled: %v %v", cancelled, err)
	}
	restore := *ev
	restore.Status = "confirmed"
	u := svc.Events.Update("primary", ev.Id, &restore)
	u.Header().Set("If-Match", cancelled.Etag)
	back, err := u.Do()
	if err != nil || back.Status != "confirmed" || back.Summary != "Strength A" {
		t.Fatalf("restore: %+v %v", back, err)
	}
	if n := len(s.Events("primary")); n != 1 {
		t.Errorf("%d live events, want 1", n)
	}
}

func TestCalendarsAndScopes(t *testing.T) {
	s := start(t)
	app := newService(t, s, googlefake.ScopeAppCreated)
	cal, err := app.Calendars.Insert(&calendar.Calendar{Summary: "Strength training"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Calendars.Get(cal.Id).Do(); err != nil {
		t.Fatalf("get own calendar: %v", err)
	}
	ev := &calendar.Event{Summary: "x"}
	ev.Start, ev.End = timed(t0, time.Hour)
	if _, err := app.Events.Insert(cal.Id, ev).Do(); err != nil {
		t.Fatalf("write to own calendar: %v", err)
	}
	// calendar.app.created reaches only the app's own calendars.
	if _, err := app.Events.Insert("primary", ev).Do(); err == nil {
		t.Error("app.created wrote to primary")
	} else if code, _ := apiCode(err); code != 403 {
		t.Errorf("write to primary: %v, want 403", err)
	}
	if _, err := app.Events.List("primary").Do(); err == nil {
		t.Error("app.created read primary")
	}
	ro := newService(t, s, googlefake.ScopeEventsReadonly)
	if _, err := ro.Events.List("primary").Do(); err != nil {
		t.Errorf("events.readonly cannot list primary: %v", err)
	}
	if _, err := ro.Freebusy.Query(&calendar.FreeBusyRequest{TimeMin: t0.Format(time.RFC3339), TimeMax: t0.Add(time.Hour).Format(time.RFC3339)}).Do(); err == nil {
		t.Error("events.readonly may query freebusy")
	}
	if err := s.DeleteCalendar(cal.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Calendars.Get(cal.Id).Do(); err == nil {
		t.Error("deleted calendar still found")
	} else if code, _ := apiCode(err); code != 404 {
		t.Errorf("get deleted calendar: %v, want 404", err)
	}
	if _, err := app.Events.List(cal.Id).Do(); err == nil {
		t.Error("events of a deleted calendar listed")
	}
}

func TestFreeBusy(t *testing.T) {
	s := start(t)
	svc := newService(t, s, googlefake.ScopeFreeBusy)
	s.AddRun("primary", "Meeting", t0, t0.Add(time.Hour))
	s.AddRun("primary", "Overlap", t0.Add(30*time.Minute), t0.Add(90*time.Minute))
	s.AddRun("primary", "Later", t0.Add(3*time.Hour), t0.Add(4*time.Hour))
	free, _ := s.AddRun("primary", "Free", t0.Add(5*time.Hour), t0.Add(6*time.Hour))
	s.EditEvent("primary", free, func(ev *calendar.Event) { ev.Transparency = "transparent" })
	res, err := svc.Freebusy.Query(&calendar.FreeBusyRequest{
		TimeMin: t0.Add(-time.Hour).Format(time.RFC3339), TimeMax: t0.Add(210 * time.Minute).Format(time.RFC3339),
		Items: []*calendar.FreeBusyRequestItem{{Id: "primary"}, {Id: "nobody@example.com"}},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range res.Calendars["primary"].Busy {
		got = append(got, b.Start+"/"+b.End)
	}
	want := []string{"2026-03-02T07:00:00Z/2026-03-02T08:30:00Z", "2026-03-02T10:00:00Z/2026-03-02T10:30:00Z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("busy = %v, want %v (merged, clipped, transparent left out)", got, want)
	}
	if e := res.Calendars["nobody@example.com"].Errors; len(e) != 1 || e[0].Reason != "notFound" {
		t.Errorf("unknown calendar errors = %v, want notFound", e)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault  googlefake.Fault
		code   int
		reason string
	}{
		{googlefake.Fault429, 429, "rateLimitExceeded"},
		{googlefake.FaultRateLimit, 403, "rateLimitExceeded"},
		{googlefake.FaultUserRateLimit, 403, "userRateLimitExceeded"},
		{googlefake.FaultQuota, 403, "quotaExceeded"},
		{googlefake.Fault500, 500, "backendError"},
		{googlefake.Fault503, 503, "backendError"},
		{googlefake.FaultDrop, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := start(t)
			svc := newService(t, s)
			s.FailNext(1, tt.fault)
			ev := &calendar.Event{Summary: "x"}
			ev.Start, ev.End = timed(t0, time.Hour)
			_, err := svc.Events.Insert("primary", ev).Do()
			if err == nil {
				t.Fatal("no error")
			}
			code, reason := apiCode(err)
			if code != tt.code || reason != tt.reason {
				t.Errorf("got %d %q (%v), want %d %q", code, reason, err, tt.code, tt.reason)
			}
			if n := len(s.Events("primary")); n != 0 {
				t.Errorf("failed insert stored %d events", n)
			}
			if _, err := svc.Events.Insert("primary", ev).Do(); err != nil {
				t.Errorf("next request still fails: %v", err)
			}
			if s.Count("events.insert") != 2 || s.Injected()[tt.fault] != 1 {
				t.Errorf("counts %s, injected %v", s.CountsString(), s.Injected())
			}
		})
	}
	t.Run("drop-after takes effect", func(t *testing.T) {
		s := start(t)
		svc := newService(t, s)
		s.FailNext(1, googlefake.FaultDropAfter)
		ev := &calendar.Event{Id: "dropped01", Summary: "x"}
		ev.Start, ev.End = timed(t0, time.Hour)
		if _, err := svc.Events.Insert("primary", ev).Do(); err == nil {
			t.Fatal("no error")
		}
		if _, ok := s.Event("primary", "dropped01"); !ok {
			t.Error("the request did not take effect")
		}
	})
	t.Run("random faults repeat with the seed", func(t *testing.T) {
		run := func() string {
			s := start(t)
			svc := newService(t, s)
			s.InjectFaults(googlefake.Faults{Rate: 0.5, Seed: 7, Kinds: []googlefake.Fault{googlefake.Fault500}})
			var b strings.Builder
			for range 20 {
				if _, err := svc.Events.List("primary").Do(); err != nil {
					b.WriteByte('x')
				} else {
					b.WriteByte('.')
				}
			}
			return b.String()
		}
		a, b := run(), run()
		if a != b || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
			t.Errorf("runs %q and %q: want equal, mixed", a, b)
		}
	})
}

// TestOAuth walks the native-app flow by hand: consent redirect with code
// and state, PKCE verification, refresh, revocation.
func TestOAuth(t *testing.T) {
	s := start(t)
	redirect := "http://127.0.0.1:9/callback"
	cfg := &oauth2.Config{ClientID: s.ClientID(), ClientSecret: s.ClientSecret(), RedirectURL: redirect,
		Scopes:   []string{googlefake.ScopeAppCreated, googlefake.ScopeEventsReadonly, googlefake.ScopeFreeBusy},
		Endpoint: oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	consent := func(verifier string) url.Values {
		t.Helper()
		res, err := noFollow.Get(cfg.AuthCodeURL("st4te", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("consent answered %d", res.StatusCode)
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		if !strings.HasPrefix(loc.String(), redirect) {
			t.Fatalf("redirected to %s", loc)
		}
		return loc.Query()
	}
	ctx := context.Background()

	v := oauth2.GenerateVerifier()
	q := consent(v)
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Fatal("exchange with a wrong verifier succeeded")
	}
	q = consent(v)
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || len(strings.Fields(tok.Extra("scope").(string))) != 3 {
		t.Fatalf("token %+v scope %v", tok, tok.Extra("scope"))
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err == nil {
		t.Error("a code was accepted twice")
	}

	s.GrantOnly(googlefake.ScopeAppCreated)
	q = consent(v)
	if q.Get("scope") != googlefake.ScopeAppCreated {
		t.Errorf("partial grant scope = %q", q.Get("scope"))
	}
	s.GrantOnly()
	s.RefuseConsent(true)
	if q := consent(v); q.Get("error") != "access_denied" || q.Get("state") != "st4te" {
		t.Errorf("refused consent query %v", q)
	}
	s.RefuseConsent(false)

	expired := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
	fresh, err := cfg.TokenSource(ctx, expired).Token()
	if err != nil || fresh.AccessToken == "" {
		t.Fatalf("refresh: %v", err)
	}
	res, err := http.PostForm(s.RevokeURL(), url.Values{"token": {tok.RefreshToken}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", res, err)
	}
	res.Body.Close()
	_, err = cfg.TokenSource(ctx, expired).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("refresh after revoke: %v, want invalid_grant", err)
	}
	// The access token of a revoked grant stops working too.
	svc, _ := calendar.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(oauth2.NewClient(ctx, oauth2.StaticTokenSource(fresh))))
	if _, err := svc.Events.List("primary").Do(); err == nil {
		t.Error("revoked access token still works")
	} else if code, _ := apiCode(err); code != 401 {
		t.Errorf("revoked access token: %v, want 401", err)
	}

	// The runner removes the app at myaccount.google.com/permissions: an
	// access token that has not expired answers 401, its refresh
	// invalid_grant.
	q = consent(v)
	tok2, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	s.RevokeAll()
	svc, _ = calendar.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok2))))
	if _, err := svc.Events.List("primary").Do(); err == nil {
		t.Error("an access token of a removed app still works")
	} else if code, _ := apiCode(err); code != 401 {
		t.Errorf("access token of a removed app: %v, want 401", err)
	}
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token()
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("refresh after the app was removed: %v, want invalid_grant", err)
	}
}
