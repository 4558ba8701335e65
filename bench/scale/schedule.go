package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/strengthsync/strengthsync/bench/internal/benchkit"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/queue"
	"github.com/strengthsync/strengthsync/sync/redisstore"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/sqlite"
)

// fakeQueue takes what the scheduler enqueues; the simulation's workers
// sync it at once.
type fakeQueue struct {
	mu  stdsync.Mutex
	ids []string
}

func (q *fakeQueue) Enqueue(_ context.Context, id string) error {
	q.mu.Lock()
	q.ids = append(q.ids, id)
	q.mu.Unlock()
	return nil
}

func (q *fakeQueue) Depth(context.Context) (int, error) { return 0, nil }

func (q *fakeQueue) Lag(context.Context) (time.Duration, error) { return 0, nil }

func (q *fakeQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := q.ids
	q.ids = nil
	return ids
}

var _ queue.Queue = (*fakeQueue)(nil)

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// simulateScheduler runs the real Scheduler over n plans due every 15
// minutes, their times spread evenly, on a simulated clock ticking every
// 15 s, for two rounds. The fake queue's syncs finish at once (the store
// writes of a real sync are made, outside the measurement), so what is
// measured is the scheduler's own pass: CPU and wall time per tick against
// the tick, and how late each plan was enqueued.
func simulateScheduler(ctx context.Context, c config, work string) error {
	for _, name := range strings.Split(c.stores, ",") {
		var (
			store sync.Store
			extra func() time.Duration // the store server's CPU, if any
		)
		switch strings.TrimSpace(name) {
		case "sqlite":
			st, err := sqlite.Open(ctx, filepath.Join(work, "schedule.db"))
			if err != nil {
				return err
			}
			defer st.Close()
			store, extra = st, func() time.Duration { return 0 }
		case "redis":
			raddr, err := benchkit.FreeAddr()
			if err != nil {
				return err
			}
			host, port, _ := net.SplitHostPort(raddr)
			dir := filepath.Join(work, "schedule-redis")
			os.MkdirAll(dir, 0o700)
			rs, err := benchkit.Start("redis-server", dir, nil, c.redis, "--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", dir)
			if err != nil {
				return err
			}
			defer rs.Stop()
			var st *redisstore.Store
			for range 100 {
				if st, err = redisstore.Open(ctx, "redis://"+raddr+"/0"); err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			store, extra = st, rs.CPU
		default:
			return fmt.Errorf("--store %q: want redis or sqlite", name)
		}
		if err := simulate(ctx, store, extra, name, c.schedule); err != nil {
			return err
		}
	}
	return nil
}

func simulate(ctx context.Context, store sync.Store, storeCPU func() time.Duration, name string, n int) error {
	const every, tick = 15 * time.Minute, 15 * time.Second
	t0 := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	next := make([]time.Time, n)
	err := benchkit.Each(n, func(k int) error {
		next[k] = t0.Add(time.Duration(k) * every / time.Duration(n))
		p := &sync.PlanRecord{ID: fmt.Sprintf("sched%07d", k), ManageTokenHash: seal.HashToken(seal.NewToken()),
			FeedTokenHash: seal.HashToken(seal.NewToken()), Sources: []string{"https://example.com/cal.ics"},
			TimeZone: "Europe/London", Status: sync.StatusOK, NextSync: next[k], Created: t0, Updated: t0}
		return store.CreatePlan(ctx, p)
	})
	if err != nil {
		return err
	}
	var now atomic.Int64
	now.Store(t0.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	q := &fakeQueue{}
	s := &queue.Scheduler{Store: store, Queue: q, Now: clock, Tick: tick, Grace: time.Minute}
	var (
		cpus, walls []time.Duration
		enq         []int
		late        time.Duration
		total       int
	)
	for at := t0; at.Before(t0.Add(2 * every)); at = at.Add(tick) {
		now.Store(at.UnixNano())
		c0, s0, w0 := selfCPU(), storeCPU(), time.Now()
		got, err := s.EnqueueDue(ctx)
		if err != nil {
			return err
		}
		walls = append(walls, time.Since(w0))
		cpus = append(cpus, selfCPU()-c0+storeCPU()-s0)
		enq = append(enq, got)
		total += got
		// The syncs: each moves its plan on by 15 minutes, as the service
		// records it.
		for _, id := range q.take() {
			var k int
			fmt.Sscanf(id, "sched%07d", &k)
			late = max(late, at.Sub(next[k]))
			next[k] = at.Add(every)
			p, err := store.GetPlan(ctx, id)
			if err != nil {
				return err
			}
			p.NextSync, p.LastSync = next[k], at
			if err := store.UpdatePlan(ctx, p); err != nil {
				return err
			}
		}
	}
	behind := 0
	for _, t := range next {
		if t.Before(t0.Add(2*every - tick)) {
			behind++
		}
	}
	slices.Sort(cpus)
	slices.Sort(walls)
	fmt.Printf("### Scheduler alone, %s, %d plans every 15 minutes (simulated clock, fake queue)\n\n", name, n)
	fmt.Println("| ticks (15 s) | plans enqueued | per tick, mean / max | scheduler + store CPU per tick, mean / max | wall per tick, p50 / max | latest enqueue after due | plans left behind |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %d | %.0f / %d | %.1f / %.1f ms | %.1f / %.1f ms | %v | %d |\n\n", len(enq), total,
		float64(total)/float64(len(enq)), slices.Max(enq), ms(sum(cpus))/float64(len(cpus)), ms(cpus[len(cpus)-1]),
		ms(walls[len(walls)/2]), ms(walls[len(walls)-1]), late, behind)
	return nil
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
