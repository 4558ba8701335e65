package sync

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store for a plan, feed or token it does not hold.
var ErrNotFound = errors.New("not found")

// ErrNoFeed is returned by Store.FeedByToken for a plan that has not
// published a feed yet.
var ErrNoFeed = errors.New("no feed yet")

// ErrLocked is returned by Store.Lock when another holder has the lock.
var ErrLocked = errors.New("locked")

// PlanRecord is one runner's plan as the service keeps it. Secrets never sit
// here in the clear: tokens are kept as hashes (for lookup) and, where the
// service must show or use them again, sealed with the store's key.
type PlanRecord struct {
	ID string
	// ManageTokenHash is SHA-256 of the manage token; the token itself is
	// shown once, at creation.
	ManageTokenHash []byte
	// FeedTokenHash is SHA-256 of the current feed token (the lookup key of
	// GET /feeds/{token}.ics); FeedTokenSealed is the token encrypted, so the
	// manage page can show the feed URL again.
	FeedTokenHash   []byte
	FeedTokenSealed []byte
	Sources         []string // run calendars: URLs or google:ID
	Busy            []string // calendars that only block time
	TimeZone        string
	Settings        SettingsJSON
	// GoogleTokenSealed is the OAuth token (JSON) encrypted; nil when the
	// plan is not connected to Google. GoogleCalendarID is where sessions go.
	GoogleTokenSealed []byte
	GoogleCalendarID  string

	Status    string // "new", "syncing", "ok", "error"
	LastSync  time.Time
	LastError string
	// LastSuccess is when a sync last succeeded; zero before the first.
	LastSuccess time.Time
	// FailReason says why the last sync failed, one of the Reason
	// constants; empty after a success.
	FailReason string
	NextSync   time.Time
	Created    time.Time
	Updated    time.Time
}

// Feed is the last published calendar of a plan and the plan as planned,
// stored so requests never plan: they serve what the worker wrote.
type Feed struct {
	ICS     []byte    // the .ics body
	ETag    string    // strong ETag of ICS
	Updated time.Time // when ICS last changed
	// PlanJSON is the plan (days, sessions) in the `plan --json` shape.
	PlanJSON []byte
}

// Reasons a plan's last sync failed, kept in PlanRecord.FailReason: a small
// fixed set, so /metrics can count failing plans by reason.
const (
	// ReasonPermanentSource: a source answered in a way only the runner
	// can fix (404, 403, not a calendar).
	ReasonPermanentSource = "permanent_source"
	// ReasonTransientSource: a source timed out or answered 5xx/429.
	ReasonTransientSource = "transient_source"
	// ReasonGoogleRevoked: the runner's Google grant is gone
	// (StatusNeedsReconnect).
	ReasonGoogleRevoked = "google_revoked"
	// ReasonStore: the store refused a read or a write.
	ReasonStore = "store"
	// ReasonOther is every other failure.
	ReasonOther = "other"
)

// FailReasons returns every reason, in a fixed order.
func FailReasons() []string {
	return []string{ReasonPermanentSource, ReasonTransientSource, ReasonGoogleRevoked, ReasonStore, ReasonOther}
}

// RunnerSide reports whether only the runner can end a failure of this
// reason (their calendar host, their Google grant). Such plans do not count
// towards SyncHealth.OldestSuccess: one runner's dead calendar must not
// page the operator.
func RunnerSide(reason string) bool {
	switch reason {
	case ReasonPermanentSource, ReasonTransientSource, ReasonGoogleRevoked:
		return true
	}
	return false
}

// Watched reports whether the plan counts towards SyncHealth.OldestSuccess:
// it is scheduled and not failing for a runner-side reason.
func (p *PlanRecord) Watched() bool { return p.NextSync.Before(Never) && !RunnerSide(p.FailReason) }

// SuccessClock is the instant a watched plan's staleness counts from: its
// last success, or its creation before the first.
func (p *PlanRecord) SuccessClock() time.Time {
	if !p.LastSuccess.IsZero() {
		return p.LastSuccess
	}
	return p.Created
}

