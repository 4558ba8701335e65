package sync_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/queue"
	"github.com/strengthsync/strengthsync/sync/sqlite"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// hits counts the requests a loopback source gets, by simulated hour.
type hits struct {
	mu     stdsync.Mutex
	clock  *storetest.Clock
	start  time.Time
	byHour map[int]int
}

func (h *hits) add() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byHour[int(h.clock.Now().Sub(h.start)/time.Hour)]++
}

func (h *hits) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, v := range h.byHour {
		n += v
	}
	return n
}

func (h *hits) hour(i int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byHour[i]
}

// limitService is a Service on a real SQLite store with a settable clock,
// fetching from loopback with its retries taking no time.
func limitService(t *testing.T, c *storetest.Clock, edit func(*fetch.Options)) (*sync.Service, sync.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := fetch.DefaultOptions()
	opts.AllowPrivate = true
	opts.Now = c.Now
	opts.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	if edit != nil {
		edit(&opts)
	}
	return &sync.Service{Store: st, Engine: &sync.Engine{Zone: ical.LoadLocation}, Fetch: fetch.New(opts),
		Now: c.Now}, st
}

func newPlan(t *testing.T, st sync.Store, id string, now time.Time, sources, busy []string) {
	t.Helper()
	p := &sync.PlanRecord{ID: id, ManageTokenHash: []byte("m-" + id), FeedTokenHash: []byte("f-" + id),
		Sources: sources, Busy: busy, TimeZone: "Europe/London", Status: sync.StatusNew,
		NextSync: now, Created: now, Updated: now}
	if err := st.CreatePlan(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// runSchedule syncs every due plan each simulated minute for d, as the
// scheduler and the queue do.
func runSchedule(t *testing.T, svc *sync.Service, st sync.Store, c *storetest.Clock, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	for end := c.Now().Add(d); c.Now().Before(end); c.Add(time.Minute) {
		ids, err := st.DuePlans(ctx, c.Now(), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			svc.SyncPlan(ctx, id)
		}
	}
}

func TestFailingSourcesBackOff(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	c := storetest.NewClock(start)
	svc, st := limitService(t, c, nil)
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	counters := map[string]*hits{}
	healthy := false
	var mu stdsync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
		mu.Lock()
		counters[name].add()
		ok := healthy
		mu.Unlock()
		switch {
		case name == "gone":
			http.NotFound(w, r)
		case name == "broken" && !ok:
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "text/calendar")
			w.Write(body)
		}
	}))
	defer srv.Close()
	for _, name := range []string{"gone", "broken", "fine"} {
		counters[name] = &hits{clock: c, start: start, byHour: map[int]int{}}
		newPlan(t, st, name, start, []string{srv.URL + "/" + name + "/s3cr3t.ics"}, nil)
	}

	runSchedule(t, svc, st, c, 24*time.Hour)

	// 404: fetched once, then left alone until the runner acts.
	if got := counters["gone"].total(); got != 1 {
		t.Errorf("the 404 source was requested %d times in a day, want 1", got)
	}
	gone, _ := st.GetPlan(ctx, "gone")
	if gone.Status != sync.StatusError || !gone.Scheduled().IsZero() || !strings.Contains(gone.LastError, "404") {
		t.Errorf("404 plan: status %q, scheduled %v, error %q", gone.Status, gone.Scheduled(), gone.LastError)
	}
	// 500: tries at 0, 15m, 45m, 1h45, 3h45, 7h45 and 15h45, each one
	// fetch with its own few retries (4 requests).
	const perTry = 1 + fetch.DefaultRetries
	wantByHour := map[int]int{0: 3, 1: 1, 3: 1, 7: 1, 15: 1}
	for h := range 24 {
		if got, want := counters["broken"].hour(h), wantByHour[h]*perTry; got != want {
			t.Errorf("hour %d: the 500 source was requested %d times, want %d", h, got, want)
		}
	}
	// A healthy plan keeps its 15-minute schedule.
	if got := counters["fine"].total(); got != 24*4 {
		t.Errorf("the healthy source was requested %d times in a day, want %d", got, 24*4)
	}

	// An edit restarts the backoff: the next wait is 15 minutes again.
	broken, _ := st.GetPlan(ctx, "broken")
	if wait := broken.NextSync.Sub(broken.LastSync); wait != 16*time.Hour {
		t.Errorf("after 7 failures the wait is %v, want 16h", wait)
	}
	broken.Sources = []string{srv.URL + "/broken/n3w.ics"}
	broken.NextSync = c.Now()
	if err := st.UpdatePlan(ctx, broken); err != nil {
		t.Fatal(err)
	}
	runSchedule(t, svc, st, c, time.Minute)
	broken, _ = st.GetPlan(ctx, "broken")
	if wait := broken.NextSync.Sub(broken.LastSync); wait != 15*time.Minute {
		t.Errorf("after an edit the wait is %v, want 15m", wait)
	}

	// A manual sync tries a parked plan again; a success ends the backoff.
	if _, err := svc.SyncPlan(ctx, "gone"); err == nil || counters["gone"].total() != 2 {
		t.Errorf("manual sync of the 404 plan: %v, %d requests", err, counters["gone"].total())
	}
	mu.Lock()
	healthy = true
	mu.Unlock()
	if _, err := svc.SyncPlan(ctx, "broken"); err != nil {
		t.Fatal(err)
	}
	broken, _ = st.GetPlan(ctx, "broken")
	if broken.Status != sync.StatusOK || broken.NextSync.Sub(broken.LastSync) != 15*time.Minute {
		t.Errorf("after a success: status %q, wait %v", broken.Status, broken.NextSync.Sub(broken.LastSync))
	}
}

// A source that never answers holds a worker for one fetch timeout, once:
// with a single worker, a healthy plan queued behind it still syncs.
func TestHangingSourceDoesNotStarveOthers(t *testing.T) {
	c := storetest.NewClock(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	svc, st := limitService(t, c, func(o *fetch.Options) { o.Timeout = 200 * time.Millisecond })
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	var hangs hits
	hangs.clock, hangs.byHour = c, map[int]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/hang") {
			hangs.add()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()
	now := c.Now()
	newPlan(t, st, "hang", now, []string{srv.URL + "/hang.ics"}, nil)
	newPlan(t, st, "fine", now, []string{srv.URL + "/fine.ics"}, nil)

	q := queue.NewLocal(1, nil)
	done := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		q.Run(ctx, queue.HandlerFunc(func(ctx context.Context, id string) error {
			_, err := svc.SyncPlan(ctx, id)
			done <- id
			return err
		}))
	}()
	defer func() { cancel(); <-ran }()
	for _, id := range []string{"hang", "fine"} {
		if err := q.Enqueue(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if got := <-done; got != "hang" {
		t.Fatalf("first job %s, want hang", got)
	}
	if got := <-done; got != "fine" {
		t.Fatalf("second job %s, want fine: the hanging plan was retried in its worker", got)
	}
	if n := hangs.total(); n != 1 {
		t.Errorf("the hanging source was requested %d times, want 1", n)
	}
	fine, _ := st.GetPlan(context.Background(), "fine")
	if fine.Status != sync.StatusOK {
		t.Errorf("healthy plan: status %q, error %q", fine.Status, fine.LastError)
	}
	hang, _ := st.GetPlan(context.Background(), "hang")
	if hang.Status != sync.StatusError || !strings.Contains(hang.LastError, "timed out") || hang.Scheduled().IsZero() {
		t.Errorf("hanging plan: status %q, error %q, next %v", hang.Status, hang.LastError, hang.Scheduled())
	}
}
