// Package redisstore is the sync.Store for several workers sharing one
// Redis (go-redis v9), standalone or Cluster.
//
// Keys, all under "strengthsync:":
//
//	{plan:<id>}                 the plan, JSON
//	{plan:<id>}:feed            hash: ics, etag, updated_ms, plan_json
//	{plan:<id>}:state           hash: state key → value
//	{feedtoken:<hex sha256>}    plan ID: the feed token index
//	{feedtomb:<hex sha256>}     a deleted plan's feed token: until (Unix ms), expiring then
//	{managetoken:<hex sha256>}  plan ID: keeps manage token hashes unique
//	{due}                       sorted set: plan ID scored by NextSync (Unix ms)
//	{lock:<name>}               a lease: random owner token with a PX expiry
//	{health}:watch              sorted set: watched plan ID scored by its SuccessClock (Unix ms)
//	{health}:failing            hash: failing plan ID → FailReason
//
// The hash tags put every key of one plan in one Cluster slot, so the
// plan's own multi-key operations (delete, put-if-plan-exists) are atomic;
// the indexes and the due set live in other slots and are written in
// separate steps. The plan record is the truth and the rest are hints
// ordered so that a crash between steps errs on the safe side: an index
// entry is only believed after checking it against the plan's current
// hash, and the due set may list a plan early or list one that is gone
// (both skipped and tidied on read), but never lists a live plan late.
//
// Secrets arrive hashed or sealed; the package stores them as given and
// never logs them or puts a token hash in an error.
package redisstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strengthsync/strengthsync/sync"
)

const prefix = "strengthsync:"

func planKey(id string) string        { return prefix + "{plan:" + id + "}" }
func feedKey(id string) string        { return planKey(id) + ":feed" }
func stateKey(id string) string       { return planKey(id) + ":state" }
func feedTokenKey(hash []byte) string { return prefix + "{feedtoken:" + hex.EncodeToString(hash) + "}" }
func feedTombKey(hash []byte) string  { return prefix + "{feedtomb:" + hex.EncodeToString(hash) + "}" }
func manageTokenKey(h []byte) string  { return prefix + "{managetoken:" + hex.EncodeToString(h) + "}" }
func lockKey(name string) string      { return prefix + "{lock:" + name + "}" }

const dueKey = prefix + "{due}"

// The health keys share a slot, so one transaction moves a plan in both.
// Like the due set they are hints written after the plan: a crash in
// between leaves them as the plan was until its next write, which for a
// scheduled plan is its next sync. Plans stored before these keys existed
// join them the same way, at their next sync.
const (
	watchKey   = prefix + "{health}:watch"
	failingKey = prefix + "{health}:failing"
)

// Store is a sync.Store on Redis. It is safe for concurrent use by
// goroutines and by processes sharing the server.
type Store struct {
	c redis.UniversalClient
}

var _ sync.Store = (*Store)(nil)

// Open connects to the Redis at rawURL (redis://, rediss:// or unix://, as
// redis.ParseURL reads them) and checks that it answers.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redisstore: bad Redis URL: %w", err)
	}
	c := redis.NewClient(opts)
	s := New(c)
	if err := s.Ping(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// New returns a store on an existing client, standalone or Cluster. Close
// closes the client.
func New(c redis.UniversalClient) *Store { return &Store{c: c} }

// Scripts: each touches keys of one slot only.
var (
	// putIfPlan sets fields of KEYS[2] if the plan KEYS[1] exists, so a
	// worker finishing after a delete cannot bring a feed or state back.
	putIfPlan = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV))
return 1`)
	// replaceFeed is putIfPlan for the feed, dropping old fields first.
	replaceFeed = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV))
return 1`)
	// feedIfToken answers a feed request from the plan's slot: status 0
	// when the plan KEYS[1] is gone or its feed token no longer matches
	// (ARGV[1] is the token hash as it appears in the plan's JSON), 1
	// before its first publish, else 2 with the feed's fields ARGV[2:].
	// The plan record is looked at on the server; only the fields asked
	// for cross the network.
	feedIfToken = redis.NewScript(`
local doc = redis.call('GET', KEYS[1])
if not doc or not string.find(doc, ARGV[1], 1, true) then return {0} end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local vals = redis.call('HMGET', KEYS[2], unpack(fields))
if not vals[1] then return {1} end
return {2, unpack(vals)}`)
	// delIfEquals deletes KEYS[1] if it holds ARGV[1]: releasing a lease or
	// an index entry only while it is still ours.
	delIfEquals = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
	// setIfEquals replaces KEYS[1] with ARGV[2] if it holds ARGV[1].
	setIfEquals = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0`)
	// zremIfScore removes member ARGV[1] from KEYS[1] if its score is still
	// ARGV[2], so a tidy-up never removes an entry rewritten meanwhile.
	zremIfScore = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`)
)

