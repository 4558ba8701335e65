package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/redis/go-redis/v9"
)

// RedisOptions configure a Redis queue. The zero value uses the defaults in
// brackets.
type RedisOptions struct {
	// Name names the queue's keys: the stream "{Name}:stream" and the
	// coalescing keys "{Name}:pending:<plan>". The braces make Name the
	// Redis Cluster hash tag, so every key of the queue sits in one slot and
	// its scripts are cluster-safe. It must not contain braces
	// ["strengthsync:queue"].
	Name string
	// Group is the consumer group every worker joins ["workers"].
	Group string
	// Consumer prefixes this process's consumer names; each Run adds a
	// random suffix [hostname-pid].
	Consumer string
	// Workers bounds the jobs one Run works on at once [4].
	Workers int
	// MinIdle is how long a delivered job may go without a sign of life
	// before another consumer takes it over: the time to recover a job
	// from a dead worker. Live workers refresh their jobs every MinIdle/4
	// [1m].
	MinIdle time.Duration
	// Block is how long one read waits for new jobs; it bounds how late Run
	// notices its context is cancelled [2s].
	Block time.Duration
	// MaxLen caps the stream (approximately). Jobs are deleted once done,
	// so the stream holds only waiting and unfinished jobs; past the cap
	// the oldest are dropped, and the Scheduler enqueues those plans again
	// when due [100000].
	MaxLen int64
	// PendingTTL bounds how long a waiting job coalesces further requests
	// for its plan; after it a request adds a second job [10m].
	PendingTTL time.Duration
	// MaxDeliveries drops a job delivered this many times without being
	// finished: a job that kills every worker that takes it [5].
	MaxDeliveries int64
	// ForgetIdle removes consumers that have nothing pending and have not
	// been seen for this long from the group: workers that died [1h].
	ForgetIdle time.Duration
	// DrainTimeout bounds how long Run waits for jobs in flight after its
	// context is cancelled [30s].
	DrainTimeout time.Duration
	// Retry says how failing jobs are tried again.
	Retry Retry
	// Log receives the queue's logs [discarded].
	Log *slog.Logger
	// Now is the clock Lag compares the oldest job's entry ID (Redis's
	// clock, in ms) with [time.Now].
	Now func() time.Time
}

