package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/oauth"
	"github.com/strengthsync/strengthsync/rules"
)

// Plan statuses kept in PlanRecord.Status.
const (
	StatusNew     = "new"
	StatusSyncing = "syncing"
	StatusOK      = "ok"
	StatusError   = "error"
	// StatusNeedsReconnect is a plan whose Google access was revoked: it is
	// not scheduled again until the runner connects Google again.
	StatusNeedsReconnect = "needs_reconnect"
)

// Never is the NextSync of a plan the scheduler must leave alone.
var Never = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// GoogleLinker builds the Google source and sink of a plan connected to
// Google. state keeps the plan's sync tokens and what was written.
type GoogleLinker interface {
	Link(ctx context.Context, p *PlanRecord, state StateStore) (GoogleLink, error)
}

// GoogleLink is one plan's Google side.
type GoogleLink interface {
	Source(calendarID string) Source
	Busy(calendarID string) Source
	// Sink writes to the plan's calendar (creating it when needed).
	Sink() Sink
}

// Watcher is a GoogleLink that can have Google push the changes of the
// calendars the plan reads, so a sync follows a runner's edit within
// seconds instead of at the next poll. Watch keeps one live channel on each
// calendar and returns when it must be called again (zero: not pushed).
type Watcher interface {
	Watch(ctx context.Context, calendarIDs []string, now time.Time) (renewAt time.Time, err error)
}

// StateStore keeps small blobs by key; a per-plan view of Store.
type StateStore interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// Service syncs stored plans: fetch the sources, plan, publish the feed
// (and write Google when connected), and record how it went. Requests never
// plan; they read what SyncPlan stored.
type Service struct {
	Store  Store
	Engine *Engine
	Fetch  *fetch.Client
	Google GoogleLinker // nil when Google is not configured
	Now    func() time.Time
	Log    *slog.Logger
	// Every is the time between scheduled syncs of a plan [15m].
	Every time.Duration
	// Weeks is how far ahead plans are made [8].
	Weeks int
	// LockTTL bounds a sync: a crashed worker's lease expires after it [5m].
	LockTTL time.Duration
	// Limits bound what one plan may cost (DefaultLimits).
	Limits Limits
	// Backoff spaces the tries of a plan whose sync keeps failing
	// [from Every, 15m, doubling up to 24h]. A permanent failure is not retried on
	// schedule at all: an edit or a manual sync tries again.
	Backoff Backoff
	// FeedHistory is how far back a feed keeps the sessions before today,
	// as they were written [8 weeks]; older ones are dropped.
	FeedHistory time.Duration
	// ReplanSpread spreads the one re-plan a day that the moving window
	// needs: a plan whose inputs have not changed keeps yesterday's window
	// until a point in the first ReplanSpread of its local day, fixed per
	// plan, so a zone's plans are not all planned again at midnight [4h].
	// A changed input re-plans at once, from today.
	ReplanSpread time.Duration
	// ObserveFetch, when set, hears the result of every fetch of a URL
	// source, one of FetchResults: /metrics counts them.
	ObserveFetch func(result string)
	// PushEvery is the time between scheduled syncs of a plan whose
	// calendars Google pushes (Watcher): polling is then only the safety
	// net for a lost notification [6h].
	PushEvery time.Duration

	mu         stdsync.Mutex
	unrecorded map[string]Outcome
}

// Outcome is how a sync ended, as the plan record would say it.
type Outcome struct {
	Status    string
	LastError string
	LastSync  time.Time
}

// Unrecorded returns the outcome of the plan's last sync when the store
// could not record it (a full disk, a read-only store), so the API can show
// the failure the record does not hold. It is forgotten once a later
// outcome is recorded.
func (s *Service) Unrecorded(id string) (Outcome, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.unrecorded[id]
	return o, ok
}

// remember keeps (ok) or forgets (!ok) an outcome the store did not take.
func (s *Service) remember(id string, o Outcome, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		delete(s.unrecorded, id)
		return
	}
	if s.unrecorded == nil {
		s.unrecorded = map[string]Outcome{}
	}
	s.unrecorded[id] = o
}

// PlanState is the StateStore of one plan inside a Store.
type PlanState struct {
	Store  Store
	PlanID string
}

// Get returns the blob under key.
func (s PlanState) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return s.Store.GetState(ctx, s.PlanID, key)
}

// Put stores a blob under key.
func (s PlanState) Put(ctx context.Context, key string, v []byte) error {
	return s.Store.PutState(ctx, s.PlanID, key, v)
}

