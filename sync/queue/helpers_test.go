package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	stdsync "sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/sqlite"
)

// fastRetry retries at once, so tests exercise the retry paths without
// waiting.
func fastRetry() Retry {
	return Retry{
		Attempts: 3,
		BackOff:  func() backoff.BackOff { return &backoff.ZeroBackOff{} },
		Locked:   time.Minute,
	}
}

// testLog writes the queue's logs into the test's output.
func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It waits for events; it asserts nothing about how long they take.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// running is a Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// startRun runs r with h until stop (or the end of the test).
func startRun(t testing.TB, r Runner, h Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		run.err = r.Run(ctx, h)
	}()
	t.Cleanup(func() { run.stop() })
	return run
}

// stop cancels the Run and waits for it to return.
func (r *running) stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// recorder is a handler that keeps what it was asked to do and checks that
// no plan is ever synced twice at once. Behaviour per plan is set by fn.
type recorder struct {
	fn func(ctx context.Context, planID string, call int) error

	mu       stdsync.Mutex
	calls    map[string]int // handler calls per plan
	ok       map[string]int // successful calls per plan
	active   map[string]int // calls in progress per plan
	overlaps int            // times a plan was entered while already active
	now, max int            // calls in progress, and the most at once
}

func newRecorder(fn func(ctx context.Context, planID string, call int) error) *recorder {
	return &recorder{fn: fn, calls: map[string]int{}, ok: map[string]int{}, active: map[string]int{}}
}

func (r *recorder) Sync(ctx context.Context, planID string) error {
	r.mu.Lock()
	r.calls[planID]++
	call := r.calls[planID]
	r.active[planID]++
	if r.active[planID] > 1 {
		r.overlaps++
	}
	r.now++
	r.max = max(r.max, r.now)
	r.mu.Unlock()

	var err error
	if r.fn != nil {
		err = r.fn(ctx, planID, call)
	}

	r.mu.Lock()
	r.active[planID]--
	r.now--
	if err == nil {
		r.ok[planID]++
	}
	r.mu.Unlock()
	return err
}

func (r *recorder) okCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ok[id]
}

func (r *recorder) callCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

func (r *recorder) snapshot() (calls, ok map[string]int, overlaps, maxActive int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, ok = map[string]int{}, map[string]int{}
	for k, v := range r.calls {
		calls[k] = v
	}
	for k, v := range r.ok {
		ok[k] = v
	}
	return calls, ok, r.overlaps, r.max
}

// openStore opens a real SQLite store in the test's directory.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// lockedSync wraps work in the store's plan lock, as the service's SyncPlan
// does, so a second sync of a plan answers sync.ErrLocked.
func lockedSync(store sync.Store, work func(ctx context.Context, planID string) error) func(context.Context, string) error {
	return func(ctx context.Context, planID string) error {
		unlock, err := store.Lock(ctx, "sync:"+planID, time.Minute)
		if err != nil {
			return err
		}
		defer unlock(context.WithoutCancel(ctx))
		return work(ctx, planID)
	}
}

var errBoom = errors.New("boom")

// wait blocks a test handler until ch closes, or until its context is
// cancelled, so a failing test cannot hang its drain.
func wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func planIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("plan-%02d", i)
	}
	return ids
}
