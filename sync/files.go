package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	stdsync "sync"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/rules"
	"github.com/strengthsync/strengthsync/sync/filestate"
)

// icalCalendar adapts .ics bytes to Calendar. It parses on first use, so
// a caller that only needs the fingerprint (an unchanged feed) never pays
// for a parse.
type icalCalendar struct {
	name string
	data []byte
	hash string
	once stdsync.Once
	cal  *ical.Calendar
	err  error
}

func parsed(name string, data []byte) (Calendar, error) {
	sum := sha256.Sum256(data)
	return &icalCalendar{name: name, data: data, hash: hex.EncodeToString(sum[:])}, nil
}

func (c *icalCalendar) parse() (*ical.Calendar, error) {
	c.once.Do(func() { c.cal, c.err = ical.Parse(c.name, c.data) })
	return c.cal, c.err
}

func (c *icalCalendar) Fingerprint() string { return c.hash }

// Size is the calendar's length in bytes, as read.
func (c *icalCalendar) Size() int { return len(c.data) }

// TimeZone is "" for a calendar that does not parse; Events reports why.
func (c *icalCalendar) TimeZone() string {
	if cal, err := c.parse(); err == nil {
		return cal.TimeZone
	}
	return ""
}

func (c *icalCalendar) Events(from, to time.Time, loc *time.Location) ([]rules.Event, error) {
	cal, err := c.parse()
	if err != nil {
		return nil, err
	}
	return cal.Events(from, to, loc)
}

// EventsUpTo is Events that fails once more than max events are read.
func (c *icalCalendar) EventsUpTo(from, to time.Time, loc *time.Location, max int) ([]rules.Event, error) {
	cal, err := c.parse()
	if err != nil {
		return nil, err
	}
	return cal.EventsUpTo(from, to, loc, max)
}

// FileSource reads a .ics file.
type FileSource struct {
	Path     string
	MaxBytes int64
}

// Name returns the path.
func (s FileSource) Name() string { return s.Path }

// Load reads and parses the whole file; the window is applied by Events.
func (s FileSource) Load(ctx context.Context, from, to time.Time) (Calendar, error) {
	data, err := readFile(s.Path, s.MaxBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &ical.Error{Source: s.Path, Msg: "no such file"}
	}
	if err != nil {
		return nil, err
	}
	return parsed(s.Path, data)
}

// URLSource fetches a calendar over HTTP through a validator cache, so an
// unchanged feed costs one conditional request and no parse.
type URLSource struct {
	URL    string
	Client *fetch.Client
	Cache  fetch.Cache
	// Report, when set, hears how the fetch went ("unchanged (304)").
	Report func(name, what string)
}

// Name returns the URL with its secret parts hidden.
func (s URLSource) Name() string { return fetch.Redact(s.URL) }

// Load fetches the feed, conditionally when the cache knows it.
func (s URLSource) Load(ctx context.Context, from, to time.Time) (Calendar, error) {
	body, unchanged, why, err := s.Client.Get(ctx, s.Cache, s.URL)
	if err != nil {
		return nil, err
	}
	if s.Report != nil {
		if unchanged {
			s.Report(s.Name(), why)
		} else {
			s.Report(s.Name(), fmt.Sprintf("fetched %d bytes", len(body)))
		}
	}
	return parsed(s.Name(), body)
}

// FileSink writes sessions to a .ics file. The file holds the sessions of
// every sync: those of the planned window are replaced, the others stay as
// they were written. It is replaced atomically, so a calendar app reading
// it never sees half a calendar.
type FileSink struct {
	Path string
	// Now stamps DTSTAMP and LAST-MODIFIED.
	Now func() time.Time
}

var _ Sink = FileSink{}

// Name returns the path.
func (s FileSink) Name() string { return s.Path }

// Hand returns nil: nobody edits our file by hand and expects it to stick.
func (s FileSink) Hand(context.Context, time.Time, time.Time) ([]rules.HandSession, error) {
	return nil, nil
}

// Kept reports the sessions the file holds that start in [from, to).
func (s FileSink) Kept(ctx context.Context, from, to time.Time) ([]rules.HandSession, error) {
	prev, _, err := s.read()
	if err != nil {
		return nil, err
	}
	return keptSlots(prev, from, to), nil
}

// read returns our sessions in the file and its bytes; nothing when there
// is no file yet.
func (s FileSink) read() ([]ical.Written, []byte, error) {
	old, err := readFile(s.Path, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	}
	cal, err := ical.Parse(s.Path, old)
	if err != nil {
		return nil, nil, fmt.Errorf("the destination is not a calendar strengthsync can update: %w", err)
	}
	return cal.Ours(), old, nil
}

