package sync_test

import (
	"context"
	"encoding/json"
	"github.com/strengthsync/strengthsync/sync/storetest"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
)

// ioCounter counts what a Store is asked to read and write: bytes written
// (the values and keys handed to it; a plan record as its JSON), and the
// state keys read and written.
type ioCounter struct {
	sync.Store
	mu      stdsync.Mutex
	written int
	reads   []string // "state:KEY", "feed", "feed-by-token", "feed-by-token+ics"
	writes  []string // "state:KEY", "feed", "plan", "lock"
}

func (c *ioCounter) wrote(what string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written += n
	c.writes = append(c.writes, what)
}

func (c *ioCounter) read(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = append(c.reads, what)
}

func (c *ioCounter) reset() (written int, reads, writes []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	written, reads, writes = c.written, c.reads, c.writes
	c.written, c.reads, c.writes = 0, nil, nil
	return
}

func (c *ioCounter) UpdatePlan(ctx context.Context, p *sync.PlanRecord) error {
	b, _ := json.Marshal(p)
	c.wrote("plan", len(b))
	return c.Store.UpdatePlan(ctx, p)
}

func (c *ioCounter) PutFeed(ctx context.Context, id string, f *sync.Feed) error {
	c.wrote("feed", len(f.ICS)+len(f.PlanJSON)+len(f.ETag))
	return c.Store.PutFeed(ctx, id, f)
}

func (c *ioCounter) GetFeed(ctx context.Context, id string) (*sync.Feed, error) {
	c.read("feed")
	return c.Store.GetFeed(ctx, id)
}

func (c *ioCounter) FeedByToken(ctx context.Context, hash []byte, withICS bool) (*sync.Feed, error) {
	if withICS {
		c.read("feed-by-token+ics")
	} else {
		c.read("feed-by-token")
	}
	return c.Store.FeedByToken(ctx, hash, withICS)
}

func (c *ioCounter) GetState(ctx context.Context, id, key string) ([]byte, bool, error) {
	c.read("state:" + key)
	return c.Store.GetState(ctx, id, key)
}

func (c *ioCounter) PutState(ctx context.Context, id, key string, v []byte) error {
	c.wrote("state:"+key, len(key)+len(v))
	return c.Store.PutState(ctx, id, key, v)
}

func (c *ioCounter) DeleteState(ctx context.Context, id, key string) error {
	c.wrote("state-delete:"+key, len(key))
	return c.Store.DeleteState(ctx, id, key)
}

func (c *ioCounter) Lock(ctx context.Context, name string, ttl time.Duration) (func(context.Context) error, error) {
	c.wrote("lock", len(name)+16) // the name and an owner
	return c.Store.Lock(ctx, name, ttl)
}