// Delete removes key.
func (s PlanState) Delete(ctx context.Context, key string) error {
	return s.Store.DeleteState(ctx, s.PlanID, key)
}

const fingerprintKey = "fingerprint"

// SyncResult says what a SyncPlan did.
type SyncResult struct {
	Skipped  bool // inputs unchanged since the last sync: nothing parsed or planned
	Sessions int
	Changes  Changes
	// RenewPush is when the plan's push channels need renewing; zero when
	// Google does not push the plan's calendars.
	RenewPush time.Time
}

// SyncPlan syncs one plan. It takes the plan's lock first, so two syncs of
// one plan never run at once (ErrLocked when another holds it). Errors are
// recorded on the plan (LastError) as well as returned.
func (s *Service) SyncPlan(ctx context.Context, id string) (SyncResult, error) {
	ttl := s.LockTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	unlock, err := s.Store.Lock(ctx, "sync:"+id, ttl)
	if err != nil {
		if !errors.Is(err, ErrLocked) {
			// A store that cannot take the lock (a full disk) cannot take
			// the outcome either: keep it where the API can see it.
			s.remember(id, Outcome{Status: StatusError, LastError: oneLine(err.Error()), LastSync: s.Now()}, true)
		}
		return SyncResult{}, err
	}
	defer unlock(context.WithoutCancel(ctx))
	ctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()

	p, err := s.Store.GetPlan(ctx, id)
	if err != nil {
		return SyncResult{}, err
	}
	res, syncErr := s.syncLocked(ctx, p)
	// Record the outcome on a fresh copy: the record may have been edited
	// (settings, a rotated feed token) while the sync ran, and only the
	// sync's own fields are ours to write. A plan deleted meanwhile stays
	// deleted.
	rctx := context.WithoutCancel(ctx)
	now := s.Now()
	out := Outcome{Status: StatusOK, LastSync: now}
	if syncErr != nil {
		out.Status, out.LastError = StatusError, oneLine(syncErr.Error())
	}
	// unstored keeps the outcome in memory when the record cannot take it:
	// the record would go on saying how the sync before this one went.
	unstored := func(err error) (SyncResult, error) {
		out.Status = StatusError
		out.LastError = oneLine(errors.Join(syncErr, fmt.Errorf("the outcome could not be stored: %w", err)).Error())
		s.remember(id, out, true)
		return res, errors.Join(syncErr, fmt.Errorf("record sync: %w", err))
	}
	fresh, err := s.Store.GetPlan(rctx, id)
	if errors.Is(err, ErrNotFound) {
		s.remember(id, out, false)
		return res, syncErr
	}
	if err != nil {
		return unstored(err)
	}
	wasFailing := fresh.Status != StatusOK
	fresh.LastSync, fresh.Updated = now, now
	fresh.Status, fresh.LastError = out.Status, out.LastError
	fresh.FailReason = FailReasonOf(syncErr)
	if syncErr == nil {
		fresh.LastSuccess = now
	}
	var se *SyncError
	switch {
	case errors.Is(syncErr, oauth.ErrRevoked):
		// Only the runner can fix this: retrying would only ask Google
		// again and again for a grant that is gone.
		fresh.Status, fresh.NextSync = StatusNeedsReconnect, Never
		se = &SyncError{Err: syncErr, Permanent: true}
	case syncErr != nil:
		se = s.failed(rctx, fresh, syncErr, now)
		fresh.NextSync = se.Next
		if se.Permanent {
			fresh.LastError += " (not retried until the plan is changed or synced by hand)"
			fresh.NextSync = Never
		}
	default:
		fresh.NextSync = s.nextSync(now, res.RenewPush)
		if wasFailing {
			if err := s.Store.DeleteState(rctx, id, failuresKey); err != nil {
				return unstored(err)
			}
		}
	}
	if err := s.Store.UpdatePlan(rctx, fresh); err != nil && !errors.Is(err, ErrNotFound) {
		// Not recorded: the queue may retry.
		return unstored(err)
	}
	s.remember(id, out, false)
	if se != nil {
		syncErr = se
	}
	if s.Log != nil {
		attrs := []any{slog.String("plan_id", id), slog.Bool("skipped", res.Skipped), slog.Int("sessions", res.Sessions)}
		if syncErr != nil {
			s.Log.Warn("sync failed", append(attrs, slog.String("error", fresh.LastError))...)
		} else {
			s.Log.Info("synced", attrs...)
		}
	}
	return res, syncErr
}

