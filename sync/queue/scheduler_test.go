package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

var t0 = time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)

// clock is a test clock the scheduler reads; only the test moves it.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// asked records what the scheduler enqueued, in order. It stands for the
// queue only to show exactly what was asked and when; the end-to-end test
// below uses a real Local.
type asked struct {
	mu  stdsync.Mutex
	ids []string
	err error
}

func (q *asked) Enqueue(_ context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.ids = append(q.ids, id)
	return nil
}

func (q *asked) Depth(context.Context) (int, error) { return 0, nil }

func (q *asked) Lag(context.Context) (time.Duration, error) { return 0, nil }

func (q *asked) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := q.ids
	q.ids = nil
	return ids
}

func createPlans(t *testing.T, s sync.Store, next map[string]time.Duration) {
	t.Helper()
	for id, d := range next {
		p := storetest.NewPlan(id)
		p.NextSync = t0.Add(d)
		if err := s.CreatePlan(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
}

// synced does what the service does after a sync: move NextSync on.
func synced(t *testing.T, s sync.Store, ids []string, now time.Time) {
	t.Helper()
	for _, id := range ids {
		if err := advance(t.Context(), s, id, now); err != nil {
			t.Fatal(err)
		}
	}
}

func advance(ctx context.Context, s sync.Store, id string, now time.Time) error {
	p, err := s.GetPlan(ctx, id)
	if err != nil {
		return err
	}
	p.LastSync, p.NextSync = now, now.Add(15*time.Minute)
	return s.UpdatePlan(ctx, p)
}

func TestSchedulerEnqueuesDuePlansAtTheirTime(t *testing.T) {
	store := openStore(t)
	createPlans(t, store, map[string]time.Duration{
		"early": -time.Minute, "now": 0, "later": 10 * time.Minute, "much-later": time.Hour,
	})
	c := newClock(t0)
	q := &asked{}
	s := &Scheduler{Store: store, Queue: q, Now: c.Now, Log: testLog(t)}
	steps := []struct {
		at   time.Duration
		want []string // earliest due first
	}{
		{-2 * time.Minute, nil},
		{-time.Minute, []string{"early"}},
		{-time.Millisecond, nil},
		{0, []string{"now"}},
		{10*time.Minute - time.Millisecond, nil}, // not a moment before
		{10 * time.Minute, []string{"later"}},
		{14 * time.Minute, []string{"early"}}, // its sync at -1m set +14m
		{time.Hour, []string{"now", "later", "early", "much-later"}},
	}
	for _, st := range steps {
		c.set(t0.Add(st.at))
		n, err := s.EnqueueDue(t.Context())
		if err != nil {
			t.Fatalf("at %v: %v", st.at, err)
		}
		got := q.take()
		if !slices.Equal(got, st.want) || n != len(st.want) {
			t.Errorf("at t0%+v: enqueued %q (n=%d), want %q", st.at, got, n, st.want)
		}
		synced(t, store, got, c.Now())
	}
}

func TestSchedulerGraceAndPages(t *testing.T) {
	store := openStore(t)
	createPlans(t, store, map[string]time.Duration{"a": -2 * time.Minute, "b": -time.Minute, "c": time.Hour})
	c := newClock(t0)
	q := &asked{}
	// Pages of one plan: a pass still reads on until it has every due plan.
	s := &Scheduler{Store: store, Queue: q, Now: c.Now, Grace: time.Minute, Batch: 1}
	steps := []struct {
		at   time.Duration
		want []string
	}{
		{0, []string{"a", "b"}},           // earliest first
		{time.Second, nil},                // both in their grace
		{time.Minute, []string{"a", "b"}}, // never synced: asked again after Grace
		{time.Minute + time.Second, nil},  // and again in grace
	}
	for _, st := range steps {
		c.set(t0.Add(st.at))
		if _, err := s.EnqueueDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := q.take(); !slices.Equal(got, st.want) {
			t.Errorf("at t0+%v: enqueued %q, want %q", st.at, got, st.want)
		}
	}
}

// No cap per pass: a pass enqueues every due plan, however many pages of
// Batch they fill, the ones in their grace (first in every page) included.
func TestSchedulerHasNoCapPerPass(t *testing.T) {
	store := openStore(t)
	const n = 2500
	next := make(map[string]time.Duration, n)
	for i := range n {
		next[fmt.Sprintf("p%04d", i)] = -time.Duration(n-i) * time.Second
	}
	createPlans(t, store, next)
	c := newClock(t0)
	q := &asked{}
	s := &Scheduler{Store: store, Queue: q, Now: c.Now, Batch: 1000}
	if got, err := s.EnqueueDue(t.Context()); err != nil || got != n {
		t.Fatalf("first pass enqueued %d, %v; want all %d", got, err, n)
	}
	ids := q.take()
	if len(ids) != n || ids[0] != "p0000" || ids[n-1] != fmt.Sprintf("p%04d", n-1) {
		t.Errorf("enqueued %d plans from %q; want %d, earliest first", len(ids), ids[:1], n)
	}
	// One more plan falls due while all the others are in their grace.
	p := storetest.NewPlan("late")
	p.NextSync = t0
	if err := store.CreatePlan(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	c.add(time.Second)
	if got, err := s.EnqueueDue(t.Context()); err != nil || got != 1 {
		t.Fatalf("second pass enqueued %d, %v; want the one new plan", got, err)
	}
	if got := q.take(); !slices.Equal(got, []string{"late"}) {
		t.Errorf("second pass enqueued %q, want [late]", got)
	}
}

func TestSchedulerQueueDown(t *testing.T) {
	store := openStore(t)
	createPlans(t, store, map[string]time.Duration{"a": 0, "b": 0})
	c := newClock(t0)
	q := &asked{err: errors.New("connection refused")}
	s := &Scheduler{Store: store, Queue: q, Now: c.Now}
	if n, err := s.EnqueueDue(t.Context()); err == nil || n != 0 {
		t.Fatalf("EnqueueDue with the queue down = %d, %v; want 0 and an error", n, err)
	}
	// A failed request is not remembered: the next pass asks again.
	q.mu.Lock()
	q.err = nil
	q.mu.Unlock()
	if n, err := s.EnqueueDue(t.Context()); err != nil || n != 2 {
		t.Fatalf("EnqueueDue after recovery = %d, %v; want 2, nil", n, err)
	}
}

func TestSchedulerStoreDown(t *testing.T) {
	store := openStore(t)
	store.Close()
	s := &Scheduler{Store: store, Queue: &asked{}, Now: newClock(t0).Now}
	if _, err := s.EnqueueDue(t.Context()); err == nil {
		t.Fatal("EnqueueDue on a closed store = nil, want an error")
	}
}

// countingStore is the real store, counting the scheduler's passes.
type countingStore struct {
	sync.Store
	passes atomic.Int32
}

func (s *countingStore) DuePlans(ctx context.Context, t time.Time, limit int) ([]string, error) {
	defer s.passes.Add(1)
	return s.Store.DuePlans(ctx, t, limit)
}

func TestSchedulerRunWithLocalWorker(t *testing.T) {
	// End to end in the embedded mode: the scheduler ticks against a real
	// SQLite store, a Local runs the job, and the job moves NextSync on as
	// the service does.
	store := &countingStore{Store: openStore(t)}
	createPlans(t, store, map[string]time.Duration{"a": 10 * time.Minute})
	c := newClock(t0)
	l := newTestLocal(t, 2)
	rec := newRecorder(func(ctx context.Context, id string, _ int) error {
		return advance(ctx, store, id, c.Now())
	})
	worker := startRun(t, l, rec)
	s := &Scheduler{Store: store, Queue: l, Tick: time.Millisecond, Now: c.Now, Log: testLog(t)}
	sched := startSchedulerRun(t, s)

	waitPasses := func(n int32) {
		from := store.passes.Load()
		waitFor(t, "scheduler passes", func() bool { return store.passes.Load() >= from+n })
	}
	waitPasses(5)
	if got := rec.callCount("a"); got != 0 {
		t.Fatalf("synced %d times before its time", got)
	}
	c.set(t0.Add(10 * time.Minute))
	waitFor(t, "the due sync", func() bool { return rec.okCount("a") == 1 })
	waitPasses(5)
	c.add(14 * time.Minute) // due again at +25m: not yet
	waitPasses(5)
	if got := rec.callCount("a"); got != 1 {
		t.Errorf("synced %d times, want 1 until due again", got)
	}
	c.add(time.Minute)
	waitFor(t, "the next scheduled sync", func() bool { return rec.okCount("a") == 2 })

	if err := sched(); err != nil {
		t.Errorf("Scheduler.Run = %v, want nil on cancel", err)
	}
	if err := worker.stop(); err != nil {
		t.Errorf("Local.Run = %v", err)
	}
}

func startSchedulerRun(t *testing.T, s *Scheduler) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once stdsync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}
