package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
)

// First syncs run in the worker pool (two workers here), not beside it:
// creating plans faster than they sync never runs more syncs at once than
// there are workers.
func TestFirstSyncsRunInTheWorkerPool(t *testing.T) {
	e := newEnv(t, func(e *env) {
		e.srv.FirstSyncWait = 50 * time.Millisecond
		e.srv.Fetcher = nil // count the syncs' requests only, not the check before create
	})
	release := make(chan struct{})
	e.cal.mu.Lock()
	e.cal.block = release
	e.cal.mu.Unlock()
	var ids []string
	for range 4 {
		res := e.do(http.MethodPost, "/api/plans", "", e.createBody())
		wantStatus(t, res, http.StatusCreated)
		c := decode[created](t, res)
		if c.Status != sync.StatusSyncing {
			t.Fatalf("status %q, want syncing while the source blocks", c.Status)
		}
		ids = append(ids, c.ID)
	}
	e.cal.mu.Lock()
	inFlight := e.cal.requests
	e.cal.mu.Unlock()
	if inFlight > 2 {
		t.Errorf("%d first syncs fetching at once, want at most the 2 workers", inFlight)
	}
	close(release)
	left := map[string]bool{}
	for _, id := range ids {
		left[id] = true
	}
	for timeout := time.After(30 * time.Second); len(left) > 0; {
		select {
		case id := <-e.synced:
			delete(left, id)
		case <-timeout:
			t.Fatalf("plans %v were not synced by the worker", left)
		}
	}
	for _, id := range ids {
		if p, err := e.store.GetPlan(t.Context(), id); err != nil || p.Status != sync.StatusOK {
			t.Errorf("plan %s after its first sync: %v %v", id, p, err)
		}
	}
}