// failuresKey keeps a plan's failures in a row, for the backoff, with the
// inputs they failed on: an edit starts the count again.
const failuresKey = "service/failures"

type failures struct {
	Count  int    `json:"count"`
	Inputs string `json:"inputs"`
}

// failed counts a failed sync of p and says when to try again. A state the
// store cannot keep costs the backoff its memory (the next wait is the
// first), never the record of the failure.
func (s *Service) failed(ctx context.Context, p *PlanRecord, syncErr error, now time.Time) *SyncError {
	se := &SyncError{Err: syncErr, Permanent: IsPermanent(syncErr)}
	if se.Permanent {
		return se
	}
	inputs := planInputs(p)
	var f failures
	if b, ok, err := s.Store.GetState(ctx, p.ID, failuresKey); err == nil && ok {
		if json.Unmarshal(b, &f) != nil || f.Inputs != inputs {
			f = failures{}
		}
	}
	f.Count++
	f.Inputs = inputs
	if b, err := json.Marshal(f); err == nil {
		if err := s.Store.PutState(ctx, p.ID, failuresKey, b); err != nil && s.Log != nil {
			s.Log.Warn("failure count not kept", slog.String("plan_id", p.ID), slog.Any("error", err))
		}
	}
	se.Next = now.Add(s.Backoff.after(f.Count, s.every()))
	return se
}

// planInputs hashes what the runner edits: a change restarts the backoff.
func planInputs(p *PlanRecord) string {
	b, _ := json.Marshal([]any{p.Sources, p.Busy, p.TimeZone, p.Settings})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// nextSync schedules a plan's next poll: the usual interval, or the slower
// safety-net pace of a pushed plan, but never past its channels' renewal.
func (s *Service) nextSync(now, renewPush time.Time) time.Time {
	next := now.Add(s.every())
	if renewPush.IsZero() || renewPush.Before(next) {
		return next
	}
	every := s.PushEvery
	if every <= 0 {
		every = 6 * time.Hour
	}
	return minTime(now.Add(max(every, s.every())), renewPush)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (s *Service) every() time.Duration {
	if s.Every <= 0 {
		return 15 * time.Minute
	}
	return s.Every
}

func (s *Service) syncLocked(ctx context.Context, p *PlanRecord) (SyncResult, error) {
	state := PlanState{Store: s.Store, PlanID: p.ID}
	limits := s.Limits.WithDefaults()
	// A plan stored before the limits (or under larger ones) is held to
	// them too.
	if err := limits.CheckCalendars(p.Sources, p.Busy); err != nil {
		return SyncResult{}, err
	}
	settings, err := p.Settings.Apply(rules.DefaultSettings())
	if err != nil {
		return SyncResult{}, fmt.Errorf("settings: %w", err)
	}
	var link GoogleLink
	if p.GoogleTokenSealed != nil {
		if s.Google == nil {
			return SyncResult{}, fmt.Errorf("this plan is connected to Google, but the service has no Google client configured")
		}
		if link, err = s.Google.Link(ctx, p, state); err != nil {
			return SyncResult{}, err
		}
	}
	room := new(atomic.Int64)
	room.Store(int64(limits.SourceBytes))
	source := func(spec string, busy bool) (Source, error) {
		if id, ok := strings.CutPrefix(spec, "google:"); ok {
			if link == nil {
				return nil, fmt.Errorf("%s: connect Google to read Google calendars", spec)
			}
			if busy {
				return link.Busy(id), nil
			}
			return link.Source(id), nil
		}
		return storedSource{url: spec, client: s.Fetch, state: state, room: room, log: s.Log, observe: s.ObserveFetch}, nil
	}
	weeks := s.Weeks
	if weeks <= 0 {
		weeks = 8
	}
	loc, err := s.Engine.Location(p.TimeZone)
	if err != nil {
		return SyncResult{}, fmt.Errorf("timezone: %w", err)
	}
	if settings.Started.IsZero() && !p.Created.IsZero() {
		// A beginner's stages count from the day the plan was made, not
		// from each sync's today.
		settings.Started = rules.DateOf(p.Created.In(loc))
	}
	req := Request{Start: rules.DateOf(s.Now().In(loc)), StillStart: s.stillStart(p.ID, s.Now().In(loc)), Weeks: weeks, TimeZone: p.TimeZone,
		Settings: settings, Namespace: p.ID, MaxEvents: limits.Events, MaxBytes: limits.SourceBytes}
	for _, spec := range p.Sources {
		src, err := source(spec, false)
		if err != nil {
			return SyncResult{}, err
		}
		req.Sources = append(req.Sources, src)
	}
	for _, spec := range p.Busy {
		src, err := source(spec, true)
		if err != nil {
			return SyncResult{}, err
		}
		req.Busy = append(req.Busy, src)
	}
	if link != nil {
		req.Sink = link.Sink()
	}
	req.Keep = []Keeper{feedKeeper{store: s.Store, planID: p.ID}}
	if b, ok, err := state.Get(ctx, snapshotKey); err == nil && ok {
		var prev rules.Snapshot
		if json.Unmarshal(b, &prev) == nil {
			req.Previous = &prev
		}
	}
	// The destinations count as inputs: a feed plan that connects Google
	// must be written there although its calendars did not change.
	dest := ""
	if req.Sink != nil {
		dest = "|" + req.Sink.Name()
	}
	last, _, err := state.Get(ctx, fingerprintKey)
	if err != nil {
		return SyncResult{}, err
	}
	req.Unchanged = func(fp string) bool {
		if fp+dest != string(last) {
			return false
		}
		// The feed's validators say it is there; its calendar and plan
		// are not read. A token rotated meanwhile costs one re-plan.
		_, err := s.Store.FeedByToken(ctx, p.FeedTokenHash, false)
		return err == nil
	}
	res, err := s.Engine.Run(ctx, req)
	if err != nil {
		return SyncResult{}, err
	}
	renew := s.watch(ctx, p, link)
	if res.Skipped {
		return SyncResult{Skipped: true, RenewPush: renew}, nil
	}
	if err := s.publish(ctx, p, res, limits.PlanBytes); err != nil {
		return SyncResult{}, err
	}
	if err := s.logChanges(ctx, state, res); err != nil {
		return SyncResult{}, err
	}
	if res.Fingerprint != "" {
		if err := state.Put(ctx, fingerprintKey, []byte(res.Fingerprint+dest)); err != nil {
			return SyncResult{}, err
		}
	}
	return SyncResult{Sessions: len(res.Plan.Sessions), Changes: res.Changes, RenewPush: renew}, nil
}

// watch asks Google to push the changes of the plan's Google run
// calendars. A failure costs only speed: the plan is polled as before.
func (s *Service) watch(ctx context.Context, p *PlanRecord, link GoogleLink) time.Time {
	w, ok := link.(Watcher)
	if !ok {
		return time.Time{}
	}
	var ids []string
	for _, spec := range p.Sources {
		if id, ok := strings.CutPrefix(spec, "google:"); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return time.Time{}
	}
	renew, err := w.Watch(ctx, ids, s.Now())
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("push not set up: polling", slog.String("plan_id", p.ID), slog.String("error", oneLine(err.Error())))
		}
		return time.Time{}
	}
	return renew
}