func (o RedisOptions) withDefaults() RedisOptions {
	if o.Name == "" {
		o.Name = "strengthsync:queue"
	}
	if o.Group == "" {
		o.Group = "workers"
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MinIdle <= 0 {
		o.MinIdle = time.Minute
	}
	if o.Block <= 0 {
		o.Block = 2 * time.Second
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 100_000
	}
	if o.PendingTTL <= 0 {
		o.PendingTTL = 10 * time.Minute
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 5
	}
	if o.ForgetIdle <= 0 {
		o.ForgetIdle = time.Hour
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	o.Retry = o.Retry.withDefaults()
	return o
}

// Redis is a job queue on one Redis stream read through a consumer group.
// `serve` enqueues; any number of worker processes Run.
//
// Delivery is at least once. A job is acknowledged (and deleted from the
// stream) only after its handler returns. A worker that dies mid-job leaves
// it pending; after MinIdle another worker claims it (XAUTOCLAIM) and runs
// it. Live workers refresh the idle time of their jobs, so a long sync is
// not taken over.
//
// Coalescing: Enqueue adds a job only if the plan has no job waiting, kept
// in "{Name}:pending:<plan>" holding the waiting job's entry ID. A worker
// clears it when it takes that job, before the sync starts, so a request
// made during the sync adds a new job; if another worker takes that job
// while the first sync holds the plan's lock, the handler answers
// sync.ErrLocked and the job waits for the lock rather than being dropped.
//
// After a Redis restart the client reconnects and Run recreates the group
// when it is missing. With persistence on, waiting and pending jobs survive;
// without it they are lost, but no plan misses its schedule as long as the
// store kept its plans: due times live there, and the Scheduler enqueues
// due plans again.
type Redis struct {
	c      redis.UniversalClient
	o      RedisOptions
	log    *slog.Logger
	stream string
	err    error // a bad option, reported by every method
}

// NewRedis returns a queue on client. Several may share one Redis, and
// their Runs share the work.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	o := opts.withDefaults()
	q := &Redis{c: client, o: o, log: discard(o.Log), stream: "{" + o.Name + "}:stream"}
	if strings.ContainsAny(o.Name, "{}") {
		q.err = fmt.Errorf("queue: name %q must not contain braces", o.Name)
	}
	return q
}

func (q *Redis) pendingKey(planID string) string {
	return "{" + q.o.Name + "}:pending:" + planID
}

// The scripts each touch keys of one hash tag only, so they run on Redis
// Cluster.
var (
	// enqueueScript adds a job unless one for the plan is waiting, and
	// remembers the new job's entry ID.
	// KEYS: stream, pending key. ARGV: plan ID, max length, TTL in ms.
	enqueueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'plan', ARGV[1])
redis.call('SET', KEYS[2], id, 'PX', ARGV[3])
return id`)

	// pickupScript clears the plan's pending key if it still names the job
	// being taken (a newer request's key is left alone).
	// KEYS: pending key. ARGV: entry ID.
	pickupScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

	// heartbeatScript resets the idle time of the consumer's jobs that it
	// still owns; one taken over meanwhile is not taken back. It returns
	// the IDs now pending on another consumer.
	// KEYS: stream. ARGV: group, consumer, entry IDs...
	heartbeatScript = redis.NewScript(`
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p == 1 then
    if p[1][2] == ARGV[2] then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    else
      lost[#lost + 1] = ARGV[i]
    end
  end
end
return lost`)

	// forgetScript removes other consumers that hold nothing and have been
	// idle at least the given time. It checks and deletes in one step,
	// because deleting a consumer drops its pending jobs.
	// KEYS: stream. ARGV: group, this consumer, idle ms.
	forgetScript = redis.NewScript(`
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] ~= ARGV[2] and tonumber(f['pending']) == 0 and tonumber(f['idle']) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    n = n + 1
  end
end
return n`)
)

// Enqueue asks for a sync of planID. A request for a plan whose job is still
// waiting is coalesced with it.
func (q *Redis) Enqueue(ctx context.Context, planID string) error {
	if q.err != nil {
		return q.err
	}
	if err := checkPlanID(planID); err != nil {
		return err
	}
	err := enqueueScript.Run(ctx, q.c, []string{q.stream, q.pendingKey(planID)},
		planID, q.o.MaxLen, q.o.PendingTTL.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) { // Nil: coalesced
		return fmt.Errorf("queue: enqueue: %w", err)
	}
	return nil
}

// Depth counts jobs waiting plus jobs in flight or left by dead workers:
// the stream's length, since finished jobs are deleted.
func (q *Redis) Depth(ctx context.Context) (int, error) {
	if q.err != nil {
		return 0, q.err
	}
	n, err := q.c.XLen(ctx, q.stream).Result()
	if err != nil {
		return 0, fmt.Errorf("queue: depth: %w", err)
	}
	return int(n), nil
}

// Lag is the age of the stream's first entry: jobs are deleted once done,
// so it is the oldest job waiting, in flight or left by a dead worker.
func (q *Redis) Lag(ctx context.Context) (time.Duration, error) {
	if q.err != nil {
		return 0, q.err
	}
	first, err := q.c.XRangeN(ctx, q.stream, "-", "+", 1).Result()
	if err != nil {
		return 0, fmt.Errorf("queue: lag: %w", err)
	}
	if len(first) == 0 {
		return 0, nil
	}
	ms, _, _ := strings.Cut(first[0].ID, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("queue: lag: entry ID %q: %w", first[0].ID, err)
	}
	now := time.Now
	if q.o.Now != nil {
		now = q.o.Now
	}
	return max(now().Sub(time.UnixMilli(n)), 0), nil
}

// opTimeout bounds one short Redis call made outside the caller's context.
const opTimeout = 5 * time.Second

// Run works on jobs with h until ctx is cancelled: up to Workers at once,
// new ones and, every MinIdle/2, jobs left by dead workers. Redis errors
// (a restart, a failover) are logged and retried; they never end Run. Once
// ctx is cancelled Run starts no more reads (one in progress, at most Block
// long, still hands over what it got), waits for the jobs in flight (their
// contexts are not cancelled) for up to DrainTimeout, then cancels what is
// left and waits for it. Jobs abandoned that way stay pending and another
// worker takes them over. Run returns nil after a clean drain, or an error
// when the drain timeout cancelled jobs.
func (q *Redis) Run(ctx context.Context, h Handler) error {
	if q.err != nil {
		return q.err
	}
	w := &redisWorker{
		q:        q,
		consumer: q.o.Consumer + "-" + randomHex(4),
		slots:    make(chan struct{}, q.o.Workers),
		inflight: make(map[string]struct{}),
		cursor:   "0-0",
	}
	w.log = q.log.With(slog.String("consumer", w.consumer))
	w.runner = runner{h: h, retry: q.o.Retry, log: w.log}
	return w.run(ctx)
}

// redisWorker is one Run: one consumer in the group.
type redisWorker struct {
	q        *Redis
	consumer string
	log      *slog.Logger
	runner   runner
	slots    chan struct{} // a value per job being worked on

	mu       stdsync.Mutex
	inflight map[string]struct{} // entry IDs being worked on

	failing bool   // the last Redis call of the loop failed
	cursor  string // where the next XAUTOCLAIM starts in the pending list
}

func (w *redisWorker) run(ctx context.Context) error {
	q := w.q
	base := context.WithoutCancel(ctx)
	jobCtx, cancelJobs := context.WithCancel(base)
	defer cancelJobs()
	hbCtx, stopHeartbeat := context.WithCancel(base)
	heartbeatDone := make(chan struct{})
	go func() { defer close(heartbeatDone); w.heartbeat(hbCtx) }()

	var wg stdsync.WaitGroup
	pause := &backoff.ExponentialBackOff{InitialInterval: 50 * time.Millisecond, RandomizationFactor: 0.5,
		Multiplier: 2, MaxInterval: 2 * time.Second}
	pause.Reset()
	haveGroup := false
	var nextClaim time.Time
	for ctx.Err() == nil {
		if !haveGroup {
			if err := w.ensureGroup(base); err != nil {
				w.trouble(ctx, pause, err)
				continue
			}
			haveGroup = true
		}
		n := w.takeSlots(ctx)
		if n == 0 {
			break // cancelled
		}
		var msgs []redis.XMessage
		var err error
		if now := time.Now(); !now.Before(nextClaim) {
			nextClaim = now.Add(max(q.o.MinIdle/2, 50*time.Millisecond))
			msgs, err = w.claim(base, n)
		}
		if err == nil && len(msgs) == 0 {
			msgs, err = w.read(base, n)
		}
		for _, m := range msgs {
			plan, _ := m.Values["plan"].(string)
			if checkPlanID(plan) != nil {
				w.log.Warn("dropping a malformed job", slog.String("entry_id", m.ID))
				w.ack(m.ID)
				continue
			}
			w.start(jobCtx, ctx.Done(), &wg, m.ID, plan)
			n--
		}
		for range n {
			<-w.slots
		}
		switch {
		case err == nil:
			if w.failing {
				w.log.Info("redis reachable again")
				w.failing = false
			}
			pause.Reset()
		case redis.HasErrorPrefix(err, "NOGROUP"):
			// The stream or group is gone: Redis restarted without
			// persistence, or someone deleted the key.
			w.log.Warn("consumer group missing: recreating it", slog.String("stream", q.stream))
			haveGroup = false
		default:
			w.trouble(ctx, pause, err)
		}
	}

	err := drainWait(&wg, q.o.DrainTimeout, cancelJobs, w.log)
	stopHeartbeat()
	<-heartbeatDone
	w.leave(base)
	return err
}

// takeSlots waits for at least one free slot and takes all that are free.
// It returns 0 if ctx is cancelled first.
func (w *redisWorker) takeSlots(ctx context.Context) int {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < cap(w.slots) {
		select {
		case w.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// trouble logs a Redis error (once per outage) and waits before the next
// try.
func (w *redisWorker) trouble(ctx context.Context, pause backoff.BackOff, err error) {
	if !w.failing {
		w.log.Warn("redis unavailable: retrying", slog.Any("error", err))
		w.failing = true
	} else {
		w.log.Debug("redis still unavailable", slog.Any("error", err))
	}
	select {
	case <-time.After(pause.NextBackOff()):
	case <-ctx.Done():
	}
}

func (w *redisWorker) ensureGroup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	// From "0": after a restart that lost the group, every job still in the
	// stream is one not yet acknowledged, because finished jobs are deleted.
	err := w.q.c.XGroupCreateMkStream(ctx, w.q.stream, w.q.o.Group, "0").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("queue: create group: %w", err)
	}
	return nil
}

// read takes up to n new jobs, waiting up to Block for one. It uses a
// context the caller's cancellation does not cut short: entries the server
// hands out are pending on this consumer whether or not we read the reply.
func (w *redisWorker) read(ctx context.Context, n int) ([]redis.XMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, w.q.o.Block+opTimeout)
	defer cancel()
	res, err := w.q.c.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    w.q.o.Group,
		Consumer: w.consumer,
		Streams:  []string{w.q.stream, ">"},
		Count:    int64(n),
		Block:    w.q.o.Block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil // nothing arrived within Block
	}
	if err != nil {
		return nil, fmt.Errorf("queue: read: %w", err)
	}
	var msgs []redis.XMessage
	for _, s := range res {
		msgs = append(msgs, s.Messages...)
	}
	return msgs, nil
}

// claim takes over up to n jobs that have been pending on some consumer for
// at least MinIdle, dropping those delivered too often, and forgets dead
// consumers.
func (w *redisWorker) claim(ctx context.Context, n int) ([]redis.XMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	q := w.q
	var out []redis.XMessage
	// XAUTOCLAIM looks at no more than ten times Count entries per call:
	// a pass makes a few calls, walking on through the pending list past
	// jobs still alive, and the next pass resumes where this one stopped.
	for range 10 {
		if len(out) >= n {
			break
		}
		msgs, next, err := q.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: q.stream, Group: q.o.Group, Consumer: w.consumer,
			MinIdle: q.o.MinIdle, Start: w.cursor, Count: int64(n - len(out)),
		}).Result()
		if err != nil {
			w.cursor = "0-0"
			return out, fmt.Errorf("queue: claim: %w", err)
		}
		w.cursor = next
		for _, m := range msgs {
			if m.Values == nil {
				continue // deleted from the stream meanwhile; Redis dropped it from the group
			}
			if w.deliveredTooOften(ctx, m.ID) {
				continue
			}
			w.log.Info("took over a job from a silent worker", slog.String("entry_id", m.ID),
				slog.Any("plan_id", m.Values["plan"]))
			out = append(out, m)
		}
		if next == "0-0" {
			break
		}
	}
	err := forgetScript.Run(ctx, q.c, []string{q.stream}, q.o.Group, w.consumer, q.o.ForgetIdle.Milliseconds()).Err()
	if err != nil {
		w.log.Debug("forgetting idle consumers failed", slog.Any("error", err))
	}
	return out, nil
}

// deliveredTooOften reports (and acknowledges) a job past MaxDeliveries.
func (w *redisWorker) deliveredTooOften(ctx context.Context, id string) bool {
	p, err := w.q.c.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: w.q.stream, Group: w.q.o.Group, Start: id, End: id, Count: 1,
	}).Result()
	if err != nil || len(p) == 0 || p[0].RetryCount <= w.q.o.MaxDeliveries {
		return false
	}
	w.log.Error("dropping a job no worker could finish", slog.String("entry_id", id),
		slog.Int64("deliveries", p[0].RetryCount))
	w.ack(id)
	return true
}

// start works on one job in its own goroutine; its slot is already taken.
func (w *redisWorker) start(jobCtx context.Context, drain <-chan struct{}, wg *stdsync.WaitGroup, id, plan string) {
	w.mu.Lock()
	w.inflight[id] = struct{}{}
	w.mu.Unlock()
	wg.Go(func() {
		held := true // this job's slot
		defer func() {
			if held {
				<-w.slots
			}
		}()
		// A plan locked by a sync elsewhere (a job redelivered, or added
		// during that sync) waits without its slot, so other plans' jobs
		// run meanwhile and one plan never holds two workers; the
		// heartbeat keeps the job ours.
		waitLocked := func(d time.Duration) bool {
			<-w.slots
			held = false
			if !sleep(drain, d) {
				return false
			}
			select {
			case w.slots <- struct{}{}:
				held = true
				return true
			case <-drain:
				return false
			}
		}
		w.work(jobCtx, drain, id, plan, waitLocked)
		w.mu.Lock()
		delete(w.inflight, id)
		w.mu.Unlock()
	})
}

func (w *redisWorker) work(jobCtx context.Context, drain <-chan struct{}, id, plan string, waitLocked func(time.Duration) bool) {
	base := context.WithoutCancel(jobCtx)
	// The job is taken: from now on a request for the plan must add a new
	// job, since this sync may read the inputs before the request's change.
	err := retryRedis(base, func(ctx context.Context) error {
		return pickupScript.Run(ctx, w.q.c, []string{w.q.pendingKey(plan)}, id).Err()
	})
	if err != nil {
		w.log.Warn("could not clear the coalescing key", slog.String("plan_id", plan), slog.Any("error", err))
	}
	if w.runner.run(jobCtx, drain, plan, waitLocked) == abandoned {
		return // left pending: another worker takes it over after MinIdle
	}
	w.ack(id)
}

// ack acknowledges and deletes a finished job. If it cannot, the job stays
// pending and runs again elsewhere, which the idempotent sync allows.
func (w *redisWorker) ack(id string) {
	err := retryRedis(context.Background(), func(ctx context.Context) error {
		_, err := w.q.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.XAck(ctx, w.q.stream, w.q.o.Group, id)
			p.XDel(ctx, w.q.stream, id)
			return nil
		})
		return err
	})
	if err != nil {
		w.log.Warn("could not acknowledge a finished job; it will run again", slog.String("entry_id", id), slog.Any("error", err))
	}
}

// heartbeat keeps the jobs in flight from looking abandoned.
func (w *redisWorker) heartbeat(ctx context.Context) {
	t := time.NewTicker(max(w.q.o.MinIdle/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		ids := make([]string, 0, len(w.inflight))
		for id := range w.inflight {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		args := append([]any{w.q.o.Group, w.consumer}, anySlice(ids)...)
		callCtx, cancel := context.WithTimeout(ctx, opTimeout)
		lost, err := heartbeatScript.Run(callCtx, w.q.c, []string{w.q.stream}, args...).StringSlice()
		cancel()
		if err != nil {
			w.log.Debug("heartbeat failed", slog.Any("error", err))
			continue
		}
		for _, id := range lost {
			// It went quiet for MinIdle (a pause, a Redis outage): both
			// copies run, which the plan lock and the idempotent sync allow.
			w.log.Info("a job in flight was taken over by another worker", slog.String("entry_id", id))
		}
	}
}

// leave removes this consumer from the group if it holds no jobs, so clean
// shutdowns leave no trace. Deleting a consumer drops its pending jobs, so
// one that still holds some stays for others to claim from.
func (w *redisWorker) leave(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	p, err := w.q.c.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: w.q.stream, Group: w.q.o.Group, Start: "-", End: "+", Count: 1, Consumer: w.consumer,
	}).Result()
	if err != nil || len(p) > 0 {
		return
	}
	if err := w.q.c.XGroupDelConsumer(ctx, w.q.stream, w.q.o.Group, w.consumer).Err(); err != nil {
		w.log.Debug("could not leave the group", slog.Any("error", err))
	}
}

// retryRedis runs a short Redis call a few times over about three seconds,
// enough to ride out a failover or a quick restart.
func retryRedis(ctx context.Context, op func(context.Context) error) error {
	b := &backoff.ExponentialBackOff{InitialInterval: 100 * time.Millisecond, RandomizationFactor: 0.5,
		Multiplier: 2, MaxInterval: time.Second}
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		callCtx, cancel := context.WithTimeout(ctx, opTimeout)
		defer cancel()
		return struct{}{}, op(callCtx)
	}, backoff.WithBackOff(b), backoff.WithMaxTries(5))
	return err
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
