// Package queue delivers "sync plan" jobs to workers and schedules them.
//
// There is one kind of job: sync the plan with this ID. Two queues carry it:
// Local, an in-process queue and worker pool for the embedded (SQLite) mode,
// and Redis, a stream with a consumer group that `serve` enqueues to and
// `worker` processes anywhere consume. The Scheduler enqueues the plans the
// store says are due.
//
// Delivery is at least once: a job may run twice (a worker dies after the
// sync but before the acknowledgement), so the handler must be idempotent,
// as the service's sync is. The queue never runs a sync itself and never
// touches plan records: the handler (the service) takes the plan's lock,
// records the outcome and the next sync time on the plan.
//
// The shape follows net/http: a Handler, a Run that serves until its context
// is cancelled and then drains the jobs in flight.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/strengthsync/strengthsync/sync"
)

// Handler processes one "sync plan" job. An error means retry later: the
// queue retries with backoff a few times (see Retry). Three errors are not
// retried that way: sync.ErrLocked (another sync of the plan holds its lock)
// makes the job wait and try again, so a request that arrived during that
// sync is not lost; sync.ErrNotFound (the plan was deleted) drops the job;
// a *sync.SyncError (a failure the service recorded on the plan, with its
// own next try) ends the job, so a failing source is fetched once per job
// and never holds a worker for more than one try.
//
// Sync is given a context that is not cancelled when Run starts draining, so
// a sync in flight completes; it is cancelled when the drain timeout ends,
// and Sync must then return promptly.
type Handler interface {
	Sync(ctx context.Context, planID string) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, planID string) error

// Sync calls f.
func (f HandlerFunc) Sync(ctx context.Context, planID string) error { return f(ctx, planID) }

// Queue delivers jobs.
type Queue interface {
	// Enqueue asks for a sync of the plan ("sync now"). A request for a plan
	// whose job is still waiting is coalesced with it; a request that
	// arrives while the plan's job is running is never lost, because that
	// sync may already have read old inputs.
	Enqueue(ctx context.Context, planID string) error
	// Depth counts jobs waiting plus jobs in flight, for /metrics.
	Depth(ctx context.Context) (int, error)
	// Lag is how long the oldest job waiting or in flight has been in the
	// queue; 0 when it is empty. For /metrics: a queue that grows old has
	// too few workers or stuck ones.
	Lag(ctx context.Context) (time.Duration, error)
}

// Runner runs jobs until its context is cancelled, then drains.
type Runner interface {
	Run(ctx context.Context, h Handler) error
}

var (
	_ Queue  = (*Local)(nil)
	_ Runner = (*Local)(nil)
	_ Queue  = (*Redis)(nil)
	_ Runner = (*Redis)(nil)
)

// ErrClosed is returned by Local.Enqueue after its Run has returned, and by
// a second Run.
var ErrClosed = errors.New("queue: closed")

// Defaults shared by both queues.
const (
	DefaultDrainTimeout = 30 * time.Second
	DefaultAttempts     = 3
	// DefaultLocked outlasts the service's 5-minute lock lease, so a job
	// whose plan is held by a crashed worker runs once that lease expires.
	DefaultLocked = 6 * time.Minute
)

// maxPlanID bounds a plan ID; IDs go into Redis keys and log lines.
const maxPlanID = 256

func checkPlanID(id string) error {
	if id == "" || len(id) > maxPlanID {
		return fmt.Errorf("queue: plan id must be 1 to %d bytes, got %d", maxPlanID, len(id))
	}
	return nil
}

// Retry says how a job is tried again. The zero value uses the defaults.
type Retry struct {
	// Attempts bounds the tries of a job whose handler keeps failing, the
	// first included [3]. Few are needed: the service records each failure
	// on the plan and schedules its next try itself.
	Attempts int
	// BackOff makes the waits between tries; it is called once per job
	// [exponential from 1s, ×2, ±50% jitter, at most 30s]. Tests inject
	// backoff.ZeroBackOff.
	BackOff func() backoff.BackOff
	// Locked bounds how long a job keeps waiting for a plan whose lock
	// another sync holds (the waits follow BackOff) [6m].
	Locked time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultAttempts
	}
	if r.BackOff == nil {
		r.BackOff = func() backoff.BackOff {
			return &backoff.ExponentialBackOff{
				InitialInterval:     time.Second,
				RandomizationFactor: 0.5,
				Multiplier:          2,
				MaxInterval:         30 * time.Second,
			}
		}
	}
	if r.Locked <= 0 {
		r.Locked = DefaultLocked
	}
	return r
}

