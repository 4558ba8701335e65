package google_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/filestate"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	calendar "google.golang.org/api/calendar/v3"
)

// filestate is the CLI's State.
var _ google.State = (*filestate.Store)(nil)

var london = mustZone("Europe/London")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// start is the Monday the test plans begin on.
var start = rules.Date{Year: 2026, Month: time.March, Day: 2}

const weeks = 4

// window is the plan's [from, to) in the runner's zone, as the engine
// passes it to a Sink.
func window() (time.Time, time.Time) {
	return start.In(london), start.AddDays(7 * weeks).In(london)
}

// world is a fake Google with a runner's plan in the primary calendar and
// the adapter pointed at it.
type world struct {
	t     *testing.T
	srv   *googlefake.Server
	state *filestate.Store
	runs  map[string]string // what → event ID in primary: "W2 long"
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := googlefake.New(googlefake.Options{TimeZone: "Europe/London"})
	t.Cleanup(srv.Close)
	w := &world{t: t, srv: srv, state: filestate.Open(filepath.Join(t.TempDir(), "state.json")), runs: map[string]string{}}
	// Four weeks of a typical plan: intervals Tuesday, tempo Thursday,
	// easy Saturday, long run Sunday, and a dentist that is not a run.
	for wk := 0; wk < weeks; wk++ {
		mon := start.AddDays(7 * wk)
		w.run(fmt.Sprintf("W%d intervals", wk+1), "Intervals 6x800m", mon.AddDays(1), 7*60, 60)
		w.run(fmt.Sprintf("W%d tempo", wk+1), "Tempo 40 min", mon.AddDays(3), 7*60, 60)
		w.run(fmt.Sprintf("W%d easy", wk+1), "Easy run", mon.AddDays(5), 9*60, 60)
		w.run(fmt.Sprintf("W%d long", wk+1), "Long run 26 km", mon.AddDays(6), 8*60, 150)
		w.run(fmt.Sprintf("W%d dentist", wk+1), "Dentist", mon.AddDays(2), 12*60, 60)
	}
	if _, err := srv.AddAllDay("primary", "Training week", start.String(), 7); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) run(key, summary string, d rules.Date, at rules.Clock, minutes int) {
	w.t.Helper()
	s := d.At(at, london)
	id, err := w.srv.AddRun("primary", summary, s, s.Add(time.Duration(minutes)*time.Minute))
	if err != nil {
		w.t.Fatal(err)
	}
	w.runs[key] = id
}

// client builds the adapter as the CLI would, with the scopes strengthsync
// asks for and retries that do not sleep.
func (w *world) client(opts ...func(*google.Options)) *google.Client {
	w.t.Helper()
	o := google.Options{
		HTTPClient:  w.srv.Client(googlefake.ScopeAppCreated, googlefake.ScopeEventsReadonly, googlefake.ScopeFreeBusy),
		APIURL:      w.srv.APIURL(),
		State:       w.state,
		Sleep:       func(context.Context, time.Duration) error { return nil },
		MaxAttempts: 12,
	}
	for _, f := range opts {
		f(&o)
	}
	c, err := google.New(context.Background(), o)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// syncOnce does what the engine does, with the toy planner: load the runs,
// ask the sink for the runner's hand, plan, apply.
func syncOnce(ctx context.Context, c *google.Client, src, dst string) ([]rules.Session, sync.Changes, error) {
	from, to := window()
	cal, err := c.Source(src).Load(ctx, from.AddDate(0, 0, -15), to.AddDate(0, 0, 180))
	if err != nil {
		return nil, sync.Changes{}, err
	}
	evs, err := cal.Events(from, to, london)
	if err != nil {
		return nil, sync.Changes{}, err
	}
	sink := c.Sink(dst)
	hand, err := sink.Hand(ctx, from, to)
	if err != nil {
		return nil, sync.Changes{}, err
	}
	plan := toyPlan(evs, hand)
	ch, err := sink.Apply(ctx, plan, from, to, false)
	return plan, ch, err
}

// toyPlan stands in for rules.Make so these tests do not depend on the
// planner: per ISO week, a session 3 h after each hard run (intervals,
// tempo) that is not the day before a long run, then easy days the same
// way, at most two; the runner's hand keeps its slot, moved or emptied.
func toyPlan(evs []rules.Event, hand []rules.HandSession) []rules.Session {
	type cand struct {
		day   rules.Date
		start time.Time
		hard  bool
	}
	long := map[rules.Date]bool{}
	for _, e := range evs {
		if strings.Contains(e.Summary, "Long") {
			long[e.FirstDate(london)] = true
		}
	}
	byWeek := map[string][]cand{}
	for _, e := range evs {
		d := e.FirstDate(london)
		hard := strings.Contains(e.Summary, "Intervals") || strings.Contains(e.Summary, "Tempo")
		easy := strings.Contains(e.Summary, "Easy")
		if e.AllDay || (!hard && !easy) || long[d.AddDays(1)] {
			continue
		}
		byWeek[d.Week()] = append(byWeek[d.Week()], cand{d, e.End.Add(3 * time.Hour), hard})
	}
	hands := map[string]rules.HandSession{}
	for _, h := range hand {
		hands[fmt.Sprintf("%s/%d", h.Week, h.Ordinal)] = h
	}
	var out []rules.Session
	for wk := 0; wk < weeks; wk++ {
		week := start.AddDays(7 * wk).Week()
		cs := byWeek[week]
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].hard != cs[j].hard {
				return cs[i].hard
			}
			return cs[i].start.Before(cs[j].start)
		})
		if len(cs) > 2 {
			cs = cs[:2]
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].start.Before(cs[j].start) })
		for i, c := range cs {
			ord := i + 1
			s := rules.Session{
				UID:   rules.SessionUID("", week, ord),
				Title: "Strength " + string(rune('A'+i)),
				Phase: rules.PhaseStrength, Variant: string(rune('A' + i)),
				Exercises: []rules.Exercise{{Name: "Back squat", Sets: 3, Reps: "4-6", Load: "80% 1RM"}},
			}
			s.Week, s.Ordinal, s.Date = week, ord, c.day
			s.Start, s.End = c.start, c.start.Add(45*time.Minute)
			s.Reason = c.day.Short() + ": after the run"
			if h, ok := hands[fmt.Sprintf("%s/%d", week, ord)]; ok {
				if h.Deleted {
					continue
				}
				s.Start, s.End, s.Hand = h.Start, h.End, true
				s.Date = rules.DateOf(h.Start.In(london))
			}
			out = append(out, s)
		}
	}
	return out
}

