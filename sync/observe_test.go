package sync_test

import (
	"context"
	"fmt"
	"github.com/strengthsync/strengthsync/sync/storetest"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	stdsync "sync"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/sync"
)

// TestSyncRecordsSuccessReasonAndFetches walks one plan with two URL
// sources through a success, an unchanged sync, a dead source and a host
// that is down: the record keeps its last success and the failure's
// reason, SyncHealth follows, and every fetch (not every sync) is heard.
func TestSyncRecordsSuccessReasonAndFetches(t *testing.T) {
	body, err := os.ReadFile("../examples/runna-weekly.ics")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	// No retries: a 503 fails at once.
	svc, st := limitService(t, storetest.NewClock(now), func(o *fetch.Options) { o.Retries = -1 })
	var mu stdsync.Mutex
	var heard []string
	svc.ObserveFetch = func(r string) { mu.Lock(); heard = append(heard, r); mu.Unlock() }

	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != http.StatusOK {
			http.Error(w, "no", status)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()
	created := now.Add(-time.Hour)
	newPlan(t, st, "p1", created, []string{srv.URL + "/a.ics", srv.URL + "/b.ics"}, nil)
	h, err := st.SyncHealth(ctx)
	if err != nil || !h.OldestSuccess.Equal(created) {
		t.Fatalf("before the first sync: OldestSuccess %v (%v), want the creation %v", h.OldestSuccess, err, created)
	}

	for _, step := range []struct {
		name        string
		status      int
		heard       []string
		reason      string
		lastSuccess time.Time
		watched     bool
	}{
		{"first sync", http.StatusOK, []string{sync.FetchChanged, sync.FetchChanged}, "", now, true},
		{"unchanged", http.StatusOK, []string{sync.FetchUnchanged, sync.FetchUnchanged}, "", now, true},
		{"calendar gone", http.StatusNotFound, []string{sync.FetchPermanentError, sync.FetchPermanentError}, sync.ReasonPermanentSource, now, false},
		{"host down", http.StatusServiceUnavailable, []string{sync.FetchTransientError, sync.FetchTransientError}, sync.ReasonTransientSource, now, false},
	} {
		status, heard = step.status, nil
		_, syncErr := svc.SyncPlan(ctx, "p1")
		if (syncErr != nil) != (step.reason != "") {
			t.Fatalf("%s: SyncPlan: %v", step.name, syncErr)
		}
		slices.Sort(heard)
		if !slices.Equal(heard, step.heard) {
			t.Errorf("%s: fetches heard %v, want %v", step.name, heard, step.heard)
		}
		got, err := st.GetPlan(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if got.FailReason != step.reason || !got.LastSuccess.Equal(step.lastSuccess) {
			t.Errorf("%s: reason %q, last success %v; want %q, %v", step.name, got.FailReason, got.LastSuccess, step.reason, step.lastSuccess)
		}
		h, err := st.SyncHealth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if watched := !h.OldestSuccess.IsZero(); watched != step.watched {
			t.Errorf("%s: watched %v, want %v (a runner's own source problem must not page the operator)", step.name, watched, step.watched)
		}
		if step.reason != "" && h.Failing[step.reason] != 1 {
			t.Errorf("%s: Failing %v, want one %s", step.name, h.Failing, step.reason)
		}
	}
}

func TestFailReasonOf(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{context.DeadlineExceeded, sync.ReasonOther},
		{fmt.Errorf("google: %w", oauth.ErrRevoked), sync.ReasonGoogleRevoked},
	} {
		if got := sync.FailReasonOf(tt.err); got != tt.want {
			t.Errorf("FailReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
