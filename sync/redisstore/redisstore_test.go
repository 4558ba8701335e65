package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// openOn returns a store on srv, emptied first.
func openOn(t testing.TB, srv *storetest.RedisServer) *Store {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return New(c)
}

func TestConformance(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	storetest.Run(t, func(t *testing.T) sync.Store { return openOn(t, srv) })
}

// On a server in cluster mode every command or script touching keys of two
// slots fails with CROSSSLOT, so passing the suite here shows the key
// layout is Cluster-safe.
func TestConformanceCluster(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{Cluster: true})
	storetest.Run(t, func(t *testing.T) sync.Store {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr}})
		err := c.ForEachMaster(t.Context(), func(ctx context.Context, m *redis.Client) error {
			return m.FlushAll(ctx).Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return New(c)
	})
}

func TestClusterRefusesCrossSlot(t *testing.T) {
	// The check above only means something if the server does refuse.
	srv := storetest.StartRedis(t, storetest.RedisOptions{Cluster: true})
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	err := c.Del(t.Context(), planKey("a"), dueKey).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("DEL across slots = %v, want CROSSSLOT", err)
	}
}

func TestKeysOfAPlanShareASlot(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{Cluster: true})
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	slot := func(key string) int64 {
		n, err := c.ClusterKeySlot(t.Context(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, id := range []string{"p1", "Zx9_-", "id}with}braces", "{weird", "ünïcode"} {
		keys := []string{planKey(id), feedKey(id), stateKey(id)}
		for _, k := range keys {
			if !strings.HasPrefix(k, "strengthsync:") {
				t.Errorf("key %q lacks the prefix", k)
			}
			if slot(k) != slot(keys[0]) {
				t.Errorf("plan %q: %s and %s are in different slots", id, k, keys[0])
			}
		}
	}
	// Different plans spread over slots (the tag holds the ID).
	if slot(planKey("p1")) == slot(planKey("p2")) && slot(planKey("p2")) == slot(planKey("p3")) {
		t.Error("all plans hash to one slot")
	}
}

// dump reads every key with the command for its type and DUMP, then saves
// and reads every file the server wrote (snapshot and append-only files).
func dump(t *testing.T, srv *storetest.RedisServer, c *redis.Client) []byte {
	t.Helper()
	ctx := t.Context()
	var out bytes.Buffer
	iter := c.Scan(ctx, 0, "*", 100).Iterator()
	n := 0
	for iter.Next(ctx) {
		k := iter.Val()
		n++
		out.WriteString(k + "\n")
		typ, err := c.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		switch typ {
		case "string":
			out.WriteString(c.Get(ctx, k).Val())
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				out.WriteString(f + "=" + v + "\n")
			}
		case "zset":
			for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
				fmt.Fprintf(&out, "%v %v\n", z.Member, z.Score)
			}
		default:
			t.Fatalf("unexpected %s key %s", typ, k)
		}
		out.WriteString(c.Dump(ctx, k).Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no keys")
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	files := 0
	err := filepath.WalkDir(srv.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files++
		out.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2 {
		t.Fatalf("only %d files in the server's directory", files)
	}
	return out.Bytes()
}

func TestDumpContainsNoSecret(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
	s := openOn(t, srv)
	defer s.Close()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	storetest.DumpContainsNoSecret(t, s, func(t *testing.T) []byte { return dump(t, srv, c) })
}

// The checker must be able to fail: a token written in the clear is found,
// in the keys and in the files.
func TestDumpFindsCleartext(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
	s := openOn(t, srv)
	defer s.Close()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	p := storetest.NewPlan("leaky")
	secret := []byte("1//0gLeakedRefreshToken-abcdefghijklmnop")
	if err := s.CreatePlan(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(t.Context(), p.ID, "oops", secret); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(t.Context(), "strengthsync:{leak}", secret, 0).Err(); err != nil {
		t.Fatal(err)
	}
	d := dump(t, srv, c)
	if n := bytes.Count(d, secret); n < 4 { // two keys, each read, DUMPed and in the AOF or RDB
		t.Fatalf("clear-text token found %d times, want at least 4", n)
	}
	// The plan JSON holds base64 of GoogleTokenSealed: Encodings finds it.
	p2 := storetest.NewPlan("leaky2")
	p2.GoogleTokenSealed = secret
	if err := s.CreatePlan(t.Context(), p2); err != nil {
		t.Fatal(err)
	}
	d = dump(t, srv, c)
	forms := 0
	for form, needle := range storetest.Encodings(secret) {
		if strings.HasPrefix(form, "base64 ") && bytes.Contains(d, needle) {
			forms++
		}
	}
	if forms == 0 {
		t.Fatal("a token stored as base64 went unnoticed")
	}
}

// "Restarting Redis mid-run loses no plan and no scheduled sync": with the
// append-only file, plans, due entries, feeds and state survive a clean
// shutdown and a SIGKILL, and the same client carries on after reconnecting.
func TestRestartLosesNothing(t *testing.T) {
	for _, kill := range []bool{false, true} {
		name := "shutdown"
		if kill {
			name = "sigkill"
		}
		t.Run(name, func(t *testing.T) {
			srv := storetest.StartRedis(t, storetest.RedisOptions{Persist: true})
			s := openOn(t, srv)
			defer s.Close()
			ctx := t.Context()
			now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
			var plans []*sync.PlanRecord
			for i := range 20 {
				p := storetest.NewPlan(fmt.Sprintf("r-%02d", i))
				p.NextSync = now.Add(time.Duration(i-10) * time.Minute)
				if err := s.CreatePlan(ctx, p); err != nil {
					t.Fatal(err)
				}
				if err := s.PutFeed(ctx, p.ID, &sync.Feed{ICS: []byte("ICS " + p.ID), ETag: p.ID, Updated: now}); err != nil {
					t.Fatal(err)
				}
				if err := s.PutState(ctx, p.ID, "k", []byte(p.ID)); err != nil {
					t.Fatal(err)
				}
				plans = append(plans, p)
			}
			dueBefore, err := s.DuePlans(ctx, now, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(dueBefore) != 11 {
				t.Fatalf("due before restart: %v", dueBefore)
			}

			srv.Restart(t, kill)

			// The same Store, the same client: go-redis redials.
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping after restart: %v", err)
			}
			for _, p := range plans {
				got, err := s.PlanByFeedToken(ctx, p.FeedTokenHash)
				if err != nil || got.ID != p.ID {
					t.Fatalf("plan %s after restart: %v, %v", p.ID, got, err)
				}
				if f, err := s.GetFeed(ctx, p.ID); err != nil || string(f.ICS) != "ICS "+p.ID {
					t.Fatalf("feed %s after restart: %v, %v", p.ID, f, err)
				}
				if v, ok, err := s.GetState(ctx, p.ID, "k"); err != nil || !ok || string(v) != p.ID {
					t.Fatalf("state %s after restart: %q, %v, %v", p.ID, v, ok, err)
				}
			}
			dueAfter, err := s.DuePlans(ctx, now, 100)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dueBefore, dueAfter) {
				t.Errorf("due after restart %v, before %v", dueAfter, dueBefore)
			}
			// Later syncs are still scheduled too.
			if all, err := s.DuePlans(ctx, now.Add(time.Hour), 100); err != nil || len(all) != 20 {
				t.Errorf("all due after restart: %v, %v", all, err)
			}
			if err := s.CreatePlan(ctx, storetest.NewPlan("after")); err != nil {
				t.Errorf("write after restart: %v", err)
			}
		})
	}
}

// A crash mid-rotation can leave an index entry naming a plan whose current
// hash is different; it must not resolve, and must not block the hash.
func TestStaleFeedTokenIndex(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	s := openOn(t, srv)
	defer s.Close()
	ctx := t.Context()
	a, b := storetest.NewPlan("a"), storetest.NewPlan("b")
	for _, p := range []*sync.PlanRecord{a, b} {
		if err := s.CreatePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	// a's token index entry now names b, as if left by an interrupted write.
	if err := c.Set(ctx, feedTokenKey(a.FeedTokenHash), "b", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PlanByFeedToken(ctx, a.FeedTokenHash); !errors.Is(err, sync.ErrNotFound) {
		t.Fatalf("stale entry resolved to %v, %v; want ErrNotFound", got, err)
	}
	// An entry naming a deleted plan resolves to nothing too.
	orphan := storetest.NewPlan("orphan")
	if err := c.Set(ctx, feedTokenKey(orphan.FeedTokenHash), "gone", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlanByFeedToken(ctx, orphan.FeedTokenHash); !errors.Is(err, sync.ErrNotFound) {
		t.Fatalf("entry for a missing plan: %v", err)
	}
	// A new plan may take the stale hash over, and then it resolves to it.
	if err := s.CreatePlan(ctx, orphan); err != nil {
		t.Fatalf("create over a stale entry: %v", err)
	}
	if got, err := s.PlanByFeedToken(ctx, orphan.FeedTokenHash); err != nil || got.ID != "orphan" {
		t.Fatalf("after take-over: %v, %v", got, err)
	}
	// Rewriting a's record repairs its own entry.
	if err := s.UpdatePlan(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.FeedTokenHash = storetest.NewPlan("x").FeedTokenHash
	if err := s.UpdatePlan(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PlanByFeedToken(ctx, a.FeedTokenHash); err != nil || got.ID != "a" {
		t.Fatalf("after rotation: %v, %v", got, err)
	}
}

// Entries for plans that are gone (a crash between the plan's delete and
// its due entry's) are skipped and removed, and do not use up the limit.
func TestDanglingDueEntries(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	s := openOn(t, srv)
	defer s.Close()
	ctx := t.Context()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for i := range 40 {
		if err := c.ZAdd(ctx, dueKey, redis.Z{Score: float64(now.Add(-time.Hour).UnixMilli() + int64(i)), Member: fmt.Sprintf("ghost-%02d", i)}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	live := storetest.NewPlan("live")
	live.NextSync = now
	if err := s.CreatePlan(ctx, live); err != nil {
		t.Fatal(err)
	}
	// An entry earlier than its plan's NextSync (a crash between the two
	// ZADDs of an update) must not make the plan due early.
	early := storetest.NewPlan("early")
	early.NextSync = now.Add(time.Hour)
	if err := s.CreatePlan(ctx, early); err != nil {
		t.Fatal(err)
	}
	if err := c.ZAdd(ctx, dueKey, redis.Z{Score: float64(now.Add(-2 * time.Hour).UnixMilli()), Member: "early"}).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.DuePlans(ctx, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"live"}) {
		t.Fatalf("DuePlans = %v, want [live]", got)
	}
	n, err := c.ZCard(ctx, dueKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("due set holds %d entries after the tidy-up, want 2", n)
	}
	if got, _ := s.DuePlans(ctx, now.Add(time.Hour), 10); !slices.Equal(got, []string{"live", "early"}) {
		t.Errorf("DuePlans later = %v, want [live early]", got)
	}
}

func TestOpen(t *testing.T) {
	srv := storetest.StartRedis(t, storetest.RedisOptions{})
	ctx := t.Context()
	s, err := Open(ctx, "redis://"+srv.Addr+"/0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePlan(ctx, storetest.NewPlan("via-url")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	tests := []struct {
		name, url string
	}{
		{"bad scheme", "http://user:hunter2secret@127.0.0.1:1/"},
		{"unparsable", "redis://user:hunter2secret@[::1"},
		{"nobody listening", "redis://user:hunter2secret@127.0.0.1:1/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func FuzzDecodePlan(f *testing.F) {
	doc, _ := encodePlan(storetest.NewPlan("p"))
	f.Add(doc)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":2,"id":"x"}`))
	f.Add([]byte(`{"v":1,"next_sync_ms":-62135596800000,"feed_token_hash":"!!"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePlan(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to a record that decodes the same.
		again, err := encodePlan(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := decodePlan(again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if q.ID != p.ID || !q.NextSync.Equal(p.NextSync) || !bytes.Equal(q.FeedTokenHash, p.FeedTokenHash) {
			t.Fatalf("round trip changed the plan: %+v → %+v", p, q)
		}
	})
}

func BenchmarkGetFeed(b *testing.B) {
	srv := storetest.StartRedis(b, storetest.RedisOptions{})
	s := openOn(b, srv)
	defer s.Close()
	storetest.BenchGetFeed(b, s)
}

func BenchmarkPlanByFeedToken(b *testing.B) {
	srv := storetest.StartRedis(b, storetest.RedisOptions{})
	s := openOn(b, srv)
	defer s.Close()
	storetest.BenchPlanByFeedToken(b, s)
}

func BenchmarkSyncHealth(b *testing.B) {
	srv := storetest.StartRedis(b, storetest.RedisOptions{})
	s := openOn(b, srv)
	defer s.Close()
	storetest.BenchSyncHealth(b, s)
}
