package sync_test

import (
	"context"
	"github.com/strengthsync/strengthsync/sync/storetest"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
)

// newService is a Service on a real SQLite store, fetching from loopback,
// at a fixed time.
func newService(t *testing.T, now time.Time) (*sync.Service, sync.Store) {
	t.Helper()
	return limitService(t, storetest.NewClock(now), nil)
}

func TestSyncPlanPublishesSkipsAndKeepsEditsMadeMeanwhile(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	svc, st := newService(t, now)
	var onRequest atomic.Value // func()
	onRequest.Store(func() {})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		onRequest.Load().(func())()
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()

	p := &sync.PlanRecord{ID: "p1", ManageTokenHash: []byte("m-hash"), FeedTokenHash: []byte("f-hash-1"),
		Sources: []string{srv.URL + "/runs.ics"}, TimeZone: "Europe/London", Status: sync.StatusNew,
		Created: now, Updated: now}
	if err := st.CreatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err := svc.SyncPlan(ctx, "p1")
	if err != nil || res.Skipped || res.Sessions == 0 {
		t.Fatalf("first sync: %+v, %v", res, err)
	}
	feed, err := st.GetFeed(ctx, "p1")
	if err != nil || !strings.Contains(string(feed.ICS), "BEGIN:VEVENT") || feed.ETag == "" {
		t.Fatalf("feed after the first sync: %v", err)
	}
	got, _ := st.GetPlan(ctx, "p1")
	if got.Status != sync.StatusOK || !got.NextSync.Equal(now.Add(15*time.Minute)) {
		t.Errorf("after sync: status %q next %v", got.Status, got.NextSync)
	}

	// Same source, same day: nothing parsed or planned, the feed untouched.
	res, err = svc.SyncPlan(ctx, "p1")
	if err != nil || !res.Skipped {
		t.Fatalf("second sync: %+v, %v; want skipped", res, err)
	}
	again, _ := st.GetFeed(ctx, "p1")
	if again.ETag != feed.ETag {
		t.Error("an unchanged sync changed the feed's ETag")
	}

	// The runner rotates the feed token while a sync is fetching: the sync
	// must not write the old token back.
	onRequest.Store(func() {
		q, err := st.GetPlan(ctx, "p1")
		if err != nil {
			t.Error(err)
			return
		}
		q.FeedTokenHash = []byte("f-hash-2")
		if err := st.UpdatePlan(ctx, q); err != nil {
			t.Error(err)
		}
	})
	body = append([]byte(nil), body...) // a new body: the sync plans again
	body = []byte(strings.Replace(string(body), "Easy Run • 6km", "Easy Run • 7km", 1))
	if _, err := svc.SyncPlan(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetPlan(ctx, "p1")
	if string(got.FeedTokenHash) != "f-hash-2" {
		t.Errorf("the sync wrote back the feed token it read before the rotation")
	}
	if _, err := st.PlanByFeedToken(ctx, []byte("f-hash-1")); err == nil {
		t.Error("the rotated-away token still resolves")
	}
}

func TestSyncPlanRecordsErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	svc, st := newService(t, now)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>Please sign in</body></html>"))
	}))
	defer srv.Close()
	p := &sync.PlanRecord{ID: "p2", ManageTokenHash: []byte("m"), FeedTokenHash: []byte("f"),
		Sources: []string{srv.URL + "/ical/8f14e45fceea167a5a36dedd4bea2543/runs.ics"}, TimeZone: "Europe/London", Created: now, Updated: now}
	if err := st.CreatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SyncPlan(ctx, "p2"); err == nil {
		t.Fatal("want an error for an HTML page")
	}
	got, _ := st.GetPlan(ctx, "p2")
	if got.Status != sync.StatusError || !strings.Contains(got.LastError, "not a calendar") {
		t.Errorf("status %q, last error %q", got.Status, got.LastError)
	}
	if strings.Contains(got.LastError, "8f14e45f") {
		t.Errorf("the stored error shows the feed's secret path: %q", got.LastError)
	}
	// Not a calendar is permanent: the schedule leaves the plan alone
	// until the runner changes it or asks for a sync.
	if !got.Scheduled().IsZero() || !got.NextSync.After(now.AddDate(100, 0, 0)) {
		t.Errorf("next sync %v: want none scheduled", got.NextSync)
	}
	if !strings.Contains(got.LastError, "not retried until the plan is changed or synced by hand") {
		t.Errorf("last error %q does not say the plan waits for the runner", got.LastError)
	}
}

