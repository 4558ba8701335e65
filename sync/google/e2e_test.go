package google_test

import (
	"context"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/google"
	"github.com/strengthsync/strengthsync/sync/googlefake"
)

// TestEndToEnd is the story at the adapter level, with a toy
// planner: first sync, the coach moves a long run, a sync with nothing
// new, the runner drags a session, the runner deletes one, and a sync
// through 30% failing requests.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	c := w.client()
	runnerBefore := w.snapshot("primary")

	// 2. First sync: a calendar of our own, every session inserted.
	plan, ch, err := syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 8 || len(ch.Added) != 8 {
		t.Fatalf("first sync: %d planned, %s; want 8 added", len(plan), changesString(ch))
	}
	cal := w.ourCalendar()
	w.checkHolds(cal, plan)
	t.Logf("first sync: %s", w.srv.CountsString())

	// 3. The coach moves week 2's long run from Sunday to Friday: Thursday
	// becomes the day before a long run, so its session moves to
	// Saturday. Only that one event is patched.
	w2 := start.AddDays(7).Week()
	before := session(plan, w2, 2)
	fri := start.AddDays(7+4).At(8*60, london)
	if err := w.srv.MoveEvent("primary", w.runs["W2 long"], fri, fri.Add(150*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCounts()
	plan, ch, err = syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	after := session(plan, w2, 2)
	if after.Start.Equal(before.Start) || after.Start.Weekday() != time.Saturday {
		t.Fatalf("toy plan did not react to the long run: %s → %s", before.Start, after.Start)
	}
	if len(ch.Moved) != 1 || ch.Moved[0].UID != after.UID || len(ch.Added)+len(ch.Updated)+len(ch.Removed) != 0 {
		t.Errorf("after the coach's move: %s; want exactly %s moved", changesString(ch), after.UID)
	}
	if n := w.srv.Count("events.patch"); n != 1 || w.srv.Writes() != 1 {
		t.Errorf("patches %d, writes %d; want 1 and 1 (%s)", n, w.srv.Writes(), w.srv.CountsString())
	}
	w.checkHolds(cal, plan)
	t.Logf("one run moved: %s", w.srv.CountsString())

	// 4. Nothing changed: at most two calls (one incremental list per
	// calendar) and no write.
	w.srv.ResetCounts()
	plan, ch, err = syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() || w.srv.APICalls() > 2 || w.srv.Writes() != 0 {
		t.Errorf("no-change sync: %s, calls %s; want no change, ≤2 calls", changesString(ch), w.srv.CountsString())
	}
	t.Logf("no change: %s", w.srv.CountsString())

	// 5. The runner drags week 3's first session from Tuesday to
	// Wednesday evening. It stays there; nothing is written.
	w3 := start.AddDays(14).Week()
	dragged := session(plan, w3, 1)
	wed := start.AddDays(14+2).At(19*60, london)
	if err := w.srv.MoveEvent(cal, google.EventID(dragged.UID), wed, wed.Add(45*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCounts()
	plan, ch, err = syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	if s := session(plan, w3, 1); !s.Hand || !s.Start.Equal(wed) {
		t.Fatalf("the planner was not told of the runner's hand: %+v", s.Placement)
	}
	if ev, _ := w.srv.Event(cal, google.EventID(dragged.UID)); ev.Start.DateTime != wed.Format(time.RFC3339) {
		t.Errorf("the dragged session is at %s, want %s", ev.Start.DateTime, wed.Format(time.RFC3339))
	}
	if w.srv.Writes() != 0 || !ch.Empty() {
		t.Errorf("after the drag: %s, %s; want no writes", changesString(ch), w.srv.CountsString())
	}
	w.checkHolds(cal, plan)

	// 6. The runner deletes week 4's second session: it does not come back.
	w4 := start.AddDays(21).Week()
	deleted := session(plan, w4, 2)
	if err := w.srv.DeleteEvent(cal, google.EventID(deleted.UID)); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCounts()
	plan, ch, err = syncOnce(ctx, c, "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	if s := session(plan, w4, 2); s.UID != "" {
		t.Fatalf("the planner still places the deleted slot: %+v", s)
	}
	if ev, _ := w.srv.Event(cal, google.EventID(deleted.UID)); ev.Status != "cancelled" {
		t.Errorf("the deleted session came back: %s", ev.Status)
	}
	if w.srv.Writes() != 0 {
		t.Errorf("after the delete: %s, %s; want no writes", changesString(ch), w.srv.CountsString())
	}
	w.checkHolds(cal, plan)

	// 7. The coach moves week 1's long run too, and 30% of requests fail:
	// the sync still ends with exactly the planned sessions.
	fri1 := start.AddDays(4).At(8*60, london)
	if err := w.srv.MoveEvent("primary", w.runs["W1 long"], fri1, fri1.Add(150*time.Minute)); err != nil {
		t.Fatal(err)
	}
	runnerBefore = w.snapshot("primary")
	w.srv.ResetCounts()
	w.srv.InjectFaults(googlefake.Faults{Rate: 0.3, Seed: 30})
	plan, ch, err = syncOnce(ctx, c, "primary", "new")
	w.srv.InjectFaults(googlefake.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("under 30%% faults: %s; injected %v", w.srv.CountsString(), w.srv.Injected())
	if len(w.srv.Injected()) == 0 {
		t.Error("no fault was injected")
	}
	w.checkHolds(cal, plan)
	w.checkHand(c, 2) // the dragged one and the deleted one, nothing else
	if len(runnerBefore) == 0 || !sameMap(runnerBefore, w.snapshot("primary")) {
		t.Error("the runner's own events were changed")
	}
}

// TestFirstSyncUnderFaults: a first sync with 30% of requests failing,
// dropped connections and lost answers included, for several seeds. It may
// take more than one run when retries run out; it must converge with each
// session once and the runner's events untouched.
func TestFirstSyncUnderFaults(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run("", func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t)
			runner := w.snapshot("primary")
			c := w.client(func(o *google.Options) { o.MaxAttempts = 4 })
			w.srv.InjectFaults(googlefake.Faults{Rate: 0.3, Seed: seed, RetryAfter: 1})
			var plan []rules.Session
			var err error
			runs := 0
			for runs < 10 {
				runs++
				if plan, _, err = syncOnce(ctx, c, "primary", "new"); err == nil {
					break
				}
			}
			w.srv.InjectFaults(googlefake.Faults{})
			if err != nil {
				t.Fatalf("no convergence in %d runs: %v", runs, err)
			}
			// A lost answer to calendars.insert leaves an empty extra
			// calendar (see Sink.create); ours is the one in the state.
			cal := stateCalendar(t, w)
			w.checkHolds(cal, plan)
			w.checkHand(c, 0)
			for _, c := range w.srv.Calendars() {
				if c.Id != cal && c.Id != w.srv.Primary() && len(w.srv.Events(c.Id)) > 0 {
					t.Errorf("calendar %s (%s) holds events", c.Id, c.Summary)
				}
			}
			if !sameMap(runner, w.snapshot("primary")) {
				t.Error("the runner's own events were changed")
			}
			// And then it is quiet.
			w.srv.ResetCounts()
			if _, ch, err := syncOnce(ctx, c, "primary", "new"); err != nil || !ch.Empty() || w.srv.APICalls() > 2 {
				t.Errorf("the sync after: %v, %s, %s", err, changesString(ch), w.srv.CountsString())
			}
		})
	}
}
