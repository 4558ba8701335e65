package google_test

import (
	"context"
	"testing"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/google"
)

// SPEC §6 "History is the runner's": once the window starts later, our
// events before it are never patched nor deleted, even when a plan puts a
// session in a past event's slot; Kept reports them so the engine plans
// around them, the runner's deletions included.
func TestPastEventsStay(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	plan, _, err := syncOnce(ctx, w.client(), "primary", "new")
	if err != nil {
		t.Fatal(err)
	}
	cal := stateCalendar(t, w)
	first := session(plan, start.Week(), 1)  // Tuesday, after the intervals
	second := session(plan, start.Week(), 2) // Thursday, after the tempo
	if first.UID == "" || second.UID == "" {
		t.Fatal("the toy plan has no two sessions in the first week; the test proves nothing")
	}
	// The runner deletes Thursday's session by hand.
	if err := w.srv.DeleteEvent(cal, google.EventID(second.UID)); err != nil {
		t.Fatal(err)
	}
	before, _ := w.srv.Event(cal, google.EventID(first.UID))

	// Friday: the window starts after both.
	from := start.AddDays(4).In(london)
	_, to := window()
	sink := w.client().Sink("new")
	kept, err := sink.Kept(ctx, from.AddDate(0, 0, -7), from)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{1: false, 2: true} // ordinal → deleted
	for _, h := range kept {
		del, ok := want[h.Ordinal]
		if !ok || h.Week != start.Week() || h.Deleted != del || !del && !h.Start.Equal(first.Start) {
			t.Errorf("kept %+v", h)
		}
		delete(want, h.Ordinal)
	}
	if len(want) > 0 {
		t.Errorf("Kept = %+v; missing ordinals %v", kept, want)
	}

	// A plan (from a planner that did not plan around them) puts slot 1 of
	// the cut week on Saturday and drops everything before Friday.
	var later []rules.Session
	for _, s := range plan {
		if !s.Start.Before(from) {
			later = append(later, s)
		}
	}
	moved := first
	moved.Start, moved.End = start.AddDays(5).At(18*60, london), start.AddDays(5).At(18*60+45, london)
	later = append(later, moved)
	w.srv.ResetCounts()
	ch, err := sink.Apply(ctx, later, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Removed)+len(ch.Moved)+len(ch.Updated) > 0 {
		t.Errorf("changes: %s", changesString(ch))
	}
	after, ok := w.srv.Event(cal, google.EventID(first.UID))
	if !ok || after.Etag != before.Etag || after.Start.DateTime != before.Start.DateTime || after.Status != "confirmed" {
		t.Errorf("the past event was changed: %+v → %+v", before.Start, after.Start)
	}
	if gone, _ := w.srv.Event(cal, google.EventID(second.UID)); gone.Status != "cancelled" {
		t.Errorf("the session the runner deleted came back: %s", gone.Status)
	}
	if n := w.srv.Writes(); n != 0 {
		t.Errorf("%d writes: %s", n, w.srv.CountsString())
	}
}
