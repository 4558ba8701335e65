// Package sqlite is the embedded sync.Store: one SQLite file in the data
// directory, in WAL mode so the CLI and the server can share it, through the
// pure-Go modernc.org/sqlite driver.
//
// It stores what it is given: secrets arrive already hashed or sealed, and
// the package never decrypts, logs or derives anything from them. Instants
// are kept as Unix milliseconds in UTC.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/strengthsync/strengthsync/sync"
)

// Store is a sync.Store in one SQLite file. It is safe for concurrent use,
// and several processes may open the same file.
type Store struct {
	path string
	// w is the only connection that writes: SQLite allows one writer at a
	// time anyway, and queuing in database/sql is cheaper than spinning
	// on SQLITE_BUSY. Its transactions begin IMMEDIATE, taking the write
	// lock up front, so two processes never deadlock upgrading a read.
	w *sql.DB
	// r is a pool of read-only connections; in WAL mode readers see the
	// last commit and neither block nor wait for the writer.
	r   *sql.DB
	now func() time.Time

	// Prepared once for the reads behind every feed request; database/sql
	// re-prepares them on each pooled connection as needed.
	getPlan, planByFeedToken, getFeed, feedHead, feedWhole *sql.Stmt
	// And for the writes of every sync, even an unchanged one: parsing
	// the SQL again each time was a fifth of its CPU.
	getState, updatePlan, lock, unlock *sql.Stmt
}

