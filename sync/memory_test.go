package sync_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/strengthsync/strengthsync/sync/storetest"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical/icaltest"
	"github.com/strengthsync/strengthsync/sync"
)

// peakHeap samples the heap in use (live and not yet swept objects, as
// HeapInuse counts them) until stop is called, and returns the peak.
func peakHeap() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// The attack that took the server from 32 MB to 7.7 GB: plans of many
// sources, each of 100,000 events. Every such plan now fails with a
// permanent error that names what went over, and the whole attack stays
// under 512 MB of heap.
func TestOneRequestCannotUseGigabytes(t *testing.T) {
	if testing.Short() {
		t.Skip("serves about half a gigabyte of calendars on loopback")
	}
	ctx := context.Background()
	now := icaltest.Start
	c := storetest.NewClock(now)
	svc, st := limitService(t, c, nil)

	// 100,000 events as a feed writes them (45 MB, over the fetch size
	// limit), and as a few kilobytes of rules that expand to as many in the
	// plan's weeks.
	written := icaltest.GenerateYears(274, 1)
	justUnder := icaltest.GenerateYears(70, 1) // 9.6 MB, a run a day for 70 years
	dense := icaltest.GenerateDense(100_000, now, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		switch {
		case strings.HasPrefix(r.URL.Path, "/written/"):
			w.Write(written)
		case strings.HasPrefix(r.URL.Path, "/dense/"):
			w.Write(dense)
		case strings.HasPrefix(r.URL.Path, "/large/"):
			w.Write(justUnder)
		default:
			w.Write(icaltest.GenerateDense(19_000, now, 2))
		}
	}))
	defer srv.Close()
	urls := func(kind string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s/%s/%d/s3cr3t.ics", srv.URL, kind, i)
		}
		return out
	}
	var peak uint64
	measure := func(name string, f func()) {
		runtime.GC()
		stop := peakHeap()
		f()
		p := stop()
		t.Logf("%-30s peak heap in use %4d MiB", name, p>>20)
		peak = max(peak, p)
	}

	tests := []struct {
		name          string
		sources, busy []string
		want          string // in the recorded error
	}{
		// Stored before the limits, or by hand: refused before any fetch.
		{"twenty sources", urls("dense", 20), nil, "sources: at most 5 calendars per plan, got 20"},
		{"six busy calendars", urls("dense", 1), urls("dense", 6), "busy: at most 5 busy calendars per plan, got 6"},
		// At the limit of calendars, each far over the events.
		{"expanded events", urls("dense", 5), urls("dense", 5), "/dense/…: more than 20000 events in the plan's weeks"},
		{"written events", urls("written", 5), urls("written", 5), "/written/… is larger than the 10 MB limit"},
		// Each calendar under the size limit, but not all ten together.
		{"calendars too large together", urls("large", 5), urls("large", 5), "/large/…: the plan's calendars hold more than 20 MiB together"},
		// Under the events limit, but a plan too large to store and serve.
		{"plan too large", urls("under", 1), nil, "over the 1024 KiB a plan may store"},
	}
	for i, tt := range tests {
		id := fmt.Sprintf("attack-%d", i)
		newPlan(t, st, id, now, tt.sources, tt.busy)
		var err error
		measure(tt.name, func() { _, err = svc.SyncPlan(ctx, id) })
		var se *sync.SyncError
		if !errors.As(err, &se) || !se.Permanent {
			t.Errorf("%s: sync error %v, want a permanent one", tt.name, err)
		}
		p, _ := st.GetPlan(ctx, id)
		if p.Status != sync.StatusError || !strings.Contains(p.LastError, tt.want) || !p.Scheduled().IsZero() {
			t.Errorf("%s: status %q, next %v, error %q; want it to say %q", tt.name, p.Status, p.Scheduled(), p.LastError, tt.want)
		}
		if _, err := st.GetFeed(ctx, id); err == nil {
			t.Errorf("%s: a feed was stored", tt.name)
		}
	}
	// Under every limit: two calendars just under the size limit are
	// fetched, kept, parsed and planned.
	newPlan(t, st, "large", now, urls("large", 1), urls("large", 1))
	measure("two large calendars", func() {
		if _, err := svc.SyncPlan(ctx, "large"); err != nil {
			t.Errorf("two large calendars: %v", err)
		}
	})
	t.Logf("peak heap in use: %d MiB (the calendars served from this process included)", peak>>20)
	if peak > 512<<20 {
		t.Errorf("peak heap %d MiB, over 512 MiB", peak>>20)
	}
}
