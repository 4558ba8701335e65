package queue

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/storetest"
)

// Throughput of the queue itself, with a handler that does nothing:
//
//	go test -run '^$' -bench . ./sync/queue/

func BenchmarkRedisEnqueue(b *testing.B) {
	srv := storetest.StartRedis(b, storetest.RedisOptions{})
	q := newTestRedis(b, srv.Addr, nil)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if err := q.Enqueue(ctx, fmt.Sprintf("plan-%d", i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

func BenchmarkRedisJobs(b *testing.B) {
	for _, workers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			srv := storetest.StartRedis(b, storetest.RedisOptions{})
			q := newTestRedis(b, srv.Addr, func(o *RedisOptions) {
				o.Workers = workers
				o.Log = nil
			})
			benchJobs(b, q)
		})
	}
}

func BenchmarkLocalJobs(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchJobs(b, NewLocal(workers, nil))
		})
	}
}

// benchJobs enqueues b.N plans, then runs them all; jobs/s is the rate
// from the start of Run to the last job done.
func benchJobs(b *testing.B, q interface {
	Queue
	Runner
}) {
	var done atomic.Int64
	h := HandlerFunc(func(context.Context, string) error { done.Add(1); return nil })
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := q.Enqueue(ctx, fmt.Sprintf("plan-%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	finished := make(chan error, 1)
	go func() { finished <- q.Run(runCtx, h) }()
	for done.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-finished; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}
