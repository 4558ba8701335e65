// Package storetest is the conformance suite every sync.Store implementation
// passes, plus the pieces their own tests share: a secrets-at-rest check,
// benchmarks, and a real redis-server started on a free loopback port.
//
// Times are compared at millisecond precision: both stores keep instants as
// Unix milliseconds (Redis sorted-set scores are float64, exact to 2^53), so
// a PlanRecord's times come back truncated to the millisecond and in UTC.
// Nil and empty byte slices and string lists are treated as equal, because a
// store cannot tell them apart after a round trip through SQL or JSON.
//
// The package only exercises stores through the sync.Store interface; it
// never reaches into an implementation's tables or keys.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// base is a fixed instant with sub-millisecond digits, so truncation to the
// millisecond is exercised on every round trip.
var base = time.Date(2026, 3, 2, 7, 0, 0, 123_456_789, time.UTC)

// Run runs the conformance suite. open must return an empty, ready store for
// each call; the suite closes it. Subtests run one after another, so open may
// hand out views of one shared server that it empties first.
func Run(t *testing.T, open func(t *testing.T) sync.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, sync.Store)
	}{
		{"PlanRoundTrip", testPlanRoundTrip},
		{"NotFound", testNotFound},
		{"CreateValidation", testCreateValidation},
		{"DuplicatesRefused", testDuplicatesRefused},
		{"UpdateDuplicateRefused", testUpdateDuplicateRefused},
		{"FeedTokenRotation", testFeedTokenRotation},
		{"DeleteRemovesEverything", testDeleteRemovesEverything},
		{"FeedTombstones", testFeedTombstones},
		{"DuePlans", testDuePlans},
		{"DuePlansFollowUpdates", testDuePlansFollowUpdates},
		{"Feed", testFeed},
		{"FeedByToken", testFeedByToken},
		{"PlanIDByManageToken", testPlanIDByManageToken},
		{"State", testState},
		{"Lock", testLock},
		{"LockExpiry", testLockExpiry},
		{"LockContention", testLockContention},
		{"ConcurrentState", testConcurrentState},
		{"ConcurrentPlans", testConcurrentPlans},
		{"Ping", testPing},
		{"SyncHealth", testSyncHealth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(t, s)
		})
	}
}

// NewPlan returns a plan with every field set and fresh token hashes.
func NewPlan(id string) *sync.PlanRecord {
	perWeek, policy := 2, "stack"
	return &sync.PlanRecord{
		ID:                id,
		ManageTokenHash:   seal.HashToken(seal.NewToken()),
		FeedTokenHash:     seal.HashToken(seal.NewToken()),
		FeedTokenSealed:   []byte("sealed-feed-" + id),
		Sources:           []string{"https://example.com/runs.ics", "google:primary"},
		Busy:              []string{"webcal://example.com/work.ics"},
		TimeZone:          "Europe/London",
		Settings:          sync.SettingsJSON{PerWeek: &perWeek, Policy: &policy, Weekdays: []string{"Tue", "Thu"}, OneRM: map[string]float64{"Back squat": 100}},
		GoogleTokenSealed: []byte{0, 1, 2, 0xff},
		GoogleCalendarID:  "strength@group.calendar.google.com",
		Status:            "ok",
		LastSync:          base.Add(-time.Hour),
		LastError:         "",
		NextSync:          base.Add(time.Hour),
		Created:           base.Add(-48 * time.Hour),
		Updated:           base.Add(-time.Hour),
		LastSuccess:       base.Add(-time.Hour),
	}
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

func mustCreate(t *testing.T, s sync.Store, p *sync.PlanRecord) {
	t.Helper()
	if err := s.CreatePlan(ctxOf(t), p); err != nil {
		t.Fatalf("CreatePlan(%s): %v", p.ID, err)
	}
}

func mustGet(t *testing.T, s sync.Store, id string) *sync.PlanRecord {
	t.Helper()
	p, err := s.GetPlan(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetPlan(%s): %v", id, err)
	}
	return p
}

func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Millisecond).Equal(b.Truncate(time.Millisecond))
}

// planDiff lists the fields in which got differs from want.
func planDiff(want, got *sync.PlanRecord) []string {
	var d []string
	add := func(field string, w, g any) { d = append(d, fmt.Sprintf("%s: got %v, want %v", field, g, w)) }
	if got.ID != want.ID {
		add("ID", want.ID, got.ID)
	}
	for _, f := range []struct {
		name string
		w, g []byte
	}{
		{"ManageTokenHash", want.ManageTokenHash, got.ManageTokenHash},
		{"FeedTokenHash", want.FeedTokenHash, got.FeedTokenHash},
		{"FeedTokenSealed", want.FeedTokenSealed, got.FeedTokenSealed},
		{"GoogleTokenSealed", want.GoogleTokenSealed, got.GoogleTokenSealed},
	} {
		if !bytes.Equal(f.w, f.g) {
			add(f.name, fmt.Sprintf("%x", f.w), fmt.Sprintf("%x", f.g))
		}
	}
	if !slices.Equal(got.Sources, want.Sources) {
		add("Sources", want.Sources, got.Sources)
	}
	if !slices.Equal(got.Busy, want.Busy) {
		add("Busy", want.Busy, got.Busy)
	}
	ws, _ := json.Marshal(want.Settings)
	gs, _ := json.Marshal(got.Settings)
	if !bytes.Equal(ws, gs) {
		add("Settings", string(ws), string(gs))
	}
	for _, f := range []struct{ name, w, g string }{
		{"TimeZone", want.TimeZone, got.TimeZone},
		{"GoogleCalendarID", want.GoogleCalendarID, got.GoogleCalendarID},
		{"Status", want.Status, got.Status},
		{"LastError", want.LastError, got.LastError},
		{"FailReason", want.FailReason, got.FailReason},
	} {
		if f.w != f.g {
			add(f.name, strconv.Quote(f.w), strconv.Quote(f.g))
		}
	}
	for _, f := range []struct {
		name string
		w, g time.Time
	}{
		{"LastSync", want.LastSync, got.LastSync},
		{"NextSync", want.NextSync, got.NextSync},
		{"Created", want.Created, got.Created},
		{"Updated", want.Updated, got.Updated},
		{"LastSuccess", want.LastSuccess, got.LastSuccess},
	} {
		if !sameTime(f.w, f.g) {
			add(f.name, f.w, f.g)
		}
		if f.w.IsZero() != f.g.IsZero() {
			add(f.name+".IsZero", f.w.IsZero(), f.g.IsZero())
		}
	}
	return d
}

