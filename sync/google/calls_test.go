package google_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/googlefake"
	calendar "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestAPICallTable measures, with the fake's counters, the Calendar API
// requests of a first sync, a sync with nothing new and a sync after the
// coach moved one run, beside a naive sync that deletes every session and
// creates them again. The table is testdata/api_calls.md (for the README);
// -update rewrites it.
func TestAPICallTable(t *testing.T) {
	ctx := context.Background()
	steps := []struct {
		name   string
		before func(w *world)
	}{
		{"first sync", nil},
		{"nothing changed", nil},
		{"the coach moved one run", func(w *world) {
			fri := start.AddDays(7+4).At(8*60, london)
			if err := w.srv.MoveEvent("primary", w.runs["W2 long"], fri, fri.Add(150*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	ours, naive := newWorld(t), newWorld(t)
	c := ours.client()
	nv := newNaive(t, naive)
	var rows []string
	sessions := 0
	for _, st := range steps {
		if st.before != nil {
			st.before(ours)
			st.before(naive)
		}
		ours.srv.ResetCounts()
		plan, _, err := syncOnce(ctx, c, "primary", "new")
		if err != nil {
			t.Fatal(err)
		}
		sessions = len(plan)
		naive.srv.ResetCounts()
		nv.sync(ctx)
		rows = append(rows, fmt.Sprintf("| %s | %d (%s) | %d (%s) |", st.name,
			ours.srv.APICalls(), ours.srv.CountsString(), naive.srv.APICalls(), naive.srv.CountsString()))
	}
	got := fmt.Sprintf("Calendar API requests per sync, %d weeks and %d sessions, counted by the fake Google:\n\n"+
		"| sync | strengthsync | delete all and recreate |\n|---|---|---|\n%s\n", weeks, sessions, strings.Join(rows, "\n"))
	t.Log("\n" + got)
	golden := filepath.Join("testdata", "api_calls.md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("API calls changed; run with -update if that is intended.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// naiveSync is the approach strengthsync avoids: read everything, delete
// every session of ours, insert the plan again.
type naiveSync struct {
	t   *testing.T
	w   *world
	svc *calendar.Service
	cal string
}

func newNaive(t *testing.T, w *world) *naiveSync {
	svc, err := calendar.NewService(context.Background(), option.WithEndpoint(w.srv.APIURL()),
		option.WithHTTPClient(w.srv.Client(googlefake.ScopeAppCreated, googlefake.ScopeEventsReadonly)))
	if err != nil {
		t.Fatal(err)
	}
	return &naiveSync{t: t, w: w, svc: svc}
}

func (n *naiveSync) sync(ctx context.Context) {
	from, to := window()
	res, err := n.svc.Events.List("primary").SingleEvents(true).TimeMin(from.Format(time.RFC3339)).
		TimeMax(to.Format(time.RFC3339)).MaxResults(250).Do()
	if err != nil {
		n.t.Fatal(err)
	}
	var evs []rules.Event
	for _, ev := range res.Items {
		st, _ := time.Parse(time.RFC3339, ev.Start.DateTime)
		en, _ := time.Parse(time.RFC3339, ev.End.DateTime)
		evs = append(evs, rules.Event{Summary: ev.Summary, Start: st, End: en, AllDay: ev.Start.Date != ""})
	}
	plan := toyPlan(evs, nil)
	if n.cal == "" {
		cal, err := n.svc.Calendars.Insert(&calendar.Calendar{Summary: "Strength (naive)"}).Do()
		if err != nil {
			n.t.Fatal(err)
		}
		n.cal = cal.Id
	}
	old, err := n.svc.Events.List(n.cal).MaxResults(250).Do()
	if err != nil {
		n.t.Fatal(err)
	}
	for _, ev := range old.Items {
		if err := n.svc.Events.Delete(n.cal, ev.Id).Do(); err != nil {
			n.t.Fatal(err)
		}
	}
	for _, s := range plan {
		ev := &calendar.Event{Summary: s.Title,
			Start: &calendar.EventDateTime{DateTime: s.Start.Format(time.RFC3339)},
			End:   &calendar.EventDateTime{DateTime: s.End.Format(time.RFC3339)}}
		if _, err := n.svc.Events.Insert(n.cal, ev).Do(); err != nil {
			n.t.Fatal(err)
		}
	}
}
