package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/strengthsync/strengthsync/ical/fetch"
	"github.com/strengthsync/strengthsync/sync"
)

// source turns a --from or --busy spec into a source.
func (a *App) source(ctx context.Context, spec string, f *planFlags, busy bool) (sync.Source, error) {
	flag := "--from"
	if busy {
		flag = "--busy"
	}
	switch {
	case strings.HasPrefix(spec, "google:"):
		id := strings.TrimPrefix(spec, "google:")
		if id == "" || id == "new" {
			return nil, usageErr(fmt.Errorf("%s: %q: name a calendar, e.g. google:primary", flag, spec))
		}
		if busy {
			return a.google.Busy(ctx, id)
		}
		return a.google.Source(ctx, id)
	case isURL(spec):
		opts := fetch.DefaultOptions()
		opts.AllowPrivate = f.allowPrivate
		opts.MaxBytes = f.maxBytes
		opts.Timeout = f.fetchTimeout
		opts.ConnectTimeout = f.fetchConnTimeout
		opts.UserAgent = "strengthsync/" + version + " (+https://github.com/strengthsync/strengthsync)"
		src := sync.URLSource{URL: spec, Client: fetch.New(opts), Cache: fetch.NewDirCache(filepath.Join(a.cacheDir, "sources"))}
		if f.verbose {
			src.Report = func(name, what string) { fmt.Fprintf(a.Stderr, "%s: %s\n", name, what) }
		}
		return src, nil
	case strings.Contains(spec, "://"):
		return nil, usageErr(fmt.Errorf("%s: %q: only https://, http:// and webcal:// URLs are supported", flag, spec))
	}
	return sync.FileSource{Path: spec, MaxBytes: f.maxBytes}, nil
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "webcal://")
}

// sink turns a --to spec into a destination.
func (a *App) sink(ctx context.Context, spec string) (sync.Sink, error) {
	switch {
	case strings.HasPrefix(spec, "google:"):
		id := strings.TrimPrefix(spec, "google:")
		if id == "" {
			return nil, usageErr(fmt.Errorf("--to: %q: name a calendar, or google:new", spec))
		}
		return a.google.Sink(ctx, id)
	case isURL(spec) || strings.Contains(spec, "://"):
		return nil, usageErr(fmt.Errorf("--to: %q: write to a file or a Google calendar; to publish a feed, run strengthsync serve", spec))
	case !strings.HasSuffix(strings.ToLower(spec), ".ics"):
		return nil, usageErr(fmt.Errorf("--to: %q: the file name must end in .ics", spec))
	}
	// Check the folder now: the write happens last, after fetching, and
	// would fail on a temporary file's name the runner never chose.
	dir := filepath.Dir(spec)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageErr(fmt.Errorf("--to: %q: the folder %s does not exist", spec, dir))
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return nil, usageErr(fmt.Errorf("--to: %q: cannot use the folder %s: %w", spec, dir, err))
	case !st.IsDir():
		return nil, usageErr(fmt.Errorf("--to: %q: %s is not a folder", spec, dir))
	}
	return sync.FileSink{Path: spec, Now: a.Now}, nil
}