var _ sync.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for another process's write
// lock before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens or creates the database at path (its directory is created with
// mode 0700, the file with mode 0600) and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Create the file ourselves: SQLite would make it 0644, and its -wal
	// and -shm files copy the database file's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	w, err := sql.Open("sqlite", dsn(abs, map[string]string{
		"_journal_mode": "WAL",
		"_synchronous":  "NORMAL", // WAL + NORMAL: durable except the last commits on power loss
		"_foreign_keys": "1",
		"_txlock":       "immediate",
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(abs, map[string]string{
		"_foreign_keys": "1",
		"_query_only":   "1",
	}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{path: abs, w: w, r: r, now: time.Now}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.getPlan, `SELECT ` + planColumns + ` FROM plans WHERE id = ?`},
		{&s.planByFeedToken, `SELECT ` + planColumns + ` FROM plans WHERE feed_token_hash = ?`},
		{&s.getFeed, `SELECT ics, etag, updated_ms, plan_json FROM feeds WHERE plan_id = ?`},
		// A feed request reads the small head row; the calendar, whose
		// overflow pages lie before the plan in the feeds row, only when
		// it sends it.
		{&s.feedHead, `SELECT p.id, h.etag, h.updated_ms FROM plans p
			LEFT JOIN feed_heads h ON h.plan_id = p.id WHERE p.feed_token_hash = ?`},
		{&s.feedWhole, `SELECT p.id, f.etag, f.updated_ms, f.ics FROM plans p
			LEFT JOIN feeds f ON f.plan_id = p.id WHERE p.feed_token_hash = ?`},
		{&s.getState, `SELECT value FROM state WHERE plan_id = ? AND key = ?`},
	} {
		if *p.stmt, err = r.PrepareContext(ctx, p.sql); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.updatePlan, `UPDATE plans SET
		manage_token_hash = ?2, feed_token_hash = ?3, feed_token_sealed = ?4,
		sources = ?5, busy = ?6, time_zone = ?7, settings = ?8,
		google_token_sealed = ?9, google_calendar_id = ?10, status = ?11,
		last_sync_ms = ?12, last_error = ?13, next_sync_ms = ?14,
		created_ms = ?15, updated_ms = ?16,
		last_success_ms = ?17, fail_reason = ?18, watch_ms = ?19
		WHERE id = ?1`},
		{&s.lock, `INSERT INTO locks (name, owner, expires_ms) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
		WHERE locks.expires_ms <= ?4`},
		{&s.unlock, `DELETE FROM locks WHERE name = ? AND owner = ?`},
	} {
		if *p.stmt, err = w.PrepareContext(ctx, p.sql); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func dsn(path string, params map[string]string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	for k, v := range params {
		q.Set(k, v)
	}
	// A file: URI keeps a path holding '?' or '#' intact.
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// migrations are applied in order; PRAGMA user_version counts how many a
// database has had. Append, never edit.
var migrations = []string{
	`CREATE TABLE plans (
		id                  TEXT PRIMARY KEY,
		manage_token_hash   BLOB NOT NULL,
		feed_token_hash     BLOB NOT NULL,
		feed_token_sealed   BLOB,
		sources             TEXT NOT NULL, -- JSON array
		busy                TEXT NOT NULL, -- JSON array
		time_zone           TEXT NOT NULL,
		settings            TEXT NOT NULL, -- JSON object
		google_token_sealed BLOB,
		google_calendar_id  TEXT NOT NULL,
		status              TEXT NOT NULL,
		last_sync_ms        INTEGER NOT NULL,
		last_error          TEXT NOT NULL,
		next_sync_ms        INTEGER NOT NULL,
		created_ms          INTEGER NOT NULL,
		updated_ms          INTEGER NOT NULL
	) STRICT;
	-- The feed token index: GET /feeds/{token}.ics looks plans up here.
	-- Being a column of the plan row, it can never point at a stale plan.
	CREATE UNIQUE INDEX plans_feed_token ON plans (feed_token_hash);
	CREATE UNIQUE INDEX plans_manage_token ON plans (manage_token_hash);
	CREATE INDEX plans_due ON plans (next_sync_ms, id);

	CREATE TABLE feeds (
		plan_id    TEXT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
		ics        BLOB NOT NULL,
		etag       TEXT NOT NULL,
		updated_ms INTEGER NOT NULL,
		plan_json  BLOB
	) STRICT;

	CREATE TABLE state (
		plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
		key     TEXT NOT NULL,
		value   BLOB NOT NULL,
		PRIMARY KEY (plan_id, key)
	) STRICT, WITHOUT ROWID;

	CREATE TABLE locks (
		name       TEXT PRIMARY KEY,
		owner      BLOB NOT NULL,
		expires_ms INTEGER NOT NULL
	) STRICT;`,
	// A deleted plan's feed token hash, kept so its feed answers an empty
	// calendar until until_ms.
	`CREATE TABLE feed_tombstones (
		hash     BLOB PRIMARY KEY,
		until_ms INTEGER NOT NULL
	) STRICT, WITHOUT ROWID;`,
	// What /metrics reads at every scrape (Store.SyncHealth): watch_ms is
	// the SuccessClock of a watched plan, NULL otherwise, so the oldest is
	// one index lookup. Plans of older versions count from their last
	// successful sync, else from their creation.
	fmt.Sprintf(`ALTER TABLE plans ADD COLUMN last_success_ms INTEGER NOT NULL DEFAULT %[1]d;
	ALTER TABLE plans ADD COLUMN fail_reason TEXT NOT NULL DEFAULT '';
	ALTER TABLE plans ADD COLUMN watch_ms INTEGER;
	UPDATE plans SET last_success_ms = last_sync_ms WHERE status = 'ok';
	UPDATE plans SET watch_ms = CASE WHEN last_success_ms != %[1]d THEN last_success_ms ELSE created_ms END
		WHERE next_sync_ms < %[2]d;
	CREATE INDEX plans_watch ON plans (watch_ms) WHERE watch_ms IS NOT NULL;
	CREATE INDEX plans_failing ON plans (fail_reason) WHERE fail_reason != '';`, zeroMillis, sync.Never.UnixMilli()),
	// A feed's validators beside its row: a conditional feed request reads
	// a few bytes here, not the calendar and plan of the feeds row.
	`CREATE TABLE feed_heads (
		plan_id    TEXT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
		etag       TEXT NOT NULL,
		updated_ms INTEGER NOT NULL
	) STRICT, WITHOUT ROWID;
	INSERT INTO feed_heads (plan_id, etag, updated_ms) SELECT plan_id, etag, updated_ms FROM feeds;`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	// The transaction is IMMEDIATE (see Store.w), so two processes opening
	// a fresh file migrate one after the other, the second finding the
	// work done.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("sqlite: database schema version %d is newer than this program's %d: upgrade strengthsync", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("sqlite: migrate to version %d: %w", i+1, err)
		}
	}
	if v == len(migrations) {
		return nil
	}
	// PRAGMA takes no parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// zeroMillis stands for the zero time.Time, which has no Unix time of its
// own that survives a round trip; it is also the earliest instant, so an
// unscheduled plan sorts first among due plans.
var zeroMillis = time.Time{}.UnixMilli()

func toMillis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == zeroMillis {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// nonNil keeps an empty value from becoming NULL: the driver binds a nil
// slice as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func isConstraint(err error, codes ...int) bool {
	var se *sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code() == c {
			return true
		}
	}
	return false
}

