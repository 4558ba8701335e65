package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Entry is what is kept per URL between fetches: the validators for a
// conditional request and the last body, so that a 304 can still be
// planned from.
type Entry struct {
	Validators Validators
	Body       []byte
	// Fetched is when the server last confirmed or sent the body.
	Fetched time.Time
}

// Cache keeps one Entry per URL. The CLI keeps it in files (DirCache); the
// service keeps it in its store. Implementations must be safe for
// concurrent use. Keys are full feed URLs, which are secrets: store them
// hashed or protected, and never log them.
type Cache interface {
	// Get returns the entry for url and whether there was one.
	Get(ctx context.Context, url string) (Entry, bool, error)
	// Put replaces the entry for url.
	Put(ctx context.Context, url string, e Entry) error
}

var _ Cache = (*DirCache)(nil)

// DirCache is a Cache of one file per URL in a directory, named by the
// SHA-256 of the URL, so neither the name nor the content reveals the
// address. Files are written to a temporary name and renamed, with mode
// 0600, so a crash never leaves a torn entry and other users cannot read
// the calendar.
type DirCache struct {
	dir string
}

// NewDirCache returns a cache in dir; dir is created on the first Put.
func NewDirCache(dir string) *DirCache { return &DirCache{dir: dir} }

// DefaultCacheDir is where the CLI keeps sources:
// os.UserCacheDir()/strengthsync/sources.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	return filepath.Join(d, "strengthsync", "sources"), nil
}

// cacheFile is the on-disk form of an Entry. The version lets a later
// format be told apart from a damaged file.
type cacheFile struct {
	Version      int       `json:"version"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Hash         string    `json:"hash"`
	Fetched      time.Time `json:"fetched"`
	Body         []byte    `json:"body"`
}

const cacheVersion = 1

func (d *DirCache) path(url string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(url)))
	return filepath.Join(d.dir, hex.EncodeToString(sum[:])+".json")
}

// Get reads the entry for url. A missing file is no entry; a damaged one is
// an error (the caller may fetch afresh and Put over it).
func (d *DirCache) Get(ctx context.Context, url string) (Entry, bool, error) {
	p := d.path(url)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("cache: %w", err)
	}
	e, err := decodeEntry(b)
	if err != nil {
		return Entry{}, false, fmt.Errorf("cache: %s: %w", filepath.Base(p), err)
	}
	return e, true, nil
}

// decodeEntry parses a cache file and checks the body against its hash, so
// a damaged body is never planned from.
func decodeEntry(b []byte) (Entry, error) {
	var f cacheFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Entry{}, fmt.Errorf("damaged entry: %w", err)
	}
	if f.Version != cacheVersion {
		return Entry{}, fmt.Errorf("entry version %d, want %d", f.Version, cacheVersion)
	}
	sum := sha256.Sum256(f.Body)
	if f.Hash != "sha256:"+hex.EncodeToString(sum[:]) {
		return Entry{}, errors.New("damaged entry: body does not match its hash")
	}
	return Entry{
		Validators: Validators{ETag: f.ETag, LastModified: f.LastModified, Hash: f.Hash},
		Body:       f.Body,
		Fetched:    f.Fetched,
	}, nil
}

// Put writes the entry for url atomically.
func (d *DirCache) Put(ctx context.Context, url string, e Entry) error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	sum := sha256.Sum256(e.Body)
	b, err := json.Marshal(cacheFile{
		Version:      cacheVersion,
		ETag:         e.Validators.ETag,
		LastModified: e.Validators.LastModified,
		// Recomputed rather than trusted, so Get's check means something.
		Hash:    "sha256:" + hex.EncodeToString(sum[:]),
		Fetched: e.Fetched.UTC(),
		Body:    e.Body,
	})
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	p := d.path(url)
	tmp, err := os.CreateTemp(d.dir, "."+filepath.Base(p)+".*")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("cache: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cache: %w", err)
	}
	// Sync before rename, or a power cut can leave the name on an empty file.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// Why values returned by Get.
const (
	WhyNew         = "new"
	WhyChanged     = "changed"
	WhyNotModified = "unchanged (304)"
	WhySameContent = "unchanged (same content)"
)

// Get fetches rawURL through cache: a conditional request with the cached
// validators; on a 304 or a body with the cached hash it returns the cached
// body with unchanged true and why WhyNotModified or WhySameContent, so the
// caller can skip parsing and planning. Otherwise it returns the new body,
// why WhyNew or WhyChanged, and stores it. A cache that cannot be read or
// written costs a full fetch next time, not a failure: it is logged.
func (c *Client) Get(ctx context.Context, cache Cache, rawURL string) (body []byte, unchanged bool, why string, err error) {
	red := Redact(rawURL)
	entry, ok, err := cache.Get(ctx, rawURL)
	if err != nil {
		c.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "source cache unreadable",
			slog.String("url", red), slog.String("error", err.Error()))
		ok = false
	}
	// Without a body to fall back on, a 304 would leave us with nothing.
	var prev Validators
	if ok && entry.Body != nil {
		prev = entry.Validators
	}
	res, err := c.Fetch(ctx, rawURL, prev)
	if err != nil {
		return nil, false, "", err
	}
	next := Entry{Validators: res.Validators, Body: res.Body, Fetched: c.opts.Now()}
	switch {
	case res.NotModified:
		next.Body, unchanged, why = entry.Body, true, WhyNotModified
	case res.SameContent:
		next.Body, unchanged, why = entry.Body, true, WhySameContent
	case prev.Hash != "":
		why = WhyChanged
	default:
		why = WhyNew
	}
	if err := cache.Put(ctx, rawURL, next); err != nil {
		c.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "source cache not written",
			slog.String("url", red), slog.String("error", err.Error()))
	}
	return next.Body, unchanged, why, nil
}
