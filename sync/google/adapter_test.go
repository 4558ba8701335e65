package google_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	calendar "google.golang.org/api/calendar/v3"
)

// TestEventID checks the rule of reference/events/insert ("id"):
// base32hex characters a-v and 0-9, 5 to 1024 of them, and that equal
// UIDs give equal IDs.
func TestEventID(t *testing.T) {
	valid := regexp.MustCompile(`^[a-v0-9]+$`)
	tests := []struct {
		uid  string
		want string
	}{
		{"strength-2026-W10-1@strengthsync", ""},
		{"strength-2026-W10-2@strengthsync", ""},
		{"a", ""},  // too short encoded: hashed
		{"ab", ""}, // still short
		{"abcd", "c5h66p0"},
		{strings.Repeat("x", 700), ""}, // too long encoded: hashed
	}
	seen := map[string]string{}
	for _, tt := range tests {
		id := google.EventID(tt.uid)
		if !valid.MatchString(id) || len(id) < 5 || len(id) > 1024 {
			t.Errorf("EventID(%.20q) = %q: outside Google's alphabet or length", tt.uid, id)
		}
		if tt.want != "" && id != tt.want {
			t.Errorf("EventID(%q) = %q, want %q", tt.uid, id, tt.want)
		}
		if id != google.EventID(tt.uid) {
			t.Errorf("EventID(%q) is not deterministic", tt.uid)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("EventID(%q) = EventID(%q)", tt.uid, other)
		}
		seen[id] = tt.uid
	}
}

