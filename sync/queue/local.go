package queue

import (
	"context"
	"fmt"
	"log/slog"
	stdsync "sync"
	"time"
)

// Local is an in-process queue and worker pool, for the embedded (SQLite)
// mode where `serve` runs the worker itself.
//
// Jobs live in memory: those still waiting when Run returns are lost, which
// costs at most one sync interval, because the due times live in the store
// and the Scheduler enqueues those plans again after a restart.
//
// One plan is never run twice at once by a Local: a plan is either waiting,
// running, or running with another run requested. Enqueue coalesces a
// request with a waiting job; a request that arrives while the plan runs
// marks it to run once more afterwards, however many such requests arrive.
type Local struct {
	// DrainTimeout bounds how long Run waits for jobs in flight after its
	// context is cancelled; then their contexts are cancelled [30s].
	// Set it before Run.
	DrainTimeout time.Duration
	// Retry says how failing jobs are tried again. Set it before Run.
	Retry Retry
	// Now is the clock Lag reads [time.Now]. Set it before Enqueue.
	Now func() time.Time

	workers int
	log     *slog.Logger

	mu       stdsync.Mutex
	state    map[string]planState
	waiting  []string // FIFO of plans in stateWaiting
	inflight int      // plans in stateRunning or stateAgain
	// since is when the plan's oldest request still to be served was made:
	// that of its waiting or running job. again is when the first request
	// of a plan in stateAgain came, which becomes since when it runs again.
	since, again map[string]time.Time
	ran          bool // Run has been called
	closed       bool // Run has returned
	wake         chan struct{}
}

type planState int

const (
	stateWaiting planState = iota + 1
	stateRunning
	stateAgain // running, and asked to run once more
)

// NewLocal returns a Local that runs at most workers jobs at once (at least
// one). log may be nil.
func NewLocal(workers int, log *slog.Logger) *Local {
	return &Local{
		workers: max(workers, 1),
		log:     discard(log),
		state:   make(map[string]planState),
		since:   make(map[string]time.Time),
		again:   make(map[string]time.Time),
		wake:    make(chan struct{}, 1),
	}
}

// Enqueue asks for a sync of planID. It may be called before Run (the job
// waits for it) but not after Run has returned (ErrClosed).
func (l *Local) Enqueue(ctx context.Context, planID string) error {
	if err := checkPlanID(planID); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	switch l.state[planID] {
	case stateWaiting, stateAgain:
		// Coalesced: the job that will run has not read its inputs yet.
	case stateRunning:
		l.state[planID] = stateAgain
		l.again[planID] = l.now()
	default:
		l.state[planID] = stateWaiting
		l.since[planID] = l.now()
		l.waiting = append(l.waiting, planID)
		l.signal()
	}
	return nil
}

// Depth counts waiting jobs, jobs in flight, and the extra runs requested
// of plans in flight.
func (l *Local) Depth(ctx context.Context) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.waiting) + l.inflight
	for _, s := range l.state {
		if s == stateAgain {
			n++
		}
	}
	return n, nil
}

// Lag is how long the oldest job waiting or running has been asked for.
func (l *Local) Lag(ctx context.Context) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var oldest time.Time
	for _, t := range l.since {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	if oldest.IsZero() {
		return 0, nil
	}
	return max(l.now().Sub(oldest), 0), nil
}

func (l *Local) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// signal wakes the dispatcher; l.mu is held.
func (l *Local) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run runs jobs with h until ctx is cancelled. Then it takes no new jobs,
// waits for those in flight (their contexts are not cancelled) for up to
// DrainTimeout, cancels what is left, waits for it, and returns. It returns
// nil after a clean drain, an error if the drain timeout cancelled jobs, and
// ErrClosed if Run was called before.
func (l *Local) Run(ctx context.Context, h Handler) error {
	l.mu.Lock()
	if l.ran {
		l.mu.Unlock()
		return ErrClosed
	}
	l.ran = true
	l.mu.Unlock()

	r := runner{h: h, retry: l.Retry.withDefaults(), log: l.log}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg stdsync.WaitGroup
	for ctx.Err() == nil {
		l.mu.Lock()
		for l.inflight < l.workers && len(l.waiting) > 0 {
			id := l.waiting[0]
			l.waiting[0] = ""
			l.waiting = l.waiting[1:]
			l.state[id] = stateRunning
			l.inflight++
			wg.Go(func() { l.work(jobCtx, ctx.Done(), r, id) })
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-ctx.Done():
		}
	}

	l.mu.Lock()
	l.closed = true
	left := len(l.waiting)
	l.mu.Unlock()
	if left > 0 {
		l.log.Info("queue stopping with jobs waiting", slog.Int("waiting", left))
	}
	return drainWait(&wg, l.drainTimeout(), cancelJobs, l.log)
}

func (l *Local) drainTimeout() time.Duration {
	if l.DrainTimeout <= 0 {
		return DefaultDrainTimeout
	}
	return l.DrainTimeout
}

// work runs one plan's job and, if another run was asked for meanwhile,
// puts the plan back in line.
func (l *Local) work(jobCtx context.Context, drain <-chan struct{}, r runner, id string) {
	// A Local runs a plan once at a time, so a locked plan waits in its
	// worker: the lock is held outside this queue, briefly.
	r.run(jobCtx, drain, id, nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	if l.state[id] == stateAgain {
		l.state[id] = stateWaiting
		l.waiting = append(l.waiting, id)
		l.since[id] = l.again[id]
		delete(l.again, id)
	} else {
		delete(l.state, id)
		delete(l.since, id)
	}
	l.signal()
}

// drainWait waits for wg, cancelling the jobs once timeout has passed.
func drainWait(wg *stdsync.WaitGroup, timeout time.Duration, cancelJobs context.CancelFunc, log *slog.Logger) error {
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-finished:
		return nil
	case <-t.C:
	}
	log.Warn("drain timeout: cancelling jobs in flight", slog.Duration("timeout", timeout))
	cancelJobs()
	<-finished
	return fmt.Errorf("queue: drain timeout %v: jobs in flight were cancelled", timeout)
}
