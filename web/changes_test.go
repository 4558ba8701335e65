package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/strengthsync/strengthsync/sync"
)

// TestChangeLogAPI: the coach eases Tuesdays; the sync moves sessions and
// GET /api/plans/{id}/changes says which and why. Only the manage token
// opens it.
func TestChangeLogAPI(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	res := e.do(http.MethodGet, "/api/plans/"+c.ID+"/changes", c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	if got := decode[changesJSON](t, res); got.Changes == nil || len(got.Changes) != 0 {
		t.Fatalf("a new plan's log: %+v, want an empty list", got)
	}
	e.cal.set(runsICS(true), http.StatusOK)
	if _, err := e.svc.SyncPlan(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	res = e.do(http.MethodGet, "/api/plans/"+c.ID+"/changes", c.ManageToken, nil)
	wantStatus(t, res, http.StatusOK)
	got := decode[changesJSON](t, res)
	if len(got.Changes) == 0 || len(got.Changes) > sync.KeptChanges {
		t.Fatalf("after the coach's change the log holds %d entries", len(got.Changes))
	}
	for _, ch := range got.Changes {
		if ch.At.IsZero() || !strings.Contains(ch.Cause, `"Intervals 6x800m" on Tue`) || !strings.Contains(ch.Cause, "(was hard)") {
			t.Errorf("entry %+v does not name the eased Tuesday as its cause", ch)
		}
	}
	page := e.do(http.MethodGet, "/plans/"+c.ID+"?token="+c.ManageToken, "", nil)
	wantStatus(t, page, http.StatusOK)
	html := string(readBody(t, page))
	if !strings.Contains(html, "What changed") || !strings.Contains(html, "Intervals 6x800m&#34; on Tue") {
		t.Error("the plan page lacks the What changed list")
	}
	wantStatus(t, e.do(http.MethodGet, "/api/plans/"+c.ID+"/changes", "", nil), http.StatusUnauthorized)
	wantStatus(t, e.do(http.MethodGet, "/api/plans/"+c.ID+"/changes", strings.Repeat("A", 43), nil), http.StatusNotFound)
}