// TestRetries follows guides/errors: what is retried, how long it waits,
// what stops at once.
func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		faults   []googlefake.Fault
		retryHdr int
		calls    int // events.list requests seen
		wantErr  error
		check    func(t *testing.T, sleeps []time.Duration)
	}{
		{name: "429 twice", faults: []googlefake.Fault{googlefake.Fault429, googlefake.Fault429}, calls: 3},
		{name: "403 rateLimitExceeded", faults: []googlefake.Fault{googlefake.FaultRateLimit}, calls: 2},
		{name: "403 userRateLimitExceeded", faults: []googlefake.Fault{googlefake.FaultUserRateLimit}, calls: 2},
		{name: "500 then 503", faults: []googlefake.Fault{googlefake.Fault500, googlefake.Fault503}, calls: 3},
		{name: "dropped connection", faults: []googlefake.Fault{googlefake.FaultDrop}, calls: 2},
		{name: "answer lost", faults: []googlefake.Fault{googlefake.FaultDropAfter}, calls: 2},
		{name: "403 quotaExceeded stops at once", faults: []googlefake.Fault{googlefake.FaultQuota}, calls: 1,
			wantErr: google.ErrQuotaExceeded},
		{name: "Retry-After is honoured", faults: []googlefake.Fault{googlefake.Fault429}, retryHdr: 7, calls: 2,
			check: func(t *testing.T, sleeps []time.Duration) {
				if len(sleeps) != 1 || sleeps[0] != 7*time.Second {
					t.Errorf("slept %v, want [7s]", sleeps)
				}
			}},
		{name: "exponential backoff with jitter", faults: []googlefake.Fault{googlefake.Fault500, googlefake.Fault500, googlefake.Fault500}, calls: 4,
			check: func(t *testing.T, sleeps []time.Duration) {
				// 1 s, 2 s, 4 s, each ±50%.
				for i, d := range sleeps {
					base := time.Second << i
					if d < base/2 || d > base*3/2+time.Millisecond {
						t.Errorf("sleep %d = %v, want %v ±50%%", i, d, base)
					}
				}
				if len(sleeps) != 3 {
					t.Errorf("slept %d times, want 3", len(sleeps))
				}
			}},
		{name: "gives up after MaxAttempts", faults: []googlefake.Fault{googlefake.Fault503, googlefake.Fault503, googlefake.Fault503, googlefake.Fault503},
			calls: 4, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			var sleeps []time.Duration
			c := w.client(func(o *google.Options) {
				o.MaxAttempts = 4
				o.Sleep = func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
			})
			w.srv.InjectFaults(googlefake.Faults{Only: func(k string) bool { return k == "events.list" }, RetryAfter: tt.retryHdr})
			for _, f := range tt.faults {
				w.srv.FailNext(1, f)
			}
			from, to := window()
			cal, err := c.Source("primary").Load(context.Background(), from, to)
			switch {
			case tt.wantErr == errAny && err == nil:
				t.Fatal("no error")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && err != nil:
				t.Fatal(err)
			case tt.wantErr == nil:
				if evs, _ := cal.Events(from, to, london); len(evs) != 21 {
					t.Errorf("%d events, want 21", len(evs))
				}
			}
			if n := w.srv.Count("events.list"); n != tt.calls {
				t.Errorf("%d events.list requests, want %d", n, tt.calls)
			}
			if tt.check != nil {
				tt.check(t, sleeps)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestSourceSync(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client(func(o *google.Options) { o.PageSize = 4 })
	from, to := window()
	src := c.Source("primary")
	load := func() []rules.Event {
		t.Helper()
		cal, err := src.Load(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if cal.TimeZone() != "Europe/London" {
			t.Errorf("time zone %q", cal.TimeZone())
		}
		evs, err := cal.Events(from, to, london)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	summaries := func(evs []rules.Event) map[string]int {
		m := map[string]int{}
		for _, e := range evs {
			m[e.Summary]++
		}
		return m
	}
	evs := load()
	if len(evs) != 21 || w.srv.Count("events.list") != 6 { // 21 events, 4 a page
		t.Fatalf("full sync: %d events in %d pages", len(evs), w.srv.Count("events.list"))
	}

	// Changes, seen through the sync token only.
	w.srv.DeleteEvent("primary", w.runs["W1 easy"])
	tue := start.AddDays(1).At(18*60, london)
	w.srv.AddRun("primary", "Hill repeats", tue, tue.Add(time.Hour))
	// Outside the window: Google still reports it; it must not count.
	past := start.AddDays(-100).At(9*60, london)
	w.srv.AddRun("primary", "Old run", past, past.Add(time.Hour))
	// Ours (as if written by the sink into primary): never a run.
	mine := &calendar.Event{Summary: "Strength A", ExtendedProperties: &calendar.EventExtendedProperties{Private: map[string]string{"strengthsync": "1"}},
		Start: &calendar.EventDateTime{DateTime: tue.Add(2 * time.Hour).Format(time.RFC3339)},
		End:   &calendar.EventDateTime{DateTime: tue.Add(3 * time.Hour).Format(time.RFC3339)}}
	w.srv.AddEvent("primary", mine)
	// An invitation the runner declined is not a run either.
	w.srv.AddEvent("primary", &calendar.Event{Summary: "Group run", Attendees: []*calendar.EventAttendee{{Email: "runner@example.com", Self: true, ResponseStatus: "declined"}},
		Start: &calendar.EventDateTime{DateTime: tue.Add(-4 * time.Hour).Format(time.RFC3339)},
		End:   &calendar.EventDateTime{DateTime: tue.Add(-3 * time.Hour).Format(time.RFC3339)}})

	w.srv.ResetCounts()
	got := summaries(load())
	if got["Easy run"] != 3 || got["Hill repeats"] != 1 || got["Old run"] != 0 || got["Strength A"] != 0 || got["Group run"] != 0 {
		t.Errorf("after changes: %v", got)
	}
	if w.srv.Count("events.list") != 2 { // 5 changes, 4 a page
		t.Errorf("incremental sync took %d lists, want 2", w.srv.Count("events.list"))
	}

	// 410: the token is dropped, the calendar read again in full.
	w.srv.ExpireSyncTokens()
	w.srv.ResetCounts()
	got2 := summaries(load())
	if len(got2) != len(got) || got2["Hill repeats"] != 1 {
		t.Errorf("after 410: %v, want %v", got2, got)
	}
	if w.srv.Count("events.list") != 1+6 {
		t.Errorf("after 410: %d lists, want 1 refused + 6 pages", w.srv.Count("events.list"))
	}

	// A window that starts earlier than the synced one needs a full sync.
	w.srv.ResetCounts()
	if _, err := src.Load(ctx, from.AddDate(0, 0, -7), to); err != nil {
		t.Fatal(err)
	}
	if n := w.srv.Count("events.list"); n != 6 {
		t.Errorf("earlier window: %d lists, want a full sync of 6 pages", n)
	}
}

// TestEventTimes: all-day events are dates in the runner's zone, timed
// events are instants, whatever the calendar's zone.
func TestEventTimes(t *testing.T) {
	ctx := context.Background()
	srv := googlefake.New(googlefake.Options{TimeZone: "Europe/London"})
	defer srv.Close()
	srv.AddAllDay("primary", "Race week", "2026-03-09", 2)
	ny := mustZone("America/New_York")
	at := time.Date(2026, 3, 10, 7, 0, 0, 0, ny)
	srv.AddRun("primary", "Tempo", at, at.Add(time.Hour))
	c, _ := google.New(ctx, google.Options{HTTPClient: srv.Client(googlefake.ScopeEventsReadonly), APIURL: srv.APIURL(), State: newWorld(t).state})
	cal, err := c.Source("primary").Load(ctx, at.AddDate(0, 0, -7), at.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := cal.Events(at.AddDate(0, 0, -7), at.AddDate(0, 0, 7), ny)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
	allDay, timed := evs[0], evs[1]
	if !allDay.AllDay || !allDay.Start.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, ny)) || !allDay.End.Equal(time.Date(2026, 3, 11, 0, 0, 0, 0, ny)) {
		t.Errorf("all-day = %v–%v (%v), want 9–11 March at midnight in New York", allDay.Start, allDay.End, allDay.AllDay)
	}
	if allDay.LastDate(ny) != (rules.Date{Year: 2026, Month: 3, Day: 10}) {
		t.Errorf("all-day last date %v", allDay.LastDate(ny))
	}
	if timed.AllDay || !timed.Start.Equal(at) || timed.Source != "google:primary" {
		t.Errorf("timed = %+v", timed)
	}
}

func TestBusy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client()
	from, to := window()
	cal, err := c.Busy("primary").Load(ctx, from, to.AddDate(0, 0, 60))
	if err != nil {
		t.Fatal(err)
	}
	if n := w.srv.Count("freebusy.query"); n != 2 {
		t.Errorf("%d freebusy queries for 88 days, want 2 (Google refuses spans over 90 days; we ask 60)", n)
	}
	evs, _ := cal.Events(from, to, london)
	// 20 timed events; the all-day first week is busy too and swallows
	// the five of that week into one block.
	if len(evs) != 16 {
		t.Fatalf("%d busy blocks", len(evs))
	}
	for _, e := range evs {
		if !e.Busy || e.Summary != "busy" {
			t.Errorf("busy block %+v", e)
		}
	}
	if _, err := c.Busy("nobody@example.com").Load(ctx, from, to); err == nil || !strings.Contains(err.Error(), "notFound") {
		t.Errorf("unknown calendar: %v", err)
	}
	noFB := w.client(func(o *google.Options) { o.HTTPClient = w.srv.Client(googlefake.ScopeEventsReadonly) })
	if _, err := noFB.Busy("primary").Load(ctx, from, to); !errors.Is(err, google.ErrScope) {
		t.Errorf("without calendar.freebusy: %v, want ErrScope", err)
	}
}

// TestCalendarDeleted: the runner deletes the Strength training calendar;
// the next sync creates it again and puts every session back.
func TestCalendarDeleted(t *testing.T) {
	for _, tokenValid := range []bool{true, false} {
		name := "incremental list answers 404"
		if !tokenValid {
			name = "calendars.get answers 404"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t)
			c := w.client()
			plan, _, err := syncOnce(ctx, c, "primary", "new")
			if err != nil {
				t.Fatal(err)
			}
			old := w.ourCalendar()
			w.srv.DeleteCalendar(old)
			if !tokenValid {
				// As after a crash between creating the calendar and
				// listing it: an ID but no sync token.
				b, _, _ := w.state.Get(ctx, "google/sink/new")
				var m map[string]any
				json.Unmarshal(b, &m)
				delete(m, "sync_token")
				b, _ = json.Marshal(m)
				w.state.Put(ctx, "google/sink/new", b)
			}
			w.srv.ResetCounts()
			plan, ch, err := syncOnce(ctx, c, "primary", "new")
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Added) != len(plan) || w.srv.Count("calendars.insert") != 1 {
				t.Errorf("%s; %s", changesString(ch), w.srv.CountsString())
			}
			if !tokenValid && w.srv.Count("calendars.get") != 1 {
				t.Errorf("calendars.get not asked: %s", w.srv.CountsString())
			}
			cal := w.ourCalendar()
			if cal == old {
				t.Fatal("same calendar")
			}
			w.checkHolds(cal, plan)
		})
	}
}