// clonePlan copies p deeply enough that changing p's slices leaves the copy
// alone.
func clonePlan(p *sync.PlanRecord) *sync.PlanRecord {
	c := *p
	c.ManageTokenHash = bytes.Clone(p.ManageTokenHash)
	c.FeedTokenHash = bytes.Clone(p.FeedTokenHash)
	c.FeedTokenSealed = bytes.Clone(p.FeedTokenSealed)
	c.GoogleTokenSealed = bytes.Clone(p.GoogleTokenSealed)
	c.Sources = slices.Clone(p.Sources)
	c.Busy = slices.Clone(p.Busy)
	return &c
}

func assertPlan(t *testing.T, want, got *sync.PlanRecord) {
	t.Helper()
	for _, d := range planDiff(want, got) {
		t.Error(d)
	}
}

func testPlanRoundTrip(t *testing.T, s sync.Store) {
	tests := []struct {
		name   string
		plan   func(id string) *sync.PlanRecord
		update func(p *sync.PlanRecord)
	}{
		{
			name: "every field set, every field changed",
			plan: NewPlan,
			update: func(p *sync.PlanRecord) {
				p.ManageTokenHash = seal.HashToken(seal.NewToken())
				p.FeedTokenHash = seal.HashToken(seal.NewToken())
				p.FeedTokenSealed = []byte("resealed")
				p.Sources = []string{"google:runs@example.com"}
				p.Busy = nil
				p.TimeZone = "America/New_York"
				p.Settings = sync.SettingsJSON{Keywords: map[string][]string{"hard": {"Bahnrunde", "草地"}}}
				p.GoogleTokenSealed = nil
				p.GoogleCalendarID = ""
				p.Status = "error"
				p.LastSync = base.Add(time.Minute + 999*time.Microsecond)
				p.LastError = "fetch: 404 Not Found on https://example.com/runs.ics"
				p.NextSync = base.Add(2 * time.Hour)
				p.Created = base.Add(-47 * time.Hour)
				p.Updated = base
			},
		},
		{
			name: "minimal plan gains fields",
			plan: func(id string) *sync.PlanRecord {
				return &sync.PlanRecord{
					ID:              id,
					ManageTokenHash: seal.HashToken(seal.NewToken()),
					FeedTokenHash:   seal.HashToken(seal.NewToken()),
					Status:          "new",
				}
			},
			update: func(p *sync.PlanRecord) {
				full := NewPlan(p.ID)
				full.ManageTokenHash, full.FeedTokenHash = p.ManageTokenHash, p.FeedTokenHash
				*p = *full
			},
		},
		{
			name: "non-UTC zones and text with quotes, newlines, NULs",
			plan: func(id string) *sync.PlanRecord {
				p := NewPlan(id)
				tokyo := time.FixedZone("JST", 9*3600)
				p.LastSync = time.Date(2026, 1, 1, 9, 0, 0, 1_000_000, tokyo)
				p.NextSync = time.Date(2025, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
				p.LastError = "line 1\nline \"2\"\x00 ' ; DROP TABLE plans; --"
				p.Sources = []string{"/path with space/ünïcode 🏃.ics"}
				return p
			},
			update: func(p *sync.PlanRecord) { p.LastError = "" },
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxOf(t)
			p := tt.plan(fmt.Sprintf("plan-rt-%d", i))
			want := clonePlan(p)
			mustCreate(t, s, p)
			assertPlan(t, want, mustGet(t, s, p.ID))
			if got, err := s.PlanByFeedToken(ctx, p.FeedTokenHash); err != nil {
				t.Fatalf("PlanByFeedToken: %v", err)
			} else {
				assertPlan(t, want, got)
			}

			tt.update(p)
			want = clonePlan(p)
			if err := s.UpdatePlan(ctx, p); err != nil {
				t.Fatalf("UpdatePlan: %v", err)
			}
			assertPlan(t, want, mustGet(t, s, p.ID))
			if got, err := s.PlanByFeedToken(ctx, p.FeedTokenHash); err != nil {
				t.Fatalf("PlanByFeedToken after update: %v", err)
			} else {
				assertPlan(t, want, got)
			}

			// The store must not keep the caller's slices: changing them
			// afterwards changes nothing stored.
			p.Sources = append(p.Sources[:0:0], "changed")
			if len(p.FeedTokenSealed) > 0 {
				p.FeedTokenSealed[0] ^= 0xff
			}
			assertPlan(t, want, mustGet(t, s, p.ID))

			if err := s.DeletePlan(ctx, p.ID); err != nil {
				t.Fatalf("DeletePlan: %v", err)
			}
			if _, err := s.GetPlan(ctx, p.ID); !errors.Is(err, sync.ErrNotFound) {
				t.Errorf("GetPlan after delete = %v, want ErrNotFound", err)
			}
		})
	}
}

