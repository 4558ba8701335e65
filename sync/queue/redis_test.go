package queue

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/redis/go-redis/v9"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// Every test here runs against a real redis-server (Debian's 7.0) on a free
// loopback port, started by storetest.StartRedis: skipped loudly when the
// binary is missing, and failed instead when CI=true.

const testQueueName = "test"

func testRedisOptions(t testing.TB) RedisOptions {
	return RedisOptions{
		Name:         testQueueName,
		Workers:      2,
		MinIdle:      time.Second,
		Block:        50 * time.Millisecond,
		DrainTimeout: 5 * time.Second,
		Retry:        fastRetry(),
		Log:          testLog(t),
	}
}

func newClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// newTestRedis returns a queue on its own client, as a separate process
// would have.
func newTestRedis(t testing.TB, addr string, edit func(*RedisOptions)) *Redis {
	o := testRedisOptions(t)
	if edit != nil {
		edit(&o)
	}
	return NewRedis(newClient(t, addr), o)
}

func depth(t testing.TB, q Queue) int {
	t.Helper()
	n, err := q.Depth(context.Background())
	if err != nil {
		t.Fatalf("Depth: %v", err)
	}
	return n
}

func enqueue(t testing.TB, q Queue, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := q.Enqueue(context.Background(), id); err != nil {
			t.Fatalf("Enqueue(%s): %v", id, err)
		}
	}
}

// consumers lists the group's consumers.
func consumers(t testing.TB, c redis.UniversalClient) []redis.XInfoConsumer {
	t.Helper()
	cs, err := c.XInfoConsumers(context.Background(), "{"+testQueueName+"}:stream", "workers").Result()
	if err != nil {
		t.Fatalf("XINFO CONSUMERS: %v", err)
	}
	return cs
}

func TestRedisStandalone(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	basicFlow(t, func() redis.UniversalClient { return newClient(t, srv.Addr) })
}

func TestRedisCluster(t *testing.T) {
	// One node holding every slot: a script or transaction touching keys
	// of two slots fails with CROSSSLOT, as on a real cluster.
	srv := storetest.StartRedis(t, storetest.RedisOptions{Cluster: true})
	basicFlow(t, func() redis.UniversalClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr}})
		t.Cleanup(func() { c.Close() })
		return c
	})
}

// basicFlow exercises every script and command of the queue: enqueue with
// coalescing, depth, run, acknowledge, leave the group on a clean exit, and
// take over a job abandoned by a worker whose drain timed out.
func basicFlow(t *testing.T, client func() redis.UniversalClient) {
	c := client()
	q := NewRedis(c, testRedisOptions(t))
	enqueue(t, q, "a", "a", "b", "a")
	if got := depth(t, q); got != 2 {
		t.Fatalf("Depth after a, a, b, a = %d, want 2 (coalesced)", got)
	}
	rec := newRecorder(nil)
	run := startRun(t, q, rec)
	waitFor(t, "a and b", func() bool { return rec.okCount("a") == 1 && rec.okCount("b") == 1 })
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	if err := run.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if calls, _, _, _ := rec.snapshot(); calls["a"] != 1 || calls["b"] != 1 {
		t.Errorf("calls = %v, want one each", calls)
	}
	if cs := consumers(t, c); len(cs) != 0 {
		t.Errorf("consumers after a clean exit = %v, want none", cs)
	}

	// A worker whose drain times out leaves its job pending; another takes
	// it over after MinIdle and finishes it.
	stuck := NewRedis(client(), func() RedisOptions {
		o := testRedisOptions(t)
		o.DrainTimeout = 50 * time.Millisecond
		return o
	}())
	inJob := make(chan struct{})
	run = startRun(t, stuck, HandlerFunc(func(ctx context.Context, _ string) error {
		close(inJob)
		<-ctx.Done()
		return ctx.Err()
	}))
	enqueue(t, q, "c")
	<-inJob
	if err := run.stop(); err == nil {
		t.Error("Run whose drain timed out = nil, want an error")
	}
	if got := depth(t, q); got != 1 {
		t.Fatalf("Depth after an abandoned job = %d, want 1", got)
	}
	rec = newRecorder(nil)
	run = startRun(t, NewRedis(client(), testRedisOptions(t)), rec)
	waitFor(t, "the abandoned job to be taken over", func() bool { return rec.okCount("c") == 1 })
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	run.stop()
}