const planColumns = `id, manage_token_hash, feed_token_hash, feed_token_sealed, sources, busy,
	time_zone, settings, google_token_sealed, google_calendar_id, status,
	last_sync_ms, last_error, next_sync_ms, created_ms, updated_ms,
	last_success_ms, fail_reason`

// planWriteColumns are planColumns and the derived watch_ms, in planArgs
// order.
const planWriteColumns = planColumns + `, watch_ms`

// planArgs returns p's columns in planWriteColumns order.
func planArgs(p *sync.PlanRecord) ([]any, error) {
	sources, err := json.Marshal(p.Sources)
	if err != nil {
		return nil, err
	}
	busy, err := json.Marshal(p.Busy)
	if err != nil {
		return nil, err
	}
	settings, err := json.Marshal(p.Settings)
	if err != nil {
		return nil, err
	}
	var watch any // NULL: not watched
	if p.Watched() {
		watch = toMillis(p.SuccessClock())
	}
	return []any{
		p.ID, p.ManageTokenHash, p.FeedTokenHash, p.FeedTokenSealed,
		string(sources), string(busy), p.TimeZone, string(settings),
		p.GoogleTokenSealed, p.GoogleCalendarID, p.Status,
		toMillis(p.LastSync), p.LastError, toMillis(p.NextSync),
		toMillis(p.Created), toMillis(p.Updated),
		toMillis(p.LastSuccess), p.FailReason, watch,
	}, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanPlan(row scanner) (*sync.PlanRecord, error) {
	var (
		p                                    sync.PlanRecord
		sources, busy, settings              string
		lastSync, nextSync, created, updated int64
		lastSuccess                          int64
	)
	err := row.Scan(&p.ID, &p.ManageTokenHash, &p.FeedTokenHash, &p.FeedTokenSealed,
		&sources, &busy, &p.TimeZone, &settings, &p.GoogleTokenSealed,
		&p.GoogleCalendarID, &p.Status, &lastSync, &p.LastError, &nextSync,
		&created, &updated, &lastSuccess, &p.FailReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sync.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sources), &p.Sources); err != nil {
		return nil, fmt.Errorf("plan %s: sources: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(busy), &p.Busy); err != nil {
		return nil, fmt.Errorf("plan %s: busy: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(settings), &p.Settings); err != nil {
		return nil, fmt.Errorf("plan %s: settings: %w", p.ID, err)
	}
	p.LastSync, p.NextSync = fromMillis(lastSync), fromMillis(nextSync)
	p.Created, p.Updated = fromMillis(created), fromMillis(updated)
	p.LastSuccess = fromMillis(lastSuccess)
	return &p, nil
}

func validate(p *sync.PlanRecord) error {
	switch {
	case p.ID == "":
		return errors.New("plan has no ID")
	case len(p.FeedTokenHash) == 0:
		return errors.New("plan has no feed token hash")
	case len(p.ManageTokenHash) == 0:
		return errors.New("plan has no manage token hash")
	}
	return nil
}

// CreatePlan stores a new plan. A used ID or token hash is refused with an
// error that is not sync.ErrNotFound.
func (s *Store) CreatePlan(ctx context.Context, p *sync.PlanRecord) error {
	if err := validate(p); err != nil {
		return fmt.Errorf("sqlite: create plan: %w", err)
	}
	args, err := planArgs(p)
	if err != nil {
		return fmt.Errorf("sqlite: create plan %s: %w", p.ID, err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO plans (`+planWriteColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isConstraint(err, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3lib.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("sqlite: create plan %s: ID or token hash already in use: %w", p.ID, err)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create plan %s: %w", p.ID, err)
	}
	return nil
}

// GetPlan returns the plan or sync.ErrNotFound.
func (s *Store) GetPlan(ctx context.Context, id string) (*sync.PlanRecord, error) {
	p, err := scanPlan(s.getPlan.QueryRowContext(ctx, id))
	if err != nil {
		return nil, fmt.Errorf("sqlite: get plan %s: %w", id, err)
	}
	return p, nil
}

// PlanByFeedToken returns the plan whose current feed token hashes to hash,
// or sync.ErrNotFound.
func (s *Store) PlanByFeedToken(ctx context.Context, hash []byte) (*sync.PlanRecord, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("sqlite: plan by feed token: %w", sync.ErrNotFound)
	}
	p, err := scanPlan(s.planByFeedToken.QueryRowContext(ctx, hash))
	if err != nil {
		// Never put the hash in the message: it is as good as the token
		// for looking the plan up.
		return nil, fmt.Errorf("sqlite: plan by feed token: %w", err)
	}
	return p, nil
}

// PlanIDByManageToken reads the plans' unique index of manage token
// hashes.
func (s *Store) PlanIDByManageToken(ctx context.Context, hash []byte) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM plans WHERE manage_token_hash = ?`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || len(hash) == 0 {
		return "", fmt.Errorf("sqlite: plan by manage token: %w", sync.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: plan by manage token: %w", err)
	}
	return id, nil
}

// UpdatePlan replaces the plan's record, or returns sync.ErrNotFound. A
// token hash used by another plan is refused.
func (s *Store) UpdatePlan(ctx context.Context, p *sync.PlanRecord) error {
	if err := validate(p); err != nil {
		return fmt.Errorf("sqlite: update plan: %w", err)
	}
	args, err := planArgs(p)
	if err != nil {
		return fmt.Errorf("sqlite: update plan %s: %w", p.ID, err)
	}
	res, err := s.updatePlan.ExecContext(ctx, args...)
	if isConstraint(err, sqlite3lib.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("sqlite: update plan %s: token hash already in use: %w", p.ID, err)
	}
	if err != nil {
		return fmt.Errorf("sqlite: update plan %s: %w", p.ID, err)
	}
	return notFoundIfNone(res, "sqlite: update plan "+p.ID)
}

func notFoundIfNone(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, sync.ErrNotFound)
	}
	return nil
}

// DeletePlan removes the plan with its feed and state, or returns
// sync.ErrNotFound.
func (s *Store) DeletePlan(ctx context.Context, id string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: delete plan %s: %w", id, err)
	}
	defer tx.Rollback()
	// The foreign keys cascade too; deleting explicitly keeps the promise
	// even on a connection where someone turned them off.
	for _, q := range []string{`DELETE FROM state WHERE plan_id = ?`, `DELETE FROM feeds WHERE plan_id = ?`, `DELETE FROM feed_heads WHERE plan_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("sqlite: delete plan %s: %w", id, err)
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM plans WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete plan %s: %w", id, err)
	}
	if err := notFoundIfNone(res, "sqlite: delete plan "+id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete plan %s: %w", id, err)
	}
	return nil
}

// PutFeedTombstone keeps hash until until, and forgets the tombstones that
// have run out by the store's clock.
func (s *Store) PutFeedTombstone(ctx context.Context, hash []byte, until time.Time) error {
	if len(hash) == 0 {
		return fmt.Errorf("sqlite: put feed tombstone: empty hash")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put feed tombstone: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM feed_tombstones WHERE until_ms <= ?`, toMillis(s.now())); err != nil {
		return fmt.Errorf("sqlite: put feed tombstone: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO feed_tombstones (hash, until_ms) VALUES (?, ?)
		ON CONFLICT (hash) DO UPDATE SET until_ms = excluded.until_ms`, hash, toMillis(until)); err != nil {
		return fmt.Errorf("sqlite: put feed tombstone: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put feed tombstone: %w", err)
	}
	return nil
}

// FeedTombstone reports whether hash has a tombstone lasting past now.
func (s *Store) FeedTombstone(ctx context.Context, hash []byte, now time.Time) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM feed_tombstones WHERE hash = ? AND until_ms > ?`,
		hash, toMillis(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: feed tombstone: %w", err)
	}
	return n > 0, nil
}

// DuePlans lists plans whose NextSync is at or before t (compared in whole
// milliseconds), earliest first and by ID among equals, at most limit.
func (s *Store) DuePlans(ctx context.Context, t time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM plans WHERE next_sync_ms <= ?
		ORDER BY next_sync_ms, id LIMIT ?`, toMillis(t), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due plans: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: due plans: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: due plans: %w", err)
	}
	return ids, nil
}

// SyncHealth reads the oldest watched success clock from its index and
// counts the failing plans, which are few.
func (s *Store) SyncHealth(ctx context.Context) (sync.SyncHealth, error) {
	h := sync.SyncHealth{Failing: map[string]int{}}
	var oldest sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(watch_ms) FROM plans WHERE watch_ms IS NOT NULL`).Scan(&oldest); err != nil {
		return h, fmt.Errorf("sqlite: sync health: %w", err)
	}
	if oldest.Valid {
		h.OldestSuccess = fromMillis(oldest.Int64)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT fail_reason, count(*) FROM plans WHERE fail_reason != '' GROUP BY fail_reason`)
	if err != nil {
		return h, fmt.Errorf("sqlite: sync health: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			return h, fmt.Errorf("sqlite: sync health: %w", err)
		}
		h.Failing[reason] = n
	}
	if err := rows.Err(); err != nil {
		return h, fmt.Errorf("sqlite: sync health: %w", err)
	}
	return h, nil
}

// PutFeed stores the plan's published calendar, or returns
// sync.ErrNotFound when the plan does not exist.
func (s *Store) PutFeed(ctx context.Context, planID string, f *sync.Feed) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put feed %s: %w", planID, err)
	}
	defer tx.Rollback()
	// INSERT … SELECT … WHERE EXISTS writes nothing for a missing plan, so
	// a worker finishing after a delete cannot bring the feed back.
	res, err := tx.ExecContext(ctx, `INSERT INTO feeds (plan_id, ics, etag, updated_ms, plan_json)
		SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM plans WHERE id = ?1)
		ON CONFLICT (plan_id) DO UPDATE SET ics = excluded.ics, etag = excluded.etag,
			updated_ms = excluded.updated_ms, plan_json = excluded.plan_json`,
		planID, nonNil(f.ICS), f.ETag, toMillis(f.Updated), packJSON(f.PlanJSON))
	if err != nil {
		return fmt.Errorf("sqlite: put feed %s: %w", planID, err)
	}
	if err := notFoundIfNone(res, "sqlite: put feed "+planID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO feed_heads (plan_id, etag, updated_ms) VALUES (?1, ?2, ?3)
		ON CONFLICT (plan_id) DO UPDATE SET etag = excluded.etag, updated_ms = excluded.updated_ms`,
		planID, f.ETag, toMillis(f.Updated))
	if err != nil {
		return fmt.Errorf("sqlite: put feed %s: %w", planID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put feed %s: %w", planID, err)
	}
	return nil
}

// FeedByToken returns the feed of the plan whose current feed token hashes
// to hash, its calendar only when withICS; sync.ErrNotFound without such a
// plan, sync.ErrNoFeed before its first publish.
func (s *Store) FeedByToken(ctx context.Context, hash []byte, withICS bool) (*sync.Feed, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("sqlite: feed by token: %w", sync.ErrNotFound)
	}
	var (
		id   string
		etag sql.NullString
		ms   sql.NullInt64
		f    sync.Feed
		err  error
	)
	// Never put the hash in a message: it finds the plan like the token.
	if withICS {
		err = s.feedWhole.QueryRowContext(ctx, hash).Scan(&id, &etag, &ms, &f.ICS)
	} else {
		err = s.feedHead.QueryRowContext(ctx, hash).Scan(&id, &etag, &ms)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: feed by token: %w", sync.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: feed by token: %w", err)
	}
	if !etag.Valid {
		return nil, fmt.Errorf("sqlite: feed by token: plan %s: %w", id, sync.ErrNoFeed)
	}
	f.ETag, f.Updated = etag.String, fromMillis(ms.Int64)
	if withICS {
		f.ICS = nonNil(f.ICS)
	}
	return &f, nil
}

// GetFeed returns the plan's published calendar, or sync.ErrNotFound.
func (s *Store) GetFeed(ctx context.Context, planID string) (*sync.Feed, error) {
	var (
		f  sync.Feed
		ms int64
	)
	err := s.getFeed.QueryRowContext(ctx, planID).
		Scan(&f.ICS, &f.ETag, &ms, &f.PlanJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: get feed %s: %w", planID, sync.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get feed %s: %w", planID, err)
	}
	f.Updated = fromMillis(ms)
	if f.PlanJSON, err = sync.Unpack(f.PlanJSON); err != nil {
		return nil, fmt.Errorf("sqlite: get feed %s: plan: %w", planID, err)
	}
	return &f, nil
}

// packJSON keeps a plan's JSON packed; nil stays nil.
func packJSON(b []byte) []byte {
	if b == nil {
		return nil
	}
	return sync.Pack(b)
}

// GetState returns the value under key and whether it was there; a missing
// plan has no state.
func (s *Store) GetState(ctx context.Context, planID, key string) ([]byte, bool, error) {
	var v []byte
	err := s.getState.QueryRowContext(ctx, planID, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: get state %s: %w", planID, err)
	}
	return nonNil(v), true, nil
}

// PutState stores value under key, or returns sync.ErrNotFound when the
// plan does not exist.
func (s *Store) PutState(ctx context.Context, planID, key string, value []byte) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO state (plan_id, key, value)
		SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM plans WHERE id = ?1)
		ON CONFLICT (plan_id, key) DO UPDATE SET value = excluded.value`,
		planID, key, nonNil(value))
	if err != nil {
		return fmt.Errorf("sqlite: put state %s: %w", planID, err)
	}
	return notFoundIfNone(res, "sqlite: put state "+planID)
}

// DeleteState removes key; a missing key or plan is not an error.
func (s *Store) DeleteState(ctx context.Context, planID, key string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM state WHERE plan_id = ? AND key = ?`, planID, key); err != nil {
		return fmt.Errorf("sqlite: delete state %s: %w", planID, err)
	}
	return nil
}