func hasPrefixed(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// An unchanged source costs its small record: a 304, or a 200 with the
// same bytes, neither reads nor rewrites the kept body, nor the feed, and
// the whole sync writes under a kilobyte through the store. A new day
// re-plans from the kept body without fetching it again in full.
func TestUnchangedSyncWritesLittle(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	for _, style := range []string{"etag", "no-validators"} {
		t.Run(style, func(t *testing.T) {
			ctx := context.Background()
			c := storetest.NewClock(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
			svc, st := limitService(t, c, nil)
			counter := &ioCounter{Store: st}
			svc.Store = counter
			srv, full := sourceServer(t, body, style == "etag")
			newPlan(t, st, "p1", c.Now(), []string{srv.URL + "/runs.ics"}, nil)
			if res, err := svc.SyncPlan(ctx, "p1"); err != nil || res.Skipped {
				t.Fatalf("first sync: %+v, %v", res, err)
			}
			written, _, writes := counter.reset()
			if !hasPrefixed(writes, "state:source-body:") || written < len(body) {
				t.Fatalf("first sync wrote %d bytes (%v): want the body kept", written, writes)
			}

			c.Add(15 * time.Minute)
			res, err := svc.SyncPlan(ctx, "p1")
			if err != nil || !res.Skipped {
				t.Fatalf("unchanged sync: %+v, %v; want skipped", res, err)
			}
			written, reads, writes := counter.reset()
			if hasPrefixed(reads, "state:source-body:") || hasPrefixed(writes, "state:source-body:") {
				t.Errorf("unchanged sync touched the kept body: reads %v, writes %v", reads, writes)
			}
			if hasPrefixed(reads, "feed") && !slices.Equal(filterPrefixed(reads, "feed"), []string{"feed-by-token"}) {
				t.Errorf("unchanged sync read the feed: %v; want its validators only", reads)
			}
			if hasPrefixed(writes, "feed") || hasPrefixed(writes, "state:source:") {
				t.Errorf("unchanged sync rewrote the feed or the source record: %v", writes)
			}
			t.Logf("unchanged sync: %d bytes written through the store: %v", written, writes)
			if written > 1024 {
				t.Errorf("unchanged sync wrote %d bytes through the store (%v), want at most 1 KiB", written, writes)
			}

			// The next day moves the window: the plan is made again from
			// the kept body, with a conditional fetch only.
			c.Add(24 * time.Hour)
			fullBefore := full()
			res, err = svc.SyncPlan(ctx, "p1")
			if err != nil || res.Skipped || res.Sessions == 0 {
				t.Fatalf("next day's sync: %+v, %v; want a new plan", res, err)
			}
			_, reads, _ = counter.reset()
			if !hasPrefixed(reads, "state:source-body:") {
				t.Errorf("next day's plan did not read the kept body: %v", reads)
			}
			if style == "etag" && full() != fullBefore {
				t.Errorf("next day's sync fetched the source in full (%d times)", full()-fullBefore)
			}
		})
	}
}

// A record whose body is missing (a crash between the two writes, or a
// store that lost it) costs one full fetch, not a failed sync.
func TestLostSourceBodyIsFetchedAgain(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	svc, st := limitService(t, c, nil)
	srv, _ := sourceServer(t, body, true)
	newPlan(t, st, "p1", c.Now(), []string{srv.URL + "/runs.ics"}, nil)
	if _, err := svc.SyncPlan(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	counter := &ioCounter{Store: st}
	svc.Store = counter
	c.Add(24 * time.Hour) // a new day: the body is needed
	svc.SyncPlan(ctx, "p1")
	_, reads, _ := counter.reset()
	var bodyKey string
	for _, r := range reads {
		if k, ok := strings.CutPrefix(r, "state:source-body:"); ok {
			bodyKey = "source-body:" + k
		}
	}
	if bodyKey == "" {
		t.Fatalf("no body read: %v", reads)
	}
	if err := st.DeleteState(ctx, "p1", bodyKey); err != nil {
		t.Fatal(err)
	}
	c.Add(24 * time.Hour)
	res, err := svc.SyncPlan(ctx, "p1")
	if err != nil || res.Skipped || res.Sessions == 0 {
		t.Fatalf("sync with the body lost: %+v, %v; want a plan", res, err)
	}
	if _, ok, _ := st.GetState(ctx, "p1", bodyKey); !ok {
		t.Error("the body was not kept again")
	}
}

func filterPrefixed(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// The window moves once a day; unchanged plans move it at their own point
// in the first ReplanSpread of the day, not all at midnight, and each
// exactly once.
func TestDailyReplanIsSpread(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) // London is on UTC in December
	c := storetest.NewClock(day.Add(8 * time.Hour))
	svc, st := limitService(t, c, nil)
	svc.ReplanSpread = 4 * time.Hour
	srv, _ := sourceServer(t, body, true)
	const plans = 24
	ids := make([]string, plans)
	for i := range ids {
		ids[i] = "plan-" + strings.Repeat("x", i%3) + string(rune('a'+i))
		newPlan(t, st, ids[i], c.Now(), []string{srv.URL + "/runs.ics"}, nil)
		if _, err := svc.SyncPlan(ctx, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	replanned := map[string]time.Duration{}
	steps := map[time.Duration]int{}
	for at := time.Duration(0); at <= 5*time.Hour; at += 30 * time.Minute {
		c.Set(day.Add(24*time.Hour + at))
		for _, id := range ids {
			res, err := svc.SyncPlan(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if res.Skipped {
				continue
			}
			if prev, ok := replanned[id]; ok {
				t.Errorf("%s planned again at %v, after %v", id, at, prev)
			}
			replanned[id] = at
			steps[at]++
		}
	}
	if len(replanned) != plans {
		t.Fatalf("%d of %d plans moved their window by 05:00", len(replanned), plans)
	}
	for id, at := range replanned {
		if at > 4*time.Hour {
			t.Errorf("%s moved its window at %v, after the 4h spread", id, at)
		}
	}
	if steps[0] == plans || len(steps) < 4 {
		t.Errorf("re-plans by half hour: %v; want them spread over the four hours", steps)
	}
}

// sourceServer serves body, with an ETag and 304s when etag; full counts
// the answers that sent the body.
func sourceServer(t *testing.T, body []byte, etag bool) (srv *httptest.Server, full func() int) {
	var n atomic.Int32
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if etag {
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		n.Add(1)
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { return int(n.Load()) }
}
