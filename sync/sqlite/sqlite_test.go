package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
	"github.com/strengthsync/strengthsync/sync/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "strengthsync.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sync.Store { return openTemp(t) })
}

// The service's store is SQLite under sync.SealURLs: the wrapper must keep
// every promise of the contract, the methods it does not override
// included.
func TestConformanceSealed(t *testing.T) {
	sealer, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T) sync.Store { return sync.SealURLs(openTemp(t), sealer) })
}

// rawDump reads every column of every row of every table, then the
// database, WAL and shared-memory files byte for byte.
func rawDump(t *testing.T, path string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	tables, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	if len(names) < 4 {
		t.Fatalf("only tables %v", names)
	}
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					out.Write(v)
				default:
					fmt.Fprint(&out, v)
				}
				out.WriteByte('\n')
			}
		}
		rows.Close()
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.Bytes()
}

func TestDumpContainsNoSecret(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	storetest.DumpContainsNoSecret(t, s, func(t *testing.T) []byte { return rawDump(t, s.path) })
}

// The checker must be able to fail: a token written in the clear is found.
func TestDumpFindsCleartext(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	p := storetest.NewPlan("leaky")
	secret := []byte("1//0gLeakedRefreshToken-abcdefghijklmnop")
	p.GoogleTokenSealed = secret
	if err := s.CreatePlan(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	d := rawDump(t, s.path)
	found := 0
	for _, needle := range storetest.Encodings(secret) {
		if bytes.Contains(d, needle) {
			found++
		}
	}
	if found == 0 {
		t.Fatal("a clear-text token in the database went unnoticed")
	}
}

func TestFileModes(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	if err := s.PutState(t.Context(), "none", "k", nil); !errors.Is(err, sync.ErrNotFound) {
		t.Fatal(err)
	}
	if err := s.CreatePlan(t.Context(), storetest.NewPlan("p")); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(s.path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %#o, want no group or other access", filepath.Base(s.path+suffix), perm)
		}
	}
	fi, err := os.Stat(filepath.Dir(s.path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode %#o, want 0700", perm)
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	tests := []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "foreign_keys", "1"},
		{s.w, "synchronous", "1"}, // NORMAL
		{s.w, "busy_timeout", "10000"},
		{s.r, "journal_mode", "wal"},
		{s.r, "query_only", "1"},
		{s.r, "busy_timeout", "10000"},
		{s.w, "user_version", fmt.Sprint(len(migrations))},
	}
	for _, tt := range tests {
		var got string
		if err := tt.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			pool := "writer"
			if tt.db == s.r {
				pool = "reader"
			}
			t.Errorf("%s: PRAGMA %s = %s, want %s", pool, tt.pragma, got, tt.want)
		}
	}
}

