package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// BenchGetFeed measures serving a feed: one GetFeed of a 40 KB calendar
// (about a year of sessions), the work behind GET /feeds/{token}.ics.
func BenchGetFeed(b *testing.B, s sync.Store) {
	ctx := b.Context()
	p := NewPlan("bench-feed")
	if err := s.CreatePlan(ctx, p); err != nil {
		b.Fatal(err)
	}
	ics := bytes.Repeat([]byte("BEGIN:VEVENT\r\nSUMMARY:Strength A\r\nEND:VEVENT\r\n"), 900)
	if err := s.PutFeed(ctx, p.ID, &sync.Feed{ICS: ics, ETag: `"e"`, Updated: base, PlanJSON: []byte(`{}`)}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(ics)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := s.GetFeed(ctx, p.ID)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.ICS) != len(ics) {
			b.Fatalf("got %d bytes", len(f.ICS))
		}
	}
}

// BenchPlanByFeedToken measures the token lookup in front of every feed
// request, over 200 plans.
func BenchPlanByFeedToken(b *testing.B, s sync.Store) {
	ctx := b.Context()
	const n = 200
	hashes := make([][]byte, n)
	for i := range n {
		p := NewPlan(fmt.Sprintf("bench-%03d", i))
		p.FeedTokenHash = seal.HashToken(seal.NewToken())
		hashes[i] = p.FeedTokenHash
		if err := s.CreatePlan(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p, err := s.PlanByFeedToken(ctx, hashes[i%n])
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.Equal(p.FeedTokenHash, hashes[i%n]) {
			b.Fatal("wrong plan")
		}
		i++
	}
}

// BenchSyncHealth measures what every /metrics scrape asks the store, over
// 10,000 plans of which one in fifty is failing.
func BenchSyncHealth(b *testing.B, s sync.Store) {
	ctx := b.Context()
	const n = 10_000
	for i := range n {
		p := NewPlan(fmt.Sprintf("bench-%05d", i))
		p.LastSuccess = base.Add(-time.Duration(i) * time.Second)
		if i%50 == 0 {
			p.Status, p.FailReason = sync.StatusError, sync.FailReasons()[i/50%len(sync.FailReasons())]
		}
		if err := s.CreatePlan(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		h, err := s.SyncHealth(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if h.OldestSuccess.IsZero() || len(h.Failing) == 0 {
			b.Fatalf("health %+v", h)
		}
	}
}