func TestRedisBadName(t *testing.T) {
	q := NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), RedisOptions{Name: "a{b}"})
	if err := q.Enqueue(t.Context(), "a"); err == nil {
		t.Error("Enqueue with a braced name = nil, want an error")
	}
	if err := q.Run(t.Context(), newRecorder(nil)); err == nil {
		t.Error("Run with a braced name = nil, want an error")
	}
	if _, err := q.Depth(t.Context()); err == nil {
		t.Error("Depth with a braced name = nil, want an error")
	}
}

func TestRedisDepthCountsJobsInFlight(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) { o.Workers = 1 })
	inA, release := make(chan struct{}), make(chan struct{})
	rec := newRecorder(func(ctx context.Context, id string, _ int) error {
		if id == "a" {
			close(inA)
			if err := wait(ctx, release); err != nil {
				return err
			}
		}
		return nil
	})
	enqueue(t, q, "a", "b", "c", "c")
	if got := depth(t, q); got != 3 {
		t.Fatalf("Depth before Run = %d, want 3", got)
	}
	run := startRun(t, q, rec)
	<-inA
	if got := depth(t, q); got != 3 {
		t.Errorf("Depth with a in flight = %d, want 3 (1 in flight + 2 waiting)", got)
	}
	close(release)
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	run.stop()
	if _, ok, _, _ := rec.snapshot(); ok["a"] != 1 || ok["b"] != 1 || ok["c"] != 1 {
		t.Errorf("successes = %v, want one each", ok)
	}
}

func TestRedisRequestDuringSyncIsNotLost(t *testing.T) {
	// The coalescing key is cleared when a job is taken, so a request made
	// during the sync adds a job. Another slot takes it at once, finds the
	// plan locked (as the service's SyncPlan would), and waits for the lock
	// instead of dropping the request.
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	store := openStore(t)
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) {
		o.Retry.BackOff = func() backoff.BackOff { return backoff.NewConstantBackOff(5 * time.Millisecond) }
	})
	inFirst, release := make(chan struct{}), make(chan struct{})
	var lockedTries atomic.Int32
	rec := newRecorder(func(ctx context.Context, _ string, call int) error {
		if call == 1 {
			close(inFirst)
			if err := wait(ctx, release); err != nil {
				return err
			}
		}
		return nil
	})
	h := HandlerFunc(func(ctx context.Context, id string) error {
		err := lockedSync(store, rec.Sync)(ctx, id)
		if err != nil {
			lockedTries.Add(1)
		}
		return err
	})
	run := startRun(t, q, h)
	enqueue(t, q, "a")
	<-inFirst
	enqueue(t, q, "a")
	if got := depth(t, q); got != 2 {
		t.Errorf("Depth = %d, want 2 (the sync in flight and the new request)", got)
	}
	waitFor(t, "the second job to find the plan locked", func() bool { return lockedTries.Load() > 0 })
	close(release)
	waitFor(t, "the requested sync", func() bool { return rec.okCount("a") == 2 })
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	run.stop()
	if _, _, overlaps, _ := rec.snapshot(); overlaps != 0 {
		t.Errorf("%d overlapping syncs", overlaps)
	}
}

func TestRedisTwoConsumersShareTheWork(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	store := openStore(t)
	ids := planIDs(8)

	// seq orders requests and sync starts, so the test can check that
	// every request was followed by a sync that started after it.
	var seq atomic.Int64
	var mu stdsync.Mutex
	lastAsked, lastStarted := map[string]int64{}, map[string]int64{}
	rec := newRecorder(func(_ context.Context, id string, _ int) error {
		mu.Lock()
		lastStarted[id] = seq.Add(1)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // let requests land during syncs
		return nil
	})
	ask := func(q Queue, id string) {
		mu.Lock()
		lastAsked[id] = seq.Add(1)
		mu.Unlock()
		enqueue(t, q, id)
	}

	// Each consumer's first job waits until the other has one too: with one
	// slot each, that proves both take work.
	first := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	handler := func(k int) Handler {
		var once stdsync.Once
		locked := lockedSync(store, rec.Sync)
		return HandlerFunc(func(ctx context.Context, id string) error {
			once.Do(func() { close(first[k]) })
			select {
			case <-first[1-k]:
			case <-ctx.Done():
				return ctx.Err()
			}
			return locked(ctx, id)
		})
	}
	edit := func(o *RedisOptions) {
		o.Workers = 1
		o.Retry.BackOff = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Millisecond) }
	}
	q1, q2 := newTestRedis(t, srv.Addr, edit), newTestRedis(t, srv.Addr, edit)
	for _, id := range ids {
		ask(q1, id)
	}
	run1, run2 := startRun(t, q1, handler(0)), startRun(t, q2, handler(1))
	for round := range 3 {
		for i, id := range ids {
			ask([]Queue{q1, q2}[(i+round)%2], id)
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(t, "every request to be served", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if lastStarted[id] < lastAsked[id] {
				return false
			}
		}
		return depth(t, q1) == 0
	})
	if err := run1.stop(); err != nil {
		t.Error(err)
	}
	if err := run2.stop(); err != nil {
		t.Error(err)
	}
	calls, ok, overlaps, _ := rec.snapshot()
	if overlaps != 0 {
		t.Errorf("%d overlapping syncs of one plan", overlaps)
	}
	total := 0
	for _, id := range ids {
		total += ok[id]
	}
	t.Logf("%d requests over %d plans: %d syncs (calls %v)", 4*len(ids), len(ids), total, calls)
}

