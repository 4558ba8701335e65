package storetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// SmallDisk is a tmpfs of a few megabytes mounted for one test, for stores
// that meet a full disk.
type SmallDisk struct {
	Dir    string // the mount point
	filler string
}

// MountSmallDisk mounts a tmpfs of size ("2m") on a fresh directory and
// unmounts it when the test ends. Where mounting is not allowed (no root,
// no mount binary, a container without CAP_SYS_ADMIN) it skips the test
// with a loud message, also under CI=true: whether mounting works is found
// out by trying, and a CI that can mount runs the test.
func MountSmallDisk(t testing.TB, size string) *SmallDisk {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("!!!!! FULL-DISK TEST NOT RUN: cannot mount a tmpfs here (%v: %s); it needs root or CAP_SYS_ADMIN !!!!!", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return &SmallDisk{Dir: dir, filler: filepath.Join(dir, ".filler")}
}

// Fill writes a file until the disk has no space left.
func (d *SmallDisk) Fill(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(d.filler, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(fmt.Errorf("fill %s: %w", d.Dir, err))
		}
	}
}

// Free removes what Fill wrote.
func (d *SmallDisk) Free(t testing.TB) {
	t.Helper()
	if err := os.Remove(d.filler); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
