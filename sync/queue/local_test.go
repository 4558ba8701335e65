package queue

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/strengthsync/strengthsync/sync"
)

func newTestLocal(t *testing.T, workers int) *Local {
	l := NewLocal(workers, testLog(t))
	l.Retry = fastRetry()
	l.DrainTimeout = 5 * time.Second // a failing test ends instead of hanging
	return l
}

func TestLocalRunsEveryJobOnce(t *testing.T) {
	l := newTestLocal(t, 4)
	ids := planIDs(20)
	for _, id := range ids[:10] { // some before Run
		if err := l.Enqueue(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	rec := newRecorder(nil)
	run := startRun(t, l, rec)
	for _, id := range ids[10:] { // some while it runs
		if err := l.Enqueue(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every plan to sync", func() bool {
		n, _ := l.Depth(t.Context())
		_, ok, _, _ := rec.snapshot()
		return n == 0 && len(ok) == len(ids)
	})
	if err := run.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	calls, _, overlaps, _ := rec.snapshot()
	for _, id := range ids {
		if calls[id] != 1 {
			t.Errorf("%s synced %d times, want 1", id, calls[id])
		}
	}
	if overlaps != 0 {
		t.Errorf("%d overlapping syncs of one plan", overlaps)
	}
}

func TestLocalConcurrencyLimit(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			l := newTestLocal(t, workers)
			gate := make(chan struct{})
			var started atomic.Int32
			rec := newRecorder(func(ctx context.Context, _ string, _ int) error {
				started.Add(1)
				if err := wait(ctx, gate); err != nil {
					return err
				}
				return nil
			})
			ids := planIDs(10)
			for _, id := range ids {
				if err := l.Enqueue(t.Context(), id); err != nil {
					t.Fatal(err)
				}
			}
			run := startRun(t, l, rec)
			waitFor(t, "the pool to fill", func() bool { return started.Load() == int32(workers) })
			if n, _ := l.Depth(t.Context()); n != len(ids) {
				t.Errorf("Depth with %d in flight = %d, want %d (waiting + in flight)", workers, n, len(ids))
			}
			close(gate)
			waitFor(t, "every plan to sync", func() bool { return started.Load() == int32(len(ids)) })
			waitFor(t, "the queue to empty", func() bool { n, _ := l.Depth(t.Context()); return n == 0 })
			run.stop()
			if _, _, _, most := rec.snapshot(); most != workers {
				t.Errorf("at most %d jobs ran at once, want exactly %d", most, workers)
			}
		})
	}
}

