package web

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync/sqlite"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

// /readyz tries a small write to the store at most once per
// WriteProbeEvery and answers 503 while the store cannot take it (a full
// disk); standing warnings ride along in its body without failing it.
func TestReadyzWriteProbe(t *testing.T) {
	disk := storetest.MountSmallDisk(t, "2m")
	store, err := sqlite.Open(t.Context(), filepath.Join(disk.Dir, "strengthsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	const note = "warning: Redis has no persistence"
	e := newEnv(t, func(e *env) { e.srv.Store, e.srv.ReadyNotes = store, []string{note} })
	readyz := func(want int, says string) {
		t.Helper()
		res := e.do(http.MethodGet, "/readyz", "", nil)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || !strings.Contains(string(b), says) || !strings.Contains(string(b), note) {
			t.Errorf("/readyz: %d %q, want %d with %q and the note", res.StatusCode, b, want, says)
		}
	}
	readyz(http.StatusOK, "ok")
	disk.Fill(t)
	readyz(http.StatusOK, "ok") // the last probe is less than 10 s old: no write tried
	e.clock.Add(11 * time.Second)
	readyz(http.StatusServiceUnavailable, "store not writable")
	readyz(http.StatusServiceUnavailable, "full")
	disk.Free(t)
	readyz(http.StatusServiceUnavailable, "store not writable")
	e.clock.Add(11 * time.Second)
	readyz(http.StatusOK, "ok")
}