// outcome is how a job ended, which decides whether Redis acknowledges it.
type outcome int

const (
	// done: the handler succeeded, or the job is moot (plan deleted).
	done outcome = iota
	// failed: the handler kept failing and the tries ran out; the plan
	// holds the last error and its next sync time, so the job is dropped.
	failed
	// abandoned: the drain began during a wait, or the drain timeout
	// cancelled the handler. The job did not finish and may run again.
	abandoned
)

// runner runs one job with retries; shared by both queues.
type runner struct {
	h     Handler
	retry Retry
	log   *slog.Logger
}

// run tries the job until it succeeds, is moot, runs out of tries, or is
// abandoned. jobCtx is what the handler gets; drain closes when Run starts
// draining, which ends waits between tries but not a try in progress.
//
// wait, when not nil, does the waits for a locked plan in place of a plain
// sleep: a queue whose other workers could take jobs meanwhile gives up
// its worker there (Redis), so one plan never holds two. It reports false
// when the drain began.
func (r runner) run(jobCtx context.Context, drain <-chan struct{}, planID string, wait func(time.Duration) bool) outcome {
	b := r.retry.BackOff()
	b.Reset()
	var started time.Time // of the first locked try
	attempts := 0
	for {
		err := r.call(jobCtx, planID)
		switch {
		case err == nil:
			return done
		case jobCtx.Err() != nil:
			r.log.Warn("job cancelled by the drain timeout", slog.String("plan_id", planID), slog.Any("error", err))
			return abandoned
		case errors.Is(err, sync.ErrNotFound):
			r.log.Info("job dropped: plan not found", slog.String("plan_id", planID))
			return done
		case errors.As(err, new(*sync.SyncError)):
			// Recorded on the plan with its next try: the schedule retries.
			r.log.Debug("job ended: the sync failed and was recorded", slog.String("plan_id", planID), slog.Any("error", err))
			return failed
		case errors.Is(err, sync.ErrLocked):
			// Another sync holds the plan. It may have read the inputs
			// before this request was made, so wait and run again rather
			// than drop the request.
			if started.IsZero() {
				started = time.Now()
			}
			if time.Since(started) >= r.retry.Locked {
				r.log.Warn("job dropped: plan stayed locked", slog.String("plan_id", planID),
					slog.Duration("waited", time.Since(started)))
				return failed
			}
		default:
			attempts++
			if attempts >= r.retry.Attempts {
				r.log.Warn("job failed", slog.String("plan_id", planID), slog.Int("attempts", attempts), slog.Any("error", err))
				return failed
			}
			r.log.Debug("job will retry", slog.String("plan_id", planID), slog.Int("attempt", attempts), slog.Any("error", err))
		}
		d := b.NextBackOff()
		if d == backoff.Stop {
			r.log.Warn("job failed: backoff gave up", slog.String("plan_id", planID), slog.Any("error", err))
			return failed
		}
		waited := false
		if errors.Is(err, sync.ErrLocked) && wait != nil {
			waited = wait(d)
		} else {
			waited = sleep(drain, d)
		}
		if !waited {
			return abandoned
		}
	}
}

// call runs the handler, turning a panic into an error so one bad job cannot
// take the worker down.
func (r runner) call(ctx context.Context, planID string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("handler panicked", slog.String("plan_id", planID), slog.Any("panic", v),
				slog.String("stack", string(debug.Stack())))
			err = fmt.Errorf("queue: handler panicked: %v", v)
		}
	}()
	return r.h.Sync(ctx, planID)
}

// sleep waits for d, or returns false if stop closes first.
func sleep(stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// discard is the logger used when none is given.
func discard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