// TestRedisWorkerProcess is not a test: it is the worker that
// TestRedisTakeOverFromKilledWorker starts and kills.
func TestRedisWorkerProcess(t *testing.T) {
	addr := os.Getenv("QUEUE_TEST_WORKER_ADDR")
	if addr == "" {
		t.Skip("helper process for TestRedisTakeOverFromKilledWorker")
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	q := NewRedis(c, RedisOptions{Name: testQueueName, Consumer: "doomed", MinIdle: time.Second, Block: 50 * time.Millisecond})
	_ = q.Run(context.Background(), HandlerFunc(func(ctx context.Context, id string) error {
		c.Set(ctx, "started:"+id, "1", 0)
		select {} // mid-sync when SIGKILL comes
	}))
}

func TestRedisTakeOverFromKilledWorker(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	c := newClient(t, srv.Addr)
	stream := "{" + testQueueName + "}:stream"

	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestRedisWorkerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "QUEUE_TEST_WORKER_ADDR="+srv.Addr)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })

	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) { o.ForgetIdle = 1500 * time.Millisecond })
	enqueue(t, q, "p1")
	waitFor(t, "the worker process to start the sync", func() bool {
		return c.Exists(t.Context(), "started:p1").Val() == 1
	})
	// Past a heartbeat or two, the job must still be the doomed worker's.
	pending, err := c.XPendingExt(t.Context(), &redis.XPendingExtArgs{Stream: stream, Group: "workers", Start: "-", End: "+", Count: 10}).Result()
	if err != nil || len(pending) != 1 || !strings.HasPrefix(pending[0].Consumer, "doomed-") {
		t.Fatalf("pending before the kill = %+v, %v; want p1's job on the doomed worker", pending, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited

	var takenBy atomic.Value
	rec := newRecorder(func(ctx context.Context, id string, _ int) error {
		p, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: "workers", Start: "-", End: "+", Count: 10}).Result()
		if err == nil && len(p) == 1 {
			takenBy.Store(fmt.Sprintf("%s after %d deliveries", p[0].Consumer, p[0].RetryCount))
		}
		return nil
	})
	run := startRun(t, q, rec)
	waitFor(t, "another worker to finish the job", func() bool { return rec.okCount("p1") == 1 })
	waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
	if got, _ := takenBy.Load().(string); strings.HasPrefix(got, "doomed-") || !strings.HasSuffix(got, "after 2 deliveries") {
		t.Errorf("job ran as %q, want claimed by the survivor on its second delivery", got)
	}
	waitFor(t, "the dead consumer to be forgotten", func() bool {
		for _, c := range consumers(t, c) {
			if strings.HasPrefix(c.Name, "doomed-") {
				return false
			}
		}
		return true
	})
	if err := run.stop(); err != nil {
		t.Error(err)
	}
	if t.Failed() {
		t.Logf("worker process output:\n%s", out.String())
	}
}