// snapshotKey keeps what the plan was last made from; changesKey the
// change log (SPEC §6 "Every change explained").
const (
	snapshotKey = "service/snapshot"
	changesKey  = "service/changes"
	// KeptChanges is how many change-log entries a plan keeps.
	KeptChanges = 50
)

// LoggedChange is one entry of a plan's change log: a session added,
// moved or removed, why, and when the sync saw it.
type LoggedChange struct {
	At time.Time `json:"at"`
	rules.Explained
}

// logChanges keeps the snapshot for the next sync and appends this sync's
// explained changes to the log, the newest first, KeptChanges at most.
func (s *Service) logChanges(ctx context.Context, state StateStore, res *Result) error {
	b, err := json.Marshal(res.Snapshot)
	if err != nil {
		return err
	}
	if err := state.Put(ctx, snapshotKey, b); err != nil {
		return err
	}
	if len(res.Explained) == 0 {
		return nil
	}
	old, err := readChanges(ctx, state)
	if err != nil {
		return err
	}
	now := s.Now()
	log := make([]LoggedChange, 0, len(res.Explained)+len(old))
	for _, e := range res.Explained {
		log = append(log, LoggedChange{At: now, Explained: e})
	}
	log = append(log, old...)
	if len(log) > KeptChanges {
		log = log[:KeptChanges]
	}
	if b, err = json.Marshal(log); err != nil {
		return err
	}
	return state.Put(ctx, changesKey, b)
}

func readChanges(ctx context.Context, state StateStore) ([]LoggedChange, error) {
	b, ok, err := state.Get(ctx, changesKey)
	if err != nil || !ok {
		return nil, err
	}
	var log []LoggedChange
	if json.Unmarshal(b, &log) != nil {
		return nil, nil // a damaged log starts again
	}
	return log, nil
}

