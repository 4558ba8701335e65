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
// the planned window and is replaced atomically, so a calendar app reading
// it never sees half a calendar.
type FileSink struct {
	Path string
	// Now stamps DTSTAMP and LAST-MODIFIED.
	Now func() time.Time
}

// Name returns the path.
func (s FileSink) Name() string { return s.Path }

// Hand returns nil: nobody edits our file by hand and expects it to stick.
func (s FileSink) Hand(context.Context, time.Time, time.Time) ([]rules.HandSession, error) {
	return nil, nil
}

// Apply diffs against the file already there and rewrites it. SEQUENCE
// and LAST-MODIFIED carry over for unchanged sessions, so calendar apps that
// import the file again see only real changes.
func (s FileSink) Apply(ctx context.Context, sessions []rules.Session, from, to time.Time, dryRun bool) (Changes, error) {
	var prev []ical.Written
	old, err := readFile(s.Path, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return Changes{}, err
	default:
		cal, err := ical.Parse(s.Path, old)
		if err != nil {
			return Changes{}, fmt.Errorf("the destination is not a calendar strengthsync can update: %w", err)
		}
		prev = cal.Ours()
	}
	changes := diffWritten(prev, sessions)
	if dryRun {
		return changes, nil
	}
	var buf bytes.Buffer
	err = ical.Write(&buf, sessions, ical.WriteOptions{Loc: from.Location(), Now: s.Now().UTC(), Previous: prev})
	if err != nil {
		return changes, err
	}
	if bytes.Equal(buf.Bytes(), old) {
		return changes, nil
	}
	return changes, filestate.WriteFile(s.Path, buf.Bytes(), 0o644)
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
