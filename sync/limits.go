package sync

import (
	"errors"
	"fmt"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
)

// Limits bound what one plan may cost the service: a plan is a few run
// calendars and a few weeks of sessions, so anything far larger is a broken
// or hostile input and is refused before it can use the memory, the store
// or the answers of every other plan. Zero fields take the defaults in
// brackets (DefaultLimits).
type Limits struct {
	// Sources caps the run calendars of a plan [5].
	Sources int
	// Busy caps the calendars that only block time [5].
	Busy int
	// Events caps the events read for one plan in its window, all sources
	// together, after recurrences are expanded [20000]. A training plan
	// has a few hundred.
	Events int
	// SourceBytes caps the calendars of a plan as fetched, all together
	// [20 MiB]; each one is also capped by the fetch size limit (10 MB).
	// The service keeps the last copy of each to plan from when a source
	// answers "not modified", so this bounds the plan's stored copies too.
	SourceBytes int
	// PlanBytes caps what a plan stores of itself: its plan JSON (days,
	// sessions) and its feed, each [1 MiB].
	PlanBytes int
}

// DefaultLimits are the limits of a service that sets none.
func DefaultLimits() Limits {
	return Limits{Sources: 5, Busy: 5, Events: 20_000, SourceBytes: 20 << 20, PlanBytes: 1 << 20}
}

// WithDefaults fills the zero fields with DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.Sources <= 0 {
		l.Sources = d.Sources
	}
	if l.Busy <= 0 {
		l.Busy = d.Busy
	}
	if l.Events <= 0 {
		l.Events = d.Events
	}
	if l.SourceBytes <= 0 {
		l.SourceBytes = d.SourceBytes
	}
	if l.PlanBytes <= 0 {
		l.PlanBytes = d.PlanBytes
	}
	return l
}

// CheckCalendars checks the number of run and busy calendars of a plan. The
// error is a *FieldError naming "sources" or "busy", for the API to answer
// 400 with; the same check fails a stored plan's sync permanently.
func (l Limits) CheckCalendars(sources, busy []string) error {
	l = l.WithDefaults()
	if len(sources) > l.Sources {
		return &FieldError{Field: "sources", Msg: fmt.Sprintf("at most %d calendars per plan, got %d", l.Sources, len(sources))}
	}
	if len(busy) > l.Busy {
		return &FieldError{Field: "busy", Msg: fmt.Sprintf("at most %d busy calendars per plan, got %d", l.Busy, len(busy))}
	}
	return nil
}

// LimitError is a plan or source over one of its Limits. It is permanent:
// syncing again cannot help until the runner changes the plan or the source.
// The engine prefixes it with the source that went over.
type LimitError struct {
	Msg string
}

func (e *LimitError) Error() string { return e.Msg }

// Permanent reports true: see IsPermanent.
func (e *LimitError) Permanent() bool { return true }

// IsPermanent reports whether err says that syncing again cannot help until
// the runner changes something: a source that answers 404, 401, 403 or 410,
// is not a calendar, is too large or unreadable, a plan over its limits,
// bad settings. An error may say so itself with a Permanent() bool method.
// Everything else (timeouts, 5xx, a store or Google outage) is transient.
func IsPermanent(err error) bool {
	var p interface{ Permanent() bool }
	if errors.As(err, &p) {
		return p.Permanent()
	}
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Kind() == fetch.Permanent
	}
	var ie *ical.Error
	var se *FieldError
	return errors.As(err, &ie) || errors.As(err, &se)
}

// SyncError is a failed sync that SyncPlan has recorded on the plan along
// with its next try. A queue must not retry it: the plan's schedule does,
// backing off, and a permanent failure waits for the runner.
type SyncError struct {
	Err error
	// Permanent is true when the plan waits for an edit or a manual sync.
	Permanent bool
	// Next is when the schedule tries again; zero when Permanent.
	Next time.Time
}

func (e *SyncError) Error() string { return e.Err.Error() }
func (e *SyncError) Unwrap() error { return e.Err }

// Backoff is how the schedule retries a plan whose sync fails.
type Backoff struct {
	// First is the wait after the first failure [the sync interval,
	// 15m]; it doubles with each failure in a row.
	First time.Duration
	// Max caps the wait [24h].
	Max time.Duration
}

// after returns the wait after the n-th failure in a row (n ≥ 1), starting
// from every when First is not set.
func (b Backoff) after(n int, every time.Duration) time.Duration {
	first, most := b.First, b.Max
	if first <= 0 {
		first = every
	}
	if most <= 0 {
		most = 24 * time.Hour
	}
	d := first
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// Scheduled is when the schedule syncs the plan next, or the zero time when
// it waits for the runner (its last sync failed permanently).
func (p *PlanRecord) Scheduled() time.Time {
	if !p.NextSync.Before(Never) {
		return time.Time{}
	}
	return p.NextSync
}