// PlanChanges returns a plan's change log, the newest first: the last
// KeptChanges sessions added, moved or removed, each with its cause. The
// web page and the API read it; syncs write it.
func PlanChanges(ctx context.Context, store Store, planID string) ([]LoggedChange, error) {
	return readChanges(ctx, PlanState{Store: store, PlanID: planID})
}

// stillStart is yesterday while the plan's local time of day is before
// its own point in the ReplanSpread, else zero: until then an unchanged
// plan keeps yesterday's window.
func (s *Service) stillStart(planID string, local time.Time) rules.Date {
	spread := s.ReplanSpread
	if spread <= 0 {
		spread = 4 * time.Hour
	}
	h := fnv.New64a()
	h.Write([]byte(planID))
	at := time.Duration(h.Sum64() % uint64(spread))
	y, m, d := local.Date()
	if local.Sub(time.Date(y, m, d, 0, 0, 0, 0, local.Location())) >= at {
		return rules.Date{}
	}
	return rules.DateOf(local).AddDays(-1)
}

// DefaultFeedHistory is Service.FeedHistory's default: the past 8 weeks.
const DefaultFeedHistory = 8 * 7 * 24 * time.Hour

func (s *Service) feedHistory() time.Duration {
	if s.FeedHistory <= 0 {
		return DefaultFeedHistory
	}
	return s.FeedHistory
}

// publish stores the feed and the plan. The sessions of the planned window
// replace those the feed held there; the others stay as they were written,
// the past back to FeedHistory (SPEC §6 "History is the runner's"). An
// unchanged feed keeps its old bytes, so the ETag holds and subscribers get
// 304s.
func (s *Service) publish(ctx context.Context, p *PlanRecord, res *Result, maxBytes int) error {
	planJSON, err := json.Marshal(NewPlanJSON(res.Plan, res.Loc))
	if err != nil {
		return err
	}
	if len(planJSON) > maxBytes {
		return tooLarge("plan", len(planJSON), maxBytes)
	}
	old, prev, err := storedFeed(ctx, s.Store, p.ID)
	if err != nil {
		return err
	}
	from := res.Plan.Start.In(res.Loc)
	to := res.Plan.Start.AddDays(7 * res.Plan.Weeks).In(res.Loc)
	h := splitHistory(prev, res.Plan.Sessions, from, to, from.Add(-s.feedHistory()))
	feed := &Feed{PlanJSON: planJSON}
	if old != nil && h.dropped == 0 && len(h.window) == len(h.planned) && diffWritten(h.window, h.planned).Empty() {
		feed.ICS, feed.ETag, feed.Updated = old.ICS, old.ETag, old.Updated
	} else {
		var buf bytes.Buffer
		err := ical.Write(&buf, h.planned, ical.WriteOptions{Loc: res.Loc, Now: s.Now().UTC(), Previous: prev, Keep: h.kept})
		if err != nil {
			return err
		}
		if buf.Len() > maxBytes {
			return tooLarge("feed", buf.Len(), maxBytes)
		}
		sum := sha256.Sum256(buf.Bytes())
		feed.ICS, feed.ETag, feed.Updated = buf.Bytes(), `"`+hex.EncodeToString(sum[:16])+`"`, s.Now()
	}
	return s.Store.PutFeed(ctx, p.ID, feed)
}

// tooLarge refuses to store a plan or feed over the limit: the API would
// answer it whole to every request.
func tooLarge(what string, n, limit int) error {
	return &LimitError{Msg: fmt.Sprintf("the %s is %d KiB, over the %d KiB a plan may store: use calendars that hold the training only", what, n>>10, limit>>10)}
}

// storedFeed returns a plan's published feed and our sessions in it; nil
// before the first publish. A feed that no longer parses is replaced whole.
func storedFeed(ctx context.Context, store Store, planID string) (*Feed, []ical.Written, error) {
	old, err := store.GetFeed(ctx, planID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	}
	cal, err := ical.Parse("feed", old.ICS)
	if err != nil {
		return old, nil, nil
	}
	return old, cal.Ours(), nil
}

// feedKeeper is a plan's published feed as a Keeper: its sessions outside
// the window stay, so the plan keeps clear of their slots.
type feedKeeper struct {
	store  Store
	planID string
}

func (k feedKeeper) Kept(ctx context.Context, from, to time.Time) ([]rules.HandSession, error) {
	_, prev, err := storedFeed(ctx, k.store, k.planID)
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return keptSlots(prev, from, to), nil
}

// oneLine keeps a stored error on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