// SPEC §6 "History is the runner's": the daily re-plan moves the window's
// start, and the feed keeps what the runner already trained, as written,
// for at least FeedHistory (8 weeks); older sessions may go.
func TestFeedKeepsThePast(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, london) // a Monday
	svc, st := newService(t, now)
	svc.Now = func() time.Time { return now }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()
	p := &sync.PlanRecord{ID: "p1", ManageTokenHash: []byte("m"), FeedTokenHash: []byte("f"),
		Sources: []string{srv.URL + "/runs.ics"}, TimeZone: "Europe/London", Created: now, Updated: now}
	if err := st.CreatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	feed := func() map[string]ical.Written {
		t.Helper()
		if _, err := svc.SyncPlan(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		f, err := st.GetFeed(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.Parse("feed", f.ICS)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]ical.Written{}
		for _, w := range cal.Ours() {
			if _, dup := m[w.UID]; dup {
				t.Errorf("the feed holds %s twice", w.UID)
			}
			m[w.UID] = w
		}
		return m
	}
	first := feed()
	tuesday := time.Date(2026, 12, 8, 0, 0, 0, 0, london)
	var trained ical.Written
	for _, w := range first {
		if w.Start.After(tuesday) && w.Start.Before(tuesday.AddDate(0, 0, 1)) {
			trained = w
		}
	}
	if trained.UID == "" {
		t.Fatal("no session on Tuesday 8 December; the fixture no longer tests anything")
	}

	// Wednesday: the window starts after Tuesday's session.
	now = time.Date(2026, 12, 9, 8, 0, 0, 0, london)
	second := feed()
	got, ok := second[trained.UID]
	switch {
	case !ok:
		t.Fatalf("yesterday's session %s left the feed", trained.UID)
	case !got.Start.Equal(trained.Start) || !got.End.Equal(trained.End) || got.Summary != trained.Summary ||
		got.Description != trained.Description || got.Sequence != trained.Sequence ||
		!got.LastModified.Equal(trained.LastModified) || got.Hash != trained.Hash:
		t.Errorf("yesterday's session changed:\n got %+v\nwant %+v", got, trained)
	}
	perWeek := map[string]int{}
	for _, w := range second {
		week, _, _ := w.WeekOrdinal()
		perWeek[week]++
	}
	if n := perWeek["2026-W50"]; n > 2 {
		t.Errorf("the week cut by the window holds %d sessions, more than 2", n)
	}

	// Nine weeks on: sessions older than 8 weeks may go, younger ones stay.
	now = time.Date(2027, 2, 10, 8, 0, 0, 0, london)
	third := feed()
	cutoff := time.Date(2026, 12, 16, 0, 0, 0, 0, london) // 8 weeks before
	kept := 0
	for uid, w := range second {
		if w.Start.Before(cutoff) || !w.Start.Before(time.Date(2027, 2, 10, 0, 0, 0, 0, london)) {
			continue
		}
		kept++
		if g, ok := third[uid]; !ok || g.Hash != w.Hash || g.Sequence != w.Sequence {
			t.Errorf("session %s of %s left the feed or changed", uid, w.Start.Format("Mon 2 Jan"))
		}
	}
	if kept == 0 {
		t.Error("no session in the 8 weeks before; the test proves nothing")
	}
	if _, ok := third[trained.UID]; ok {
		t.Errorf("a session of 9 weeks ago is still in the feed")
	}
}
