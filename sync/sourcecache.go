package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/rules"
)

// sourceRecordVersion marks the record kept per URL source. Entries of the
// older form (validators and base64 body in one JSON blob) read as absent:
// they cost one full fetch, which replaces them.
const sourceRecordVersion = 2

// sourceRecord is what a plan keeps per URL source between syncs: the
// validators of the next conditional request and the hash and size of the
// last body. The body itself lies under its own key as raw bytes, so an
// unchanged source (a 304, or the same hash) reads and writes this record
// only, a few hundred bytes, and the body is read only to plan again.
type sourceRecord struct {
	V            int    `json:"v"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Hash         string `json:"hash"` // "sha256:" and the hex digest, as fetch.Validators
	Size         int    `json:"size"`
}

func (r sourceRecord) validators() fetch.Validators {
	return fetch.Validators{ETag: r.ETag, LastModified: r.LastModified, Hash: r.Hash}
}

// storedSource is a URL calendar of a plan, fetched conditionally with the
// validators its state keeps. Keys are hashes of the URL: feed URLs are
// secrets. room is what the plan's sources may still store in this sync
// (Limits.SourceBytes): a plan over it fails, and its copies must not fill
// the store meanwhile.
type storedSource struct {
	url    string
	client *fetch.Client
	state  StateStore
	room   *atomic.Int64
	log    *slog.Logger
	// observe, when set, hears how each fetch went (FetchResults).
	observe func(result string)
}

func (s storedSource) Name() string { return fetch.Redact(s.url) }

func (s storedSource) keys() (record, body string) {
	sum := sha256.Sum256([]byte(s.url))
	h := hex.EncodeToString(sum[:16])
	return "source:" + h, "source-body:" + h
}

// Load fetches the calendar, conditionally when a record is kept. An
// unchanged answer returns a calendar that knows its fingerprint from the
// record and reads the kept body only if it must be parsed.
func (s storedSource) Load(ctx context.Context, _, _ time.Time) (Calendar, error) {
	recKey, _ := s.keys()
	rec, ok := s.record(ctx, recKey)
	var prev fetch.Validators
	if ok {
		prev = rec.validators()
	}
	res, err := s.client.Fetch(ctx, s.url, prev)
	if s.observe != nil {
		why := fetch.WhyChanged
		if err == nil && (res.NotModified || res.SameContent) {
			why = fetch.WhyNotModified
		}
		s.observe(fetchResult(why, err))
	}
	if err != nil {
		return nil, err
	}
	if res.NotModified || res.SameContent {
		if next := (sourceRecord{V: sourceRecordVersion, ETag: res.Validators.ETag, LastModified: res.Validators.LastModified,
			Hash: rec.Hash, Size: rec.Size}); next != rec {
			// The server moved its validators, not the content: the
			// record changes, the body stays.
			s.put(ctx, recKey, next)
		}
		return &storedCalendar{src: s, ctx: ctx, rec: rec}, nil
	}
	s.keep(ctx, res.Body, res.Validators)
	return parsed(s.Name(), res.Body)
}

// record reads the kept record; a damaged or older one counts as none.
func (s storedSource) record(ctx context.Context, key string) (sourceRecord, bool) {
	b, ok, err := s.state.Get(ctx, key)
	if err != nil {
		s.warn(ctx, "source cache unreadable", err)
		return sourceRecord{}, false
	}
	var rec sourceRecord
	if !ok || json.Unmarshal(b, &rec) != nil || rec.V != sourceRecordVersion || !strings.HasPrefix(rec.Hash, "sha256:") {
		return sourceRecord{}, false
	}
	return rec, true
}

// keep stores a new body, then the record that names it: a crash in
// between leaves a record whose body does not match, which storedCalendar
// detects and fetches again.
func (s storedSource) keep(ctx context.Context, body []byte, v fetch.Validators) {
	recKey, bodyKey := s.keys()
	if s.room.Add(-int64(len(body))) < 0 {
		// Run refuses the plan for its size; nothing of it is kept.
		return
	}
	if err := s.state.Put(ctx, bodyKey, Pack(body)); err != nil {
		s.warn(ctx, "source cache not written", err)
		return
	}
	s.put(ctx, recKey, sourceRecord{V: sourceRecordVersion, ETag: v.ETag, LastModified: v.LastModified, Hash: v.Hash, Size: len(body)})
}

func (s storedSource) put(ctx context.Context, key string, rec sourceRecord) {
	b, err := json.Marshal(rec)
	if err == nil {
		err = s.state.Put(ctx, key, b)
	}
	if err != nil {
		s.warn(ctx, "source cache not written", err)
	}
}

func (s storedSource) warn(ctx context.Context, msg string, err error) {
	if s.log != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, msg, slog.String("url", s.Name()), slog.String("error", err.Error()))
	}
}

// storedCalendar is an unchanged source: its fingerprint is the kept hash;
// its body is read from the state, and parsed, only when events are asked
// for. A kept body that is missing or does not match its hash is fetched
// again in full.
type storedCalendar struct {
	src storedSource
	ctx context.Context // the sync's: the calendar lives inside it
	rec sourceRecord

	once stdsync.Once
	cal  Calendar
	err  error
}

func (c *storedCalendar) Fingerprint() string { return strings.TrimPrefix(c.rec.Hash, "sha256:") }

// Size is the kept body's length, known without reading it.
func (c *storedCalendar) Size() int { return c.rec.Size }

func (c *storedCalendar) load() (Calendar, error) {
	c.once.Do(func() {
		_, bodyKey := c.src.keys()
		packed, ok, err := c.src.state.Get(c.ctx, bodyKey)
		if err != nil {
			c.err = fmt.Errorf("source cache: %w", err)
			return
		}
		// A damaged body fails the hash below and is fetched again.
		body, _ := Unpack(packed)
		sum := sha256.Sum256(body)
		if ok && "sha256:"+hex.EncodeToString(sum[:]) == c.rec.Hash {
			c.cal, c.err = parsed(c.src.Name(), body)
			return
		}
		res, err := c.src.client.Fetch(c.ctx, c.src.url, fetch.Validators{})
		if err != nil {
			c.err = err
			return
		}
		c.src.keep(c.ctx, res.Body, res.Validators)
		c.cal, c.err = parsed(c.src.Name(), res.Body)
	})
	return c.cal, c.err
}

// TimeZone is "" for a calendar that cannot be read; Events reports why.
func (c *storedCalendar) TimeZone() string {
	cal, err := c.load()
	if err != nil {
		return ""
	}
	return cal.TimeZone()
}

func (c *storedCalendar) Events(from, to time.Time, loc *time.Location) ([]rules.Event, error) {
	cal, err := c.load()
	if err != nil {
		return nil, err
	}
	return cal.Events(from, to, loc)
}

// EventsUpTo is Events that fails once more than max events are read.
func (c *storedCalendar) EventsUpTo(from, to time.Time, loc *time.Location, max int) ([]rules.Event, error) {
	cal, err := c.load()
	if err != nil {
		return nil, err
	}
	if capped, ok := cal.(boundedCalendar); ok {
		return capped.EventsUpTo(from, to, loc, max)
	}
	return cal.Events(from, to, loc)
}

var _ boundedCalendar = (*storedCalendar)(nil)