// Apply diffs against the file already there and rewrites it. SEQUENCE
// and LAST-MODIFIED carry over for unchanged sessions, so calendar apps that
// import the file again see only real changes; sessions outside [from, to)
// are written back as they were.
func (s FileSink) Apply(ctx context.Context, sessions []rules.Session, from, to time.Time, dryRun bool) (Changes, error) {
	prev, old, err := s.read()
	if err != nil {
		return Changes{}, err
	}
	h := splitHistory(prev, sessions, from, to, time.Time{})
	changes := diffWritten(h.window, h.planned)
	if dryRun {
		return changes, nil
	}
	var buf bytes.Buffer
	err = ical.Write(&buf, h.planned, ical.WriteOptions{Loc: from.Location(), Now: s.Now().UTC(), Previous: prev, Keep: h.kept})
	if err != nil {
		return changes, err
	}
	if bytes.Equal(buf.Bytes(), old) {
		return changes, nil
	}
	return changes, filestate.WriteFile(s.Path, buf.Bytes(), 0o644)
}

// history is what a destination holds, split by a sync of [from, to)
// (SPEC §6 "History is the runner's").
type history struct {
	// window are the sessions written inside the window: the plan
	// replaces them.
	window []ical.Written
	// kept are those outside it, which stay exactly as written.
	kept []ical.Written
	// dropped counts sessions older than the history a destination keeps.
	dropped int
	// planned are the sessions to write: the plan's, less any whose UID a
	// kept session holds (the past wins; the engine plans around kept
	// slots, so this only guards against a caller that did not).
	planned []rules.Session
}

// splitHistory splits prev at [from, to); sessions starting before oldest
// (zero: none) are dropped.
func splitHistory(prev []ical.Written, sessions []rules.Session, from, to, oldest time.Time) history {
	var h history
	keptUID := map[string]bool{}
	for _, w := range prev {
		switch {
		case !w.Start.Before(from) && w.Start.Before(to):
			h.window = append(h.window, w)
		case !oldest.IsZero() && w.Start.Before(oldest):
			h.dropped++
		default:
			h.kept = append(h.kept, w)
			keptUID[w.UID] = true
		}
	}
	h.planned = sessions
	if len(keptUID) > 0 {
		h.planned = nil
		for _, s := range sessions {
			if !keptUID[s.UID] {
				h.planned = append(h.planned, s)
			}
		}
	}
	return h
}

// keptSlots returns the sessions of prev starting in [from, to) as slots.
// One without a readable slot cannot be reserved and is left out; Apply
// keeps it all the same.
func keptSlots(prev []ical.Written, from, to time.Time) []rules.HandSession {
	var out []rules.HandSession
	for _, w := range prev {
		if w.Start.Before(from) || !w.Start.Before(to) {
			continue
		}
		if week, ord, ok := w.WeekOrdinal(); ok {
			out = append(out, rules.HandSession{Week: week, Ordinal: ord, Variant: rules.VariantOf(w.Summary),
				Start: w.Start.In(from.Location()), End: w.End.In(from.Location())})
		}
	}
	return out
}

// diffWritten compares what a destination holds with the plan, by UID.
func diffWritten(prev []ical.Written, sessions []rules.Session) Changes {
	var c Changes
	old := map[string]ical.Written{}
	for _, w := range prev {
		old[w.UID] = w
	}
	for _, s := range sessions {
		w, ok := old[s.UID]
		delete(old, s.UID)
		switch {
		case !ok:
			c.Added = append(c.Added, Change{UID: s.UID, Title: s.Title, To: s.Start})
		case !w.Start.Equal(s.Start) || !w.End.Equal(s.End):
			c.Moved = append(c.Moved, Change{UID: s.UID, Title: s.Title, From: w.Start, To: s.Start})
		case w.Hash != ical.ContentHash(s, ical.Describe(s)):
			c.Updated = append(c.Updated, Change{UID: s.UID, Title: s.Title, From: w.Start, To: s.Start})
		default:
			c.Unchanged++
		}
	}
	for _, w := range prev {
		if _, gone := old[w.UID]; gone {
			c.Removed = append(c.Removed, Change{UID: w.UID, Title: w.Summary, From: w.Start})
		}
	}
	return c
}

// readFile reads a whole file, refusing one over maxBytes (0 means
// ical.DefaultMaxBytes) before reading it: a 50 MB file fails at once.
func readFile(path string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = ical.DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(0)
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &ical.Error{Source: path, Msg: "is a directory, not a calendar file"}
	} else if err == nil && fi.Mode().IsRegular() {
		if fi.Size() > maxBytes {
			return nil, &ical.Error{Source: path, Msg: fmt.Sprintf("file is larger than the %d MB limit", maxBytes>>20)}
		}
		size = fi.Size()
	}
	// Sized from stat, so a regular file is read in one allocation; the
	// limit still holds for a file that grows, or a pipe.
	buf := bytes.NewBuffer(make([]byte, 0, size+512))
	_, err = buf.ReadFrom(io.LimitReader(f, maxBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, &ical.Error{Source: path, Msg: fmt.Sprintf("file is larger than the %d MB limit", maxBytes>>20)}
	}
	return data, nil
}