// A CLI and a server open the same file: each sees the other's writes at
// once, and a lease taken by one holds against the other.
func TestTwoProcessesShareTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := t.Context()
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	p := storetest.NewPlan("shared")
	if err := server.CreatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.GetPlan(ctx, "shared"); err != nil {
		t.Fatalf("the other opener does not see the plan: %v", err)
	}
	if err := cli.PutState(ctx, "shared", "etag", []byte(`"x"`)); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := server.GetState(ctx, "shared", "etag"); err != nil || !ok || string(v) != `"x"` {
		t.Fatalf("GetState = %q, %v, %v", v, ok, err)
	}
	unlock, err := server.Lock(ctx, "sync:shared", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Lock(ctx, "sync:shared", time.Minute); !errors.Is(err, sync.ErrLocked) {
		t.Fatalf("second opener's Lock = %v, want ErrLocked", err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if u, err := cli.Lock(ctx, "sync:shared", time.Minute); err != nil {
		t.Fatalf("Lock after the other's unlock: %v", err)
	} else {
		_ = u(ctx)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p := storetest.NewPlan("kept")
	if err := s.CreatePlan(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path) // migrations already applied: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetPlan(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.FeedTokenHash, p.FeedTokenHash) {
		t.Error("feed token hash changed across reopen")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database from a newer version")
	}
	if want := "newer than this program"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// A lease is judged by the store's clock; an injected clock shows the
// boundary exactly: held until the expiry instant, free at it.
func TestLockExpiryBoundary(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	if _, err := s.Lock(ctx, "l", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Duration
		free bool
	}{
		{29*time.Second + 999*time.Millisecond, false},
		{30 * time.Second, true},
	}
	for _, tt := range tests {
		now = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC).Add(tt.at)
		_, err := s.Lock(ctx, "l", time.Hour)
		if free := err == nil; free != tt.free {
			t.Errorf("at +%v: Lock = %v, want free=%v", tt.at, err, tt.free)
		}
	}
}

func BenchmarkGetFeed(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	storetest.BenchGetFeed(b, s)
}

func BenchmarkPlanByFeedToken(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	storetest.BenchPlanByFeedToken(b, s)
}

func BenchmarkSyncHealth(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	storetest.BenchSyncHealth(b, s)
}

// TestHealthMigration: plans stored before the health columns existed
// count from their last sync when it succeeded, else from their creation;
// a plan left unscheduled (needs_reconnect) does not count.
func TestHealthMigration(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := openFromBefore(t, "watch_ms", func(db *sql.DB) {
		for _, p := range []struct {
			id, status        string
			lastSync, created time.Time
			next              time.Time
		}{
			{"ok", sync.StatusOK, t0.Add(3 * time.Hour), t0, t0.Add(4 * time.Hour)},
			{"failing", sync.StatusError, t0.Add(3 * time.Hour), t0.Add(time.Hour), t0.Add(4 * time.Hour)},
			{"revoked", sync.StatusNeedsReconnect, t0.Add(3 * time.Hour), t0.Add(-time.Hour), sync.Never},
		} {
			insertOldPlan(t, db, p.id, []byte("m-"+p.id), []byte("f-"+p.id), p.status, p.lastSync, p.next, p.created)
		}
	})
	h, err := s.SyncHealth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Hour); !h.OldestSuccess.Equal(want) {
		t.Errorf("OldestSuccess = %v, want %v (the failing plan's creation)", h.OldestSuccess, want)
	}
	for id, want := range map[string]time.Time{"ok": t0.Add(3 * time.Hour), "failing": {}} {
		p, err := s.GetPlan(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !p.LastSuccess.Equal(want) {
			t.Errorf("%s: LastSuccess = %v, want %v", id, p.LastSuccess, want)
		}
	}
}

// A database from before feed_heads keeps answering its feeds: the
// migration copies every feed's validators.
func TestMigrationCopiesFeedHeads(t *testing.T) {
	p := storetest.NewPlan("old")
	s := openFromBefore(t, "CREATE TABLE feed_heads", func(db *sql.DB) {
		insertOldPlan(t, db, p.ID, p.ManageTokenHash, p.FeedTokenHash, "ok", time.UnixMilli(0), time.UnixMilli(0), time.UnixMilli(0))
		if _, err := db.Exec(`INSERT INTO feeds VALUES ('old', X'42', '"e1"', 1700000000000, X'7b7d')`); err != nil {
			t.Fatal(err)
		}
	})
	f, err := s.FeedByToken(t.Context(), p.FeedTokenHash, false)
	if err != nil || f.ETag != `"e1"` || f.Updated.UnixMilli() != 1700000000000 {
		t.Errorf("FeedByToken after the migration = %+v, %v; want the old feed's validators", f, err)
	}
}

// openFromBefore makes a database stopped just before the first migration
// that contains marker, lets fill write rows in that older shape, and
// opens it with Open, which migrates it the rest of the way.
func openFromBefore(t *testing.T, marker string, fill func(db *sql.DB)) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, marker) })
	for _, m := range migrations[:before] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	fill(db)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", before)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// insertOldPlan writes a plan row with the columns every migration has.
func insertOldPlan(t *testing.T, db *sql.DB, id string, manage, feed []byte, status string, lastSync, next, created time.Time) {
	t.Helper()
	_, err := db.Exec(`INSERT INTO plans (id, manage_token_hash, feed_token_hash, sources, busy, time_zone,
		settings, google_calendar_id, status, last_sync_ms, last_error, next_sync_ms, created_ms, updated_ms)
		VALUES (?, ?, ?, '[]', '[]', 'UTC', '{}', '', ?, ?, '', ?, ?, ?)`,
		id, manage, feed, status, lastSync.UnixMilli(), next.UnixMilli(), created.UnixMilli(), created.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}
