// Package filestate keeps the command line's small pieces of state (source
// validators, Google sync tokens, what was last written) in one JSON file.
//
// Every write goes to a temporary file that is synced and renamed over the
// old one, so a crash at any point leaves either the old state or the new
// state on disk, never a torn file. An advisory lock serialises processes
// that share the file. The package never interprets the values it stores.
package filestate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	stdsync "sync"
	"syscall"
)

// Store is a key-value store backed by one file. It is safe for concurrent
// use by goroutines and, through an advisory lock, by processes.
type Store struct {
	path string
	mu   stdsync.Mutex
}

// Open returns a store at path. The file and its directory are created on
// the first write; a missing file reads as empty.
func Open(path string) *Store { return &Store{path: path} }

// Path returns the file the store lives in.
func (s *Store) Path() string { return s.path }

// Get returns the value stored under key and whether it was there. The
// context is accepted for symmetry with stores that do I/O over a network.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lock(syscall.LOCK_SH)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return nil, false, err
	}
	v, ok := m[key]
	return v, ok, nil
}

// Put stores value under key, replacing what was there.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	return s.update(func(m map[string]json.RawMessage) {
		m[key] = append(json.RawMessage(nil), value...)
	})
}

// Delete removes key; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.update(func(m map[string]json.RawMessage) { delete(m, key) })
}

func (s *Store) update(f func(map[string]json.RawMessage)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	unlock, err := s.lock(syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	f(m)
	return s.write(m)
}

func (s *Store) read() (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if len(b) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("state: %s is damaged (%v); delete it to start afresh", s.path, err)
	}
	return m, nil
}

func (s *Store) write(m map[string]json.RawMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := WriteFile(s.path, b, 0o600); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// WriteFile replaces path with data atomically: a temporary file in the same
// directory is written, synced and renamed over path, and the directory is
// synced, so a crash leaves either the old file or the new one, never a torn
// or empty one.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	// Sync before rename: otherwise a power cut can leave the new name
	// pointing at an empty file.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// lock takes an advisory lock on a sibling lock file; the data file itself
// is replaced by rename, so it cannot carry the lock.
func (s *Store) lock(how int) (func(), error) {
	if how == syscall.LOCK_SH {
		if _, err := os.Stat(filepath.Dir(s.path)); errors.Is(err, fs.ErrNotExist) {
			return func() {}, nil
		}
	}
	f, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("state: lock %s: %w", s.path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
