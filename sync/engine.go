// Package sync is strengthsync's engine: it reads run calendars from
// sources, hands their events to the coaching core in rules, and writes the
// sessions to a sink (a file, a feed or a Google calendar).
//
// The engine owns the order of things and the window of dates; it knows no
// file format and no API. Adapters for each technology (ical files, URLs,
// Google) satisfy the small interfaces declared here. The name shadows the
// standard library's sync: import that one as stdsync wherever both are needed.
package sync

import (
	"context"
	"time"

	"github.com/strengthsync/strengthsync/rules"
)

// Source is one calendar to read: runs, or busy time.
type Source interface {
	// Name names the source in messages (a path, a redacted URL, google:ID).
	Name() string
	// Load reads the source. from and to bound the dates the engine will ask
	// for, so a source that pages through an API can stop early; sources
	// that read whole files may ignore them.
	Load(ctx context.Context, from, to time.Time) (Calendar, error)
}

// Calendar is a loaded source.
type Calendar interface {
	// TimeZone is the calendar's own zone name (X-WR-TIMEZONE, or Google's
	// calendar time zone), or "" when it has none.
	TimeZone() string
	// Events returns the events overlapping [from, to) in loc, recurrences
	// expanded and the engine's own sessions left out.
	Events(from, to time.Time, loc *time.Location) ([]rules.Event, error)
	// Fingerprint identifies the content: equal fingerprints mean equal
	// events. It is "" when the source cannot tell.
	Fingerprint() string
}

// Keeper is a destination that holds the sessions of earlier syncs.
type Keeper interface {
	// Kept reports the sessions it holds that start in [from, to), each as
	// the slot it fills and where it is now (Deleted when the runner
	// deleted it). The engine asks for the days just outside the planned
	// window: those sessions stay as they are, so the plan must keep clear
	// of their slots and count them (H4, H7).
	Kept(ctx context.Context, from, to time.Time) ([]rules.HandSession, error)
}

// Sink is where sessions are written.
type Sink interface {
	// Name names the destination in messages.
	Name() string
	// Hand reports the sessions the runner moved or deleted by hand in
	// [from, to) since they were written. Destinations the runner cannot
	// edit (files, feeds) return nil.
	Hand(ctx context.Context, from, to time.Time) ([]rules.HandSession, error)
	Keeper
	// Apply makes the destination hold exactly sessions within [from, to):
	// new ones are added, changed ones updated, stale ones removed. What
	// lies outside the window, and anything the engine did not write, is
	// left alone (SPEC §6 "History is the runner's": the past stays as it
	// was written, even where a planned session would take its slot). With
	// dryRun it reports the changes and writes nothing.
	Apply(ctx context.Context, sessions []rules.Session, from, to time.Time, dryRun bool) (Changes, error)
}

// Change is one session added, moved, updated or removed.
type Change struct {
	UID   string
	Title string
	// From is where the session was (zero when added); To is where it goes
	// (zero when removed).
	From, To time.Time
}

// Changes is what an Apply did, or would do.
type Changes struct {
	Added, Moved, Updated, Removed []Change
	// Unchanged counts sessions already as planned.
	Unchanged int
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Added)+len(c.Moved)+len(c.Updated)+len(c.Removed) == 0
}