// zeroMillis stands for the zero time.Time; it is also the earliest
// instant, so a never-scheduled plan is due first.
var zeroMillis = time.Time{}.UnixMilli()

func toMillis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == zeroMillis {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// planDoc is the stored form of a plan. Byte fields are base64 in JSON;
// they are hashes and sealed blobs, never secrets in the clear.
type planDoc struct {
	V                 int               `json:"v"`
	ID                string            `json:"id"`
	ManageTokenHash   []byte            `json:"manage_token_hash"`
	FeedTokenHash     []byte            `json:"feed_token_hash"`
	FeedTokenSealed   []byte            `json:"feed_token_sealed,omitempty"`
	Sources           []string          `json:"sources,omitempty"`
	Busy              []string          `json:"busy,omitempty"`
	TimeZone          string            `json:"time_zone,omitempty"`
	Settings          sync.SettingsJSON `json:"settings"`
	GoogleTokenSealed []byte            `json:"google_token_sealed,omitempty"`
	GoogleCalendarID  string            `json:"google_calendar_id,omitempty"`
	Status            string            `json:"status,omitempty"`
	LastSyncMS        int64             `json:"last_sync_ms"`
	LastError         string            `json:"last_error,omitempty"`
	// LastSuccessMS is absent in records written before it existed.
	LastSuccessMS *int64 `json:"last_success_ms,omitempty"`
	FailReason    string `json:"fail_reason,omitempty"`
	NextSyncMS    int64  `json:"next_sync_ms"`
	CreatedMS     int64  `json:"created_ms"`
	UpdatedMS     int64  `json:"updated_ms"`
}

const docVersion = 1

func encodePlan(p *sync.PlanRecord) ([]byte, error) {
	var lastSuccess *int64
	if !p.LastSuccess.IsZero() {
		ms := toMillis(p.LastSuccess)
		lastSuccess = &ms
	}
	return json.Marshal(planDoc{
		V: docVersion, ID: p.ID,
		ManageTokenHash: p.ManageTokenHash, FeedTokenHash: p.FeedTokenHash,
		FeedTokenSealed: p.FeedTokenSealed, Sources: p.Sources, Busy: p.Busy,
		TimeZone: p.TimeZone, Settings: p.Settings,
		GoogleTokenSealed: p.GoogleTokenSealed, GoogleCalendarID: p.GoogleCalendarID,
		Status: p.Status, LastSyncMS: toMillis(p.LastSync), LastError: p.LastError,
		NextSyncMS: toMillis(p.NextSync), CreatedMS: toMillis(p.Created),
		UpdatedMS: toMillis(p.Updated), FailReason: p.FailReason,
		LastSuccessMS: lastSuccess,
	})
}

// decodePlan parses a stored plan; a record from a newer program is
// refused rather than half read.
func decodePlan(b []byte) (*sync.PlanRecord, error) {
	var d planDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("plan record: %w", err)
	}
	if d.V != docVersion {
		return nil, fmt.Errorf("plan record version %d, want %d", d.V, docVersion)
	}
	p := &sync.PlanRecord{
		ID: d.ID, ManageTokenHash: d.ManageTokenHash, FeedTokenHash: d.FeedTokenHash,
		FeedTokenSealed: d.FeedTokenSealed, Sources: d.Sources, Busy: d.Busy,
		TimeZone: d.TimeZone, Settings: d.Settings,
		GoogleTokenSealed: d.GoogleTokenSealed, GoogleCalendarID: d.GoogleCalendarID,
		Status: d.Status, LastSync: fromMillis(d.LastSyncMS), LastError: d.LastError,
		NextSync: fromMillis(d.NextSyncMS), Created: fromMillis(d.CreatedMS),
		Updated: fromMillis(d.UpdatedMS), FailReason: d.FailReason,
	}
	if d.LastSuccessMS != nil {
		p.LastSuccess = fromMillis(*d.LastSuccessMS)
	}
	return p, nil
}