// TestRunnerEditsDuringSync: the runner moves a session between Hand and
// Apply; Apply's patch meets 412, looks, and leaves it where the runner
// put it. The next sync reports it as the runner's.
func TestRunnerEditsDuringSync(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client()
	plan, _, err := syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	cal := w.ourCalendar()
	from, to := window()
	sink := c.Sink("new")
	if _, err := sink.Hand(ctx, from, to); err != nil {
		t.Fatal(err)
	}
	target := plan[0]
	moved := target.Start.Add(26 * time.Hour)
	w.srv.MoveEvent(cal, google.EventID(target.UID), moved, moved.Add(45*time.Minute))
	// The plan wants every session an hour later.
	later := append([]rules.Session(nil), plan...)
	for i := range later {
		later[i].Start, later[i].End = later[i].Start.Add(time.Hour), later[i].End.Add(time.Hour)
	}
	ch, err := sink.Apply(ctx, later, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Moved) != len(plan)-1 || ch.Unchanged != 1 {
		t.Errorf("%s; want %d moved, the runner's one unchanged", changesString(ch), len(plan)-1)
	}
	if ev, _ := w.srv.Event(cal, google.EventID(target.UID)); ev.Start.DateTime != moved.Format(time.RFC3339) {
		t.Errorf("runner's session at %s, want %s", ev.Start.DateTime, moved.Format(time.RFC3339))
	}
	hand, err := c.Sink("new").Hand(ctx, from, to)
	if err != nil || len(hand) != 1 || hand[0].Week != target.Week || hand[0].Ordinal != target.Ordinal || !hand[0].Start.Equal(moved) {
		t.Errorf("hand = %+v, %v", hand, err)
	}
}

