package queue

import (
	"context"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/storetest"
)

func lag(t *testing.T, q Queue) time.Duration {
	t.Helper()
	d, err := q.Lag(t.Context())
	if err != nil {
		t.Fatalf("Lag: %v", err)
	}
	return d
}

// TestLocalLag: the lag is the age of the oldest request still to be
// served, waiting or in flight, and 0 once the queue is empty.
func TestLocalLag(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	var mu stdsync.Mutex
	now := t0
	at := func(d time.Duration) { mu.Lock(); now = t0.Add(d); mu.Unlock() }
	l := newTestLocal(t, 1)
	l.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }

	if got := lag(t, l); got != 0 {
		t.Errorf("empty: Lag = %v, want 0", got)
	}
	enqueue(t, l, "a")
	at(time.Minute)
	enqueue(t, l, "b")
	at(3 * time.Minute)
	if got := lag(t, l); got != 3*time.Minute {
		t.Errorf("a waiting since t0: Lag = %v, want 3m", got)
	}
	inA, release := make(chan struct{}), make(chan struct{})
	run := startRun(t, l, newRecorder(func(ctx context.Context, id string, call int) error {
		if id == "a" && call == 1 {
			close(inA)
			return wait(ctx, release)
		}
		return nil
	}))
	<-inA
	if got := lag(t, l); got != 3*time.Minute {
		t.Errorf("a in flight since t0: Lag = %v, want 3m", got)
	}
	close(release)
	waitFor(t, "the queue to empty", func() bool { return depth(t, l) == 0 })
	if got := lag(t, l); got != 0 {
		t.Errorf("drained: Lag = %v, want 0", got)
	}
	run.stop()
}

// TestRedisLag: the lag is the age of the stream's first entry, by the
// entry ID Redis stamped.
func TestRedisLag(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	const ahead = time.Hour
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) {
		o.Now = func() time.Time { return time.Now().Add(ahead) }
	})
	if got := lag(t, q); got != 0 {
		t.Errorf("empty: Lag = %v, want 0", got)
	}
	enqueue(t, q, "a", "b")
	// The clock runs an hour ahead of Redis's: the entry is an hour old,
	// plus however long the test took to get here.
	if got := lag(t, q); got < ahead || got > ahead+time.Minute {
		t.Errorf("a waiting: Lag = %v, want about %v", got, ahead)
	}
	run := startRun(t, q, newRecorder(nil))
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	run.stop()
	if got := lag(t, q); got != 0 {
		t.Errorf("drained: Lag = %v, want 0", got)
	}
	if _, err := newTestRedis(t, srv.Addr, func(o *RedisOptions) { o.Name = "{bad}" }).Lag(context.Background()); err == nil {
		t.Error("Lag of a queue with a bad name: no error")
	}
}