func validate(p *sync.PlanRecord) error {
	switch {
	case p.ID == "":
		return errors.New("plan has no ID")
	case len(p.FeedTokenHash) == 0:
		return errors.New("plan has no feed token hash")
	case len(p.ManageTokenHash) == 0:
		return errors.New("plan has no manage token hash")
	}
	return nil
}

var errInUse = errors.New("already in use")

func (s *Store) getPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	b, err := s.c.Get(ctx, planKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, sync.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	p, err := decodePlan(b)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", id, err)
	}
	return p, nil
}

// claim points the index key at id. A key naming another plan is taken
// over only when stale, i.e. that plan no longer has hash as current(p).
func (s *Store) claim(ctx context.Context, key, id string, hash []byte, current func(*sync.PlanRecord) []byte) error {
	for range 5 {
		ok, err := s.c.SetNX(ctx, key, id, 0).Result()
		if err != nil || ok {
			return err
		}
		holder, err := s.c.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return err
		}
		if holder == id {
			return nil // left by an earlier, interrupted write of ours
		}
		p, err := s.getPlan(ctx, holder)
		switch {
		case err == nil && bytes.Equal(current(p), hash):
			return errInUse
		case err != nil && !errors.Is(err, sync.ErrNotFound):
			return err
		}
		taken, err := setIfEquals.Run(ctx, s.c, []string{key}, holder, id).Int()
		if err != nil || taken == 1 {
			return err
		}
	}
	return errors.New("index entry keeps changing")
}

// release drops an index entry if it still names id.
func (s *Store) release(ctx context.Context, key, id string) error {
	return delIfEquals.Run(ctx, s.c, []string{key}, id).Err()
}

func feedHash(p *sync.PlanRecord) []byte   { return p.FeedTokenHash }
func manageHash(p *sync.PlanRecord) []byte { return p.ManageTokenHash }

// schedule sets the plan's due score. With lowerOnly it only ever moves an
// entry earlier (ZADD LT), which is safe before the plan is written: a
// crash then leaves the plan listed early, never late.
func (s *Store) schedule(ctx context.Context, id string, next time.Time, lowerOnly bool) error {
	return s.c.ZAddArgs(ctx, dueKey, redis.ZAddArgs{
		LT:      lowerOnly,
		Members: []redis.Z{{Score: float64(toMillis(next)), Member: id}},
	}).Err()
}

// CreatePlan stores a new plan. A used ID or token hash is refused with an
// error that is not sync.ErrNotFound.
func (s *Store) CreatePlan(ctx context.Context, p *sync.PlanRecord) error {
	if err := validate(p); err != nil {
		return fmt.Errorf("redisstore: create plan: %w", err)
	}
	if err := s.createPlan(ctx, p); err != nil {
		return fmt.Errorf("redisstore: create plan %s: %w", p.ID, err)
	}
	return nil
}

func (s *Store) createPlan(ctx context.Context, p *sync.PlanRecord) error {
	doc, err := encodePlan(p)
	if err != nil {
		return err
	}
	n, err := s.c.Exists(ctx, planKey(p.ID)).Result()
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("ID %w", errInUse)
	}
	fk, mk := feedTokenKey(p.FeedTokenHash), manageTokenKey(p.ManageTokenHash)
	if err := s.claim(ctx, fk, p.ID, p.FeedTokenHash, feedHash); err != nil {
		return fmt.Errorf("feed token hash: %w", err)
	}
	if err := s.claim(ctx, mk, p.ID, p.ManageTokenHash, manageHash); err != nil {
		_ = s.release(ctx, fk, p.ID)
		return fmt.Errorf("manage token hash: %w", err)
	}
	if err := s.schedule(ctx, p.ID, p.NextSync, true); err != nil {
		return err
	}
	ok, err := s.c.SetNX(ctx, planKey(p.ID), doc, 0).Result()
	if err != nil {
		return err
	}
	if !ok {
		// Lost a race for the ID. Undo what is ours and put the winner's
		// due score back where ZADD LT may have lowered it.
		if other, err := s.getPlan(ctx, p.ID); err == nil {
			if !bytes.Equal(other.FeedTokenHash, p.FeedTokenHash) {
				_ = s.release(ctx, fk, p.ID)
			}
			if !bytes.Equal(other.ManageTokenHash, p.ManageTokenHash) {
				_ = s.release(ctx, mk, p.ID)
			}
			_ = s.schedule(ctx, p.ID, other.NextSync, false)
		}
		return fmt.Errorf("ID %w", errInUse)
	}
	if err := s.schedule(ctx, p.ID, p.NextSync, false); err != nil {
		return err
	}
	return s.health(ctx, p)
}