func TestRedisRestart(t *testing.T) {
	t.Run("persistent", func(t *testing.T) {
		// With an append-only file, a restart (even a crash) keeps jobs
		// waiting, jobs in flight and the group: nothing is lost.
		srv := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
		q := newTestRedis(t, srv.Addr, nil)
		enqueue(t, q, "before-1", "before-2")
		srv.Restart(t, true)
		if got := depth(t, q); got != 2 {
			t.Fatalf("Depth after a restart = %d, want 2", got)
		}

		restarted := make(chan struct{})
		inFlight := make(chan struct{})
		rec := newRecorder(func(ctx context.Context, id string, call int) error {
			if id == "in-flight" && call == 1 {
				close(inFlight)
				if err := wait(ctx, restarted); err != nil {
					return err
				}
			}
			return nil
		})
		run := startRun(t, q, rec)
		waitFor(t, "the jobs enqueued before the restart", func() bool {
			return rec.okCount("before-1") == 1 && rec.okCount("before-2") == 1
		})
		enqueue(t, q, "in-flight")
		<-inFlight
		srv.Restart(t, true) // mid-run, with a job in flight
		close(restarted)
		enqueue(t, q, "after-1", "after-2")
		waitFor(t, "every job", func() bool {
			_, ok, _, _ := rec.snapshot()
			return ok["in-flight"] >= 1 && ok["after-1"] == 1 && ok["after-2"] == 1 && depth(t, q) == 0
		})
		if err := run.stop(); err != nil {
			t.Error(err)
		}
	})
	t.Run("data lost", func(t *testing.T) {
		// Without persistence the stream and the group vanish; the worker
		// must recreate the group and carry on with new jobs. (What was
		// waiting is gone; the scheduler enqueues due plans again.)
		srv := storetest.StartRedis(t, storetest.RedisOptions{})
		q := newTestRedis(t, srv.Addr, nil)
		rec := newRecorder(nil)
		run := startRun(t, q, rec)
		enqueue(t, q, "a")
		waitFor(t, "a", func() bool { return rec.okCount("a") == 1 })
		srv.Restart(t, true)
		enqueue(t, q, "b") // creates the stream, but no group
		waitFor(t, "b after the group was recreated", func() bool { return rec.okCount("b") == 1 })
		waitFor(t, "the stream to empty", func() bool { return depth(t, q) == 0 })
		if err := run.stop(); err != nil {
			t.Error(err)
		}
	})
}

func TestRedisDrainFinishesJobInFlight(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	q := newTestRedis(t, srv.Addr, nil)
	runCtx, cancel := context.WithCancel(context.Background())
	inJob := make(chan struct{})
	var finished atomic.Bool
	var jobErr atomic.Value
	h := HandlerFunc(func(ctx context.Context, _ string) error {
		close(inJob)
		<-runCtx.Done()
		// Longer than Run takes to notice the cancellation (Block), so a
		// Run that did not wait would return first.
		time.Sleep(200 * time.Millisecond)
		jobErr.Store(fmt.Sprint(ctx.Err()))
		finished.Store(true)
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- q.Run(runCtx, h) }()
	enqueue(t, q, "a")
	<-inJob
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after a clean drain: %v", err)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the job in flight finished")
	}
	if got := jobErr.Load(); got != "<nil>" {
		t.Errorf("job context during the drain: %v, want not cancelled", got)
	}
	if got := depth(t, q); got != 0 {
		t.Errorf("Depth after the drain = %d, want 0 (acknowledged)", got)
	}
}

// A job whose plan another sync holds (a request made during that sync, or
// a redelivered job) waits for the lock without its worker: with one worker,
// the other plans' jobs run meanwhile, and one plan never holds two.
func TestRedisLockedJobFreesItsWorker(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) {
		o.Workers = 1
		o.Retry.BackOff = func() backoff.BackOff { return backoff.NewConstantBackOff(5 * time.Millisecond) }
	})
	var released atomic.Bool
	rec := newRecorder(func(_ context.Context, plan string, _ int) error {
		if plan == "held" && !released.Load() {
			return fmt.Errorf("lock: %w", sync.ErrLocked)
		}
		return nil
	})
	run := startRun(t, q, rec)
	enqueue(t, q, "held")
	waitFor(t, "the held plan to be tried", func() bool { return rec.callCount("held") >= 2 })
	enqueue(t, q, "other")
	waitFor(t, "the other plan to sync while the held one waits", func() bool { return rec.okCount("other") == 1 })
	if rec.okCount("held") != 0 {
		t.Fatal("the held plan synced before its lock was released")
	}
	released.Store(true)
	waitFor(t, "the held plan to sync once released", func() bool { return rec.okCount("held") == 1 && depth(t, q) == 0 })
	run.stop()
	if _, _, overlaps, _ := rec.snapshot(); overlaps != 0 {
		t.Errorf("%d overlapping syncs of one plan", overlaps)
	}
}