// ourCalendar is the calendar google:new created, from the fake's side.
func (w *world) ourCalendar() string {
	w.t.Helper()
	for _, c := range w.srv.Calendars() {
		if c.Summary == "Strength training" {
			return c.Id
		}
	}
	w.t.Fatal("no Strength training calendar")
	return ""
}

// checkHolds asserts the calendar holds exactly the planned sessions: each
// once, at its time (the runner's hand included), nothing else.
func (w *world) checkHolds(calID string, plan []rules.Session) {
	w.t.Helper()
	got := map[string]*calendar.Event{}
	for _, ev := range w.srv.Events(calID) {
		uid := ""
		if ev.ExtendedProperties != nil {
			uid = ev.ExtendedProperties.Private["strengthsync_uid"]
		}
		if uid == "" {
			w.t.Errorf("event %q in the strength calendar has no UID", ev.Summary)
			continue
		}
		if _, dup := got[uid]; dup {
			w.t.Errorf("session %s is there twice", uid)
		}
		got[uid] = ev
	}
	for _, s := range plan {
		ev, ok := got[s.UID]
		if !ok {
			w.t.Errorf("session %s (%s) is missing", s.UID, s.Start.Format(time.RFC3339))
			continue
		}
		delete(got, s.UID)
		st, _ := time.Parse(time.RFC3339, ev.Start.DateTime)
		en, _ := time.Parse(time.RFC3339, ev.End.DateTime)
		if !st.Equal(s.Start) || !en.Equal(s.End) {
			w.t.Errorf("session %s is at %s–%s, planned %s–%s", s.UID, st, en, s.Start, s.End)
		}
		if ev.Id != google.EventID(s.UID) {
			w.t.Errorf("session %s has ID %s, want %s", s.UID, ev.Id, google.EventID(s.UID))
		}
	}
	for uid := range got {
		w.t.Errorf("session %s is there but not planned", uid)
	}
}

// snapshot captures the runner's own events: ID, ETag and content.
func (w *world) snapshot(calID string) map[string]string {
	m := map[string]string{}
	for _, ev := range w.srv.AllEvents(calID) {
		if ev.ExtendedProperties != nil && ev.ExtendedProperties.Private["strengthsync"] == "1" {
			continue
		}
		m[ev.Id] = ev.Etag + " " + ev.Status + " " + ev.Summary + " " + ev.Start.DateTime + ev.Start.Date
	}
	return m
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func changesString(ch sync.Changes) string {
	return fmt.Sprintf("added %d moved %d updated %d removed %d unchanged %d",
		len(ch.Added), len(ch.Moved), len(ch.Updated), len(ch.Removed), ch.Unchanged)
}

// session finds the planned session of a slot.
func session(plan []rules.Session, week string, ord int) rules.Session {
	for _, s := range plan {
		if s.Week == week && s.Ordinal == ord {
			return s
		}
	}
	return rules.Session{}
}

// stateCalendar is the calendar google:new remembers.
func stateCalendar(t *testing.T, w *world) string {
	t.Helper()
	id, err := w.client().Sink("new").CalendarID(context.Background())
	if err != nil || id == "" {
		t.Fatalf("no calendar in the state: %q %v", id, err)
	}
	return id
}

// checkHand asserts the sink reports exactly want sessions of the
// runner's: a write of ours mistaken for the runner's hand would show here
// (and would otherwise pass for a session the runner placed).
func (w *world) checkHand(c *google.Client, want int) {
	w.t.Helper()
	from, to := window()
	hand, err := c.Sink("new").Hand(context.Background(), from, to)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(hand) != want {
		w.t.Errorf("the runner's hand: %+v; want %d sessions", hand, want)
	}
}