// health moves the plan in the health keys to match its record.
func (s *Store) health(ctx context.Context, p *sync.PlanRecord) error {
	_, err := s.c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		if p.Watched() {
			pipe.ZAdd(ctx, watchKey, redis.Z{Score: float64(toMillis(p.SuccessClock())), Member: p.ID})
		} else {
			pipe.ZRem(ctx, watchKey, p.ID)
		}
		if p.FailReason != "" {
			pipe.HSet(ctx, failingKey, p.ID, p.FailReason)
		} else {
			pipe.HDel(ctx, failingKey, p.ID)
		}
		return nil
	})
	return err
}

// GetPlan returns the plan or sync.ErrNotFound.
func (s *Store) GetPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	p, err := s.getPlan(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("redisstore: get plan %s: %w", id, err)
	}
	return p, nil
}

// PlanByFeedToken returns the plan whose current feed token hashes to hash,
// or sync.ErrNotFound. The index entry is checked against the plan, so a
// stale entry (left by a crash mid-rotation) never resolves.
// PlanIDByManageToken reads the manage token index; the entry may be
// stale (see claim), which the caller's comparison of hashes catches.
func (s *Store) PlanIDByManageToken(ctx context.Context, hash []byte) (string, error) {
	if len(hash) == 0 {
		return "", fmt.Errorf("redisstore: plan by manage token: %w", sync.ErrNotFound)
	}
	id, err := s.c.Get(ctx, manageTokenKey(hash)).Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("redisstore: plan by manage token: %w", sync.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("redisstore: plan by manage token: %w", err)
	}
	return id, nil
}

func (s *Store) PlanByFeedToken(ctx context.Context, hash []byte) (*sync.PlanRecord, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("redisstore: plan by feed token: %w", sync.ErrNotFound)
	}
	id, err := s.c.Get(ctx, feedTokenKey(hash)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: plan by feed token: %w", sync.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: plan by feed token: %w", err)
	}
	p, err := s.getPlan(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("redisstore: plan by feed token: %w", err)
	}
	if !bytes.Equal(p.FeedTokenHash, hash) {
		return nil, fmt.Errorf("redisstore: plan by feed token: %w", sync.ErrNotFound)
	}
	return p, nil
}

// UpdatePlan replaces the plan's record and moves its index entries and
// due score, or returns sync.ErrNotFound. A token hash used by another
// plan is refused.
func (s *Store) UpdatePlan(ctx context.Context, p *sync.PlanRecord) error {
	if err := validate(p); err != nil {
		return fmt.Errorf("redisstore: update plan: %w", err)
	}
	if err := s.updatePlan(ctx, p); err != nil {
		return fmt.Errorf("redisstore: update plan %s: %w", p.ID, err)
	}
	return nil
}

func (s *Store) updatePlan(ctx context.Context, p *sync.PlanRecord) error {
	doc, err := encodePlan(p)
	if err != nil {
		return err
	}
	old, err := s.getPlan(ctx, p.ID)
	if err != nil {
		return err
	}
	newFeed := !bytes.Equal(old.FeedTokenHash, p.FeedTokenHash)
	newManage := !bytes.Equal(old.ManageTokenHash, p.ManageTokenHash)
	fk, mk := feedTokenKey(p.FeedTokenHash), manageTokenKey(p.ManageTokenHash)
	if newFeed {
		if err := s.claim(ctx, fk, p.ID, p.FeedTokenHash, feedHash); err != nil {
			return fmt.Errorf("feed token hash: %w", err)
		}
	}
	if newManage {
		if err := s.claim(ctx, mk, p.ID, p.ManageTokenHash, manageHash); err != nil {
			if newFeed {
				_ = s.release(ctx, fk, p.ID)
			}
			return fmt.Errorf("manage token hash: %w", err)
		}
	}
	if err := s.schedule(ctx, p.ID, p.NextSync, true); err != nil {
		return err
	}
	ok, err := s.c.SetXX(ctx, planKey(p.ID), doc, 0).Result()
	if err != nil {
		return err
	}
	if !ok { // deleted meanwhile
		if newFeed {
			_ = s.release(ctx, fk, p.ID)
		}
		if newManage {
			_ = s.release(ctx, mk, p.ID)
		}
		return sync.ErrNotFound
	}
	if err := s.schedule(ctx, p.ID, p.NextSync, false); err != nil {
		return err
	}
	if err := s.health(ctx, p); err != nil {
		return err
	}
	// The old entries no longer match the plan, so they already resolve to
	// nothing; removing them only tidies up.
	if newFeed {
		if err := s.release(ctx, feedTokenKey(old.FeedTokenHash), p.ID); err != nil {
			return err
		}
	}
	if newManage {
		if err := s.release(ctx, manageTokenKey(old.ManageTokenHash), p.ID); err != nil {
			return err
		}
	}
	return nil
}

