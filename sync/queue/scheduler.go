package queue

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	stdsync "sync"
	"time"

	"github.com/strengthsync/strengthsync/sync"
)

// Scheduler enqueues the plans that are due. The schedule itself lives in
// the store (PlanRecord.NextSync, which each sync moves on), so a restarted
// scheduler or a Redis that lost its data misses nothing: whatever is due
// is found on the next tick. Several schedulers may run against one queue;
// the queue coalesces their requests.
type Scheduler struct {
	Store sync.Store
	Queue Queue
	// Tick is the time between looks at the store [15s].
	Tick time.Duration
	// Now is the clock that decides what is due [time.Now].
	Now func() time.Time
	// Log receives errors from the store or the queue [discarded].
	Log *slog.Logger
	// Batch is how many due plans one read of the store asks for [1000];
	// a pass reads on, with a doubled size, until it has them all. There
	// is no cap per tick: a cap would put a ceiling on how many plans the
	// service can keep on schedule (1,000 per 15 s tick is 60,000 per
	// quarter hour), and a plan left out only waits, still due.
	Batch int
	// Grace stops the scheduler from asking again for a plan it asked for
	// less than Grace ago. A plan stays due until its sync records the next
	// time, and a request made while that sync runs would make it run
	// twice. Keep it under the service's sync interval [1m].
	Grace time.Duration

	mu   stdsync.Mutex
	sent map[string]time.Time // plan ID → when it was last enqueued
}

// Run enqueues due plans now and then every Tick until ctx is cancelled, and
// returns nil then. Errors are logged and retried on the next tick.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := s.Tick
	if tick <= 0 {
		tick = 15 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if n, err := s.EnqueueDue(ctx); err != nil && ctx.Err() == nil {
			s.logger().Warn("scheduling due plans failed", slog.Int("enqueued", n), slog.Any("error", err))
		} else if n > 0 {
			s.logger().Debug("enqueued due plans", slog.Int("enqueued", n))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// EnqueueDue makes one pass: it enqueues every plan due at Now, earliest
// first, except those enqueued within Grace, and returns how many it
// enqueued. It stops at the first error, since the queue is then
// most likely down.
func (s *Scheduler) EnqueueDue(ctx context.Context) (int, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 1000
	}
	grace := s.Grace
	if grace <= 0 {
		grace = time.Minute
	}
	t := now()
	// Plans enqueued within Grace stay due until their syncs end, so they
	// come first in every read: read until a read comes back short.
	// Doubling keeps the rows read under twice the due plans.
	var ids []string
	for limit := batch; ; limit *= 2 {
		var err error
		if ids, err = s.Store.DuePlans(ctx, t, limit); err != nil {
			return 0, fmt.Errorf("queue: due plans: %w", err)
		}
		if len(ids) < limit || limit > math.MaxInt32/2 {
			break
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = make(map[string]time.Time)
	}
	for id, at := range s.sent {
		if t.Sub(at) >= grace || t.Before(at) {
			delete(s.sent, id)
		}
	}
	n := 0
	for _, id := range ids {
		if _, recent := s.sent[id]; recent {
			continue
		}
		if err := s.Queue.Enqueue(ctx, id); err != nil {
			return n, fmt.Errorf("schedule plan %s: %w", id, err)
		}
		s.sent[id] = t
		n++
	}
	return n, nil
}

func (s *Scheduler) logger() *slog.Logger { return discard(s.Log) }