func TestLocalCoalescing(t *testing.T) {
	t.Run("waiting", func(t *testing.T) {
		// Requests for a plan whose job has not started are one job.
		l := newTestLocal(t, 2)
		for range 5 {
			if err := l.Enqueue(t.Context(), "a"); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Enqueue(t.Context(), "b"); err != nil {
			t.Fatal(err)
		}
		if n, _ := l.Depth(t.Context()); n != 2 {
			t.Errorf("Depth = %d, want 2", n)
		}
		rec := newRecorder(nil)
		run := startRun(t, l, rec)
		waitFor(t, "both plans", func() bool { return rec.okCount("a") == 1 && rec.okCount("b") == 1 })
		waitFor(t, "the queue to empty", func() bool { n, _ := l.Depth(t.Context()); return n == 0 })
		run.stop()
		if got := rec.callCount("a"); got != 1 {
			t.Errorf("a synced %d times, want 1", got)
		}
	})
	t.Run("during a run", func(t *testing.T) {
		// A request made while the plan syncs must not be lost (that sync
		// may have read old inputs), but many such requests make one more
		// run, after the first, never beside it.
		l := newTestLocal(t, 4)
		inFirst, release := make(chan struct{}), make(chan struct{})
		rec := newRecorder(func(ctx context.Context, _ string, call int) error {
			if call == 1 {
				close(inFirst)
				if err := wait(ctx, release); err != nil {
					return err
				}
			}
			return nil
		})
		run := startRun(t, l, rec)
		if err := l.Enqueue(t.Context(), "a"); err != nil {
			t.Fatal(err)
		}
		<-inFirst
		for range 3 {
			if err := l.Enqueue(t.Context(), "a"); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := l.Depth(t.Context()); n != 2 {
			t.Errorf("Depth = %d, want 2 (one in flight, one more requested)", n)
		}
		close(release)
		waitFor(t, "the second run", func() bool { return rec.okCount("a") == 2 })
		waitFor(t, "the queue to empty", func() bool { n, _ := l.Depth(t.Context()); return n == 0 })
		run.stop()
		calls, _, overlaps, _ := rec.snapshot()
		if calls["a"] != 2 || overlaps != 0 {
			t.Errorf("a: %d calls, %d overlaps; want 2 calls, none overlapping", calls["a"], overlaps)
		}
	})
}

func TestLocalDrainWaitsForJobInFlight(t *testing.T) {
	l := newTestLocal(t, 2)
	inJob, release := make(chan struct{}), make(chan struct{})
	var jobCtxErr atomic.Value
	var finished atomic.Bool
	h := HandlerFunc(func(ctx context.Context, _ string) error {
		close(inJob)
		if err := wait(ctx, release); err != nil {
			return err
		}
		jobCtxErr.Store(fmt.Sprint(ctx.Err()))
		finished.Store(true)
		return nil
	})
	if err := l.Enqueue(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	run := startRun(t, l, h)
	<-inJob
	run.cancel()
	// Enqueue answers ErrClosed once Run has stopped taking jobs, so Run
	// is now draining.
	waitFor(t, "Run to stop taking jobs", func() bool {
		return errors.Is(l.Enqueue(t.Context(), "b"), ErrClosed)
	})
	select {
	case <-run.done:
		t.Fatal("Run returned while a job was in flight")
	default:
	}
	close(release)
	if err := run.stop(); err != nil {
		t.Fatalf("Run after a clean drain: %v", err)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the job finished")
	}
	if got := jobCtxErr.Load(); got != "<nil>" {
		t.Errorf("job context at the end of the drain: %v, want not cancelled", got)
	}
}

func TestLocalDrainTimeoutCancelsJobs(t *testing.T) {
	l := newTestLocal(t, 1)
	l.DrainTimeout = 50 * time.Millisecond
	inJob := make(chan struct{})
	var sawCancel atomic.Bool
	h := HandlerFunc(func(ctx context.Context, _ string) error {
		close(inJob)
		<-ctx.Done()
		sawCancel.Store(true)
		return ctx.Err()
	})
	if err := l.Enqueue(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	run := startRun(t, l, h)
	<-inJob
	if err := run.stop(); err == nil {
		t.Fatal("Run = nil after the drain timeout cancelled a job, want an error")
	}
	if !sawCancel.Load() {
		t.Error("the job's context was never cancelled")
	}
}

// countingBackOff is a real exponential backoff whose use the test can see.
type countingBackOff struct {
	calls *atomic.Int32
	wait  time.Duration
}

func (b countingBackOff) NextBackOff() time.Duration { b.calls.Add(1); return b.wait }
func (b countingBackOff) Reset()                     {}

func TestLocalRetries(t *testing.T) {
	tests := []struct {
		name      string
		fn        func(call int) error
		wantCalls int
		wantOK    int
	}{
		{"succeeds", func(int) error { return nil }, 1, 1},
		{"fails twice then succeeds", func(c int) error {
			if c <= 2 {
				return errBoom
			}
			return nil
		}, 3, 1},
		{"always fails: three tries", func(int) error { return errBoom }, 3, 0},
		{"plan deleted: dropped", func(int) error { return fmt.Errorf("get plan: %w", sync.ErrNotFound) }, 1, 0},
		// The service recorded the failure and scheduled the plan's next
		// try: a retry here would fetch a failing source again at once
		// and hold the worker (a hanging source: for another timeout).
		{"recorded sync failure: not retried", func(int) error {
			return fmt.Errorf("sync: %w", &sync.SyncError{Err: errBoom, Next: time.Now().Add(time.Hour)})
		}, 1, 0},
		{"locked: waits, not counted as a failure", func(c int) error {
			if c <= 5 {
				return fmt.Errorf("lock: %w", sync.ErrLocked)
			}
			return nil
		}, 6, 1},
		{"panic: recovered and retried", func(c int) error {
			if c == 1 {
				panic("bad calendar")
			}
			return nil
		}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var backoffs atomic.Int32
			l := newTestLocal(t, 1)
			l.Retry.BackOff = func() backoff.BackOff { return countingBackOff{calls: &backoffs} }
			rec := newRecorder(func(_ context.Context, _ string, call int) error { return tt.fn(call) })
			if err := l.Enqueue(t.Context(), "a"); err != nil {
				t.Fatal(err)
			}
			run := startRun(t, l, rec)
			waitFor(t, "the job to end", func() bool { n, _ := l.Depth(t.Context()); return n == 0 })
			run.stop()
			if got := rec.callCount("a"); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if got := rec.okCount("a"); got != tt.wantOK {
				t.Errorf("successes = %d, want %d", got, tt.wantOK)
			}
			// Every try after the first waited for the backoff.
			if got := int(backoffs.Load()); got != tt.wantCalls-1 {
				t.Errorf("backoff consulted %d times, want %d", got, tt.wantCalls-1)
			}
		})
	}
}

func TestLocalLockedGivesUp(t *testing.T) {
	l := newTestLocal(t, 1)
	l.Retry.Locked = 20 * time.Millisecond
	l.Retry.BackOff = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Millisecond) }
	rec := newRecorder(func(context.Context, string, int) error { return sync.ErrLocked })
	if err := l.Enqueue(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	run := startRun(t, l, rec)
	waitFor(t, "the job to be dropped", func() bool { n, _ := l.Depth(t.Context()); return n == 0 })
	run.stop()
	if rec.callCount("a") < 2 {
		t.Errorf("a locked plan was tried %d times, want it retried", rec.callCount("a"))
	}
}

func TestLocalDrainEndsBackoffWait(t *testing.T) {
	// A job waiting to retry is abandoned at once by the drain: the wait is
	// not work in flight.
	l := newTestLocal(t, 1)
	l.Retry.BackOff = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Hour) }
	failed := make(chan struct{}, 1)
	rec := newRecorder(func(context.Context, string, int) error { failed <- struct{}{}; return errBoom })
	if err := l.Enqueue(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	run := startRun(t, l, rec)
	<-failed
	if err := run.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := rec.callCount("a"); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

func TestLocalContract(t *testing.T) {
	l := newTestLocal(t, 1)
	for _, id := range []string{"", string(make([]byte, maxPlanID+1))} {
		if err := l.Enqueue(t.Context(), id); err == nil {
			t.Errorf("Enqueue(%d-byte id) = nil, want an error", len(id))
		}
	}
	run := startRun(t, l, newRecorder(nil))
	waitFor(t, "Run to start", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.ran
	})
	if err := l.Run(t.Context(), newRecorder(nil)); !errors.Is(err, ErrClosed) {
		t.Errorf("second Run = %v, want ErrClosed", err)
	}
	if err := run.stop(); err != nil {
		t.Fatal(err)
	}
	if err := l.Enqueue(t.Context(), "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Run returned = %v, want ErrClosed", err)
	}
}