// DeletePlan removes the plan, its feed, state, index entries and due
// entry, or returns sync.ErrNotFound.
func (s *Store) DeletePlan(ctx context.Context, id string) error {
	if err := s.deletePlan(ctx, id); err != nil {
		return fmt.Errorf("redisstore: delete plan %s: %w", id, err)
	}
	return nil
}

func (s *Store) deletePlan(ctx context.Context, id string) error {
	old, err := s.getPlan(ctx, id)
	if err != nil {
		return err
	}
	// The plan's own keys go in one transaction (one slot). The due entry
	// goes after, so a crash in between leaves an entry for a missing plan
	// (DuePlans tidies it) rather than a live plan that never syncs.
	var del *redis.IntCmd
	_, err = s.c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		del = pipe.Del(ctx, planKey(id))
		pipe.Del(ctx, feedKey(id), stateKey(id))
		return nil
	})
	if err != nil {
		return err
	}
	if del.Val() == 0 {
		return sync.ErrNotFound // deleted meanwhile
	}
	if err := s.c.ZRem(ctx, dueKey, id).Err(); err != nil {
		return err
	}
	_, err = s.c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.ZRem(ctx, watchKey, id)
		pipe.HDel(ctx, failingKey, id)
		return nil
	})
	if err != nil {
		return err
	}
	return errors.Join(
		s.release(ctx, feedTokenKey(old.FeedTokenHash), id),
		s.release(ctx, manageTokenKey(old.ManageTokenHash), id),
	)
}

// PutFeedTombstone keeps hash until until; Redis drops the key then (PXAT,
// by the server's clock).
func (s *Store) PutFeedTombstone(ctx context.Context, hash []byte, until time.Time) error {
	if len(hash) == 0 {
		return fmt.Errorf("redisstore: put feed tombstone: empty hash")
	}
	// SET … PXAT directly: go-redis's SetArgs.ExpireAt sends whole seconds
	// for some instants.
	ms := toMillis(until)
	err := s.c.Do(ctx, "SET", feedTombKey(hash), ms, "PXAT", ms).Err()
	if err != nil {
		return fmt.Errorf("redisstore: put feed tombstone: %w", err)
	}
	return nil
}

// FeedTombstone reports whether hash has a tombstone lasting past now.
func (s *Store) FeedTombstone(ctx context.Context, hash []byte, now time.Time) (bool, error) {
	v, err := s.c.Get(ctx, feedTombKey(hash)).Int64()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redisstore: feed tombstone: %w", err)
	}
	return v > toMillis(now), nil
}

// DuePlans lists plans whose NextSync is at or before t (compared in whole
// milliseconds), earliest first and by ID among equals, at most limit.
// Entries for plans that are gone are removed on the way.
func (s *Store) DuePlans(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, err := s.duePlans(ctx, toMillis(t), limit)
	if err != nil {
		return nil, fmt.Errorf("redisstore: due plans: %w", err)
	}
	return ids, nil
}