// SyncHealth is what an operator alerts on, summed over every plan.
type SyncHealth struct {
	// OldestSuccess is the earliest SuccessClock among watched plans; zero
	// when no plan is watched.
	OldestSuccess time.Time
	// Failing counts plans by FailReason; reasons with no plan may be absent.
	Failing map[string]int
}

// Store keeps plans, feeds and per-plan state. Implementations: SQLite (the
// embedded default) and Redis (for several workers); both pass one
// conformance suite. Every method is safe for concurrent use.
type Store interface {
	// CreatePlan stores a new plan; the ID and both token hashes must be new.
	CreatePlan(ctx context.Context, p *PlanRecord) error
	// GetPlan returns the plan or ErrNotFound.
	GetPlan(ctx context.Context, id string) (*PlanRecord, error)
	// PlanByFeedToken finds the plan whose current feed token hashes to
	// hash, or ErrNotFound; a rotated-away token is not found.
	PlanByFeedToken(ctx context.Context, hash []byte) (*PlanRecord, error)
	// PlanIDByManageToken returns the ID of the plan the manage token
	// hashing to hash was issued for, or ErrNotFound. Authorising a request
	// reads this small index before any plan record, so a wrong token costs
	// the same as a plan that does not exist; the caller still compares
	// the record's hash, since the ID may name a plan whose token changed.
	PlanIDByManageToken(ctx context.Context, hash []byte) (string, error)
	// UpdatePlan replaces a plan's record (its feed token index included)
	// or returns ErrNotFound.
	UpdatePlan(ctx context.Context, p *PlanRecord) error
	// DeletePlan removes the plan, its tokens, its feed and its state.
	// Tombstones are not the plan's: they outlive it.
	DeletePlan(ctx context.Context, id string) error

	// PutFeedTombstone keeps hash, the feed token hash of a plan being
	// deleted, until until, so its feed can answer an empty calendar that
	// clears subscribed apps (SPEC §6 "Leaving cleanly"). Only the hash and
	// the instant are kept. Putting it again replaces until.
	PutFeedTombstone(ctx context.Context, hash []byte, until time.Time) error
	// FeedTombstone reports whether hash has a tombstone whose until is
	// after now. A store may forget a tombstone once until has passed by
	// its own clock.
	FeedTombstone(ctx context.Context, hash []byte, now time.Time) (bool, error)
	// DuePlans lists the IDs of plans whose NextSync is at or before t,
	// earliest first, at most limit.
	DuePlans(ctx context.Context, t time.Time, limit int) ([]string, error)

	// PutFeed and GetFeed keep a plan's published calendar.
	PutFeed(ctx context.Context, planID string, f *Feed) error
	GetFeed(ctx context.Context, planID string) (*Feed, error)
	// FeedByToken returns the published calendar of the plan whose current
	// feed token hashes to hash: its ETag and Updated, and its ICS only
	// when withICS, since a conditional request that matches needs no
	// body. PlanJSON is never read: this is the feed requests' one read.
	// It returns ErrNotFound when no plan has the token (a rotated-away
	// token included) and ErrNoFeed when the plan has not published yet.
	FeedByToken(ctx context.Context, hash []byte, withICS bool) (*Feed, error)

	// GetState, PutState and DeleteState keep small per-plan blobs: source
	// validators, Google sync tokens, what was last written.
	GetState(ctx context.Context, planID, key string) ([]byte, bool, error)
	PutState(ctx context.Context, planID, key string, value []byte) error
	DeleteState(ctx context.Context, planID, key string) error

	// Lock takes a lease named name for ttl, or returns ErrLocked; unlock
	// releases it only if it is still ours. A crashed holder's lease expires.
	Lock(ctx context.Context, name string, ttl time.Duration) (unlock func(context.Context) error, err error)

	// SyncHealth summarises every plan for /metrics without reading each
	// one: it is asked at every scrape, with 10,000 plans stored.
	SyncHealth(ctx context.Context) (SyncHealth, error)

	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	Close() error
}