func TestRedisRetries(t *testing.T) {
	tests := []struct {
		name      string
		fn        func(call int) error
		wantCalls int
	}{
		{"fails twice then succeeds", func(c int) error {
			if c <= 2 {
				return errBoom
			}
			return nil
		}, 3},
		{"always fails: three tries, then dropped", func(int) error { return errBoom }, 3},
		{"panics: recovered", func(c int) error {
			if c == 1 {
				panic("bad calendar")
			}
			return nil
		}, 2},
	}
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newClient(t, srv.Addr).FlushAll(t.Context())
			q := newTestRedis(t, srv.Addr, nil)
			rec := newRecorder(func(_ context.Context, _ string, call int) error { return tt.fn(call) })
			run := startRun(t, q, rec)
			enqueue(t, q, "a")
			waitFor(t, "the job to end", func() bool { return rec.callCount("a") >= tt.wantCalls && depth(t, q) == 0 })
			run.stop()
			if got := rec.callCount("a"); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestRedisDropsBadJobs(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	c := newClient(t, srv.Addr)
	ctx := t.Context()
	stream := "{" + testQueueName + "}:stream"
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) { o.MaxDeliveries = 2; o.MinIdle = 200 * time.Millisecond })

	// A job no worker can finish: delivered three times already, by
	// workers that died holding it.
	c.XGroupCreateMkStream(ctx, stream, "workers", "0")
	poison := c.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"plan", "poison"}}).Val()
	c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "ghost", Streams: []string{stream, ">"}, Count: 1, Block: -1})
	for range 2 {
		c.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: "workers", Consumer: "ghost", Messages: []string{poison}})
	}
	// An entry with no plan in it.
	c.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"what", "ever"}})
	enqueue(t, q, "good")

	rec := newRecorder(nil)
	run := startRun(t, q, rec)
	waitFor(t, "the good job and the stream to empty", func() bool { return rec.okCount("good") == 1 && depth(t, q) == 0 })
	run.stop()
	if calls, _, _, _ := rec.snapshot(); len(calls) != 1 {
		t.Errorf("handler calls = %v, want only the good job", calls)
	}
}

func TestRedisLongSyncIsNotTakenOver(t *testing.T) {
	// A live worker refreshes its jobs, so a sync that runs for several
	// MinIdle is not taken over by another live worker.
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	edit := func(o *RedisOptions) { o.MinIdle = time.Second; o.Workers = 1 }
	q1, q2 := newTestRedis(t, srv.Addr, edit), newTestRedis(t, srv.Addr, edit)
	inLong := make(chan struct{})
	rec1 := newRecorder(func(context.Context, string, int) error {
		close(inLong)
		time.Sleep(3 * time.Second) // three times MinIdle
		return nil
	})
	rec2 := newRecorder(nil)
	run1 := startRun(t, q1, rec1)
	enqueue(t, q1, "long")
	<-inLong
	run2 := startRun(t, q2, rec2)
	waitFor(t, "the long sync", func() bool { return rec1.okCount("long") == 1 && depth(t, q1) == 0 })
	run1.stop()
	run2.stop()
	if got := rec2.callCount("long"); got != 0 {
		t.Errorf("the other worker ran the long sync %d times, want 0", got)
	}
}

func TestRedisClaimWalksPastLiveJobs(t *testing.T) {
	// One XAUTOCLAIM call looks at ten entries per job asked for; a dead
	// worker's job behind many live ones must still be found.
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	c := newClient(t, srv.Addr)
	ctx := t.Context()
	stream := "{" + testQueueName + "}:stream"
	c.XGroupCreateMkStream(ctx, stream, "workers", "0")
	var live []string
	for i := range 35 {
		live = append(live, c.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"plan", fmt.Sprintf("live-%d", i)}}).Val())
	}
	c.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"plan", "dead"}})
	c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "elsewhere", Streams: []string{stream, ">"}, Block: -1})
	time.Sleep(time.Second)
	// The live worker's heartbeat; the dead one's job stays idle.
	c.XClaimJustID(ctx, &redis.XClaimArgs{Stream: stream, Group: "workers", Consumer: "elsewhere", Messages: live})

	// One claim pass, by hand, right away: the dead job has been idle a
	// second, the live ones an instant.
	q := newTestRedis(t, srv.Addr, func(o *RedisOptions) { o.MinIdle = 500 * time.Millisecond })
	w := &redisWorker{q: q, consumer: "survivor", cursor: "0-0", log: testLog(t)}
	msgs, err := w.claim(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Values["plan"] != "dead" {
		t.Errorf("claimed %v, want the dead worker's job", msgs)
	}
}
