package web

import (
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/sqlite"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

// TestStoreHealthMetrics: the store's summary becomes the gauges an
// operator alerts on, the outcomes the store could not take count as
// failing for reason "store", and a store that does not answer says so.
func TestStoreHealthMetrics(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	plans := []struct {
		id          string
		lastSuccess time.Time
		reason      string
	}{
		{"fresh", now.Add(-5 * time.Minute), ""},
		{"stale", now.Add(-90 * time.Minute), sync.ReasonOther},
		// Older still, but its calendar is gone: the runner's to fix.
		{"dead-url", now.Add(-48 * time.Hour), sync.ReasonPermanentSource},
		{"dead-url-2", now.Add(-48 * time.Hour), sync.ReasonPermanentSource},
	}
	for _, p := range plans {
		r := storetest.NewPlan(p.id)
		r.LastSuccess, r.FailReason = p.lastSuccess, p.reason
		if err := store.CreatePlan(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	m := NewMetrics(MetricsConfig{Store: store, Unrecorded: func() int { return 3 }, Now: func() time.Time { return now }})
	body := scrape(t, m)
	for _, want := range []string{
		"strengthsync_store_up 1",
		"strengthsync_oldest_success_age_seconds 5400",
		`strengthsync_plans_failing{reason="permanent_source"} 2`,
		`strengthsync_plans_failing{reason="other"} 1`,
		`strengthsync_plans_failing{reason="store"} 3`,
		`strengthsync_plans_failing{reason="google_revoked"} 0`,
		`strengthsync_plans_failing{reason="transient_source"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(body, "strengthsync_"))
		}
	}

	store.Close()
	body = scrape(t, m)
	if !strings.Contains(body, "strengthsync_store_up 0\n") || strings.Contains(body, "strengthsync_oldest_success_age_seconds") {
		t.Errorf("with the store closed:\n%s", grepLines(body, "strengthsync_"))
	}
}