// TestNeverWritesUnmarked: with full access and google:primary as the
// destination, an event of the runner's that happens to hold a session's
// ID is not ours and is left exactly as it is.
func TestNeverWritesUnmarked(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client(func(o *google.Options) { o.HTTPClient = w.srv.Client(googlefake.ScopeCalendar) })
	from, to := window()
	evs := mustLoad(t, c, from, to)
	plan := toyPlan(evs, nil)
	squatter := plan[0]
	ev, err := w.srv.AddEvent("primary", &calendar.Event{Id: google.EventID(squatter.UID), Summary: "Physio",
		Start: &calendar.EventDateTime{DateTime: squatter.Start.Add(-time.Hour).Format(time.RFC3339)},
		End:   &calendar.EventDateTime{DateTime: squatter.Start.Format(time.RFC3339)}})
	if err != nil {
		t.Fatal(err)
	}
	before := w.snapshot("primary")
	plan, ch, err := syncOnce(ctx, c, "primary", "primary")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.srv.Event("primary", ev.Id); got.Etag != ev.Etag {
		t.Error("the runner's event was written")
	}
	if !sameMap(before, w.snapshot("primary")) {
		t.Error("the runner's events changed")
	}
	if len(ch.Added) != len(plan)-1 {
		t.Errorf("%s; want all but the squatted one added", changesString(ch))
	}
	// Our sessions are in primary now, and are not read back as runs.
	w.srv.ResetCounts()
	plan2, ch, err := syncOnce(ctx, c, "primary", "primary")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan2) != len(plan) || len(ch.Added)+len(ch.Moved)+len(ch.Removed)+len(ch.Updated) > 1 {
		t.Errorf("second sync: %d planned (was %d), %s", len(plan2), len(plan), changesString(ch))
	}
}