func (s *Store) duePlans(ctx context.Context, tms int64, limit int) ([]string, error) {
	type due struct {
		id string
		ms int64
	}
	var (
		found  []due
		seen   = map[string]bool{}
		offset int64
		// Pages of at most 1,000: each reads its plans' records in one
		// pipeline, and a caller may ask for every due plan at once.
		batch = int64(min(max(limit, 16), 1000))
	)
	for {
		zs, err := s.c.ZRangeByScoreWithScores(ctx, dueKey, &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(tms, 10), Offset: offset, Count: batch,
		}).Result()
		if err != nil {
			return nil, err
		}
		if len(zs) == 0 {
			break
		}
		gets := make([]*redis.StringCmd, len(zs))
		_, err = s.c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, z := range zs {
				gets[i] = pipe.Get(ctx, planKey(z.Member.(string)))
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		removed := int64(0)
		for i, z := range zs {
			id := z.Member.(string)
			b, err := gets[i].Bytes()
			if errors.Is(err, redis.Nil) {
				gone, err := s.dropDangling(ctx, id, z.Score)
				if err != nil {
					return nil, err
				}
				if gone {
					removed++
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			p, err := decodePlan(b)
			if err != nil {
				return nil, fmt.Errorf("plan %s: %w", id, err)
			}
			// An entry can be early (a crash between the two ZADDs of a
			// write); the plan's own NextSync decides.
			if ms := toMillis(p.NextSync); ms <= tms && !seen[id] {
				seen[id] = true
				found = append(found, due{id, ms})
			}
		}
		if len(found) >= limit || int64(len(zs)) < batch {
			break
		}
		offset += int64(len(zs)) - removed
	}
	slices.SortFunc(found, func(a, b due) int {
		if a.ms != b.ms {
			if a.ms < b.ms {
				return -1
			}
			return 1
		}
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	ids := make([]string, 0, min(limit, len(found)))
	for _, d := range found[:min(limit, len(found))] {
		ids = append(ids, d.id)
	}
	return ids, nil
}

// dropDangling removes the due entry of a plan found missing, unless it was
// rewritten meanwhile. A create racing with us writes the plan and then
// its exact score; if the plan exists once the entry is gone, that write
// may already be past, so the entry is put back (NX: never over a newer
// score).
func (s *Store) dropDangling(ctx context.Context, id string, score float64) (bool, error) {
	n, err := zremIfScore.Run(ctx, s.c, []string{dueKey}, id, strconv.FormatFloat(score, 'f', -1, 64)).Int()
	if err != nil || n == 0 {
		return false, err
	}
	p, err := s.getPlan(ctx, id)
	if errors.Is(err, sync.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	return true, s.c.ZAddArgs(ctx, dueKey, redis.ZAddArgs{
		NX:      true,
		Members: []redis.Z{{Score: float64(toMillis(p.NextSync)), Member: id}},
	}).Err()
}

// SyncHealth reads the lowest score of the watch set and counts the
// failing hash, which holds only the failing plans.
func (s *Store) SyncHealth(ctx context.Context) (sync.SyncHealth, error) {
	h := sync.SyncHealth{Failing: map[string]int{}}
	oldest, err := s.c.ZRangeWithScores(ctx, watchKey, 0, 0).Result()
	if err != nil {
		return h, fmt.Errorf("redisstore: sync health: %w", err)
	}
	if len(oldest) > 0 {
		h.OldestSuccess = fromMillis(int64(oldest[0].Score))
	}
	reasons, err := s.c.HVals(ctx, failingKey).Result()
	if err != nil {
		return h, fmt.Errorf("redisstore: sync health: %w", err)
	}
	for _, r := range reasons {
		h.Failing[r]++
	}
	return h, nil
}

// PutFeed stores the plan's published calendar, or returns
// sync.ErrNotFound when the plan does not exist.
func (s *Store) PutFeed(ctx context.Context, planID string, f *sync.Feed) error {
	n, err := replaceFeed.Run(ctx, s.c, []string{planKey(planID), feedKey(planID)},
		"ics", f.ICS, "etag", f.ETag, "updated_ms", toMillis(f.Updated), "plan_json", packJSON(f.PlanJSON)).Int()
	if err != nil {
		return fmt.Errorf("redisstore: put feed %s: %w", planID, err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: put feed %s: %w", planID, sync.ErrNotFound)
	}
	return nil
}

// GetFeed returns the plan's published calendar, or sync.ErrNotFound.
func (s *Store) GetFeed(ctx context.Context, planID string) (*sync.Feed, error) {
	vals, err := s.c.HMGet(ctx, feedKey(planID), "ics", "etag", "updated_ms", "plan_json").Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: get feed %s: %w", planID, err)
	}
	ics, ok := vals[0].(string)
	if !ok {
		return nil, fmt.Errorf("redisstore: get feed %s: %w", planID, sync.ErrNotFound)
	}
	etag, _ := vals[1].(string)
	updated, _ := vals[2].(string)
	planJSON, _ := vals[3].(string)
	ms, err := strconv.ParseInt(updated, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redisstore: get feed %s: updated_ms: %w", planID, err)
	}
	pj, err := sync.Unpack([]byte(planJSON))
	if err != nil {
		return nil, fmt.Errorf("redisstore: get feed %s: plan: %w", planID, err)
	}
	return &sync.Feed{ICS: []byte(ics), ETag: etag, Updated: fromMillis(ms), PlanJSON: pj}, nil
}

// packJSON keeps a plan's JSON packed (sync.Pack); an empty one stays
// empty.
func packJSON(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	return sync.Pack(b)
}

// FeedByToken returns the feed of the plan whose current feed token hashes
// to hash, its calendar only when withICS; sync.ErrNotFound without such a
// plan (a stale index entry included), sync.ErrNoFeed before its first
// publish. The plan record is checked on the server and never sent.
func (s *Store) FeedByToken(ctx context.Context, hash []byte, withICS bool) (*sync.Feed, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("redisstore: feed by token: %w", sync.ErrNotFound)
	}
	id, err := s.c.Get(ctx, feedTokenKey(hash)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: feed by token: %w", sync.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: feed by token: %w", err)
	}
	// encoding/json writes []byte as standard base64, which it never
	// escapes: this is the field exactly as the plan's JSON holds it.
	field := `"feed_token_hash":"` + base64.StdEncoding.EncodeToString(hash) + `"`
	args := []any{field, "etag", "updated_ms"}
	if withICS {
		args = append(args, "ics")
	}
	vals, err := feedIfToken.Run(ctx, s.c, []string{planKey(id), feedKey(id)}, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: feed by token: %w", err)
	}
	status, _ := vals[0].(int64)
	switch {
	case status == 0:
		return nil, fmt.Errorf("redisstore: feed by token: %w", sync.ErrNotFound)
	case status == 1:
		return nil, fmt.Errorf("redisstore: feed by token: plan %s: %w", id, sync.ErrNoFeed)
	case len(vals) < len(args):
		return nil, fmt.Errorf("redisstore: feed by token: plan %s: short answer", id)
	}
	etag, _ := vals[1].(string)
	updated, _ := vals[2].(string)
	ms, err := strconv.ParseInt(updated, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redisstore: feed by token: plan %s: updated_ms: %w", id, err)
	}
	f := &sync.Feed{ETag: etag, Updated: fromMillis(ms)}
	if withICS {
		ics, _ := vals[3].(string)
		f.ICS = []byte(ics)
	}
	return f, nil
}

// GetState returns the value under key and whether it was there; a missing
// plan has no state.
func (s *Store) GetState(ctx context.Context, planID, key string) ([]byte, bool, error) {
	v, err := s.c.HGet(ctx, stateKey(planID), key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: get state %s: %w", planID, err)
	}
	return v, true, nil
}

// PutState stores value under key, or returns sync.ErrNotFound when the
// plan does not exist.
func (s *Store) PutState(ctx context.Context, planID, key string, value []byte) error {
	n, err := putIfPlan.Run(ctx, s.c, []string{planKey(planID), stateKey(planID)}, key, value).Int()
	if err != nil {
		return fmt.Errorf("redisstore: put state %s: %w", planID, err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: put state %s: %w", planID, sync.ErrNotFound)
	}
	return nil
}

// DeleteState removes key; a missing key or plan is not an error.
func (s *Store) DeleteState(ctx context.Context, planID, key string) error {
	if err := s.c.HDel(ctx, stateKey(planID), key).Err(); err != nil {
		return fmt.Errorf("redisstore: delete state %s: %w", planID, err)
	}
	return nil
}

// Lock takes the lease name for ttl (at least a millisecond) with SET NX
// PX, or returns sync.ErrLocked. Expiry is by the Redis server's clock.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (func(context.Context) error, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("redisstore: lock %s: ttl %v is not positive", name, ttl)
	}
	ttl = max(ttl, time.Millisecond)
	b := make([]byte, 16)
	rand.Read(b)
	owner := hex.EncodeToString(b)
	key := lockKey(name)
	ok, err := s.c.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: lock %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("redisstore: lock %s: %w", name, sync.ErrLocked)
	}
	return func(ctx context.Context) error {
		// Compare and delete in one script: after expiry the key may hold
		// the next holder's token.
		if err := delIfEquals.Run(ctx, s.c, []string{key}, owner).Err(); err != nil {
			return fmt.Errorf("redisstore: unlock %s: %w", name, err)
		}
		return nil
	}, nil
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }
