package filestate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	stdsync "sync"
	"testing"
)

func TestPutGetDelete(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "state.json")
	s := Open(path)
	if _, ok, err := s.Get(ctx, "a"); err != nil || ok {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	if err := s.Put(ctx, "a", []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	// A second handle sees what the first wrote: the state is on disk.
	v, ok, err := Open(path).Get(ctx, "a")
	if err != nil || !ok || string(v) != `{"x":1}` {
		t.Fatalf("Get = %s %v %v", v, ok, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "a"); ok {
		t.Error("key still there after Delete")
	}
}

func TestDamagedFileNamesThePath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(path).Get(ctx, "a")
	if err == nil {
		t.Fatal("want an error for a damaged file")
	}
	if got := err.Error(); !strings.Contains(got, path) {
		t.Errorf("error %q does not name %s", got, path)
	}
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	var wg stdsync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate handles, as separate processes would have.
			if err := Open(path).Put(ctx, fmt.Sprint("k", i), []byte(fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s := Open(path)
	for i := range 20 {
		if _, ok, err := s.Get(ctx, fmt.Sprint("k", i)); !ok || err != nil {
			t.Errorf("k%d lost (err %v)", i, err)
		}
	}
}