func mustLoad(t *testing.T, c *google.Client, from, to time.Time) []rules.Event {
	t.Helper()
	cal, err := c.Source("primary").Load(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := cal.Events(from, to, london)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestDryRun(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client()
	from, to := window()
	plan := toyPlan(mustLoad(t, c, from, to), nil)
	w.srv.ResetCounts()
	ch, err := c.Sink("new").Apply(ctx, plan, from, to, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != len(plan) || w.srv.Writes() != 0 || len(w.srv.Calendars()) != 1 {
		t.Errorf("dry run: %s, %s, %d calendars", changesString(ch), w.srv.CountsString(), len(w.srv.Calendars()))
	}
	if _, _, err := syncOnce(ctx, c, "primary", "new"); err != nil {
		t.Fatal(err)
	}
	shifted := append([]rules.Session(nil), plan[1:]...)
	shifted[0].Start, shifted[0].End = shifted[0].Start.Add(time.Hour), shifted[0].End.Add(time.Hour)
	shifted[1].Title = "Strength B (deload)"
	w.srv.ResetCounts()
	ch, err = c.Sink("new").Apply(ctx, shifted, from, to, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Removed) != 1 || len(ch.Moved) != 1 || len(ch.Updated) != 1 || w.srv.Writes() != 0 {
		t.Errorf("dry run: %s, %s", changesString(ch), w.srv.CountsString())
	}
}

// TestQuotaStops: 403 quotaExceeded in the middle of the writes stops the
// sync with a clear message; the next run finishes the job.
func TestQuotaStops(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client()
	w.srv.InjectFaults(googlefake.Faults{Only: func(k string) bool { return k == "events.insert" }})
	w.srv.FailNext(1, googlefake.Fault429)
	w.srv.FailNext(1, googlefake.FaultNone)
	w.srv.FailNext(1, googlefake.FaultNone)
	w.srv.FailNext(1, googlefake.FaultQuota)
	_, _, err := syncOnce(ctx, c, "primary", "new")
	if !errors.Is(err, google.ErrQuotaExceeded) || !strings.Contains(err.Error(), "usage limits exceeded") {
		t.Fatalf("err = %v, want ErrQuotaExceeded", err)
	}
	if n := len(w.srv.Events(w.ourCalendar())); n != 2 {
		t.Errorf("%d sessions written before the quota ran out, want 2", n)
	}
	plan, ch, err := syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != len(plan)-2 || ch.Unchanged != 2 {
		t.Errorf("the run after: %s", changesString(ch))
	}
	w.checkHolds(w.ourCalendar(), plan)
}

// TestNotWritable: with calendar.app.created, google:primary as the
// destination is refused by Google; the runner is told to use google:new.
func TestNotWritable(t *testing.T) {
	w := newWorld(t)
	_, _, err := syncOnce(context.Background(), w.client(), "primary", "primary")
	if !errors.Is(err, google.ErrNotWritable) || !strings.Contains(err.Error(), "google:new") {
		t.Fatalf("err = %v, want ErrNotWritable", err)
	}
	if w.srv.Count("events.insert") != 1 {
		t.Errorf("%s: want one refused insert, no retries", w.srv.CountsString())
	}
}