// Lock takes the lease name for ttl (rounded up to a millisecond), or
// returns sync.ErrLocked while another holder's lease runs. Expiry is by
// this machine's clock, which every process sharing the file also reads.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (func(context.Context) error, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("sqlite: lock %s: ttl %v is not positive", name, ttl)
	}
	owner := make([]byte, 16)
	rand.Read(owner)
	now := s.now()
	expires := now.Add(ttl).UnixMilli()
	if ttl%time.Millisecond != 0 {
		expires++
	}
	// One statement is one transaction: take the row if absent, or if its
	// lease has run out; an unexpired lease makes the update a no-op.
	res, err := s.lock.ExecContext(ctx, name, owner, expires, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, sync.ErrLocked)
	}
	unlock := func(ctx context.Context) error {
		// Only our own lease: after expiry the row may be someone else's.
		if _, err := s.unlock.ExecContext(ctx, name, owner); err != nil {
			return fmt.Errorf("sqlite: unlock %s: %w", name, err)
		}
		return nil
	}
	return unlock, nil
}

// Ping reads the schema version through the read pool, which touches the
// file, so a deleted or unreadable database fails.
func (s *Store) Ping(ctx context.Context) error {
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if v != len(migrations) {
		return fmt.Errorf("sqlite: ping: schema version %d, want %d", v, len(migrations))
	}
	return nil
}

// Close closes both connection pools; SQLite checkpoints the WAL into the
// database file when the last connection closes.
func (s *Store) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.getPlan, s.planByFeedToken, s.getFeed, s.feedHead, s.feedWhole, s.getState, s.updatePlan, s.lock, s.unlock} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}
