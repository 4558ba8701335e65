package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/strengthsync/strengthsync/ical"
	"github.com/strengthsync/strengthsync/sync"
	"github.com/strengthsync/strengthsync/sync/seal"
)

// SyncingName is the calendar name a feed has before its first sync ends.
const SyncingName = "Strength training (syncing…)"

// deletedFeedFor is how long a deleted plan's feed answers an empty
// calendar before it is 404: long enough for every subscribed app to fetch
// it and clear the sessions (SPEC §6 "Leaving cleanly").
const deletedFeedFor = 60 * 24 * time.Hour

// feedCacheControl lets a browser or app reuse a feed for five minutes and
// keeps shared caches out: the address is a secret.
const feedCacheControl = "private, max-age=300"

// serveFeed answers GET and HEAD /feeds/{token}.ics (SPEC §6) from the
// stored calendar; it never plans.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	s.feed(&countingWriter{ResponseWriter: w, m: s.Metrics}, r)
}

// countingWriter counts a feed answer by status as its header goes out,
// before the client can see it: a scrape right after a response sees it.
type countingWriter struct {
	http.ResponseWriter
	m       *Metrics
	counted bool
}

func (c *countingWriter) WriteHeader(code int) {
	if !c.counted {
		c.counted = true
		c.m.feedRequests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if !c.counted {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || !plausibleToken(token) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	ctx := r.Context()
	hash := seal.HashToken(token)
	// The validators first: a conditional request mostly matches, and a
	// recent body sits in the cache. The calendar is read from the store
	// only when it is sent and not in memory.
	f, err := s.Store.FeedByToken(ctx, hash, false)
	switch {
	case errors.Is(err, sync.ErrNotFound):
		s.goneFeed(w, r, hash)
		return
	case errors.Is(err, sync.ErrNoFeed):
		s.syncingFeed(w, r)
		return
	case err != nil:
		s.unavailable(w, r, "feed read", err)
		return
	}
	s.writeFeed(w, r, f, func() (*sync.Feed, error) { return s.Store.FeedByToken(ctx, hash, true) })
}

// goneFeed answers for a token that finds no plan: a deleted plan's feed
// is a valid calendar with no events while its tombstone lasts, so
// subscribed apps clear its sessions; anything else is 404.
func (s *Server) goneFeed(w http.ResponseWriter, r *http.Request, hash []byte) {
	buried, err := s.Store.FeedTombstone(r.Context(), hash, s.Now())
	if err != nil {
		s.unavailable(w, r, "feed tombstone", err)
		return
	}
	if !buried {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	// No events, so no instant in it: the body, and its ETag, never change.
	var buf bytes.Buffer
	if err := ical.Write(&buf, nil, ical.WriteOptions{Now: s.Now().UTC()}); err != nil {
		s.unavailable(w, r, "empty feed", err)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	s.writeFeed(w, r, &sync.Feed{ICS: buf.Bytes(), ETag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil)
}

// writeFeed answers with a stored calendar: validators, gzip, HEAD. f may
// hold the validators only (ICS nil); whole then reads the calendar, whose
// validators win, since a publish may have come in between.
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, f *sync.Feed, whole func() (*sync.Feed, error)) {
	h := w.Header()
	h.Set("Cache-Control", feedCacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Robots-Tag", "noindex")
	gz := acceptsGzip(r)
	if notModified(r, f) {
		setValidators(h, f, gz)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, ok := s.gz.lookup(f.ETag, gz)
	if !ok {
		if f.ICS == nil && whole != nil {
			full, err := whole()
			if err != nil {
				// Gone or unpublished since the first read: rare, and the
				// next fetch answers as it should.
				s.unavailable(w, r, "feed read", err)
				return
			}
			f = full
		}
		body = s.gz.get(f.ETag, f.ICS, gz)
	}
	setValidators(h, f, gz)
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="strength-training.ics"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// setValidators sets ETag (the gzipped body's own when gz) and
// Last-Modified.
func setValidators(h http.Header, f *sync.Feed, gz bool) {
	etag := f.ETag
	if gz && etag != "" {
		etag = gzipETag(etag)
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	if !f.Updated.IsZero() {
		h.Set("Last-Modified", f.Updated.UTC().Format(http.TimeFormat))
	}
}

// syncingFeed is a valid, empty calendar for a plan whose first sync has
// not finished: a calendar app that subscribes at once gets a calendar, not
// an error it might remember.
func (s *Server) syncingFeed(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	err := ical.Write(&buf, nil, ical.WriteOptions{Name: SyncingName, Now: s.Now().UTC(), RefreshInterval: 15 * time.Minute})
	if err != nil {
		s.unavailable(w, r, "syncing feed", err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.Log.LogAttrs(r.Context(), slog.LevelError, what+" failed", slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
	w.Header().Set("Retry-After", "30")
	http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
}

// plausibleToken rejects what seal.NewToken cannot have made before any
// lookup: 43 characters of unpadded base64url.
func plausibleToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// notModified applies If-None-Match (RFC 9110 §13.1.2, weak comparison),
// or If-Modified-Since when no If-None-Match was sent.
func notModified(r *http.Request, f *sync.Feed) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if f.ETag == "" {
			return false
		}
		want := opaque(f.ETag)
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || opaque(tag) == want || opaque(tag) == opaque(gzipETag(f.ETag)) {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !f.Updated.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !f.Updated.Truncate(time.Second).After(t)
	}
	return false
}

// opaque strips the weak prefix: If-None-Match compares weakly.
func opaque(tag string) string { return strings.TrimPrefix(tag, "W/") }

// gzipETag is the ETag of the gzipped representation: another body, so
// another tag (RFC 9110 §8.8.3), which still matches in If-None-Match.
func gzipETag(etag string) string {
	if strings.HasSuffix(etag, `"`) {
		return etag[:len(etag)-1] + `-gzip"`
	}
	return etag + "-gzip"
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q above zero.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		return q > 0
	}
	return false
}

// bodyCache keeps the bodies of recent feeds, plain and gzipped, by ETag
// and within a byte budget, the least recently sent going first: a feed
// changes at most once a sync and is fetched far more often, and a body
// in memory costs the request no read of the calendar from the store.
type bodyCache struct {
	maxBytes int
	mu       stdsync.Mutex
	size     int
	order    *list.List
	byKey    map[bodyKey]*list.Element
}

type bodyKey struct {
	etag string
	gz   bool
}

type bodyEntry struct {
	key  bodyKey
	body []byte
}

func newBodyCache(maxBytes int) *bodyCache {
	return &bodyCache{maxBytes: maxBytes, order: list.New(), byKey: map[bodyKey]*list.Element{}}
}

// lookup returns the body kept for etag, if any.
func (c *bodyCache) lookup(etag string, gz bool) ([]byte, bool) {
	if etag == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[bodyKey{etag, gz}]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*bodyEntry).body, true
}

// get returns the body of plain to send, gzipped when gz, and keeps it.
func (c *bodyCache) get(etag string, plain []byte, gz bool) []byte {
	if body, ok := c.lookup(etag, gz); ok {
		return body
	}
	body := plain
	if gz {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(plain)
		zw.Close()
		body = buf.Bytes()
	}
	if etag == "" || len(body) > c.maxBytes/8 {
		return body
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := bodyKey{etag, gz}
	if _, ok := c.byKey[k]; !ok {
		c.byKey[k] = c.order.PushFront(&bodyEntry{key: k, body: body})
		c.size += len(body)
		for c.size > c.maxBytes {
			old := c.order.Back()
			c.order.Remove(old)
			e := old.Value.(*bodyEntry)
			delete(c.byKey, e.key)
			c.size -= len(e.body)
		}
	}
	return body
}