func testNotFound(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	// One plan exists, so "not found" is not just "the store is empty".
	mustCreate(t, s, NewPlan("exists"))
	missing := NewPlan("missing")
	tests := []struct {
		name string
		call func() error
	}{
		{"GetPlan", func() error { _, err := s.GetPlan(ctx, "missing"); return err }},
		{"PlanByFeedToken", func() error { _, err := s.PlanByFeedToken(ctx, missing.FeedTokenHash); return err }},
		{"PlanByFeedToken empty hash", func() error { _, err := s.PlanByFeedToken(ctx, nil); return err }},
		{"UpdatePlan", func() error { return s.UpdatePlan(ctx, missing) }},
		{"DeletePlan", func() error { return s.DeletePlan(ctx, "missing") }},
		{"GetFeed of a missing plan", func() error { _, err := s.GetFeed(ctx, "missing"); return err }},
		{"GetFeed of a plan with no feed yet", func() error { _, err := s.GetFeed(ctx, "exists"); return err }},
		{"PutFeed", func() error { return s.PutFeed(ctx, "missing", &sync.Feed{ICS: []byte("x"), ETag: `"x"`}) }},
		{"PutState", func() error { return s.PutState(ctx, "missing", "k", []byte("v")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, sync.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
	// Nothing was created on the way.
	if _, err := s.GetPlan(ctx, "missing"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("a failed call created plan %q: %v", "missing", err)
	}
	if _, ok, err := s.GetState(ctx, "missing", "k"); err != nil || ok {
		t.Errorf("GetState of a missing plan = %v, %v; want not found, no error", ok, err)
	}
	if err := s.DeleteState(ctx, "missing", "k"); err != nil {
		t.Errorf("DeleteState of a missing plan: %v", err)
	}
}

func testCreateValidation(t *testing.T, s sync.Store) {
	tests := []struct {
		name string
		edit func(p *sync.PlanRecord)
	}{
		{"empty ID", func(p *sync.PlanRecord) { p.ID = "" }},
		{"no feed token hash", func(p *sync.PlanRecord) { p.FeedTokenHash = nil }},
		{"no manage token hash", func(p *sync.PlanRecord) { p.ManageTokenHash = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan("invalid")
			tt.edit(p)
			if err := s.CreatePlan(ctxOf(t), p); err == nil {
				t.Fatal("CreatePlan accepted the plan")
			}
			if _, err := s.GetPlan(ctxOf(t), "invalid"); !errors.Is(err, sync.ErrNotFound) {
				t.Errorf("rejected plan is stored: %v", err)
			}
		})
	}
}

func testDuplicatesRefused(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	orig := NewPlan("orig")
	mustCreate(t, s, orig)
	tests := []struct {
		name string
		dup  func() *sync.PlanRecord
	}{
		{"same ID", func() *sync.PlanRecord { return NewPlan("orig") }},
		{"same feed token hash", func() *sync.PlanRecord {
			p := NewPlan("dup-feed")
			p.FeedTokenHash = bytes.Clone(orig.FeedTokenHash)
			return p
		}},
		{"same manage token hash", func() *sync.PlanRecord {
			p := NewPlan("dup-manage")
			p.ManageTokenHash = bytes.Clone(orig.ManageTokenHash)
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dup := tt.dup()
			err := s.CreatePlan(ctx, dup)
			if err == nil {
				t.Fatal("CreatePlan accepted a duplicate")
			}
			if errors.Is(err, sync.ErrNotFound) {
				t.Errorf("duplicate reported as ErrNotFound: %v", err)
			}
			// The original is untouched and still found by its token.
			assertPlan(t, orig, mustGet(t, s, "orig"))
			got, err := s.PlanByFeedToken(ctx, orig.FeedTokenHash)
			if err != nil {
				t.Fatalf("PlanByFeedToken(orig): %v", err)
			}
			if got.ID != "orig" {
				t.Errorf("PlanByFeedToken(orig) = %s", got.ID)
			}
			if dup.ID != "orig" {
				if _, err := s.GetPlan(ctx, dup.ID); !errors.Is(err, sync.ErrNotFound) {
					t.Errorf("refused plan %s is stored: %v", dup.ID, err)
				}
				if _, err := s.PlanByFeedToken(ctx, dup.FeedTokenHash); !bytes.Equal(dup.FeedTokenHash, orig.FeedTokenHash) && !errors.Is(err, sync.ErrNotFound) {
					t.Errorf("refused plan's feed token resolves: %v", err)
				}
			}
		})
	}
	// A feed hash equal to another plan's manage hash is allowed: the two
	// live in different indexes, and a store that mixed them up would
	// refuse it.
	cross := NewPlan("cross")
	cross.FeedTokenHash = bytes.Clone(orig.ManageTokenHash)
	cross.NextSync = orig.NextSync.Add(time.Hour)
	mustCreate(t, s, cross)
	if got, err := s.PlanByFeedToken(ctx, cross.FeedTokenHash); err != nil || got.ID != "cross" {
		t.Errorf("PlanByFeedToken(cross) = %v, %v", got, err)
	}
	// The original's due entry survived the refused duplicate of its ID.
	ids, err := s.DuePlans(ctx, orig.NextSync, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"orig"}) {
		t.Errorf("DuePlans = %v, want [orig]", ids)
	}
}

func testUpdateDuplicateRefused(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	a, b := NewPlan("a"), NewPlan("b")
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	tests := []struct {
		name string
		edit func(p *sync.PlanRecord)
	}{
		{"feed token hash of another plan", func(p *sync.PlanRecord) { p.FeedTokenHash = bytes.Clone(a.FeedTokenHash) }},
		{"manage token hash of another plan", func(p *sync.PlanRecord) { p.ManageTokenHash = bytes.Clone(a.ManageTokenHash) }},
		{"empty feed token hash", func(p *sync.PlanRecord) { p.FeedTokenHash = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *b
			p.Status = "changed"
			tt.edit(&p)
			err := s.UpdatePlan(ctx, &p)
			if err == nil {
				t.Fatal("UpdatePlan accepted the change")
			}
			if errors.Is(err, sync.ErrNotFound) {
				t.Errorf("refusal reported as ErrNotFound: %v", err)
			}
			assertPlan(t, a, mustGet(t, s, "a"))
			assertPlan(t, b, mustGet(t, s, "b"))
			for _, want := range []*sync.PlanRecord{a, b} {
				got, err := s.PlanByFeedToken(ctx, want.FeedTokenHash)
				if err != nil || got.ID != want.ID {
					t.Errorf("PlanByFeedToken(%s) = %v, %v", want.ID, got, err)
				}
			}
		})
	}
}

func testFeedTokenRotation(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	p := NewPlan("rot")
	mustCreate(t, s, p)
	hashes := [][]byte{p.FeedTokenHash}
	for i := range 3 {
		p.FeedTokenHash = seal.HashToken(seal.NewToken())
		p.FeedTokenSealed = []byte(fmt.Sprintf("sealed-%d", i))
		hashes = append(hashes, p.FeedTokenHash)
		if err := s.UpdatePlan(ctx, p); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
	}
	current := hashes[len(hashes)-1]
	for i, h := range hashes {
		got, err := s.PlanByFeedToken(ctx, h)
		if bytes.Equal(h, current) {
			if err != nil || got.ID != "rot" || !bytes.Equal(got.FeedTokenHash, current) {
				t.Errorf("current hash: PlanByFeedToken = %v, %v", got, err)
			}
			continue
		}
		if !errors.Is(err, sync.ErrNotFound) {
			t.Errorf("rotated-away hash %d: PlanByFeedToken = %v, %v; want ErrNotFound", i, got, err)
		}
	}
	// An update that keeps the hash keeps the token working.
	p.Status = "syncing"
	if err := s.UpdatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PlanByFeedToken(ctx, current); err != nil || got.Status != "syncing" {
		t.Errorf("after an update keeping the hash: %v, %v", got, err)
	}
}

func testDeleteRemovesEverything(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	p := NewPlan("del")
	keep := NewPlan("keep")
	mustCreate(t, s, p)
	mustCreate(t, s, keep)
	for _, id := range []string{"del", "keep"} {
		if err := s.PutFeed(ctx, id, &sync.Feed{ICS: []byte("BEGIN:VCALENDAR " + id), ETag: `"` + id + `"`, Updated: base}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutState(ctx, id, "google.sync_token", []byte("tok-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeletePlan(ctx, "del"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetPlan(ctx, "del"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("GetPlan = %v, want ErrNotFound", err)
	}
	if _, err := s.GetFeed(ctx, "del"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("GetFeed = %v, want ErrNotFound", err)
	}
	if v, ok, err := s.GetState(ctx, "del", "google.sync_token"); err != nil || ok {
		t.Errorf("GetState = %q, %v, %v; want gone", v, ok, err)
	}
	if _, err := s.PlanByFeedToken(ctx, p.FeedTokenHash); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("PlanByFeedToken = %v, want ErrNotFound", err)
	}
	if f, err := s.FeedByToken(ctx, p.FeedTokenHash, true); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("FeedByToken = %v, %v; want ErrNotFound", f, err)
	}
	if ids, err := s.DuePlans(ctx, base.Add(24*time.Hour), 10); err != nil || !slices.Equal(ids, []string{"keep"}) {
		t.Errorf("DuePlans = %v, %v; want [keep]", ids, err)
	}
	if err := s.DeletePlan(ctx, "del"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("second DeletePlan = %v, want ErrNotFound", err)
	}
	// The other plan kept everything.
	if f, err := s.GetFeed(ctx, "keep"); err != nil || string(f.ICS) != "BEGIN:VCALENDAR keep" {
		t.Errorf("GetFeed(keep) = %v, %v", f, err)
	}
	if v, ok, err := s.GetState(ctx, "keep", "google.sync_token"); err != nil || !ok || string(v) != "tok-keep" {
		t.Errorf("GetState(keep) = %q, %v, %v", v, ok, err)
	}
	// The ID and both tokens are free again, and the new plan starts empty.
	again := *p
	if err := s.CreatePlan(ctx, &again); err != nil {
		t.Fatalf("re-create after delete: %v", err)
	}
	if _, err := s.GetFeed(ctx, "del"); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("re-created plan has the old feed: %v", err)
	}
	if _, ok, _ := s.GetState(ctx, "del", "google.sync_token"); ok {
		t.Error("re-created plan has the old state")
	}
	if got, err := s.PlanByFeedToken(ctx, p.FeedTokenHash); err != nil || got.ID != "del" {
		t.Errorf("PlanByFeedToken after re-create = %v, %v", got, err)
	}
}

// SPEC §6 "Leaving cleanly": a deleted plan's feed token hash is kept
// until an instant, judged by the caller's clock. The clock starts at the
// real time, because a store may let its own clock forget tombstones that
// have run out.
func testFeedTombstones(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	now := time.Now().Truncate(time.Millisecond)
	until := now.Add(60 * 24 * time.Hour)
	p := NewPlan("gone")
	mustCreate(t, s, p)
	if err := s.PutFeedTombstone(ctx, p.FeedTokenHash, until); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePlan(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	other := seal.HashToken(seal.NewToken())
	for _, tt := range []struct {
		name string
		hash []byte
		at   time.Time
		want bool
	}{
		{"at once", p.FeedTokenHash, now, true},
		{"a day later", p.FeedTokenHash, now.Add(24 * time.Hour), true},
		{"the last millisecond", p.FeedTokenHash, until.Add(-time.Millisecond), true},
		{"at until", p.FeedTokenHash, until, false},
		{"61 days later", p.FeedTokenHash, now.Add(61 * 24 * time.Hour), false},
		{"another hash", other, now, false},
		{"no hash", nil, now, false},
	} {
		got, err := s.FeedTombstone(ctx, tt.hash, tt.at)
		if err != nil || got != tt.want {
			t.Errorf("%s: FeedTombstone = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// A tombstone is not a plan: the token finds no plan.
	if _, err := s.PlanByFeedToken(ctx, p.FeedTokenHash); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("PlanByFeedToken of a tombstone = %v, want ErrNotFound", err)
	}
	// Putting it again moves until.
	if err := s.PutFeedTombstone(ctx, p.FeedTokenHash, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FeedTombstone(ctx, p.FeedTokenHash, now.Add(2*time.Hour)); err != nil || got {
		t.Errorf("after a shorter put: FeedTombstone = %v, %v; want false", got, err)
	}
	// Rotation makes none: a rotated-away token is simply unknown.
	q := NewPlan("rotating")
	mustCreate(t, s, q)
	old := q.FeedTokenHash
	q.FeedTokenHash = seal.HashToken(seal.NewToken())
	if err := s.UpdatePlan(ctx, q); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FeedTombstone(ctx, old, now); err != nil || got {
		t.Errorf("rotated-away hash: FeedTombstone = %v, %v; want false", got, err)
	}
	if err := s.PutFeedTombstone(ctx, nil, until); err == nil {
		t.Error("PutFeedTombstone accepted an empty hash")
	}
}

func testDuePlans(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	plans := []struct {
		id   string
		next time.Time
	}{
		// IDs run against time (but for the tie) and plans are created out
		// of order, so neither ID nor insertion order passes for sorting.
		{"p-a", base.Add(24 * time.Hour)},
		{"p-d2", base.Add(-time.Hour)},
		{"p-c", base},
		{"p-f", base.Add(-2 * time.Hour)},
		{"p-b", base.Add(time.Millisecond)},
		{"p-d1", base.Add(-time.Hour)},
		// The zero time is the earliest instant there is: a plan that was
		// never scheduled is due at once.
		{"p-g", time.Time{}},
	}
	for _, p := range plans {
		rec := NewPlan(p.id)
		rec.NextSync = p.next
		mustCreate(t, s, rec)
	}
	tests := []struct {
		name  string
		t     time.Time
		limit int
		want  []string
	}{
		{"at an instant: inclusive, earliest first, ties by ID", base, 100, []string{"p-g", "p-f", "p-d1", "p-d2", "p-c"}},
		{"limit", base, 2, []string{"p-g", "p-f"}},
		{"limit splits a tie", base, 3, []string{"p-g", "p-f", "p-d1"}},
		{"one millisecond before", base.Add(-time.Millisecond), 100, []string{"p-g", "p-f", "p-d1", "p-d2"}},
		{"one millisecond after", base.Add(time.Millisecond), 100, []string{"p-g", "p-f", "p-d1", "p-d2", "p-c", "p-b"}},
		{"sub-millisecond t rounds down", base.Truncate(time.Millisecond).Add(999 * time.Microsecond), 100, []string{"p-g", "p-f", "p-d1", "p-d2", "p-c"}},
		{"only the never-scheduled", base.Add(-3 * time.Hour), 100, []string{"p-g"}},
		{"everything", base.Add(48 * time.Hour), 100, []string{"p-g", "p-f", "p-d1", "p-d2", "p-c", "p-b", "p-a"}},
		{"limit zero", base, 0, nil},
		{"negative limit", base, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.DuePlans(ctx, tt.t, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("DuePlans(%s, %d) = %v, want %v", tt.t.Format(time.RFC3339Nano), tt.limit, got, tt.want)
			}
		})
	}
}

func testDuePlansFollowUpdates(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	a, b := NewPlan("a"), NewPlan("b")
	a.NextSync, b.NextSync = base.Add(-time.Hour), base.Add(-2*time.Hour)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	due := func() []string {
		t.Helper()
		ids, err := s.DuePlans(ctx, base, 10)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := due(); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("DuePlans = %v, want [b a]", got)
	}
	// The worker syncs b and schedules it later: it leaves the due list.
	b.NextSync = base.Add(time.Hour)
	if err := s.UpdatePlan(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after moving b later: %v, want [a]", got)
	}
	// A webhook brings b forward, ahead of a.
	b.NextSync = base.Add(-3 * time.Hour)
	if err := s.UpdatePlan(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("after moving b earlier: %v, want [b a]", got)
	}
	if err := s.DeletePlan(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after deleting a: %v, want [b]", got)
	}
}

func testFeed(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	mustCreate(t, s, NewPlan("f"))
	tests := []struct {
		name string
		feed sync.Feed
	}{
		{"calendar", sync.Feed{
			ICS:      []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Strength training\r\nEND:VCALENDAR\r\n"),
			ETag:     `"3f2a"`,
			Updated:  base,
			PlanJSON: []byte(`{"timezone":"Europe/London","days":[]}`),
		}},
		{"replaced, binary, no plan JSON", sync.Feed{
			ICS:     []byte{0x1f, 0x8b, 0, 0xff, '\r', '\n'},
			ETag:    `"b"`,
			Updated: base.Add(time.Hour + 500*time.Microsecond),
		}},
		{"large", sync.Feed{
			ICS:      bytes.Repeat([]byte("BEGIN:VEVENT\r\nSUMMARY:Strength A\r\nEND:VEVENT\r\n"), 20_000),
			ETag:     `"big"`,
			Updated:  base.Add(2 * time.Hour),
			PlanJSON: bytes.Repeat([]byte(" "), 100_000),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.feed
			in.ICS = bytes.Clone(tt.feed.ICS)
			if err := s.PutFeed(ctx, "f", &in); err != nil {
				t.Fatal(err)
			}
			if len(in.ICS) > 0 {
				in.ICS[0] ^= 0xff // the store must have copied it
			}
			got, err := s.GetFeed(ctx, "f")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.ICS, tt.feed.ICS) {
				t.Errorf("ICS: got %d bytes %.40q, want %d bytes %.40q", len(got.ICS), got.ICS, len(tt.feed.ICS), tt.feed.ICS)
			}
			if got.ETag != tt.feed.ETag {
				t.Errorf("ETag = %q, want %q", got.ETag, tt.feed.ETag)
			}
			if !sameTime(got.Updated, tt.feed.Updated) {
				t.Errorf("Updated = %v, want %v", got.Updated, tt.feed.Updated)
			}
			if !bytes.Equal(got.PlanJSON, tt.feed.PlanJSON) {
				t.Errorf("PlanJSON: got %d bytes, want %d", len(got.PlanJSON), len(tt.feed.PlanJSON))
			}
		})
	}
}

func testState(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	mustCreate(t, s, NewPlan("s1"))
	mustCreate(t, s, NewPlan("s2"))
	type op struct {
		kind  string // put, del, get
		plan  string
		key   string
		value []byte
		found bool
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"missing key", []op{{kind: "get", plan: "s1", key: "etag:https://a"}}},
		{"put then get", []op{
			{kind: "put", plan: "s1", key: "etag:https://a", value: []byte(`"v1"`)},
			{kind: "get", plan: "s1", key: "etag:https://a", value: []byte(`"v1"`), found: true},
		}},
		{"overwrite", []op{
			{kind: "put", plan: "s1", key: "k", value: []byte("one")},
			{kind: "put", plan: "s1", key: "k", value: []byte("two")},
			{kind: "get", plan: "s1", key: "k", value: []byte("two"), found: true},
		}},
		{"keys are per plan", []op{
			{kind: "put", plan: "s1", key: "shared", value: []byte("s1")},
			{kind: "put", plan: "s2", key: "shared", value: []byte("s2")},
			{kind: "get", plan: "s1", key: "shared", value: []byte("s1"), found: true},
			{kind: "get", plan: "s2", key: "shared", value: []byte("s2"), found: true},
			{kind: "del", plan: "s1", key: "shared"},
			{kind: "get", plan: "s1", key: "shared"},
			{kind: "get", plan: "s2", key: "shared", value: []byte("s2"), found: true},
		}},
		{"empty value is found", []op{
			{kind: "put", plan: "s1", key: "empty", value: []byte{}},
			{kind: "get", plan: "s1", key: "empty", value: []byte{}, found: true},
		}},
		{"binary value and odd key", []op{
			{kind: "put", plan: "s1", key: "google:sync/ü {x}:\x00", value: []byte{0, 0xff, 0, '\n'}},
			{kind: "get", plan: "s1", key: "google:sync/ü {x}:\x00", value: []byte{0, 0xff, 0, '\n'}, found: true},
		}},
		{"delete, delete again", []op{
			{kind: "put", plan: "s1", key: "gone", value: []byte("x")},
			{kind: "del", plan: "s1", key: "gone"},
			{kind: "del", plan: "s1", key: "gone"},
			{kind: "get", plan: "s1", key: "gone"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, o := range tt.ops {
				switch o.kind {
				case "put":
					if err := s.PutState(ctx, o.plan, o.key, o.value); err != nil {
						t.Fatalf("op %d: PutState: %v", i, err)
					}
				case "del":
					if err := s.DeleteState(ctx, o.plan, o.key); err != nil {
						t.Fatalf("op %d: DeleteState: %v", i, err)
					}
				case "get":
					v, ok, err := s.GetState(ctx, o.plan, o.key)
					if err != nil {
						t.Fatalf("op %d: GetState: %v", i, err)
					}
					if ok != o.found || !bytes.Equal(v, o.value) {
						t.Errorf("op %d: GetState(%s, %q) = %q, %v; want %q, %v", i, o.plan, o.key, v, ok, o.value, o.found)
					}
				}
			}
		})
	}
}

func testLock(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	unlockA, err := s.Lock(ctx, "sync:plan-1", time.Minute)
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	if _, err := s.Lock(ctx, "sync:plan-1", time.Minute); !errors.Is(err, sync.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	unlockB, err := s.Lock(ctx, "sync:plan-2", time.Minute)
	if err != nil {
		t.Fatalf("Lock of another name: %v", err)
	}
	if err := unlockA(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	unlockA2, err := s.Lock(ctx, "sync:plan-1", time.Minute)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	// The old holder's second unlock must not release the new holder.
	if err := unlockA(ctx); err != nil {
		t.Fatalf("repeated unlock: %v", err)
	}
	if _, err := s.Lock(ctx, "sync:plan-1", time.Minute); !errors.Is(err, sync.ErrLocked) {
		t.Errorf("after a repeated unlock by the old holder: %v, want ErrLocked", err)
	}
	if _, err := s.Lock(ctx, "sync:plan-2", time.Minute); !errors.Is(err, sync.ErrLocked) {
		t.Errorf("other name was released: %v", err)
	}
	for _, u := range []func(context.Context) error{unlockA2, unlockB} {
		if err := u(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, err := s.Lock(ctx, "bad-ttl", ttl); err == nil || errors.Is(err, sync.ErrLocked) {
			t.Errorf("Lock with ttl %v = %v, want a usage error", ttl, err)
		}
	}
}

// eventuallyLock retries Lock until the lease is free; expiry is checked by
// outcome, not by timing, so a slow machine cannot fail the test.
func eventuallyLock(t *testing.T, s sync.Store, name string, ttl time.Duration) func(context.Context) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		unlock, err := s.Lock(ctxOf(t), name, ttl)
		if err == nil {
			return unlock
		}
		if !errors.Is(err, sync.ErrLocked) {
			t.Fatalf("Lock: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease %q never expired", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLockExpiry(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	const short = 300 * time.Millisecond
	start := time.Now()
	staleUnlock, err := s.Lock(ctx, "lease", short)
	if err != nil {
		t.Fatal(err)
	}
	// The lease cannot end before start+short, so a second Lock that
	// returns before then must be refused. On a machine too loaded to get
	// there in time the check proves nothing and is left out.
	unlock2, err := s.Lock(ctx, "lease", short)
	switch {
	case errors.Is(err, sync.ErrLocked):
	case err == nil && time.Since(start) >= short:
		t.Log("machine too slow to check the lease before its expiry")
		_ = unlock2(ctx)
	default:
		t.Fatalf("Lock before expiry = %v, want ErrLocked", err)
	}
	time.Sleep(short)
	// The first holder "crashed"; its lease runs out and a new holder takes it.
	unlockNew := eventuallyLock(t, s, "lease", time.Minute)
	// The crashed holder wakes up and unlocks: the new holder keeps the lease.
	if err := staleUnlock(ctx); err != nil {
		t.Fatalf("stale unlock: %v", err)
	}
	if _, err := s.Lock(ctx, "lease", time.Minute); !errors.Is(err, sync.ErrLocked) {
		t.Fatalf("stale unlock released the new holder's lease: %v", err)
	}
	if err := unlockNew(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := s.Lock(ctx, "lease", time.Minute)
	if err != nil {
		t.Fatalf("Lock after the new holder's unlock: %v", err)
	}
	_ = u(ctx)
}

func testLockContention(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	const n = 20
	var (
		wg      stdsync.WaitGroup
		mu      stdsync.Mutex
		winners int
		errs    []error
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := s.Lock(ctx, "contended", time.Minute)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, sync.ErrLocked):
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("Lock errors: %v", errs)
	}
	if winners != 1 {
		t.Errorf("%d goroutines took the lease, want exactly 1", winners)
	}
}

func testConcurrentState(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	mustCreate(t, s, NewPlan("c"))
	const workers, keys = 50, 4
	var wg stdsync.WaitGroup
	errc := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for k := range keys {
				key := fmt.Sprintf("w%d/k%d", w, k)
				// Each key is written twice; the second value must win.
				for v := range 2 {
					if err := s.PutState(ctx, "c", key, fmt.Appendf(nil, "%s=%d", key, v)); err != nil {
						errc <- err
						return
					}
				}
				if _, ok, err := s.GetState(ctx, "c", key); err != nil || !ok {
					errc <- fmt.Errorf("read back %s: %v, %v", key, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	lost := 0
	for w := range workers {
		for k := range keys {
			key := fmt.Sprintf("w%d/k%d", w, k)
			v, ok, err := s.GetState(ctx, "c", key)
			if err != nil {
				t.Fatal(err)
			}
			if want := key + "=1"; !ok || string(v) != want {
				lost++
				if lost < 5 {
					t.Errorf("GetState(%s) = %q, %v; want %q", key, v, ok, want)
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d writes lost", lost, workers*keys)
	}
}

func testConcurrentPlans(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	const n = 50
	plans := make([]*sync.PlanRecord, n)
	for i := range plans {
		plans[i] = NewPlan(fmt.Sprintf("cp-%02d", i))
		plans[i].NextSync = base.Add(time.Duration(i) * time.Minute)
	}
	var wg stdsync.WaitGroup
	errc := make(chan error, n)
	for _, p := range plans {
		wg.Go(func() {
			if err := s.CreatePlan(ctx, p); err != nil {
				errc <- err
				return
			}
			p.Status = "syncing"
			if err := s.UpdatePlan(ctx, p); err != nil {
				errc <- err
				return
			}
			if err := s.PutFeed(ctx, p.ID, &sync.Feed{ICS: []byte(p.ID), ETag: p.ID, Updated: base}); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	for _, p := range plans {
		got, err := s.PlanByFeedToken(ctx, p.FeedTokenHash)
		if err != nil {
			t.Fatalf("PlanByFeedToken(%s): %v", p.ID, err)
		}
		assertPlan(t, p, got)
		if f, err := s.GetFeed(ctx, p.ID); err != nil || string(f.ICS) != p.ID {
			t.Errorf("GetFeed(%s) = %v, %v", p.ID, f, err)
		}
	}
	ids, err := s.DuePlans(ctx, base.Add(time.Hour), n+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || ids[0] != "cp-00" || ids[n-1] != fmt.Sprintf("cp-%02d", n-1) {
		t.Errorf("DuePlans = %v", ids)
	}
}

func testPing(t *testing.T, s sync.Store) {
	if err := s.Ping(ctxOf(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testFeedByToken: a feed request's one read gives the validators, the
// calendar only when asked, and follows publishes and token rotation.
func testPlanIDByManageToken(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	p := NewPlan("bymanage")
	mustCreate(t, s, p)
	if id, err := s.PlanIDByManageToken(ctx, p.ManageTokenHash); err != nil || id != p.ID {
		t.Errorf("PlanIDByManageToken = %q, %v; want %q", id, err, p.ID)
	}
	for _, h := range [][]byte{nil, seal.HashToken(seal.NewToken())} {
		if id, err := s.PlanIDByManageToken(ctx, h); !errors.Is(err, sync.ErrNotFound) {
			t.Errorf("unknown hash %x: PlanIDByManageToken = %q, %v; want ErrNotFound", h, id, err)
		}
	}
	if err := s.DeletePlan(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if id, err := s.PlanIDByManageToken(ctx, p.ManageTokenHash); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("after delete: PlanIDByManageToken = %q, %v; want ErrNotFound", id, err)
	}
}

func testFeedByToken(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	p := NewPlan("fbt")
	mustCreate(t, s, p)
	if f, err := s.FeedByToken(ctx, p.FeedTokenHash, false); !errors.Is(err, sync.ErrNoFeed) {
		t.Errorf("before a publish: FeedByToken = %v, %v; want ErrNoFeed", f, err)
	}
	for _, h := range [][]byte{nil, seal.HashToken(seal.NewToken())} {
		if f, err := s.FeedByToken(ctx, h, true); !errors.Is(err, sync.ErrNotFound) {
			t.Errorf("unknown hash %x: FeedByToken = %v, %v; want ErrNotFound", h, f, err)
		}
	}
	for i, want := range []sync.Feed{
		{ICS: []byte("BEGIN:VCALENDAR one"), ETag: `"one"`, Updated: base, PlanJSON: []byte(`{"days":[]}`)},
		{ICS: []byte("BEGIN:VCALENDAR two, longer"), ETag: `"two"`, Updated: base.Add(time.Hour)},
	} {
		if err := s.PutFeed(ctx, "fbt", &want); err != nil {
			t.Fatal(err)
		}
		head, err := s.FeedByToken(ctx, p.FeedTokenHash, false)
		if err != nil || head.ETag != want.ETag || !sameTime(head.Updated, want.Updated) || head.ICS != nil || head.PlanJSON != nil {
			t.Errorf("publish %d: head = %+v, %v; want ETag %s, Updated %v and no body", i, head, err, want.ETag, want.Updated)
		}
		whole, err := s.FeedByToken(ctx, p.FeedTokenHash, true)
		if err != nil || whole.ETag != want.ETag || !sameTime(whole.Updated, want.Updated) ||
			string(whole.ICS) != string(want.ICS) || whole.PlanJSON != nil {
			t.Errorf("publish %d: whole = %+v, %v; want %+v without the plan", i, whole, err, want)
		}
	}
	old := p.FeedTokenHash
	p.FeedTokenHash = seal.HashToken(seal.NewToken())
	if err := s.UpdatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f, err := s.FeedByToken(ctx, old, false); !errors.Is(err, sync.ErrNotFound) {
		t.Errorf("rotated-away token: FeedByToken = %v, %v; want ErrNotFound", f, err)
	}
	if f, err := s.FeedByToken(ctx, p.FeedTokenHash, false); err != nil || f.ETag != `"two"` {
		t.Errorf("new token: FeedByToken = %v, %v; want the feed", f, err)
	}
}

// testSyncHealth follows plans through creation, failures, recovery,
// needs_reconnect and deletion: the oldest success clock counts only
// watched plans, and failing plans are counted by reason.
func testSyncHealth(t *testing.T, s sync.Store) {
	ctx := ctxOf(t)
	check := func(step string, oldest time.Time, failing map[string]int) {
		t.Helper()
		h, err := s.SyncHealth(ctx)
		if err != nil {
			t.Fatalf("%s: SyncHealth: %v", step, err)
		}
		if !sameTime(h.OldestSuccess, oldest) || h.OldestSuccess.IsZero() != oldest.IsZero() {
			t.Errorf("%s: OldestSuccess = %v, want %v", step, h.OldestSuccess, oldest)
		}
		for _, r := range sync.FailReasons() {
			if h.Failing[r] != failing[r] {
				t.Errorf("%s: Failing[%s] = %d, want %d", step, r, h.Failing[r], failing[r])
			}
		}
	}
	check("empty", time.Time{}, nil)

	// a has synced; b has never synced, so it counts from its creation.
	a := NewPlan("health-a")
	a.LastSuccess = base.Add(-2 * time.Hour)
	mustCreate(t, s, a)
	b := NewPlan("health-b")
	b.Status, b.LastSync, b.LastSuccess, b.Created = "new", time.Time{}, time.Time{}, base.Add(-3*time.Hour)
	mustCreate(t, s, b)
	check("created", b.Created, nil)

	// b's host is down: its own problem, it leaves the watch.
	b.Status, b.FailReason = "error", sync.ReasonTransientSource
	if err := s.UpdatePlan(ctx, b); err != nil {
		t.Fatal(err)
	}
	check("b failing at its source", a.LastSuccess, map[string]int{sync.ReasonTransientSource: 1})

	// a fails in the store: still watched, still counting from its last success.
	a.Status, a.FailReason = "error", sync.ReasonStore
	if err := s.UpdatePlan(ctx, a); err != nil {
		t.Fatal(err)
	}
	check("a failing in the store", a.LastSuccess, map[string]int{sync.ReasonTransientSource: 1, sync.ReasonStore: 1})

	// a recovers; b loses its Google grant and is no longer scheduled.
	a.Status, a.FailReason, a.LastSuccess = "ok", "", base
	if err := s.UpdatePlan(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Status, b.FailReason, b.NextSync = sync.StatusNeedsReconnect, sync.ReasonGoogleRevoked, sync.Never
	if err := s.UpdatePlan(ctx, b); err != nil {
		t.Fatal(err)
	}
	check("a recovered, b revoked", base, map[string]int{sync.ReasonGoogleRevoked: 1})

	// b reconnected but not yet synced: watched again, from its creation.
	b.Status, b.FailReason, b.NextSync = "new", "", time.Time{}
	if err := s.UpdatePlan(ctx, b); err != nil {
		t.Fatal(err)
	}
	check("b reconnected", b.Created, nil)

	for _, id := range []string{b.ID, a.ID} {
		if err := s.DeletePlan(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	check("deleted", time.Time{}, nil)
}
